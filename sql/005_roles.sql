-- Least privilege: one group role per component. Login roles are made
-- members of these by whoever installs the service (`make run` does).
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['coderun_api', 'coderun_worker', 'coderun_report'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA coderun TO coderun_api, coderun_worker, coderun_report;

-- The module: authenticate (digests, last use), queue jobs and cases, read
-- its own results, languages, health and metrics.
GRANT SELECT, UPDATE (last_used_at) ON coderun.api_keys TO coderun_api;
GRANT SELECT, INSERT ON coderun.jobs, coderun.cases TO coderun_api;
GRANT SELECT ON coderun.languages, coderun.workers, coderun.counters TO coderun_api;
GRANT EXECUTE ON FUNCTION coderun.metrics_json(), coderun.rfc3339(timestamptz),
      coderun.duration_buckets() TO coderun_api;

-- The worker: claim and finish jobs, write cases and counters (through the
-- job-end trigger), heartbeats, the language table; keys for `key` commands
-- are an administrator's job and stay with the owner.
GRANT SELECT, UPDATE ON coderun.jobs, coderun.cases TO coderun_worker;
GRANT SELECT (id, name) ON coderun.api_keys TO coderun_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON coderun.workers, coderun.languages TO coderun_worker;
GRANT SELECT, INSERT, UPDATE ON coderun.counters TO coderun_worker;

-- Reporting: the views only (they run with the owner's rights and expose
-- neither code, inputs, outputs nor digests).
GRANT SELECT ON coderun.report_daily, coderun.report_keys, coderun.report_verdicts,
      coderun.report_case_percentiles, coderun.report_latency, coderun.report_jobs,
      coderun.report_failures TO coderun_report;
