/* The answer for a job id without a row: never queued under this key, or
 * purged after the retention period the workers publish. */
#ifndef CODERUN_JOB_GONE_H
#define CODERUN_JOB_GONE_H

#include <apr_pools.h>

#include "api_error.h"

/* 404 not_found; with retention_days (text, "0" = kept forever) > 0 the
 * message says how long results are kept. Returns -1 like api_fail. */
int job_not_found(apr_pool_t *pool, const char *retention_days, struct api_error *err);

#endif
