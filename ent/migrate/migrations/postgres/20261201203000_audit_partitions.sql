-- Hand-written: the audit trail is partitioned by month (README, "The
-- audit trail: partitions and retention"), so a month that has left the
-- retention period is exported and detached as a whole, and "who looked
-- at this citizen" probes one small index per month instead of one that
-- grows for ever.
--
-- A partitioned table's primary key holds its partition key, so the key is
-- (id, at); ids still come from one sequence, in the trail's id range,
-- and stay unique. PostgreSQL 15 has no identity column on a partitioned
-- table: the id's default is the sequence.
ALTER TABLE audit_events RENAME TO audit_events_unpartitioned;
ALTER INDEX auditevent_entity_entity_id_at RENAME TO audit_events_unpartitioned_entity;
ALTER INDEX auditevent_operator_id_at RENAME TO audit_events_unpartitioned_operator;
ALTER INDEX auditevent_citizens RENAME TO audit_events_unpartitioned_citizens;
ALTER TABLE audit_events_unpartitioned RENAME CONSTRAINT audit_events_pkey TO audit_events_unpartitioned_pkey;
ALTER SEQUENCE audit_events_id_seq RENAME TO audit_events_unpartitioned_id_seq;
CREATE SEQUENCE audit_events_id_seq AS bigint START WITH 64424509440;
CREATE TABLE audit_events (
  "id" bigint NOT NULL DEFAULT nextval('audit_events_id_seq'),
  "at" timestamptz NOT NULL,
  "operator_id" bigint NULL,
  "operator_email" character varying NULL,
  "role" character varying NULL,
  "action" character varying NOT NULL,
  "entity" character varying NOT NULL,
  "entity_id" bigint NULL,
  "request_id" character varying NULL,
  "client_addr" character varying NULL,
  "detail" character varying NULL,
  "records" text NULL,
  "citizens" bigint[] NULL,
  PRIMARY KEY ("id", "at")
) PARTITION BY RANGE ("at");
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;
CREATE INDEX "auditevent_entity_entity_id_at" ON "audit_events" ("entity", "entity_id", "at");
CREATE INDEX "auditevent_operator_id_at" ON "audit_events" ("operator_id", "at");
-- The GIN index keeps new entries in a pending list until a vacuum or a
-- full list merges them, and every search reads the whole list: a short
-- one (256 kB, not 4 MB) keeps "who looked" fast in the month being
-- written (BENCHMARKS.md). Each partition's index takes it from here.
CREATE INDEX "auditevent_citizens" ON "audit_events" USING gin ("citizens") WITH (gin_pending_list_limit = 256);
-- A citizen is in few of a month's events, among hundreds of thousands of
-- citizens: with the default statistics the planner takes any citizen
-- for a frequent one (about 2,000 events a month where there are 10) and
-- prices "who looked" high enough to compile it (JIT), 50 ms of 60. A
-- longer list of the commonest citizens gives the right estimate; each
-- partition gets it as it is made (partitions do not inherit it).
ALTER TABLE audit_events ALTER COLUMN citizens SET STATISTICS 2000;
-- The row triggers of a partitioned table are cloned onto every
-- partition, present and future; ENABLE ALWAYS is set on each clone by
-- audit_events_partition, which also gives each partition the TRUNCATE
-- trigger (statement triggers are not cloned) and takes back the
-- privileges the default ones gave.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;

-- audit_events_revoke takes UPDATE, DELETE and TRUNCATE on a table of the
-- trail back from every role but its owner. The catalogue is named in
-- full: audit_events_partition runs it with the owner's rights, for a
-- caller who may have made temporary tables of the same names.
CREATE FUNCTION audit_events_revoke(t regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END AS name
    FROM pg_catalog.pg_class c
    CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
    LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
    WHERE c.oid = t AND a.grantee <> c.relowner
      AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
  LOOP
    EXECUTE pg_catalog.format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %s', t, g.name);
  END LOOP;
END $$;
SELECT audit_events_revoke('audit_events');

-- audit_events_partition makes the partition of the month holding day,
-- audit_events_YYYYMM, unless it exists, and returns its name. It runs
-- with its owner's rights (the tables' owner), so the server's role may
-- call it to make the coming months' partitions and still owns none; it
-- names every object with its schema. Making a partition locks the whole
-- trail for a moment: past lock_timeout behind a long reader it gives up
-- (the server tries again within the hour) rather than hold up every
-- request's audit event queued behind it.
CREATE FUNCTION audit_events_partition(day date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET lock_timeout = '2s' AS $$
DECLARE
  first date := pg_catalog.date_trunc('month', day)::date;
  s text := pg_catalog.current_schema();
  name text := 'audit_events_' || pg_catalog.to_char(first, 'YYYYMM');
  t text := pg_catalog.format('%I.%I', s, name);
BEGIN
  IF pg_catalog.to_regclass(t) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('audit_events_partition'));
  BEGIN
    EXECUTE pg_catalog.format('CREATE TABLE %s PARTITION OF %I.audit_events FOR VALUES FROM (%L) TO (%L)',
      t, s, first::timestamp AT TIME ZONE 'UTC', (first + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  EXCEPTION WHEN duplicate_table THEN
    RETURN name; -- another instance made it meanwhile
  END;
  EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN citizens SET STATISTICS 2000', t);
  -- Vacuumed after every thousand events, not a fifth of the month's:
  -- cheap on a table only appended to, it merges the index's pending
  -- entries and marks the pages all-visible for the month's searches.
  EXECUTE pg_catalog.format('ALTER TABLE %s SET (autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0)', t);
  EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_no_update', t);
  EXECUTE pg_catalog.format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %I.audit_events_append_only()', t, s);
  EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_no_truncate', t);
  PERFORM audit_events_revoke(t::regclass);
  RETURN name;
END $$;
REVOKE ALL ON FUNCTION audit_events_revoke(regclass) FROM PUBLIC;
-- Who may append to the trail may make its months, nobody else.
REVOKE ALL ON FUNCTION audit_events_partition(date) FROM PUBLIC;
DO $$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT DISTINCT quote_ident(r.rolname) AS name
    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = 'audit_events'::regclass AND a.grantee <> c.relowner AND a.privilege_type = 'INSERT'
  LOOP
    EXECUTE 'GRANT EXECUTE ON FUNCTION audit_events_partition(date) TO ' || g.name;
  END LOOP;
END $$;

-- No default partition: an event of a month with no partition is refused,
-- and the request with it, as when the trail cannot be written. The
-- server makes this month's partition and the next three's at start and
-- every hour (internal/audit, EnsurePartitions). The months the trail
-- already holds, and this one and the next three:
SELECT audit_events_partition(m::date)
  FROM generate_series(
    date_trunc('month', LEAST((SELECT min(at) FROM audit_events_unpartitioned), now()) AT TIME ZONE 'UTC'),
    date_trunc('month', GREATEST((SELECT max(at) FROM audit_events_unpartitioned), now()) AT TIME ZONE 'UTC') + interval '3 months',
    interval '1 month') AS m;
INSERT INTO audit_events SELECT id, at, operator_id, operator_email, role, action, entity, entity_id,
  request_id, client_addr, detail, records, citizens FROM audit_events_unpartitioned;
SELECT setval('audit_events_id_seq', GREATEST((SELECT max(id) FROM audit_events), 64424509439));
DROP TABLE audit_events_unpartitioned;
