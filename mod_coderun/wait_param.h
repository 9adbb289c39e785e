/* The ?wait=S query parameter of the result endpoints. */
#ifndef CODERUN_WAIT_PARAM_H
#define CODERUN_WAIT_PARAM_H

#define WAIT_MAX_SECONDS 30

/* Milliseconds to long-poll from the query string args (may be NULL):
 * 0 when absent; -1 when wait is not a number in [0, WAIT_MAX_SECONDS]. */
int wait_param_ms(const char *args);

#endif
