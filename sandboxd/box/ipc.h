/* ipc: SysV IPC objects outlive the processes that made them; they live in
 * the keeper's ipc namespace, so each run's are removed before the next. */
#ifndef CODERUN_IPC_H
#define CODERUN_IPC_H

#include <stddef.h>

/* Removes every shared memory segment, semaphore set and message queue of
 * this ipc namespace. Cheap when there are none (one call per kind). */
int ipc_clear(char *err, size_t errlen);

#endif
