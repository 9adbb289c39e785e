/* result_cache: an httpd child's copies of ended jobs' result bodies, so
 * that a client reading the same finished result again (polling, a
 * dashboard, a retry) is answered without a database round trip. An ended
 * job never changes; what can change is whether its reader may still see
 * it (a key revoked or expired, a job purged by retention), so an entry
 * lives CODERUN_RESULT_CACHE_SECONDS and is keyed by the reader's identity
 * as well as the job. Direct-mapped: a new entry replaces the one in its
 * slot. httpd-free. */
#ifndef CODERUN_RESULT_CACHE_H
#define CODERUN_RESULT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define CODERUN_RESULT_CACHE_SECONDS 5

struct result_cache;

/* slots entries of at most max_entry bytes, max_bytes in all; NULL when
 * out of memory. */
struct result_cache *result_cache_create(unsigned slots, size_t max_entry, size_t max_bytes);
void result_cache_destroy(struct result_cache *c);

/* Hands the live entry of key (its ETag and body) to take, under the
 * cache's lock, and returns 1; 0 when there is none. now: microseconds. */
typedef void result_cache_take_fn(void *ctx, const char *etag, const char *body, size_t len);
int result_cache_get(struct result_cache *c, const char *key, int64_t now,
                     result_cache_take_fn *take, void *ctx);

/* Keeps a copy of body under key for CODERUN_RESULT_CACHE_SECONDS from
 * now (microseconds); a body over max_entry, or one that the budget cannot
 * hold even after the expired entries are dropped, is not kept. */
void result_cache_put(struct result_cache *c, const char *key, const char *etag,
                      const char *body, size_t len, int64_t now);

#endif
