/* control: the thread that owns the database. It LISTENs, polls, claims
 * queued jobs for the idle slots in one statement, writes the slots'
 * results in one transaction per batch, heartbeats and republishes the
 * languages; after SIGTERM it goes on until the running jobs are written.
 * It starts the purge thread (purge.h) beside it, on a connection of its
 * own, so a rollup or purge never holds up a claim. */
#include "worker/serve_state.h"
#include "worker/db.h"
#include "worker/queue_sql.h"
#include "worker/log.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Write what the slots finished: releases (retry, cancelled) one by one,
 * finished and failed jobs in one batch. An outcome whose write lost the
 * connection stays for the next round, unless we are stopping: then, as
 * for a write that failed, its lease expires and a heartbeat rescues it. */
static void write_done(struct serve *s, PGconn *conn)
{
    char err[512] = "";
    size_t n = 0, nbatch = 0;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->cfg->slots; i++)
        if (s->slots[i].state == SLOT_DONE)
            s->done[n++] = i;
    pthread_mutex_unlock(&s->lock);
    /* done[] keeps the batched slots only, in batch order. */
    for (size_t i = 0; i < n; i++) {
        struct slot *sl = &s->slots[s->done[i]];
        if (sl->out.state == JOB_FINISHED || sl->out.state == JOB_FAILED) {
            s->done[nbatch] = s->done[i];
            s->batch[nbatch++] = (struct job_write){.job = &sl->job, .out = &sl->out};
            continue;
        }
        /* A cancelled job goes back like an unstarted one (no why). */
        int rc = queue_release(conn, &s->worker, &sl->job,
                               sl->out.state == JOB_RETRY ? sl->out.error : NULL, err, sizeof err);
        if (rc < 0 && db_lost(conn) && !s->stop)
            return;
        slot_written(s, sl, rc < 0 ? "no" : rc ? "yes" : "lease lost", err);
    }
    int rc = nbatch ? queue_finish(conn, &s->worker, s->batch, nbatch, err, sizeof err) : 0;
    if (rc < 0 && db_lost(conn) && !s->stop)
        return;
    for (size_t i = 0; i < nbatch; i++)
        slot_written(s, &s->slots[s->done[i]],
                     rc < 0 ? "no" : s->batch[i].written ? "yes" : "lease lost", err);
}

/* Hand queued jobs to the idle slots, one claim for all of them. Returns
 * whether the queue may hold more (it gave as many as asked). */
static bool claim_for_idle(struct serve *s, PGconn *conn)
{
    char err[512];
    unsigned n = 0;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->cfg->slots && n < CLAIM_MAX; i++)
        if (s->slots[i].state == SLOT_IDLE)
            s->idle[n++] = i;
    pthread_mutex_unlock(&s->lock);
    if (n == 0)
        return true;
    int got = queue_claim(conn, &s->worker, s->claimed, n, err, sizeof err);
    if (got < 0) {
        if (!db_lost(conn))
            log_event("claim_failed", "error", err, NULL);
        return false;
    }
    pthread_mutex_lock(&s->lock);
    /* Slot threads end once they see the stop: none may get a job then. */
    bool stopping = s->stop;
    for (int k = 0; !stopping && k < got; k++) {
        struct slot *sl = &s->slots[s->idle[k]];
        sl->job = s->claimed[k];
        sl->state = SLOT_ASSIGNED;
        sl->away = true;    /* if it helps another job: back after this input */
    }
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (int k = 0; stopping && k < got; k++) {
        if (queue_release(conn, &s->worker, &s->claimed[k], NULL, err, sizeof err) < 0)
            log_event("write_failed", "job", s->claimed[k].id, "error", err, NULL);
        job_free(&s->claimed[k]);
    }
    return (unsigned)got == n;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Heartbeat with the leases of the jobs the slots hold now: a job left
 * 'running' under our name that no slot holds (its claim's answer or its
 * write was lost with the connection) must expire and be rescued, not be
 * renewed for as long as we live. Returns what queue_heartbeat does. */
static int heartbeat(struct serve *s, PGconn *conn, char *err, size_t errlen)
{
    unsigned busy = 0;
    const char **running = malloc(s->cfg->slots * sizeof *running);
    if (!running) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Only this thread assigns and frees the slots' jobs: the ids stay. */
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->cfg->slots; i++)
        if (s->slots[i].state != SLOT_IDLE)
            running[busy++] = s->slots[i].job.id;
    pthread_mutex_unlock(&s->lock);
    char *ids = queue_uuid_array(running, busy);
    int rc = ids ? queue_heartbeat(conn, &s->worker, busy, ids, err, errlen) : -1;
    if (!ids)
        snprintf(err, errlen, "out of memory");
    free(ids);
    free(running);
    return rc;
}

/* The control connection: prepared statements, LISTEN, heartbeat (leases, rescue), languages. */
static int control_connect(struct serve *s, PGconn **conn)
{
    char err[512];
    if (db_reconnect(conn, s->cfg->database, &s->stop) != 0)
        return -1;
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = lang_hold(s->langs);
    pthread_mutex_unlock(&s->lock);
    int rc = queue_prepare(*conn, err, sizeof err)
          || db_exec(*conn, "LISTEN coderun_jobs", 0, NULL, err, sizeof err)
          || queue_publish_languages(*conn, &s->worker, langs, err, sizeof err)
          || heartbeat(s, *conn, err, sizeof err) < 0;
    lang_release(langs);
    if (rc != 0)
        log_event("control_failed", "error", err, NULL);
    return rc;
}

static long heartbeat_every_ms(unsigned lease_s)
{
    return lease_s / 3 > 5 ? 5000 : (long)lease_s / 3 * 1000;
}

/* Slot threads alive, or outcomes not written yet. */
static bool slots_busy(struct serve *s)
{
    pthread_mutex_lock(&s->lock);
    bool busy = s->alive > 0;
    for (unsigned i = 0; !busy && i < s->cfg->slots; i++)
        busy = s->slots[i].state != SLOT_IDLE;
    pthread_mutex_unlock(&s->lock);
    return busy;
}

struct ticks {
    long next_poll, next_hb, hb_every;
    bool more;    /* the queue may hold jobs for idle slots */
};

/* The values a SIGHUP reloaded, taken over between two rounds. */
static void apply_reload(struct serve *s, struct ticks *t)
{
    pthread_mutex_lock(&s->lock);
    struct config *c = s->reloaded;
    s->reloaded = NULL;
    pthread_mutex_unlock(&s->lock);
    if (!c)
        return;
    s->poll_ms = c->poll_ms;
    s->stop_grace_s = c->stop_grace_s;
    s->worker.lease_s = c->lease_s;
    s->worker.max_attempts = c->max_attempts;
    s->purge.retention_days = c->retention_days;
    t->hb_every = heartbeat_every_ms(c->lease_s);
    log_init(c->log_dir);
    log_event("reload", "config", c->path ? c->path : "", NULL);
    config_free(c);
    free(c);
}

/* One round: wait for a notification, a slot or the next tick; write,
 * claim, publish, poll, heartbeat. */
static void control_round(struct serve *s, PGconn *conn, struct ticks *t)
{
    char err[512];
    apply_reload(s, t);
    long now = now_ms(), until = t->next_poll < t->next_hb ? t->next_poll : t->next_hb;
    if (until > now + 100)
        until = now + 100;    /* notice a stop or a reload soon */
    struct pollfd fds[] = {{PQsocket(conn), POLLIN, 0}, {s->done_fd, POLLIN, 0}};
    if (poll(fds, 2, until > now ? (int)(until - now) : 0) > 0) {
        uint64_t count;
        if (fds[1].revents && read(s->done_fd, &count, sizeof count) < 0 && errno != EAGAIN)
            log_event("wake_failed", "error", strerror(errno), NULL);
        if (fds[0].revents && PQconsumeInput(conn))
            for (PGnotify *nt; (nt = PQnotifies(conn)); t->more = true)
                PQfreemem(nt);
    }
    write_done(s, conn);
    now = now_ms();
    if (now >= t->next_poll) {
        t->more = true;    /* backstop for a lost notification */
        t->next_poll = now + s->poll_ms;
    }
    if (t->more && !s->stop && !db_lost(conn))
        t->more = claim_for_idle(s, conn);
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = s->republish ? lang_hold(s->langs) : NULL;
    s->republish = 0;
    pthread_mutex_unlock(&s->lock);
    if (langs && queue_publish_languages(conn, &s->worker, langs, err, sizeof err) != 0) {
        log_event("publish_failed", "error", err, NULL);
        pthread_mutex_lock(&s->lock);
        s->republish = 1;    /* again next round */
        pthread_mutex_unlock(&s->lock);
    }
    lang_release(langs);
    if (now >= t->next_hb) {
        int requeued = heartbeat(s, conn, err, sizeof err);
        if (requeued < 0)
            log_event("heartbeat_failed", "error", err, NULL);
        if (requeued > 0)
            t->more = true;
        t->next_hb = now + t->hb_every;
    }
}

void control_loop(struct serve *s)
{
    PGconn *conn = NULL;
    char err[512];
    struct ticks t = {.hb_every = heartbeat_every_ms(s->worker.lease_s), .more = true};
    t.next_poll = now_ms() + s->poll_ms;
    t.next_hb = now_ms() + t.hb_every;
    long cancel_at = 0;
    bool connected = control_connect(s, &conn) == 0;
    s->purge = (struct purge_worker){.conninfo = s->cfg->database, .stop = &s->stop,
                                     .retention_days = s->cfg->retention_days};
    purge_worker_start(&s->purge);
    /* After SIGTERM, keep renewing leases until the running jobs are done
     * or cancelled at the end of the grace period, and written. */
    while (!s->stop || slots_busy(s)) {
        if (s->stop) {
            wake_slots(s);
            if (!cancel_at)
                cancel_at = now_ms() + 1000L * s->stop_grace_s;
            if (!s->cancel && now_ms() >= cancel_at) {
                log_event("grace_over", "worker", s->worker.name, NULL);
                s->cancel = 1;
            }
        }
        if (connected && !db_lost(conn)) {
            control_round(s, conn, &t);
            continue;
        }
        if (!s->stop)
            log_event("database_lost", "worker", s->worker.name, NULL);
        connected = control_connect(s, &conn) == 0;
        if (!connected && s->stop) {
            write_done(s, conn);    /* nowhere to write: given up */
            poll(NULL, 0, 100);
        }
        t.more = true;
    }
    if (connected && !db_lost(conn) && queue_goodbye(conn, &s->worker, err, sizeof err) != 0)
        log_event("goodbye_failed", "error", err, NULL);
    PQfinish(conn);
    purge_worker_join(&s->purge);
}

