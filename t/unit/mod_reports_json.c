/* The dashboard's reports: names, ?days=N and the answer's shape. */
#include <apr_general.h>
#include <string.h>

#include "reports_json.h"
#include "statements.h"
#include "tap.h"

static void test_find(void)
{
    const struct report *daily = report_find("daily");

    ok(daily && strcmp(daily->sql_all, SQL_REPORT_DAILY_ALL) == 0, "daily reads its view");
    ok(daily && strcmp(daily->sql_own, SQL_REPORT_DAILY_OWN) == 0, "and its own-key statement");
    ok(daily && daily->takes_days, "history takes days");
    ok(report_find("live") && !report_find("live")->takes_days, "live takes none");
    ok(report_find("keys") && report_find("verdicts") && report_find("cases")
       && report_find("latency"), "every history report");
    ok(!report_find("") && !report_find("dail") && !report_find("daily/") && !report_find("jobs"),
       "no other name");
}

static void test_days(void)
{
    is_int(report_days_param(NULL), REPORT_DAYS_DEFAULT, "no query string");
    is_int(report_days_param("x=1"), REPORT_DAYS_DEFAULT, "no days");
    is_int(report_days_param("days=7"), 7, "a week");
    is_int(report_days_param("a=b&days=1&c=d"), 1, "among other args");
    is_int(report_days_param("days=366"), 366, "the maximum");
    is_int(report_days_param("days=367"), -1, "over the maximum");
    is_int(report_days_param("days=99999999999999999999"), -1, "no overflow");
    is_int(report_days_param("days=0"), -1, "zero");
    is_int(report_days_param("days=-3"), -1, "negative");
    is_int(report_days_param("days="), -1, "empty");
    is_int(report_days_param("days=&x=1"), -1, "empty among others");
    is_int(report_days_param("days=1.5"), -1, "a fraction");
    is_int(report_days_param("days=7x"), -1, "trailing junk");
}

static void test_answer(apr_pool_t *pool)
{
    is_str(report_answer(pool, report_find("daily"), 1, 30, "[{\"jobs\":3}]"),
           "{\"rows\":[{\"jobs\":3}],\"report\":\"daily\",\"scope\":\"all\",\"days\":30}",
           "an array becomes rows");
    is_str(report_answer(pool, report_find("live"), 0, 30, "{\"queued\":2}"),
           "{\"queued\":2,\"report\":\"live\",\"scope\":\"own\"}",
           "an object keeps its members; live has no days");
    ok(!report_answer(pool, report_find("daily"), 1, 30, "42"), "a number is no report");
    ok(!report_answer(pool, report_find("daily"), 1, 30, "[{"), "broken JSON is no report");
}

int main(void)
{
    apr_pool_t *pool;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_find();
    test_days();
    test_answer(pool);
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
