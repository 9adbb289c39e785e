#include <ctype.h>
#include <string.h>

#include "route.h"

int uuid_is_valid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    size_t i;

    for (i = 0; shape[i]; i++) {
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return s[i] == '\0';
}

struct fixed_route {
    const char *path;
    enum route_kind kind;
    const char *allow;
};

static const struct fixed_route fixed_routes[] = {
    { "run", ROUTE_RUN, "POST" },
    { "execute-problem", ROUTE_EXECUTE_PROBLEM, "POST" },
    { "metrics", ROUTE_METRICS, "GET, HEAD" },
    { "languages", ROUTE_LANGUAGES, "GET, HEAD" },
    { "health", ROUTE_HEALTH, "GET, HEAD" },
    { "openapi.json", ROUTE_OPENAPI, "GET, HEAD" },
};

static const struct fixed_route id_routes[] = {
    { "result/", ROUTE_RESULT, "GET, HEAD" },
    { "result-problem/", ROUTE_RESULT_PROBLEM, "GET, HEAD" },
};

void route_match(const char *path, struct route *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    while (*path == '/')
        path++;
    for (i = 0; i < sizeof(fixed_routes) / sizeof(fixed_routes[0]); i++) {
        if (strcmp(path, fixed_routes[i].path) == 0) {
            out->kind = fixed_routes[i].kind;
            out->allow = fixed_routes[i].allow;
            return;
        }
    }
    for (i = 0; i < sizeof(id_routes) / sizeof(id_routes[0]); i++) {
        size_t n = strlen(id_routes[i].path);
        if (strncmp(path, id_routes[i].path, n) == 0) {
            const char *id = path + n;
            out->kind = id_routes[i].kind;
            out->allow = id_routes[i].allow;
            out->id_valid = uuid_is_valid(id);
            if (out->id_valid) {
                for (n = 0; n < 36; n++)
                    out->id[n] = (char)tolower((unsigned char)id[n]);
            }
            return;
        }
    }
    if (strncmp(path, "reports/", 8) == 0) {
        out->kind = ROUTE_REPORTS;
        out->allow = "GET, HEAD";
        out->report = path + 8;
        return;
    }
    out->kind = ROUTE_NONE;
}
