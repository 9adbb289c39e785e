/* Answers are always JSON: the status is set on r and OK returned, because
 * returning an HTTP_* code would make httpd send its HTML error page. */
#include <apr_strings.h>
#include "http_request.h"

#include "coderun_httpd.h"

void reply_json_headers(request_rec *r, int status)
{
    r->status = status;
    ap_set_content_type(r, "application/json");
    /* no-store unless the answer said otherwise (an ended job's result). */
    if (!apr_table_get(r->headers_out, "Cache-Control"))
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
}

int reply_json(request_rec *r, int status, const char *json)
{
    reply_json_headers(r, status);
    ap_rputs(json, r);
    ap_rputc('\n', r);
    return OK;
}

int reply_error(request_rec *r, const struct api_error *err)
{
    if (err->status == HTTP_UNAUTHORIZED)
        apr_table_setn(r->headers_out, "WWW-Authenticate", "ApiKey");
    if (err->status == HTTP_SERVICE_UNAVAILABLE || err->status == HTTP_TOO_MANY_REQUESTS)
        apr_table_setn(r->headers_out, "Retry-After",
                       err->retry_after > 0 ? apr_itoa(r->pool, err->retry_after) : "5");
    return reply_json(r, err->status, api_error_json(r->pool, err));
}

int reply_fail(request_rec *r, int status, const char *code, const char *message)
{
    struct api_error err;

    api_fail(&err, status, code, NULL, message);
    return reply_error(r, &err);
}

static int is_json_type(const char *ct)
{
    size_t n = sizeof("application/json") - 1;

    return ct && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int too_large(request_rec *r, long max, struct api_error *err)
{
    return api_fail(err, HTTP_REQUEST_ENTITY_TOO_LARGE, "body_too_large", NULL,
                    apr_psprintf(r->pool, "The body is larger than %ld bytes.", max));
}

int read_body(request_rec *r, long max, const char **body, apr_size_t *len,
              struct api_error *err)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const apr_size_t limit = (apr_size_t)max + 1;  /* one byte over the cap */
    apr_size_t used = 0, cap;
    char *buf;
    long n = 0;

    if (!is_json_type(apr_table_get(r->headers_in, "Content-Type")))
        return api_fail(err, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        NULL, "The body must be application/json.");
    if (cl && apr_atoi64(cl) > max)
        return too_large(r, max, err);
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK)
        return api_fail(err, HTTP_BAD_REQUEST, "bad_request", NULL,
                        "The request body framing is invalid.");
    if (!cl && !r->read_chunked)
        return api_fail(err, HTTP_LENGTH_REQUIRED, "length_required", NULL,
                        "A request body with Content-Length is required.");
    /* Sized by Content-Length; a chunked body grows the buffer up to limit. */
    cap = cl ? (apr_size_t)apr_atoi64(cl) + 1 : 16384;
    buf = apr_palloc(r->pool, cap);
    while (used < limit) {
        if (used == cap) {
            char *bigger;
            cap = cap * 2 < limit ? cap * 2 : limit;
            bigger = apr_palloc(r->pool, cap);
            memcpy(bigger, buf, used);
            buf = bigger;
        }
        n = ap_get_client_block(r, buf + used, cap - used);
        if (n <= 0)
            break;
        used += (apr_size_t)n;
    }
    if (used > (apr_size_t)max)
        return too_large(r, max, err);
    if (n < 0)
        return api_fail(err, HTTP_BAD_REQUEST, "bad_request", NULL,
                        "The request body could not be read.");
    *body = buf;
    *len = used;
    return 0;
}
