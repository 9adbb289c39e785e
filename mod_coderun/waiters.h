/* waiters: the requests of one httpd child long-polling a job, by job id.
 * The child's dispatcher thread (dispatch_httpd.c) wakes the waiters of
 * the id each NOTIFY coderun_done names, and no other request: a finished
 * job costs O(1) whatever the number of waiting clients. httpd-free. */
#ifndef CODERUN_WAITERS_H
#define CODERUN_WAITERS_H

#include <pthread.h>

#define WAITER_ID_LEN 36          /* a uuid's text */

struct waiters;

struct waiter {
    char id[WAITER_ID_LEN + 1];
    int woken;                    /* set by waiters_wake, under the table's lock */
    int listed;
    pthread_cond_t cond;
    struct waiter *next, *prev;   /* in its bucket */
};

/* NULL when out of memory. */
struct waiters *waiters_create(void);
void waiters_destroy(struct waiters *t);

/* List w for id (its text, 36 chars) before the job is read, so that an
 * end committed after the read is not missed. */
void waiter_add(struct waiters *t, struct waiter *w, const char *id);
/* Sleep until w is woken or timeout_ms pass; 1 when woken (at once if it
 * was woken since waiter_add or its last wait), 0 at the timeout. */
int waiter_wait(struct waiters *t, struct waiter *w, long timeout_ms);
/* Take w off the table (again is harmless). */
void waiter_remove(struct waiters *t, struct waiter *w);

/* Wake the waiters of id; how many. */
int waiters_wake(struct waiters *t, const char *id);

/* Wake every waiter: the dispatcher cannot reach the database, and each
 * request reads its job again (a 503 then, rather than at its timeout). */
void waiters_wake_all(struct waiters *t);

/* The ids waited for, as a uuid[] literal "{id,...}" (malloc'd; NULL when
 * out of memory, "{}" when none): what the dispatcher checks after a
 * reconnect, as notifications sent while it was away are lost. */
char *waiters_id_array(struct waiters *t);

#endif
