/* The query string of the result endpoints through wait_param_ms. */
#include "fuzz.h"
#include "wait_param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool = fuzz_pool();
    const uint8_t *rest;
    size_t rest_size;
    const char *args = fuzz_split(pool, data, size, '\0', &rest, &rest_size);
    int ms = wait_param_ms(args);

    FUZZ_CHECK(ms == -1 || (ms >= 0 && ms <= WAIT_MAX_SECONDS * 1000));
    FUZZ_CHECK(strstr(args, "wait=") || ms == 0);
    apr_pool_destroy(pool);
    return 0;
}
