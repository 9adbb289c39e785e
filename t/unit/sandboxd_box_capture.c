/* capture: head mode keeps the first bytes, tail mode the last; both count
 * everything offered. */
#include "box/capture.h"
#include "tap.h"

#include <stdlib.h>

int main(void)
{
    struct capture c;
    size_t len;
    capture_init(&c, 8, false);
    capture_add(&c, "hello ", 6);
    capture_add(&c, "world", 5);
    ok(capture_truncated(&c), "head: over the cap is truncated");
    is_int((long long)c.total, 11, "head: total counts every byte");
    char *s = capture_take(&c, &len);
    is_str(s, "hello wo", "head: keeps the first bytes");
    free(s);
    capture_free(&c);

    capture_init(&c, 4, true);
    capture_add(&c, "ab", 2);
    capture_add(&c, "cdef", 4);
    capture_add(&c, "g", 1);
    s = capture_take(&c, &len);
    is_str(s, "defg", "tail: keeps the last bytes");
    is_int((long long)len, 4, "tail: length is the cap");
    free(s);
    capture_free(&c);

    capture_init(&c, 4, true);
    capture_add(&c, "0123456789", 10);
    s = capture_take(&c, &len);
    is_str(s, "6789", "tail: one big write keeps its end");
    free(s);
    capture_free(&c);

    capture_init(&c, 16, false);
    capture_add(&c, "a\0b", 3);
    ok(!capture_truncated(&c), "under the cap is not truncated");
    s = capture_take(&c, &len);
    is_int((long long)len, 3, "NUL bytes are kept");
    free(s);
    capture_free(&c);
    return done_testing();
}
