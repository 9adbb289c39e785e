/* A request that queues a job (POST /run, POST /execute-problem), validated
 * into the one shape the insert statement takes. */
#ifndef CODERUN_JOB_REQUEST_H
#define CODERUN_JOB_REQUEST_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "api_error.h"
#include "server_limits.h"

/* Which limits the client asked for (the others are defaults, which a key's
 * lower maximum lowers instead of refusing). */
enum { ASKED_TIME = 1, ASKED_MEMORY = 2, ASKED_OUTPUT = 4 };

struct request_limits {
    int time_ms, memory_mb, output_kb;
    unsigned asked;
};

struct job_request {
    const char *language, *mode, *code;
    const char *solution_code;   /* "" except in problem mode */
    const char *cases_json;      /* [{"input": "..."[, "id": <as sent>]}, ...] */
    int n_cases;
    const char *cases_field;     /* what the body calls them: inputs, testCases */
    struct request_limits limits;
};

/* Reads one endpoint's fields from the parsed body into req. */
typedef int job_fields_fn(apr_pool_t *pool, json_object *body,
                          const struct coderun_limits *limits,
                          struct job_request *req, struct api_error *err);

/* Parse body as one JSON object and read it with fields. 0, or -1 with err.
 * Unknown top-level fields are ignored, as JSON APIs usually do. */
int job_request_parse(apr_pool_t *pool, const char *body, size_t len,
                      const struct coderun_limits *limits, job_fields_fn *fields,
                      struct job_request *req, struct api_error *err);

/* The rules both endpoints share. */

/* A required, non-empty source string, copied into pool. */
int request_required_code(apr_pool_t *pool, json_object *body, const char *key,
                          const char **out, struct api_error *err);

/* A list of n items: at least one, at most max. */
int request_check_count(apr_pool_t *pool, size_t n, int max, const char *field,
                        struct api_error *err);

/* The optional "language", else the server's default, copied into pool. */
int request_language(apr_pool_t *pool, json_object *body,
                     const struct coderun_limits *limits, const char **out,
                     struct api_error *err);

/* The optional "limits" object: server defaults (time: default_time_ms),
 * each value capped by the server's maximum. */
int request_parse_limits(apr_pool_t *pool, json_object *body,
                         const struct coderun_limits *limits, int default_time_ms,
                         struct request_limits *out, struct api_error *err);

/* The finished cases array as the insert statement reads it; puts cases. */
void request_set_cases(apr_pool_t *pool, struct job_request *req, json_object *cases,
                       const char *field);

#endif
