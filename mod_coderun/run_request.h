/* POST /run: code, inputs, language, mode, limits. */
#ifndef CODERUN_RUN_REQUEST_H
#define CODERUN_RUN_REQUEST_H

#include "job_request.h"

/* inputs default to [""]; mode to "function". */
job_fields_fn run_request_fields;

#endif
