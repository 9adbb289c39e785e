/* keeper: starts, reuses and stops a slot's keeper (keeper.h). */
#define _GNU_SOURCE
#include "box/keeper.h"
#include "box/boxerr.h"
#include "box/init.h"
#include "box/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT_SUBDIR ".root"
#define KEEPER_START_MS 10000

int job_dir_open(const struct box_spec *spec)
{
    return open(spec->job_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Stops the keeper (its pid namespace goes with it) and reaps it. */
void keeper_stop(struct box_slot *s, struct rusage *ru)
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
int keeper_start(struct box_slot *s, const struct box_config *cfg, const struct box_spec *spec,
                 const struct sock_fprog *filter, bool without_cgroup, char *err, size_t errlen)
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
                            .gid = cfg->uid_base + spec->slot, .filter = filter,
                            .without_cgroup = without_cgroup};
    if (snprintf(root, sizeof root, "%s/%s", cfg->box_dir, ROOT_SUBDIR) >= (int)sizeof root) {
        free(key);
        return box_fail(err, errlen, "box_dir too long");
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        free(key);
        return box_fail(err, errlen, "create slot socket");
    }
    plan.sock_fd = sv[1];
    plan.job_dir_fd = job_dir_open(spec);
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

