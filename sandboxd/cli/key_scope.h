/* key scope: which figures a key's dashboard shows (api_keys.reports_all). */
#ifndef CODERUN_KEY_SCOPE_H
#define CODERUN_KEY_SCOPE_H

#include <libpq-fe.h>

/* `sandboxd key scope NAME all|own`: every key's figures, or the key's
 * own jobs' only (the default). The exit status. */
int key_scope_command(PGconn *conn, const char *name, const char *scope);

#endif
