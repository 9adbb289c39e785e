/* keeper: a slot's pid 1 (init.c), the box whose root is built once and
 * which runs program after program while the slot's job dir and binds stay
 * the same. */
#ifndef CODERUN_BOX_KEEPER_H
#define CODERUN_BOX_KEEPER_H

#include "box/box.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

/* Reuses the slot's keeper when it fits the spec, else starts one. */
int keeper_start(struct box_slot *s, const struct box_config *cfg, const struct box_spec *spec,
                 const struct sock_fprog *filter, bool without_cgroup, char *err, size_t errlen);

/* Stops the keeper (its pid namespace goes with it) and reaps it. */
void keeper_stop(struct box_slot *s, struct rusage *ru);

int job_dir_open(const struct box_spec *spec);

#endif
