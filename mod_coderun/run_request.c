#include <string.h>
#include <apr_strings.h>

#include "run_request.h"
#include "json_in.h"
#include "json_out.h"

static int parse_inputs(apr_pool_t *pool, json_object *body,
                        const struct coderun_limits *limits,
                        struct run_request *req, struct api_error *err)
{
    json_object *inputs;
    size_t i, n;

    if (!json_object_object_get_ex(body, "inputs", &inputs) || !inputs) {
        req->inputs_json = "[\"\"]";
        req->n_inputs = 1;
        return 0;
    }
    if (!json_object_is_type(inputs, json_type_array))
        return api_fail(err, 400, "invalid_field", "inputs",
                        "inputs must be an array of strings.");
    n = json_object_array_length(inputs);
    if (n == 0)
        return api_fail(err, 400, "invalid_field", "inputs",
                        "inputs must not be empty.");
    if (n > (size_t)limits->max_inputs)
        return api_fail(err, 400, "too_many_inputs", "inputs",
                        apr_psprintf(pool, "At most %d inputs are allowed.",
                                     limits->max_inputs));
    for (i = 0; i < n; i++) {
        const char *s;
        if (json_in_string_value(json_object_array_get_idx(inputs, i),
                                 "inputs", &s, NULL, err))
            return -1;
    }
    req->inputs_json = apr_pstrdup(pool, json_object_to_json_string_ext(
                                       inputs, JSON_C_TO_STRING_PLAIN));
    req->n_inputs = (int)n;
    return 0;
}

static int parse_limits(apr_pool_t *pool, json_object *body,
                        const struct coderun_limits *limits,
                        struct run_request *req, struct api_error *err)
{
    json_object *l;

    req->time_ms = limits->default_time_ms;
    req->memory_mb = limits->default_memory_mb;
    req->output_kb = limits->default_output_kb;
    if (!json_object_object_get_ex(body, "limits", &l) || !l)
        return 0;
    if (!json_object_is_type(l, json_type_object))
        return api_fail(err, 400, "invalid_field", "limits", "limits must be an object.");
    if (json_in_limit(pool, l, "time_ms", "limits.time_ms", limits->max_time_ms,
                      &req->time_ms, err) ||
        json_in_limit(pool, l, "memory_mb", "limits.memory_mb", limits->max_memory_mb,
                      &req->memory_mb, err) ||
        json_in_limit(pool, l, "output_kb", "limits.output_kb", limits->max_output_kb,
                      &req->output_kb, err))
        return -1;
    return 0;
}

static int parse_fields(apr_pool_t *pool, json_object *body,
                        const struct coderun_limits *limits,
                        struct run_request *req, struct api_error *err)
{
    json_object *code;
    size_t code_len = 0;

    if (!json_object_object_get_ex(body, "code", &code) || !code)
        return api_fail(err, 400, "missing_field", "code", "code is required.");
    if (json_in_string_value(code, "code", &req->code, &code_len, err))
        return -1;
    if (code_len == 0)
        return api_fail(err, 400, "invalid_field", "code", "code must not be empty.");

    req->language = limits->default_language;
    req->mode = "function";
    if (json_in_string(body, "language", "language", &req->language, NULL, err) ||
        json_in_string(body, "mode", "mode", &req->mode, NULL, err))
        return -1;
    if (strcmp(req->mode, "function") && strcmp(req->mode, "program"))
        return api_fail(err, 400, "invalid_field", "mode",
                        "mode must be \"function\" or \"program\".");
    if (parse_inputs(pool, body, limits, req, err) ||
        parse_limits(pool, body, limits, req, err))
        return -1;
    req->code = apr_pstrdup(pool, req->code);
    req->language = apr_pstrdup(pool, req->language);
    req->mode = apr_pstrdup(pool, req->mode);
    return 0;
}

int run_request_parse(apr_pool_t *pool, const char *body, size_t len,
                      const struct coderun_limits *limits,
                      struct run_request *req, struct api_error *err)
{
    json_object *obj = json_in_parse_object(body, len, err);
    int rc;

    if (!obj)
        return -1;
    rc = parse_fields(pool, obj, limits, req, err);
    json_object_put(obj);
    return rc;
}
