#include <string.h>
#include <apr_strings.h>

#include "json_in.h"

json_object *json_in_parse_object(const char *body, size_t len,
                                  struct api_error *err)
{
    json_tokener *tok = json_tokener_new_ex(JSON_IN_MAX_DEPTH);
    json_object *obj;
    size_t used;

    if (!tok) {
        api_fail(err, 500, "internal_error", NULL, "Out of memory.");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, body, (int)len);
    if (!obj) {
        enum json_tokener_error e = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (e == json_tokener_error_depth)
            api_fail(err, 400, "invalid_json", NULL, "The JSON body is nested too deeply.");
        else if (e == json_tokener_continue)
            api_fail(err, 400, "invalid_json", NULL, "The JSON body is truncated.");
        else if (e == json_tokener_error_parse_utf8_string)
            api_fail(err, 400, "invalid_json", NULL, "The JSON body is not valid UTF-8.");
        else
            api_fail(err, 400, "invalid_json", NULL, "The body is not valid JSON.");
        return NULL;
    }
    used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    for (; used < len; used++) {
        if (!strchr(" \t\r\n", body[used])) {
            json_object_put(obj);
            api_fail(err, 400, "invalid_json", NULL,
                     "The body has data after the JSON value.");
            return NULL;
        }
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        api_fail(err, 400, "invalid_json", NULL, "The body must be a JSON object.");
        return NULL;
    }
    return obj;
}

int json_in_string_value(json_object *v, const char *field, const char **out,
                         size_t *out_len, struct api_error *err)
{
    const char *s;
    size_t n;

    if (!json_object_is_type(v, json_type_string))
        return api_fail(err, 400, "invalid_field", field, "This field must be a string.");
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', n))
        return api_fail(err, 400, "invalid_field", field,
                        "Strings must not contain NUL characters.");
    *out = s;
    if (out_len)
        *out_len = n;
    return 0;
}

int json_in_string(json_object *obj, const char *key, const char *field,
                   const char **out, size_t *out_len, struct api_error *err)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return 0;
    return json_in_string_value(v, field, out, out_len, err);
}

int json_in_limit(apr_pool_t *pool, json_object *obj, const char *key, const char *field,
                  int max, int *out, struct api_error *err)
{
    json_object *v;
    int64_t n;

    if (!json_object_object_get_ex(obj, key, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return api_fail(err, 400, "invalid_field", field, "This limit must be an integer.");
    n = json_object_get_int64(v);
    if (n < 1)
        return api_fail(err, 400, "invalid_field", field, "This limit must be at least 1.");
    if (n > max)
        return api_fail(err, 400, "limit_too_high", field,
                        apr_psprintf(pool, "%s is over the server's maximum of %d.",
                                     field, max));
    *out = (int)n;
    return 0;
}
