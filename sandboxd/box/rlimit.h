/* rlimit: per-process resource limits of the boxed program. They back up
 * the cgroup (CPU seconds, file size, stack, open files, no core dumps) and
 * replace it for memory and processes when no cgroup is writable. */
#ifndef CODERUN_RLIMIT_H
#define CODERUN_RLIMIT_H

#include "box/box.h"

#include <stdbool.h>
#include <stddef.h>

/* without_cgroup: also cap the address space at limits->memory_kb, and
 * the process count with RLIMIT_NPROC; with a cgroup, pids.max caps it and
 * RLIMIT_NPROC stays above as a backstop. */
int rlimit_apply(const struct box_limits *limits, bool without_cgroup,
                 char *err, size_t errlen);

#endif
