-- `make bench`, reports and purge: :jobs generated jobs (generate_series,
-- not run) spread evenly over the :days UTC days before today, 20 keys,
-- four languages, both modes, one in 50 failed; one input each (verdicts,
-- CPU, wall and memory spread by a hash of seq). psql variables: jobs, days.
SET synchronous_commit = off;
INSERT INTO coderun.api_keys (name, digest)
SELECT 'bench-' || k, sha256(convert_to('bench-' || k, 'UTF8')) FROM generate_series(1, 20) k;
SELECT min(id) AS first_key FROM coderun.api_keys WHERE name LIKE 'bench-%' \gset
INSERT INTO coderun.jobs (key_id, language, mode, code, time_ms, memory_mb, output_kb, state, attempts, worker,
                          created_at, started_at, finished_at, execution_time, error)
SELECT :first_key + i % 20,
       (ARRAY['python', 'c', 'java', 'javascript'])[(i % 4 + 1)::integer],
       CASE WHEN i % 3 = 0 THEN 'program' ELSE 'function' END,
       'bench generated', 2000, 256, 64,
       CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'finished' END, 1, 'bench:0',
       t, t + interval '20 ms', t + (0.05 + (i * 7919 % 1000) / 200.0) * interval '1 s',
       CASE WHEN i % 50 <> 0 THEN (i * 7919 % 1000) / 2000.0 END,
       CASE WHEN i % 50 = 0 THEN 'internal error: generated' ELSE '' END
  FROM generate_series(0::bigint, :jobs - 1) i,
       LATERAL (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                       - :days * interval '1 day' + i * (:days * 86400.0 / :jobs) * interval '1 s' AS t) c;
INSERT INTO coderun.cases (job_id, idx, input, output, verdict, exit_code, signal, cpu_ms, wall_ms, memory_kb,
                           output_truncated)
SELECT id, 0, 'x', 'x',
       CASE WHEN state = 'finished' THEN (ARRAY['ok', 'ok', 'ok', 'runtime_error', 'time_limit'])[(seq % 5 + 1)::integer] END,
       0, 0, (seq * 7919 % 2000) / 10.0 + 1, (seq * 7919 % 2000) / 8.0 + 1, 8000 + seq * 104729 % 50000, false
  FROM coderun.jobs WHERE code = 'bench generated';
VACUUM ANALYZE coderun.jobs;
VACUUM ANALYZE coderun.cases;
