-- Hand-written: the audit trail stays append-only against the service's
-- own database role.
--
-- Its triggers fire whatever session_replication_role says. Ordinary
-- triggers do not fire in a session with session_replication_role =
-- replica, which a role granted SET ON PARAMETER session_replication_role
-- may set (the import's fast path does, to skip foreign-key checks);
-- ALWAYS triggers fire in every mode. Only the table's owner may disable
-- or drop them, and the service's role is not the owner (README,
-- Deployment, step 2). They refuse UPDATE, DELETE and TRUNCATE only:
-- inserts are untouched.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;
-- And no role but the owner holds UPDATE, DELETE or TRUNCATE on it: the
-- default privileges of Deployment step 2 give the service's role those
-- of every table the migrations create, this one included; they are taken
-- back here, once, as the migration is applied.
DO $$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS name
    FROM pg_class c
    CROSS JOIN LATERAL aclexplode(c.relacl) a
    LEFT JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = 'audit_events'::regclass AND a.grantee <> c.relowner
      AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM ' || g.name;
  END LOOP;
END $$;
