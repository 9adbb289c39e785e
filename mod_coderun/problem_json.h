/* GET /result-problem/{id}: the seed's answer from the job and case rows.
 * Values arrive as text from PostgreSQL; "" stands for SQL NULL. Runtimes
 * arrive in seconds and memory in MB, as the seed reports them. */
#ifndef CODERUN_PROBLEM_JSON_H
#define CODERUN_PROBLEM_JSON_H

#include <apr_pools.h>

struct problem_case_row {
    const char *id_json;      /* the test case's id as sent (JSON text) */
    const char *input;
    const char *user_output, *user_status, *user_error, *user_runtime, *user_memory;
    const char *solution_output, *solution_status, *solution_error;
    const char *solution_runtime, *solution_memory;
    const char *passed;       /* "true", "false" or "" */
};

/* state is the job's state; error its job-level error. */
struct json_stream;

/* The answer's members into the open top-level object of s, piece by piece. */
void problem_json_write(const char *state, const char *error,
                        const struct problem_case_row *cases, int n_cases, struct json_stream *s);

/* The same as one string. */
const char *problem_json(apr_pool_t *pool, const char *state, const char *error,
                         const struct problem_case_row *cases, int n_cases);

#endif
