/* Long-poll for a job's end: the request is listed in its child's waiter
 * table, which the dispatcher thread (dispatch_httpd.c) wakes when the
 * job's NOTIFY arrives. No database connection is held while it sleeps. */
#include "coderun_httpd.h"
#include "waiters.h"

struct wait {
    struct waiters *table;
    struct waiter waiter;
};

static apr_status_t wait_remove(void *data)
{
    struct wait *w = data;

    waiter_remove(w->table, &w->waiter);
    return APR_SUCCESS;
}

struct wait *wait_begin(request_rec *r, const char *id)
{
    struct waiters *table = dispatch_waiters();
    struct wait *w;

    if (!table)
        return NULL;
    w = apr_palloc(r->pool, sizeof(*w));
    w->table = table;
    waiter_add(table, &w->waiter, id);
    /* Off the table however the request ends. */
    apr_pool_cleanup_register(r->pool, w, wait_remove, apr_pool_cleanup_null);
    return w;
}

void wait_sleep(struct wait *w, apr_interval_time_t left)
{
    waiter_wait(w->table, &w->waiter, (long)apr_time_as_msec(left) + 1);
}

void wait_end(request_rec *r, struct wait *w)
{
    if (w)
        apr_pool_cleanup_run(r->pool, w, wait_remove);
}
