/* POST /run: the body through job_request_parse + run_request_fields. */
#include "job_request_check.h"
#include "run_request.h"

static void check_run(const struct job_request *req)
{
    FUZZ_CHECK(strcmp(req->mode, "function") == 0 || strcmp(req->mode, "program") == 0);
    FUZZ_CHECK(*req->solution_code == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_job_body(data, size, run_request_fields, check_run);
    return 0;
}
