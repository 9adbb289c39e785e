/* What /run and /execute-problem share: the language check, the insert
 * under the per-key cap, and reading a job row back with optional wait. */
#include <string.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
#include "statements.h"

int check_language(request_rec *r, const char *language, const char *mode,
                   struct api_error *err)
{
    const char *args[3] = { language, language, mode };
    struct db_rows *rows = db_select(r, SQL_LANG_CHECK, 3, args, err);

    if (!rows)
        return -1;
    if (strcmp(db_value(rows, 0, 1), "true") != 0)
        return api_fail(err, HTTP_BAD_REQUEST, "unknown_language", "language",
                        apr_psprintf(r->pool, "Unknown language \"%s\"; known: %s.",
                                     language, db_value(rows, 0, 0)));
    if (strcmp(db_value(rows, 0, 2), "true") != 0)
        return api_fail(err, HTTP_BAD_REQUEST, "unsupported_mode", "language",
                        apr_psprintf(r->pool, "Language \"%s\" does not support %s mode.",
                                     language, mode));
    return 0;
}

const char *insert_job(request_rec *r, const char *label, int nargs, const char **args,
                       const struct coderun_limits *limits, struct api_error *err)
{
    struct db_rows *rows = db_select(r, label, nargs, args, err);

    if (!rows)
        return NULL;
    if (db_row_count(rows) != 1) {
        api_fail(err, HTTP_TOO_MANY_REQUESTS, "too_many_jobs", NULL,
                 apr_psprintf(r->pool, "This key already has %d unfinished jobs.",
                              limits->max_queued_per_key));
        return NULL;
    }
    return db_value(rows, 0, 0);
}

static int job_done(const struct db_rows *jobs)
{
    const char *state = db_value(jobs, 0, JOB_COL_STATE);

    return strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0;
}

struct db_rows *select_job(request_rec *r, const char *id, const char *key_id,
                           int wait_ms, struct api_error *err)
{
    const char *args[2] = { id, key_id };
    struct db_rows *jobs;

    /* LISTEN before the first read, so a commit in between is not missed. */
    if (wait_ms > 0 && wait_listen(r))
        wait_ms = 0;
    jobs = db_select(r, SQL_JOB, 2, args, err);
    if (jobs && db_row_count(jobs) == 1 && !job_done(jobs) && wait_ms > 0) {
        wait_for_done(r, id, wait_ms);
        jobs = db_select(r, SQL_JOB, 2, args, err);
    }
    if (wait_ms > 0)
        wait_unlisten(r);
    return jobs;
}
