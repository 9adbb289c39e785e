/* queue: the PostgreSQL side of a worker — claim, write results guarded by
 * the lease, release, heartbeat with lease renewal and rescue, languages. */
#include "worker/queue.h"
#include "worker/queue_sql.h"
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

/* Hand a job its cases: the claim's JSON array of [idx, input]. */
static int load_cases(struct job *job, const char *cases_json)
{
    json_object *arr = json_tokener_parse(cases_json);
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    int rc = arr || !*cases_json ? 0 : -1;   /* no cases at all: SQL NULL, "" */
    job->inputs = calloc(n + 1, sizeof *job->inputs);
    job->idx = calloc(n + 1, sizeof *job->idx);
    if (!job->inputs || !job->idx)
        rc = -1;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        json_object *pair = json_object_array_get_idx(arr, k);
        job->idx[k] = json_object_get_int(json_object_array_get_idx(pair, 0));
        job->inputs[k] = strdup(json_object_get_string(json_object_array_get_idx(pair, 1)));
        job->ncases = k + 1;
        rc = job->inputs[k] ? 0 : -1;
    }
    json_object_put(arr);
    return rc;
}

int queue_claim(PGconn *conn, const struct worker *w, struct job *jobs, unsigned max,
                char *err, size_t errlen)
{
    char lease[16], limit[16];
    snprintf(lease, sizeof lease, "%u", w->lease_s);
    snprintf(limit, sizeof limit, "%u", max);
    const char *params[] = {w->name, lease, limit};
    PGresult *res = db_prepared(conn, Q_CLAIM, 3, params, err, errlen);
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
             && (job->solution_code || PQgetisnull(res, row, 9))
             && load_cases(job, PQgetvalue(res, row, 10)) == 0 ? 0 : -1;
    }
    PQclear(res);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory reading the claimed jobs");
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

/* One statement (Q_FINISH), so one transaction: jobs, cases, counters.
 * The job-end trigger (NOTIFY coderun_done) fires at its end. */
int queue_finish(PGconn *conn, const struct worker *w, struct job_write *batch, size_t n,
                 char *err, size_t errlen)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, outcome_json(&batch[i]));
        batch[i].written = 0;
    }
    const char *params[] = {w->name, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN)};
    PGresult *res = db_prepared(conn, Q_FINISH, 2, params, err, errlen);
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
    PGresult *res = db_prepared(conn, Q_RELEASE, 6, params, err, errlen);
    if (!res)
        return -1;
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n > 0;
}

static int rescue_expired(PGconn *conn, const struct worker *w, char *err, size_t errlen)
{
    char max[16];
    snprintf(max, sizeof max, "%u", w->max_attempts);
    const char *params[] = {max};
    PGresult *res = db_prepared(conn, Q_RESCUE, 1, params, err, errlen);
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
    const char *up[] = {w->name, w->host, pid, slots, nbusy, w->sandbox_mode, w->service_error};
    const char *renew[] = {w->name, lease, running};
    PGresult *beat = db_prepared(conn, Q_BEAT, 7, up, err, errlen);
    PQclear(beat);
    PGresult *renewed = beat ? db_prepared(conn, Q_RENEW, 3, renew, err, errlen) : NULL;
    PQclear(renewed);
    if (!renewed)
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
