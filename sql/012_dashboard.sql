-- The dashboard (issue 25): GET /reports/* read the reporting views.

-- A key with reports_all sees every key's figures on the dashboard; any
-- other key sees only its own jobs'. Set with `sandboxd key scope NAME all`.
ALTER TABLE coderun.api_keys ADD COLUMN reports_all boolean NOT NULL DEFAULT false;

-- The module reads the views the reporting role reads (they expose neither
-- code, inputs, outputs nor digests).
GRANT SELECT ON coderun.report_daily, coderun.report_keys, coderun.report_verdicts,
      coderun.report_case_percentiles, coderun.report_latency TO coderun_api;
