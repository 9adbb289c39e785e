#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fnv1a.h"
#include "result_cache.h"

struct entry {
    char *key, *etag, *body;     /* one allocation: key, etag, body */
    size_t len;
    int64_t expires;
};

struct result_cache {
    pthread_mutex_t lock;
    unsigned nslots;
    size_t max_entry, max_bytes, bytes;
    struct entry *slot;
};

struct result_cache *result_cache_create(unsigned slots, size_t max_entry, size_t max_bytes)
{
    struct result_cache *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->slot = calloc(slots, sizeof *c->slot);
    if (!c->slot || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->slot);
        free(c);
        return NULL;
    }
    c->nslots = slots;
    c->max_entry = max_entry;
    c->max_bytes = max_bytes;
    return c;
}

static void drop(struct result_cache *c, struct entry *e)
{
    if (!e->key)
        return;
    c->bytes -= e->len;
    free(e->key);
    memset(e, 0, sizeof *e);
}

void result_cache_destroy(struct result_cache *c)
{
    unsigned i;

    if (!c)
        return;
    for (i = 0; i < c->nslots; i++)
        drop(c, &c->slot[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->slot);
    free(c);
}

int result_cache_get(struct result_cache *c, const char *key, int64_t now,
                     result_cache_take_fn *take, void *ctx)
{
    struct entry *e = &c->slot[fnv1a(key) % c->nslots];
    int hit;

    pthread_mutex_lock(&c->lock);
    hit = e->key && strcmp(e->key, key) == 0 && e->expires > now;
    if (hit)
        take(ctx, e->etag, e->body, e->len);
    pthread_mutex_unlock(&c->lock);
    return hit;
}

/* Frees the expired entries: what the budget holds is live. */
static void drop_expired(struct result_cache *c, int64_t now)
{
    unsigned i;

    for (i = 0; i < c->nslots; i++)
        if (c->slot[i].key && c->slot[i].expires <= now)
            drop(c, &c->slot[i]);
}

void result_cache_put(struct result_cache *c, const char *key, const char *etag,
                      const char *body, size_t len, int64_t now)
{
    int64_t expires = now + (int64_t)CODERUN_RESULT_CACHE_SECONDS * 1000000;
    size_t klen = strlen(key) + 1, elen = strlen(etag) + 1;
    struct entry *e = &c->slot[fnv1a(key) % c->nslots];
    char *block;

    if (len > c->max_entry)
        return;
    pthread_mutex_lock(&c->lock);
    drop(c, e);
    if (c->bytes + len > c->max_bytes)
        drop_expired(c, now);
    if (c->bytes + len <= c->max_bytes && (block = malloc(klen + elen + len + 1))) {
        e->key = memcpy(block, key, klen);
        e->etag = memcpy(block + klen, etag, elen);
        e->body = memcpy(block + klen + elen, body, len);
        e->body[len] = '\0';
        e->len = len;
        e->expires = expires;
        c->bytes += len;
    }
    pthread_mutex_unlock(&c->lock);
}
