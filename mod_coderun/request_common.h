/* Field rules shared by the request bodies of /run and /execute-problem. */
#ifndef CODERUN_REQUEST_COMMON_H
#define CODERUN_REQUEST_COMMON_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "api_error.h"
#include "server_limits.h"

struct request_limits {
    int time_ms, memory_mb, output_kb;
};

/* A required, non-empty source string, copied into pool. */
int request_required_code(apr_pool_t *pool, json_object *body, const char *key,
                          const char **out, struct api_error *err);

/* A list of n items: at least one, at most max. */
int request_check_count(apr_pool_t *pool, size_t n, int max, const char *field,
                        struct api_error *err);

/* The optional "limits" object: server defaults, each value capped by the
 * server's maximum. */
int request_parse_limits(apr_pool_t *pool, json_object *body,
                         const struct coderun_limits *limits,
                         struct request_limits *out, struct api_error *err);

#endif
