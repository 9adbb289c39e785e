/* purge: rollups and retention in small batches; see purge.h. */
#include "worker/purge.h"
#include "worker/db.h"
#include "worker/log.h"
#include "common/elapsed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Jobs one purge transaction deletes (their cases with them), and the
 * pause after it, as a multiple of the time the batch took: the purge
 * works a fifth of the time however fast the machine is, a small share of
 * the database (bench: purge_claim_per_s; with a fixed 50 ms pause it
 * worked half the time and claims lost 20 %). */
#define PURGE_BATCH 500
#define PURGE_PAUSE_FACTOR 4
/* How often a worker looks for due days and expired jobs. */
#define PURGE_EVERY_S 60

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Due days, one a transaction, oldest first. */
static int roll_up(PGconn *conn, const char *wait, volatile sig_atomic_t *stop,
                   struct purge_totals *totals, char *err, size_t errlen)
{
    while (!*stop) {
        PGresult *res = db_query(conn, "SELECT coderun.rollup_next($1::boolean)", 1, &wait, err, errlen);
        if (!res)
            return -1;
        bool rolled = !PQgetisnull(res, 0, 0);
        PQclear(res);
        if (!rolled)
            break;
        totals->days++;
    }
    return 0;
}

int purge_run(PGconn *conn, const char *cut, bool wait, volatile sig_atomic_t *stop,
              struct purge_totals *totals, char *err, size_t errlen)
{
    char batch[16];
    snprintf(batch, sizeof batch, "%d", PURGE_BATCH);
    const char *params[] = {cut, batch, wait ? "true" : "false"};
    if (roll_up(conn, params[2], stop, totals, err, errlen) != 0)
        return -1;
    while (!*stop) {
        struct timespec started;
        clock_gettime(CLOCK_MONOTONIC, &started);
        PGresult *res = db_query(conn, "SELECT jobs, cases FROM coderun.purge_batch($1::timestamptz,"
                                 " $2::integer, $3::boolean)", 3, params, err, errlen);
        if (!res)
            return -1;
        /* NULLs: another maintainer holds the lock and does the work. */
        long jobs = PQgetisnull(res, 0, 0) ? 0 : strtol(PQgetvalue(res, 0, 0), NULL, 10);
        totals->jobs += jobs;
        totals->cases += strtol(PQgetvalue(res, 0, 1), NULL, 10);
        PQclear(res);
        if (jobs < PURGE_BATCH)
            break;
        pause_ms((long)(PURGE_PAUSE_FACTOR * elapsed_ms(&started)));
    }
    return 0;
}

/* One round of the worker's purge thread. */
static void purge_round(struct purge_worker *p, PGconn **conn)
{
    char err[512], days[16];
    if (db_lost(*conn)) {
        PQfinish(*conn);
        *conn = db_connect(p->conninfo, err, sizeof err);
        if (!*conn) {
            log_event("purge_failed", "error", err, NULL);
            return;
        }
    }
    snprintf(days, sizeof days, "%u", p->retention_days);
    const char *params[] = {days};
    /* Retention 0: a cut before every job, so only the rollups run. */
    PGresult *cut = db_exec(*conn,
        "INSERT INTO coderun.settings AS s (name, value) VALUES ('retention_days', $1)"
        " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
        " WHERE s.value <> EXCLUDED.value", 1, params, err, sizeof err) != 0 ? NULL
        : db_query(*conn, "SELECT CASE WHEN $1::integer > 0"
                          " THEN (now() - make_interval(days => $1::integer))::text"
                          " ELSE '-infinity' END", 1, params, err, sizeof err);
    struct purge_totals totals = {0};
    if (!cut || purge_run(*conn, PQgetvalue(cut, 0, 0), false, p->stop, &totals, err, sizeof err) != 0)
        log_event("purge_failed", "error", err, NULL);
    PQclear(cut);
    if (totals.days || totals.jobs) {
        char ndays[24], njobs[24], ncases[24];
        snprintf(ndays, sizeof ndays, "%ld", totals.days);
        snprintf(njobs, sizeof njobs, "%ld", totals.jobs);
        snprintf(ncases, sizeof ncases, "%ld", totals.cases);
        log_event("purged", "days_rolled_up", ndays, "jobs", njobs, "cases", ncases,
                  "retention_days", days, NULL);
    }
}

static void *purge_main(void *arg)
{
    struct purge_worker *p = arg;
    PGconn *conn = NULL;
    while (!*p->stop) {
        purge_round(p, &conn);
        for (long waited = 0; waited < PURGE_EVERY_S * 1000L && !*p->stop; waited += 100)
            pause_ms(100);
    }
    PQfinish(conn);
    return NULL;
}

void purge_worker_start(struct purge_worker *p)
{
    int rc = pthread_create(&p->thread, NULL, purge_main, p);
    p->started = rc == 0;
    if (rc != 0)
        log_event("purge_failed", "error", strerror(rc), NULL);
}

void purge_worker_join(struct purge_worker *p)
{
    if (p->started)
        pthread_join(p->thread, NULL);
    p->started = false;
}
