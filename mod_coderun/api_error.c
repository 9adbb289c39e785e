#include <json-c/json.h>
#include <apr_strings.h>

#include "api_error.h"
#include "json_out.h"

int api_fail(struct api_error *err, int status, const char *code,
             const char *field, const char *message)
{
    err->status = status;
    err->code = code;
    err->field = field;
    err->message = message;
    err->retry_after = 0;
    return -1;
}

const char *api_error_json(apr_pool_t *pool, const struct api_error *err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(err->message));
    json_object_object_add(o, "code", json_object_new_string(err->code));
    if (err->field)
        json_object_object_add(o, "field", json_object_new_string(err->field));
    return json_out(pool, o);
}

void api_error_for_status(struct api_error *err, int status)
{
    static const struct { int status; const char *code, *message; } known[] = {
        { 400, "bad_request", "The request is malformed (request line, path or headers)." },
        { 401, "unauthorized", "An API key is required." },
        { 403, "not_found", "No such resource." },
        { 404, "not_found", "No such resource." },
        { 405, "method_not_allowed", "This method is not allowed here." },
        { 411, "length_required", "The request needs a Content-Length or chunked body." },
        { 413, "body_too_large", "The request body is too large." },
        { 414, "bad_request", "The request URI is too long." },
        { 431, "bad_request", "The request headers are too large." },
    };
    size_t i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].status == status) {
            api_fail(err, status, known[i].code, NULL, known[i].message);
            return;
        }
    if (status >= 400 && status < 500)
        api_fail(err, status, "bad_request", NULL, "The request cannot be served.");
    else
        api_fail(err, status, "internal_error", NULL, "The server failed to answer the request.");
}
