#include <string.h>
#include <apr_strings.h>

#include "json_stream.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void emit_text(struct json_stream *s, const char *text)
{
    s->emit(s->ctx, text, strlen(text));
}

static void separate(struct json_stream *s)
{
    if (!s->first)
        emit_text(s, ",");
    s->first = 0;
}

static void emit_key(struct json_stream *s, const char *key)
{
    json_object *k = json_object_new_string(key);

    separate(s);
    emit_text(s, json_object_to_json_string_ext(k, JSON_FLAGS));
    emit_text(s, ":");
    json_object_put(k);
}

void json_stream_begin(struct json_stream *s, json_emit_fn *emit, void *ctx)
{
    s->emit = emit;
    s->ctx = ctx;
    emit_text(s, "{");
    s->first = 1;
}

void json_stream_members(struct json_stream *s, json_object *o)
{
    size_t len;
    const char *text = json_object_to_json_string_length(o, JSON_FLAGS, &len);

    /* {"a":1,...} without its braces; {} has none */
    if (len > 2) {
        separate(s);
        s->emit(s->ctx, text + 1, len - 2);
    }
    json_object_put(o);
}

void json_stream_member(struct json_stream *s, const char *key, json_object *o)
{
    emit_key(s, key);
    emit_text(s, o ? json_object_to_json_string_ext(o, JSON_FLAGS) : "null");
    json_object_put(o);
}

void json_stream_item(struct json_stream *s, json_object *o)
{
    separate(s);
    emit_text(s, o ? json_object_to_json_string_ext(o, JSON_FLAGS) : "null");
    json_object_put(o);
}

void json_stream_open(struct json_stream *s, const char *key, char bracket)
{
    char open[2] = { bracket, '\0' };

    emit_key(s, key);
    emit_text(s, open);
    s->first = 1;
}

void json_stream_close(struct json_stream *s, char bracket)
{
    char close[2] = { bracket, '\0' };

    emit_text(s, close);
    s->first = 0;
}

static void collect_emit(void *ctx, const char *text, size_t len)
{
    struct json_collect *c = ctx;

    APR_ARRAY_PUSH(c->pieces, const char *) = apr_pstrmemdup(c->pool, text, len);
}

void json_collect_begin(struct json_collect *c, struct json_stream *s, apr_pool_t *pool)
{
    c->pool = pool;
    c->pieces = apr_array_make(pool, 16, sizeof(const char *));
    json_stream_begin(s, collect_emit, c);
}

const char *json_collect_end(struct json_collect *c, struct json_stream *s)
{
    json_stream_close(s, '}');
    return apr_array_pstrcat(c->pool, c->pieces, '\0');
}
