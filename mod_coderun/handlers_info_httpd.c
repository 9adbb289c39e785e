/* Endpoints about the service: languages, health, metrics, OpenAPI. */
#include <apr_strings.h>
#include <json-c/json.h>

#include "coderun_httpd.h"
#include "json_out.h"
#include "metrics_prom.h"
#include "statements.h"

int handle_languages(request_rec *r)
{
    struct api_error err;
    struct db_rows *rows = db_select(r, SQL_LANGUAGES, 0, NULL, &err);
    json_object *list;
    int i;

    if (!rows)
        return reply_error(r, &err);
    list = json_object_new_array();
    for (i = 0; i < db_row_count(rows); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(db_value(rows, i, 0)));
        json_object_object_add(o, "version", json_object_new_string(db_value(rows, i, 1)));
        json_object_object_add(o, "modes", json_tokener_parse(db_value(rows, i, 2)));
        json_object_array_add(list, o);
    }
    return reply_json(r, HTTP_OK, json_out(r->pool, list));
}

/* 200 with each live worker's sandbox mode; "degraded" when a worker's
 * last job failed for a reason of the service (then 503 if no worker is
 * without one); 503 when the database is unreachable or no worker has
 * sent a heartbeat in the last 30 s. */
int handle_health(request_rec *r)
{
    struct api_error err;
    struct db_rows *rows = db_select(r, SQL_HEALTH, 0, NULL, &err);
    int workers, sound;
    const char *status;

    if (!rows) {
        apr_table_setn(r->headers_out, "Retry-After", "5");
        return reply_json(r, HTTP_SERVICE_UNAVAILABLE,
                          "{\"status\":\"unavailable\",\"database\":\"unavailable\","
                          "\"workers\":0,\"sandbox\":[]}");
    }
    workers = atoi(db_value(rows, 0, 0));
    sound = atoi(db_value(rows, 0, 2));
    status = !workers ? "no_workers" : sound < workers ? "degraded" : "ok";
    if (sound == 0)
        apr_table_setn(r->headers_out, "Retry-After", "5");
    return reply_json(r, sound ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE,
                      apr_psprintf(r->pool, "{\"status\":\"%s\",\"database\":\"ok\","
                                   "\"workers\":%d,\"sandbox\":%s}",
                                   status, workers, db_value(rows, 0, 1)));
}

int handle_metrics(request_rec *r)
{
    struct api_error err;
    struct db_rows *rows = db_select(r, SQL_METRICS, 0, NULL, &err);
    const char *text;

    if (!rows)
        return reply_error(r, &err);
    if (!metrics_wants_prometheus(r->args, apr_table_get(r->headers_in, "Accept")))
        return reply_json(r, HTTP_OK, db_value(rows, 0, 0));
    text = metrics_prometheus(r->pool, db_value(rows, 0, 0));
    if (!text)
        return reply_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                          "The metrics could not be read.");
    ap_set_content_type(r, PROMETHEUS_CONTENT_TYPE);
    ap_rputs(text, r);
    return OK;
}

int handle_openapi(request_rec *r, const char *document)
{
    if (!document)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found",
                          "No OpenAPI document is configured (CoderunOpenAPIFile).");
    return reply_json(r, HTTP_OK, document);
}
