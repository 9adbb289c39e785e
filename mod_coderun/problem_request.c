#include "problem_request.h"
#include "json_in.h"

static int parse_case(json_object *tc, json_object *out, struct api_error *err)
{
    json_object *id = NULL, *input;
    const char *expr;
    json_object *norm;

    if (!json_object_is_type(tc, json_type_object))
        return api_fail(err, 400, "invalid_field", "testCases",
                        "Each test case must be an object with \"id\" and \"input\".");
    if (!json_object_object_get_ex(tc, "input", &input) || !input)
        return api_fail(err, 400, "missing_field", "testCases",
                        "Each test case needs an \"input\" expression.");
    if (json_in_string_value(input, "testCases", &expr, NULL, err))
        return -1;
    json_object_object_get_ex(tc, "id", &id);
    if (id && json_in_has_nul(id))
        return api_fail(err, 400, "invalid_field", "testCases",
                        "Test case ids must not contain NUL characters.");
    norm = json_object_new_object();
    json_object_object_add(norm, "id", json_object_get(id));
    json_object_object_add(norm, "input", json_object_new_string(expr));
    json_object_array_add(out, norm);
    return 0;
}

static int parse_cases(apr_pool_t *pool, json_object *body,
                       const struct coderun_limits *limits,
                       struct job_request *req, struct api_error *err)
{
    json_object *cases, *norm;
    size_t i, n;
    int rc = 0;

    if (!json_object_object_get_ex(body, "testCases", &cases) || !cases)
        return api_fail(err, 400, "missing_field", "testCases", "testCases is required.");
    if (!json_object_is_type(cases, json_type_array))
        return api_fail(err, 400, "invalid_field", "testCases",
                        "testCases must be an array of {\"id\", \"input\"} objects.");
    n = json_object_array_length(cases);
    if (request_check_count(pool, n, limits->max_inputs, "testCases", err))
        return -1;
    norm = json_object_new_array();
    for (i = 0; i < n && rc == 0; i++)
        rc = parse_case(json_object_array_get_idx(cases, i), norm, err);
    if (rc)
        json_object_put(norm);
    else
        request_set_cases(pool, req, norm, "testCases");
    return rc;
}

int problem_request_fields(apr_pool_t *pool, json_object *body,
                           const struct coderun_limits *limits,
                           struct job_request *req, struct api_error *err)
{
    req->mode = "problem";
    if (request_required_code(pool, body, "userCode", &req->code, err) ||
        request_required_code(pool, body, "solutionCode", &req->solution_code, err) ||
        request_language(pool, body, limits, &req->language, err) ||
        parse_cases(pool, body, limits, req, err) ||
        request_parse_limits(pool, body, limits, limits->problem_default_time_ms,
                             &req->limits, err))
        return -1;
    return 0;
}
