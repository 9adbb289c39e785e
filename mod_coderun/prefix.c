#include <string.h>
#include <apr_strings.h>
#include <json-c/json.h>

#include "json_out.h"
#include "prefix.h"

const char *prefix_of_location(apr_pool_t *p, const char *location)
{
    size_t n = location ? strlen(location) : 0;

    while (n && location[n - 1] == '/')
        n--;
    return n ? apr_pstrndup(p, location, n) : "";
}

const char *prefix_local_path(const char *uri, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncmp(uri, prefix, n) == 0 && (uri[n] == '/' || uri[n] == '\0'))
        return uri + n;
    return uri;
}

const char *prefix_openapi(apr_pool_t *p, const char *doc, const char *prefix)
{
    json_object *root, *servers, *server;

    if (!*prefix)
        return doc;
    root = json_tokener_parse(doc);
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return doc;
    }
    servers = json_object_new_array();
    server = json_object_new_object();
    json_object_object_add(server, "url",
                           json_object_new_string(apr_pstrcat(p, prefix, "/", NULL)));
    json_object_array_add(servers, server);
    json_object_object_add(root, "servers", servers);
    return json_out(p, root);
}
