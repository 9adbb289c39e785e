#include <string.h>
#include <apr_strings.h>

#include "json_in.h"
#include "common/utf8.h"

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 8259 text is UTF-8 without raw control characters outside the
 * whitespace between tokens. json-c's own check lets overlong forms,
 * surrogates and code points beyond U+10FFFF through, which PostgreSQL
 * then refuses; checking the raw body strictly keeps that a 400. */
static int check_raw_text(const char *body, size_t len, struct api_error *err)
{
    const unsigned char *p = (const unsigned char *)body;
    size_t i = 0, n;

    while (i < len) {
        if (p[i] < 0x20 && !is_json_space((char)p[i]))
            return api_fail(err, 400, "invalid_json", NULL,
                            "The body has a raw control character (write it as a \\u escape).");
        n = utf8_sequence(p + i, len - i);
        if (!n)
            return api_fail(err, 400, "invalid_json", NULL, "The JSON body is not valid UTF-8.");
        i += n;
    }
    return 0;
}

json_object *json_in_parse_object(const char *body, size_t len,
                                  struct api_error *err)
{
    json_tokener *tok;
    json_object *obj;
    size_t used;

    if (check_raw_text(body, len, err))
        return NULL;
    tok = json_tokener_new_ex(JSON_IN_MAX_DEPTH);
    if (!tok) {
        api_fail(err, 500, "internal_error", NULL, "Out of memory.");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, body, (int)len);
    if (!obj) {
        enum json_tokener_error e = json_tokener_get_error(tok);
        json_tokener_free(tok);
        if (e == json_tokener_error_depth)
            api_fail(err, 400, "invalid_json", NULL, "The JSON body is nested too deeply.");
        else if (e == json_tokener_continue)
            api_fail(err, 400, "invalid_json", NULL, "The JSON body is truncated.");
        else
            api_fail(err, 400, "invalid_json", NULL, "The body is not valid JSON.");
        return NULL;
    }
    used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    for (; used < len; used++) {
        if (!is_json_space(body[used])) {
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

int json_in_has_nul(json_object *v)
{
    size_t i;

    switch (json_object_get_type(v)) {
    case json_type_string:
        return memchr(json_object_get_string(v), '\0',
                      (size_t)json_object_get_string_len(v)) != NULL;
    case json_type_array:
        for (i = 0; i < json_object_array_length(v); i++)
            if (json_in_has_nul(json_object_array_get_idx(v, i)))
                return 1;
        return 0;
    case json_type_object: {
        json_object_object_foreach(v, key, member) {
            (void)key;
            if (json_in_has_nul(member))
                return 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

int json_in_has_nul_escape(const char *body, size_t len)
{
    size_t i, backslashes = 0;

    /* A \u0000 escape: "u0000" after an odd run of backslashes. */
    for (i = 0; i < len; i++) {
        if (body[i] == '\\') {
            backslashes++;
            continue;
        }
        if (backslashes % 2 == 1 && len - i >= 5 && memcmp(body + i, "u0000", 5) == 0)
            return 1;
        backslashes = 0;
    }
    return 0;
}
