/* serve: the worker daemon. The control thread owns the database: it
 * LISTENs, polls, claims queued jobs for the idle slots in one statement,
 * writes the slots' results in one transaction per batch, heartbeats and
 * republishes languages. Each slot thread runs the job it is handed and,
 * while idle, inputs of another slot's job (share.h); no transaction or
 * row lock is held while code runs. SIGTERM: stop claiming,
 * let what runs finish for stop_grace_s, then cancel the rest back to the
 * queue and exit 0. SIGHUP: reload languages.conf. A thread of its own
 * takes the signals, another the runs `sandboxd run` hands over on the
 * run socket (runsock.h). */
#include "box.h"
#include "commands.h"
#include "db.h"
#include "lang.h"
#include "log.h"
#include "queue.h"
#include "runner.h"
#include "runsock.h"
#include "share.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Jobs one claim takes at most, however many slots are idle. */
#define CLAIM_MAX 64

/* A slot's job goes IDLE -> ASSIGNED (claimed by the control thread) ->
 * RUNNING (the slot thread) -> DONE (outcome ready) -> IDLE (written). */
enum slot_state { SLOT_IDLE, SLOT_ASSIGNED, SLOT_RUNNING, SLOT_DONE };

struct slot {
    struct serve *s;
    unsigned index;
    pthread_t thread;
    enum slot_state state;     /* under serve.lock */
    bool away;                 /* under serve.lock: handed a job while helping */
    struct job job;            /* from ASSIGNED until written */
    struct job_outcome out;    /* DONE */
};

struct serve {
    const struct config *cfg;
    struct box_config box;
    struct worker worker;
    volatile sig_atomic_t stop;
    volatile sig_atomic_t cancel;  /* grace over: running boxes are killed */
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* a slot was handed a job, or the stop */
    int done_fd;               /* eventfd: a slot has an outcome or ended */
    struct slot *slots;
    struct share_board board;  /* running jobs' inputs idle slots may take */
    unsigned alive;            /* slot threads still running */
    int republish;             /* languages reloaded, not yet in the table */
    struct config *reloaded;   /* SIGHUP's fresh config, for the control thread */
    unsigned poll_ms, stop_grace_s;  /* the control thread's, reloadable */
    sigset_t signals;          /* TERM, INT, HUP: handled by signal_main */
    struct lang_table *langs;  /* swapped on SIGHUP; jobs hold a reference */
    /* The control thread's batches. */
    struct job *claimed;       /* min(slots, CLAIM_MAX) */
    unsigned *idle;            /* slots entries */
    unsigned *done;            /* slots entries */
    struct job_write *batch;   /* slots entries */
};

static void wake_slots(struct serve *s)
{
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void wake_control(struct serve *s)
{
    uint64_t one = 1;
    /* EAGAIN: the counter is full, the control thread wakes anyway. */
    if (write(s->done_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        log_event("wake_failed", "error", strerror(errno), NULL);
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
    /* A compiler's message quotes the code, which never goes to a log. */
    bool compile_failed = out->compile_status && strcmp(out->compile_status, "error") == 0;
    if (out->error)
        json_object_object_add(o, "error", json_object_new_string(
            compile_failed ? "compilation failed" : out->error));
    json_object_object_add(o, "worker", json_object_new_string(s->worker.name));
    log_write(o);
}

static void *slot_main(void *arg)
{
    struct slot *sl = arg;
    struct serve *s = sl->s;
    struct runner r = {.dir_fd = -1, .cancel = &s->cancel};
    char err[512];
    if (runner_init(&r, &s->box, sl->index, err, sizeof err) != 0) {
        log_event("slot_failed", "error", err, NULL);
        s->stop = 1;
    }
    pthread_mutex_lock(&s->lock);
    for (;;) {
        struct case_share *help = NULL;
        while (sl->state != SLOT_ASSIGNED && !s->stop && !(help = share_join_locked(&s->board)))
            pthread_cond_wait(&s->wake, &s->lock);
        if (help) {
            pthread_mutex_unlock(&s->lock);
            if (runner_help(&r, &s->board, help, &sl->away, err, sizeof err) != 0)
                log_event("help_failed", "error", err, NULL);
            pthread_mutex_lock(&s->lock);
            continue;
        }
        if (sl->state != SLOT_ASSIGNED)
            break;
        struct lang_table *langs = lang_hold(s->langs);
        bool start = !s->stop;
        sl->state = SLOT_RUNNING;
        sl->away = false;
        pthread_mutex_unlock(&s->lock);
        if (start)
            runner_job(&r, &s->board, langs, &sl->job, &sl->out);
        else    /* handed over as the stop came: back unstarted */
            sl->out = (struct job_outcome){.state = JOB_CANCELLED};
        lang_release(langs);
        pthread_mutex_lock(&s->lock);
        sl->state = SLOT_DONE;
        wake_control(s);
    }
    s->alive--;
    pthread_mutex_unlock(&s->lock);
    wake_control(s);
    runner_close(&r);
    return NULL;
}

/* `sandboxd run` on this host hands its runs over (runsock.h): one at a
 * time, in the slot past the serve slots, whose box stays built between
 * runs. A stop cancels the run under way. */
static void *runsock_main(void *arg)
{
    struct serve *s = arg;
    struct runner r = {.dir_fd = -1, .cancel = &s->stop};
    char err[512];
    int fd = -1;
    if (runner_init(&r, &s->box, s->cfg->slots, err, sizeof err) != 0
        || (fd = runsock_listen(s->cfg->box_dir, err, sizeof err)) < 0)
        log_event("run_socket_failed", "error", err, NULL);
    while (fd >= 0 && !s->stop) {
        struct pollfd ready = {.fd = fd, .events = POLLIN};
        if (poll(&ready, 1, 100) != 1)
            continue;
        pthread_mutex_lock(&s->lock);
        struct lang_table *langs = lang_hold(s->langs);
        pthread_mutex_unlock(&s->lock);
        struct oneshot o;
        int status = runsock_serve(fd, &r, langs, &o, err, sizeof err);
        lang_release(langs);
        if (status < 0) {
            log_event("run_socket_failed", "error", err, NULL);
            continue;
        }
        char exit_status[16];
        snprintf(exit_status, sizeof exit_status, "%d", status);
        log_event("run", "file", o.file, "language", o.lang, "mode", o.mode,
                  "exit_status", exit_status, NULL);
    }
    runsock_close(fd, s->cfg->box_dir);
    runner_close(&r);
    return NULL;
}

/* The outcome is written (or given up): log it, the slot is idle again. */
static void slot_written(struct serve *s, struct slot *sl, const char *written, const char *err)
{
    if (strcmp(written, "no") == 0)
        log_event("write_failed", "job", sl->job.id, "error", err, NULL);
    log_job(s, &sl->job, &sl->out, written);
    job_outcome_free(&sl->out, sl->job.ncases);
    job_free(&sl->job);
    pthread_mutex_lock(&s->lock);
    sl->state = SLOT_IDLE;
    pthread_mutex_unlock(&s->lock);
}

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

/* The control connection: LISTEN, heartbeat (leases, rescue), languages. */
static int control_connect(struct serve *s, PGconn **conn)
{
    char err[512];
    if (db_reconnect(conn, s->cfg->database, &s->stop) != 0)
        return -1;
    pthread_mutex_lock(&s->lock);
    struct lang_table *langs = lang_hold(s->langs);
    pthread_mutex_unlock(&s->lock);
    int rc = db_exec(*conn, "LISTEN coderun_jobs", 0, NULL, err, sizeof err)
          || queue_publish_languages(*conn, &s->worker, langs, err, sizeof err)
          || heartbeat(s, *conn, err, sizeof err) < 0;
    lang_release(langs);
    if (rc != 0)
        log_event("control_failed", "error", err, NULL);
    return rc;
}

/* Parse and swap in languages.conf; the control loop republishes it. */
static void reload_languages(struct serve *s, const char *path)
{
    char err[512];
    struct lang_table *t = lang_load(path, err, sizeof err);
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
    log_event("reload", "languages", path, NULL);
}

/* SIGHUP: read the config file again. Its timing keys and log_dir take
 * effect in the control thread; slots, uid_base, box_dir and the database
 * are the running slots' and connection's, so they wait for a restart. */
static void reload_config(struct serve *s)
{
    char err[512];
    struct config *fresh = calloc(1, sizeof *fresh);
    if (!fresh)
        return;
    config_defaults(fresh);
    if (s->cfg->path && config_load(fresh, s->cfg->path, err, sizeof err) != 0) {
        log_event("reload_failed", "error", err, NULL);
        config_free(fresh);
        free(fresh);
        return;
    }
    if (fresh->slots != s->cfg->slots || fresh->uid_base != s->cfg->uid_base
        || strcmp(fresh->box_dir, s->cfg->box_dir) != 0)
        log_event("reload_needs_restart", "keys", "slots, uid_base, box_dir", NULL);
    reload_languages(s, fresh->languages);
    pthread_mutex_lock(&s->lock);
    struct config *unused = s->reloaded;
    s->reloaded = fresh;
    pthread_mutex_unlock(&s->lock);
    if (unused) {
        config_free(unused);
        free(unused);
    }
}

static long heartbeat_every_ms(unsigned lease_s)
{
    return lease_s / 3 > 5 ? 5000 : (long)lease_s / 3 * 1000;
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
            reload_config(s);
            continue;
        }
        log_event("stopping", "worker", s->worker.name, "signal", strsignal(sig), NULL);
        s->stop = 1;
        wake_slots(s);
    }
    return NULL;
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

static void control_loop(struct serve *s)
{
    PGconn *conn = NULL;
    char err[512];
    struct ticks t = {.hb_every = heartbeat_every_ms(s->worker.lease_s), .more = true};
    t.next_poll = now_ms() + s->poll_ms;
    t.next_hb = now_ms() + t.hb_every;
    long cancel_at = 0;
    bool connected = control_connect(s, &conn) == 0;
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
}

/* Everything serve needs before the slots start. */
static int serve_setup(struct serve *s, const struct config *cfg)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->poll_ms = cfg->poll_ms;
    s->stop_grace_s = cfg->stop_grace_s;
    s->done_fd = -1;
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
    s->slots = calloc(cfg->slots, sizeof *s->slots);
    if (share_board_init(&s->board, cfg->slots, &s->lock, &s->wake) != 0) {
        log_event("start_failed", "error", strerror(errno), NULL);
        return -1;
    }
    s->claimed = calloc(cfg->slots < CLAIM_MAX ? cfg->slots : CLAIM_MAX, sizeof *s->claimed);
    s->idle = calloc(cfg->slots, sizeof *s->idle);
    s->done = calloc(cfg->slots, sizeof *s->done);
    s->batch = calloc(cfg->slots, sizeof *s->batch);
    s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!s->slots || !s->claimed || !s->idle || !s->done || !s->batch || s->done_fd < 0) {
        log_event("start_failed", "error", strerror(errno), NULL);
        return -1;
    }
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

static void serve_free(struct serve *s)
{
    free(s->slots);
    share_board_free(&s->board);
    free(s->claimed);
    free(s->idle);
    free(s->done);
    free(s->batch);
    if (s->done_fd >= 0)
        close(s->done_fd);
    lang_release(s->langs);
    if (s->reloaded)
        config_free(s->reloaded);
    free(s->reloaded);
}

int cmd_serve(const struct config *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -1;
    struct serve s;
    pthread_t sig_thread;
    int rc = serve_setup(&s, cfg);
    if (rc == 0 && (rc = pthread_create(&sig_thread, NULL, signal_main, &s)) != 0)
        log_event("start_failed", "error", strerror(rc), NULL);
    if (rc != 0) {
        serve_free(&s);
        return 1;
    }
    char nslots[16];
    snprintf(nslots, sizeof nslots, "%u", cfg->slots);
    log_event("start", "worker", s.worker.name, "slots", nslots, "sandbox", s.box.mode, NULL);
    pthread_t runsock_thread;
    int runsock_rc = pthread_create(&runsock_thread, NULL, runsock_main, &s);
    if (runsock_rc != 0)
        log_event("run_socket_failed", "error", strerror(runsock_rc), NULL);
    unsigned started = 0;
    s.alive = cfg->slots;
    for (; started < cfg->slots; started++) {
        s.slots[started].s = &s;
        s.slots[started].index = started;
        rc = pthread_create(&s.slots[started].thread, NULL, slot_main, &s.slots[started]);
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
        pthread_join(s.slots[i].thread, NULL);
    if (runsock_rc == 0)
        pthread_join(runsock_thread, NULL);
    log_event("stop", "worker", s.worker.name, NULL);
    /* Unblocks sigwait when the stop came from a failed slot, not a signal
     * (SIGTERM is blocked in every thread: it ends no thread). */
    // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread,cert-pos44-c)
    pthread_kill(sig_thread, SIGTERM);
    pthread_join(sig_thread, NULL);
    serve_free(&s);
    return 0;
}
