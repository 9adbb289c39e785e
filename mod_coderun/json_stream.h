/* json_stream: a JSON document written piece by piece. Each piece is
 * serialised and handed to emit at once, so an answer of any size never
 * exists whole in memory (a job's result may hold many megabytes of
 * escaped output, twice). The caller nests objects and arrays; the stream
 * puts the commas. */
#ifndef CODERUN_JSON_STREAM_H
#define CODERUN_JSON_STREAM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>

typedef void json_emit_fn(void *ctx, const char *text, size_t len);

struct json_stream {
    json_emit_fn *emit;
    void *ctx;
    int first;          /* nothing written yet in the open object or array */
};

/* Starts the document's top-level object. */
void json_stream_begin(struct json_stream *s, json_emit_fn *emit, void *ctx);

/* The members of object o in the open object; o is released. */
void json_stream_members(struct json_stream *s, json_object *o);

/* "key": o in the open object; o is released. */
void json_stream_member(struct json_stream *s, const char *key, json_object *o);

/* o as the next element of the open array; o is released. */
void json_stream_item(struct json_stream *s, json_object *o);

/* "key": { or "key": [ (bracket '{' or '[') in the open object. */
void json_stream_open(struct json_stream *s, const char *key, char bracket);

/* Closes what json_stream_open or json_stream_begin opened ('}' or ']'). */
void json_stream_close(struct json_stream *s, char bracket);

/* What a writer streams, collected into one pool string (tests, small answers). */
struct json_collect {
    apr_pool_t *pool;
    apr_array_header_t *pieces;
};
/* Opens a document on s whose pieces c collects ... */
void json_collect_begin(struct json_collect *c, struct json_stream *s, apr_pool_t *pool);
/* ... and closes it: the whole text. */
const char *json_collect_end(struct json_collect *c, struct json_stream *s);

#endif
