#include <string.h>
#include <apr_strings.h>

#include "run_request.h"
#include "json_in.h"
#include "request_common.h"

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
    if (request_check_count(pool, n, limits->max_inputs, "inputs", err))
        return -1;
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

static int parse_fields(apr_pool_t *pool, json_object *body,
                        const struct coderun_limits *limits,
                        struct run_request *req, struct api_error *err)
{
    struct request_limits lim;

    if (request_required_code(pool, body, "code", &req->code, err))
        return -1;

    req->language = limits->default_language;
    req->mode = "function";
    if (json_in_string(body, "language", "language", &req->language, NULL, err) ||
        json_in_string(body, "mode", "mode", &req->mode, NULL, err))
        return -1;
    if (strcmp(req->mode, "function") && strcmp(req->mode, "program"))
        return api_fail(err, 400, "invalid_field", "mode",
                        "mode must be \"function\" or \"program\".");
    if (parse_inputs(pool, body, limits, req, err) ||
        request_parse_limits(pool, body, limits, &lim, err))
        return -1;
    req->time_ms = lim.time_ms;
    req->memory_mb = lim.memory_mb;
    req->output_kb = lim.output_kb;
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
