/* The API's path prefix: from the <Location>, for routes and OpenAPI. */
#include <string.h>
#include <apr_general.h>

#include "prefix.h"
#include "tap.h"

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    is_str(prefix_of_location(p, NULL), "", "no location: the root");
    is_str(prefix_of_location(p, "/"), "", "the root location");
    is_str(prefix_of_location(p, "/coderun/"), "/coderun", "trailing slash dropped");
    is_str(prefix_of_location(p, "/a/b"), "/a/b", "nested, no slash");
    is_str(prefix_local_path("/coderun/run", "/coderun"), "/run", "under the prefix");
    is_str(prefix_local_path("/coderun", "/coderun"), "", "the prefix itself");
    is_str(prefix_local_path("/coderunx/run", "/coderun"), "/coderunx/run",
           "only at a segment boundary");
    is_str(prefix_local_path("/run", ""), "/run", "no prefix");
    is_str(prefix_openapi(p, "{\"servers\":[{\"url\":\"/\"}]}", ""),
           "{\"servers\":[{\"url\":\"/\"}]}", "root: the document unchanged");
    ok(strstr(prefix_openapi(p, "{\"servers\":[{\"url\":\"/\"}],\"x\":1}", "/coderun"),
              "\"url\":\"/coderun/\"") != NULL, "servers url follows the prefix");
    is_str(prefix_openapi(p, "not json", "/coderun"), "not json", "not JSON: unchanged");
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
