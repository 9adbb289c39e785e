#define _GNU_SOURCE
#include "box/identity.h"
#include "box/boxerr.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Walks every capability the running kernel knows (PR_CAPBSET_READ fails
 * past the last), so capabilities newer than our headers are dropped too. */
int identity_drop_bounding_set(char *err, size_t errlen)
{
    for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            return box_fail(err, errlen, "drop capability %d from bounding set", cap);
    return 0;
}

static int clear_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2] = {{0}};
    if (syscall(SYS_capset, &hdr, data) != 0)
        return box_fail(err, errlen, "capset");
    return 0;
}

int identity_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
    if (uid == 0 || gid == 0) {
        errno = 0;
        return box_fail(err, errlen, "refusing to run the box as uid/gid 0");
    }
    /* the keeper emptied it once for all its runs: checked, not redone */
    if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0) {
        errno = 0;
        return box_fail(err, errlen, "capability bounding set not dropped");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return box_fail(err, errlen, "clear ambient capabilities");
    /* Raw calls: glibc's wrappers would signal the daemon's threads, which
     * exist only in this process's copy of its memory. */
    if (syscall(SYS_setgroups, 0, NULL) != 0)
        return box_fail(err, errlen, "setgroups");
    if (syscall(SYS_setresgid, gid, gid, gid) != 0)
        return box_fail(err, errlen, "setresgid %u", (unsigned)gid);
    if (syscall(SYS_setresuid, uid, uid, uid) != 0)
        return box_fail(err, errlen, "setresuid %u", (unsigned)uid);
    /* setresuid away from 0 cleared permitted/effective; this clears the
     * inheritable set, which survives it. */
    if (clear_capabilities(err, errlen) != 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return box_fail(err, errlen, "no_new_privs");
    /* Verify rather than trust: regaining root must be impossible now. */
    if (syscall(SYS_setresuid, 0, 0, 0) == 0 || getuid() != uid || getegid() != gid) {
        errno = 0;
        return box_fail(err, errlen, "identity change did not stick");
    }
    return 0;
}
