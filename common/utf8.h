/* utf8: make program output storable in PostgreSQL text columns. */
#ifndef CODERUN_UTF8_H
#define CODERUN_UTF8_H

#include <stddef.h>

/* A malloc'd NUL-terminated copy of s[0..len) in which every NUL byte and
 * every byte of an invalid UTF-8 sequence (overlong, surrogate, beyond
 * U+10FFFF, truncated) is replaced by U+FFFD. NULL only when out of memory. */
char *utf8_sanitize(const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t utf8_sequence(const unsigned char *s, size_t avail);

#endif
