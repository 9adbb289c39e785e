#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"

static const char *trimmed(apr_pool_t *pool, const char *s)
{
    const char *end;

    while (apr_isspace(*s))
        s++;
    end = s + strlen(s);
    while (end > s && apr_isspace(end[-1]))
        end--;
    return end > s ? apr_pstrmemdup(pool, s, (apr_size_t)(end - s)) : NULL;
}

const char *auth_token(apr_pool_t *pool, const char *x_api_key,
                       const char *authorization)
{
    if (x_api_key)
        return trimmed(pool, x_api_key);
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
        return trimmed(pool, authorization + 7);
    return NULL;
}

const char *auth_digest_hex(apr_pool_t *pool, const char *token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char *hex;
    unsigned int i;

    if (!EVP_Digest(token, strlen(token), md, &md_len, EVP_sha256(), NULL))
        return NULL;
    hex = apr_palloc(pool, md_len * 2 + 1);
    for (i = 0; i < md_len; i++)
        apr_snprintf(hex + 2 * (size_t)i, 3, "%02x", md[i]);
    return hex;
}

int auth_digest_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}
