/* elapsed: milliseconds on the monotonic clock since a start time. */
#ifndef CODERUN_ELAPSED_H
#define CODERUN_ELAPSED_H

#include <time.h>

double elapsed_ms(const struct timespec *since);

#endif
