/* The long-poll waiter table: a job's end wakes its waiters and no other. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "waiters.h"
#include "tap.h"

#define ID_A "00000000-0000-0000-0000-00000000000a"
#define ID_B "00000000-0000-0000-0000-00000000000b"

static struct waiters *table;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct sleeper {
    struct waiter w;
    int woken;
};

static void *sleep_on(void *arg)
{
    struct sleeper *s = arg;

    s->woken = waiter_wait(table, &s->w, 10000);
    return NULL;
}

int main(void)
{
    struct waiter a, a2, b;
    struct sleeper s;
    pthread_t thread;
    double t0;
    char *ids;

    table = waiters_create();
    ok(table != NULL, "a table");

    waiter_add(table, &a, ID_A);
    waiter_add(table, &b, ID_B);
    ids = waiters_id_array(table);
    ok(strstr(ids, ID_A) && strstr(ids, ID_B) && ids[0] == '{' && ids[strlen(ids) - 1] == '}'
       && strlen(ids) == 2 * 36 + 3, "both ids in the uuid[] literal");
    free(ids);

    is_int(waiters_wake(table, ID_A), 1, "the end of job A wakes one waiter");
    is_int(waiter_wait(table, &a, 0), 1, "woken before it slept: no wait at all");
    t0 = now_ms();
    is_int(waiter_wait(table, &b, 50), 0, "B's waiter was not woken by A");
    ok(now_ms() - t0 >= 45, "and slept to its timeout");
    is_int(waiter_wait(table, &a, 0), 0, "a wake counts for one wait");
    waiter_remove(table, &a);
    waiter_remove(table, &a);
    is_int(waiters_wake(table, ID_A), 0, "a removed waiter is not woken");
    waiters_wake_all(table);
    is_int(waiter_wait(table, &b, 0), 1, "waking all wakes B");

    waiter_add(table, &a, ID_A);
    waiter_add(table, &a2, ID_A);
    is_int(waiters_wake(table, ID_A), 2, "two requests of the same job both wake");
    waiter_remove(table, &a);
    waiter_remove(table, &a2);
    waiter_remove(table, &b);
    ids = waiters_id_array(table);
    is_str(ids, "{}", "an empty table lists no id");
    free(ids);

    /* A request thread asleep, woken from another thread (the dispatcher). */
    waiter_add(table, &s.w, ID_B);
    s.woken = -1;
    pthread_create(&thread, NULL, sleep_on, &s);
    t0 = now_ms();
    nanosleep(&(struct timespec){0, 20000000L}, NULL);    /* most likely asleep by now */
    is_int(waiters_wake(table, ID_B), 1, "the dispatcher wakes the sleeping request");
    pthread_join(thread, NULL);
    is_int(s.woken, 1, "which saw it was woken");
    ok(now_ms() - t0 < 1000, "long before its timeout");
    waiter_remove(table, &s.w);

    waiters_destroy(table);
    return done_testing();
}
