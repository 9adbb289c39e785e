/* API-key authentication: SHA-256 digest of the presented token looked up
 * among the active keys; the stored digest is compared in constant time.
 * Without a token, the scope's CoderunAnonymousKey (if any) is the caller. */
#include "coderun_httpd.h"
#include "auth.h"
#include "statements.h"

static int unauthorized(request_rec *r, const char *message)
{
    reply_fail(r, HTTP_UNAUTHORIZED, "unauthorized", message);
    return -1;
}

static const char *const KEY_REQUIRED =
    "An API key is required (x-api-key or Authorization: Bearer).";

int identify_caller(request_rec *r, struct caller *caller)
{
    const struct coderun_dir_conf *conf =
        ap_get_module_config(r->per_dir_config, &coderun_module);
    const char *anonymous = conf->limits.anonymous_key ? conf->limits.anonymous_key : "";
    const char *token = auth_token(r->pool, apr_table_get(r->headers_in, "x-api-key"),
                                   apr_table_get(r->headers_in, "Authorization"));

    caller->digest = "";
    caller->anonymous = "";
    if (!token && !*anonymous)
        return unauthorized(r, KEY_REQUIRED);
    if (!token) {
        caller->anonymous = anonymous;
        return 0;
    }
    caller->digest = auth_digest_hex(r->pool, token);
    if (!caller->digest) {
        reply_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error", "Hashing failed.");
        return -1;
    }
    return 0;
}

int auth_check(request_rec *r, const struct db_rows *rows, const struct caller *caller)
{
    if (db_row_count(rows) < 1)
        return unauthorized(r, *caller->digest ? "The API key is not valid." : KEY_REQUIRED);
    if (*caller->digest && !auth_digest_equal(db_value(rows, 0, 1), caller->digest))
        return unauthorized(r, "The API key is not valid.");
    return 0;
}

int authenticate(request_rec *r, const char **key_id)
{
    struct caller caller;
    const char *args[3];
    struct db_rows *rows;
    struct api_error err;

    if (identify_caller(r, &caller))
        return -1;
    args[0] = args[1] = caller.digest;
    args[2] = caller.anonymous;
    rows = db_select(r, SQL_AUTH, 3, args, &err);
    if (!rows) {
        reply_error(r, &err);
        return -1;
    }
    if (auth_check(r, rows, &caller))
        return -1;
    *key_id = db_value(rows, 0, 0);
    return 0;
}
