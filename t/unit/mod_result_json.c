/* The /result answer built from rows, and the error body. */
#include <apr_general.h>
#include <json-c/json.h>
#include <string.h>

#include "api_error.h"
#include "auth.h"
#include "result_json.h"
#include "tap.h"

static const char *get(json_object *o, const char *path)
{
    char buf[256], *tok, *save = NULL;

    strcpy(buf, path);
    for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(tok));
        else if (!json_object_object_get_ex(o, tok, &o))
            return "(missing)";
    }
    return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "null";
}

int main(void)
{
    apr_pool_t *pool;
    struct job_row job = { "id-1", "finished", "python", "function",
                           "2026-01-01T00:00:00.000000Z", "", "", "0.0123", "", "", "" };
    struct case_row cases[3] = {
        { 0, "4", "16", "ok", "", "0", "", "0.410", "1.500", "9120", 0 },
        { 1, "x", "", "runtime_error", "ValueError: bad", "1", "", "0.520", "2.000", "9200", 0 },
        { 2, "4", "16!", "ok", "", "0", "", "0.400", "1.000", "9000", 1 },
    };
    struct api_error err;
    json_object *o;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    o = json_tokener_parse(result_json(pool, &job, cases, 3));
    ok(o != NULL, "result is JSON");
    is_str(get(o, "status"), "\"finished\"", "status");
    is_str(get(o, "execution_time"), "0.0123", "execution_time as stored");
    is_str(get(o, "started_at"), "null", "empty timestamp is null");
    is_str(get(o, "output.4.output"), "\"16!\"", "repeated input keeps the last");
    is_str(get(o, "output.x.error"), "\"ValueError: bad\"", "seed error text");
    is_str(get(o, "output.4.error"), "(missing)", "no error key when none");
    is_str(get(o, "results.1.exit_code"), "1", "exit code");
    is_str(get(o, "results.1.signal"), "null", "no signal is null");
    is_str(get(o, "results.0.time_ms"), "0.410", "time keeps 0.001 ms resolution");
    is_str(get(o, "results.2.output_truncated"), "true", "truncation flag");
    is_str(get(o, "results.2.index"), "2", "index");
    is_str(get(o, "compile.status"), "\"ok\"", "compile status defaults to ok");
    json_object_put(o);

    api_fail(&err, 400, "invalid_field", "code", "code must be \"x\".");
    o = json_tokener_parse(api_error_json(pool, &err));
    is_str(get(o, "error"), "\"code must be \\\"x\\\".\"", "error message escaped");
    is_str(get(o, "code"), "\"invalid_field\"", "error code");
    is_str(get(o, "field"), "\"code\"", "error field");
    json_object_put(o);

    is_str(auth_digest_hex(pool, "mysecrettoken"),
           "7afb4c3889fd608668a69adf181c4218fb70bee515c2320bbc828839a3989fc2",
           "SHA-256 digest in hex");
    is_str(auth_token(pool, " tok ", NULL), "tok", "x-api-key trimmed");
    is_str(auth_token(pool, NULL, "Bearer abc"), "abc", "bearer token");
    is_str(auth_token(pool, NULL, "bearer abc"), "abc", "bearer is case-insensitive");
    ok(auth_token(pool, NULL, "Basic abc") == NULL, "basic auth is no token");
    ok(auth_token(pool, "  ", NULL) == NULL, "blank key is no token");
    ok(auth_digest_equal("abc", "abc") && !auth_digest_equal("abc", "abd") &&
       !auth_digest_equal("abc", "ab"), "digest comparison");

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
