#include <stdlib.h>
#include <apr_strings.h>

#include "job_gone.h"

int job_not_found(apr_pool_t *pool, const char *retention_days, struct api_error *err)
{
    long days = retention_days ? strtol(retention_days, NULL, 10) : 0;

    if (days <= 0)
        return api_fail(err, 404, "not_found", NULL, "No such job.");
    return api_fail(err, 404, "not_found", NULL,
                    apr_psprintf(pool, "No such job. Results are kept %ld days: an older"
                                 " job's code, inputs and outputs are deleted.", days));
}
