-- Hand-written: every statement that changes a table some instance may
-- cache (the operators, for the authentication; the reference data)
-- notifies every instance listening, at its commit (internal/invalidate).
-- ALWAYS triggers, like the audit trail's: they fire whatever
-- session_replication_role says.
CREATE FUNCTION segretariato_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('segretariato_invalidate', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER operators_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON operators
  FOR EACH STATEMENT EXECUTE FUNCTION segretariato_invalidate();
CREATE TRIGGER need_categories_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON need_categories
  FOR EACH STATEMENT EXECUTE FUNCTION segretariato_invalidate();
CREATE TRIGGER services_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
  FOR EACH STATEMENT EXECUTE FUNCTION segretariato_invalidate();
ALTER TABLE operators ENABLE ALWAYS TRIGGER operators_invalidate;
ALTER TABLE need_categories ENABLE ALWAYS TRIGGER need_categories_invalidate;
ALTER TABLE services ENABLE ALWAYS TRIGGER services_invalidate;
