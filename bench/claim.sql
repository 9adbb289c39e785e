-- The SQL of a batch of jobs through sandboxd/worker/queue.c with a no-op runner
-- (pgbench script, -M prepared: sandboxd prepares its statements once per
-- session; -D batch=N jobs per claim, so jobs/s = tps x N): the claim,
-- which brings the cases along, then the one-statement write of the batch
-- with its counters. Two round trips and two commits per batch, as in
-- sandboxd. The statements are sandboxd's (worker/queue_sql.c), with two
-- differences pgbench needs: the claim is wrapped to hand its ids to the
-- write in one variable (sandboxd reads the rows; '{}' when the queue ran
-- dry), and the write's jsonb parameter is built from those ids on the
-- server (sandboxd sends it). Fresh jobs: attempts is 1 after the claim.
WITH c AS (SELECT id FROM coderun.jobs WHERE state = 'queued'
           ORDER BY priority, seq LIMIT :batch::int FOR UPDATE SKIP LOCKED),
 claimed AS (UPDATE coderun.jobs j SET state = 'running', worker = :worker::text || '-' || :client_id,
   lease_until = now() + make_interval(secs => :lease::double precision),
   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())
 FROM c WHERE j.id = c.id
 RETURNING j.id, (SELECT name FROM coderun.api_keys k WHERE k.id = j.key_id),
   j.language, j.mode, j.code, j.time_ms, j.memory_mb, j.output_kb, j.attempts,
   j.solution_code, (SELECT json_agg(json_build_array(k.idx, k.input) ORDER BY k.idx)
     FROM coderun.cases k WHERE k.job_id = j.id) AS cases)
SELECT coalesce('{' || string_agg(id::text, ',') || '}', '{}') AS ids, max(length(cases::text)) AS case_bytes FROM claimed
\gset
WITH r AS (SELECT * FROM jsonb_to_recordset((
     SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'attempts', 1, 'state', 'finished',
       'execution_time', :exec_time::double precision, 'compile_status', NULL,
       'compile_output', '', 'error', '', 'cases', :cases::jsonb)), '[]')
       FROM unnest(:ids::uuid[]) AS id)) AS r(id uuid, attempts int,
   state text, execution_time double precision, compile_status text,
   compile_output text, error text, cases jsonb)),
 j AS (UPDATE coderun.jobs j SET state = r.state, finished_at = now(),
   execution_time = r.execution_time, lease_until = NULL,
   compile_status = r.compile_status, compile_output = r.compile_output, error = r.error
   FROM r WHERE j.id = r.id AND j.worker = :worker::text || '-' || :client_id AND j.state = 'running'
     AND j.attempts = r.attempts
   RETURNING j.id, j.worker, j.language, j.state, j.execution_time),
 c AS (UPDATE coderun.cases c SET output = x.output, verdict = x.verdict, error = x.error,
   exit_code = x.exit_code, signal = x.signal, cpu_ms = x.cpu_ms,
   wall_ms = x.wall_ms, memory_kb = x.memory_kb, output_truncated = x.output_truncated,
   solution_output = x.solution_output, solution_verdict = x.solution_verdict,
   solution_error = x.solution_error, solution_cpu_ms = x.solution_cpu_ms,
   solution_wall_ms = x.solution_wall_ms, solution_memory_kb = x.solution_memory_kb,
   passed = x.passed
   FROM j JOIN r ON r.id = j.id,
     jsonb_to_recordset(r.cases) AS x(idx int, output text, verdict text,
     error text, exit_code int, signal int, cpu_ms double precision,
     wall_ms double precision, memory_kb bigint, output_truncated boolean,
     solution_output text, solution_verdict text, solution_error text,
     solution_cpu_ms double precision, solution_wall_ms double precision,
     solution_memory_kb bigint, passed boolean)
   WHERE c.job_id = j.id AND c.idx = x.idx
   RETURNING c.job_id, c.verdict),
 ended AS (SELECT coalesce(j.worker, '') AS worker, j.language, j.state,
   j.execution_time, v.verdicts FROM j LEFT JOIN (SELECT job_id,
     array_agg(verdict) AS verdicts FROM c GROUP BY job_id) v ON v.job_id = j.id),
 counted AS (INSERT INTO coderun.counters AS t (worker, language, name, value)
   SELECT e.worker, e.language, d.name, sum(d.value) FROM ended e,
     coderun.job_end_deltas(e.state, e.execution_time, e.verdicts) d
   GROUP BY 1, 2, 3
   ON CONFLICT (worker, language, name) DO UPDATE SET value = t.value + EXCLUDED.value)
 SELECT id FROM j;
