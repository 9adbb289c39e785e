/* queue: the PostgreSQL side of a worker — claim, write results guarded by
 * the lease, release, heartbeat with lease renewal and rescue, languages. */
#include "worker/queue.h"
#include "worker/db.h"
#include "worker/log.h"

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

char *queue_uuid_array(const char *const *ids, size_t n)
{
    char *out = malloc(n * 37 + 3), *p = out;    /* a uuid's text is 36 bytes */
    if (!out)
        return NULL;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", ids[i]);
    *p++ = '}';
    *p = '\0';
    return out;
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

/* The case rows of the n jobs (one query, ordered by job, idx), each
 * job's rows in one run. A job is found by its id's text, as both queries
 * return it. */
static PGresult *select_cases(PGconn *conn, const struct job *jobs, size_t n,
                              char *err, size_t errlen)
{
    const char **idv = malloc(n * sizeof *idv);
    char *ids = NULL;
    for (size_t i = 0; idv && i < n; i++)
        idv[i] = jobs[i].id;
    if (idv)
        ids = queue_uuid_array(idv, n);
    free(idv);
    if (!ids) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *params[] = {ids};
    PGresult *res = db_query(conn,
        "SELECT c.job_id, c.idx, c.input FROM unnest($1::uuid[]) AS u(id)"
        " JOIN coderun.cases c ON c.job_id = u.id ORDER BY c.job_id, c.idx",
        1, params, err, errlen);
    free(ids);
    return res;
}

/* Hand the jobs their cases. */
static int load_cases(PGconn *conn, struct job *jobs, size_t n, char *err, size_t errlen)
{
    PGresult *res = select_cases(conn, jobs, n, err, errlen);
    if (!res)
        return -1;
    int rows = PQntuples(res), rc = 0;
    for (int i = 0, run; rc == 0 && i < rows; i += run) {
        const char *id = PQgetvalue(res, i, 0);
        for (run = 1; i + run < rows && strcmp(PQgetvalue(res, i + run, 0), id) == 0; run++)
            ;
        struct job *job = NULL;
        for (size_t j = 0; !job && j < n; j++)
            job = strcmp(jobs[j].id, id) == 0 ? &jobs[j] : NULL;
        if (!job)
            continue;
        job->inputs = calloc((size_t)run + 1, sizeof *job->inputs);
        job->idx = calloc((size_t)run + 1, sizeof *job->idx);
        rc = job->inputs && job->idx ? 0 : -1;
        for (int k = 0; rc == 0 && k < run; k++) {
            job->idx[k] = atoi(PQgetvalue(res, i + k, 1));
            job->inputs[k] = strdup(PQgetvalue(res, i + k, 2));
            job->ncases = (size_t)k + 1;
            rc = job->inputs[k] ? 0 : -1;
        }
    }
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    PQclear(res);
    return rc;
}

int queue_claim(PGconn *conn, const struct worker *w, struct job *jobs, unsigned max,
                char *err, size_t errlen)
{
    char lease[16], limit[16];
    snprintf(lease, sizeof lease, "%u", w->lease_s);
    snprintf(limit, sizeof limit, "%u", max);
    const char *params[] = {w->name, lease, limit};
    PGresult *res = db_query(conn,
        "WITH c AS (SELECT id FROM coderun.jobs WHERE state = 'queued'"
        "           ORDER BY priority, seq LIMIT $3::int FOR UPDATE SKIP LOCKED)"
        " UPDATE coderun.jobs j SET state = 'running', worker = $1,"
        "   lease_until = now() + make_interval(secs => $2::double precision),"
        "   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())"
        " FROM c WHERE j.id = c.id"
        " RETURNING j.id, (SELECT name FROM coderun.api_keys k WHERE k.id = j.key_id),"
        "   j.language, j.mode, j.code, j.time_ms, j.memory_mb, j.output_kb, j.attempts,"
        "   j.solution_code",
        3, params, err, errlen);
    if (!res)
        return -1;
    size_t n = (size_t)PQntuples(res);
    int rc = 0;
    memset(jobs, 0, max * sizeof *jobs);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct job *job = &jobs[i];
        int row = (int)i;
        job->id = strdup(PQgetvalue(res, row, 0));
        job->key_name = strdup(PQgetvalue(res, row, 1));
        job->language = strdup(PQgetvalue(res, row, 2));
        job->mode = strdup(PQgetvalue(res, row, 3));
        job->code = strdup(PQgetvalue(res, row, 4));
        job->time_ms = (unsigned)atoi(PQgetvalue(res, row, 5));
        job->memory_mb = (unsigned)atoi(PQgetvalue(res, row, 6));
        job->output_kb = (unsigned)atoi(PQgetvalue(res, row, 7));
        job->attempts = atoi(PQgetvalue(res, row, 8));
        job->solution_code = PQgetisnull(res, row, 9) ? NULL : strdup(PQgetvalue(res, row, 9));
        rc = job->id && job->key_name && job->language && job->mode && job->code
             && (job->solution_code || PQgetisnull(res, row, 9)) ? 0 : -1;
    }
    PQclear(res);
    if (rc == 0 && n > 0)
        rc = load_cases(conn, jobs, n, err, errlen);
    else if (rc != 0)
        snprintf(err, errlen, "out of memory");
    if (rc != 0) {
        /* Their leases expire and a heartbeat rescues them. */
        for (size_t i = 0; i < n; i++)
            job_free(&jobs[i]);
        return -1;
    }
    return (int)n;
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

static json_object *outcome_json(const struct job_write *wr)
{
    const struct job_outcome *out = wr->out;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(wr->job->id));
    json_object_object_add(o, "attempts", json_object_new_int(wr->job->attempts));
    json_object_object_add(o, "state",
                           json_object_new_string(out->state == JOB_FINISHED ? "finished" : "failed"));
    json_object_object_add(o, "execution_time", out->state == JOB_FINISHED
                           ? json_object_new_double(out->execution_time) : NULL);
    json_object_object_add(o, "compile_status",
                           out->compile_status ? json_object_new_string(out->compile_status) : NULL);
    json_object_object_add(o, "compile_output", json_object_new_string(out->compile_output ? out->compile_output : ""));
    json_object_object_add(o, "error", json_object_new_string(out->error ? out->error : ""));
    json_object_object_add(o, "cases", cases_json(wr->job, out));
    return o;
}

/* One statement, so one transaction: the job rows still leased to us
 * (worker, state and attempt unchanged) end, and only their cases are
 * written. The job-end triggers (counters, NOTIFY coderun_done) fire at
 * the end of the statement and see the cases. */
int queue_finish(PGconn *conn, const struct worker *w, struct job_write *batch, size_t n,
                 char *err, size_t errlen)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, outcome_json(&batch[i]));
        batch[i].written = 0;
    }
    const char *params[] = {w->name, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN)};
    PGresult *res = db_query(conn,
        "WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, attempts int,"
        "   state text, execution_time double precision, compile_status text,"
        "   compile_output text, error text, cases jsonb)),"
        " j AS (UPDATE coderun.jobs j SET state = r.state, finished_at = now(),"
        "   execution_time = r.execution_time, lease_until = NULL,"
        "   compile_status = r.compile_status, compile_output = r.compile_output, error = r.error"
        "   FROM r WHERE j.id = r.id AND j.worker = $1 AND j.state = 'running'"
        "     AND j.attempts = r.attempts"
        "   RETURNING j.id),"
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
        "   WHERE c.job_id = j.id AND c.idx = x.idx)"
        " SELECT id FROM j",
        2, params, err, errlen);
    json_object_put(arr);
    if (!res)
        return -1;
    for (int row = 0; row < PQntuples(res); row++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(batch[i].job->id, PQgetvalue(res, row, 0)) == 0)
                batch[i].written = 1;
    PQclear(res);
    return 0;
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

int queue_publish_languages(PGconn *conn, const struct worker *w, const struct lang_table *t,
                            char *err, size_t errlen)
{
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < t->n; i++) {
        const struct language *l = &t->v[i];
        json_object *o = json_object_new_object(), *modes = json_object_new_array();
        /* The module accepts a mode only where a live worker publishes it. */
        json_object_array_add(modes, json_object_new_string("program"));
        if (l->template)
            json_object_array_add(modes, json_object_new_string("function"));
        if (l->problem_template)
            json_object_array_add(modes, json_object_new_string("problem"));
        json_object_object_add(o, "name", json_object_new_string(l->name));
        json_object_object_add(o, "version", json_object_new_string(l->version_text ? l->version_text : ""));
        json_object_object_add(o, "modes", modes);
        json_object_array_add(list, o);
    }
    const char *params[] = {w->name, json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN)};
    /* This worker's rows become its table: what the file no longer has goes,
     * and so do the tables of workers that stopped cleanly (kept until now
     * as what to offer while no worker runs). */
    int rc = db_exec(conn,
        "WITH t AS (SELECT e->>'name' AS name, e->>'version' AS version,"
        "                  ARRAY(SELECT jsonb_array_elements_text(e->'modes')) AS modes"
        "             FROM jsonb_array_elements($2::jsonb) e),"
        " gone AS (DELETE FROM coderun.languages l WHERE (l.worker = $1"
        "           AND l.name NOT IN (SELECT name FROM t)) OR (l.worker <> $1 AND NOT EXISTS"
        "           (SELECT 1 FROM coderun.workers w WHERE w.name = l.worker)))"
        " INSERT INTO coderun.languages (worker, name, version, modes)"
        " SELECT $1, name, version, modes FROM t"
        " ON CONFLICT (worker, name) DO UPDATE SET version = EXCLUDED.version,"
        "   modes = EXCLUDED.modes, updated_at = now()", 2, params, err, errlen);
    json_object_put(list);
    return rc;
}
