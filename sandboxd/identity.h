/* identity: turn the (root) box process into the slot's unprivileged user
 * for good: no groups, no capabilities in any set, no_new_privs. */
#ifndef CODERUN_IDENTITY_H
#define CODERUN_IDENTITY_H

#include <stddef.h>
#include <sys/types.h>

int identity_drop(uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
