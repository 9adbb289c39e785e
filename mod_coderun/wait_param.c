#include <stdlib.h>
#include <string.h>

#include "wait_param.h"

int wait_param_ms(const char *args)
{
    const char *p = args;
    char *end;
    double s;

    while (p && *p) {
        if (strncmp(p, "wait=", 5) == 0) {
            p += 5;
            if (*p < '0' || *p > '9')
                return -1;
            s = strtod(p, &end);
            if ((*end && *end != '&') || s > WAIT_MAX_SECONDS)
                return -1;
            return (int)(s * 1000);
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return 0;
}
