/* ?wait=S parsing. */
#include "wait_param.h"
#include "tap.h"

int main(void)
{
    is_int(wait_param_ms(NULL), 0, "no query string");
    is_int(wait_param_ms("format=json"), 0, "no wait");
    is_int(wait_param_ms("wait=10"), 10000, "seconds");
    is_int(wait_param_ms("wait=0.5"), 500, "fractions");
    is_int(wait_param_ms("a=1&wait=2&b=3"), 2000, "among other args");
    is_int(wait_param_ms("wait=30"), 30000, "the maximum");
    is_int(wait_param_ms("wait=31"), -1, "over the maximum");
    is_int(wait_param_ms("wait=-1"), -1, "negative");
    is_int(wait_param_ms("wait="), -1, "empty");
    is_int(wait_param_ms("wait=abc"), -1, "not a number");
    is_int(wait_param_ms("wait=1e9"), -1, "exponent over the maximum");
    is_int(wait_param_ms("wait=5x"), -1, "trailing junk");
    return done_testing();
}
