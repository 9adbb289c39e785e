/* GET /metrics in the Prometheus text exposition format (0.0.4), rendered
 * from the JSON document coderun.metrics_json() returns. */
#ifndef CODERUN_METRICS_PROM_H
#define CODERUN_METRICS_PROM_H

#include <apr_pools.h>

#define PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* NULL when json is not the expected document. */
const char *metrics_prometheus(apr_pool_t *pool, const char *json);

/* True when the client asked for the text format: ?format=prometheus or an
 * Accept header that prefers text/plain. */
int metrics_wants_prometheus(const char *args, const char *accept);

#endif
