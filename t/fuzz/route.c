/* The request path (what follows the <Location>): route_match and
 * uuid_is_valid. */
#include <ctype.h>

#include "fuzz.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_pool();
    const uint8_t *rest;
    size_t rest_size, i;
    const char *path = fuzz_split(pool, data, size, '\0', &rest, &rest_size);
    struct route route;
    int valid = uuid_is_valid(path);

    FUZZ_CHECK(!valid || strlen(path) == 36);
    route_match(path, &route);
    FUZZ_CHECK(route.id[36] == '\0');
    if (route.kind == ROUTE_NONE) {
        FUZZ_CHECK(route.allow == NULL);
    } else {
        FUZZ_CHECK(route.allow && *route.allow);
    }
    if (route.id_valid) {
        FUZZ_CHECK(route.kind == ROUTE_RESULT || route.kind == ROUTE_RESULT_PROBLEM);
        FUZZ_CHECK(uuid_is_valid(route.id));
        for (i = 0; i < 36; i++)
            FUZZ_CHECK(!isupper((unsigned char)route.id[i]));
    } else {
        FUZZ_CHECK(route.id[0] == '\0');
    }
    apr_pool_destroy(pool);
    return 0;
}
