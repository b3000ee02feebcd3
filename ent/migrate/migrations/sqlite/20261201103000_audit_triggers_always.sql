-- Hand-written, PostgreSQL's only: its append-only triggers of the audit
-- trail fire whatever session_replication_role says. SQLite has no such
-- setting, and its triggers (20261201094108_audit_append_only.sql) always
-- fire; the version is kept in step with PostgreSQL's.
SELECT 1;
