/* POST /execute-problem: the seed's userCode, solutionCode and testCases. */
#ifndef CODERUN_PROBLEM_REQUEST_H
#define CODERUN_PROBLEM_REQUEST_H

#include "job_request.h"

/* mode is "problem"; each test case's id is kept as sent. */
job_fields_fn problem_request_fields;

#endif
