/* slots: each slot thread runs the job the control thread handed it and,
 * while idle, inputs of another slot's job (share.h); the run socket's
 * thread runs what `sandboxd run` hands over (runsock.h). */
#include "worker/serve_state.h"
#include "worker/log.h"
#include "worker/runsock.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void wake_slots(struct serve *s)
{
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void wake_control(struct serve *s)
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

void *slot_main(void *arg)
{
    struct slot *sl = arg;
    struct serve *s = sl->s;
    struct runner r = {.dir_fd = -1, .use_fd = -1, .cancel = &s->cancel,
                       .job_output_max = (size_t)s->cfg->job_output_mb << 20};
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
void *runsock_main(void *arg)
{
    struct serve *s = arg;
    struct runner r = {.dir_fd = -1, .use_fd = -1, .cancel = &s->stop};
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
void slot_written(struct serve *s, struct slot *sl, const char *written, const char *err)
{
    if (strcmp(written, "no") == 0)
        log_event("write_failed", "job", sl->job.id, "error", err, NULL);
    log_job(s, &sl->job, &sl->out, written);
    /* The next heartbeat tells /health: degraded until a job runs again. */
    if (sl->out.service_fault) {
        log_event("service_fault", "job", sl->job.id, "error", sl->out.error, NULL);
        snprintf(s->worker.service_error, sizeof s->worker.service_error, "%s", sl->out.error);
    } else if (sl->out.state == JOB_FINISHED) {
        s->worker.service_error[0] = '\0';
    }
    job_outcome_free(&sl->out, sl->job.ncases);
    job_free(&sl->job);
    pthread_mutex_lock(&s->lock);
    sl->state = SLOT_IDLE;
    pthread_mutex_unlock(&s->lock);
}

