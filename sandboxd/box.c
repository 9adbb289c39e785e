/* box: one sandboxed run, as a flat list of steps (DESIGN.md, "The
 * sandbox"): prepare input, pipes and the run's cgroup, make sure the
 * slot's keeper (init.c) is up and fits, hand it the run, watch it (output
 * caps, wall and CPU limits, forbidden calls) and decide the verdict. Any
 * failed step ends the run as BOX_INTERNAL_ERROR with the reason; a run
 * that had to be killed takes its keeper along. The warm server's inputs
 * (box_warm_*) are watched the same way but killed through their cgroup. */
#define _GNU_SOURCE
#include "box.h"
#include "boxerr.h"
#include "capture.h"
#include "cgroup.h"
#include "elapsed.h"
#include "init.h"
#include "memfd.h"
#include "ns.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ERR_TAIL_BYTES 4096
#define CPU_CHECK_MS 25
/* A warm server reports a killed input at once; one that does not (stopped
 * by its input, say) takes the whole box down after this long. */
#define WARM_REPORT_MS 500
#define ROOT_SUBDIR ".root"
#define KEEPER_START_MS 10000

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
    return 0;
}

/* One run's state on the host side. */
struct run {
    const struct box_spec *spec;
    struct box_slot *slot;
    struct box_warm *warm;         /* an input of a warm server, else NULL */
    bool with_channel;             /* a warm server: gets a channel at fd 3 */
    struct cg_slot cg;
    uid_t uid;                     /* the slot's; names the run's cgroup */
    int box_fds[NS_MAX_FDS];       /* the box's ends until they are sent, */
    int nbox_fds;                  /* then the run's cgroup.procs files */
    int ctl, out, err, listener;   /* parent ends; -1 once closed */
    int channel;                   /* with_channel: our end */
    pid_t pid;                     /* the keeper, once the run was sent */
    struct capture out_cap, err_cap;
    struct timespec start;
    /* what happened */
    int status;
    long cpu_us, maxrss_kb;        /* as the keeper reaped them */
    bool have_status, killed, wall_exceeded, cpu_exceeded, output_exceeded;
    double killed_ms;              /* when, since start */
    bool setup_failed, violated, cancelled;
    long oom_kills;
    char reason[256];
};

/* Function mode's warm server (box.h): its own run, started and left
 * running until box_warm_stop; its inputs go through server.channel. */
struct box_warm {
    const struct box_config *cfg;
    struct box_spec spec;   /* the server's: its limits and cancel flag */
    struct run server;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The input as a sealed memfd: the program cannot change it. */
static int input_fd(const struct box_spec *spec, char *err, size_t errlen)
{
    int fd = memfd_sealed("coderun-input", spec->stdin_data, spec->stdin_len);
    return fd >= 0 ? fd : box_fail(err, errlen, "input memfd");
}

static int open_job_dir(const struct box_spec *spec)
{
    return open(spec->job_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A compile step writes its results into the job dir as the slot user. */
static int own_job_dir(const struct box_spec *spec, uid_t id, char *err, size_t errlen)
{
    int fd = open_job_dir(spec);
    if (fd < 0)
        return box_fail(err, errlen, "open job dir %s", spec->job_dir);
    int rc = fchown(fd, id, id);
    close(fd);
    return rc == 0 ? 0 : box_fail(err, errlen, "chown job dir");
}

/* Everything the run needs besides the keeper: input, pipes, cgroup. */
static int prepare(struct run *r, const struct box_config *cfg, char *err, size_t errlen)
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
    if (hierarchy.kind != CG_NONE
        && (cg_slot_create(&hierarchy, name, &spec->limits, &r->cg, err, errlen) != 0
            || cg_slot_open_procs(&r->cg, r->box_fds + r->nbox_fds, err, errlen) != 0))
        return -1;
    r->nbox_fds += r->cg.ndirs;
    return 0;
}

/* Stops the keeper (its pid namespace goes with it) and reaps it. */
static void keeper_stop(struct box_slot *s, struct rusage *ru)
{
    if (s->live) {
        close(s->sock);
        kill(s->keeper, SIGKILL);
        while (wait4(s->keeper, NULL, __WALL, ru) < 0 && errno == EINTR)
            ;
    }
    free(s->key);
    s->key = NULL;
    s->live = false;
    s->keeper = 0;
    s->sock = -1;
    s->reaped_cpu_ms = 0;
}

void box_slot_close(struct box_slot *slot)
{
    keeper_stop(slot, NULL);
}

/* What a keeper's root depends on: the slot, the job dir, the binds. */
static char *slot_key(const struct box_spec *spec)
{
    size_t len = strlen(spec->job_dir) + 16;
    for (const char *const *b = spec->ro_binds; b && *b; b++)
        len += strlen(*b) + 1;
    char *key = malloc(len);
    if (!key)
        return NULL;
    int n = snprintf(key, len, "%u\n%s", spec->slot, spec->job_dir);
    for (const char *const *b = spec->ro_binds; b && *b && n > 0; b++)
        n += snprintf(key + n, len - (size_t)n, "\n%s", *b);
    return key;
}

/* Nothing to read on an idle keeper's socket: no EOF, no stray message. */
static bool keeper_idle(const struct box_slot *s)
{
    struct pollfd pfd = {.fd = s->sock, .events = POLLIN};
    return poll(&pfd, 1, 0) == 0;
}

static int keeper_ready(struct box_slot *s, char *err, size_t errlen)
{
    struct sync_msg m;
    struct pollfd pfd = {.fd = s->sock, .events = POLLIN};
    if (poll(&pfd, 1, KEEPER_START_MS) != 1 || sync_recv(s->sock, &m, NULL) != 1) {
        errno = 0;
        return box_fail(err, errlen, "box setup did not finish");
    }
    if (m.type != SYNC_READY) {
        errno = 0;
        return box_fail(err, errlen, "%s", m.text);
    }
    return 0;
}

/* Reuses the slot's keeper when it fits the spec, else starts one: clone
 * into fresh namespaces, build and enter the root, report ready. */
static int keeper_start(struct box_slot *s, const struct box_config *cfg,
                        const struct box_spec *spec, char *err, size_t errlen)
{
    char *key = slot_key(spec);
    if (!key)
        return box_fail(err, errlen, "allocate slot key");
    if (s->live && strcmp(s->key, key) == 0 && keeper_idle(s)) {
        free(key);
        return 0;
    }
    keeper_stop(s, NULL);
    char root[PATH_MAX];
    int sv[2];
    struct box_plan plan = {.spec = spec, .root_dir = root, .uid = cfg->uid_base + spec->slot,
                            .gid = cfg->uid_base + spec->slot, .filter = &filter,
                            .without_cgroup = hierarchy.kind == CG_NONE};
    if (snprintf(root, sizeof root, "%s/%s", cfg->box_dir, ROOT_SUBDIR) >= (int)sizeof root) {
        free(key);
        return box_fail(err, errlen, "box_dir too long");
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        free(key);
        return box_fail(err, errlen, "create slot socket");
    }
    plan.sock_fd = sv[1];
    plan.job_dir_fd = open_job_dir(spec);
    pid_t pid = plan.job_dir_fd >= 0 ? ns_clone(NS_CLONE_FLAGS) : -1;
    if (pid == 0)
        init_main(&plan);
    int saved = errno;
    close(sv[1]);
    if (plan.job_dir_fd >= 0)
        close(plan.job_dir_fd);
    if (pid < 0) {
        close(sv[0]);
        free(key);
        errno = saved;
        return plan.job_dir_fd < 0 ? box_fail(err, errlen, "open job dir %s", spec->job_dir)
                                   : box_fail(err, errlen, "clone");
    }
    s->live = true;
    s->keeper = pid;
    s->sock = sv[0];
    s->key = key;
    if (keeper_ready(s, err, errlen) != 0) {
        keeper_stop(s, NULL);
        return -1;
    }
    return 0;
}

static void close_box_ends(struct run *r)
{
    for (int i = 0; i < NS_MAX_FDS; i++)
        close_fd(&r->box_fds[i]);
}

/* Sends msg with the box's ends of the run to whoever starts it (the
 * keeper, or a warm server for an input); the run's clock starts here. */
static int hand_over(struct run *r, int sock, const void *msg, size_t len, pid_t keeper)
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
                              .job_dir_writable = r->spec->job_dir_writable,
                              .channel = r->with_channel};
    size_t len = run_request_pack(&req, r->spec->argv, r->spec->env);
    if (len == 0) {
        errno = 0;
        return box_fail(err, errlen, "command and environment too long");
    }
    if (hand_over(r, r->slot->sock, &req, len, r->slot->keeper) != 0)
        return box_fail(err, errlen, "send run to the box");
    return 0;
}

/* Killing the keeper, pid 1 of the box, makes the kernel kill its whole pid
 * namespace; the slot starts a new keeper for its next run. An input of a
 * warm server is killed through its cgroup: server and keeper stay. */
static void kill_box(struct run *r)
{
    if (r->killed)
        return;
    if (r->warm)
        cg_slot_kill(&r->cg);
    else if (r->pid > 0)
        kill(r->pid, SIGKILL);
    r->killed = true;
    r->killed_ms = elapsed_ms(&r->start);
}

static void read_output(struct run *r, int *fd, struct capture *cap, size_t limit)
{
    char buf[65536];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close_fd(fd);
        return;
    }
    capture_add(cap, buf, (size_t)n);
    if (cap->total > limit && !r->output_exceeded) {
        r->output_exceeded = true;
        kill_box(r);
    }
}

static void read_control(struct run *r)
{
    struct sync_msg m;
    int passed = -1;
    int rc = sync_recv(r->ctl, &m, &passed);
    if (rc <= 0) {
        close_fd(&r->ctl);
        return;
    }
    if (m.type == SYNC_ERROR && !r->setup_failed) {
        r->setup_failed = true;
        snprintf(r->reason, sizeof r->reason, "%s", m.text);
    } else if (m.type == SYNC_STATUS) {
        r->status = m.value;
        r->cpu_us = m.cpu_us;
        r->maxrss_kb = m.maxrss_kb;
        r->have_status = true;
        /* what an input left running would keep its pipes open */
        if (r->warm)
            cg_slot_kill(&r->cg);
    } else if (m.type == SYNC_LISTENER && passed >= 0 && r->listener < 0) {
        r->listener = passed;
        passed = -1;
    }
    close_fd(&passed);
}

/* An input's forbidden calls arrive on its server's listener. */
static int *listener_of(struct run *r)
{
    return r->warm ? &r->warm->server.listener : &r->listener;
}

static void read_listener(struct run *r)
{
    char reason[sizeof r->reason];
    if (filter_explain(*listener_of(r), reason, sizeof reason) != 0) {
        close_fd(listener_of(r));   /* every filtered task is gone */
        return;
    }
    if (!r->violated) {
        r->violated = true;
        snprintf(r->reason, sizeof r->reason, "%s", reason);
    }
    kill_box(r);
}

static void check_cpu(struct run *r)
{
    struct cg_stats st;
    if (r->cg.ndirs > 0 && cg_slot_stats(&r->cg, &st) == 0 && st.cpu_ms > r->spec->limits.cpu_ms) {
        r->cpu_exceeded = true;
        kill_box(r);
    }
}

/* Until the box has closed its output and control channels. */
static void watch(struct run *r)
{
    size_t out_limit = (size_t)r->spec->limits.output_kb * 1024;
    double next_cpu_check = CPU_CHECK_MS;
    while (r->out >= 0 || r->err >= 0 || r->ctl >= 0) {
        struct pollfd fds[] = {
            {.fd = r->out, .events = POLLIN}, {.fd = r->err, .events = POLLIN},
            {.fd = r->ctl, .events = POLLIN}, {.fd = *listener_of(r), .events = POLLIN},
        };
        double left = r->spec->limits.wall_ms - elapsed_ms(&r->start);
        int timeout = r->killed ? 100 : left < CPU_CHECK_MS ? (left > 0 ? (int)left + 1 : 0)
                                                            : CPU_CHECK_MS;
        if (poll(fds, 4, timeout) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            read_output(r, &r->out, &r->out_cap, out_limit);
        if (fds[1].revents)
            read_output(r, &r->err, &r->err_cap, out_limit);
        if (fds[2].revents)
            read_control(r);
        /* Only POLLIN may be read: with every filtered task gone the
         * listener reports POLLHUP alone, and before Linux 6.11 a read
         * then blocks forever. */
        if (fds[3].revents & POLLIN)
            read_listener(r);
        else if (fds[3].revents)
            close_fd(listener_of(r));
        if (!r->killed && r->spec->cancel && *r->spec->cancel) {
            r->cancelled = true;
            snprintf(r->reason, sizeof r->reason, "cancelled: the worker is stopping");
            kill_box(r);
        }
        if (!r->killed && elapsed_ms(&r->start) > r->spec->limits.wall_ms) {
            r->wall_exceeded = true;
            kill_box(r);
        }
        if (r->warm && r->killed && r->ctl >= 0 && r->pid > 0
            && elapsed_ms(&r->start) > r->killed_ms + WARM_REPORT_MS) {
            kill(r->pid, SIGKILL);   /* the keeper: everything in the box ends */
            r->pid = -1;
        }
        /* every CPU_CHECK_MS, not on every wake-up: each read is three
         * cgroup files */
        if (!r->killed && elapsed_ms(&r->start) >= next_cpu_check) {
            check_cpu(r);
            next_cpu_check = elapsed_ms(&r->start) + CPU_CHECK_MS;
        }
    }
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

static void run_init(struct run *r, const struct box_spec *spec, struct box_slot *slot)
{
    memset(r, 0, sizeof *r);
    r->spec = spec;
    r->slot = slot;
    r->ctl = r->out = r->err = r->listener = r->channel = -1;
    for (int i = 0; i < NS_MAX_FDS; i++)
        r->box_fds[i] = -1;
}

static void setup_failed(struct run *r, const char *err)
{
    r->setup_failed = true;
    snprintf(r->reason, sizeof r->reason, "%s", err);
    kill_box(r);
}

/* Everything up to the program's start; a failed step marks the run. */
static void begin(struct run *r, const struct box_config *cfg)
{
    char err[sizeof r->reason] = "";
    if (prepare(r, cfg, err, sizeof err) != 0
        || keeper_start(r->slot, cfg, r->spec, err, sizeof err) != 0
        || spawn(r, err, sizeof err) != 0)
        setup_failed(r, err);
}

/* Watches the run to its end, fills res and releases the run. */
static void end(struct run *r, struct box_result *res)
{
    memset(res, 0, sizeof *res);
    if (r->pid > 0) {
        watch(r);
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

int box_run(const struct box_config *cfg, struct box_slot *slot, const struct box_spec *spec,
            struct box_result *res)
{
    struct run r;
    run_init(&r, spec, slot);
    begin(&r, cfg);
    end(&r, res);
    return 0;
}

/* The server is ready once its seccomp listener arrived: it execs next. */
static int await_listener(struct run *r)
{
    while (r->listener < 0 && r->ctl >= 0 && !r->setup_failed) {
        struct pollfd pfd = {.fd = r->ctl, .events = POLLIN};
        double left = r->spec->limits.wall_ms - elapsed_ms(&r->start);
        if (left <= 0 || poll(&pfd, 1, (int)left + 1) != 1)
            return -1;
        read_control(r);
    }
    return r->listener >= 0 && !r->setup_failed ? 0 : -1;
}

struct box_warm *box_warm_start(const struct box_config *cfg, struct box_slot *slot,
                                const struct box_spec *spec)
{
    /* an input's CPU, memory and leftovers are its cgroup's */
    if (hierarchy.kind == CG_NONE)
        return NULL;
    struct box_warm *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->cfg = cfg;
    w->spec = *spec;
    run_init(&w->server, &w->spec, slot);
    w->server.with_channel = true;
    begin(&w->server, cfg);
    if (!w->server.setup_failed && await_listener(&w->server) == 0)
        return w;
    box_warm_stop(w);
    return NULL;
}

/* The input's descriptors and cgroup.procs files go to the server, which
 * forks a child for them. */
static int hand_input(struct run *r, char *err, size_t errlen)
{
    static const char request = 'i';
    if (hand_over(r, r->warm->server.channel, &request, 1, r->warm->server.pid) != 0)
        return box_fail(err, errlen, "send the input to the warm server");
    return 0;
}

bool box_warm_run(struct box_warm *w, const struct box_spec *spec, struct box_result *res)
{
    struct run r;
    char err[sizeof r.reason] = "";
    run_init(&r, spec, w->server.slot);
    r.warm = w;
    if (prepare(&r, w->cfg, err, sizeof err) != 0 || hand_input(&r, err, sizeof err) != 0)
        setup_failed(&r, err);
    end(&r, res);
    return r.have_status;
}

void box_warm_stop(struct box_warm *w)
{
    if (!w)
        return;
    struct box_result res;
    close_fd(&w->server.channel);   /* the server's loop ends */
    clock_gettime(CLOCK_MONOTONIC, &w->server.start);   /* a wall limit to exit in */
    end(&w->server, &res);
    box_result_free(&res);
    free(w);
}

void box_result_free(struct box_result *res)
{
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}
