/* mount: the box's filesystem, built in the child's private mount namespace
 * on a fresh tmpfs and entered with pivot_root; the host root is detached.
 * Inside: /usr /bin /sbin /lib /lib64 and a few /etc files read-only, the
 * language's extra read-only paths, a fresh /proc (hidepid), /dev with null,
 * zero and urandom, a size-capped /tmp and the work dir /box. */
#ifndef CODERUN_MOUNT_H
#define CODERUN_MOUNT_H

#include "init.h"

#include <stddef.h>

#define MOUNT_WORK_DIR "/box"

int mount_build_root(const struct box_plan *plan, char *err, size_t errlen);

#endif
