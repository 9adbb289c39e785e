/* Which endpoint a request path names, relative to the handler's Location. */
#ifndef CODERUN_ROUTE_H
#define CODERUN_ROUTE_H

enum route_kind {
    ROUTE_NONE,
    ROUTE_RUN,
    ROUTE_RESULT,
    ROUTE_EXECUTE_PROBLEM,
    ROUTE_RESULT_PROBLEM,
    ROUTE_METRICS,
    ROUTE_LANGUAGES,
    ROUTE_HEALTH,
    ROUTE_OPENAPI,
    ROUTE_REPORTS
};

struct route {
    enum route_kind kind;
    const char *allow;   /* the methods the endpoint answers, for 405 */
    char id[37];         /* lower-case UUID for the {id} routes, else "" */
    int id_valid;        /* 0 when the path has an id segment that is no UUID */
    const char *report;  /* ROUTE_REPORTS: the name after reports/ */
};

/* path is what follows the Location prefix, e.g. "/result/abc". */
void route_match(const char *path, struct route *out);

/* True when s is a UUID in text form (8-4-4-4-12 hex digits). */
int uuid_is_valid(const char *s);

#endif
