-- PostgreSQL roles and database of the Segretariato sociale backend
-- (README, Deployment, step 2). Run once, as the postgres superuser,
-- before the first `server migrate up`:
--
--   psql -U postgres -v owner=segretariato_owner -v service=segretariato \
--        -v database=segretariato -f deploy/postgres-roles.sql
--
-- Two roles. The owner owns the database and its tables: the migrations
-- run as it (MIGRATE_DATABASE_URL). The service's role, which the server
-- runs as (DATABASE_URL), owns nothing: it reads and writes the rows, and
-- can neither alter, disable triggers on, nor drop a table; on the audit
-- trail it may only read and insert (the migration
-- 20261201103000_audit_triggers_always takes UPDATE and DELETE back).
-- Give both a password afterwards: \password segretariato_owner,
-- \password segretariato.

CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE :"service" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE :"database" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"service";

-- Optional: imports about twice as fast (BENCHMARKS.md). The import then
-- skips the foreign-key checks it makes redundant; the audit trail's
-- triggers fire all the same.
GRANT SET ON PARAMETER session_replication_role TO :"service";

\connect :"database"

-- What the owner's migrations create, now and later, the service may use:
-- rows of every table, and the tables' sequences.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"service";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE ON SEQUENCES TO :"service";
