/* share: who takes which input of a pass, who may join it, and that the
 * owner's close waits for the helpers inside. */
#include "worker/share.h"
#include "tap.h"

#include <pthread.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static struct case_share *join(struct share_board *b)
{
    pthread_mutex_lock(&lock);
    struct case_share *sh = share_join_locked(b);
    pthread_mutex_unlock(&lock);
    return sh;
}

struct helper {
    struct share_board *b;
    struct case_share *sh;
    bool left;
};

static void *leave_later(void *arg)
{
    struct helper *h = arg;
    usleep(100 * 1000);
    h->left = true;
    share_leave(h->b, h->sh, false);
    return NULL;
}

int main(void)
{
    struct share_board b;
    ok(share_board_init(&b, 2, &lock, &wake) == 0, "a board for two slots");
    struct job job = {.ncases = 4};
    struct box_limits lim = {.cpu_ms = 1};
    struct case_result cases[4];
    struct case_share sh;
    share_init(&sh, NULL, NULL, "code", &job, &lim, cases);
    ok(join(&b) == NULL, "nothing to join before the owner opens");
    share_open(&b, 1, &sh);
    is_int((int)share_left(&b, &sh), 4, "four inputs left");
    size_t i = 99;
    ok(share_take(&b, &sh, &i, NULL) && i == 0, "the owner takes input 0");
    ok(join(&b) == &sh, "an idle slot joins while three are left");
    bool away = false;
    ok(share_take(&b, &sh, &i, &away) && i == 1, "the helper takes input 1");
    away = true;
    ok(!share_take(&b, &sh, &i, &away), "a helper called away takes nothing");
    ok(share_take(&b, &sh, &i, NULL) && i == 2, "the owner takes input 2");
    ok(join(&b) == NULL, "one input left: nobody joins for it");
    share_leave(&b, &sh, false);
    ok(share_take(&b, &sh, &i, NULL) && i == 3, "the owner takes the last");
    ok(!share_take(&b, &sh, &i, NULL), "then nothing is left");
    share_close(&b, 1, &sh);
    is_int(sh.state, JOB_FINISHED, "a pass nobody stopped is finished");
    share_destroy(&sh);

    share_init(&sh, NULL, NULL, "code", &job, &lim, cases);
    share_open(&b, 0, &sh);
    struct helper h = {.b = &b, .sh = join(&b)};
    ok(h.sh == &sh, "joined");
    share_stop(&b, &sh, JOB_RETRY, "first");
    share_stop(&b, &sh, JOB_CANCELLED, "second");
    ok(!share_take(&b, &sh, &i, NULL), "a stopped pass gives no more inputs");
    ok(join(&b) == NULL, "and takes no helper");
    pthread_t t;
    pthread_create(&t, NULL, leave_later, &h);
    share_close(&b, 0, &sh);
    ok(h.left, "close waited for the helper to leave");
    pthread_join(t, NULL);
    is_int(sh.state, JOB_RETRY, "the first stop's state stays");
    is_str(sh.error, "first", "and its why");
    share_destroy(&sh);

    share_init(&sh, NULL, NULL, "code", &job, &lim, cases);
    share_open(&b, 0, &sh);
    share_leave(&b, join(&b), true);
    ok(join(&b) == NULL, "a helper that could not help shuts the pass to others");
    share_close(&b, 0, &sh);
    share_destroy(&sh);
    share_board_free(&b);
    return done_testing();
}
