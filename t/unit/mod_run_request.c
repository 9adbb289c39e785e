/* POST /run body validation. */
#include <apr_general.h>
#include <string.h>

#include "run_request.h"
#include "tap.h"

static apr_pool_t *pool;
static struct coderun_limits limits;

static int parse(const char *body, struct job_request *req, struct api_error *err)
{
    memset(err, 0, sizeof(*err));
    return job_request_parse(pool, body, strlen(body), &limits, run_request_fields, req, err);
}

static void rejects(const char *body, int status, const char *code,
                    const char *field, const char *name)
{
    struct job_request req;
    struct api_error err;

    ok(parse(body, &req, &err) == -1, name);
    is_int(err.status, status, "  status");
    is_str(err.code, code, "  code");
    if (field)
        is_str(err.field, field, "  field");
}

int main(void)
{
    struct job_request req;
    struct api_error err;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    limits_init_unset(&limits);
    limits_apply_defaults(&limits);
    limits.max_inputs = 3;

    ok(parse("{\"code\": \"return input_str\"}", &req, &err) == 0, "minimal body");
    is_str(req.language, "python", "default language");
    is_str(req.mode, "function", "default mode");
    is_str(req.cases_json, "[{\"input\":\"\"}]", "default inputs");
    is_int(req.n_cases, 1, "one default input");
    is_str(req.solution_code, "", "no solution code");
    is_int(req.limits.time_ms, 2000, "default time limit");

    ok(parse("{\"code\":\"x\",\"inputs\":[\"4\",\"x\"],\"language\":\"c\","
             "\"mode\":\"program\",\"limits\":{\"time_ms\":500,\"memory_mb\":64},"
             "\"extra\":true}", &req, &err) == 0, "full body, unknown field ignored");
    is_str(req.cases_json, "[{\"input\":\"4\"},{\"input\":\"x\"}]", "inputs as cases");
    is_str(req.mode, "program", "mode");
    is_int(req.limits.time_ms, 500, "time limit");
    is_int(req.limits.memory_mb, 64, "memory limit");
    is_int(req.limits.output_kb, 64, "output limit default");

    rejects("", 400, "invalid_json", NULL, "empty body");
    rejects("{\"code\":", 400, "invalid_json", NULL, "truncated JSON");
    rejects("[1]", 400, "invalid_json", NULL, "array body");
    /* json-c lets these through; PostgreSQL would refuse them with a 500. */
    rejects("{\"code\":\"\xed\xa0\x80\"}", 400, "invalid_json", NULL, "UTF-16 surrogate");
    rejects("{\"code\":\"\xc0\xaf\"}", 400, "invalid_json", NULL, "overlong form");
    rejects("{\"code\":\"\xf4\x90\x80\x80\"}", 400, "invalid_json", NULL, "beyond U+10FFFF");
    rejects("{\"code\":\"a\x01\"}", 400, "invalid_json", NULL, "raw control character");
    rejects("{\"code\":\"x\",\"k\\u0000\":1}", 400, "invalid_json", NULL, "\\u0000 in a key");
    rejects("{\"code\":\"a\\u0000\"}", 400, "invalid_field", "code", "\\u0000 in code");
    ok(parse("{\"code\":\"a\\\\u0000\"}", &req, &err) == 0, "an escaped backslash before u0000");
    {
        static const char trailing_nul[] = "{\"code\":\"x\"}";
        ok(job_request_parse(pool, trailing_nul, sizeof(trailing_nul), &limits,
                             run_request_fields, &req, &err) == -1, "a NUL after the object");
    }
    api_error_for_status(&err, 414);
    is_str(err.code, "bad_request", "httpd's 414 as the API's bad_request");
    api_error_for_status(&err, 502);
    is_str(err.code, "internal_error", "any 5xx as internal_error");
    rejects("{\"code\":\"x\"} x", 400, "invalid_json", NULL, "trailing garbage");
    rejects("{\"code\":\"\xff\"}", 400, "invalid_json", NULL, "invalid UTF-8");
    rejects("{}", 400, "missing_field", "code", "missing code");
    rejects("{\"code\":\"\"}", 400, "invalid_field", "code", "empty code");
    rejects("{\"code\":1}", 400, "invalid_field", "code", "code not a string");
    rejects("{\"code\":\"a\\u0000b\"}", 400, "invalid_field", "code", "NUL in code");
    rejects("{\"code\":\"x\",\"inputs\":\"4\"}", 400, "invalid_field", "inputs", "inputs not an array");
    rejects("{\"code\":\"x\",\"inputs\":[]}", 400, "invalid_field", "inputs", "empty inputs");
    rejects("{\"code\":\"x\",\"inputs\":[4]}", 400, "invalid_field", "inputs", "input not a string");
    rejects("{\"code\":\"x\",\"inputs\":[\"1\",\"2\",\"3\",\"4\"]}", 400, "too_many_inputs",
            "inputs", "too many inputs");
    rejects("{\"code\":\"x\",\"mode\":\"shell\"}", 400, "invalid_field", "mode", "unknown mode");
    rejects("{\"code\":\"x\",\"language\":[]}", 400, "invalid_field", "language", "language not a string");
    rejects("{\"code\":\"x\",\"limits\":[]}", 400, "invalid_field", "limits", "limits not an object");
    rejects("{\"code\":\"x\",\"limits\":{\"time_ms\":0}}", 400, "invalid_field",
            "limits.time_ms", "zero time limit");
    rejects("{\"code\":\"x\",\"limits\":{\"memory_mb\":-5}}", 400, "invalid_field",
            "limits.memory_mb", "negative memory limit");
    rejects("{\"code\":\"x\",\"limits\":{\"output_kb\":1.5}}", 400, "invalid_field",
            "limits.output_kb", "fractional limit");
    rejects("{\"code\":\"x\",\"limits\":{\"time_ms\":99999999999999999999}}", 400,
            "limit_too_high", "limits.time_ms", "huge limit");
    {
        char deep[200];
        memset(deep, '[', sizeof(deep) - 1);
        deep[sizeof(deep) - 1] = '\0';
        rejects(deep, 400, "invalid_json", NULL, "deep nesting");
    }
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
