/* log: one JSON object per line to stderr and LOG_DIR/YYYY-MM-DD.log (UTC).
 * Callers log events and counts, never code, inputs or tokens. */
#ifndef CODERUN_LOG_H
#define CODERUN_LOG_H

#include <json-c/json.h>

/* NULL or "" logs to stderr only. Keeps its own copy of the path. */
void log_init(const char *log_dir);

/* Adds "ts" and writes obj; takes ownership of obj. */
void log_write(json_object *obj);

/* Event with string fields: log_event("start", "worker", name, NULL). */
void log_event(const char *event, ...) __attribute__((sentinel));

#endif
