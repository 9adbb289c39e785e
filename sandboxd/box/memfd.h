/* memfd: bytes handed to another process as a descriptor. */
#ifndef CODERUN_MEMFD_H
#define CODERUN_MEMFD_H

#include <stddef.h>

/* A sealed memfd holding len bytes of data, read from its start: any size,
 * NUL bytes included, no writer to block, and nobody can change it.
 * Close-on-exec. -1 with errno on failure. */
int memfd_sealed(const char *name, const void *data, size_t len);

#endif
