/* box: one sandboxed run, as a flat list of steps (DESIGN.md, "The
 * sandbox"): prepare input, pipes and the run's cgroup, make sure the
 * slot's keeper (init.c) is up and fits, hand it the run, watch it (output
 * caps, wall and CPU limits, forbidden calls) and decide the verdict. Any
 * failed step ends the run as BOX_INTERNAL_ERROR with the reason; a run
 * that had to be killed takes its keeper along. The warm server's inputs
 * (box_warm_*) are watched the same way but killed through their cgroup. */
#define _GNU_SOURCE
#include "box/run.h"
#include "box/boxerr.h"
#include "box/init.h"
#include "box/keeper.h"
#include "box/memfd.h"
#include "box/seccomp.h"
#include "common/elapsed.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR_TAIL_BYTES 4096
#define ROOT_SUBDIR ".root"

/* Chosen once by box_init and only read afterwards (slots run in threads). */
static struct cg_hier hierarchy;
static struct sock_fprog filter;

const char *box_verdict_name(enum box_verdict v)
{
    static const char *const names[] = {
        [BOX_OK] = "ok", [BOX_RUNTIME_ERROR] = "runtime_error",
        [BOX_TIME_LIMIT] = "time_limit", [BOX_MEMORY_LIMIT] = "memory_limit",
        [BOX_OUTPUT_LIMIT] = "output_limit", [BOX_SECURITY_VIOLATION] = "security_violation",
        [BOX_INTERNAL_ERROR] = "internal_error",
    };
    return (unsigned)v < sizeof names / sizeof *names ? names[v] : "internal_error";
}

/* mkdir -p: the default box_dir's parents do not exist on a fresh host. */
static int make_path(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int box_init(struct box_config *cfg, char *err, size_t errlen)
{
    char root[PATH_MAX];
    if (make_path(cfg->box_dir) != 0)
        return box_fail(err, errlen, "mkdir %s", cfg->box_dir);
    if (snprintf(root, sizeof root, "%s/%s", cfg->box_dir, ROOT_SUBDIR) >= (int)sizeof root)
        return box_fail(err, errlen, "box_dir too long");
    if (mkdir(root, 0700) != 0 && errno != EEXIST)
        return box_fail(err, errlen, "mkdir %s", root);
    filter_program(&filter);
    cg_detect(&hierarchy, "/proc/self/mountinfo", "/proc/self/cgroup");
    snprintf(cfg->mode, sizeof cfg->mode, "%s", cg_mode_name(hierarchy.kind));
    snprintf(cfg->degraded_why, sizeof cfg->degraded_why, "%s", hierarchy.why);
    if (hierarchy.kind == CG_NONE && !cfg->allow_degraded) {
        errno = 0;
        return box_fail(err, errlen, "no cgroup to enforce the memory and process limits with (%s);"
                        " set allow_degraded = yes in the config to run with rlimits only",
                        hierarchy.why);
    }
    return 0;
}

/* The input as a sealed memfd: the program cannot change it. */
static int input_fd(const struct box_spec *spec, char *err, size_t errlen)
{
    int fd = memfd_sealed("coderun-input", spec->stdin_data, spec->stdin_len);
    return fd >= 0 ? fd : box_fail(err, errlen, "input memfd");
}

/* A compile step writes its results into the job dir as the slot user. */
static int own_job_dir(const struct box_spec *spec, uid_t id, char *err, size_t errlen)
{
    int fd = job_dir_open(spec);
    if (fd < 0)
        return box_fail(err, errlen, "open job dir %s", spec->job_dir);
    int rc = fchown(fd, id, id);
    close(fd);
    return rc == 0 ? 0 : box_fail(err, errlen, "chown job dir");
}

static bool born_in_cgroup(const struct run *r)
{
    return hierarchy.kind == CG_V2 && !r->warm;
}

/* Everything the run needs besides the keeper: input, pipes, cgroup. */
int run_prepare(struct run *r, const struct box_config *cfg, char *err, size_t errlen)
{
    /* run_init set it; the analyzer does not follow run_init from
     * box_warm_start and takes the heap block's spec as unset */
    const struct box_spec *spec = r->spec;   // NOLINT(clang-analyzer-core.uninitialized.Assign)
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, ctl[2] = {-1, -1};
    uid_t id = r->uid = cfg->uid_base + spec->slot;
    char name[32];
    snprintf(name, sizeof name, "uid-%u%s", (unsigned)id, r->warm ? "-input" : "");

    if (!spec->argv || !spec->argv[0] || spec->argv[0][0] != '/' || !spec->env || !spec->job_dir)
        return box_fail(err, errlen, "box_spec needs an absolute argv[0], env and job_dir");
    if (capture_init(&r->out_cap, (size_t)spec->limits.output_kb * 1024, false) != 0
        || capture_init(&r->err_cap, ERR_TAIL_BYTES, true) != 0)
        return box_fail(err, errlen, "allocate output buffers");
    if (!filter.filter) {
        errno = 0;
        return box_fail(err, errlen, "box_init was not called");
    }
    if ((r->box_fds[RUN_FD_IN] = input_fd(spec, err, errlen)) < 0)
        return -1;
    if (spec->job_dir_writable && own_job_dir(spec, id, err, errlen) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0
        || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0) {
        box_fail(err, errlen, "create pipes");
        for (int i = 0; i < 2; i++) {
            close_fd(&out[i]);
            close_fd(&errp[i]);
            close_fd(&ctl[i]);
        }
        return -1;
    }
    r->out = out[0], r->box_fds[RUN_FD_OUT] = out[1];
    r->err = errp[0], r->box_fds[RUN_FD_ERR] = errp[1];
    r->ctl = ctl[0], r->box_fds[RUN_FD_CTL] = ctl[1];
    r->nbox_fds = RUN_NFDS;
    if (r->with_channel) {
        int chan[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) != 0)
            return box_fail(err, errlen, "create channel");
        r->channel = chan[0];
        r->box_fds[r->nbox_fds++] = chan[1];
    }
    /* the keeper clones a run's program into a v2 cgroup; warm servers'
     * children move themselves in */
    int *join = r->box_fds + r->nbox_fds;
    if (hierarchy.kind != CG_NONE
        && (cg_slot_create(&hierarchy, name, &spec->limits, &r->cg, err, errlen) != 0
            || (born_in_cgroup(r) ? cg_slot_open_dir(&r->cg, join, err, errlen)
                                  : cg_slot_open_join(&r->cg, join, err, errlen)) != 0))
        return -1;
    r->nbox_fds += r->cg.ndirs;
    return 0;
}

static void close_box_ends(struct run *r)
{
    for (int i = 0; i < NS_MAX_FDS; i++)
        close_fd(&r->box_fds[i]);
}

/* Sends msg with the box's ends of the run to whoever starts it (the
 * keeper, or a warm server for an input); the run's clock starts here. */
int run_hand_over(struct run *r, int sock, const void *msg, size_t len, pid_t keeper)
{
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    if (sock < 0 || ns_send(sock, msg, len, r->box_fds, r->nbox_fds) != 0)
        return -1;
    r->pid = keeper;
    close_box_ends(r);
    return 0;
}

/* Hands the run to the keeper. */
static int spawn(struct run *r, char *err, size_t errlen)
{
    struct run_request req = {.limits = r->spec->limits, .ncgroups = (unsigned)r->cg.ndirs,
                              .born_in_cgroup = born_in_cgroup(r),
                              .job_dir_writable = r->spec->job_dir_writable,
                              .channel = r->with_channel};
    size_t len = run_request_pack(&req, r->spec->argv, r->spec->env);
    if (len == 0) {
        errno = 0;
        return box_fail(err, errlen, "command and environment too long");
    }
    if (run_hand_over(r, r->slot->sock, &req, len, r->slot->keeper) != 0)
        return box_fail(err, errlen, "send run to the box");
    return 0;
}

static enum box_verdict decide(const struct run *r, const struct box_result *res)
{
    if (r->setup_failed || r->cancelled)
        return BOX_INTERNAL_ERROR;
    if (r->violated)
        return BOX_SECURITY_VIOLATION;
    if (r->output_exceeded)
        return BOX_OUTPUT_LIMIT;
    if (r->oom_kills > 0)
        return BOX_MEMORY_LIMIT;
    if (r->wall_exceeded || r->cpu_exceeded || res->cpu_ms > r->spec->limits.cpu_ms
        || res->signal == SIGXCPU)
        return BOX_TIME_LIMIT;
    if (!r->have_status)
        return BOX_INTERNAL_ERROR;
    return res->exit_code == 0 && res->signal == 0 ? BOX_OK : BOX_RUNTIME_ERROR;
}

/* Gathers the numbers, removes the cgroup and, unless the run ended
 * cleanly, stops the keeper. */
static void finish(struct run *r, struct box_result *res)
{
    res->wall_ms = elapsed_ms(&r->start);
    res->cpu_ms = r->cpu_us / 1e3;
    res->memory_kb = r->maxrss_kb;
    if (r->warm) {
        /* the keeper runs the server, not this input */
    } else if (r->killed || !r->have_status || r->setup_failed) {
        /* without a cgroup, the keeper's totals less what it reported */
        struct rusage ru = {0};
        double before = r->slot->reaped_cpu_ms;
        keeper_stop(r->slot, &ru);
        if (!r->have_status) {
            res->cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
                        + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3 - before;
            res->memory_kb = ru.ru_maxrss;
        }
    } else {
        r->slot->reaped_cpu_ms += res->cpu_ms;
    }
    res->exit_code = -1;
    res->signal = r->have_status ? 0 : SIGKILL;
    if (r->have_status && WIFEXITED(r->status))
        res->exit_code = WEXITSTATUS(r->status);
    else if (r->have_status && WIFSIGNALED(r->status))
        res->signal = WTERMSIG(r->status);

    struct cg_stats st = {.memory_peak_kb = -1, .cpu_ms = -1};
    if (r->cg.ndirs > 0) {
        cg_slot_stats(&r->cg, &st);
        r->oom_kills = st.oom_kills;
        res->memory_kb = st.memory_peak_kb;
        if (st.cpu_ms >= 0)
            res->cpu_ms = st.cpu_ms;
        if (cg_slot_remove(&r->cg) != 0 && !r->setup_failed) {
            r->setup_failed = true;
            snprintf(r->reason, sizeof r->reason, "could not remove cgroup uid-%u",
                     (unsigned)r->uid);
        }
    }
    res->verdict = decide(r, res);
}

static void release(struct run *r)
{
    close_box_ends(r);
    close_fd(&r->out);
    close_fd(&r->err);
    close_fd(&r->ctl);
    close_fd(&r->listener);
    close_fd(&r->channel);
    capture_free(&r->out_cap);
    capture_free(&r->err_cap);
}

static const char *limit_reason(enum box_verdict v, const struct run *r)
{
    switch (v) {
    case BOX_TIME_LIMIT:
        return r->wall_exceeded ? "wall time limit exceeded" : "CPU time limit exceeded";
    case BOX_MEMORY_LIMIT: return "memory limit exceeded";
    case BOX_OUTPUT_LIMIT: return "output limit exceeded";
    default: return r->reason;
    }
}

void run_init(struct run *r, const struct box_spec *spec, struct box_slot *slot)
{
    memset(r, 0, sizeof *r);
    r->spec = spec;
    r->slot = slot;
    r->ctl = r->out = r->err = r->listener = r->channel = -1;
    for (int i = 0; i < NS_MAX_FDS; i++)
        r->box_fds[i] = -1;
}

void run_setup_failed(struct run *r, const char *err)
{
    r->setup_failed = true;
    snprintf(r->reason, sizeof r->reason, "%s", err);
    run_kill(r);
}

/* Everything up to the program's start; a failed step marks the run. */
void run_begin(struct run *r, const struct box_config *cfg)
{
    char err[sizeof r->reason] = "";
    if (run_prepare(r, cfg, err, sizeof err) != 0
        || keeper_start(r->slot, cfg, r->spec, &filter, hierarchy.kind == CG_NONE, err, sizeof err) != 0
        || spawn(r, err, sizeof err) != 0)
        run_setup_failed(r, err);
}

/* Watches the run to its end, fills res and releases the run. */
void run_end(struct run *r, struct box_result *res)
{
    memset(res, 0, sizeof *res);
    if (r->pid > 0) {
        run_watch(r);
        finish(r, res);
    } else {
        if (r->cg.ndirs > 0)
            cg_slot_remove(&r->cg);
        res->verdict = BOX_INTERNAL_ERROR;
        res->exit_code = -1;
    }
    snprintf(res->reason, sizeof res->reason, "%s", limit_reason(res->verdict, r));
    res->cancelled = r->cancelled;
    res->out_truncated = capture_truncated(&r->out_cap);
    res->err_truncated = capture_truncated(&r->err_cap);
    if (r->out_cap.buf)
        res->out = capture_take(&r->out_cap, &res->out_len);
    if (r->err_cap.buf)
        res->err = capture_take(&r->err_cap, &res->err_len);
    release(r);
}

bool run_has_cgroup(void)
{
    return hierarchy.kind != CG_NONE;
}

int box_run(const struct box_config *cfg, struct box_slot *slot, const struct box_spec *spec,
            struct box_result *res)
{
    struct run r;
    run_init(&r, spec, slot);
    run_begin(&r, cfg);
    run_end(&r, res);
    return 0;
}

void box_result_free(struct box_result *res)
{
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}

