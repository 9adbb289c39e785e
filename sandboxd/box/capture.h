/* capture: bounded buffers for a child's output. Head mode keeps the first
 * cap bytes (stdout); tail mode keeps the last cap bytes (stderr). Memory is
 * fixed at init, so a flood can never grow the daemon. */
#ifndef CODERUN_CAPTURE_H
#define CODERUN_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

struct capture {
    char *buf;        /* cap + 1 bytes, NUL-terminated by capture_take */
    size_t len, cap;
    size_t total;     /* every byte offered, kept or not */
    bool keep_tail;
};

int capture_init(struct capture *c, size_t cap, bool keep_tail);
void capture_add(struct capture *c, const char *data, size_t n);
bool capture_truncated(const struct capture *c);
/* Hands the NUL-terminated buffer to the caller; c is left empty. */
char *capture_take(struct capture *c, size_t *len);
void capture_free(struct capture *c);

#endif
