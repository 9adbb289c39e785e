/* utf8: invalid sequences and NUL become U+FFFD, valid text is kept. */
#include "tap.h"
#include "common/utf8.h"

#include <stdlib.h>

static void check(const char *in, size_t len, const char *want, const char *name)
{
    char *got = utf8_sanitize(in, len);
    is_str(got, want, name);
    free(got);
}

#define FFFD "\xEF\xBF\xBD"

int main(void)
{
    check("hello", 5, "hello", "ASCII unchanged");
    check("", 0, "", "empty");
    check("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
          "2, 3 and 4 byte sequences kept");
    check("a\0b", 3, "a" FFFD "b", "NUL replaced");
    check("\xFF", 1, FFFD, "0xFF replaced");
    check("\xC0\xAF", 2, FFFD FFFD, "overlong 2-byte replaced");
    check("\xE0\x80\xAF", 3, FFFD FFFD FFFD, "overlong 3-byte replaced");
    check("\xED\xA0\x80", 3, FFFD FFFD FFFD, "surrogate replaced");
    check("\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD, "beyond U+10FFFF replaced");
    check("ab\xE2\x82", 4, "ab" FFFD FFFD, "truncated sequence at the end");
    check("\x80x", 2, FFFD "x", "lone continuation byte");
    is_int(utf8_sequence((const unsigned char *)"\xF0\x9F\x98\x80", 4), 4, "sequence length 4");
    is_int(utf8_sequence((const unsigned char *)"\xF0\x9F\x98", 3), 0, "short buffer is invalid");
    return done_testing();
}
