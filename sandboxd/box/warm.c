/* warm: function mode's warm server (box.h): its own run, started and left
 * running until box_warm_stop; each input is a run of its own that the
 * server forks a child for, watched like any run and killed through its
 * cgroup. */
#define _GNU_SOURCE
#include "box/run.h"
#include "box/boxerr.h"
#include "common/elapsed.h"

#include <poll.h>
#include <stdlib.h>

/* The server is ready once its seccomp listener arrived: it execs next. */
static int await_listener(struct run *r)
{
    while (r->listener < 0 && r->ctl >= 0 && !r->setup_failed) {
        struct pollfd pfd = {.fd = r->ctl, .events = POLLIN};
        double left = r->spec->limits.wall_ms - elapsed_ms(&r->start);
        if (left <= 0 || poll(&pfd, 1, (int)left + 1) != 1)
            return -1;
        run_read_control(r);
    }
    return r->listener >= 0 && !r->setup_failed ? 0 : -1;
}

struct box_warm *box_warm_start(const struct box_config *cfg, struct box_slot *slot,
                                const struct box_spec *spec)
{
    /* an input's CPU, memory and leftovers are its cgroup's */
    if (!run_has_cgroup())
        return NULL;
    struct box_warm *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    w->cfg = cfg;
    w->spec = *spec;
    run_init(&w->server, &w->spec, slot);
    w->server.with_channel = true;
    run_begin(&w->server, cfg);
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
    if (run_hand_over(r, r->warm->server.channel, &request, 1, r->warm->server.pid) != 0)
        return box_fail(err, errlen, "send the input to the warm server");
    return 0;
}

bool box_warm_run(struct box_warm *w, const struct box_spec *spec, struct box_result *res)
{
    struct run r;
    char err[sizeof r.reason] = "";
    run_init(&r, spec, w->server.slot);
    r.warm = w;
    if (run_prepare(&r, w->cfg, err, sizeof err) != 0 || hand_input(&r, err, sizeof err) != 0)
        run_setup_failed(&r, err);
    run_end(&r, res);
    return r.have_status;
}

void box_warm_stop(struct box_warm *w)
{
    if (!w)
        return;
    struct box_result res;
    close_fd(&w->server.channel);   /* the server's loop ends */
    clock_gettime(CLOCK_MONOTONIC, &w->server.start);   /* a wall limit to exit in */
    run_end(&w->server, &res);
    box_result_free(&res);
    free(w);
}
