-- Production PostgreSQL roles for acucare: an OWNER role that owns the schema and runs
-- migrations, and a restricted APP role that the web application and workers run as.
--
-- The app role may read and write the clinical tables, but on the audit log it may only
-- SELECT and INSERT: it cannot UPDATE, DELETE or TRUNCATE audit rows, and because it
-- does not own the table it cannot DROP or DISABLE the append-only trigger either.
--
-- Run it as a superuser (or the database owner), after `manage.py migrate`, and again
-- after every migrate (it is idempotent; it re-grants on tables created since):
--
--   psql -v ON_ERROR_STOP=1 -v owner_role=acucare_owner -v app_role=acucare_app \
--        -d acucare -f scripts/postgres-roles.sql
--
-- Then give each role a password (\password acucare_app), run migrations with the owner
-- (ACUCARE_DATABASE_URL=postgres://acucare_owner:…@host/acucare manage.py migrate) and the
-- application with the app role. docs/security.md explains the set-up.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'owner_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE :"owner_role" NOSUPERUSER NOREPLICATION NOBYPASSRLS;

-- The owner owns the database, the schema, every table (with its sequences) and the
-- trigger function.
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner_role') \gexec
ALTER SCHEMA public OWNER TO :"owner_role";
SELECT format('ALTER TABLE %I.%I OWNER TO %I', schemaname, tablename, :'owner_role')
  FROM pg_tables WHERE schemaname = 'public' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner_role')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.proname IN ('audit_event_append_only', 'audit_chain_head_follows') \gexec

-- The app role: connect, use the schema, no DDL.
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app_role') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- The audit log and its integrity-check results: append and read only.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditevent FROM :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditverification FROM :"app_role";
REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditchainhead FROM :"app_role";
