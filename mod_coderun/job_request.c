#include <apr_strings.h>

#include "job_request.h"
#include "json_in.h"

int job_request_parse(apr_pool_t *pool, const char *body, size_t len,
                      const struct coderun_limits *limits, job_fields_fn *fields,
                      struct job_request *req, struct api_error *err)
{
    json_object *obj = json_in_parse_object(body, len, err);
    int rc;

    if (!obj)
        return -1;
    req->solution_code = "";
    rc = fields(pool, obj, limits, req, err);
    json_object_put(obj);
    /* The fields name a NUL in their own values; this catches the rest
     * (object keys, which json-c would silently cut short). */
    if (rc == 0 && json_in_has_nul_escape(body, len))
        return api_fail(err, 400, "invalid_json", NULL,
                        "Strings and keys must not contain \\u0000: it cannot be stored.");
    return rc;
}

int request_required_code(apr_pool_t *pool, json_object *body, const char *key,
                          const char **out, struct api_error *err)
{
    json_object *v;
    size_t len = 0;

    if (!json_object_object_get_ex(body, key, &v) || !v)
        return api_fail(err, 400, "missing_field", key,
                        apr_psprintf(pool, "%s is required.", key));
    if (json_in_string_value(v, key, out, &len, err))
        return -1;
    if (len == 0)
        return api_fail(err, 400, "invalid_field", key,
                        apr_psprintf(pool, "%s must not be empty.", key));
    *out = apr_pstrmemdup(pool, *out, len);
    return 0;
}

int request_check_count(apr_pool_t *pool, size_t n, int max, const char *field,
                        struct api_error *err)
{
    if (n == 0)
        return api_fail(err, 400, "invalid_field", field,
                        apr_psprintf(pool, "%s must not be empty.", field));
    if (n > (size_t)max)
        return api_fail(err, 400, "too_many_inputs", field,
                        apr_psprintf(pool, "At most %d %s are allowed.", max, field));
    return 0;
}

int request_language(apr_pool_t *pool, json_object *body,
                     const struct coderun_limits *limits, const char **out,
                     struct api_error *err)
{
    *out = limits->default_language;
    if (json_in_string(body, "language", "language", out, NULL, err))
        return -1;
    *out = apr_pstrdup(pool, *out);
    return 0;
}

int request_parse_limits(apr_pool_t *pool, json_object *body,
                         const struct coderun_limits *limits, int default_time_ms,
                         struct request_limits *out, struct api_error *err)
{
    static const struct { const char *key; unsigned flag; } names[] = {
        { "time_ms", ASKED_TIME }, { "memory_mb", ASKED_MEMORY }, { "output_kb", ASKED_OUTPUT },
    };
    json_object *l;
    size_t i;

    out->asked = 0;
    out->time_ms = default_time_ms;
    out->memory_mb = limits->default_memory_mb;
    out->output_kb = limits->default_output_kb;
    if (!json_object_object_get_ex(body, "limits", &l) || !l)
        return 0;
    if (!json_object_is_type(l, json_type_object))
        return api_fail(err, 400, "invalid_field", "limits", "limits must be an object.");
    if (json_in_limit(pool, l, "time_ms", "limits.time_ms", limits->max_time_ms,
                      &out->time_ms, err) ||
        json_in_limit(pool, l, "memory_mb", "limits.memory_mb", limits->max_memory_mb,
                      &out->memory_mb, err) ||
        json_in_limit(pool, l, "output_kb", "limits.output_kb", limits->max_output_kb,
                      &out->output_kb, err))
        return -1;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (json_object_object_get_ex(l, names[i].key, NULL))
            out->asked |= names[i].flag;
    return 0;
}

void request_set_cases(apr_pool_t *pool, struct job_request *req, json_object *cases,
                       const char *field)
{
    req->cases_json = apr_pstrdup(pool, json_object_to_json_string_ext(
                                      cases, JSON_C_TO_STRING_PLAIN));
    req->n_cases = (int)json_object_array_length(cases);
    req->cases_field = field;
    json_object_put(cases);
}
