/* mod_coderun: the coderun JSON API. Hooks, directives and routing only;
 * the work is in the handlers and the httpd-free files. */
#include <string.h>
#include <strings.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "http_core.h"
#include "http_request.h"

#include "coderun_httpd.h"
#include "prefix.h"
#include "wait_param.h"

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    struct coderun_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->location = dir;
    limits_init_unset(&c->limits);
    return c;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const struct coderun_dir_conf *base = basev, *add = addv;
    struct coderun_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->location = add->location ? add->location : base->location;
    c->openapi = add->openapi ? add->openapi : base->openapi;
    limits_merge(&c->limits, &base->limits, &add->limits);
    return c;
}

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(struct coderun_server_conf));
}

static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const struct coderun_server_conf *base = basev, *add = addv;
    struct coderun_server_conf *c = apr_pcalloc(p, sizeof(*c));

    c->api_prefixes = add->api_prefixes ? add->api_prefixes : base->api_prefixes;
    return c;
}

/* A Coderun directive marks its section as the API's: httpd's own error
 * pages under that path are answered as JSON (error_page_httpd.c), those
 * of the server's other paths stay its own. */
static void mark_api_scope(cmd_parms *cmd)
{
    struct coderun_server_conf *sc = ap_get_module_config(cmd->server->module_config,
                                                          &coderun_module);

    const char *prefix = prefix_of_location(cmd->pool, cmd->path);
    int i;

    if (!sc->api_prefixes)
        sc->api_prefixes = apr_array_make(cmd->pool, 2, sizeof(const char *));
    for (i = 0; i < sc->api_prefixes->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(sc->api_prefixes, i, const char *), prefix) == 0)
            return;
    APR_ARRAY_PUSH(sc->api_prefixes, const char *) = prefix;
}

/* Directives store into the limits field named by cmd->info's offset. */
static const char *set_positive_int(cmd_parms *cmd, void *confv, const char *arg)
{
    struct coderun_dir_conf *conf = confv;
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || v < 1 || v > 1000000000L)
        return apr_pstrcat(cmd->pool, cmd->cmd->name,
                           " takes a positive integer", NULL);
    mark_api_scope(cmd);
    *(int *)((char *)&conf->limits + (size_t)cmd->info) = (int)v;
    return NULL;
}

/* The same for counts where 0 means "none". */
static const char *set_count(cmd_parms *cmd, void *confv, const char *arg)
{
    struct coderun_dir_conf *conf = confv;
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || v < 0 || v > 1000000000L)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, " takes a count (0 = none)", NULL);
    mark_api_scope(cmd);
    *(int *)((char *)&conf->limits + (size_t)cmd->info) = (int)v;
    return NULL;
}

/* "Off" turns off an anonymous key set in an enclosing scope. */
static const char *set_anonymous_key(cmd_parms *cmd, void *confv, const char *arg)
{
    mark_api_scope(cmd);
    ((struct coderun_dir_conf *)confv)->limits.anonymous_key =
        strcasecmp(arg, "Off") == 0 ? "" : arg;
    return NULL;
}

static const char *set_default_language(cmd_parms *cmd, void *confv, const char *arg)
{
    mark_api_scope(cmd);
    ((struct coderun_dir_conf *)confv)->limits.default_language = arg;
    return NULL;
}

/* The OpenAPI document is a file of the source tree, read once here so a
 * missing file stops httpd at startup rather than failing requests. */
static const char *set_openapi_file(cmd_parms *cmd, void *confv, const char *path)
{
    struct coderun_dir_conf *conf = confv;
    apr_file_t *f;
    apr_finfo_t info;
    char *text;
    apr_status_t rv;

    mark_api_scope(cmd);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&info, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS) {
        text = apr_palloc(cmd->pool, (apr_size_t)info.size + 1);
        rv = apr_file_read_full(f, text, (apr_size_t)info.size, NULL);
        text[info.size] = '\0';
        conf->openapi = text;
    }
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "CoderunOpenAPIFile: cannot read %s: %pm", path, &rv);
    apr_file_close(f);
    return NULL;
}

#define LIMIT_DIRECTIVE(name, field, help) \
    AP_INIT_TAKE1(name, set_positive_int, \
                  (void *)APR_OFFSETOF(struct coderun_limits, field), \
                  RSRC_CONF | ACCESS_CONF, help)

#define COUNT_DIRECTIVE(name, field, help) \
    AP_INIT_TAKE1(name, set_count, \
                  (void *)APR_OFFSETOF(struct coderun_limits, field), \
                  RSRC_CONF | ACCESS_CONF, help)

static const command_rec coderun_cmds[] = {
    LIMIT_DIRECTIVE("CoderunMaxBodySize", max_body, "Largest request body in bytes"),
    LIMIT_DIRECTIVE("CoderunMaxInputs", max_inputs, "Most inputs in one /run"),
    LIMIT_DIRECTIVE("CoderunMaxTimeMs", max_time_ms, "Highest CPU time limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunMaxMemoryMb", max_memory_mb, "Highest memory limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunMaxOutputKb", max_output_kb, "Highest output limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunDefaultTimeMs", default_time_ms, "CPU time limit when none is asked"),
    LIMIT_DIRECTIVE("CoderunDefaultMemoryMb", default_memory_mb, "Memory limit when none is asked"),
    LIMIT_DIRECTIVE("CoderunDefaultOutputKb", default_output_kb, "Output limit when none is asked"),
    LIMIT_DIRECTIVE("CoderunProblemDefaultTimeMs", problem_default_time_ms,
                    "CPU time limit of a problem job that asks for none"),
    COUNT_DIRECTIVE("CoderunMaxQueuedPerKey", max_queued_per_key,
                    "Most queued or running jobs per API key (0 = unlimited)"),
    COUNT_DIRECTIVE("CoderunDailyCpuSeconds", daily_cpu_seconds,
                    "Sandboxed CPU seconds per key and UTC day (0 = no budget)"),
    AP_INIT_TAKE1("CoderunAnonymousKey", set_anonymous_key, NULL, RSRC_CONF | ACCESS_CONF,
                  "The key requests without one run as in this scope (Off = none)"),
    AP_INIT_TAKE1("CoderunDefaultLanguage", set_default_language, NULL, RSRC_CONF | ACCESS_CONF,
                  "Language of a /run that names none"),
    AP_INIT_TAKE1("CoderunOpenAPIFile", set_openapi_file, NULL, RSRC_CONF | ACCESS_CONF,
                  "The OpenAPI document served at /openapi.json"),
    { NULL }
};

static int method_allowed(request_rec *r, const char *allow)
{
    if (r->method_number == M_GET)
        return strstr(allow, "GET") != NULL;   /* GET covers HEAD too */
    return r->method_number == M_POST && strstr(allow, "POST") != NULL;
}

/* Both result endpoints authenticate in their one statement. A malformed
 * id is 404 (never a 500), a bad wait 400, each after authentication. */
static int dispatch_result(request_rec *r, const struct route *route)
{
    int wait_ms = wait_param_ms(r->args);
    const char *key_id;
    struct api_error err;

    if ((wait_ms < 0 || !route->id_valid) && authenticate(r, &key_id))
        return OK;
    if (wait_ms < 0) {
        api_fail(&err, HTTP_BAD_REQUEST, "invalid_field", "wait",
                 "wait must be a number of seconds from 0 to 30.");
        return reply_error(r, &err);
    }
    if (!route->id_valid)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
    if (route->kind == ROUTE_RESULT)
        return handle_result(r, route, wait_ms);
    return handle_result_problem(r, route, wait_ms);
}

static int coderun_handler(request_rec *r)
{
    const struct coderun_dir_conf *conf;
    struct coderun_limits limits;
    struct route route;
    struct caller caller;
    const char *key_id, *prefix;

    if (!r->handler || strcmp(r->handler, "coderun"))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &coderun_module);
    limits = conf->limits;            /* per-request copy: conf is shared */
    limits_apply_defaults(&limits);
    prefix = prefix_of_location(r->pool, conf->location);
    apr_table_setn(r->notes, CODERUN_PREFIX_NOTE, prefix);
    route_match(prefix_local_path(r->uri, prefix), &route);

    if (route.kind == ROUTE_NONE)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such endpoint.");
    if (!method_allowed(r, route.allow)) {
        apr_table_setn(r->headers_out, "Allow", route.allow);
        return reply_fail(r, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          apr_psprintf(r->pool, "This endpoint answers %s only.",
                                       route.allow));
    }
    if (route.kind == ROUTE_HEALTH)
        return handle_health(r);
    if (route.kind == ROUTE_OPENAPI)
        return handle_openapi(r, conf->openapi ? prefix_openapi(r->pool, conf->openapi, prefix)
                                               : NULL);
    if (route.kind == ROUTE_RESULT || route.kind == ROUTE_RESULT_PROBLEM)
        return dispatch_result(r, &route);
    /* The submissions check the key in their one statement too. */
    if (route.kind == ROUTE_RUN || route.kind == ROUTE_EXECUTE_PROBLEM) {
        if (identify_caller(r, &caller))
            return OK;
        return route.kind == ROUTE_RUN ? handle_run(r, &limits, &caller)
                                       : handle_execute_problem(r, &limits, &caller);
    }
    if (authenticate(r, &key_id))
        return OK;
    switch (route.kind) {
    case ROUTE_METRICS:
        return handle_metrics(r);
    case ROUTE_LANGUAGES:
        return handle_languages(r);
    case ROUTE_REPORTS:
        return handle_reports(r, &route, key_id);
    default:
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such endpoint.");
    }
}

/* The API's URLs name no file. httpd would still walk the filesystem for
 * each of them (a stat per path component of DocumentRoot + URI), so, as
 * mod_proxy does for its URLs, the requests our handler will serve skip
 * it. translate_name still sees the <Location> sections (map_to_storage
 * runs with the server's defaults only), so it marks them. */
#define API_REQUEST_NOTE "coderun-api"

static int coderun_translate_name(request_rec *r)
{
    const core_dir_config *d = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *handler;

    if (!d->expr_handler)
        return DECLINED;
    handler = ap_expr_str_exec(r, d->expr_handler, &err);
    if (!err && handler && strcmp(handler, "coderun") == 0)
        apr_table_setn(r->notes, API_REQUEST_NOTE, "1");
    return DECLINED;
}

static int coderun_map_to_storage(request_rec *r)
{
    return apr_table_get(r->notes, API_REQUEST_NOTE) ? OK : DECLINED;
}

static int coderun_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf; (void)plog;
    return db_prepare_statements(s, ptemp) == 0 ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static void coderun_child_init(apr_pool_t *pchild, server_rec *s)
{
    result_cache_start(pchild);
    dispatch_start(pchild, s);
}

static void coderun_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    (void)p;
    ap_hook_post_config(coderun_post_config, NULL, before_dbd, APR_HOOK_MIDDLE);
    /* After mod_dbd's: the dispatcher borrows a pooled connection's settings. */
    ap_hook_child_init(coderun_child_init, before_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(coderun_translate_name, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(coderun_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(coderun_handler, NULL, NULL, APR_HOOK_MIDDLE);
    error_page_register_hooks();
}

module AP_MODULE_DECLARE_DATA coderun_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    coderun_cmds,
    coderun_register_hooks,
    AP_MODULE_FLAG_NONE
};
