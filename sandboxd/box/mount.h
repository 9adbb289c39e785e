/* mount: the box's filesystem, built once per keeper in its private mount
 * namespace on a fresh tmpfs and entered with pivot_root; the host root is
 * detached. Inside: /usr /bin /sbin /lib /lib64 and a few /etc files
 * read-only, the language's extra read-only paths, a fresh /proc (hidepid),
 * /dev with null, zero and urandom; per run a size-capped /tmp and the work
 * dir /box, unmounted again when the run is over. */
#ifndef CODERUN_MOUNT_H
#define CODERUN_MOUNT_H

#include "box/init.h"

#include <stdbool.h>
#include <stddef.h>

#define MOUNT_WORK_DIR "/box"
#define MOUNT_STAGE_DIR "/.job"

/* Builds and enters the root. Returns a descriptor of the job dir, staged
 * out of the program's sight, for mount_run_dirs; -1 on failure. */
int mount_build_root(const struct box_plan *plan, char *err, size_t errlen);

/* Inside the root: a fresh /tmp, and /box as either the job dir itself
 * (writable, for a compile step) or a tmpfs with the job's files bound
 * read-only. */
int mount_run_dirs(const struct box_limits *lim, bool writable, uid_t uid, gid_t gid,
                   int job_fd, char *err, size_t errlen);
int mount_clear_run_dirs(char *err, size_t errlen);

#endif
