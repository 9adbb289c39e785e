-- Reporting views: everything a report needs, without code, inputs,
-- outputs or key digests. The reporting role reads these views only.

-- Executions per UTC day and language.
CREATE VIEW coderun.report_daily AS
SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day,
       j.language,
       count(*)                                          AS jobs,
       count(*) FILTER (WHERE j.state = 'finished')      AS finished,
       count(*) FILTER (WHERE j.state = 'failed')        AS failed,
       sum(j.execution_time)                             AS execution_seconds,
       avg(extract(epoch FROM j.finished_at - j.created_at)) AS avg_latency_seconds
  FROM coderun.jobs j
 GROUP BY 1, 2;

-- Per API key (by name) and day.
CREATE VIEW coderun.report_keys AS
SELECT k.name AS key_name,
       (j.created_at AT TIME ZONE 'UTC')::date AS day,
       count(*)                                     AS jobs,
       count(*) FILTER (WHERE j.state = 'failed')   AS failed,
       sum(j.execution_time)                        AS execution_seconds
  FROM coderun.jobs j JOIN coderun.api_keys k ON k.id = j.key_id
 GROUP BY 1, 2;

-- Verdict mix per day and language: how many inputs end how.
CREATE VIEW coderun.report_verdicts AS
SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day, j.language, c.verdict, count(*) AS cases
  FROM coderun.cases c JOIN coderun.jobs j ON j.id = c.job_id
 WHERE c.verdict IS NOT NULL
 GROUP BY 1, 2, 3;

-- CPU, wall and memory percentiles per day and language, over run inputs.
CREATE VIEW coderun.report_case_percentiles AS
SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day, j.language,
       count(*) AS cases,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.cpu_ms)    AS cpu_ms_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.cpu_ms)    AS cpu_ms_p95,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.wall_ms)   AS wall_ms_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.wall_ms)   AS wall_ms_p95,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY c.memory_kb) AS memory_kb_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY c.memory_kb) AS memory_kb_p95
  FROM coderun.cases c JOIN coderun.jobs j ON j.id = c.job_id
 WHERE c.verdict IS NOT NULL
 GROUP BY 1, 2;

-- End-to-end latency percentiles per language and day.
CREATE VIEW coderun.report_latency AS
SELECT (j.created_at AT TIME ZONE 'UTC')::date AS day, j.language,
       percentile_cont(0.5)  WITHIN GROUP (ORDER BY extract(epoch FROM j.finished_at - j.created_at)) AS p50_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.finished_at - j.created_at)) AS p95_seconds,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM j.finished_at - j.created_at)) AS p99_seconds
  FROM coderun.jobs j
 WHERE j.finished_at IS NOT NULL
 GROUP BY 1, 2;

-- Jobs by execution time, slowest first (ORDER BY ... LIMIT in the query).
CREATE VIEW coderun.report_jobs AS
SELECT j.id, k.name AS key_name, j.language, j.mode, j.state, j.attempts,
       j.created_at, j.started_at, j.finished_at, j.execution_time,
       (SELECT count(*) FROM coderun.cases c WHERE c.job_id = j.id) AS cases,
       j.error
  FROM coderun.jobs j JOIN coderun.api_keys k ON k.id = j.key_id;

-- Why jobs failed, and why inputs did not end ok.
CREATE VIEW coderun.report_failures AS
SELECT 'job' AS level, j.language, left(j.error, 200) AS reason, count(*) AS n
  FROM coderun.jobs j WHERE j.state = 'failed'
 GROUP BY 2, 3
UNION ALL
SELECT 'case', j.language, c.verdict, count(*)
  FROM coderun.cases c JOIN coderun.jobs j ON j.id = c.job_id
 WHERE c.verdict NOT IN ('ok')
 GROUP BY 2, 3;

-- Reports filter on the UTC day: these keep a week's report an index scan
-- at millions of rows (cases are reached through their primary key).
CREATE INDEX jobs_created_day ON coderun.jobs (((created_at AT TIME ZONE 'UTC')::date));
CREATE INDEX jobs_key_created_day ON coderun.jobs (key_id, ((created_at AT TIME ZONE 'UTC')::date));
