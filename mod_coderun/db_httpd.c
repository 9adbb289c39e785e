/* Database access through mod_dbd: pooled connections, prepared statements.
 * A connection is borrowed per statement, never for a whole request. */
#include <poll.h>
#include <apr_dbd.h>
#include <apr_strings.h>
#include <libpq-fe.h>

#include "coderun_httpd.h"
#include "statements.h"

struct db_rows {
    int n_rows, n_cols;
    const char **values;    /* n_rows * n_cols, in the result the request pool owns */
};

/* mod_dbd's functions are taken as optional functions, not linked: Debian
 * loads mods-enabled/ in name order, coderun.load before dbd.load. */
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

ap_dbd_t *db_open(apr_pool_t *pool, server_rec *s)
{
    return dbd_open(pool, s);
}

void db_close(server_rec *s, ap_dbd_t *dbd)
{
    dbd_close(s, dbd);
}

/* A virtual host without DBD directives of its own shares the main
 * server's mod_dbd configuration (httpd creates a module's per-server
 * configuration only for a vhost that uses one of its directives); preparing
 * there again made mod_dbd warn AH02653 for every statement and vhost. */
int db_prepare_statements(server_rec *main_server, apr_pool_t *ptemp)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    apr_hash_t *done = apr_hash_make(ptemp);
    const struct statement *st;
    server_rec *s;

    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd || !dbd_prepare || !dbd_open || !dbd_close) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, main_server,
                     "mod_coderun needs mod_dbd: a2enmod dbd (or LoadModule dbd_module)");
        return -1;
    }
    for (s = main_server; s; s = s->next) {
        void *dbd_conf = ap_get_module_config(s->module_config, dbd);

        if (dbd_conf && apr_hash_get(done, &dbd_conf, sizeof dbd_conf))
            continue;
        for (st = coderun_statements; st->label; st++)
            dbd_prepare(s, st->sql, st->label);
        /* read again: ap_dbd_prepare creates it when it was missing */
        dbd_conf = ap_get_module_config(s->module_config, dbd);
        if (dbd_conf)
            apr_hash_set(done, apr_pmemdup(ptemp, &dbd_conf, sizeof dbd_conf),
                         sizeof dbd_conf, s);
    }
    return 0;
}

static struct db_rows *db_down(request_rec *r, struct api_error *err)
{
    api_fail(err, HTTP_SERVICE_UNAVAILABLE, "database_unavailable", NULL,
             "The database is unavailable; try again shortly.");
    (void)r;
    return NULL;
}

/* A reconnect (libpq's reset, done by apr_dbd_check_conn below or by
 * mod_dbd's own check when it hands the connection out) starts a session
 * without the prepared statements, and mod_dbd never prepares them again
 * on that connection: every statement would fail until httpd restarts. So
 * after a failure on a working connection they are prepared afresh. */
static int db_reprepare(request_rec *r, ap_dbd_t *dbd)
{
    const struct statement *st;
    int n;

    if (apr_dbd_query(dbd->driver, dbd->handle, &n, "DEALLOCATE ALL") != 0)
        return -1;
    for (st = coderun_statements; st->label; st++) {
        apr_dbd_prepared_t *stmt = NULL;    /* the driver fills a non-NULL one in place */

        if (apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, st->sql, st->label, &stmt)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "preparing %s again failed: %s",
                          st->label, apr_dbd_error(dbd->driver, dbd->handle, 1));
            return -1;
        }
        apr_hash_set(dbd->prepared, st->label, APR_HASH_KEY_STRING, stmt);
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "database session renewed: statements prepared again");
    return 0;
}

static int db_pselect(request_rec *r, ap_dbd_t *dbd, const char *label, int nargs,
                      const char **args, apr_dbd_results_t **res)
{
    apr_dbd_prepared_t *stmt = apr_hash_get(dbd->prepared, label, APR_HASH_KEY_STRING);
    int rc;

    if (!stmt) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "statement %s is not prepared", label);
        return -1;
    }
    rc = apr_dbd_pselect(dbd->driver, r->pool, dbd->handle, res, stmt, 1, nargs, args);
    if (rc)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s failed: %s", label,
                      apr_dbd_error(dbd->driver, dbd->handle, rc));
    return rc;
}

/* Whether the server ended the session while it idled in the pool (a
 * restart): its FATAL message and the end of the stream wait unread on
 * the socket. Read without blocking, before a statement is sent, they
 * let the session be renewed first: a submission, never sent twice, then
 * survives a restart like every other statement. */
static int ended_while_idle(ap_dbd_t *dbd)
{
    PGconn *conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    struct pollfd ready = { PQsocket(conn), POLLIN, 0 };
    int reads;

    for (reads = 0; reads < 4 && PQstatus(conn) == CONNECTION_OK; reads++) {
        if (poll(&ready, 1, 0) != 1 || !PQconsumeInput(conn))
            break;
    }
    return PQstatus(conn) != CONNECTION_OK;
}

static struct db_rows *db_select_on(request_rec *r, ap_dbd_t *dbd, const char *label,
                                     int nargs, const char **args, struct api_error *err)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    struct db_rows *rows;
    int i, j, session_lost;

    if (!statement_retry_safe(label) && ended_while_idle(dbd)
        && (apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle) != APR_SUCCESS
            || db_reprepare(r, dbd) != 0))
        return db_down(r, err);
    if (db_pselect(r, dbd, label, nargs, args, &res)) {
        session_lost = PQstatus(apr_dbd_native_handle(dbd->driver, dbd->handle)) != CONNECTION_OK;
        if (apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle) != APR_SUCCESS
            || db_reprepare(r, dbd) != 0)
            return db_down(r, err);
        /* On a live session the statement failed before running (no such
         * prepared statement); on a lost one it may or may not have run,
         * which only matters for the insert. */
        if (session_lost && !statement_retry_safe(label))
            return db_down(r, err);
        res = NULL;
        if (db_pselect(r, dbd, label, nargs, args, &res)) {
            api_fail(err, HTTP_INTERNAL_SERVER_ERROR, "internal_error", NULL,
                     "The request could not be stored or read.");
            return NULL;
        }
    }
    rows = apr_palloc(r->pool, sizeof(*rows));
    rows->n_rows = apr_dbd_num_tuples(dbd->driver, res);
    rows->n_cols = apr_dbd_num_cols(dbd->driver, res);
    rows->values = apr_palloc(r->pool, sizeof(char *) * (apr_size_t)(rows->n_rows * rows->n_cols + 1));
    for (i = 0; i < rows->n_rows; i++) {
        if (apr_dbd_get_row(dbd->driver, r->pool, res, &row, i + 1))
            break;
        for (j = 0; j < rows->n_cols; j++) {
            const char *v = apr_dbd_get_entry(dbd->driver, row, j);
            rows->values[i * rows->n_cols + j] = v ? v : "";
        }
    }
    return rows;
}

struct db_rows *db_select(request_rec *r, const char *label, int nargs,
                          const char **args, struct api_error *err)
{
    /* Borrowed for this statement only: the rows stay in r->pool. */
    ap_dbd_t *dbd = db_open(r->pool, r->server);
    struct db_rows *rows;

    if (!dbd) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no database connection");
        return db_down(r, err);
    }
    rows = db_select_on(r, dbd, label, nargs, args, err);
    db_close(r->server, dbd);
    return rows;
}

struct db_rows *db_slice(request_rec *r, const struct db_rows *rows, int first_col,
                         int n_cols, int n_rows)
{
    struct db_rows *slice = apr_palloc(r->pool, sizeof(*slice));
    int i, j;

    slice->n_rows = n_rows;
    slice->n_cols = n_cols;
    slice->values = apr_palloc(r->pool, sizeof(char *) * (apr_size_t)(n_rows * n_cols + 1));
    for (i = 0; i < n_rows; i++)
        for (j = 0; j < n_cols; j++)
            slice->values[i * n_cols + j] = db_value(rows, i, first_col + j);
    return slice;
}

int db_col_count(const struct db_rows *rows)
{
    return rows->n_cols;
}

int db_row_count(const struct db_rows *rows)
{
    return rows->n_rows;
}

const char *db_value(const struct db_rows *rows, int row, int col)
{
    return rows->values[row * rows->n_cols + col];
}
