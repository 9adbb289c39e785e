/* queue: the PostgreSQL side of a worker — claim, write results guarded by
 * the lease, release, heartbeat with lease renewal and rescue, languages. */
#ifndef CODERUN_QUEUE_H
#define CODERUN_QUEUE_H

#include "lang.h"
#include "runner.h"

#include <libpq-fe.h>
#include <stddef.h>

struct worker {
    char name[320];          /* host:pid, the workers row and jobs.worker */
    char host[256];
    int pid;
    unsigned slots, lease_s, max_attempts;
    char sandbox_mode[16];
};

void worker_identify(struct worker *w, unsigned slots, unsigned lease_s,
                     unsigned max_attempts, const char *sandbox_mode);

/* Claim the next queued job with its cases. 1 claimed, 0 none, -1 error. */
int queue_claim(PGconn *conn, const struct worker *w, struct job *job,
                char *err, size_t errlen);
void job_free(struct job *job);

/* Write cases and the job's end state in one transaction, only while the
 * job is still ours. 1 written, 0 lease lost (nothing written), -1 error. */
int queue_finish(PGconn *conn, const struct worker *w, const struct job *job,
                 const struct job_outcome *out, char *err, size_t errlen);

/* Give a claimed job back: unstarted (the attempt does not count) or after
 * an internal error (failed with why once attempts are used up).
 * 1 released, 0 not ours any more, -1 error. */
int queue_release(PGconn *conn, const struct worker *w, const struct job *job,
                  const char *why, char *err, size_t errlen);

/* Upsert the workers row, renew the leases of the jobs in running (a
 * uuid[] literal: what the slots run now, not every job under our name),
 * rescue expired ones (logged).
 * Returns how many went back to the queue (no NOTIFY for those), or -1. */
int queue_heartbeat(PGconn *conn, const struct worker *w, unsigned busy,
                    const char *running, char *err, size_t errlen);

/* Remove our workers row on a clean stop. */
int queue_goodbye(PGconn *conn, const struct worker *w, char *err, size_t errlen);

/* Upsert coderun.languages from the table (versions probed beforehand). */
int queue_publish_languages(PGconn *conn, const struct lang_table *t,
                            char *err, size_t errlen);

#endif
