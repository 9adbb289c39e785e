/* API-key authentication: SHA-256 digest of the presented token looked up
 * among the active keys; the stored digest is compared in constant time. */
#include "coderun_httpd.h"
#include "auth.h"
#include "statements.h"

static int unauthorized(request_rec *r, const char *message)
{
    reply_fail(r, HTTP_UNAUTHORIZED, "unauthorized", message);
    return -1;
}

int request_digest(request_rec *r, const char **digest)
{
    const char *token = auth_token(r->pool, apr_table_get(r->headers_in, "x-api-key"),
                                   apr_table_get(r->headers_in, "Authorization"));

    if (!token)
        return unauthorized(r, "An API key is required (x-api-key or Authorization: Bearer).");
    *digest = auth_digest_hex(r->pool, token);
    if (!*digest) {
        reply_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error", "Hashing failed.");
        return -1;
    }
    return 0;
}

int auth_check(request_rec *r, const struct db_rows *rows, const char *digest)
{
    if (db_row_count(rows) < 1 || !auth_digest_equal(db_value(rows, 0, 1), digest))
        return unauthorized(r, "The API key is not valid.");
    return 0;
}

int authenticate(request_rec *r, const char **key_id)
{
    const char *digest;
    struct db_rows *rows;
    struct api_error err;

    if (request_digest(r, &digest))
        return -1;
    rows = db_select(r, SQL_AUTH, 1, &digest, &err);
    if (!rows) {
        reply_error(r, &err);
        return -1;
    }
    if (auth_check(r, rows, digest))
        return -1;
    *key_id = db_value(rows, 0, 0);
    return 0;
}
