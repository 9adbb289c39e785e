/* mod_coderun: the coderun JSON API. Hooks, directives and routing only;
 * the work is in the handlers and the httpd-free files. */
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "coderun_httpd.h"
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

/* Directives store into the limits field named by cmd->info's offset. */
static const char *set_positive_int(cmd_parms *cmd, void *confv, const char *arg)
{
    struct coderun_dir_conf *conf = confv;
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || v < 1 || v > 1000000000L)
        return apr_pstrcat(cmd->pool, cmd->cmd->name,
                           " takes a positive integer", NULL);
    *(int *)((char *)&conf->limits + (size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_queued_per_key(cmd_parms *cmd, void *confv, const char *arg)
{
    struct coderun_dir_conf *conf = confv;
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || v < 0 || v > 1000000000L)
        return "CoderunMaxQueuedPerKey takes a count (0 = unlimited)";
    (void)cmd;
    conf->limits.max_queued_per_key = (int)v;
    return NULL;
}

static const char *set_default_language(cmd_parms *cmd, void *confv, const char *arg)
{
    (void)cmd;
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

static const command_rec coderun_cmds[] = {
    LIMIT_DIRECTIVE("CoderunMaxBodySize", max_body, "Largest request body in bytes"),
    LIMIT_DIRECTIVE("CoderunMaxInputs", max_inputs, "Most inputs in one /run"),
    LIMIT_DIRECTIVE("CoderunMaxTimeMs", max_time_ms, "Highest CPU time limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunMaxMemoryMb", max_memory_mb, "Highest memory limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunMaxOutputKb", max_output_kb, "Highest output limit a client may ask"),
    LIMIT_DIRECTIVE("CoderunDefaultTimeMs", default_time_ms, "CPU time limit when none is asked"),
    LIMIT_DIRECTIVE("CoderunDefaultMemoryMb", default_memory_mb, "Memory limit when none is asked"),
    LIMIT_DIRECTIVE("CoderunDefaultOutputKb", default_output_kb, "Output limit when none is asked"),
    AP_INIT_TAKE1("CoderunMaxQueuedPerKey", set_queued_per_key, NULL, RSRC_CONF | ACCESS_CONF,
                  "Most queued or running jobs per API key (0 = unlimited)"),
    AP_INIT_TAKE1("CoderunDefaultLanguage", set_default_language, NULL, RSRC_CONF | ACCESS_CONF,
                  "Language of a /run that names none"),
    AP_INIT_TAKE1("CoderunOpenAPIFile", set_openapi_file, NULL, RSRC_CONF | ACCESS_CONF,
                  "The OpenAPI document served at /openapi.json"),
    { NULL }
};

/* The path after the <Location> the handler was configured in. */
static const char *local_path(request_rec *r, const struct coderun_dir_conf *conf)
{
    size_t n = conf->location ? strlen(conf->location) : 0;

    if (n && strncmp(r->uri, conf->location, n) == 0)
        return r->uri + n;
    return r->uri;
}

static int method_allowed(request_rec *r, const char *allow)
{
    if (r->method_number == M_GET)
        return strstr(allow, "GET") != NULL;   /* GET covers HEAD too */
    return r->method_number == M_POST && strstr(allow, "POST") != NULL;
}

/* Both result endpoints: a malformed id is 404 (never a 500), a bad wait 400. */
static int dispatch_result(request_rec *r, const struct route *route, const char *key_id)
{
    int wait_ms = wait_param_ms(r->args);
    struct api_error err;

    if (wait_ms < 0) {
        api_fail(&err, HTTP_BAD_REQUEST, "invalid_field", "wait",
                 "wait must be a number of seconds from 0 to 30.");
        return reply_error(r, &err);
    }
    if (!route->id_valid)
        return reply_fail(r, HTTP_NOT_FOUND, "not_found", "No such job.");
    if (route->kind == ROUTE_RESULT)
        return handle_result(r, route, key_id, wait_ms);
    return handle_result_problem(r, route, key_id, wait_ms);
}

static int coderun_handler(request_rec *r)
{
    const struct coderun_dir_conf *conf;
    struct coderun_limits limits;
    struct route route;
    const char *key_id;

    if (!r->handler || strcmp(r->handler, "coderun"))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &coderun_module);
    limits = conf->limits;            /* per-request copy: conf is shared */
    limits_apply_defaults(&limits);
    route_match(local_path(r, conf), &route);

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
        return handle_openapi(r, conf->openapi);
    if (authenticate(r, &key_id))
        return OK;
    switch (route.kind) {
    case ROUTE_RUN:
        return handle_run(r, &limits, key_id);
    case ROUTE_EXECUTE_PROBLEM:
        return handle_execute_problem(r, &limits, key_id);
    case ROUTE_RESULT:
    case ROUTE_RESULT_PROBLEM:
        return dispatch_result(r, &route, key_id);
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

static int coderun_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf; (void)plog; (void)ptemp;
    for (; s; s = s->next)
        db_prepare_statements(s);
    return OK;
}

static void coderun_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    (void)p;
    ap_hook_post_config(coderun_post_config, NULL, before_dbd, APR_HOOK_MIDDLE);
    ap_hook_handler(coderun_handler, NULL, NULL, APR_HOOK_MIDDLE);
    error_page_register_hooks();
}

module AP_MODULE_DECLARE_DATA coderun_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    NULL,
    NULL,
    coderun_cmds,
    coderun_register_hooks,
    AP_MODULE_FLAG_NONE
};
