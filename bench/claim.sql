-- The SQL of one job through sandboxd/queue.c with a no-op runner (pgbench
-- script, -M extended = PQexecParams as sandboxd does): queue_claim's claim
-- and load_cases, then finish_tx. Identical statements; the parameters are
-- pgbench variables, and the NULL ones (compile_status, compile_output,
-- error of a finished job) are written as NULL.
WITH c AS (SELECT id FROM coderun.jobs WHERE state = 'queued'
           ORDER BY priority, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
 UPDATE coderun.jobs j SET state = 'running', worker = :worker,
   lease_until = now() + make_interval(secs => :lease::double precision),
   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())
 FROM c WHERE j.id = c.id
 RETURNING j.id, (SELECT name FROM coderun.api_keys k WHERE k.id = j.key_id),
   j.language, j.mode, j.code, j.time_ms, j.memory_mb, j.output_kb, j.attempts,
   j.solution_code
\gset
SELECT idx, input FROM coderun.cases WHERE job_id = :id ORDER BY idx;
BEGIN;
UPDATE coderun.cases c SET output = r.output, verdict = r.verdict, error = r.error,
   exit_code = r.exit_code, signal = r.signal, cpu_ms = r.cpu_ms,
   wall_ms = r.wall_ms, memory_kb = r.memory_kb, output_truncated = r.output_truncated,
   solution_output = r.solution_output, solution_verdict = r.solution_verdict,
   solution_error = r.solution_error, solution_cpu_ms = r.solution_cpu_ms,
   solution_wall_ms = r.solution_wall_ms, solution_memory_kb = r.solution_memory_kb,
   passed = r.passed
 FROM jsonb_to_recordset(:cases::jsonb) AS r(idx int, output text, verdict text,
   error text, exit_code int, signal int, cpu_ms double precision,
   wall_ms double precision, memory_kb bigint, output_truncated boolean,
   solution_output text, solution_verdict text, solution_error text,
   solution_cpu_ms double precision, solution_wall_ms double precision,
   solution_memory_kb bigint, passed boolean)
 WHERE c.job_id = :id AND c.idx = r.idx;
UPDATE coderun.jobs SET state = 'finished', finished_at = now(),
   execution_time = :exec_time::double precision, lease_until = NULL,
   compile_status = NULL, compile_output = coalesce(NULL, ''), error = coalesce(NULL, '')
 WHERE id = :id AND worker = :worker AND state = 'running' AND attempts = :attempts::int;
COMMIT;
