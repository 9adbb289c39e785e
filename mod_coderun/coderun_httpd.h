/* Private header of the httpd glue files (mod_coderun.c, *_httpd.c). */
#ifndef CODERUN_HTTPD_H
#define CODERUN_HTTPD_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "api_error.h"
#include "job_request.h"
#include "server_limits.h"
#include "route.h"
#include "json_stream.h"

extern module AP_MODULE_DECLARE_DATA coderun_module;
APLOG_USE_MODULE(coderun);

struct coderun_dir_conf {
    const char *location;     /* the <Location> path the handler serves */
    const char *openapi;      /* CoderunOpenAPIFile's content, read at startup */
    struct coderun_limits limits;
};

struct coderun_server_conf {
    /* the sections of the Coderun directives (const char *); NULL: none */
    apr_array_header_t *api_prefixes;
};

/* r->notes entry with the API's path prefix ("" at the root): the
 * Location headers start with it. */
#define CODERUN_PREFIX_NOTE "coderun-prefix"

/* reply_httpd.c */
int reply_json(request_rec *r, int status, const char *json);
void reply_json_headers(request_rec *r, int status);
int reply_error(request_rec *r, const struct api_error *err);
int reply_fail(request_rec *r, int status, const char *code, const char *message);
/* Read the whole body under max bytes; -1 with err when it cannot. */
int read_body(request_rec *r, long max, const char **body, apr_size_t *len,
              struct api_error *err);

/* error_page_httpd.c: httpd's own HTML error pages answered as JSON. */
void error_page_register_hooks(void);

/* db_httpd.c: each statement borrows a pooled connection and gives it
 * back before it returns (a long-poll holds none while it waits). */
/* Takes mod_dbd's functions (-1: it is not loaded); every server whose
 * mod_dbd configuration is its own (not shared with one before it) gets the
 * statements, each once. */
int db_prepare_statements(server_rec *main_server, apr_pool_t *ptemp);
/* mod_dbd's ap_dbd_open and ap_dbd_close: a pooled connection (or NULL)
 * and its return. */
ap_dbd_t *db_open(apr_pool_t *pool, server_rec *s);
void db_close(server_rec *s, ap_dbd_t *dbd);
struct db_rows;
/* Run a prepared statement; NULL with err (503/500) on failure. */
struct db_rows *db_select(request_rec *r, const char *label, int nargs,
                          const char **args, struct api_error *err);
int db_row_count(const struct db_rows *rows);
int db_col_count(const struct db_rows *rows);
/* The first n_rows rows of n_cols columns from first_col on. */
struct db_rows *db_slice(request_rec *r, const struct db_rows *rows, int first_col,
                         int n_cols, int n_rows);
const char *db_value(const struct db_rows *rows, int row, int col);

/* auth_httpd.c. Who the request says it is: its token's digest, or without
 * one the scope's anonymous key's name ("" each when absent). */
struct caller {
    const char *digest, *anonymous;
};
/* 0, or -1 after answering 401 (no token and no anonymous key). */
int identify_caller(request_rec *r, struct caller *caller);
/* The caller's key id: 0, or -1 after answering 401/503. */
int authenticate(request_rec *r, const char **key_id);
/* rows: a key's id and digest in columns 0 and 1 (none: no such key). */
int auth_check(request_rec *r, const struct db_rows *rows, const struct caller *caller);

/* dispatch_httpd.c: the child's dispatcher thread and its waiter table
 * (NULL if it could not start). */
void dispatch_start(apr_pool_t *pchild, server_rec *s);
struct waiters *dispatch_waiters(void);

/* wait_httpd.c: long-poll. wait_begin lists the request for job id before
 * the job is read (NULL without a dispatcher); wait_sleep sleeps until it
 * is woken or left has passed; wait_end takes it off the list (NULL:
 * nothing to do). */
struct wait;
struct wait *wait_begin(request_rec *r, const char *id);
void wait_sleep(struct wait *w, apr_interval_time_t left);
void wait_end(request_rec *r, struct wait *w);

/* jobs_httpd.c: what the job endpoints share. */
/* Read, validate and insert a job with fields reading the endpoint's body,
 * as the caller, under its key's limits (one round trip). The job's id (the
 * first one's for a repeated Idempotency-Key), or NULL with err. */
const char *queue_job(request_rec *r, const struct coderun_limits *limits,
                      const struct caller *caller, job_fields_fn *fields,
                      struct api_error *err);
/* Columns of result_read's job row. */
enum { JOB_COL_ID = 0, JOB_COL_STATE = 1, JOB_COL_MODE = 3, JOB_COL_ERROR = 10, JOB_COLS = 11 };
struct result_read {
    struct db_rows *job;      /* one row, JOB_COL_* */
    struct db_rows *cases;    /* a row per case; none before the job finished */
    const char *cache_key;    /* the reader and the job (result_cache.h) */
};
/* GET of the route's job with the route's statement (SQL_RESULT or
 * SQL_RESULT_PROBLEM): authentication, job and cases in one statement,
 * after waiting up to wait_ms for the job to end. 0, or -1 after answering
 * (401, 404, 503, or from the child's cache: 200, or 304 for an
 * If-None-Match of the ended job's ETag). */
int read_result(request_rec *r, const struct route *route, const char *label,
                int wait_ms, struct result_read *out);
/* Answer an ended job's result: immutable, with its ETag. */
/* A result is written to the client as it is serialised (json_stream.h):
 * reply_result_begin sets the headers (ETag and Cache-Control for an ended
 * job) and opens the document, or answers 304 and returns -1; the caller
 * writes the members, reply_result_end closes it. */
int reply_result_begin(request_rec *r, const struct result_read *rd, struct json_stream *s);
/* Closes the document; an ended job's whole answer goes into the child's
 * cache (result_cache.h), from which read_result answers the same reader
 * again without a round trip. */
int reply_result_end(struct json_stream *s);
/* The child's cache, freed with pchild. */
void result_cache_start(apr_pool_t *pchild);

/* handlers_*_httpd.c */
int handle_run(request_rec *r, const struct coderun_limits *limits,
               const struct caller *caller);
int handle_result(request_rec *r, const struct route *route, int wait_ms);
int handle_execute_problem(request_rec *r, const struct coderun_limits *limits,
                           const struct caller *caller);
int handle_result_problem(request_rec *r, const struct route *route, int wait_ms);
int handle_languages(request_rec *r);
int handle_health(request_rec *r);
int handle_metrics(request_rec *r);
int handle_openapi(request_rec *r, const char *document);
int handle_reports(request_rec *r, const struct route *route, const char *key_id);

#endif
