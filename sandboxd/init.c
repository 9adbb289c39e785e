#define _GNU_SOURCE
#include "init.h"
#include "boxerr.h"
#include "identity.h"
#include "mount.h"
#include "ns.h"
#include "rlimit.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOX_HOSTNAME "box"

/* Reports a failed setup step to the parent and ends this process. */
__attribute__((noreturn)) static void fail_setup(const char *reason)
{
    sync_send(BOX_FD_CTL, SYNC_ERROR, 0, reason);
    _exit(127);
}

/* Moves the run's descriptors to BOX_FD_* and closes everything else the
 * daemon had open (database sockets, other slots' pipes). */
static int take_fds(const struct box_plan *p, char *err, size_t errlen)
{
    int src[] = {p->ctl_fd, p->in_fd, p->out_fd, p->err_fd, p->job_dir_fd};
    int high[sizeof src / sizeof *src];
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
        if ((high[i] = fcntl(src[i], F_DUPFD_CLOEXEC, BOX_FD_FIRST_FREE + 16)) < 0)
            return box_fail(err, errlen, "dup descriptor");
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
        if (dup3(high[i], BOX_FD_CTL + (int)i, O_CLOEXEC) < 0)
            return box_fail(err, errlen, "dup3 descriptor");
    if (close_range(BOX_FD_FIRST_FREE, ~0U, 0) != 0)
        return box_fail(err, errlen, "close_range");
    return 0;
}

static int reset_signals(char *err, size_t errlen)
{
    sigset_t none;
    sigemptyset(&none);
    /* exec keeps ignored signals ignored (the daemon ignores SIGPIPE) */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
        return box_fail(err, errlen, "sigprocmask");
    return 0;
}

static int bind_stdio(char *err, size_t errlen)
{
    if (dup2(BOX_FD_IN, 0) < 0 || dup2(BOX_FD_OUT, 1) < 0 || dup2(BOX_FD_ERR, 2) < 0)
        return box_fail(err, errlen, "dup2 stdio");
    if (close_range(BOX_FD_IN, ~0U, 0) != 0)
        return box_fail(err, errlen, "close_range");
    return 0;
}

/* Pid 2: the program. Everything after identity_drop runs unprivileged. */
__attribute__((noreturn)) static void program_main(const struct box_plan *p)
{
    char err[sizeof ((struct sync_msg *)0)->text];
    int listener = -1;
    if (reset_signals(err, sizeof err) != 0
        || bind_stdio(err, sizeof err) != 0
        || chdir(MOUNT_WORK_DIR) != 0
        || identity_drop(p->uid, p->gid, err, sizeof err) != 0
        || rlimit_apply(&p->spec->limits, p->without_cgroup, err, sizeof err) != 0
        || (listener = filter_install(p->filter, err, sizeof err)) < 0)
        fail_setup(err);
    if (sync_send_fd(BOX_FD_CTL, listener) != 0)
        fail_setup("send seccomp listener");
    close(listener);
    execve(p->spec->argv[0], (char *const *)p->spec->argv, (char *const *)p->spec->env);
    box_fail(err, sizeof err, "execve %s", p->spec->argv[0]);
    fail_setup(err);
}

/* Reaps until the program itself ended; orphans are reaped on the way so
 * their CPU time shows in the rusage the parent collects. */
static int wait_program(pid_t program)
{
    for (;;) {
        int status;
        pid_t w = waitpid(-1, &status, __WALL);
        if (w == program)
            return status;
        if (w < 0 && errno != EINTR)
            return -1;
    }
}

void init_main(const struct box_plan *parent_plan)
{
    char err[sizeof ((struct sync_msg *)0)->text];
    sigset_t all;
    sigfillset(&all);
    /* the daemon's handlers were copied by clone; none may run here */
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (take_fds(parent_plan, err, sizeof err) != 0)
        _exit(127);   /* the control socket may not be in place yet */
    struct box_plan plan = *parent_plan;
    plan.ctl_fd = BOX_FD_CTL, plan.in_fd = BOX_FD_IN, plan.out_fd = BOX_FD_OUT;
    plan.err_fd = BOX_FD_ERR, plan.job_dir_fd = BOX_FD_JOB;
    const struct box_plan *p = &plan;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fail_setup("prctl");

    if (mount_build_root(p, err, sizeof err) != 0)
        fail_setup(err);
    if (sethostname(BOX_HOSTNAME, sizeof BOX_HOSTNAME - 1) != 0) {
        box_fail(err, sizeof err, "sethostname");
        fail_setup(err);
    }
    /* The parent moves us into the slot's cgroup only now, so the cgroup's
     * CPU and memory count the program, not the sandbox setup. */
    struct sync_msg go;
    if (sync_send(BOX_FD_CTL, SYNC_READY, 0, NULL) != 0
        || sync_recv(BOX_FD_CTL, &go, NULL) != 1 || go.type != SYNC_GO)
        _exit(127);   /* the parent gave up (e.g. cgroup attach failed) */
    if (unshare(CLONE_NEWCGROUP) != 0) {
        box_fail(err, sizeof err, "unshare cgroup namespace");
        fail_setup(err);
    }
    pid_t program = _Fork();
    if (program < 0) {
        box_fail(err, sizeof err, "fork program");
        fail_setup(err);
    }
    if (program == 0)
        program_main(p);
    close_range(0, 2, 0);
    close_range(BOX_FD_IN, ~0U, 0);
    int status = wait_program(program);
    sync_send(BOX_FD_CTL, SYNC_STATUS, status, NULL);
    _exit(0);
}
