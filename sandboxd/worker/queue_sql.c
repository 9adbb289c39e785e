/* queue_sql: the statements of queue.c. Prepared once per session, so a
 * claim, a finish or a heartbeat is parsed and planned once, not on every
 * call. */
#include "worker/queue_sql.h"
#include "worker/db.h"

/* The job-end counters (coderun.counters, read by GET /metrics), moved by
 * the statement that ends the jobs: ENDED_COUNTED upserts the deltas of a
 * CTE named ended (worker, language, state, execution_time, verdicts),
 * summed per counter row. */
#define ENDED_COUNTED \
    " counted AS (INSERT INTO coderun.counters AS t (worker, language, name, value)" \
    "   SELECT e.worker, e.language, d.name, sum(d.value) FROM ended e," \
    "     coderun.job_end_deltas(e.state, e.execution_time, e.verdicts) d" \
    "   GROUP BY 1, 2, 3" \
    "   ON CONFLICT (worker, language, name) DO UPDATE SET value = t.value + EXCLUDED.value)"

/* Release and rescue end a job only by giving it up: failed, no case run. */
#define ENDED_GIVEN_UP \
    " ended AS (SELECT coalesce(worker, '') AS worker, language, state, execution_time," \
    "   NULL::text[] AS verdicts FROM j WHERE state = 'failed')," ENDED_COUNTED

static const struct {
    const char *name, *sql;
    int nparams;
} statements[] = {
    /* $1 worker, $2 lease seconds, $3 most jobs. Each job's cases come
     * along as a JSON array of [idx, input]. */
    { Q_CLAIM,
      "WITH c AS (SELECT id FROM coderun.jobs WHERE state = 'queued'"
      "           ORDER BY priority, seq LIMIT $3::int FOR UPDATE SKIP LOCKED)"
      " UPDATE coderun.jobs j SET state = 'running', worker = $1,"
      "   lease_until = now() + make_interval(secs => $2::double precision),"
      "   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())"
      " FROM c WHERE j.id = c.id"
      " RETURNING j.id, (SELECT name FROM coderun.api_keys k WHERE k.id = j.key_id),"
      "   j.language, j.mode, j.code, j.time_ms, j.memory_mb, j.output_kb, j.attempts,"
      "   j.solution_code, (SELECT json_agg(json_build_array(k.idx, k.input) ORDER BY k.idx)"
      "     FROM coderun.cases k WHERE k.job_id = j.id)", 3 },
    /* $1 worker, $2 the batch as JSON. One statement, so one transaction:
     * the job rows still leased to us (worker, state and attempt
     * unchanged) end, only their cases are written, and the counters move
     * by what they wrote. The worker's busy slots drop with them, so
     * /health shows a slot idle once its result is committed (the next
     * heartbeat writes the exact count again). */
    { Q_FINISH,
      "WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, attempts int,"
      "   state text, execution_time double precision, compile_status text,"
      "   compile_output text, error text, cases jsonb)),"
      " j AS (UPDATE coderun.jobs j SET state = r.state, finished_at = now(),"
      "   execution_time = r.execution_time, lease_until = NULL,"
      "   compile_status = r.compile_status, compile_output = r.compile_output, error = r.error"
      "   FROM r WHERE j.id = r.id AND j.worker = $1 AND j.state = 'running'"
      "     AND j.attempts = r.attempts"
      "   RETURNING j.id, j.worker, j.language, j.state, j.execution_time),"
      " c AS (UPDATE coderun.cases c SET output = x.output, verdict = x.verdict, error = x.error,"
      "   exit_code = x.exit_code, signal = x.signal, cpu_ms = x.cpu_ms,"
      "   wall_ms = x.wall_ms, memory_kb = x.memory_kb, output_truncated = x.output_truncated,"
      "   solution_output = x.solution_output, solution_verdict = x.solution_verdict,"
      "   solution_error = x.solution_error, solution_cpu_ms = x.solution_cpu_ms,"
      "   solution_wall_ms = x.solution_wall_ms, solution_memory_kb = x.solution_memory_kb,"
      "   passed = x.passed"
      "   FROM j JOIN r ON r.id = j.id,"
      "     jsonb_to_recordset(r.cases) AS x(idx int, output text, verdict text,"
      "     error text, exit_code int, signal int, cpu_ms double precision,"
      "     wall_ms double precision, memory_kb bigint, output_truncated boolean,"
      "     solution_output text, solution_verdict text, solution_error text,"
      "     solution_cpu_ms double precision, solution_wall_ms double precision,"
      "     solution_memory_kb bigint, passed boolean)"
      "   WHERE c.job_id = j.id AND c.idx = x.idx"
      "   RETURNING c.job_id, c.verdict),"
      " ended AS (SELECT coalesce(j.worker, '') AS worker, j.language, j.state,"
      "   j.execution_time, v.verdicts FROM j LEFT JOIN (SELECT job_id,"
      "     array_agg(verdict) AS verdicts FROM c GROUP BY job_id) v ON v.job_id = j.id),"
      ENDED_COUNTED ","
      " idle AS (UPDATE coderun.workers SET busy = greatest(busy - (SELECT count(*) FROM j), 0)"
      "   WHERE name = $1)"
      " SELECT id FROM j", 2 },
    /* $1 job, $2 worker, $3 attempts, $4 1 = the attempt is handed back,
     * $5 most attempts, $6 why. How many rows it released (0 or 1). */
    { Q_RELEASE,
      "WITH d AS (SELECT id, attempts - $4::int AS attempts,"
      "   $4::int = 0 AND attempts >= least(max_attempts, $5::int) AS give_up"
      "   FROM coderun.jobs WHERE id = $1),"
      " j AS (UPDATE coderun.jobs j SET attempts = d.attempts, lease_until = NULL,"
      "   state = CASE WHEN d.give_up THEN 'failed' ELSE 'queued' END,"
      "   error = CASE WHEN d.give_up THEN $6 ELSE j.error END,"
      "   finished_at = CASE WHEN d.give_up THEN now() END"
      "   FROM d WHERE j.id = d.id AND j.worker = $2 AND j.state = 'running'"
      "     AND j.attempts = $3::int"
      "   RETURNING j.worker, j.language, j.state, j.execution_time),"
      ENDED_GIVEN_UP
      " SELECT count(*) FROM j", 6 },
    /* $1 most attempts. The expired leases of any worker. */
    { Q_RESCUE,
      "WITH d AS (SELECT id, attempts >= least(max_attempts, $1::int) AS give_up"
      "   FROM coderun.jobs WHERE state = 'running' AND lease_until < now()"
      "   FOR UPDATE SKIP LOCKED),"
      " j AS (UPDATE coderun.jobs j SET lease_until = NULL,"
      "   state = CASE WHEN d.give_up THEN 'failed' ELSE 'queued' END,"
      "   error = CASE WHEN d.give_up"
      "     THEN 'the worker running this job stopped responding (' || j.attempts || ' attempts)'"
      "     ELSE j.error END,"
      "   finished_at = CASE WHEN d.give_up THEN now() END"
      "   FROM d WHERE j.id = d.id"
      "   RETURNING j.id, j.state, j.worker, j.language, j.execution_time),"
      ENDED_GIVEN_UP
      " SELECT id, state, worker FROM j", 1 },
    { Q_BEAT,
      "INSERT INTO coderun.workers (name, host, pid, slots, busy, sandbox_mode, service_error)"
      " VALUES ($1, $2, $3::int, $4::int, $5::int, $6, nullif($7, ''))"
      " ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, busy = EXCLUDED.busy,"
      "   sandbox_mode = EXCLUDED.sandbox_mode, service_error = EXCLUDED.service_error,"
      "   heartbeat_at = now()", 7 },
    /* $1 worker, $2 lease seconds, $3 the running jobs' ids (uuid[]). */
    { Q_RENEW,
      "UPDATE coderun.jobs SET lease_until = now() + make_interval(secs => $2::double precision)"
      " WHERE worker = $1 AND state = 'running' AND id = ANY ($3::uuid[])", 3 },
};

int queue_prepare(PGconn *conn, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
        if (db_prepare(conn, statements[i].name, statements[i].sql, statements[i].nparams,
                       err, errlen) != 0)
            return -1;
    return 0;
}
