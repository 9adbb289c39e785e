/* POST /execute-problem: the body through job_request_parse +
 * problem_request_fields. */
#include "job_request_check.h"
#include "problem_request.h"

static void check_problem(const struct job_request *req)
{
    FUZZ_CHECK(strcmp(req->mode, "problem") == 0);
    FUZZ_CHECK(*req->solution_code != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_job_body(data, size, problem_request_fields, check_problem);
    return 0;
}
