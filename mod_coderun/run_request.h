/* POST /run: the request body validated into the values a job row needs. */
#ifndef CODERUN_RUN_REQUEST_H
#define CODERUN_RUN_REQUEST_H

#include <apr_pools.h>
#include "api_error.h"
#include "server_limits.h"

struct run_request {
    const char *code;
    const char *language;
    const char *mode;          /* "function" or "program" */
    const char *inputs_json;   /* JSON array of strings, for jsonb_array_elements_text */
    int n_inputs;
    int time_ms, memory_mb, output_kb;
};

/* Parse and validate body under the server limits. 0, or -1 with err.
 * Unknown top-level fields are ignored, as JSON APIs usually do. */
int run_request_parse(apr_pool_t *pool, const char *body, size_t len,
                      const struct coderun_limits *limits,
                      struct run_request *req, struct api_error *err);

#endif
