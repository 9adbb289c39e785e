/* What /run and /execute-problem share: body, validation, the submission
 * under the key's limits, and reading a job back with optional wait and
 * its ETag. */
#include <string.h>
#include <apr_strings.h>
#include "httpd.h"

#include "coderun_httpd.h"
#include "job_gone.h"
#include "job_request.h"
#include "result_cache.h"
#include "statements.h"

/* The child's copies of ended results (result_cache.h): 1024 slots, 256 KB
 * a body at most, 32 MB in all. */
#define CACHE_SLOTS     1024
#define CACHE_ENTRY_MAX ((size_t)256 * 1024)
#define CACHE_BYTES_MAX ((size_t)32 * 1024 * 1024)
static struct result_cache *cache;

static apr_status_t cache_stop(void *unused)
{
    (void)unused;
    result_cache_destroy(cache);
    cache = NULL;
    return APR_SUCCESS;
}

void result_cache_start(apr_pool_t *pchild)
{
    cache = result_cache_create(CACHE_SLOTS, CACHE_ENTRY_MAX, CACHE_BYTES_MAX);
    apr_pool_cleanup_register(pchild, NULL, cache_stop, apr_pool_cleanup_null);
}

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

static int job_ended(const struct db_rows *job)
{
    const char *state = db_value(job, 0, JOB_COL_STATE);

    return strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0;
}

/* Columns of SQL_RESULT and SQL_RESULT_PROBLEM (statements.c). */
enum { RESULT_COL_JOB = 2, RESULT_COL_HAS_CASE = RESULT_COL_JOB + JOB_COLS,
       RESULT_COL_CASES };

/* The read's job row, or NULL after answering 401 or 404. */
static struct db_rows *result_job(request_rec *r, const struct db_rows *rows,
                                  const struct caller *caller)
{
    struct db_rows *job;

    if (auth_check(r, rows, caller))
        return NULL;
    job = db_slice(r, rows, RESULT_COL_JOB, JOB_COLS, 1);
    if (!*db_value(job, 0, JOB_COL_ID)) {
        struct api_error err;
        struct db_rows *kept = db_select(r, SQL_RETENTION, 0, NULL, &err);

        if (kept)
            job_not_found(r->pool, db_value(kept, 0, 0), &err);
        reply_error(r, &err);
        return NULL;
    }
    return job;
}

/* Who reads which job through which API: a cached body is only ever
 * served to the identity it was read for. */
static const char *cache_key(request_rec *r, const struct route *route,
                             const struct caller *caller)
{
    return apr_pstrcat(r->pool, route->kind == ROUTE_RESULT_PROBLEM ? "p " : "r ",
                       route->id, " ", caller->digest, " ", caller->anonymous, NULL);
}

/* One read: 0, or -1 after answering. */
static int read_once(request_rec *r, const char *label, const char **args,
                     const struct caller *caller, struct db_rows **rows,
                     struct result_read *out)
{
    struct api_error err;

    *rows = db_select(r, label, 5, args, &err);
    if (!*rows) {
        reply_error(r, &err);
        return -1;
    }
    out->job = result_job(r, *rows, caller);
    return out->job ? 0 : -1;
}

/* An ended job's answer, written to the client and copied for the cache
 * while it stays under CACHE_ENTRY_MAX. */
struct capture {
    request_rec *r;
    const char *key, *etag;
    char *body;                   /* NULL once too large */
    size_t len, size;
};

static void capture_add(struct capture *c, const char *text, size_t len)
{
    if (c->body && c->len + len > CACHE_ENTRY_MAX)
        c->body = NULL;
    if (!c->body)
        return;
    if (c->len + len > c->size) {
        char *grown;

        c->size = c->len + len > 2 * c->size ? c->len + len : 2 * c->size;
        grown = apr_palloc(c->r->pool, c->size);
        memcpy(grown, c->body, c->len);
        c->body = grown;
    }
    memcpy(c->body + c->len, text, len);
    c->len += len;
}

static void emit_and_capture(void *ctx, const char *text, size_t len)
{
    ap_rwrite(text, (int)len, ((struct capture *)ctx)->r);
    capture_add(ctx, text, len);
}

/* The headers of an ended job's answer: it never changes, so its id is its
 * version. 1 after answering 304 to an If-None-Match of it. */
static int ended_headers(request_rec *r, const char *etag)
{
    const char *asked = apr_table_get(r->headers_in, "If-None-Match");

    apr_table_setn(r->headers_out, "ETag", etag);
    apr_table_setn(r->headers_out, "Cache-Control", "private, immutable");
    if (asked && (strcmp(asked, "*") == 0 || ap_find_list_item(r->pool, asked, etag))) {
        r->status = HTTP_NOT_MODIFIED;
        return 1;
    }
    reply_json_headers(r, HTTP_OK);
    return 0;
}

static void take_cached(void *ctx, const char *etag, const char *body, size_t len)
{
    struct capture *c = ctx;

    c->etag = apr_pstrdup(c->r->pool, etag);
    c->body = apr_pmemdup(c->r->pool, body, len);
    c->len = len;
}

/* Answers from the child's cache: 1 when key was there (200, or 304 for
 * its ETag), 0 when it was not. */
static int answer_cached(request_rec *r, const char *key)
{
    struct capture c = { r, NULL, NULL, NULL, 0, 0 };

    if (!cache || !result_cache_get(cache, key, apr_time_now(), take_cached, &c))
        return 0;
    if (!ended_headers(r, c.etag))
        ap_rwrite(c.body, (int)c.len, r);
    return 1;
}

int read_result(request_rec *r, const struct route *route, const char *label,
                int wait_ms, struct result_read *out)
{
    const char *args[5];
    struct caller caller;
    struct db_rows *rows;
    struct wait *w = NULL;
    apr_time_t deadline;
    apr_interval_time_t left;
    int rc, n;

    if (identify_caller(r, &caller))
        return -1;
    args[0] = args[1] = caller.digest;
    args[2] = caller.anonymous;
    args[3] = route->id;
    /* Each API sees its own jobs only: a problem job is no /result of /run. */
    args[4] = route->kind == ROUTE_RESULT_PROBLEM ? "true" : "false";
    out->cache_key = cache_key(r, route, &caller);
    /* An ended job read in the last seconds: no round trip. */
    if (answer_cached(r, out->cache_key))
        return -1;
    /* Listed before the first read, so an end committed in between is not missed. */
    if (wait_ms > 0)
        w = wait_begin(r, route->id);
    deadline = apr_time_now() + apr_time_from_msec(wait_ms);
    rc = read_once(r, label, args, &caller, &rows, out);
    /* Read again when woken (its job ended, or the dispatcher lost the
     * database and the read says whether it is still there) and at the
     * deadline. */
    while (rc == 0 && w && !job_ended(out->job) && (left = deadline - apr_time_now()) > 0) {
        wait_sleep(w, left);
        rc = read_once(r, label, args, &caller, &rows, out);
    }
    wait_end(r, w);
    if (rc)
        return -1;
    n = strcmp(db_value(rows, 0, RESULT_COL_HAS_CASE), "true") == 0 ? db_row_count(rows) : 0;
    out->cases = db_slice(r, rows, RESULT_COL_CASES, db_col_count(rows) - RESULT_COL_CASES, n);
    return 0;
}

static void emit_to_client(void *ctx, const char *text, size_t len)
{
    ap_rwrite(text, (int)len, ctx);
}

int reply_result_begin(request_rec *r, const struct result_read *rd, struct json_stream *s)
{
    struct capture *c;

    if (!job_ended(rd->job)) {
        reply_json_headers(r, HTTP_OK);
        json_stream_begin(s, emit_to_client, r);
        return 0;
    }
    c = apr_pcalloc(r->pool, sizeof(*c));
    c->r = r;
    c->key = rd->cache_key;
    c->etag = apr_pstrcat(r->pool, "\"", db_value(rd->job, 0, JOB_COL_ID), "\"", NULL);
    if (ended_headers(r, c->etag))
        return -1;
    c->size = 4096;
    c->body = apr_palloc(r->pool, c->size);
    json_stream_begin(s, emit_and_capture, c);
    return 0;
}

int reply_result_end(struct json_stream *s)
{
    json_stream_close(s, '}');
    s->emit(s->ctx, "\n", 1);
    if (s->emit == emit_and_capture) {
        struct capture *c = s->ctx;

        if (c->body && cache)
            result_cache_put(cache, c->key, c->etag, c->body, c->len, apr_time_now());
    }
    return OK;
}
