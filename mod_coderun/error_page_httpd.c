/* Every answer is JSON, also the ones httpd makes itself before or instead
 * of the handler (400 for a bad request line or huge headers, 404 for an
 * encoded slash, 405 for TRACE). httpd writes those through
 * ap_send_error_response as HTML; this filter, added by the
 * insert_error_filter hook, swaps that page for the API's JSON error. */
#include <string.h>
#include <apr_buckets.h>
#include <apr_strings.h>
#include "http_request.h"
#include "util_filter.h"

#include "coderun_httpd.h"
#include "prefix.h"

#define ERROR_PAGE_FILTER "CODERUN_ERROR_PAGE"

static apr_status_t error_page_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    struct api_error err;
    const char *json;
    apr_bucket *b;
    int eos = 0;

    /* Only httpd's page is HTML; the handler's own errors are JSON already. */
    if (!r->content_type || strncmp(r->content_type, "text/html", 9) != 0) {
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b))
        eos |= APR_BUCKET_IS_EOS(b);
    apr_brigade_cleanup(bb);          /* the HTML, never sent */
    if (!eos)
        return APR_SUCCESS;
    ap_remove_output_filter(f);
    api_error_for_status(&err, r->status);
    if (ap_is_HTTP_REDIRECT(r->status))     /* /swagger, /docs: say where to */
        api_fail(&err, r->status, "moved", NULL, apr_pstrcat(r->pool, "Moved to ",
                 apr_table_get(r->headers_out, "Location"), ".", NULL));
    json = apr_pstrcat(r->pool, api_error_json(r->pool, &err), "\n", NULL);
    ap_set_content_type(r, "application/json");
    apr_table_unset(r->headers_out, "Content-Length");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(json, strlen(json), r->pool,
                                                       bb->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(f->next, bb);
}

/* Under one of the sections of the API's directives; "" (the root) also
 * holds a request refused before it had a URI (a bad request line). */
static int in_api_section(const request_rec *r, const apr_array_header_t *prefixes)
{
    int i;

    for (i = 0; prefixes && i < prefixes->nelts; i++) {
        const char *prefix = APR_ARRAY_IDX(prefixes, i, const char *);

        if (!*prefix || (r->uri && prefix_local_path(r->uri, prefix) != r->uri))
            return 1;
    }
    return 0;
}

/* Only the API's requests: those its handler serves, and those under the
 * path of its directives that httpd refused before choosing a handler. */
static void insert_error_page_filter(request_rec *r)
{
    const struct coderun_server_conf *sc = ap_get_module_config(r->server->module_config,
                                                                &coderun_module);
    int api = (r->handler && strcmp(r->handler, "coderun") == 0)
           || in_api_section(r, sc->api_prefixes);

    if (api)
        ap_add_output_filter(ERROR_PAGE_FILTER, NULL, r, r->connection);
}

void error_page_register_hooks(void)
{
    ap_register_output_filter(ERROR_PAGE_FILTER, error_page_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(insert_error_page_filter, NULL, NULL, APR_HOOK_MIDDLE);
}
