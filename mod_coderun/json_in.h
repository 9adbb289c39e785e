/* Strict parsing of a request body into json-c, and typed field readers that
 * report the field at fault as an API error. */
#ifndef CODERUN_JSON_IN_H
#define CODERUN_JSON_IN_H

#include <stddef.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "api_error.h"

/* Nesting deeper than this is rejected (json-c would otherwise recurse). */
#define JSON_IN_MAX_DEPTH 32

/* Parse exactly one JSON object from body (strict UTF-8 without raw control
 * characters, nothing but whitespace after it). Returns the object (caller
 * puts it) or NULL with err. */
json_object *json_in_parse_object(const char *body, size_t len,
                                  struct api_error *err);

/* Read an optional string field. Absent or null leaves *out unchanged.
 * NUL characters are refused: PostgreSQL text cannot hold them. */
int json_in_string(json_object *obj, const char *key, const char *field,
                   const char **out, size_t *out_len, struct api_error *err);

/* A string value that must not contain NUL; field names it in errors. */
int json_in_string_value(json_object *v, const char *field, const char **out,
                         size_t *out_len, struct api_error *err);

/* True when a string anywhere in v (arrays and objects walked) holds NUL. */
int json_in_has_nul(json_object *v);

/* True when the raw JSON text has a \u0000 escape. json-c cuts object keys
 * at NUL, so this is the only way to see one written into a key. */
int json_in_has_nul_escape(const char *body, size_t len);

/* Read an optional integer in [1, max]; over max names the field. */
int json_in_limit(apr_pool_t *pool, json_object *obj, const char *key, const char *field,
                  int max, int *out, struct api_error *err);

#endif
