/* migrate: apply sql/NNN_*.sql in order, each once, each in its own
 * transaction, serialised between concurrent runners by an advisory lock. */
#ifndef CODERUN_MIGRATE_H
#define CODERUN_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Prints "applied NAME" per new file on stdout. 0 or -1 with err. */
int migrate_run(PGconn *conn, const char *sql_dir, char *err, size_t errlen);

#endif
