/* The dispatcher: one thread and one LISTEN connection per httpd child.
 * NOTIFY coderun_done (sql/001: the job's id, sent when it ends) wakes
 * the child's requests waiting for that id (waiters.c) and no other; the
 * pooled mod_dbd connections never LISTEN and are back in the pool while
 * their requests wait. The connection is libpq's own, opened with the
 * conninfo of a pooled one (the DBDParams). After every (re)connect it
 * checks the jobs waited for, as an end committed while it was away sent
 * its notification to nobody. */
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <libpq-fe.h>

#include "coderun_httpd.h"
#include "waiters.h"

#define RECONNECT_MAX_MS 2000

static struct waiters *table;
static int stop_pipe[2] = { -1, -1 };
static volatile int stopping;
static apr_thread_t *thread;

struct waiters *dispatch_waiters(void)
{
    return table;
}

/* Sleep ms, or less if the child is stopping. */
static void pause_ms(int ms)
{
    struct pollfd pfd = { stop_pipe[0], POLLIN, 0 };

    poll(&pfd, 1, ms);
}

/* A pooled connection's settings (what DBDParams made of it) with our own
 * application_name, so that an administrator can tell the two apart. */
static PGconn *connect_like_pool(server_rec *s, apr_pool_t *pool)
{
    ap_dbd_t *dbd = db_open(pool, s);
    PQconninfoOption *opts = NULL, *o;
    const char **keys, **values;
    PGconn *conn = NULL;
    int n = 0;

    if (!dbd)
        return NULL;
    if (strcmp(apr_dbd_name(dbd->driver), "pgsql") == 0)
        opts = PQconninfo(apr_dbd_native_handle(dbd->driver, dbd->handle));
    db_close(s, dbd);
    if (!opts)
        return NULL;
    for (o = opts; o->keyword; o++)
        n++;
    keys = apr_pcalloc(pool, sizeof(char *) * (apr_size_t)(n + 2));
    values = apr_pcalloc(pool, sizeof(char *) * (apr_size_t)(n + 2));
    n = 0;
    for (o = opts; o->keyword; o++)
        if (o->val && *o->val && strcmp(o->keyword, "application_name") != 0) {
            keys[n] = o->keyword;
            values[n++] = o->val;
        }
    keys[n] = "application_name";
    values[n] = "coderun_dispatcher";
    conn = PQconnectdbParams(keys, values, 0);
    PQconninfoFree(opts);
    return conn;
}

/* Run sql; every row it returns is the id of an ended job whose waiters
 * wake. Whether it ran. */
static int exec_waking(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    int i;

    for (i = 0; ok && i < PQntuples(res); i++)
        waiters_wake(table, PQgetvalue(res, i, 0));
    PQclear(res);
    return ok;
}

/* LISTEN, then wake the waiters whose job ended meanwhile: an end
 * committed after the LISTEN is notified, one before it is seen here. */
static PGconn *subscribe(server_rec *s, apr_pool_t *pool)
{
    PGconn *conn = connect_like_pool(s, pool);
    char *ids;
    int ok;

    if (!conn || PQstatus(conn) != CONNECTION_OK || !exec_waking(conn, "LISTEN coderun_done", 0, NULL)) {
        if (conn)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "coderun dispatcher: %s",
                         PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    ids = waiters_id_array(table);
    ok = ids && exec_waking(conn, "SELECT id::text FROM coderun.jobs WHERE id = ANY ($1::uuid[])"
                        " AND state IN ('finished', 'failed')", 1, (const char *const *)&ids);
    free(ids);
    if (!ok) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Wait on the connection; wake the waiters of each notification. 0 while
 * the connection is good. */
static int dispatch_round(PGconn *conn)
{
    struct pollfd pfd[2] = { { PQsocket(conn), POLLIN, 0 }, { stop_pipe[0], POLLIN, 0 } };
    PGnotify *n;

    if (poll(pfd, 2, -1) < 0 || pfd[1].revents)
        return 0;
    if (!PQconsumeInput(conn))
        return -1;
    while ((n = PQnotifies(conn)) != NULL) {
        waiters_wake(table, n->extra);
        PQfreemem(n);
    }
    return PQstatus(conn) == CONNECTION_OK ? 0 : -1;
}

static void *APR_THREAD_FUNC dispatch_main(apr_thread_t *self, void *data)
{
    server_rec *s = data;
    apr_pool_t *pool;
    PGconn *conn = NULL;
    int backoff_ms = 0;

    /* Its own allocator: pchild belongs to the thread that made it. */
    apr_pool_create_unmanaged_ex(&pool, NULL, NULL);
    while (!stopping) {
        if (!conn) {
            apr_pool_clear(pool);
            conn = subscribe(s, pool);
            if (!conn) {
                /* Nobody would wake them: each request reads its job again
                 * (and answers 503 if the database is gone) or waits on. */
                waiters_wake_all(table);
                /* At once the first time: a reset is usually over by then. */
                pause_ms(backoff_ms);
                backoff_ms = backoff_ms ? backoff_ms * 2 : 50;
                if (backoff_ms > RECONNECT_MAX_MS)
                    backoff_ms = RECONNECT_MAX_MS;
                continue;
            }
            backoff_ms = 0;
        }
        if (dispatch_round(conn) != 0) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "coderun dispatcher: connection lost, reconnecting");
            PQfinish(conn);
            conn = NULL;
        }
    }
    PQfinish(conn);
    apr_pool_destroy(pool);
    apr_thread_exit(self, APR_SUCCESS);
    return NULL;
}

static apr_status_t dispatch_stop(void *data)
{
    apr_status_t rv;
    char byte = 0;

    (void)data;
    stopping = 1;
    if (write(stop_pipe[1], &byte, 1) < 0 || apr_thread_join(&rv, thread) != APR_SUCCESS)
        return APR_SUCCESS;    /* the child exits anyway */
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    waiters_destroy(table);
    return APR_SUCCESS;
}

void dispatch_start(apr_pool_t *pchild, server_rec *s)
{
    table = waiters_create();
    if (!table || pipe(stop_pipe) != 0 ||
        apr_thread_create(&thread, NULL, dispatch_main, s, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "coderun dispatcher: cannot start; long-polls wait to their timeout");
        return;
    }
    apr_pool_cleanup_register(pchild, NULL, dispatch_stop, apr_pool_cleanup_null);
}
