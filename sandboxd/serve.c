/* serve: the worker daemon. The main thread LISTENs, polls, heartbeats and
 * handles signals; each slot thread has its own connection and runs one
 * job at a time. SIGTERM: stop claiming, let what runs finish for
 * stop_grace_s, then cancel the rest back to the queue and exit 0.
 * SIGHUP: reload languages.conf. A thread of its own takes the signals. */
#include "box.h"
#include "commands.h"
#include "db.h"
#include "lang.h"
#include "log.h"
#include "queue.h"
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct serve {
    const struct config *cfg;
    struct box_config box;
    struct worker worker;
    volatile sig_atomic_t stop;
    volatile sig_atomic_t cancel;  /* grace over: running boxes are killed */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned wake_gen;         /* bumped on NOTIFY and every poll tick */
    char (*running)[40];       /* per slot: id of the job it runs, "" idle */
    unsigned alive;            /* slot threads still running */
    int republish;             /* languages reloaded, not yet in the table */
    sigset_t signals;          /* TERM, INT, HUP: handled by signal_main */
    struct lang_table *langs;  /* swapped on SIGHUP; jobs hold a reference */
};

struct slot {
    struct serve *s;
    unsigned index;
    pthread_t thread;
};

static void wake_slots(struct serve *s)
{
    pthread_mutex_lock(&s->lock);
    s->wake_gen++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void log_job(const struct serve *s, const struct job *job,
                    const struct job_outcome *out, const char *written)
{
    json_object *o = json_object_new_object(), *verdicts = json_object_new_object();
    for (size_t i = 0; out->state == JOB_FINISHED && i < job->ncases; i++) {
        json_object *n = json_object_object_get(verdicts, out->cases[i].verdict);
        json_object_object_add(verdicts, out->cases[i].verdict,
                               json_object_new_int(n ? json_object_get_int(n) + 1 : 1));
    }
    static const char *const states[] = {"finished", "failed", "retry", "cancelled"};
    json_object_object_add(o, "event", json_object_new_string("job"));
    json_object_object_add(o, "job", json_object_new_string(job->id));
    json_object_object_add(o, "key", json_object_new_string(job->key_name));
    json_object_object_add(o, "language", json_object_new_string(job->language));
    json_object_object_add(o, "mode", json_object_new_string(job->mode));
    json_object_object_add(o, "state", json_object_new_string(states[out->state]));
    json_object_object_add(o, "written", json_object_new_string(written));
    json_object_object_add(o, "attempt", json_object_new_int(job->attempts));
    json_object_object_add(o, "cases", json_object_new_int((int)job->ncases));
    json_object_object_add(o, "verdicts", verdicts);
    json_object_object_add(o, "execution_time", json_object_new_double(out->execution_time));
    if (out->compile_status)
        json_object_object_add(o, "compile", json_object_new_string(out->compile_status));
    if (out->error)
        json_object_object_add(o, "error", json_object_new_string(out->error));
    json_object_object_add(o, "worker", json_object_new_string(s->worker.name));
    log_write(o);
}

/* Write the outcome, reconnecting while the database is away. */
static const char *store_outcome(struct serve *s, PGconn **conn, const struct job *job,
                                 const struct job_outcome *out)
{
    char err[512];
    for (;;) {
        /* A cancelled job goes back like an unstarted one (no why). */
        int rc = out->state == JOB_RETRY || out->state == JOB_CANCELLED
            ? queue_release(*conn, &s->worker, job, out->state == JOB_RETRY ? out->error : NULL,
                            err, sizeof err)
            : queue_finish(*conn, &s->worker, job, out, err, sizeof err);
        if (rc >= 0)
            return rc ? "yes" : "lease lost";
        if (!db_lost(*conn) || db_reconnect(conn, s->cfg->database, &s->stop) != 0) {
            log_event("write_failed", "job", job->id, "error", err, NULL);
            return "no";
        }
    }
}

static void run_job(struct serve *s, struct runner *r, PGconn **conn, struct job *job)
{
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = lang_hold(s->langs);
    snprintf(s->running[r->slot], sizeof s->running[r->slot], "%s", job->id);
    pthread_mutex_unlock(&s->lock);

    struct job_outcome out;
    runner_job(r, langs, job, &out);
    log_job(s, job, &out, store_outcome(s, conn, job, &out));
    job_outcome_free(&out, job->ncases);

    pthread_mutex_lock(&s->lock);
    s->running[r->slot][0] = '\0';
    pthread_mutex_unlock(&s->lock);
    lang_release(langs);
}

static void *slot_main(void *arg)
{
    struct slot *sl = arg;
    struct serve *s = sl->s;
    struct runner r = {.dir_fd = -1, .cancel = &s->cancel};
    PGconn *conn = NULL;
    char err[512];
    if (runner_init(&r, &s->box, sl->index, err, sizeof err) != 0) {
        log_event("slot_failed", "error", err, NULL);
        s->stop = 1;
    }
    if (!s->stop)
        db_reconnect(&conn, s->cfg->database, &s->stop);
    while (!s->stop) {
        pthread_mutex_lock(&s->lock);
        unsigned seen = s->wake_gen;
        pthread_mutex_unlock(&s->lock);

        struct job job;
        int rc = queue_claim(conn, &s->worker, &job, err, sizeof err);
        if (rc > 0 && s->stop) {
            queue_release(conn, &s->worker, &job, NULL, err, sizeof err);
            job_free(&job);
            break;
        }
        if (rc > 0) {
            run_job(s, &r, &conn, &job);
            job_free(&job);
            continue;
        }
        if (rc < 0 && db_lost(conn)) {
            db_reconnect(&conn, s->cfg->database, &s->stop);
            continue;
        }
        if (rc < 0)
            log_event("claim_failed", "error", err, NULL);
        pthread_mutex_lock(&s->lock);
        while (!s->stop && s->wake_gen == seen)
            pthread_cond_wait(&s->wake, &s->lock);
        pthread_mutex_unlock(&s->lock);
    }
    PQfinish(conn);
    runner_close(&r);
    pthread_mutex_lock(&s->lock);
    s->alive--;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Heartbeat with the leases of the jobs the slots run now: a job left
 * 'running' under our name that no slot runs (its claim's answer or its
 * write was lost with the connection) must expire and be rescued, not be
 * renewed for as long as we live. Returns what queue_heartbeat does. */
static int heartbeat(struct serve *s, PGconn *conn, char *err, size_t errlen)
{
    unsigned busy = 0;
    size_t len = 0, cap = s->cfg->slots * sizeof *s->running + 3;
    char *ids = malloc(cap);
    if (!ids) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ids[len++] = '{';
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->cfg->slots; i++)
        if (s->running[i][0])
            len += (size_t)snprintf(ids + len, cap - len, "%s%s", busy++ ? "," : "", s->running[i]);
    pthread_mutex_unlock(&s->lock);
    snprintf(ids + len, cap - len, "}");
    int rc = queue_heartbeat(conn, &s->worker, busy, ids, err, errlen);
    free(ids);
    return rc;
}

/* The main connection: LISTEN, heartbeat (leases, rescue), languages. */
static int control_connect(struct serve *s, PGconn **conn)
{
    char err[512];
    if (db_reconnect(conn, s->cfg->database, &s->stop) != 0)
        return -1;
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = lang_hold(s->langs);
    pthread_mutex_unlock(&s->lock);
    int rc = db_exec(*conn, "LISTEN coderun_jobs", 0, NULL, err, sizeof err)
          || queue_publish_languages(*conn, langs, err, sizeof err)
          || heartbeat(s, *conn, err, sizeof err) < 0;
    lang_release(langs);
    if (rc != 0)
        log_event("control_failed", "error", err, NULL);
    return rc;
}

/* Parse and swap in languages.conf; the control loop republishes it. */
static void reload_languages(struct serve *s)
{
    char err[512];
    struct lang_table *t = lang_load(s->cfg->languages, err, sizeof err);
    if (!t) {
        log_event("reload_failed", "error", err, NULL);
        return;
    }
    lang_probe_versions(t);
    pthread_mutex_lock(&s->lock);
    struct lang_table *old = s->langs;
    s->langs = t;
    s->republish = 1;
    pthread_mutex_unlock(&s->lock);
    lang_release(old);
    log_event("reload", "languages", s->cfg->languages, NULL);
}

/* Signals go to this thread alone, so a stop is seen even while the
 * other threads wait for the database. */
static void *signal_main(void *arg)
{
    struct serve *s = arg;
    while (!s->stop) {
        int sig;
        if (sigwait(&s->signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload_languages(s);
            continue;
        }
        log_event("stopping", "worker", s->worker.name, "signal", strsignal(sig), NULL);
        s->stop = 1;
        wake_slots(s);
    }
    return NULL;
}

static unsigned slots_alive(struct serve *s)
{
    pthread_mutex_lock(&s->lock);
    unsigned alive = s->alive;
    pthread_mutex_unlock(&s->lock);
    return alive;
}

/* One round: wait for a notification or the next tick. */
static void control_round(struct serve *s, PGconn *conn,
                          long *next_poll, long *next_hb, long hb_every)
{
    char err[512];
    long now = now_ms(), until = *next_poll < *next_hb ? *next_poll : *next_hb;
    if (until > now + 100)
        until = now + 100;    /* notice a stop or a reload soon */
    struct pollfd fd = {PQsocket(conn), POLLIN, 0};
    if (poll(&fd, 1, until > now ? (int)(until - now) : 0) > 0 && PQconsumeInput(conn)) {
        bool notified = false;
        for (PGnotify *nt; (nt = PQnotifies(conn)); notified = true)
            PQfreemem(nt);
        if (notified)
            wake_slots(s);
    }
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = s->republish ? lang_hold(s->langs) : NULL;
    s->republish = 0;
    pthread_mutex_unlock(&s->lock);
    if (langs && queue_publish_languages(conn, langs, err, sizeof err) != 0)
        log_event("publish_failed", "error", err, NULL);
    lang_release(langs);
    now = now_ms();
    if (now >= *next_poll) {
        wake_slots(s);    /* backstop for a lost notification */
        *next_poll = now + s->cfg->poll_ms;
    }
    if (now >= *next_hb) {
        int requeued = heartbeat(s, conn, err, sizeof err);
        if (requeued < 0)
            log_event("heartbeat_failed", "error", err, NULL);
        if (requeued > 0)
            wake_slots(s);
        *next_hb = now + hb_every;
    }
}

static void control_loop(struct serve *s)
{
    PGconn *conn = NULL;
    char err[512];
    long hb_every = s->cfg->lease_s / 3 > 5 ? 5000 : (long)s->cfg->lease_s / 3 * 1000;
    long next_poll = now_ms() + s->cfg->poll_ms, next_hb = now_ms() + hb_every;
    long cancel_at = 0;
    bool connected = control_connect(s, &conn) == 0;
    /* After SIGTERM, keep renewing leases until the running jobs are done
     * or cancelled at the end of the grace period. */
    while (!s->stop || slots_alive(s) > 0) {
        if (s->stop) {
            wake_slots(s);
            if (!cancel_at)
                cancel_at = now_ms() + 1000L * s->cfg->stop_grace_s;
            if (!s->cancel && now_ms() >= cancel_at) {
                log_event("grace_over", "worker", s->worker.name, NULL);
                s->cancel = 1;
            }
        }
        if (connected && !db_lost(conn)) {
            control_round(s, conn, &next_poll, &next_hb, hb_every);
            continue;
        }
        if (!s->stop)
            log_event("database_lost", "worker", s->worker.name, NULL);
        connected = control_connect(s, &conn) == 0;
        if (!connected && s->stop)
            poll(NULL, 0, 100);    /* stopping while the database is away */
        wake_slots(s);
    }
    if (connected && !db_lost(conn) && queue_goodbye(conn, &s->worker, err, sizeof err) != 0)
        log_event("goodbye_failed", "error", err, NULL);
    PQfinish(conn);
}

/* Everything serve needs before the slots start. */
static int serve_setup(struct serve *s, const struct config *cfg)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    log_init(cfg->log_dir);
    s->box.box_dir = cfg->box_dir;
    s->box.uid_base = cfg->uid_base;
    if (box_init(&s->box, err, sizeof err) != 0) {
        log_event("start_failed", "error", err, NULL);
        return -1;
    }
    s->langs = lang_load(cfg->languages, err, sizeof err);
    if (!s->langs) {
        log_event("start_failed", "error", err, NULL);
        return -1;
    }
    lang_probe_versions(s->langs);
    worker_identify(&s->worker, cfg->slots, cfg->lease_s, cfg->max_attempts, s->box.mode);
    /* Blocked before any thread starts: only sigwait sees them. */
    sigemptyset(&s->signals);
    sigaddset(&s->signals, SIGTERM);
    sigaddset(&s->signals, SIGINT);
    sigaddset(&s->signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &s->signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int cmd_serve(const struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -1;
    struct serve s;
    if (serve_setup(&s, cfg) != 0)
        return 1;
    struct slot *slots = calloc(cfg->slots, sizeof *slots);
    s.running = calloc(cfg->slots, sizeof *s.running);
    pthread_t sig_thread;
    if (!slots || !s.running || pthread_create(&sig_thread, NULL, signal_main, &s) != 0) {
        log_event("start_failed", "error", strerror(errno), NULL);
        free(slots);
        free(s.running);
        return 1;
    }
    char nslots[16];
    snprintf(nslots, sizeof nslots, "%u", cfg->slots);
    log_event("start", "worker", s.worker.name, "slots", nslots, "sandbox", s.box.mode, NULL);
    unsigned started = 0;
    s.alive = cfg->slots;
    for (; started < cfg->slots; started++) {
        slots[started] = (struct slot){.s = &s, .index = started};
        int rc = pthread_create(&slots[started].thread, NULL, slot_main, &slots[started]);
        if (rc != 0) {
            /* The started slots drain and the worker stops as on SIGTERM. */
            log_event("slot_start_failed", "error", strerror(rc), NULL);
            pthread_mutex_lock(&s.lock);
            s.alive -= cfg->slots - started;
            pthread_mutex_unlock(&s.lock);
            s.stop = 1;
            break;
        }
    }
    control_loop(&s);
    for (unsigned i = 0; i < started; i++)
        pthread_join(slots[i].thread, NULL);
    log_event("stop", "worker", s.worker.name, NULL);
    /* Unblocks sigwait when the stop came from a failed slot, not a signal
     * (SIGTERM is blocked in every thread: it ends no thread). */
    // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread,cert-pos44-c)
    pthread_kill(sig_thread, SIGTERM);
    pthread_join(sig_thread, NULL);
    free(slots);
    free(s.running);
    lang_release(s.langs);
    return 0;
}
