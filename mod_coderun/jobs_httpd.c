/* What /run and /execute-problem share: body, validation, the submission
 * under the key's limits, and reading a job back with optional wait. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "job_request.h"
#include "statements.h"

/* The HTTP status of each outcome of coderun.submit_job but 'queued'. */
static int submit_status(const char *outcome)
{
    static const struct { const char *outcome; int status; } known[] = {
        { "replayed", HTTP_ACCEPTED },
        { "unauthorized", HTTP_UNAUTHORIZED },
        { "unknown_language", HTTP_BAD_REQUEST },
        { "language_not_allowed", HTTP_BAD_REQUEST },
        { "unsupported_mode", HTTP_BAD_REQUEST },
        { "too_many_inputs", HTTP_BAD_REQUEST },
        { "limit_too_high", HTTP_BAD_REQUEST },
        { "idempotency_conflict", HTTP_CONFLICT },
        { "too_many_jobs", HTTP_TOO_MANY_REQUESTS },
        { "over_budget", HTTP_TOO_MANY_REQUESTS },
    };
    size_t i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i].outcome, outcome) == 0)
            return known[i].status;
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* The Idempotency-Key header ("" when absent): visible ASCII, 1-255 bytes. */
static int idempotency_key(request_rec *r, const char **out, struct api_error *err)
{
    const char *v = apr_table_get(r->headers_in, "Idempotency-Key");
    size_t i, n = v ? strlen(v) : 0;

    *out = v ? v : "";
    for (i = 0; i < n; i++)
        if (v[i] < 0x21 || v[i] > 0x7e)
            break;
    if (v && (n == 0 || n > 255 || i < n))
        return api_fail(err, HTTP_BAD_REQUEST, "invalid_field", "Idempotency-Key",
                        "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    return 0;
}

static const char *asked(request_rec *r, const struct request_limits *l, unsigned flag,
                         int value)
{
    return (l->asked & flag) ? apr_itoa(r->pool, value) : "";
}

const char *queue_job(request_rec *r, const struct coderun_limits *limits,
                      const struct caller *caller, job_fields_fn *fields,
                      struct api_error *err)
{
    struct job_request req;
    const char *body, *idem, *args[18], *outcome;
    struct db_rows *rows;
    apr_size_t len;

    if (idempotency_key(r, &idem, err) || read_body(r, limits->max_body, &body, &len, err) ||
        job_request_parse(r->pool, body, len, limits, fields, &req, err))
        return NULL;
    args[0] = caller->digest;
    args[1] = caller->anonymous;
    args[2] = req.language;
    args[3] = req.mode;
    args[4] = req.code;
    args[5] = req.solution_code;
    args[6] = asked(r, &req.limits, ASKED_TIME, req.limits.time_ms);
    args[7] = asked(r, &req.limits, ASKED_MEMORY, req.limits.memory_mb);
    args[8] = asked(r, &req.limits, ASKED_OUTPUT, req.limits.output_kb);
    args[9] = apr_itoa(r->pool, req.limits.time_ms);
    args[10] = apr_itoa(r->pool, req.limits.memory_mb);
    args[11] = apr_itoa(r->pool, req.limits.output_kb);
    args[12] = req.cases_json;
    args[13] = req.cases_field;
    args[14] = apr_itoa(r->pool, limits->max_queued_per_key);
    args[15] = apr_itoa(r->pool, limits->max_inputs);
    args[16] = apr_itoa(r->pool, limits->daily_cpu_seconds);
    args[17] = idem;
    rows = db_select(r, SQL_SUBMIT, 18, args, err);
    if (!rows)
        return NULL;
    outcome = db_value(rows, 0, 0);
    if (strcmp(outcome, "queued") == 0)
        return db_value(rows, 0, 3);
    if (strcmp(outcome, "replayed") == 0) {
        apr_table_setn(r->headers_out, "Idempotent-Replayed", "true");
        return db_value(rows, 0, 3);
    }
    api_fail(err, submit_status(outcome), outcome,
             *db_value(rows, 0, 1) ? db_value(rows, 0, 1) : NULL, db_value(rows, 0, 2));
    err->retry_after = atoi(db_value(rows, 0, 4));
    return NULL;
}

static int job_done(const struct db_rows *jobs)
{
    const char *state = db_value(jobs, 0, JOB_COL_STATE);

    return strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0;
}

struct db_rows *select_job(request_rec *r, const char *id, const char *key_id,
                           int wait_ms, int problem, struct api_error *err)
{
    const char *args[2] = { id, key_id };
    struct db_rows *jobs;

    /* LISTEN before the first read, so a commit in between is not missed. */
    if (wait_ms > 0 && wait_listen(r))
        wait_ms = 0;
    jobs = db_select(r, SQL_JOB, 2, args, err);
    if (jobs && db_row_count(jobs) == 1 && !job_done(jobs) && wait_ms > 0) {
        wait_for_done(r, id, wait_ms);
        jobs = db_select(r, SQL_JOB, 2, args, err);
    }
    if (wait_ms > 0)
        wait_unlisten(r);
    /* Each API sees its own jobs only: a problem job is no /result of /run. */
    if (jobs && (db_row_count(jobs) != 1 ||
                 (strcmp(db_value(jobs, 0, JOB_COL_MODE), "problem") == 0) != problem)) {
        api_fail(err, HTTP_NOT_FOUND, "not_found", NULL, "No such job.");
        return NULL;
    }
    return jobs;
}

struct db_rows *select_cases(request_rec *r, const char *label, const char *id,
                             const struct db_rows *job, struct api_error *err)
{
    if (strcmp(db_value(job, 0, JOB_COL_STATE), "finished") != 0)
        return db_no_rows(r);
    return db_select(r, label, 1, &id, err);
}
