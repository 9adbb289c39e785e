/* API keys: which header carries the token, and its SHA-256 digest. */
#ifndef CODERUN_AUTH_H
#define CODERUN_AUTH_H

#include <apr_pools.h>

/* The token from `x-api-key: T` or `Authorization: Bearer T` (either may be
 * NULL), or NULL when neither carries a non-empty one. */
const char *auth_token(apr_pool_t *pool, const char *x_api_key,
                       const char *authorization);

/* Lower-case hex SHA-256 of token (64 chars), or NULL if libcrypto fails. */
const char *auth_digest_hex(apr_pool_t *pool, const char *token);

/* Constant-time equality of two digests in hex. */
int auth_digest_equal(const char *a, const char *b);

#endif
