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

int identify_caller(request_rec *r, const char *anonymous_key, struct caller *caller)
{
    const char *token = auth_token(r->pool, apr_table_get(r->headers_in, "x-api-key"),
                                   apr_table_get(r->headers_in, "Authorization"));

    caller->digest = "";
    caller->anonymous = "";
    if (!token && !*anonymous_key)
        return unauthorized(r, "An API key is required (x-api-key or Authorization: Bearer).");
    if (!token) {
        caller->anonymous = anonymous_key;
        return 0;
    }
    caller->digest = auth_digest_hex(r->pool, token);
    if (!caller->digest) {
        reply_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error", "Hashing failed.");
        return -1;
    }
    return 0;
}

int authenticate(request_rec *r, const struct caller *caller, const char **key_id)
{
    const char *args[3] = { caller->digest, caller->digest, caller->anonymous };
    struct db_rows *rows;
    struct api_error err;

    rows = db_select(r, SQL_AUTH, 3, args, &err);
    if (!rows) {
        reply_error(r, &err);
        return -1;
    }
    if (db_row_count(rows) != 1)
        return unauthorized(r, *caller->digest ? "The API key is not valid."
                               : "An API key is required (x-api-key or Authorization: Bearer).");
    if (*caller->digest && !auth_digest_equal(db_value(rows, 0, 1), caller->digest))
        return unauthorized(r, "The API key is not valid.");
    *key_id = db_value(rows, 0, 0);
    return 0;
}
