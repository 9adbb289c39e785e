/* log: one JSON object per line to stderr and LOG_DIR/YYYY-MM-DD.log (UTC). */
#include "worker/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_dir;

void log_init(const char *dir)
{
    /* Called again on SIGHUP while other threads log. */
    pthread_mutex_lock(&log_lock);
    free(log_dir);
    log_dir = dir && *dir ? strdup(dir) : NULL;
    if (log_dir && mkdir(log_dir, 0750) != 0 && errno != EEXIST)
        fprintf(stderr, "sandboxd: log dir %s: %s\n", log_dir, strerror(errno));
    pthread_mutex_unlock(&log_lock);
}

void log_write(json_object *obj)
{
    struct timeval tv;
    struct tm tm;
    char ts[40], day[16];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + strlen(ts), sizeof ts - strlen(ts), ".%03ldZ", (long)tv.tv_usec / 1000);

    /* "ts" first so the lines sort and read well. */
    json_object *line = json_object_new_object();
    json_object_object_add(line, "ts", json_object_new_string(ts));
    json_object_object_foreach(obj, key, val)
        json_object_object_add(line, key, json_object_get(val));
    json_object_put(obj);
    const char *text = json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", text);
    if (log_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.log", log_dir, day);
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd >= 0) {
            dprintf(fd, "%s\n", text);
            close(fd);
        }
    }
    pthread_mutex_unlock(&log_lock);
    json_object_put(line);
}

void log_event(const char *event, ...)
{
    json_object *obj = json_object_new_object();
    json_object_object_add(obj, "event", json_object_new_string(event));
    va_list ap;
    va_start(ap, event);
    for (const char *key; (key = va_arg(ap, const char *));) {
        const char *val = va_arg(ap, const char *);
        json_object_object_add(obj, key, json_object_new_string(val ? val : ""));
    }
    va_end(ap);
    log_write(obj);
}
