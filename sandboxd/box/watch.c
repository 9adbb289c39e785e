/* watch: a run from its start until the box closed its output and control
 * channels: output caps, wall and CPU limits, forbidden calls, the
 * keeper's report of the program's status. */
#define _GNU_SOURCE
#include "box/run.h"
#include "box/init.h"
#include "box/seccomp.h"
#include "common/elapsed.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>

#define CPU_CHECK_MS 25
/* A warm server reports a killed input at once; one that does not (stopped
 * by its input, say) takes the whole box down after this long. */
#define WARM_REPORT_MS 500

/* Killing the keeper, pid 1 of the box, makes the kernel kill its whole pid
 * namespace; the slot starts a new keeper for its next run. An input of a
 * warm server is killed through its cgroup: server and keeper stay. */
void run_kill(struct run *r)
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
        run_kill(r);
    }
}

void run_read_control(struct run *r)
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
    run_kill(r);
}

static void check_cpu(struct run *r)
{
    struct cg_stats st;
    if (r->cg.ndirs > 0 && cg_slot_stats(&r->cg, &st) == 0 && st.cpu_ms > r->spec->limits.cpu_ms) {
        r->cpu_exceeded = true;
        run_kill(r);
    }
}

/* Until the box has closed its output and control channels. */
void run_watch(struct run *r)
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
            run_read_control(r);
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
            run_kill(r);
        }
        if (!r->killed && elapsed_ms(&r->start) > r->spec->limits.wall_ms) {
            r->wall_exceeded = true;
            run_kill(r);
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
