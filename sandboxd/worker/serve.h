/* serve: the worker daemon (`sandboxd serve`). */
#ifndef CODERUN_WORKER_SERVE_H
#define CODERUN_WORKER_SERVE_H

#include "worker/config.h"

/* Runs until SIGTERM or SIGINT and the running jobs are written; returns
 * the process exit status. */
int serve(const struct config *cfg);

#endif
