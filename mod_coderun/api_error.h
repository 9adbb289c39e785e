/* An API error: the HTTP status and the JSON body every failure answers with. */
#ifndef CODERUN_API_ERROR_H
#define CODERUN_API_ERROR_H

#include <apr_pools.h>

struct api_error {
    int status;           /* HTTP status */
    const char *code;     /* machine-readable slug */
    const char *message;  /* human sentence */
    const char *field;    /* the one field at fault, or NULL */
    int retry_after;      /* seconds for Retry-After; 0 = the usual 5 */
};

/* Fill *err and return -1, so validators can `return api_fail(...)`. */
int api_fail(struct api_error *err, int status, const char *code,
             const char *field, const char *message);

/* {"error": message, "code": code[, "field": field]} allocated in pool. */
const char *api_error_json(apr_pool_t *pool, const struct api_error *err);

/* The API error for a status httpd answered by itself (bad request line,
 * headers too large, TRACE, a path that never reached the handler): the
 * slug of its family and a sentence, for a JSON answer instead of HTML. */
void api_error_for_status(struct api_error *err, int status);

#endif
