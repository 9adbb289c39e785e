#define _GNU_SOURCE
#include "box/mount.h"
#include "box/boxerr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The runtime trees; absent ones (no /lib64 on some arches) are skipped. */
static const char *const system_paths[] = {"/usr", "/bin", "/sbin", "/lib", "/lib64", NULL};

/* What dynamic linking, locale/time and alternatives-managed runtimes read
 * from /etc. Never passwd/shadow/ssl keys: those are the host's. */
static const char *const etc_paths[] = {
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
    "/etc/localtime", "/etc/nsswitch.conf", NULL,
};

#define RO_FLAGS (MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)

struct root {
    const char *dir;   /* host path where the new root is mounted */
    char *err;
    size_t errlen;
};

static int path_in_root(const struct root *r, const char *path, char *out)
{
    if (snprintf(out, PATH_MAX, "%s%s", r->dir, path) >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return box_fail(r->err, r->errlen, "path %s", path);
    }
    return 0;
}

/* Creates path's missing parents inside the new root, then path itself as a
 * directory or an empty file to mount over. The new root is our own fresh
 * tmpfs, so nothing untrusted can have planted symlinks in it. */
static int make_mountpoint(const struct root *r, const char *path, bool is_dir)
{
    char full[PATH_MAX];
    if (path_in_root(r, path, full) != 0)
        return -1;
    for (char *slash = full + strlen(r->dir) + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = '\0';
        int rc = mkdir(full, 0755);
        *slash = '/';
        if (rc != 0 && errno != EEXIST)
            return box_fail(r->err, r->errlen, "mkdir parent of %s", path);
    }
    if (is_dir) {
        if (mkdir(full, 0755) != 0 && errno != EEXIST)
            return box_fail(r->err, r->errlen, "mkdir %s", path);
        return 0;
    }
    int fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return box_fail(r->err, r->errlen, "create %s", path);
    close(fd);
    return 0;
}

/* Binds host src at dst inside the root and applies remount_flags. */
static int bind_at(const struct root *r, const char *src, const char *dst, bool is_dir,
                   unsigned long remount_flags)
{
    char full[PATH_MAX];
    if (make_mountpoint(r, dst, is_dir) != 0 || path_in_root(r, dst, full) != 0)
        return -1;
    if (mount(src, full, NULL, MS_BIND, NULL) != 0)
        return box_fail(r->err, r->errlen, "bind %s", dst);
    if (mount(NULL, full, NULL, remount_flags, NULL) != 0)
        return box_fail(r->err, r->errlen, "remount %s", dst);
    return 0;
}

/* Host path, same place inside, read-only. A symlink (merged /usr: /bin ->
 * usr/bin) is recreated as the same symlink instead of being followed. */
static int bind_host_path(const struct root *r, const char *path, bool required)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (!required && errno == ENOENT)
            return 0;
        return box_fail(r->err, r->errlen, "stat %s", path);
    }
    if (!S_ISLNK(st.st_mode))
        return bind_at(r, path, path, S_ISDIR(st.st_mode), RO_FLAGS);
    char target[PATH_MAX], full[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return box_fail(r->err, r->errlen, "readlink %s", path);
    target[n] = '\0';
    if (path_in_root(r, path, full) != 0)
        return -1;
    if (symlink(target, full) != 0)
        return box_fail(r->err, r->errlen, "symlink %s", path);
    return 0;
}

/* Binds what fd refers to at dst through its /proc/self/fd link: the bind
 * follows the descriptor, not a path something could have replaced. */
static int bind_fd_at(const struct root *r, int fd, const char *dst, bool is_dir,
                      unsigned long remount_flags)
{
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    return bind_at(r, src, dst, is_dir, remount_flags);
}

static int mount_tmpfs(const struct root *r, const char *path, unsigned long flags,
                       const char *options)
{
    char full[PATH_MAX];
    if (make_mountpoint(r, path, true) != 0 || path_in_root(r, path, full) != 0)
        return -1;
    if (mount("tmpfs", full, "tmpfs", flags, options) != 0)
        return box_fail(r->err, r->errlen, "mount tmpfs %s", path);
    return 0;
}

static int write_file(const struct root *r, const char *path, const char *text)
{
    char full[PATH_MAX];
    if (path_in_root(r, path, full) != 0)
        return -1;
    int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return box_fail(r->err, r->errlen, "create %s", path);
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    close(fd);
    if (n != (ssize_t)len)
        return box_fail(r->err, r->errlen, "write %s", path);
    return 0;
}

/* /etc holds the runtime's files plus a passwd/group naming only the box
 * user, so getpwuid() works without showing the host's accounts. */
static int build_etc(const struct root *r, const struct box_plan *p)
{
    char passwd[160], group[96];
    snprintf(passwd, sizeof passwd,
             "root:x:0:0:root:/:/usr/sbin/nologin\nbox:x:%u:%u:box:%s:/usr/sbin/nologin\n",
             (unsigned)p->uid, (unsigned)p->gid, MOUNT_WORK_DIR);
    snprintf(group, sizeof group, "root:x:0:\nbox:x:%u:\n", (unsigned)p->gid);
    if (make_mountpoint(r, "/etc", true) != 0
        || write_file(r, "/etc/passwd", passwd) != 0
        || write_file(r, "/etc/group", group) != 0)
        return -1;
    for (const char *const *path = etc_paths; *path; path++)
        if (bind_host_path(r, *path, false) != 0)
            return -1;
    return 0;
}

/* What /proc tells of the host (its kernel command line, symbols, keys,
 * timers, scheduler) is hidden under a read-only, unopenable /dev/null, as
 * container runtimes mask it; a path this kernel lacks is skipped. */
static const char *const masked_proc_paths[] = {
    "/proc/cmdline", "/proc/kallsyms", "/proc/keys", "/proc/timer_list",
    "/proc/sched_debug", "/proc/kcore", "/proc/sysrq-trigger", NULL,
};

static int mask_proc(const struct root *r)
{
    char full[PATH_MAX];
    for (const char *const *path = masked_proc_paths; *path; path++) {
        if (path_in_root(r, *path, full) != 0)
            return -1;
        if (access(full, F_OK) != 0)
            continue;
        if (mount("/dev/null", full, NULL, MS_BIND, NULL) != 0
            || mount(NULL, full, NULL, RO_FLAGS, NULL) != 0)
            return box_fail(r->err, r->errlen, "mask %s", *path);
    }
    return 0;
}

static int build_proc(const struct root *r)
{
    char full[PATH_MAX];
    if (make_mountpoint(r, "/proc", true) != 0 || path_in_root(r, "/proc", full) != 0)
        return -1;
    /* hidepid=2: the program sees only its own processes, not pid 1 */
    if (mount("proc", full, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") != 0)
        return box_fail(r->err, r->errlen, "mount /proc");
    return mask_proc(r);
}

static int build_dev(const struct root *r)
{
    static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/urandom", NULL};
    static const char *const links[][2] = {
        {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
        {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    };
    char full[PATH_MAX];
    if (mount_tmpfs(r, "/dev", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755") != 0)
        return -1;
    for (const char *const *dev = devices; *dev; dev++)
        if (bind_at(r, *dev, *dev, false, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC) != 0)
            return -1;
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        if (path_in_root(r, links[i][1], full) != 0)
            return -1;
        if (symlink(links[i][0], full) != 0)
            return box_fail(r->err, r->errlen, "symlink %s", links[i][1]);
    }
    if (path_in_root(r, "/dev", full) != 0)
        return -1;
    if (mount(NULL, full, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        return box_fail(r->err, r->errlen, "remount /dev read-only");
    return 0;
}

/* Binds one entry of the job dir read-only into /box. The entry is opened
 * with O_NOFOLLOW relative to the job dir fd and bound through its
 * /proc/self/fd link, so a symlink planted there cannot redirect the bind;
 * anything but regular files and directories is left out. */
static int bind_job_entry(const struct root *r, int job_fd, const char *name)
{
    struct stat st;
    if (fstatat(job_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return box_fail(r->err, r->errlen, "stat job file %s", name);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return 0;
    int fd = openat(job_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return box_fail(r->err, r->errlen, "open job file %s", name);
    char dst[PATH_MAX];
    int rc = -1;
    if (snprintf(dst, sizeof dst, "%s/%s", MOUNT_WORK_DIR, name) < (int)sizeof dst)
        rc = bind_fd_at(r, fd, dst, S_ISDIR(st.st_mode), RO_FLAGS);
    else
        box_fail(r->err, r->errlen, "job file name too long");
    close(fd);
    return rc;
}

/* Read-only runs: a tmpfs work dir owned by the box user (scratch space
 * counted against the memory cgroup) with the job's files bound read-only.
 * Entries are listed with getdents64 into a stack buffer: no malloc here. */
static int build_readonly_work_dir(const struct root *r, const struct box_limits *lim,
                                   uid_t uid, gid_t gid, int job_fd)
{
    char options[96];
    snprintf(options, sizeof options, "size=%uk,mode=0755,uid=%u,gid=%u",
             lim->tmpfs_kb, (unsigned)uid, (unsigned)gid);
    if (mount_tmpfs(r, MOUNT_WORK_DIR, MS_NOSUID | MS_NODEV, options) != 0)
        return -1;
    int dir = openat(job_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return box_fail(r->err, r->errlen, "open job dir");
    char buf[4096];
    long n;
    int rc = 0;
    while (rc == 0 && (n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0)
        for (long off = 0; rc == 0 && off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
                rc = bind_job_entry(r, dir, d->d_name);
        }
    if (rc == 0 && n < 0)
        rc = box_fail(r->err, r->errlen, "list job dir");
    close(dir);
    return rc;
}

/* Bind sources must be mounts of this namespace: the job dir fd the parent
 * opened lives in the host's, so the dir is reopened here and checked to be
 * the same directory. */
static int reopen_job_dir(const struct root *r, const struct box_plan *p)
{
    struct stat want, got;
    int fd = open(p->spec->job_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return box_fail(r->err, r->errlen, "reopen job dir");
    if (fstat(p->job_dir_fd, &want) != 0 || fstat(fd, &got) != 0
        || want.st_dev != got.st_dev || want.st_ino != got.st_ino) {
        close(fd);
        errno = 0;
        return box_fail(r->err, r->errlen, "job dir changed while opening");
    }
    return fd;
}

/* The job dir is bound into the root once, opened, and covered by an empty
 * read-only tmpfs: each run binds from the descriptor, the program cannot
 * reach it by any path. */
static int stage_job_dir(const struct root *r, const struct box_plan *p)
{
    int host = reopen_job_dir(r, p);
    if (host < 0)
        return -1;
    char full[PATH_MAX];
    int rc = bind_fd_at(r, host, MOUNT_STAGE_DIR, true, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV);
    close(host);
    if (rc != 0 || path_in_root(r, MOUNT_STAGE_DIR, full) != 0)
        return -1;
    int fd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return box_fail(r->err, r->errlen, "open staged job dir");
    if (mount_tmpfs(r, MOUNT_STAGE_DIR, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "size=4k,mode=0") != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int mount_run_dirs(const struct box_limits *lim, bool writable, uid_t uid, gid_t gid,
                   int job_fd, char *err, size_t errlen)
{
    struct root r = {.dir = "", .err = err, .errlen = errlen};
    char options[64];
    snprintf(options, sizeof options, "size=%uk,mode=1777", lim->tmpfs_kb);
    /* the mount points exist in the read-only root: mkdir finds them */
    if (mount_tmpfs(&r, "/tmp", MS_NOSUID | MS_NODEV, options) != 0)
        return -1;
    if (!writable)
        return build_readonly_work_dir(&r, lim, uid, gid, job_fd);
    /* a compile step writes its results into the job dir itself */
    return bind_fd_at(&r, job_fd, MOUNT_WORK_DIR, true, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV);
}

int mount_clear_run_dirs(char *err, size_t errlen)
{
    /* MNT_DETACH takes the job files bound below /box along */
    if (umount2(MOUNT_WORK_DIR, MNT_DETACH) != 0 && errno != EINVAL)
        return box_fail(err, errlen, "unmount %s", MOUNT_WORK_DIR);
    if (umount2("/tmp", MNT_DETACH) != 0 && errno != EINVAL)
        return box_fail(err, errlen, "unmount /tmp");
    return 0;
}

/* pivot_root(".", ".") stacks the old root under the new one; detaching it
 * leaves no path back to the host. */
static int enter_root(const struct root *r)
{
    if (chdir(r->dir) != 0)
        return box_fail(r->err, r->errlen, "chdir new root");
    if (syscall(SYS_pivot_root, ".", ".") != 0)
        return box_fail(r->err, r->errlen, "pivot_root");
    if (umount2(".", MNT_DETACH) != 0)
        return box_fail(r->err, r->errlen, "detach old root");
    if (chdir("/") != 0)
        return box_fail(r->err, r->errlen, "chdir /");
    if (mount(NULL, "/", NULL, RO_FLAGS, NULL) != 0)
        return box_fail(r->err, r->errlen, "remount / read-only");
    return 0;
}

int mount_build_root(const struct box_plan *p, char *err, size_t errlen)
{
    struct root r = {.dir = p->root_dir, .err = err, .errlen = errlen};

    /* nothing mounted below may propagate back to the host */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return box_fail(err, errlen, "make mounts private");
    if (mount("tmpfs", r.dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
        return box_fail(err, errlen, "mount root tmpfs on %s", r.dir);
    for (const char *const *path = system_paths; *path; path++)
        if (bind_host_path(&r, *path, false) != 0)
            return -1;
    if (build_etc(&r, p) != 0)
        return -1;
    for (const char *const *path = p->spec->ro_binds; path && *path; path++)
        if (bind_host_path(&r, *path, true) != 0)
            return -1;
    /* /tmp and the work dir are mounted afresh for every run */
    if (build_proc(&r) != 0
        || build_dev(&r) != 0
        || make_mountpoint(&r, "/tmp", true) != 0
        || make_mountpoint(&r, MOUNT_WORK_DIR, true) != 0)
        return -1;
    int job = stage_job_dir(&r, p);
    if (job < 0 || enter_root(&r) == 0)
        return job;
    close(job);
    return -1;
}
