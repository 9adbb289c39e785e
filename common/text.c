/* text: small string helpers shared by the config and language parsers. */
#include "common/text.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *text_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int text_split_kv(char *line, char **key, char **value)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    *key = text_trim(line);
    *value = text_trim(eq + 1);
    return 0;
}

char *text_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = text_read_fd(fd, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return buf;
}

char *text_read_fd(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else if (r == 0) {
            buf[n] = '\0';
            if (len)
                *len = n;
            break;
        } else {
            n += (size_t)r;
        }
    }
    return buf;
}

char **text_split_words(const char *cmd)
{
    size_t cap = 8, n = 0;
    char **argv = calloc(cap, sizeof *argv);
    const char *p = cmd;
    while (argv) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (n + 2 > cap) {
            char **bigger = realloc(argv, (cap *= 2) * sizeof *argv);
            if (!bigger) {
                text_free_argv(argv);
                return NULL;
            }
            argv = bigger;
        }
        argv[n] = strndup(start, (size_t)(p - start));
        argv[++n] = NULL;
        if (!argv[n - 1]) {
            text_free_argv(argv);
            return NULL;
        }
    }
    return argv;
}

void text_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}
