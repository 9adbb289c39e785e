#define _GNU_SOURCE
#include "box/boxerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int box_fail(char *err, size_t errlen, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start above */
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (saved && n >= 0 && (size_t)n < errlen) {
        const char *desc = strerrordesc_np(saved);
        snprintf(err + n, errlen - (size_t)n, ": %s", desc ? desc : "unknown error");
    }
    errno = saved;
    return -1;
}
