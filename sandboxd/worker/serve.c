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
#include "worker/serve.h"
#include "worker/serve_state.h"
#include "worker/log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
    s->box.allow_degraded = cfg->allow_degraded;
    s->box.disk_mb = cfg->disk_mb;
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

int serve(const struct config *cfg)
{
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
    /* degraded: the reason too (the list ends at the NULL key otherwise) */
    log_event("start", "worker", s.worker.name, "slots", nslots, "sandbox", s.box.mode,
              s.box.degraded_why[0] ? "degraded_reason" : NULL, s.box.degraded_why, NULL);
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

