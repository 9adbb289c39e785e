-- Install (issue 19): a worker reports a fault of the service (job files
-- its sandbox cannot read, a missing cgroup...) with its heartbeat, and
-- /health says degraded while one is set. An administrator's group role
-- makes keys without the owner's rights (`sandboxd key` with the admin
-- config that `sandboxd setup` writes). Like 005's, the role is made here
-- only when the migrating role may (setup's superuser); otherwise the
-- installer makes it beforehand (t/lib/Coderun/Stack.pm does).
ALTER TABLE coderun.workers ADD COLUMN service_error text;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coderun_admin') THEN
        CREATE ROLE coderun_admin NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA coderun TO coderun_admin;
GRANT SELECT, INSERT, UPDATE (revoked_at) ON coderun.api_keys TO coderun_admin;
