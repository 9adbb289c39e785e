#include <stdlib.h>
#include <apr_strings.h>

#include "json_out.h"

const char *json_out(apr_pool_t *pool, json_object *obj)
{
    const char *text = apr_pstrdup(pool,
        json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
    return text;
}

json_object *json_number_text(const char *text)
{
    if (!text || !*text)
        return NULL;
    return json_object_new_double_s(strtod(text, NULL), text);
}

json_object *json_int_text(const char *text)
{
    if (!text || !*text)
        return NULL;
    return json_object_new_int64(strtoll(text, NULL, 10));
}
