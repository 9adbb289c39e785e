#include "box/capture.h"

#include <stdlib.h>
#include <string.h>

int capture_init(struct capture *c, size_t cap, bool keep_tail)
{
    *c = (struct capture){.cap = cap, .keep_tail = keep_tail};
    c->buf = malloc(cap + 1);
    return c->buf ? 0 : -1;
}

void capture_add(struct capture *c, const char *data, size_t n)
{
    c->total += n;
    if (!c->keep_tail) {
        size_t room = c->cap - c->len;
        size_t take = n < room ? n : room;
        memcpy(c->buf + c->len, data, take);
        c->len += take;
        return;
    }
    if (n >= c->cap) {
        memcpy(c->buf, data + (n - c->cap), c->cap);
        c->len = c->cap;
        return;
    }
    if (c->len + n > c->cap) {
        size_t drop = c->len + n - c->cap;
        memmove(c->buf, c->buf + drop, c->len - drop);
        c->len -= drop;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
}

bool capture_truncated(const struct capture *c)
{
    return c->total > c->len;
}

char *capture_take(struct capture *c, size_t *len)
{
    char *buf = c->buf;
    buf[c->len] = '\0';
    *len = c->len;
    c->buf = NULL;
    c->len = 0;
    return buf;
}

void capture_free(struct capture *c)
{
    free(c->buf);
    c->buf = NULL;
}
