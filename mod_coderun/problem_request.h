/* POST /execute-problem: the seed's body validated into a job row. */
#ifndef CODERUN_PROBLEM_REQUEST_H
#define CODERUN_PROBLEM_REQUEST_H

#include <apr_pools.h>
#include "api_error.h"
#include "server_limits.h"

struct problem_request {
    const char *user_code, *solution_code, *language;
    const char *cases_json;   /* [{"id": <as sent>, "input": "<expression>"}, ...] */
    int n_cases;
    int time_ms, memory_mb, output_kb;
};

int problem_request_parse(apr_pool_t *pool, const char *body, size_t len,
                          const struct coderun_limits *limits,
                          struct problem_request *req, struct api_error *err);

#endif
