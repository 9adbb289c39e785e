/* What /run and /execute-problem share: body, validation, language check,
 * the insert under the per-key cap, and reading a job back with optional wait. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "job_gone.h"
#include "job_request.h"
#include "statements.h"

static int check_language(request_rec *r, const char *language, const char *mode,
                   struct api_error *err)
{
    const char *args[3] = { language, language, mode };
    struct db_rows *rows = db_select(r, SQL_LANG_CHECK, 3, args, err);

    if (!rows)
        return -1;
    if (strcmp(db_value(rows, 0, 1), "true") != 0)
        return api_fail(err, HTTP_BAD_REQUEST, "unknown_language", "language",
                        apr_psprintf(r->pool, "Unknown language \"%s\"; known: %s.",
                                     language, db_value(rows, 0, 0)));
    if (strcmp(db_value(rows, 0, 2), "true") != 0)
        return api_fail(err, HTTP_BAD_REQUEST, "unsupported_mode", "language",
                        apr_psprintf(r->pool, "Language \"%s\" does not support %s mode.",
                                     language, mode));
    return 0;
}

const char *queue_job(request_rec *r, const struct coderun_limits *limits,
                      const char *key_id, job_fields_fn *fields, struct api_error *err)
{
    struct job_request req;
    const char *body, *args[12];
    const char *max_queued = apr_itoa(r->pool, limits->max_queued_per_key);
    struct db_rows *rows;
    apr_size_t len;

    if (read_body(r, limits->max_body, &body, &len, err) ||
        job_request_parse(r->pool, body, len, limits, fields, &req, err) ||
        check_language(r, req.language, req.mode, err))
        return NULL;
    args[0] = key_id;
    args[1] = req.language;
    args[2] = req.mode;
    args[3] = req.code;
    args[4] = req.solution_code;
    args[5] = apr_itoa(r->pool, req.limits.time_ms);
    args[6] = apr_itoa(r->pool, req.limits.memory_mb);
    args[7] = apr_itoa(r->pool, req.limits.output_kb);
    args[8] = max_queued;
    args[9] = key_id;
    args[10] = max_queued;
    args[11] = req.cases_json;
    rows = db_select(r, SQL_INSERT_JOB, 12, args, err);
    if (!rows)
        return NULL;
    if (db_row_count(rows) != 1) {
        api_fail(err, HTTP_TOO_MANY_REQUESTS, "too_many_jobs", NULL,
                 apr_psprintf(r->pool, "This key already has %d unfinished jobs.",
                              limits->max_queued_per_key));
        return NULL;
    }
    return db_value(rows, 0, 0);
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
        struct db_rows *kept = db_select(r, SQL_RETENTION, 0, NULL, err);

        if (kept)
            job_not_found(r->pool, db_value(kept, 0, 0), err);
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
