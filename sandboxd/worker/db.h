/* db: libpq connection and query helpers with error text for the caller. */
#ifndef CODERUN_DB_H
#define CODERUN_DB_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

PGconn *db_connect(const char *conninfo, char *err, size_t errlen);

/* Run sql with text parameters; NULL on failure with err filled.
 * A result with no rows (a command) counts as success. */
PGresult *db_query(PGconn *conn, const char *sql, int nparams,
                   const char *const *params, char *err, size_t errlen);

/* Prepare sql as name on conn (once per session: a reconnect starts a
 * session without it). 0 or -1 with err filled. */
int db_prepare(PGconn *conn, const char *name, const char *sql, int nparams,
               char *err, size_t errlen);

/* db_query of a statement db_prepare made on this session. */
PGresult *db_prepared(PGconn *conn, const char *name, int nparams,
                      const char *const *params, char *err, size_t errlen);

/* db_query for statements whose result is not needed: 0 or -1. */
int db_exec(PGconn *conn, const char *sql, int nparams,
            const char *const *params, char *err, size_t errlen);

/* Rows a command touched (UPDATE/DELETE/INSERT). */
long db_affected(PGresult *res);

/* True when the connection itself is gone (as opposed to an SQL error). */
bool db_lost(PGconn *conn);

/* Reconnect with capped exponential backoff until it works or *stop is set.
 * Replaces *conn; returns 0 when connected. */
int db_reconnect(PGconn **conn, const char *conninfo,
                 volatile sig_atomic_t *stop);

/* For the CLI commands: connect or print the reason on stderr. */
PGconn *db_connect_cli(const char *conninfo);
#endif
