/* boxerr: setup-step failure messages ("mount /proc: Permission denied").
 * Safe in the cloned child: no malloc, no locale (strerrordesc_np). */
#ifndef CODERUN_BOXERR_H
#define CODERUN_BOXERR_H

#include <stddef.h>

/* Formats the step into err and appends the current errno text when errno
 * is non-zero. Always returns -1 so callers can `return box_fail(...)`. */
int box_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
