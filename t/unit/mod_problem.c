/* POST /execute-problem validation and the /result-problem answer. */
#include <apr_general.h>
#include <json-c/json.h>
#include <string.h>

#include "problem_json.h"
#include "problem_request.h"
#include "tap.h"

static apr_pool_t *pool;
static struct coderun_limits limits;

static void rejects(const char *body, const char *code, const char *field, const char *name)
{
    struct job_request req;
    struct api_error err = { 0, NULL, NULL, NULL, 0 };

    ok(job_request_parse(pool, body, strlen(body), &limits, problem_request_fields, &req, &err) == -1, name);
    is_int(err.status, 400, "  status 400");
    is_str(err.code, code, "  code");
    is_str(err.field, field, "  field");
}

int main(void)
{
    struct job_request req;
    struct api_error err;
    const char *seed = "{\"userCode\": \"def add(a, b):\\n    return a + b\","
                       " \"solutionCode\": \"def add(a, b):\\n    return b + a\","
                       " \"testCases\": [{\"id\": 1, \"input\": \"add(1, 2)\"},"
                       " {\"input\": \"add(2, 3)\", \"id\": \"b\"}]}";
    struct problem_case_row rows[1] = {
        { "7", "f()", "[1, 2]", "ok", "", "0.0125", "8.789",
          "[1, 2]", "ok", "", "0.011", "8.887", "true" },
    };
    json_object *o, *c;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    limits_init_unset(&limits);
    limits_apply_defaults(&limits);

    ok(job_request_parse(pool, seed, strlen(seed), &limits, problem_request_fields, &req, &err) == 0, "seed body");
    is_str(req.language, "python", "default language");
    is_int(req.n_cases, 2, "two test cases");
    is_str(req.cases_json, "[{\"id\":1,\"input\":\"add(1, 2)\"},{\"id\":\"b\",\"input\":\"add(2, 3)\"}]",
           "cases normalised, ids kept as sent");
    is_str(req.code, "def add(a, b):\n    return a + b", "user code");
    is_str(req.mode, "problem", "problem mode");
    is_str(req.solution_code, "def add(a, b):\n    return b + a", "solution code");

    rejects("{\"solutionCode\":\"x\",\"testCases\":[]}", "missing_field", "userCode", "no user code");
    rejects("{\"userCode\":\"\",\"solutionCode\":\"x\",\"testCases\":[]}", "invalid_field",
            "userCode", "empty user code");
    rejects("{\"userCode\":\"x\",\"solutionCode\":\"x\"}", "missing_field", "testCases", "no cases");
    rejects("{\"userCode\":\"x\",\"solutionCode\":\"x\",\"testCases\":{}}", "invalid_field",
            "testCases", "cases not an array");
    rejects("{\"userCode\":\"x\",\"solutionCode\":\"x\",\"testCases\":[1]}", "invalid_field",
            "testCases", "case not an object");
    rejects("{\"userCode\":\"x\",\"solutionCode\":\"x\",\"testCases\":[{\"id\":1}]}",
            "missing_field", "testCases", "case without input");
    rejects("{\"userCode\":\"x\",\"solutionCode\":\"x\",\"testCases\":[{\"input\":5}]}",
            "invalid_field", "testCases", "input not a string");

    o = json_tokener_parse(problem_json(pool, "running", "", NULL, 0));
    is_str(json_object_get_string(json_object_object_get(o, "status")), "pending",
           "running is pending");
    json_object_put(o);
    o = json_tokener_parse(problem_json(pool, "finished", "", rows, 1));
    c = json_object_array_get_idx(json_object_object_get(o, "results"), 0);
    is_int(json_object_get_int(json_object_object_get(c, "id")), 7, "id as sent");
    ok(json_object_get_boolean(json_object_object_get(c, "passed")), "passed");
    is_str(json_object_get_string(json_object_object_get(c, "userOutput")), "[1, 2]", "user output");
    ok(json_object_get_double(json_object_object_get(c, "solutionRuntime")) == 0.011,
       "runtime in seconds");
    is_str(json_object_get_string(json_object_object_get(c, "userStatus")), "ok", "user status");
    json_object_put(o);

    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
