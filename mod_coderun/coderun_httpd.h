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

extern module AP_MODULE_DECLARE_DATA coderun_module;
APLOG_USE_MODULE(coderun);

struct coderun_dir_conf {
    const char *location;     /* the <Location> path the handler serves */
    const char *openapi;      /* CoderunOpenAPIFile's content, read at startup */
    struct coderun_limits limits;
};

/* reply_httpd.c */
int reply_json(request_rec *r, int status, const char *json);
int reply_error(request_rec *r, const struct api_error *err);
int reply_fail(request_rec *r, int status, const char *code, const char *message);
/* Read the whole body under max bytes; -1 with err when it cannot. */
int read_body(request_rec *r, long max, const char **body, apr_size_t *len,
              struct api_error *err);

/* error_page_httpd.c: httpd's own HTML error pages answered as JSON. */
void error_page_register_hooks(void);

/* db_httpd.c */
void db_prepare_statements(server_rec *s);
struct db_rows;
/* Run a prepared statement; NULL with err (503/500) on failure. */
struct db_rows *db_select(request_rec *r, const char *label, int nargs,
                          const char **args, struct api_error *err);
int db_row_count(const struct db_rows *rows);
struct db_rows *db_no_rows(request_rec *r);
const char *db_value(const struct db_rows *rows, int row, int col);

/* auth_httpd.c: the caller's key id, or -1 after answering 401/503. */
int authenticate(request_rec *r, const char **key_id);

/* wait_httpd.c: long-poll on the request's connection. */
int wait_listen(request_rec *r);
void wait_for_done(request_rec *r, const char *id, int wait_ms);
void wait_unlisten(request_rec *r);

/* jobs_httpd.c: what the job endpoints share. Columns of SQL_JOB: */
enum { JOB_COL_STATE = 1, JOB_COL_MODE = 3, JOB_COL_ERROR = 10 };
/* Read, validate and insert a job with fields reading the endpoint's body.
 * The new job's id, or NULL with err (429 over the per-key cap). */
const char *queue_job(request_rec *r, const struct coderun_limits *limits,
                      const char *key_id, job_fields_fn *fields, struct api_error *err);
/* The SQL_JOB row of job id owned by key_id and of the API asked (problem
 * or not), after waiting up to wait_ms for it to end; NULL with err (404). */
struct db_rows *select_job(request_rec *r, const char *id, const char *key_id,
                           int wait_ms, int problem, struct api_error *err);
/* A finished job's case rows by statement label; none before it finishes. */
struct db_rows *select_cases(request_rec *r, const char *label, const char *id,
                             const struct db_rows *job, struct api_error *err);

/* handlers_*_httpd.c */
int handle_run(request_rec *r, const struct coderun_limits *limits, const char *key_id);
int handle_result(request_rec *r, const struct route *route, const char *key_id,
                  int wait_ms);
int handle_execute_problem(request_rec *r, const struct coderun_limits *limits,
                           const char *key_id);
int handle_result_problem(request_rec *r, const struct route *route, const char *key_id,
                          int wait_ms);
int handle_languages(request_rec *r);
int handle_health(request_rec *r);
int handle_metrics(request_rec *r);
int handle_openapi(request_rec *r, const char *document);
int handle_reports(request_rec *r, const struct route *route, const char *key_id);

#endif
