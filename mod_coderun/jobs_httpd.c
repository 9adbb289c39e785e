/* What /run and /execute-problem share: body, validation, language check,
 * the insert under the per-key cap, and reading a job back with optional
 * wait and its ETag. */
#include <string.h>
#include <apr_strings.h>
#include "httpd.h"

#include "coderun_httpd.h"
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

static int job_ended(const struct db_rows *job)
{
    const char *state = db_value(job, 0, JOB_COL_STATE);

    return strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0;
}

/* Columns of SQL_RESULT and SQL_RESULT_PROBLEM (statements.c). */
enum { RESULT_COL_JOB = 2, RESULT_COL_HAS_CASE = RESULT_COL_JOB + JOB_COLS,
       RESULT_COL_CASES };

/* The read's job row, or NULL after answering 401 or 404. */
static struct db_rows *result_job(request_rec *r, const struct db_rows *rows, const char *digest)
{
    struct db_rows *job;

    if (auth_check(r, rows, digest))
        return NULL;
    job = db_slice(r, rows, RESULT_COL_JOB, JOB_COLS, 1);
    if (!*db_value(job, 0, JOB_COL_ID)) {
        reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
        return NULL;
    }
    return job;
}

/* One read: 0, or -1 after answering. */
static int read_once(request_rec *r, const char *label, const char **args,
                     struct db_rows **rows, struct result_read *out)
{
    struct api_error err;

    *rows = db_select(r, label, 3, args, &err);
    if (!*rows) {
        reply_error(r, &err);
        return -1;
    }
    out->job = result_job(r, *rows, args[0]);
    return out->job ? 0 : -1;
}

int read_result(request_rec *r, const struct route *route, const char *label,
                int wait_ms, struct result_read *out)
{
    const char *args[3];
    struct db_rows *rows;
    struct wait *w = NULL;
    apr_time_t deadline;
    apr_interval_time_t left;
    int rc, n;

    if (request_digest(r, &args[0]))
        return -1;
    args[1] = route->id;
    /* Each API sees its own jobs only: a problem job is no /result of /run. */
    args[2] = route->kind == ROUTE_RESULT_PROBLEM ? "true" : "false";
    /* Listed before the first read, so an end committed in between is not missed. */
    if (wait_ms > 0)
        w = wait_begin(r, route->id);
    deadline = apr_time_now() + apr_time_from_msec(wait_ms);
    rc = read_once(r, label, args, &rows, out);
    /* Read again when woken (its job ended, or the dispatcher lost the
     * database and the read says whether it is still there) and at the
     * deadline. */
    while (rc == 0 && w && !job_ended(out->job) && (left = deadline - apr_time_now()) > 0) {
        wait_sleep(w, left);
        rc = read_once(r, label, args, &rows, out);
    }
    wait_end(r, w);
    if (rc)
        return -1;
    n = strcmp(db_value(rows, 0, RESULT_COL_HAS_CASE), "true") == 0 ? db_row_count(rows) : 0;
    out->cases = db_slice(r, rows, RESULT_COL_CASES, db_col_count(rows) - RESULT_COL_CASES, n);
    return 0;
}

int reply_result(request_rec *r, const struct db_rows *job, const char *json)
{
    const char *etag, *asked;

    if (!job_ended(job))
        return reply_json(r, HTTP_OK, json);
    /* An ended job never changes: its id is its version. */
    etag = apr_pstrcat(r->pool, "\"", db_value(job, 0, JOB_COL_ID), "\"", NULL);
    apr_table_setn(r->headers_out, "ETag", etag);
    apr_table_setn(r->headers_out, "Cache-Control", "private, immutable");
    asked = apr_table_get(r->headers_in, "If-None-Match");
    if (asked && (strcmp(asked, "*") == 0 || ap_find_list_item(r->pool, asked, etag))) {
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    return reply_json(r, HTTP_OK, json);
}
