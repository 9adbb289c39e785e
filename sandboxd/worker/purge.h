/* purge: retention. Rolls up the days that are due (sql/009) and deletes
 * ended jobs older than a cut, with their cases, in small batches with a
 * pause between them: no long transaction, no lock on a job a worker holds,
 * so claims and results go on at full speed. One maintainer at a time (a
 * PostgreSQL advisory lock): the workers' purge threads and
 * `sandboxd purge`. */
#ifndef CODERUN_WORKER_PURGE_H
#define CODERUN_WORKER_PURGE_H

#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct purge_totals {
    long days;     /* rolled up */
    long jobs;     /* deleted */
    long cases;
};

/* Rolls up every due day, then purges the ended jobs created before cut
 * (timestamptz text) until none is left or *stop is set. wait: block on
 * another maintainer's lock (else return 0 at once when it is held).
 * Adds what it did to *totals; 0, or -1 with err. */
int purge_run(PGconn *conn, const char *cut, bool wait, volatile sig_atomic_t *stop,
              struct purge_totals *totals, char *err, size_t errlen);

/* The worker's purge thread: every PURGE_EVERY_S seconds it publishes
 * retention_days in coderun.settings (for the module's answer on a
 * purged job), rolls up due days and, if retention_days > 0, purges. */
struct purge_worker {
    const char *conninfo;
    volatile sig_atomic_t *stop;
    volatile unsigned retention_days;  /* the control thread sets it on reload */
    pthread_t thread;
    bool started;
};

void purge_worker_start(struct purge_worker *p);
void purge_worker_join(struct purge_worker *p);

#endif
