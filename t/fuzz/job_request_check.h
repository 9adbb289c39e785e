/* Invariants of a job request both body parsers accepted. */
#ifndef CODERUN_FUZZ_JOB_REQUEST_CHECK_H
#define CODERUN_FUZZ_JOB_REQUEST_CHECK_H

#include "fuzz.h"
#include "job_request.h"

/* Generous limits, so a few fuzzed bytes can reach every rule. */
static inline void fuzz_limits(struct coderun_limits *limits)
{
    limits_init_unset(limits);
    limits_apply_defaults(limits);
    limits->max_inputs = 16;
}

/* True when JSON text has a \\u0000 escape (an odd run of backslashes). */
static inline int json_has_nul_escape(const char *json)
{
    const char *p;

    for (p = json; (p = strstr(p, "u0000")) != NULL; p++) {
        const char *b = p;
        while (b > json && b[-1] == '\\')
            b--;
        if ((p - b) % 2 == 1)
            return 1;
    }
    return 0;
}

static inline void fuzz_check_job(const struct coderun_limits *limits,
                                  const struct job_request *req)
{
    json_object *cases;
    size_t i;

    FUZZ_CHECK(req->code && *req->code && req->language && req->mode);
    FUZZ_CHECK(req->solution_code && req->cases_json);
    FUZZ_CHECK(req->n_cases >= 1 && req->n_cases <= limits->max_inputs);
    FUZZ_CHECK(req->limits.time_ms >= 1 && req->limits.time_ms <= limits->max_time_ms);
    FUZZ_CHECK(req->limits.memory_mb >= 1 && req->limits.memory_mb <= limits->max_memory_mb);
    FUZZ_CHECK(req->limits.output_kb >= 1 && req->limits.output_kb <= limits->max_output_kb);
    /* PostgreSQL text and jsonb take neither invalid UTF-8 nor NUL: what
     * passes here must not make the insert fail (a 500). */
    FUZZ_CHECK(fuzz_pg_text(req->code) && fuzz_pg_text(req->language));
    FUZZ_CHECK(fuzz_pg_text(req->solution_code) && fuzz_pg_text(req->cases_json));
    FUZZ_CHECK(!json_has_nul_escape(req->cases_json));
    /* What the insert statement reads with jsonb_array_elements. */
    cases = json_tokener_parse(req->cases_json);
    FUZZ_CHECK(cases && json_object_is_type(cases, json_type_array));
    FUZZ_CHECK(json_object_array_length(cases) == (size_t)req->n_cases);
    for (i = 0; i < json_object_array_length(cases); i++) {
        json_object *input;
        FUZZ_CHECK(json_object_object_get_ex(json_object_array_get_idx(cases, i),
                                             "input", &input));
        FUZZ_CHECK(json_object_is_type(input, json_type_string));
    }
    json_object_put(cases);
}

/* One body through job_request_parse with the endpoint's fields. */
static inline void fuzz_job_body(const uint8_t *data, size_t size, job_fields_fn *fields,
                                 void (*check)(const struct job_request *req))
{
    apr_pool_t *pool = fuzz_pool();
    struct coderun_limits limits;
    struct job_request req;
    struct api_error err;
    /* httpd's read_body buffer: exactly the bytes, not NUL-terminated. */
    char *body = malloc(size ? size : 1);

    memcpy(body, data, size);
    fuzz_limits(&limits);
    memset(&err, 0, sizeof(err));
    if (job_request_parse(pool, body, size, &limits, fields, &req, &err) == 0) {
        fuzz_check_job(&limits, &req);
        check(&req);
    } else {
        fuzz_check_error(pool, &err);
    }
    free(body);
    apr_pool_destroy(pool);
}

#endif
