/* The endpoint handlers: validate, query, answer JSON. */
#include <string.h>
#include <apr_strings.h>
#include <json-c/json.h>

#include "coderun_httpd.h"
#include "json_out.h"
#include "result_json.h"
#include "run_request.h"
#include "statements.h"
#include "wait_param.h"

static int check_language(request_rec *r, const char *language, struct api_error *err)
{
    struct db_rows *rows = db_select(r, SQL_LANG_CHECK, 1, &language, err);

    if (!rows)
        return -1;
    if (strcmp(db_value(rows, 0, 1), "true") != 0)
        return api_fail(err, HTTP_BAD_REQUEST, "unknown_language", "language",
                        apr_psprintf(r->pool, "Unknown language \"%s\"; known: %s.",
                                     language, db_value(rows, 0, 0)));
    return 0;
}

int handle_run(request_rec *r, const struct coderun_limits *limits, const char *key_id)
{
    struct run_request req;
    struct api_error err;
    const char *body, *args[11];
    apr_size_t len;
    struct db_rows *rows;
    const char *max_queued = apr_itoa(r->pool, limits->max_queued_per_key);

    if (read_body(r, limits->max_body, &body, &len, &err) ||
        run_request_parse(r->pool, body, len, limits, &req, &err) ||
        check_language(r, req.language, &err))
        return reply_error(r, &err);

    args[0] = key_id;
    args[1] = req.language;
    args[2] = req.mode;
    args[3] = req.code;
    args[4] = apr_itoa(r->pool, req.time_ms);
    args[5] = apr_itoa(r->pool, req.memory_mb);
    args[6] = apr_itoa(r->pool, req.output_kb);
    args[7] = max_queued;
    args[8] = key_id;
    args[9] = max_queued;
    args[10] = req.inputs_json;
    rows = db_select(r, SQL_INSERT_RUN, 11, args, &err);
    if (!rows)
        return reply_error(r, &err);
    if (db_row_count(rows) != 1) {
        api_fail(&err, HTTP_TOO_MANY_REQUESTS, "too_many_jobs", NULL,
                 apr_psprintf(r->pool, "This key already has %d unfinished jobs.",
                              limits->max_queued_per_key));
        return reply_error(r, &err);
    }
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, "/result/", db_value(rows, 0, 0), NULL));
    return reply_json(r, HTTP_ACCEPTED, apr_psprintf(r->pool,
                      "{\"exec_id\":\"%s\",\"status\":\"queued\"}", db_value(rows, 0, 0)));
}

static void fill_job(const struct db_rows *rows, struct job_row *job)
{
    job->id = db_value(rows, 0, 0);
    job->state = db_value(rows, 0, 1);
    job->language = db_value(rows, 0, 2);
    job->mode = db_value(rows, 0, 3);
    job->created_at = db_value(rows, 0, 4);
    job->started_at = db_value(rows, 0, 5);
    job->finished_at = db_value(rows, 0, 6);
    job->execution_time = db_value(rows, 0, 7);
    job->compile_status = db_value(rows, 0, 8);
    job->compile_output = db_value(rows, 0, 9);
    job->error = db_value(rows, 0, 10);
}

static void fill_case(const struct db_rows *rows, int i, struct case_row *c)
{
    c->index = atoi(db_value(rows, i, 0));
    c->input = db_value(rows, i, 1);
    c->output = db_value(rows, i, 2);
    c->status = db_value(rows, i, 3);
    c->error = db_value(rows, i, 4);
    c->exit_code = db_value(rows, i, 5);
    c->signal = db_value(rows, i, 6);
    c->time_ms = db_value(rows, i, 7);
    c->wall_ms = db_value(rows, i, 8);
    c->memory_kb = db_value(rows, i, 9);
    c->output_truncated = strcmp(db_value(rows, i, 10), "true") == 0;
}

static int job_done(const struct db_rows *jobs)
{
    const char *state = db_value(jobs, 0, 1);

    return strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0;
}

/* The job row of this key, long-polling up to wait_ms for it to end. */
static struct db_rows *select_job(request_rec *r, const char **args, int wait_ms,
                                  struct api_error *err)
{
    struct db_rows *jobs;

    /* LISTEN before the first read, so a commit in between is not missed. */
    if (wait_ms > 0 && wait_listen(r))
        wait_ms = 0;
    jobs = db_select(r, SQL_JOB, 2, args, err);
    if (jobs && db_row_count(jobs) == 1 && !job_done(jobs) && wait_ms > 0) {
        wait_for_done(r, args[0], wait_ms);
        jobs = db_select(r, SQL_JOB, 2, args, err);
    }
    if (wait_ms > 0)
        wait_unlisten(r);
    return jobs;
}

int handle_result(request_rec *r, const struct route *route, const char *key_id)
{
    const char *args[2] = { route->id, key_id };
    struct api_error err;
    struct db_rows *jobs, *cases;
    struct job_row job;
    struct case_row *rows = NULL;
    int i, n = 0, wait_ms = wait_param_ms(r->args);

    if (wait_ms < 0) {
        api_fail(&err, HTTP_BAD_REQUEST, "invalid_field", "wait",
                 "wait must be a number of seconds from 0 to 30.");
        return reply_error(r, &err);
    }
    if (!route->id_valid)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
    jobs = select_job(r, args, wait_ms, &err);
    if (!jobs)
        return reply_error(r, &err);
    if (db_row_count(jobs) != 1)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
    fill_job(jobs, &job);
    if (strcmp(job.state, "finished") == 0) {
        cases = db_select(r, SQL_CASES, 1, args, &err);
        if (!cases)
            return reply_error(r, &err);
        n = db_row_count(cases);
        rows = apr_palloc(r->pool, sizeof(*rows) * (apr_size_t)(n + 1));
        for (i = 0; i < n; i++)
            fill_case(cases, i, &rows[i]);
    }
    return reply_json(r, HTTP_OK, result_json(r->pool, &job, rows, n));
}

int handle_languages(request_rec *r)
{
    struct api_error err;
    struct db_rows *rows = db_select(r, SQL_LANGUAGES, 0, NULL, &err);
    json_object *list;
    int i;

    if (!rows)
        return reply_error(r, &err);
    list = json_object_new_array();
    for (i = 0; i < db_row_count(rows); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(db_value(rows, i, 0)));
        json_object_object_add(o, "version", json_object_new_string(db_value(rows, i, 1)));
        json_object_object_add(o, "modes", json_tokener_parse(db_value(rows, i, 2)));
        json_object_array_add(list, o);
    }
    return reply_json(r, HTTP_OK, json_out(r->pool, list));
}

int handle_health(request_rec *r)
{
    struct api_error err;
    struct db_rows *rows = db_select(r, SQL_HEALTH, 0, NULL, &err);
    int workers;

    if (!rows) {
        apr_table_setn(r->headers_out, "Retry-After", "5");
        return reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                          "{\"status\":\"unavailable\",\"database\":\"unavailable\",\"workers\":0}");
    }
    workers = atoi(db_value(rows, 0, 0));
    if (workers == 0)
        apr_table_setn(r->headers_out, "Retry-After", "5");
    return reply_json(r, workers ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE,
                      apr_psprintf(r->pool, "{\"status\":\"%s\",\"database\":\"ok\",\"workers\":%d}",
                                   workers ? "ok" : "no_workers", workers));
}
