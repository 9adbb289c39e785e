/* GET /result/{id}: the answer built from the job row and its case rows.
 * Values arrive as the text PostgreSQL returns; "" stands for SQL NULL. */
#ifndef CODERUN_RESULT_JSON_H
#define CODERUN_RESULT_JSON_H

#include <apr_pools.h>

struct job_row {
    const char *id, *state, *language, *mode;
    const char *created_at, *started_at, *finished_at;
    const char *execution_time;           /* seconds */
    const char *compile_status, *compile_output, *error;
};

struct case_row {
    int index;
    const char *input, *output, *status, *error;
    const char *exit_code, *signal;
    const char *time_ms, *wall_ms, *memory_kb;
    int output_truncated;
};

struct json_stream;

/* The answer's members into the open top-level object of s, piece by
 * piece: an output is never copied whole, escaped, more than once. */
void result_json_write(apr_pool_t *pool, const struct job_row *job,
                       const struct case_row *cases, int n_cases, struct json_stream *s);

/* The same as one string. */
const char *result_json(apr_pool_t *pool, const struct job_row *job,
                        const struct case_row *cases, int n_cases);

#endif
