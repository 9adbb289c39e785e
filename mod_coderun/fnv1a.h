/* fnv1a: FNV-1a hash of a string, for the child's small hash tables. */
#ifndef CODERUN_FNV1A_H
#define CODERUN_FNV1A_H

#include <stdint.h>

static inline uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

#endif
