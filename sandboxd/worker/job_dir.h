/* job_dir: a slot's job directory on the host (runner.h's job_dir). */
#ifndef CODERUN_WORKER_JOB_DIR_H
#define CODERUN_WORKER_JOB_DIR_H

#include "worker/runner.h"

#include <stddef.h>
#include <sys/types.h>

/* Mounts the slot's tmpfs of disk_mb (once for every process using the
 * slot) and holds a share of it in r->use_fd; the last user unmounts it. */
int job_dir_mount(struct runner *r, uid_t owner);
void job_dir_unmount(struct runner *r);

/* Removes everything below dirfd without following links a compile step
 * may have planted. */
int job_dir_empty(int dirfd);

/* Writes name (mode 0644 whatever the umask) into the job dir. */
int job_dir_write(const struct runner *r, const char *name, const char *text,
                  char *err, size_t errlen);

/* Whether the slot's uid can open name, as the box will. */
int job_dir_readable(const struct runner *r, const char *name, char *err, size_t errlen);

/* A failed compile step that ran out of disk_mb: says so before *text. */
void job_dir_note_quota(const struct runner *r, char **text);

#endif
