/* What every fuzz target shares: APR set up once, a fresh pool per input,
 * the input as C strings the way httpd hands them over, and an abort (a
 * crash libFuzzer records) when an invariant of the parser's answer fails. */
#ifndef CODERUN_FUZZ_H
#define CODERUN_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <json-c/json.h>

#include "api_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {                                                   \
        if (!(cond)) {                                                          \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                  \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* A pool for one input; the caller destroys it. */
static inline apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *root;
    apr_pool_t *pool;

    if (!root) {
        apr_initialize();
        apr_pool_create(&root, NULL);
    }
    apr_pool_create(&pool, root);
    return pool;
}

/* The bytes up to the first sep (or the end) as a C string; *rest is what
 * follows sep, or NULL when there is no sep. httpd never passes a NUL
 * inside a header or query string, so a NUL ends the string here too. */
static inline const char *fuzz_split(apr_pool_t *pool, const uint8_t *data, size_t size,
                                     char sep, const uint8_t **rest, size_t *rest_size)
{
    const uint8_t *end = memchr(data, sep, size);
    size_t n = end ? (size_t)(end - data) : size;

    *rest = end ? end + 1 : NULL;
    *rest_size = end ? size - n - 1 : 0;
    return apr_pstrmemdup(pool, (const char *)data, n);
}

/* Text PostgreSQL accepts: well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing over U+10FFFF) without NUL. */
static inline int fuzz_pg_text(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned c = *p, n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1
                          : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 9;
        unsigned i;

        if (n == 9)
            return 0;
        for (i = 1; i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
            (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* A rejected request: a 4xx/5xx the client can act on, and a JSON body. */
static inline void fuzz_check_error(apr_pool_t *pool, const struct api_error *err)
{
    const char *json;
    json_object *o;

    FUZZ_CHECK(err->status == 400 || err->status == 413 || err->status == 500);
    FUZZ_CHECK(err->code && *err->code && err->message && *err->message);
    json = api_error_json(pool, err);
    o = json_tokener_parse(json);
    FUZZ_CHECK(o && json_object_is_type(o, json_type_object));
    json_object_put(o);
}

#endif
