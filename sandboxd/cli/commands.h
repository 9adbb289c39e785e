/* commands: the sandboxd subcommands; argv[0] is the command name.
 * Each returns the process exit status. */
#ifndef CODERUN_COMMANDS_H
#define CODERUN_COMMANDS_H

#include "worker/config.h"

int cmd_migrate(const struct config *cfg, int argc, char **argv);
int cmd_key(const struct config *cfg, int argc, char **argv);
int cmd_run(const struct config *cfg, int argc, char **argv);
int cmd_serve(const struct config *cfg, int argc, char **argv);
int cmd_setup(const struct config *cfg, int argc, char **argv);
int cmd_purge(const struct config *cfg, int argc, char **argv);

#endif
