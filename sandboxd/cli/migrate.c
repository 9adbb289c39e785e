/* migrate: apply sql/NNN_*.sql in order, each once, in its own transaction. */
#include "cli/migrate.h"
#include "worker/db.h"
#include "common/text.h"
#include "cli/commands.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Arbitrary constant shared by every sandboxd: one migrator at a time. */
#define MIGRATE_LOCK "7164203941"

static int is_migration(const struct dirent *d)
{
    const char *n = d->d_name;
    size_t len = strlen(n);
    return len > 8 && isdigit((unsigned char)n[0]) && isdigit((unsigned char)n[1])
        && isdigit((unsigned char)n[2]) && n[3] == '_'
        && strcmp(n + len - 4, ".sql") == 0;
}

/* 1 applied, 0 already there, -1 error. */
static int apply_one(PGconn *conn, const char *dir, const char *name,
                     char *err, size_t errlen)
{
    const char *params[] = {name};
    PGresult *res = db_query(conn,
        "SELECT 1 FROM coderun.schema_migrations WHERE version = $1",
        1, params, err, errlen);
    if (!res)
        return -1;
    int done = PQntuples(res) > 0;
    PQclear(res);
    if (done)
        return 0;

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = text_read_file(path, NULL);
    if (!sql) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char msg[1024];
    int rc = db_exec(conn, "BEGIN", 0, NULL, msg, sizeof msg);
    if (rc == 0) {
        /* PQexec: a migration file holds many statements, no parameters. */
        PGresult *r = PQexec(conn, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
            rc = -1;
        }
        PQclear(r);
    }
    if (rc == 0)
        rc = db_exec(conn, "INSERT INTO coderun.schema_migrations (version) VALUES ($1)",
                     1, params, msg, sizeof msg);
    if (rc == 0)
        rc = db_exec(conn, "COMMIT", 0, NULL, msg, sizeof msg);
    if (rc != 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        snprintf(err, errlen, "%s: %s", name, msg);
    }
    free(sql);
    return rc == 0 ? 1 : -1;
}

int migrate_run(PGconn *conn, const char *sql_dir, char *err, size_t errlen)
{
    struct dirent **names;
    int n = scandir(sql_dir, &names, is_migration, alphasort);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", sql_dir, strerror(errno));
        return -1;
    }
    const char *lock[] = {MIGRATE_LOCK};
    int rc = db_exec(conn, "SELECT pg_advisory_lock($1::bigint)", 1, lock, err, errlen);
    if (rc == 0)
        rc = db_exec(conn, "CREATE SCHEMA IF NOT EXISTS coderun", 0, NULL, err, errlen);
    if (rc == 0)
        rc = db_exec(conn,
            "CREATE TABLE IF NOT EXISTS coderun.schema_migrations ("
            " version text PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())",
            0, NULL, err, errlen);
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            int applied = apply_one(conn, sql_dir, names[i]->d_name, err, errlen);
            if (applied > 0)
                printf("applied %s\n", names[i]->d_name);
            rc = applied < 0 ? -1 : 0;
        }
        free(names[i]);
    }
    free(names);
    char ignored[256];
    db_exec(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, lock, ignored, sizeof ignored);
    return rc;
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
    const char *sql_dir = cfg->sql_dir;
    int opt;
    while ((opt = getopt(argc, argv, "s:")) != -1) {
        if (opt != 's')
            return -1;
        sql_dir = optarg;
    }
    if (optind != argc)
        return -1;
    PGconn *conn = db_connect_cli(cfg->database);
    if (!conn)
        return 1;
    char err[1024];
    int rc = migrate_run(conn, sql_dir, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "sandboxd: migrate: %s\n", err);
    PQfinish(conn);
    return rc == 0 ? 0 : 1;
}
