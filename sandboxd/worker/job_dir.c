/* job_dir: a slot's job directory on the host — a tmpfs of disk_mb mounted
 * while the slot is in use, emptied and written per job as root, and
 * checked to be readable by the slot's uid. */
#define _GNU_SOURCE   /* asprintf */
#include "worker/job_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Mounting and unmounting the slots' job dirs happen under a lock on
 * box_dir: a `sandboxd run --standalone` may share its slot with serve's
 * run socket. */
static int lock_box_dir(const struct runner *r)
{
    int fd = open(r->box->box_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The slot's job dir is a tmpfs of disk_mb: whatever a job writes, its
 * compile step included, is capped there and never reaches the host's
 * disk, and the box's mountinfo shows no host path for it. Each process
 * using it holds a shared lock on box_dir/slot-N.users (use_fd; not on the
 * dir, which a one-shot run locks for itself); the last one unmounts it. */
int job_dir_mount(struct runner *r, uid_t id)
{
    int parent = lock_box_dir(r);
    if (parent < 0)
        return -1;
    struct stat above, here;
    char options[96];
    int rc = fstat(parent, &above) == 0 && stat(r->job_dir, &here) == 0 ? 0 : -1;
    if (rc == 0 && here.st_dev != above.st_dev) {
        /* mounted already: only its size may have changed */
        snprintf(options, sizeof options, "size=%um", r->box->disk_mb);
        rc = mount(NULL, r->job_dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, options);
    } else if (rc == 0) {
        snprintf(options, sizeof options, "size=%um,mode=0755,uid=%u,gid=%u",
                 r->box->disk_mb, (unsigned)id, (unsigned)id);
        rc = mount("tmpfs", r->job_dir, "tmpfs", MS_NOSUID | MS_NODEV, options);
    }
    if (rc == 0) {
        char users[sizeof r->job_dir + 8];
        snprintf(users, sizeof users, "%s.users", r->job_dir);
        r->use_fd = open(users, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        rc = r->use_fd >= 0 ? flock(r->use_fd, LOCK_SH | LOCK_NB) : -1;
    }
    close(parent);   /* and the lock with it */
    return rc;
}

void job_dir_unmount(struct runner *r)
{
    int parent = r->use_fd >= 0 ? lock_box_dir(r) : -1;
    if (parent >= 0 && flock(r->use_fd, LOCK_EX | LOCK_NB) == 0)
        umount2(r->job_dir, MNT_DETACH);
    if (r->use_fd >= 0)
        close(r->use_fd);
    r->use_fd = -1;
    if (parent >= 0)
        close(parent);
}

/* Remove everything below dirfd without following links the previous
 * job's compile step may have planted. */
int job_dir_empty(int dirfd)
{
    int fd = dup(dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d);
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd, e->d_name, 0) == 0)
            continue;
        int sub = errno == EISDIR
            ? openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        if (sub < 0 || job_dir_empty(sub) != 0 || unlinkat(dirfd, e->d_name, AT_REMOVEDIR) != 0)
            rc = -1;
        if (sub >= 0)
            close(sub);
    }
    closedir(d);
    return rc;
}

static int write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

int job_dir_write(const struct runner *r, const char *name, const char *text,
                  char *err, size_t errlen)
{
    int fd = text ? openat(r->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                           0644) : -1;
    /* 0644 whatever the umask: the box reads it as the slot's uid. */
    int rc = fd >= 0 && fchmod(fd, 0644) == 0 ? write_all(fd, text, strlen(text)) : -1;
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc != 0)
        snprintf(err, errlen, "cannot write %s/%s: %s", r->job_dir, name, strerror(errno));
    return rc;
}

/* Whether the slot's uid can open name in the job dir, checked by this
 * thread alone: setfsuid is per thread, and a non-zero fsuid drops the
 * capabilities that would override the modes. The kernel decides, with
 * the same modes, ACLs and LSM rules the box meets. */
int job_dir_readable(const struct runner *r, const char *name, char *err, size_t errlen)
{
    uid_t id = r->box->uid_base + r->slot;
    syscall(SYS_setfsgid, id);
    syscall(SYS_setfsuid, id);
    int fd = openat(r->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    snprintf(err, errlen, "the sandbox's uid %u cannot open %s/%s: %s",
             (unsigned)id, r->job_dir, name, strerror(saved));
    return -1;
}

/* A compile step that failed with its job dir full, or that said ENOSPC
 * (a linker removes the output it could not finish), ran out of disk_mb.
 * The box's other writable place, /tmp, says the same when full. */
static bool out_of_disk(const struct runner *r, const char *compiler_said)
{
    struct statfs st;
    return (fstatfs(r->dir_fd, &st) == 0 && st.f_bavail == 0)
        || (compiler_said && strstr(compiler_said, strerror(ENOSPC)));
}

void job_dir_note_quota(const struct runner *r, char **text)
{
    char *both = NULL;
    if (!out_of_disk(r, *text))
        return;
    if (asprintf(&both, "disk quota exceeded: the job's files may take %u MB%s%s",
                 r->box->disk_mb, *text && **text ? "\n" : "", *text ? *text : "") < 0)
        return;
    free(*text);
    *text = both;
}

