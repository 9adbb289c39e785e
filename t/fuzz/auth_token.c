/* The x-api-key and Authorization headers through auth_token. The first
 * byte says which headers are present (bit 0 x-api-key, bit 1
 * Authorization); the rest is x-api-key NUL Authorization. */
#include "fuzz.h"
#include "auth.h"
#include <apr_lib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *pool;
    const uint8_t *rest;
    size_t rest_size;
    const char *x_api_key, *authorization, *token;
    unsigned present;

    if (size == 0)
        return 0;
    pool = fuzz_pool();
    present = data[0];
    x_api_key = fuzz_split(pool, data + 1, size - 1, '\0', &rest, &rest_size);
    authorization = rest ? fuzz_split(pool, rest, rest_size, '\0', &rest, &rest_size) : "";
    token = auth_token(pool, present & 1 ? x_api_key : NULL,
                       present & 2 ? authorization : NULL);
    if (token) {
        size_t n = strlen(token);
        FUZZ_CHECK(n > 0 && !apr_isspace(token[0]) && !apr_isspace(token[n - 1]));
        FUZZ_CHECK(strstr(present & 1 ? x_api_key : authorization, token) != NULL);
        FUZZ_CHECK(strlen(auth_digest_hex(pool, token)) == 64);
    }
    apr_pool_destroy(pool);
    return 0;
}
