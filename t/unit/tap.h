/* Minimal TAP producer for the C unit tests (run through t/00-unit.t). */
#ifndef CODERUN_TAP_H
#define CODERUN_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *name, const char *file, int line)
{
    printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_n, name);
    if (!cond) {
        tap_failed++;
        printf("#   Failed test '%s' at %s line %d\n", name, file, line);
    }
    return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name), __FILE__, __LINE__)
#define is_int(got, want, name) do {                                        \
        long long g_ = (got), w_ = (want);                                  \
        if (!ok(g_ == w_, name)) printf("#   got %lld want %lld\n", g_, w_); \
    } while (0)
#define is_str(got, want, name) do {                                        \
        const char *g_ = (got), *w_ = (want);                               \
        if (!ok(g_ && w_ && strcmp(g_, w_) == 0, name))                     \
            printf("#   got '%s' want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
