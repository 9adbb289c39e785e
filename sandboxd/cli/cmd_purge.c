/* sandboxd purge --before TIME: what retention_days does, on demand: roll
 * up the due days, then delete the ended jobs created before TIME (any
 * timestamptz PostgreSQL reads) with their cases, in the worker's small
 * batches, waiting for a worker that holds the maintenance lock. */
#include "cli/commands.h"
#include "worker/db.h"
#include "worker/purge.h"

#include <stdio.h>
#include <string.h>

int cmd_purge(const struct config *cfg, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--before") != 0)
        return -1;
    PGconn *conn = db_connect_cli(cfg->database);
    if (!conn)
        return 1;
    char err[512];
    /* The cut as the server reads it (in UTC), so the answer names what was meant. */
    PGresult *cut = db_query(conn, "SELECT coderun.rfc3339($1::timestamptz)", 1, (const char *const *)&argv[2],
                             err, sizeof err);
    static volatile sig_atomic_t never_stop;
    struct purge_totals totals = {0};
    int rc = cut ? purge_run(conn, PQgetvalue(cut, 0, 0), true, &never_stop, &totals, err, sizeof err) : -1;
    if (rc == 0)
        printf("purged %ld jobs and %ld cases created before %s (%ld days rolled up first)\n",
               totals.jobs, totals.cases, PQgetvalue(cut, 0, 0), totals.days);
    else
        fprintf(stderr, "sandboxd: purge: %s\n", err);
    PQclear(cut);
    PQfinish(conn);
    return rc == 0 ? 0 : 1;
}
