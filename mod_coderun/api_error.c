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
