#define _GNU_SOURCE
#include "box/init.h"
#include "box/boxerr.h"
#include "box/identity.h"
#include "box/ipc.h"
#include "box/mount.h"
#include "box/ns.h"
#include "box/rlimit.h"
#include "box/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>   /* struct clone_args, CLONE_INTO_CGROUP */
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOX_HOSTNAME "box"

/* A run request unpacked in place: pointers into req->text. */
struct run_args {
    const struct run_request *req;
    const char *argv[RUN_WORDS_MAX + 1];
    const char *env[RUN_WORDS_MAX + 1];
};

static size_t pack_words(char *text, size_t used, const char *const *words, unsigned *count)
{
    for (*count = 0; words[*count]; (*count)++) {
        size_t len = strlen(words[*count]) + 1;
        if (*count == RUN_WORDS_MAX || len > RUN_TEXT_MAX - used)
            return 0;
        memcpy(text + used, words[*count], len);
        used += len;
    }
    return used;
}

size_t run_request_pack(struct run_request *req, const char *const *argv,
                        const char *const *env)
{
    size_t used = pack_words(req->text, 0, argv, &req->argc);
    if (used > 0)
        used = pack_words(req->text, used, env, &req->envc);
    return used > 0 && req->argc > 0 ? offsetof(struct run_request, text) + used : 0;
}

static const char *unpack_words(const char *s, const char *end, const char **words, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const char *nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
        if (!nul)
            return NULL;
        words[i] = s;
        s = nul + 1;
    }
    words[n] = NULL;
    return s;
}

static int unpack(struct run_args *a, const struct run_request *req, long len)
{
    const char *end = (const char *)req + len;
    a->req = req;
    if (len < (long)offsetof(struct run_request, text) || req->argc == 0
        || req->argc > RUN_WORDS_MAX || req->envc > RUN_WORDS_MAX)
        return -1;
    const char *s = unpack_words(req->text, end, a->argv, req->argc);
    return s && unpack_words(s, end, a->env, req->envc) ? 0 : -1;
}

/* Reports a failed setup step to the parent and ends this process. */
__attribute__((noreturn)) static void fail_setup(int ctl, const char *reason)
{
    sync_send(ctl, SYNC_ERROR, 0, reason);
    _exit(127);
}

/* Moves src[i] to first + i and closes every other descriptor above 2
 * (database sockets, other slots' pipes, the keeper's own). */
static int take_fds(const int *src, int n, int first, char *err, size_t errlen)
{
    int high[NS_MAX_FDS];
    for (int i = 0; i < n; i++)
        if ((high[i] = fcntl(src[i], F_DUPFD_CLOEXEC, first + NS_MAX_FDS + 16)) < 0)
            return box_fail(err, errlen, "dup descriptor");
    for (int i = 0; i < n; i++)
        if (dup3(high[i], first + i, O_CLOEXEC) < 0)
            return box_fail(err, errlen, "dup3 descriptor");
    if (close_range((unsigned)(first + n), ~0U, 0) != 0)
        return box_fail(err, errlen, "close_range");
    return 0;
}

/* The daemon's handlers were copied by clone; none may run here, and exec
 * would keep ignored signals ignored (the daemon ignores SIGPIPE). The
 * keeper blocks everything; programs unblock before exec. */
static void default_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
}

static int bind_stdio(char *err, size_t errlen)
{
    if (dup2(BOX_FD_IN, 0) < 0 || dup2(BOX_FD_OUT, 1) < 0 || dup2(BOX_FD_ERR, 2) < 0)
        return box_fail(err, errlen, "dup2 stdio");
    if (close_range(BOX_FD_IN, BOX_FD_ERR, 0) != 0)
        return box_fail(err, errlen, "close_range");
    return 0;
}

/* Moves the program into the run's cgroup before anything of it runs. */
static int join_cgroups(const int *procs, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if (write(procs[i], "0", 1) != 1)
            return box_fail(err, errlen, "join the run's cgroup");
    return 0;
}

/* The program: fds are the run's descriptors, then cgroup.procs files.
 * Everything after identity_drop runs unprivileged. */
__attribute__((noreturn)) static void program_main(const struct box_plan *p,
                                                   const struct run_args *a, const int *fds,
                                                   int nfds)
{
    char err[sizeof ((struct sync_msg *)0)->text];
    int listener = -1, own = RUN_NFDS + a->req->channel;
    if (join_cgroups(fds + own, nfds - own, err, sizeof err) != 0)
        fail_setup(fds[RUN_FD_CTL], err);
    if (take_fds(fds, own, BOX_FD_CTL, err, sizeof err) != 0)
        fail_setup(fds[RUN_FD_CTL], err);
    if (unshare(CLONE_NEWCGROUP) != 0) {
        box_fail(err, sizeof err, "unshare cgroup namespace");
        fail_setup(BOX_FD_CTL, err);
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) {
        box_fail(err, sizeof err, "sigprocmask");
        fail_setup(BOX_FD_CTL, err);
    }
    if (bind_stdio(err, sizeof err) != 0
        || chdir(MOUNT_WORK_DIR) != 0
        || identity_drop(p->uid, p->gid, err, sizeof err) != 0
        || rlimit_apply(&a->req->limits, p->without_cgroup, err, sizeof err) != 0
        || (listener = filter_install(p->filter, err, sizeof err)) < 0)
        fail_setup(BOX_FD_CTL, err);
    if (sync_send_fd(BOX_FD_CTL, listener) != 0)
        fail_setup(BOX_FD_CTL, "send seccomp listener");
    close(listener);
    /* the channel takes the control socket's place, kept across exec */
    if (a->req->channel && (dup2(BOX_FD_CHANNEL, BOX_FD_CTL) < 0 || close(BOX_FD_CHANNEL) != 0))
        fail_setup(BOX_FD_CTL, "place the channel");
    execve(a->argv[0], (char *const *)a->argv, (char *const *)a->env);
    box_fail(err, sizeof err, "execve %s", a->argv[0]);
    fail_setup(BOX_FD_CTL, err);
}

struct run_usage {
    long cpu_us, maxrss_kb;
};

static void add_usage(struct run_usage *u, const struct rusage *ru)
{
    u->cpu_us += (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000L
               + ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
    if (ru->ru_maxrss > u->maxrss_kb)
        u->maxrss_kb = ru->ru_maxrss;
}

/* Reaps until the program ended, then kills everything it left behind
 * (orphans, background processes) and reaps them too: no process of one
 * run sees the next. Returns the program's wait status. */
static int reap_run(pid_t program, struct run_usage *u)
{
    int status = -1;
    bool program_done = false;
    for (;;) {
        int st;
        struct rusage ru;
        pid_t w = wait4(-1, &st, __WALL, &ru);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return status;   /* ECHILD: nothing of the run is left */
        add_usage(u, &ru);
        if (w == program) {
            status = st;
            program_done = true;
        }
        if (program_done)
            kill(-1, SIGKILL);
    }
}

struct program_start {
    const struct box_plan *plan;
    const struct run_args *args;
    const int *fds;
    int nfds;
};

static int program_entry(void *arg)
{
    const struct program_start *s = arg;
    program_main(s->plan, s->args, s->fds, s->nfds);
}

#ifndef __SANITIZE_ADDRESS__
/* The program shares the keeper's memory until it execs (vfork-style), so
 * no copy of the daemon's address space is made and torn down per run; the
 * keeper is suspended meanwhile and the program runs on this stack. */
static char program_stack[256 * 1024] __attribute__((aligned(64)));

static pid_t start_program(struct program_start *s)
{
    return clone(program_entry, program_stack + sizeof program_stack,
                 CLONE_VM | CLONE_VFORK | SIGCHLD, s);
}
#else
/* ASan cannot follow a CLONE_VM child onto a stack of its own (it warns
 * and may report false positives), so sanitizer builds fork instead. */
static pid_t start_program(struct program_start *s)
{
    pid_t pid = _Fork();
    if (pid == 0)
        program_entry(s);
    return pid;
}
#endif

/* cgroup v2: the program is born in the run's cgroup (clone3 with
 * CLONE_INTO_CGROUP, Linux 5.7) instead of moving itself in, which
 * write-locks every thread group of the machine and waits for an RCU
 * grace period (cgroup.h). A fork, not CLONE_VM: clone3 starts a CLONE_VM
 * child on a stack of its own, which C code cannot continue on. */
static pid_t start_program_in(struct program_start *s, int cgroup)
{
    struct clone_args args = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
                              .cgroup = (__u64)cgroup};
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        program_entry(s);
    return pid;
}

/* One run request: fresh /tmp and /box, the program, its reaping. */
static void serve_run(const struct box_plan *p)
{
    char err[sizeof ((struct sync_msg *)0)->text];
    struct run_request req;
    struct run_args args;
    int fds[NS_MAX_FDS], nfds = NS_MAX_FDS;
    long len = ns_recv(KEEPER_FD_SOCK, &req, sizeof req, fds, &nfds);
    if (len <= 0)
        _exit(0);   /* the daemon closed the slot */
    if (unpack(&args, &req, len) != 0 || nfds != RUN_NFDS + req.channel + (int)req.ncgroups
        || (req.born_in_cgroup && req.ncgroups != 1))
        _exit(127);
    int ctl = fds[RUN_FD_CTL];
    if (mount_run_dirs(&req.limits, req.job_dir_writable, p->uid, p->gid, KEEPER_FD_JOB,
                       err, sizeof err) != 0)
        fail_setup(ctl, err);
    /* born in its cgroup, the program has no cgroup file to join */
    int own = RUN_NFDS + req.channel;
    struct program_start start = {.plan = p, .args = &args, .fds = fds,
                                  .nfds = req.born_in_cgroup ? own : nfds};
    pid_t program = req.born_in_cgroup ? start_program_in(&start, fds[own])
                                       : start_program(&start);
    ns_close_fds(fds + RUN_FD_IN, nfds - RUN_FD_IN);
    if (program < 0) {
        box_fail(err, sizeof err, "fork program");
        fail_setup(ctl, err);
    }
    struct run_usage usage = {0};
    int status = reap_run(program, &usage);
    int cleared = mount_clear_run_dirs(err, sizeof err) == 0 && ipc_clear(err, sizeof err) == 0
                ? 0 : -1;
    sync_send_status(ctl, status, usage.cpu_us, usage.maxrss_kb);
    if (cleared != 0)
        fail_setup(ctl, err);   /* the parent starts a new keeper */
    close(ctl);
}

void init_main(const struct box_plan *parent_plan)
{
    char err[sizeof ((struct sync_msg *)0)->text];
    default_signals();
    int keep[] = {parent_plan->sock_fd, parent_plan->job_dir_fd};
    if (take_fds(keep, 2, KEEPER_FD_SOCK, err, sizeof err) != 0)
        _exit(127);   /* the slot socket may not be in place yet */
    struct box_plan plan = *parent_plan;
    plan.sock_fd = KEEPER_FD_SOCK, plan.job_dir_fd = KEEPER_FD_JOB;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fail_setup(KEEPER_FD_SOCK, "prctl");
    int job = mount_build_root(&plan, err, sizeof err);
    if (job < 0)
        fail_setup(KEEPER_FD_SOCK, err);
    if (dup3(job, KEEPER_FD_JOB, O_CLOEXEC) < 0 || close(job) != 0) {
        box_fail(err, sizeof err, "keep job dir");
        fail_setup(KEEPER_FD_SOCK, err);
    }
    if (sethostname(BOX_HOSTNAME, sizeof BOX_HOSTNAME - 1) != 0) {
        box_fail(err, sizeof err, "sethostname");
        fail_setup(KEEPER_FD_SOCK, err);
    }
    /* the keeper never execs: its own capabilities stay */
    if (identity_drop_bounding_set(err, sizeof err) != 0)
        fail_setup(KEEPER_FD_SOCK, err);
    if (sync_send(KEEPER_FD_SOCK, SYNC_READY, 0, NULL) != 0)
        _exit(127);
    for (;;)
        serve_run(&plan);
}
