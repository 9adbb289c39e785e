/* GET /metrics: the query string and Accept header through
 * metrics_wants_prometheus. The first byte says which are present (bit 0
 * args, bit 1 Accept); the rest is args NUL Accept. */
#include "fuzz.h"
#include "metrics_prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool;
    const uint8_t *rest;
    size_t rest_size;
    const char *args, *accept;
    int wants;

    if (size == 0)
        return 0;
    pool = fuzz_pool();
    args = fuzz_split(pool, data + 1, size - 1, '\0', &rest, &rest_size);
    accept = rest ? fuzz_split(pool, rest, rest_size, '\0', &rest, &rest_size) : "";
    wants = metrics_wants_prometheus(data[0] & 1 ? args : NULL, data[0] & 2 ? accept : NULL);
    FUZZ_CHECK(wants == 0 || wants == 1);
    apr_pool_destroy(pool);
    return 0;
}
