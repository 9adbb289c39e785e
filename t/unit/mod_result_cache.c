/* The child's cache of ended results: an entry is served to its own key
 * only, until it expires; too large a body or too small a budget keeps
 * nothing. */
#include <stdlib.h>
#include <string.h>

#include "result_cache.h"
#include "tap.h"

#define SECOND 1000000LL

struct got {
    char etag[64], body[64];
    size_t len;
};

static void take(void *ctx, const char *etag, const char *body, size_t len)
{
    struct got *g = ctx;

    snprintf(g->etag, sizeof g->etag, "%s", etag);
    memcpy(g->body, body, len < sizeof g->body ? len : sizeof g->body - 1);
    g->body[len < sizeof g->body ? len : sizeof g->body - 1] = '\0';
    g->len = len;
}

static int get(struct result_cache *c, const char *key, long long now, struct got *g)
{
    memset(g, 0, sizeof *g);
    return result_cache_get(c, key, now, take, g);
}

int main(void)
{
    struct result_cache *c = result_cache_create(64, 16, 30);
    struct got g;

    ok(c != NULL, "created");
    ok(!get(c, "r job1 alice ", 0, &g), "empty: no entry");

    result_cache_put(c, "r job1 alice ", "\"job1\"", "{\"a\":1}\n", 8, 0);
    ok(get(c, "r job1 alice ", SECOND, &g), "a put entry is found");
    is_str(g.etag, "\"job1\"", "  with its ETag");
    is_str(g.body, "{\"a\":1}\n", "  and its body");
    is_int(g.len, 8, "  and its length");
    ok(!get(c, "r job1 bob ", SECOND, &g), "another reader's key finds nothing");
    ok(!get(c, "p job1 alice ", SECOND, &g), "nor does the other API's");
    ok(!get(c, "r job1 alice ", CODERUN_RESULT_CACHE_SECONDS * SECOND, &g),
       "an entry expires after CODERUN_RESULT_CACHE_SECONDS");

    result_cache_put(c, "r big alice ", "\"big\"", "0123456789abcdefg", 17, 0);
    ok(!get(c, "r big alice ", 0, &g), "a body over max_entry is not kept");

    result_cache_put(c, "r j2 a ", "\"j2\"", "0123456789ab", 12, 10 * SECOND);
    result_cache_put(c, "r j3 a ", "\"j3\"", "0123456789ab", 12, 10 * SECOND);
    result_cache_put(c, "r j4 a ", "\"j4\"", "0123456789ab", 12, 10 * SECOND);
    ok(get(c, "r j2 a ", 10 * SECOND, &g) && get(c, "r j3 a ", 10 * SECOND, &g),
       "entries within the budget are kept");
    ok(!get(c, "r j4 a ", 10 * SECOND, &g), "one past the budget is not");
    result_cache_put(c, "r j5 a ", "\"j5\"", "0123456789ab", 12, 20 * SECOND);
    ok(get(c, "r j5 a ", 20 * SECOND, &g), "expired entries make room for a new one");

    result_cache_destroy(c);
    return done_testing();
}
