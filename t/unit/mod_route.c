/* Path routing and id validation. */
#include "route.h"
#include "tap.h"

int main(void)
{
    struct route r;

    ok(uuid_is_valid("9ac93e5f-3a0b-42fa-957c-bb7fbf0ef58b"), "uuid");
    ok(uuid_is_valid("9AC93E5F-3A0B-42FA-957C-BB7FBF0EF58B"), "upper-case uuid");
    ok(!uuid_is_valid("9ac93e5f-3a0b-42fa-957c-bb7fbf0ef58"), "short uuid");
    ok(!uuid_is_valid("9ac93e5f-3a0b-42fa-957c-bb7fbf0ef58bb"), "long uuid");
    ok(!uuid_is_valid("9ac93e5f3a0b-42fa-957c-bb7fbf0ef58bb"), "misplaced dash");
    ok(!uuid_is_valid("../../etc/passwd"), "path traversal");
    ok(!uuid_is_valid(""), "empty");

    route_match("/run", &r);
    is_int(r.kind, ROUTE_RUN, "/run");
    is_str(r.allow, "POST", "/run allows POST");
    route_match("run", &r);
    is_int(r.kind, ROUTE_RUN, "run without slash");
    route_match("/run/", &r);
    is_int(r.kind, ROUTE_NONE, "/run/ is no route");

    route_match("/result/9AC93E5F-3A0B-42FA-957C-BB7FBF0EF58B", &r);
    is_int(r.kind, ROUTE_RESULT, "/result/{id}");
    ok(r.id_valid, "id valid");
    is_str(r.id, "9ac93e5f-3a0b-42fa-957c-bb7fbf0ef58b", "id lower-cased");
    route_match("/result/nope", &r);
    is_int(r.kind, ROUTE_RESULT, "/result/bad");
    ok(!r.id_valid, "bad id flagged");
    route_match("/result/", &r);
    ok(r.kind == ROUTE_RESULT && !r.id_valid, "/result/ without id");
    route_match("/result-problem/9ac93e5f-3a0b-42fa-957c-bb7fbf0ef58b", &r);
    is_int(r.kind, ROUTE_RESULT_PROBLEM, "/result-problem/{id}");
    route_match("/health", &r);
    is_int(r.kind, ROUTE_HEALTH, "/health");
    route_match("/nothing", &r);
    is_int(r.kind, ROUTE_NONE, "unknown path");
    route_match("/reports/daily", &r);
    is_int(r.kind, ROUTE_REPORTS, "/reports/{name}");
    is_str(r.report, "daily", "the report's name");
    is_str(r.allow, "GET, HEAD", "reports answer GET");
    route_match("/reports", &r);
    is_int(r.kind, ROUTE_NONE, "/reports alone is no route");
    return done_testing();
}
