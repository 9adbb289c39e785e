/* warm: function mode's warm server (box.h): its own run, started and left
 * running until box_warm_stop; each input is a run of its own that the
 * server forks a child for, watched like any run and killed through its
 * cgroup. An input that left a file behind gets the next input a fresh
 * server, so nothing of one input reaches the next. */
#define _GNU_SOURCE
#include "box/run.h"
#include "box/boxerr.h"
#include "box/keeper.h"
#include "box/mount.h"
#include "common/elapsed.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void server_stop(struct box_warm *w);

static int server_start(struct box_warm *w, struct box_slot *slot)
{
    run_init(&w->server, &w->spec, slot);
    w->server.with_channel = true;
    w->up = true;
    run_begin(&w->server, w->cfg);
    if (!w->server.setup_failed && await_listener(&w->server) == 0)
        return 0;
    server_stop(w);
    return -1;
}

static void server_stop(struct box_warm *w)
{
    struct box_result res;
    if (!w->up)
        return;
    w->up = false;
    close_fd(&w->server.channel);   /* the server's loop ends */
    clock_gettime(CLOCK_MONOTONIC, &w->server.start);   /* a wall limit to exit in */
    run_end(&w->server, &res);
    box_result_free(&res);
}

/* Entries of the directory at path below dirfd, -1 when it cannot be read. */
static long entries(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    long n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
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
    int job = job_dir_open(spec);
    w->job_files = job >= 0 ? entries(job, ".") : -1;
    if (job >= 0)
        close(job);
    if (server_start(w, slot) == 0)
        return w;
    free(w);
    return NULL;
}

/* The input left nothing: /tmp is empty and the work dir holds the job's
 * files only (their binds can be neither removed nor renamed). Seen
 * through the keeper's root, where the server's mounts are. */
static bool left_nothing(const struct box_warm *w)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/root", (int)w->server.pid);
    int root = w->server.pid > 0 ? open(path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    bool clean = root >= 0 && w->job_files >= 0 && entries(root, "tmp") == 0
              && entries(root, MOUNT_WORK_DIR + 1) == w->job_files;
    if (root >= 0)
        close(root);
    return clean;
}

/* The input's descriptors and cgroup files go to the server, which
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
    if (!w->up) {
        memset(res, 0, sizeof *res);
        return false;
    }
    run_init(&r, spec, w->server.slot);
    r.warm = w;
    if (run_prepare(&r, w->cfg, err, sizeof err) != 0 || hand_input(&r, err, sizeof err) != 0)
        run_setup_failed(&r, err);
    run_end(&r, res);
    /* a server that did not come back leaves the next input to a cold run */
    if (r.have_status && !left_nothing(w)) {
        server_stop(w);
        server_start(w, w->server.slot);
    }
    return r.have_status;
}

void box_warm_stop(struct box_warm *w)
{
    if (!w)
        return;
    server_stop(w);
    free(w);
}
