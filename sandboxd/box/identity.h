/* identity: turn the (root) box process into the slot's unprivileged user
 * for good: no groups, no capabilities in any set, no_new_privs. */
#ifndef CODERUN_IDENTITY_H
#define CODERUN_IDENTITY_H

#include <stddef.h>
#include <sys/types.h>

/* Empties the capability bounding set (what an execve could ever regain):
 * the keeper does it once, before its first run. */
int identity_drop_bounding_set(char *err, size_t errlen);

/* Requires the bounding set dropped already. */
int identity_drop(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
