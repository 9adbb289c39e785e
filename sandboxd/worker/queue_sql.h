/* queue_sql: the statements of queue.c, prepared once per session. */
#ifndef CODERUN_QUEUE_SQL_H
#define CODERUN_QUEUE_SQL_H

#include <libpq-fe.h>
#include <stddef.h>

#define Q_CLAIM     "coderun_claim"
#define Q_FINISH    "coderun_finish"
#define Q_RELEASE   "coderun_release"
#define Q_RESCUE    "coderun_rescue"
#define Q_BEAT      "coderun_beat"
#define Q_RENEW     "coderun_renew"

/* Prepare them all on conn: after every (re)connect, before any queue_*
 * call. 0, or -1 with err filled. */
int queue_prepare(PGconn *conn, char *err, size_t errlen);

#endif
