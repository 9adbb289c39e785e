#define _GNU_SOURCE
#include "box/ipc.h"
#include "box/boxerr.h"

#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* semctl's fourth argument, which callers must define (semctl(2)). */
union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

/* Per kind: the highest index in use (and how many exist), the id at an
 * index (-1 when free), removal by id. */
static int shm_highest(long *used)
{
    struct shm_info info = {0};
    int max = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
    *used = (long)info.used_ids;
    return max;
}

static int shm_id_at(int index)
{
    struct shmid_ds ds;
    return shmctl(index, SHM_STAT, &ds);
}

static int shm_remove(int id)
{
    return shmctl(id, IPC_RMID, NULL);
}

static int sem_highest(long *used)
{
    struct seminfo info = {0};
    int max = semctl(0, 0, SEM_INFO, (union semun){.__buf = &info});
    *used = info.semusz;
    return max;
}

static int sem_id_at(int index)
{
    struct semid_ds ds;
    return semctl(index, 0, SEM_STAT, (union semun){.buf = &ds});
}

static int sem_remove(int id)
{
    return semctl(id, 0, IPC_RMID);
}

static int msg_highest(long *used)
{
    struct msginfo info = {0};
    int max = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
    *used = info.msgpool;   /* MSG_INFO: the number of queues */
    return max;
}

static int msg_id_at(int index)
{
    struct msqid_ds ds;
    return msgctl(index, MSG_STAT, &ds);
}

static int msg_remove(int id)
{
    return msgctl(id, IPC_RMID, NULL);
}

static const struct ipc_kind {
    const char *what;
    int (*highest)(long *used);
    int (*id_at)(int index);
    int (*remove)(int id);
} kinds[] = {
    {"shared memory", shm_highest, shm_id_at, shm_remove},
    {"semaphores", sem_highest, sem_id_at, sem_remove},
    {"message queues", msg_highest, msg_id_at, msg_remove},
};

int ipc_clear(char *err, size_t errlen)
{
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        long used;
        int max = kinds[k].highest(&used);
        if (max < 0)
            return box_fail(err, errlen, "list %s", kinds[k].what);
        for (int i = 0; used > 0 && i <= max; i++) {
            int id = kinds[k].id_at(i);
            if (id >= 0 && kinds[k].remove(id) != 0)
                return box_fail(err, errlen, "remove %s", kinds[k].what);
        }
    }
    return 0;
}
