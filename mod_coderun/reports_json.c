#include <string.h>
#include <json-c/json.h>

#include "json_out.h"
#include "reports_json.h"
#include "statements.h"

static const struct report reports[] = {
    { "live", SQL_REPORT_LIVE_ALL, SQL_REPORT_LIVE_OWN, 0 },
    { "daily", SQL_REPORT_DAILY_ALL, SQL_REPORT_DAILY_OWN, 1 },
    { "keys", SQL_REPORT_KEYS_ALL, SQL_REPORT_KEYS_OWN, 1 },
    { "verdicts", SQL_REPORT_VERDICTS_ALL, SQL_REPORT_VERDICTS_OWN, 1 },
    { "cases", SQL_REPORT_CASES_ALL, SQL_REPORT_CASES_OWN, 1 },
    { "latency", SQL_REPORT_LATENCY_ALL, SQL_REPORT_LATENCY_OWN, 1 },
};

const struct report *report_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        if (strcmp(name, reports[i].name) == 0)
            return &reports[i];
    }
    return NULL;
}

/* The value of days=... within args: digits only, then '&' or the end. */
static int parse_days(const char *value)
{
    long days = 0;

    if (*value == '&' || *value == '\0')
        return -1;
    for (; *value && *value != '&'; value++) {
        if (*value < '0' || *value > '9')
            return -1;
        days = days * 10 + (*value - '0');
        if (days > REPORT_DAYS_MAX)
            return -1;
    }
    return days >= 1 ? (int)days : -1;
}

int report_days_param(const char *args)
{
    const char *arg = args;

    while (arg && *arg) {
        if (strncmp(arg, "days=", 5) == 0)
            return parse_days(arg + 5);
        arg = strchr(arg, '&');
        if (arg)
            arg++;
    }
    return REPORT_DAYS_DEFAULT;
}

const char *report_answer(apr_pool_t *pool, const struct report *report, int all,
                          int days, const char *json)
{
    json_object *data = json_tokener_parse(json);
    json_object *answer;

    if (json_object_is_type(data, json_type_object)) {
        answer = data;
    } else if (json_object_is_type(data, json_type_array)) {
        answer = json_object_new_object();
        json_object_object_add(answer, "rows", data);
    } else {
        json_object_put(data);
        return NULL;
    }
    json_object_object_add(answer, "report", json_object_new_string(report->name));
    json_object_object_add(answer, "scope", json_object_new_string(all ? "all" : "own"));
    if (report->takes_days)
        json_object_object_add(answer, "days", json_object_new_int(days));
    return json_out(pool, answer);
}
