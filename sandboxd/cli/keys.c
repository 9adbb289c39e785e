/* keys: API tokens. The database stores only SHA-256 digests of tokens. */
#include "cli/keys.h"
#include "cli/key_settings.h"
#include "cli/key_scope.h"
#include "worker/db.h"
#include "cli/commands.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void keys_base64url(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++)
            out[o++] = abc[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
}

int keys_token_new(char out[KEYS_TOKEN_LEN + 1])
{
    unsigned char raw[KEYS_TOKEN_BYTES];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -1;
    keys_base64url(raw, sizeof raw, out);
    return 0;
}

int keys_digest_hex(const char *token, size_t len, char out[2 * KEYS_DIGEST_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != KEYS_DIGEST_LEN)
        return -1;
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * (size_t)i, 3, "%02x", md[i]);
    return 0;
}

int keys_add(PGconn *conn, const char *name, const char *token,
             char *err, size_t errlen)
{
    char hex[2 * KEYS_DIGEST_LEN + 1];
    if (keys_digest_hex(token, strlen(token), hex) != 0) {
        snprintf(err, errlen, "SHA-256 failed");
        return -1;
    }
    const char *params[] = {name, hex};
    return db_exec(conn,
        "INSERT INTO coderun.api_keys (name, digest) VALUES ($1, decode($2, 'hex'))",
        2, params, err, errlen);
}

int keys_list(PGconn *conn, FILE *out, char *err, size_t errlen)
{
    PGresult *res = db_query(conn,
        "SELECT name, created_at, coalesce(last_used_at::text, '-'),"
        " CASE WHEN revoked_at IS NOT NULL THEN 'revoked'"
        "  WHEN expires_at <= now() THEN 'expired' ELSE 'active' END,"
        " 'today_jobs=' || coalesce(u.jobs, 0),"
        " 'today_cpu_seconds=' || round(coalesce(u.cpu_seconds, 0)::numeric, 3),"
        " 'daily_cpu_seconds=' || coalesce(daily_cpu_seconds::text, 'default'),"
        " 'unfinished=' || (unfinished - (SELECT count(*) FROM coderun.key_ends e"
        "   WHERE e.key_id = k.id)),"
        " 'max_unfinished=' || coalesce(max_unfinished::text, 'default'),"
        " 'max_time_ms=' || coalesce(max_time_ms::text, 'default'),"
        " 'max_memory_mb=' || coalesce(max_memory_mb::text, 'default'),"
        " 'max_output_kb=' || coalesce(max_output_kb::text, 'default'),"
        " 'max_inputs=' || coalesce(max_inputs::text, 'default'),"
        " 'languages=' || coalesce(array_to_string(languages, ','), 'all'),"
        " 'expires=' || coalesce(expires_at::text, 'never')"
        " FROM coderun.api_keys k LEFT JOIN coderun.key_usage_current u"
        "  ON u.key_id = k.id AND u.day = coderun.utc_today()"
        " ORDER BY k.id", 0, NULL, err, errlen);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++)
        for (int j = 0; j < PQnfields(res); j++)
            fprintf(out, "%s%c", PQgetvalue(res, i, j), j + 1 < PQnfields(res) ? '\t' : '\n');
    PQclear(res);
    return 0;
}

int keys_revoke(PGconn *conn, const char *name, char *err, size_t errlen)
{
    const char *params[] = {name};
    PGresult *res = db_query(conn,
        "UPDATE coderun.api_keys SET revoked_at = now()"
        " WHERE name = $1 AND revoked_at IS NULL", 1, params, err, errlen);
    if (!res)
        return -1;
    long n = db_affected(res);
    PQclear(res);
    return n > 0 ? 0 : 1;
}

/* --token-stdin: the first line of stdin, without its newline. */
static int read_token(char *buf, size_t len)
{
    if (!fgets(buf, (int)len, stdin))
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return *buf ? 0 : -1;
}

/* key add NAME [--token-stdin] [settings]: the key and its settings in one
 * transaction, so a bad setting leaves no key behind. */
static int key_add_command(PGconn *conn, int argc, char **argv)
{
    char err[1024], token[1024];
    bool from_stdin = argc > 3 && strcmp(argv[3], "--token-stdin") == 0;
    struct key_settings settings;
    int first = from_stdin ? 4 : 3;

    if (key_settings_parse(argc - first, argv + first, &settings, err, sizeof err) != 0) {
        fprintf(stderr, "sandboxd: key add: %s\n", err);
        return 1;
    }
    if (from_stdin ? read_token(token, sizeof token) : keys_token_new(token)) {
        fprintf(stderr, "sandboxd: key add: %s\n",
                from_stdin ? "no token on stdin" : "getrandom failed");
        return 1;
    }
    if (db_exec(conn, "BEGIN", 0, NULL, err, sizeof err) != 0 ||
        keys_add(conn, argv[2], token, err, sizeof err) != 0 ||
        key_settings_apply(conn, argv[2], &settings, err, sizeof err) != 0 ||
        db_exec(conn, "COMMIT", 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "sandboxd: key add: %s\n", err);
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static int key_set_command(PGconn *conn, int argc, char **argv)
{
    char err[1024];
    struct key_settings settings;

    if (key_settings_parse(argc - 3, argv + 3, &settings, err, sizeof err) != 0 ||
        settings.n == 0) {
        fprintf(stderr, "sandboxd: key set: %s\n",
                settings.n == 0 ? "no setting given" : err);
        return 1;
    }
    int rc = key_settings_apply(conn, argv[2], &settings, err, sizeof err);
    if (rc == 1)
        fprintf(stderr, "sandboxd: no active key named '%s'\n", argv[2]);
    else if (rc < 0)
        fprintf(stderr, "sandboxd: key set: %s\n", err);
    return rc == 0 ? 0 : 1;
}

static int key_command(PGconn *conn, int argc, char **argv)
{
    char err[1024];
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0 && argc == 2) {
        if (keys_list(conn, stdout, err, sizeof err) == 0)
            return 0;
        fprintf(stderr, "sandboxd: key list: %s\n", err);
        return 1;
    }
    if (strcmp(sub, "revoke") == 0 && argc == 3) {
        int rc = keys_revoke(conn, argv[2], err, sizeof err);
        if (rc == 1)
            fprintf(stderr, "sandboxd: no active key named '%s'\n", argv[2]);
        else if (rc < 0)
            fprintf(stderr, "sandboxd: key revoke: %s\n", err);
        return rc == 0 ? 0 : 1;
    }
    if (strcmp(sub, "scope") == 0 && argc == 4)
        return key_scope_command(conn, argv[2], argv[3]);
    if (strcmp(sub, "add") == 0 && argc >= 3)
        return key_add_command(conn, argc, argv);
    if (strcmp(sub, "set") == 0 && argc >= 3)
        return key_set_command(conn, argc, argv);
    return -1;
}

int cmd_key(const struct config *cfg, int argc, char **argv)
{
    if (argc < 2)
        return -1;
    PGconn *conn = db_connect_cli(cfg->database);
    if (!conn)
        return 1;
    int rc = key_command(conn, argc, argv);
    PQfinish(conn);
    return rc;
}
