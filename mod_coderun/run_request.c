#include <string.h>

#include "run_request.h"
#include "json_in.h"

static json_object *input_case(const char *input)
{
    json_object *c = json_object_new_object();

    json_object_object_add(c, "input", json_object_new_string(input));
    return c;
}

static int parse_inputs(apr_pool_t *pool, json_object *body,
                        const struct coderun_limits *limits,
                        struct job_request *req, struct api_error *err)
{
    json_object *inputs, *cases = json_object_new_array();
    size_t i, n;

    if (!json_object_object_get_ex(body, "inputs", &inputs) || !inputs) {
        json_object_array_add(cases, input_case(""));
        request_set_cases(pool, req, cases, "inputs");
        return 0;
    }
    if (!json_object_is_type(inputs, json_type_array)) {
        json_object_put(cases);
        return api_fail(err, 400, "invalid_field", "inputs",
                        "inputs must be an array of strings.");
    }
    n = json_object_array_length(inputs);
    if (request_check_count(pool, n, limits->max_inputs, "inputs", err)) {
        json_object_put(cases);
        return -1;
    }
    for (i = 0; i < n; i++) {
        const char *s;

        if (json_in_string_value(json_object_array_get_idx(inputs, i), "inputs",
                                 &s, NULL, err)) {
            json_object_put(cases);
            return -1;
        }
        json_object_array_add(cases, input_case(s));
    }
    request_set_cases(pool, req, cases, "inputs");
    return 0;
}

int run_request_fields(apr_pool_t *pool, json_object *body,
                       const struct coderun_limits *limits,
                       struct job_request *req, struct api_error *err)
{
    const char *mode = "function";

    if (request_required_code(pool, body, "code", &req->code, err) ||
        request_language(pool, body, limits, &req->language, err) ||
        json_in_string(body, "mode", "mode", &mode, NULL, err))
        return -1;
    if (strcmp(mode, "function") && strcmp(mode, "program"))
        return api_fail(err, 400, "invalid_field", "mode",
                        "mode must be \"function\" or \"program\".");
    req->mode = strcmp(mode, "function") ? "program" : "function";
    return parse_inputs(pool, body, limits, req, err) ||
           request_parse_limits(pool, body, limits, limits->default_time_ms, &req->limits, err) ? -1 : 0;
}
