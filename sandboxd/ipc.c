#define _GNU_SOURCE
#include "ipc.h"
#include "boxerr.h"

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

static int clear_shm(void)
{
    struct shm_info info;
    struct shmid_ds ds;
    int max = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
    for (int i = 0; max >= 0 && info.used_ids > 0 && i <= max; i++) {
        int id = shmctl(i, SHM_STAT, &ds);
        if (id >= 0 && shmctl(id, IPC_RMID, NULL) != 0)
            return -1;
    }
    return max < 0 ? -1 : 0;
}

static int clear_sem(void)
{
    struct seminfo info;
    struct semid_ds ds;
    int max = semctl(0, 0, SEM_INFO, (union semun){.__buf = &info});
    for (int i = 0; max >= 0 && info.semusz > 0 && i <= max; i++) {
        int id = semctl(i, 0, SEM_STAT, (union semun){.buf = &ds});
        if (id >= 0 && semctl(id, 0, IPC_RMID) != 0)
            return -1;
    }
    return max < 0 ? -1 : 0;
}

static int clear_msg(void)
{
    struct msginfo info;
    struct msqid_ds ds;
    int max = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
    for (int i = 0; max >= 0 && info.msgpool > 0 && i <= max; i++) {
        int id = msgctl(i, MSG_STAT, &ds);
        if (id >= 0 && msgctl(id, IPC_RMID, NULL) != 0)
            return -1;
    }
    return max < 0 ? -1 : 0;
}

int ipc_clear(char *err, size_t errlen)
{
    if (clear_shm() != 0)
        return box_fail(err, errlen, "remove shared memory");
    if (clear_sem() != 0)
        return box_fail(err, errlen, "remove semaphores");
    if (clear_msg() != 0)
        return box_fail(err, errlen, "remove message queues");
    return 0;
}
