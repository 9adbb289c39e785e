/* share: a job's inputs spread over the slot that owns the job and the
 * idle slots that help it. */
#include "worker/share.h"

#include <stdlib.h>
#include <string.h>

int share_board_init(struct share_board *b, size_t nslots, pthread_mutex_t *lock,
                     pthread_cond_t *wake)
{
    b->lock = lock;
    b->wake = wake;
    b->nslots = nslots;
    b->open = calloc(nslots, sizeof(struct case_share *));
    return b->open ? 0 : -1;
}

void share_board_free(struct share_board *b)
{
    free(b->open);
    b->open = NULL;
}

void share_init(struct case_share *sh, const struct language *l, const char *template,
                const char *code, const struct job *job, const struct box_limits *lim,
                struct case_result *cases)
{
    *sh = (struct case_share){.lang = l, .template = template, .code = code, .job = job,
                              .limits = *lim, .cases = cases, .state = JOB_FINISHED};
    pthread_cond_init(&sh->left, NULL);
}

void share_destroy(struct case_share *sh)
{
    pthread_cond_destroy(&sh->left);
    free(sh->error);
    sh->error = NULL;
}

void share_open(struct share_board *b, unsigned slot, struct case_share *sh)
{
    pthread_mutex_lock(b->lock);
    b->open[slot] = sh;
    pthread_cond_broadcast(b->wake);
    pthread_mutex_unlock(b->lock);
}

void share_close(struct share_board *b, unsigned slot, struct case_share *sh)
{
    pthread_mutex_lock(b->lock);
    if (b->open[slot] == sh)
        b->open[slot] = NULL;
    sh->closed = true;
    while (sh->helpers)
        pthread_cond_wait(&sh->left, b->lock);
    pthread_mutex_unlock(b->lock);
}

/* Inputs still to take: none once a run stopped the pass. Under the lock. */
static size_t untaken(const struct case_share *sh)
{
    return sh->state == JOB_FINISHED ? sh->job->ncases - sh->next : 0;
}

bool share_take(struct share_board *b, struct case_share *sh, size_t *i, const bool *away)
{
    pthread_mutex_lock(b->lock);
    bool take = untaken(sh) > 0 && !(away && *away);
    if (take)
        *i = sh->next++;
    pthread_mutex_unlock(b->lock);
    return take;
}

size_t share_left(struct share_board *b, struct case_share *sh)
{
    pthread_mutex_lock(b->lock);
    size_t left = untaken(sh);
    pthread_mutex_unlock(b->lock);
    return left;
}

void share_stop(struct share_board *b, struct case_share *sh, enum job_state state,
                const char *why)
{
    pthread_mutex_lock(b->lock);
    if (sh->state == JOB_FINISHED) {
        sh->state = state;
        sh->error = strdup(why);
    }
    pthread_mutex_unlock(b->lock);
}

struct case_share *share_join_locked(struct share_board *b)
{
    for (size_t k = 0; k < b->nslots; k++) {
        struct case_share *sh = b->open[k];
        if (sh && !sh->closed && untaken(sh) >= 2) {
            sh->helpers++;
            return sh;
        }
    }
    return NULL;
}

void share_leave(struct share_board *b, struct case_share *sh, bool refuse)
{
    pthread_mutex_lock(b->lock);
    sh->closed |= refuse;
    sh->helpers--;
    pthread_cond_broadcast(&sh->left);
    pthread_mutex_unlock(b->lock);
}
