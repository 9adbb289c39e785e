/* setup: the database side of an install, run as root on the database
 * host (docs/install.md). Creates the database, applies the migrations
 * (again: the upgrade), makes the login roles and writes the 0600 configs
 * that hold their passwords when they are absent. Without --database it
 * reaches the local cluster as the postgres OS user through Debian's
 * stock peer authentication: the effective uid is postgres for the
 * connect() only, which is all peer authentication looks at. */
#define _GNU_SOURCE
#include "cli/commands.h"
#include "cli/cli.h"
#include "cli/keys.h"
#include "cli/migrate.h"
#include "worker/db.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DB_NAME "coderun"

struct setup {
    const char *admin_conninfo;  /* --database, or NULL: peer as postgres */
    const char *httpd_user;      /* the OS user httpd runs as */
    char sql_dir[PATH_MAX];
    char languages[PATH_MAX];
    char host[256], port[16];    /* where the login roles connect */
};

/* Connect to database db: with the admin conninfo (its dbname replaced),
 * or over the local socket as the postgres OS user. */
static PGconn *admin_connect(const struct setup *st, const char *db)
{
    if (st->admin_conninfo) {
        const char *keys[] = {"dbname", "dbname", NULL};
        const char *values[] = {st->admin_conninfo, db, NULL};
        PGconn *conn = PQconnectdbParams(keys, values, 1);
        if (PQstatus(conn) == CONNECTION_OK)
            return conn;
        fprintf(stderr, "sandboxd: setup: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    const struct passwd *pw = getpwnam("postgres");
    if (!pw || geteuid() != 0) {
        fprintf(stderr, "sandboxd: setup: run it as root on the database host (it connects"
                        " as the postgres user), or give --database CONNINFO\n");
        return NULL;
    }
    const char *keys[] = {"dbname", "user", NULL};
    const char *values[] = {db, "postgres", NULL};
    if (seteuid(pw->pw_uid) != 0) {
        perror("sandboxd: setup: seteuid postgres");
        return NULL;
    }
    PGconn *conn = PQconnectdbParams(keys, values, 0);
    if (seteuid(0) != 0) {
        perror("sandboxd: setup: seteuid root");
        exit(1);
    }
    if (PQstatus(conn) == CONNECTION_OK)
        return conn;
    fprintf(stderr, "sandboxd: setup: as postgres: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return NULL;
}

static int create_database(const struct setup *st)
{
    PGconn *conn = admin_connect(st, "postgres");
    if (!conn)
        return -1;
    char err[512];
    const char *params[] = {DB_NAME};
    PGresult *res = db_query(conn, "SELECT 1 FROM pg_database WHERE datname = $1",
                             1, params, err, sizeof err);
    int rc = res ? 0 : -1;
    if (res && PQntuples(res) == 0) {
        rc = db_exec(conn, "CREATE DATABASE " DB_NAME, 0, NULL, err, sizeof err);
        if (rc == 0)
            printf("created database %s\n", DB_NAME);
    }
    PQclear(res);
    if (rc != 0)
        fprintf(stderr, "sandboxd: setup: %s\n", err);
    PQfinish(conn);
    return rc;
}

/* Run the statement format() builds from the parameters (role names and
 * passwords cannot be bind parameters of CREATE/ALTER ROLE). */
static int exec_formatted(PGconn *conn, const char *format_sql, int n,
                          const char *const *params)
{
    char err[512];
    PGresult *res = db_query(conn, format_sql, n, params, err, sizeof err);
    int rc = res && PQntuples(res) == 1
        ? db_exec(conn, PQgetvalue(res, 0, 0), 0, NULL, err, sizeof err) : -1;
    PQclear(res);
    if (rc != 0)
        fprintf(stderr, "sandboxd: setup: %s\n", err);
    return rc;
}

/* A login role in group; password NULL: none (peer authentication). */
static int ensure_role(PGconn *conn, const char *role, const char *group, const char *password)
{
    const char *params[] = {role, group};
    char err[512];
    PGresult *res = db_query(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1",
                             1, params, err, sizeof err);
    if (!res) {
        fprintf(stderr, "sandboxd: setup: %s\n", err);
        return -1;
    }
    bool exists = PQntuples(res) > 0;
    PQclear(res);
    if (!exists && exec_formatted(conn, "SELECT format('CREATE ROLE %I LOGIN', $1::text)",
                                  1, params) != 0)
        return -1;
    if (!exists)
        printf("created role %s\n", role);
    const char *with_password[] = {role, password};
    if (password && exec_formatted(conn, "SELECT format('ALTER ROLE %I PASSWORD %L',"
                                   " $1::text, $2::text)", 2, with_password) != 0)
        return -1;
    return exec_formatted(conn, "SELECT format('GRANT %I TO %I', $2::text, $1::text)",
                          2, params);
}

/* The password in an existing config's conninfo (written by an earlier
 * setup); "" when there is none. */
static int config_password(const char *path, const char *key, char *out, size_t len)
{
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    int rc = config_load(&cfg, path, err, sizeof err);
    PQconninfoOption *opts = rc == 0 ? PQconninfoParse(cfg.database, NULL) : NULL;
    if (rc != 0)
        fprintf(stderr, "sandboxd: setup: %s\n", err);
    else if (!opts)
        fprintf(stderr, "sandboxd: setup: %s: cannot parse %s\n", path, key);
    *out = '\0';
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val)
            snprintf(out, len, "%s", o->val);
    PQconninfoFree(opts);
    config_free(&cfg);
    return opts ? 0 : -1;
}

static int write_new_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    int rc = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len ? 0 : -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "sandboxd: setup: %s: %s\n", path, strerror(errno));
    else
        printf("wrote %s (0600)\n", path);
    return rc;
}

/* One password-authenticated component: its role in its group, and the
 * file with its conninfo. An existing file is kept and its password given
 * to the role, so the two always agree. */
struct component {
    const char *file;      /* under ETC_DIR */
    const char *role, *group;
    const char *format;    /* the file's text: conninfo, sql_dir, languages */
};

static int setup_component(PGconn *conn, const struct setup *st, const struct component *c)
{
    char path[PATH_MAX], password[256];
    snprintf(path, sizeof path, "%s/%s", ETC_DIR, c->file);
    bool exists = access(path, F_OK) == 0;
    if (exists ? config_password(path, c->role, password, sizeof password) != 0
               : keys_token_new(password) != 0)
        return -1;
    if (exists && !*password) {
        printf("kept %s (no password in it: the role's is left as it is)\n", path);
        return ensure_role(conn, c->role, c->group, NULL);
    }
    if (ensure_role(conn, c->role, c->group, password) != 0)
        return -1;
    if (exists) {
        printf("kept %s\n", path);
        return 0;
    }
    char conninfo[1024], *text = NULL;
    snprintf(conninfo, sizeof conninfo, "host=%s port=%s dbname=%s user=%s password=%s",
             st->host, st->port, DB_NAME, c->role, password);
    if (asprintf(&text, c->format, conninfo, st->sql_dir, st->languages) < 0)
        return -1;
    int rc = write_new_file(path, text);
    free(text);
    return rc;
}

#define SANDBOXD_CONF "# written by `sandboxd setup`; see docs/configuration.md\n" \
    "database  = %s\nsql_dir   = %s\nlanguages = %s\n" \
    "log_dir   = /var/log/coderun\nbox_dir   = /var/lib/coderun/box\n"

static int setup_roles(PGconn *conn, const struct setup *st)
{
    static const struct component sandboxd = {"sandboxd.conf", "coderun_sandboxd",
                                              "coderun_worker", SANDBOXD_CONF};
    static const struct component admin = {"admin.conf", "coderun_keys", "coderun_admin",
        "# written by `sandboxd setup`: `sandboxd key` reads it by default\n"
        "database  = %s\nsql_dir   = %s\nlanguages = %s\n"};
    static const struct component httpd = {"httpd-dbd.conf", "coderun_httpd", "coderun_api",
        "# written by `sandboxd setup --database`; coderun.conf includes it\n"
        "DBDParams \"%s\"\n"};
    if (mkdir(ETC_DIR, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sandboxd: setup: %s: %s\n", ETC_DIR, strerror(errno));
        return -1;
    }
    if (setup_component(conn, st, &sandboxd) != 0 || setup_component(conn, st, &admin) != 0
        || ensure_role(conn, admin.role, "coderun_report", NULL) != 0)
        return -1;
    /* httpd's user reaches a local cluster by peer authentication: no
     * password in any file Apache reads. A remote one needs a password. */
    if (st->admin_conninfo)
        return setup_component(conn, st, &httpd);
    if (ensure_role(conn, st->httpd_user, "coderun_api", NULL) != 0)
        return -1;
    printf("role %s (httpd, peer authentication) is in coderun_api\n", st->httpd_user);
    return 0;
}

/* The pool's sizing rule (docs/install.md, "Sizing"), with this server's
 * limit to compare against. */
static void report_connections(PGconn *conn)
{
    char err[256];
    PGresult *res = db_query(conn, "SELECT current_setting('max_connections')",
                             0, NULL, err, sizeof err);
    if (res && PQntuples(res) == 1)
        printf("max_connections = %s: keep MaxRequestWorkers/ThreadsPerChild x (DBDMax + 1)"
               " + sandboxd hosts x 2 + 5 below it (docs/install.md, Sizing)\n",
               PQgetvalue(res, 0, 0));
    PQclear(res);
}

/* Where the login roles connect: the admin connection's server, or the
 * local cluster's port on the loopback (stock pg_hba: scram there). */
static void role_address(PGconn *conn, struct setup *st)
{
    const char *host = PQhost(conn);
    bool socket = !host || !*host || *host == '/';
    snprintf(st->host, sizeof st->host, "%s", socket ? "127.0.0.1" : host);
    snprintf(st->port, sizeof st->port, "%s", PQport(conn) && *PQport(conn) ? PQport(conn) : "5432");
}

/* Installed files lie beside the executable (PREFIX/sbin ->
 * PREFIX/share/coderun); a build tree uses the configured paths. */
static void installed_paths(struct setup *st, const struct config *cfg)
{
    char exe[PATH_MAX], share[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(share, sizeof share, "%s/../share/coderun/sql", exe);
    if (!realpath(share, st->sql_dir))
        snprintf(st->sql_dir, sizeof st->sql_dir, "%s", cfg->sql_dir);
    snprintf(st->languages, sizeof st->languages, "%s/languages.conf", ETC_DIR);
    if (access(st->languages, R_OK) != 0)
        snprintf(st->languages, sizeof st->languages, "%s", cfg->languages);
}

int cmd_setup(const struct config *cfg, int argc, char **argv)
{
    static const struct option options[] = {
        {"database", required_argument, NULL, 'd'},
        {"httpd-user", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    struct setup st = {.httpd_user = "www-data"};
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'd')
            st.admin_conninfo = optarg;
        else if (opt == 'u')
            st.httpd_user = optarg;
        else
            return -1;
    }
    if (optind != argc)
        return -1;
    installed_paths(&st, cfg);
    if (create_database(&st) != 0)
        return 1;
    PGconn *conn = admin_connect(&st, DB_NAME);
    if (!conn)
        return 1;
    char err[1024];
    int rc = migrate_run(conn, st.sql_dir, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "sandboxd: setup: migrate: %s\n", err);
    role_address(conn, &st);
    if (rc == 0)
        rc = setup_roles(conn, &st);
    if (rc == 0)
        report_connections(conn);
    PQfinish(conn);
    if (rc == 0)
        printf("setup done: database %s is at the newest schema\n", DB_NAME);
    return rc == 0 ? 0 : 1;
}
