/* runsock: the run socket, box_dir/run.sock. A serve daemon listens on it
 * for root only; `sandboxd run` with the same box_dir hands its run over
 * there and prints what comes back, so the run starts in a box serve keeps
 * built between runs instead of one built and torn down for a single run.
 * Request: struct oneshot with the code and the input as sealed memfds.
 * Reply: the exit status with the output and error text as sealed memfds. */
#ifndef CODERUN_RUNSOCK_H
#define CODERUN_RUNSOCK_H

#include "worker/oneshot.h"

/* Listens on box_dir's run socket (mode 0600), replacing a stale one.
 * The socket's fd, or -1 with err. */
int runsock_listen(const char *box_dir, char *err, size_t errlen);

/* Stops listening: closes fd and removes the socket. */
void runsock_close(int fd, const char *box_dir);

/* Takes one connection waiting on fd: a peer that is not root is turned
 * away; a request (in *o) runs with oneshot_run in r's box and its outcome
 * goes back. The run's exit status, or -1 with err. */
int runsock_serve(int fd, struct runner *r, const struct lang_table *langs,
                  struct oneshot *o, char *err, size_t errlen);

/* The client: 1 when nothing listens for box_dir (run it yourself), 0 when
 * serve ran it (its output and error text written to stdout and stderr,
 * the exit status in *status), -1 with err when the hand-over failed. */
int runsock_call(const char *box_dir, const struct oneshot *o, const char *code,
                 size_t code_len, const char *input, size_t len, int *status,
                 char *err, size_t errlen);

#endif
