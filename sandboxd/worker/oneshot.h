/* oneshot: `sandboxd run`'s work — one program in a slot's box, compiled
 * first if its language needs it, the result printed as JSON. The command
 * does it in its own box, or hands it to a running serve over the run
 * socket (runsock.h), which does it in a box kept warm between runs. */
#ifndef CODERUN_ONESHOT_H
#define CODERUN_ONESHOT_H

#include "worker/lang.h"
#include "worker/runner.h"

#include <limits.h>
#include <stdio.h>

/* Plain arrays: the request goes over the run socket as it is. */
struct oneshot {
    char lang[64];           /* "" picks the language by the file's name */
    char mode[16];           /* program, function, problem */
    char file[PATH_MAX];     /* where the code came from */
    unsigned time_ms, memory_mb, output_kb;
    unsigned repeat;         /* > 1 adds the median time of a whole run */
};

/* Runs code with input on stdin o->repeat times in r's box; the result (or
 * the compile step's, when it failed) goes to out as JSON, an error to err.
 * Returns the command's exit status. One at a time per slot dir: it holds
 * the dir's lock. */
int oneshot_run(struct runner *r, const struct lang_table *langs, const struct oneshot *o,
                const char *code, const char *input, size_t len, FILE *out, FILE *err);

#endif
