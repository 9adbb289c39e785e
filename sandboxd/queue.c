/* queue: the PostgreSQL side of a worker — claim, write results guarded by
 * the lease, release, heartbeat with lease renewal and rescue, languages. */
#include "queue.h"
#include "db.h"
#include "log.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void worker_identify(struct worker *w, unsigned slots, unsigned lease_s,
                     unsigned max_attempts, const char *sandbox_mode)
{
    memset(w, 0, sizeof *w);
    if (gethostname(w->host, sizeof w->host - 1) != 0)
        snprintf(w->host, sizeof w->host, "localhost");
    w->pid = (int)getpid();
    snprintf(w->name, sizeof w->name, "%s:%d", w->host, w->pid);
    w->slots = slots;
    w->lease_s = lease_s;
    w->max_attempts = max_attempts;
    snprintf(w->sandbox_mode, sizeof w->sandbox_mode, "%s", sandbox_mode);
}

void job_free(struct job *job)
{
    free(job->id);
    free(job->key_name);
    free(job->language);
    free(job->mode);
    free(job->code);
    free(job->solution_code);
    for (size_t i = 0; job->inputs && i < job->ncases; i++)
        free(job->inputs[i]);
    free(job->inputs);
    free(job->idx);
    memset(job, 0, sizeof *job);
}

static int load_cases(PGconn *conn, struct job *job, char *err, size_t errlen)
{
    const char *params[] = {job->id};
    PGresult *res = db_query(conn,
        "SELECT idx, input FROM coderun.cases WHERE job_id = $1 ORDER BY idx",
        1, params, err, errlen);
    if (!res)
        return -1;
    size_t n = (size_t)PQntuples(res);
    job->inputs = calloc(n + 1, sizeof *job->inputs);
    job->idx = calloc(n + 1, sizeof *job->idx);
    int rc = job->inputs && job->idx ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        job->idx[i] = atoi(PQgetvalue(res, (int)i, 0));
        job->inputs[i] = strdup(PQgetvalue(res, (int)i, 1));
        job->ncases = i + 1;
        rc = job->inputs[i] ? 0 : -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    PQclear(res);
    return rc;
}

int queue_claim(PGconn *conn, const struct worker *w, struct job *job,
                char *err, size_t errlen)
{
    char lease[16];
    snprintf(lease, sizeof lease, "%u", w->lease_s);
    const char *params[] = {w->name, lease};
    PGresult *res = db_query(conn,
        "WITH c AS (SELECT id FROM coderun.jobs WHERE state = 'queued'"
        "           ORDER BY priority, seq LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " UPDATE coderun.jobs j SET state = 'running', worker = $1,"
        "   lease_until = now() + make_interval(secs => $2::double precision),"
        "   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())"
        " FROM c WHERE j.id = c.id"
        " RETURNING j.id, (SELECT name FROM coderun.api_keys k WHERE k.id = j.key_id),"
        "   j.language, j.mode, j.code, j.time_ms, j.memory_mb, j.output_kb, j.attempts,"
        "   j.solution_code",
        2, params, err, errlen);
    if (!res)
        return -1;
    int found = PQntuples(res) > 0;
    memset(job, 0, sizeof *job);
    if (found) {
        job->id = strdup(PQgetvalue(res, 0, 0));
        job->key_name = strdup(PQgetvalue(res, 0, 1));
        job->language = strdup(PQgetvalue(res, 0, 2));
        job->mode = strdup(PQgetvalue(res, 0, 3));
        job->code = strdup(PQgetvalue(res, 0, 4));
        job->time_ms = (unsigned)atoi(PQgetvalue(res, 0, 5));
        job->memory_mb = (unsigned)atoi(PQgetvalue(res, 0, 6));
        job->output_kb = (unsigned)atoi(PQgetvalue(res, 0, 7));
        job->attempts = atoi(PQgetvalue(res, 0, 8));
        job->solution_code = PQgetisnull(res, 0, 9) ? NULL : strdup(PQgetvalue(res, 0, 9));
    }
    PQclear(res);
    if (found && load_cases(conn, job, err, errlen) != 0) {
        /* The lease expires and a heartbeat rescues it. */
        job_free(job);
        return -1;
    }
    return found;
}

/* The solution's run of a problem case goes to the solution_* columns. */
static void solution_json(json_object *o, const struct case_result *user,
                          const struct case_result *sol)
{
    json_object_object_add(o, "solution_output", json_object_new_string(sol->output ? sol->output : ""));
    json_object_object_add(o, "solution_verdict", json_object_new_string(sol->verdict));
    json_object_object_add(o, "solution_error", json_object_new_string(sol->error ? sol->error : ""));
    json_object_object_add(o, "solution_cpu_ms", json_object_new_double(sol->cpu_ms));
    json_object_object_add(o, "solution_wall_ms", json_object_new_double(sol->wall_ms));
    json_object_object_add(o, "solution_memory_kb", json_object_new_int64(sol->memory_kb));
    bool passed = strcmp(user->verdict, "ok") == 0 && strcmp(sol->verdict, "ok") == 0
               && user->output && sol->output && strcmp(user->output, sol->output) == 0;
    json_object_object_add(o, "passed", json_object_new_boolean(passed));
}

static json_object *cases_json(const struct job *job, const struct job_outcome *out)
{
    json_object *arr = json_object_new_array();
    /* A failed job (compile error) leaves its cases without a verdict. */
    for (size_t i = 0; out->state == JOB_FINISHED && i < job->ncases; i++) {
        const struct case_result *c = &out->cases[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "idx", json_object_new_int(job->idx[i]));
        json_object_object_add(o, "output", json_object_new_string(c->output ? c->output : ""));
        json_object_object_add(o, "verdict", json_object_new_string(c->verdict));
        json_object_object_add(o, "error", json_object_new_string(c->error ? c->error : ""));
        /* NULL, not 0 / -1, for what did not happen: an exit or a signal. */
        json_object_object_add(o, "exit_code", c->signal ? NULL : json_object_new_int(c->exit_code));
        json_object_object_add(o, "signal", c->signal ? json_object_new_int(c->signal) : NULL);
        json_object_object_add(o, "cpu_ms", json_object_new_double(c->cpu_ms));
        json_object_object_add(o, "wall_ms", json_object_new_double(c->wall_ms));
        json_object_object_add(o, "memory_kb", json_object_new_int64(c->memory_kb));
        json_object_object_add(o, "output_truncated", json_object_new_boolean(c->output_truncated));
        if (out->solution_cases)
            solution_json(o, c, &out->solution_cases[i]);
        json_object_array_add(arr, o);
    }
    return arr;
}

/* BEGIN; cases; job row guarded by worker + attempts; COMMIT. Cases come
 * first: the job-end trigger counts their verdicts into coderun.counters. */
static int finish_tx(PGconn *conn, const char *const *job_params, const char *cases,
                     char *err, size_t errlen)
{
    if (db_exec(conn, "BEGIN", 0, NULL, err, errlen) != 0)
        return -1;
    const char *params[] = {job_params[0], cases};
    long n = db_exec(conn,
        "UPDATE coderun.cases c SET output = r.output, verdict = r.verdict, error = r.error,"
        "   exit_code = r.exit_code, signal = r.signal, cpu_ms = r.cpu_ms,"
        "   wall_ms = r.wall_ms, memory_kb = r.memory_kb, output_truncated = r.output_truncated,"
        "   solution_output = r.solution_output, solution_verdict = r.solution_verdict,"
        "   solution_error = r.solution_error, solution_cpu_ms = r.solution_cpu_ms,"
        "   solution_wall_ms = r.solution_wall_ms, solution_memory_kb = r.solution_memory_kb,"
        "   passed = r.passed"
        " FROM jsonb_to_recordset($2::jsonb) AS r(idx int, output text, verdict text,"
        "   error text, exit_code int, signal int, cpu_ms double precision,"
        "   wall_ms double precision, memory_kb bigint, output_truncated boolean,"
        "   solution_output text, solution_verdict text, solution_error text,"
        "   solution_cpu_ms double precision, solution_wall_ms double precision,"
        "   solution_memory_kb bigint, passed boolean)"
        " WHERE c.job_id = $1 AND c.idx = r.idx", 2, params, err, errlen) == 0 ? 1 : -1;
    PGresult *res = n > 0 ? db_query(conn,
        "UPDATE coderun.jobs SET state = $4, finished_at = now(),"
        "   execution_time = $5::double precision, lease_until = NULL,"
        "   compile_status = $6, compile_output = coalesce($7, ''), error = coalesce($8, '')"
        " WHERE id = $1 AND worker = $2 AND state = 'running' AND attempts = $3::int",
        8, job_params, err, errlen) : NULL;
    if (n > 0)
        n = res ? db_affected(res) : -1;
    PQclear(res);
    if (n > 0)
        return db_exec(conn, "COMMIT", 0, NULL, err, errlen) == 0 ? 1 : -1;
    char ignored[128];
    db_exec(conn, "ROLLBACK", 0, NULL, ignored, sizeof ignored);
    return n < 0 ? -1 : 0;
}

int queue_finish(PGconn *conn, const struct worker *w, const struct job *job,
                 const struct job_outcome *out, char *err, size_t errlen)
{
    char attempts[16], exec_time[32];
    snprintf(attempts, sizeof attempts, "%d", job->attempts);
    snprintf(exec_time, sizeof exec_time, "%.6f", out->execution_time);
    const char *params[] = {
        job->id, w->name, attempts, out->state == JOB_FINISHED ? "finished" : "failed",
        out->state == JOB_FINISHED ? exec_time : NULL,
        out->compile_status, out->compile_output, out->error,
    };
    json_object *cases = cases_json(job, out);
    int rc = finish_tx(conn, params, json_object_to_json_string_ext(cases, JSON_C_TO_STRING_PLAIN),
                       err, errlen);
    json_object_put(cases);
    return rc;
}

int queue_release(PGconn *conn, const struct worker *w, const struct job *job,
                  const char *why, char *err, size_t errlen)
{
    char attempts[16], max[16];
    snprintf(attempts, sizeof attempts, "%d", job->attempts);
    snprintf(max, sizeof max, "%u", w->max_attempts);
    /* Unstarted (no why): the attempt is handed back and never fails the job. */
    const char *params[] = {job->id, w->name, attempts, why ? "0" : "1", max, why ? why : ""};
    PGresult *res = db_query(conn,
        "UPDATE coderun.jobs j SET attempts = d.attempts, lease_until = NULL,"
        "   state = CASE WHEN d.give_up THEN 'failed' ELSE 'queued' END,"
        "   error = CASE WHEN d.give_up THEN $6 ELSE j.error END,"
        "   finished_at = CASE WHEN d.give_up THEN now() END"
        " FROM (SELECT id, attempts - $4::int AS attempts,"
        "         $4::int = 0 AND attempts >= least(max_attempts, $5::int) AS give_up"
        "       FROM coderun.jobs WHERE id = $1) d"
        " WHERE j.id = d.id AND j.worker = $2 AND j.state = 'running' AND j.attempts = $3::int",
        6, params, err, errlen);
    if (!res)
        return -1;
    long n = db_affected(res);
    PQclear(res);
    return n > 0;
}

static int rescue_expired(PGconn *conn, const struct worker *w, char *err, size_t errlen)
{
    char max[16];
    snprintf(max, sizeof max, "%u", w->max_attempts);
    const char *params[] = {max};
    PGresult *res = db_query(conn,
        "UPDATE coderun.jobs j SET lease_until = NULL,"
        "   state = CASE WHEN d.give_up THEN 'failed' ELSE 'queued' END,"
        "   error = CASE WHEN d.give_up"
        "     THEN 'the worker running this job stopped responding (' || j.attempts || ' attempts)'"
        "     ELSE j.error END,"
        "   finished_at = CASE WHEN d.give_up THEN now() END"
        " FROM (SELECT id, attempts >= least(max_attempts, $1::int) AS give_up"
        "       FROM coderun.jobs WHERE state = 'running' AND lease_until < now()"
        "       FOR UPDATE SKIP LOCKED) d"
        " WHERE j.id = d.id RETURNING j.id, j.state, j.worker",
        1, params, err, errlen);
    if (!res)
        return -1;
    int requeued = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        log_event("rescue", "job", PQgetvalue(res, i, 0), "state", PQgetvalue(res, i, 1),
                  "lost_by", PQgetvalue(res, i, 2), "worker", w->name, NULL);
        requeued += strcmp(PQgetvalue(res, i, 1), "queued") == 0;
    }
    PQclear(res);
    return requeued;
}

int queue_heartbeat(PGconn *conn, const struct worker *w, unsigned busy,
                    const char *running, char *err, size_t errlen)
{
    char pid[16], slots[16], nbusy[16], lease[16];
    snprintf(pid, sizeof pid, "%d", w->pid);
    snprintf(slots, sizeof slots, "%u", w->slots);
    snprintf(nbusy, sizeof nbusy, "%u", busy);
    snprintf(lease, sizeof lease, "%u", w->lease_s);
    const char *up[] = {w->name, w->host, pid, slots, nbusy, w->sandbox_mode};
    const char *renew[] = {w->name, lease, running};
    if (db_exec(conn,
        "INSERT INTO coderun.workers (name, host, pid, slots, busy, sandbox_mode)"
        " VALUES ($1, $2, $3::int, $4::int, $5::int, $6)"
        " ON CONFLICT (name) DO UPDATE SET slots = EXCLUDED.slots, busy = EXCLUDED.busy,"
        "   sandbox_mode = EXCLUDED.sandbox_mode, heartbeat_at = now()",
        6, up, err, errlen) != 0
        || db_exec(conn,
        "UPDATE coderun.jobs SET lease_until = now() + make_interval(secs => $2::double precision)"
        " WHERE worker = $1 AND state = 'running' AND id = ANY ($3::uuid[])",
        3, renew, err, errlen) != 0)
        return -1;
    return rescue_expired(conn, w, err, errlen);
}

int queue_goodbye(PGconn *conn, const struct worker *w, char *err, size_t errlen)
{
    const char *params[] = {w->name};
    return db_exec(conn, "DELETE FROM coderun.workers WHERE name = $1", 1, params, err, errlen);
}

int queue_publish_languages(PGconn *conn, const struct lang_table *t,
                            char *err, size_t errlen)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct language *l = &t->v[i];
        char modes[64];
        const char *params[] = { l->name, l->version_text ? l->version_text : "", modes };

        /* The module accepts a mode only where a worker publishes it. */
        snprintf(modes, sizeof modes, "{program%s%s}", l->template ? ",function" : "",
                 l->problem_template ? ",problem" : "");
        if (db_exec(conn,
            "INSERT INTO coderun.languages (name, version, modes) VALUES ($1, $2, $3::text[])"
            " ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version,"
            "   modes = EXCLUDED.modes, updated_at = now()", 3, params, err, errlen) != 0)
            return -1;
    }
    return 0;
}
