/* Serialise a json-c object into a pool string and release the object. */
#ifndef CODERUN_JSON_OUT_H
#define CODERUN_JSON_OUT_H

#include <apr_pools.h>
#include <json-c/json.h>

const char *json_out(apr_pool_t *pool, json_object *obj);

/* A number written as the given decimal text (e.g. "0.412"), so floats
 * read from PostgreSQL keep their rounding; NULL or "" gives JSON null. */
json_object *json_number_text(const char *text);

/* An integer from decimal text; NULL or "" gives JSON null. */
json_object *json_int_text(const char *text);

#endif
