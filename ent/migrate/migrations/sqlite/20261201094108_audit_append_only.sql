-- atlas:delimiter -- end
-- Hand-written: the database itself refuses UPDATE and DELETE on the audit
-- trail, so not even a bug or a hand-typed statement through the
-- application's account can rewrite it. Idempotent, since releases before
-- versioned migrations created the same triggers at every start. (The
-- delimiter directive keeps each trigger's BEGIN … END in one statement.)
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
-- end
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
-- end
