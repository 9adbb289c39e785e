/* Long-poll for a job's end: LISTEN coderun_done on the request's pooled
 * connection and sleep on its socket until the worker's NOTIFY names the
 * job or the deadline passes. No busy polling of the database. */
#include <poll.h>
#include <string.h>
#include <libpq-fe.h>
#include <apr_dbd.h>
#include <apr_time.h>

#include "coderun_httpd.h"

static PGconn *native_conn(request_rec *r)
{
    ap_dbd_t *dbd = db_acquire(r);

    if (!dbd || strcmp(apr_dbd_name(dbd->driver), "pgsql") != 0)
        return NULL;
    return apr_dbd_native_handle(dbd->driver, dbd->handle);
}

static int exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    PQclear(res);
    return ok;
}

int wait_listen(request_rec *r)
{
    PGconn *conn = native_conn(r);

    return conn && exec_ok(conn, "LISTEN coderun_done") ? 0 : -1;
}

/* True once a notification for id arrived. */
static int notified(PGconn *conn, const char *id)
{
    PGnotify *n;
    int hit = 0;

    while ((n = PQnotifies(conn)) != NULL) {
        hit |= strcmp(n->extra, id) == 0;
        PQfreemem(n);
    }
    return hit;
}

void wait_for_done(request_rec *r, const char *id, int wait_ms)
{
    PGconn *conn = native_conn(r);
    apr_time_t deadline = apr_time_now() + apr_time_from_msec(wait_ms);

    if (!conn)
        return;
    while (!notified(conn, id)) {
        struct pollfd pfd = { PQsocket(conn), POLLIN, 0 };
        apr_interval_time_t left = deadline - apr_time_now();

        if (left <= 0 || pfd.fd < 0)
            break;
        if (poll(&pfd, 1, (int)apr_time_as_msec(left) + 1) < 0 ||
            !PQconsumeInput(conn))
            break;
    }
}

void wait_unlisten(request_rec *r)
{
    PGconn *conn = native_conn(r);

    /* The connection goes back to the pool: leave no subscription and no
     * queued notification behind for the next request. */
    if (conn) {
        exec_ok(conn, "UNLISTEN coderun_done");
        notified(conn, "");
    }
}
