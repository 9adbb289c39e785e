#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fnv1a.h"
#include "waiters.h"

#define BUCKETS 256

struct waiters {
    pthread_mutex_t lock;
    size_t count;
    struct waiter *bucket[BUCKETS];
};

static unsigned bucket_of(const char *id)
{
    return fnv1a(id) % BUCKETS;
}

struct waiters *waiters_create(void)
{
    struct waiters *t = calloc(1, sizeof *t);

    if (t && pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void waiters_destroy(struct waiters *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void waiter_add(struct waiters *t, struct waiter *w, const char *id)
{
    pthread_condattr_t attr;
    unsigned b = bucket_of(id);

    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", id);
    /* Deadlines on the monotonic clock: a clock step neither cuts a wait
     * short nor makes it last. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_lock(&t->lock);
    w->next = t->bucket[b];
    if (w->next)
        w->next->prev = w;
    t->bucket[b] = w;
    w->listed = 1;
    t->count++;
    pthread_mutex_unlock(&t->lock);
}

int waiter_wait(struct waiters *t, struct waiter *w, long timeout_ms)
{
    struct timespec deadline;
    int woken;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    while (!w->woken && pthread_cond_timedwait(&w->cond, &t->lock, &deadline) == 0)
        ;
    woken = w->woken;
    w->woken = 0;    /* the next wait waits for the next wake */
    pthread_mutex_unlock(&t->lock);
    return woken;
}

void waiter_remove(struct waiters *t, struct waiter *w)
{
    pthread_mutex_lock(&t->lock);
    if (w->listed) {
        if (w->prev)
            w->prev->next = w->next;
        else
            t->bucket[bucket_of(w->id)] = w->next;
        if (w->next)
            w->next->prev = w->prev;
        w->listed = 0;
        t->count--;
        pthread_cond_destroy(&w->cond);
    }
    pthread_mutex_unlock(&t->lock);
}

static void wake(struct waiter *w)
{
    w->woken = 1;
    pthread_cond_signal(&w->cond);
}

int waiters_wake(struct waiters *t, const char *id)
{
    struct waiter *w;
    int n = 0;

    pthread_mutex_lock(&t->lock);
    for (w = t->bucket[bucket_of(id)]; w; w = w->next)
        if (strcmp(w->id, id) == 0) {
            wake(w);
            n++;
        }
    pthread_mutex_unlock(&t->lock);
    return n;
}

void waiters_wake_all(struct waiters *t)
{
    struct waiter *w;
    unsigned b;

    pthread_mutex_lock(&t->lock);
    for (b = 0; b < BUCKETS; b++)
        for (w = t->bucket[b]; w; w = w->next)
            wake(w);
    pthread_mutex_unlock(&t->lock);
}

char *waiters_id_array(struct waiters *t)
{
    char *out, *p;
    struct waiter *w;
    unsigned b;

    pthread_mutex_lock(&t->lock);
    out = malloc(t->count * (WAITER_ID_LEN + 1) + 3);
    if (out) {
        p = out;
        *p++ = '{';
        for (b = 0; b < BUCKETS; b++)
            for (w = t->bucket[b]; w; w = w->next)
                p += sprintf(p, "%s%s", p - out > 1 ? "," : "", w->id);
        *p++ = '}';
        *p = '\0';
    }
    pthread_mutex_unlock(&t->lock);
    return out;
}
