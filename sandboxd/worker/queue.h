/* queue: the PostgreSQL side of a worker — claim, write results guarded by
 * the lease, release, heartbeat with lease renewal and rescue, languages. */
#ifndef CODERUN_QUEUE_H
#define CODERUN_QUEUE_H

#include "worker/lang.h"
#include "worker/runner.h"

#include <libpq-fe.h>
#include <stddef.h>

struct worker {
    char name[320];          /* host:pid, the workers row and jobs.worker */
    char host[256];
    int pid;
    unsigned slots, lease_s, max_attempts;
    char sandbox_mode[16];
    char service_error[512]; /* the last job's fault of the service, "" when it ran */
};

void worker_identify(struct worker *w, unsigned slots, unsigned lease_s,
                     unsigned max_attempts, const char *sandbox_mode);

/* Claim up to max queued jobs with their cases (one statement). Returns
 * how many fill jobs[0..], or -1 (nothing filled). The queue_* calls that
 * write use the statements queue_prepare (queue_sql.h) made on conn. */
int queue_claim(PGconn *conn, const struct worker *w, struct job *jobs, unsigned max,
                char *err, size_t errlen);
void job_free(struct job *job);

/* A finished or failed job to write; written says whether it was. */
struct job_write {
    const struct job *job;
    const struct job_outcome *out;
    int written;            /* 1 written, 0 lease lost (nothing of it written) */
};

/* Write the cases and end states of a batch of jobs in one transaction,
 * each only while the job is still ours. 0, or -1 (nothing written). */
int queue_finish(PGconn *conn, const struct worker *w, struct job_write *batch, size_t n,
                 char *err, size_t errlen);

/* Give a claimed job back: unstarted (the attempt does not count) or after
 * an internal error (failed with why once attempts are used up).
 * 1 released, 0 not ours any more, -1 error. */
int queue_release(PGconn *conn, const struct worker *w, const struct job *job,
                  const char *why, char *err, size_t errlen);

/* The uuid[] literal "{id,id,...}" of n job ids, malloc'd; NULL when out
 * of memory. */
char *queue_uuid_array(const char *const *ids, size_t n);

/* Upsert the workers row, renew the leases of the jobs in running (a
 * uuid[] literal: what the slots run now, not every job under our name),
 * rescue expired ones (logged).
 * Returns how many went back to the queue (no NOTIFY for those), or -1. */
int queue_heartbeat(PGconn *conn, const struct worker *w, unsigned busy,
                    const char *running, char *err, size_t errlen);

/* Remove our workers row on a clean stop (our languages stay offered
 * until another worker publishes). */
int queue_goodbye(PGconn *conn, const struct worker *w, char *err, size_t errlen);

/* Make w's rows of coderun.languages the table (versions probed
 * beforehand): languages no longer in it are removed. */
int queue_publish_languages(PGconn *conn, const struct worker *w, const struct lang_table *t,
                            char *err, size_t errlen);

#endif
