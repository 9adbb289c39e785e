/* prefix: the URL path the API is served under (the <Location> of its
 * SetHandler, "" at the root), for the routes, the Location header and
 * the OpenAPI servers URL. httpd-free. */
#ifndef CODERUN_PREFIX_H
#define CODERUN_PREFIX_H

#include <apr_pools.h>

/* The location without its trailing slashes; "" for NULL or "/". */
const char *prefix_of_location(apr_pool_t *p, const char *location);

/* The path after prefix in uri, or uri when it does not start with it at a
 * path segment's boundary. */
const char *prefix_local_path(const char *uri, const char *prefix);

/* The OpenAPI document with servers[0].url set to prefix + "/"; doc itself
 * when prefix is "" or doc is not a JSON object. */
const char *prefix_openapi(apr_pool_t *p, const char *doc, const char *prefix);

#endif
