/* db: libpq connection and query helpers with error text for the caller. */
#include "worker/db.h"
#include "worker/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libpq messages end with a newline; our callers add their own. */
static void copy_error(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    size_t n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

/* libpq prints notices and a dying server's FATAL on stderr by default;
 * our stderr carries JSON lines only, and failures are reported anyway. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *db_connect(const char *conninfo, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (conn && PQstatus(conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(conn, quiet, NULL);
        /* NOTICEs (e.g. "already exists, skipping") are not for our users. */
        PQclear(PQexec(conn, "SET client_min_messages = warning"));
        return conn;
    }
    copy_error(err, errlen, conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return NULL;
}

/* res when it succeeded; else NULL with err filled and res cleared. */
static PGresult *checked(PGconn *conn, PGresult *res, char *err, size_t errlen)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    /* The primary message alone: DETAIL lines may echo row values. */
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    copy_error(err, errlen, primary ? primary : PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

PGresult *db_query(PGconn *conn, const char *sql, int nparams,
                   const char *const *params, char *err, size_t errlen)
{
    return checked(conn, PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0),
                   err, errlen);
}

int db_prepare(PGconn *conn, const char *name, const char *sql, int nparams,
               char *err, size_t errlen)
{
    PGresult *res = checked(conn, PQprepare(conn, name, sql, nparams, NULL), err, errlen);
    PQclear(res);
    return res ? 0 : -1;
}

PGresult *db_prepared(PGconn *conn, const char *name, int nparams,
                      const char *const *params, char *err, size_t errlen)
{
    return checked(conn, PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0),
                   err, errlen);
}

int db_exec(PGconn *conn, const char *sql, int nparams,
            const char *const *params, char *err, size_t errlen)
{
    PGresult *res = db_query(conn, sql, nparams, params, err, errlen);
    PQclear(res);
    return res ? 0 : -1;
}

long db_affected(PGresult *res)
{
    return strtol(PQcmdTuples(res), NULL, 10);
}

bool db_lost(PGconn *conn)
{
    return !conn || PQstatus(conn) != CONNECTION_OK;
}

int db_reconnect(PGconn **conn, const char *conninfo,
                 volatile sig_atomic_t *stop)
{
    char err[512];
    unsigned delay_ms = 100;
    PQfinish(*conn);
    *conn = NULL;
    for (int tries = 0; !*stop; tries++) {
        *conn = db_connect(conninfo, err, sizeof err);
        if (*conn && tries > 0)
            log_event("database_back", NULL);
        if (*conn)
            return 0;
        /* One line per outage, not one per retry. */
        if (tries == 0)
            log_event("database_unreachable", "error", err, NULL);
        struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        delay_ms = delay_ms * 2 > 10000 ? 10000 : delay_ms * 2;
    }
    return -1;
}

PGconn *db_connect_cli(const char *conninfo)
{
    char err[512];
    PGconn *conn = db_connect(conninfo, err, sizeof err);
    if (!conn)
        fprintf(stderr, "sandboxd: database: %s\n", err);
    return conn;
}
