/* key scope: the dashboard's reports answer a key with scope "all" with every key's
 * figures, any other key with its own jobs' only. */
#include "cli/key_scope.h"
#include "worker/db.h"

#include <stdio.h>
#include <string.h>

int key_scope_command(PGconn *conn, const char *name, const char *scope)
{
    if (strcmp(scope, "all") != 0 && strcmp(scope, "own") != 0) {
        fprintf(stderr, "sandboxd: key scope: '%s' is neither all nor own\n", scope);
        return 2;
    }
    const char *params[] = {name, strcmp(scope, "all") == 0 ? "true" : "false"};
    char err[1024];
    PGresult *res = db_query(conn,
        "UPDATE coderun.api_keys SET reports_all = $2::boolean"
        " WHERE name = $1 AND revoked_at IS NULL", 2, params, err, sizeof err);
    if (!res) {
        fprintf(stderr, "sandboxd: key scope: %s\n", err);
        return 1;
    }
    long n = db_affected(res);
    PQclear(res);
    if (n == 0)
        fprintf(stderr, "sandboxd: no active key named '%s'\n", name);
    return n > 0 ? 0 : 1;
}
