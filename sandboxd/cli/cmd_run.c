/* cmd_run: `sandboxd run FILE` — one sandboxed run for trying languages and
 * the sandbox by hand; stdin is the input, the result is printed as JSON.
 * When a serve listens on the run socket of the same box_dir, it runs
 * there (runsock.h); else, or with --standalone, in a box of its own.
 * `--repeat N` runs it N times and adds the median time of a whole run
 * (set-up, program, tear-down): the per-run cost `serve` pays, without
 * this process's own start. */
#include "box/box.h"
#include "cli/commands.h"
#include "worker/oneshot.h"
#include "worker/runsock.h"
#include "common/text.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies s into a request field; -1 when it does not fit. */
static int set_field(char *field, size_t size, const char *s)
{
    return snprintf(field, size, "%s", s) < (int)size ? 0 : -1;
}

static int parse_options(int argc, char **argv, struct oneshot *o, bool *standalone)
{
    static const struct option longopts[] = {
        {"lang", required_argument, NULL, 'l'},
        {"mode", required_argument, NULL, 'm'},
        {"time-ms", required_argument, NULL, 't'},
        {"memory-mb", required_argument, NULL, 'M'},
        {"output-kb", required_argument, NULL, 'o'},
        {"repeat", required_argument, NULL, 'r'},
        {"standalone", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct oneshot){.mode = "program", .time_ms = 2000, .memory_mb = 256,
                          .output_kb = 64, .repeat = 1};
    *standalone = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        unsigned *num = opt == 't' ? &o->time_ms : opt == 'M' ? &o->memory_mb
                      : opt == 'o' ? &o->output_kb : opt == 'r' ? &o->repeat : NULL;
        if (opt == 'l' || opt == 'm') {
            if (opt == 'l' ? set_field(o->lang, sizeof o->lang, optarg)
                           : set_field(o->mode, sizeof o->mode, optarg))
                return -1;
        } else if (opt == 's') {
            *standalone = true;
        } else if (!num || (*num = (unsigned)strtoul(optarg, NULL, 10)) == 0) {
            return -1;
        }
    }
    if (optind != argc - 1 || set_field(o->file, sizeof o->file, argv[optind]) != 0)
        return -1;
    return 0;
}

/* In a box of its own: the slot one past the serve slots (its own uid,
 * cgroup and scratch dir), built for this run and torn down after it. */
static int run_standalone(const struct config *cfg, const struct oneshot *o, const char *code,
                          const char *input, size_t len)
{
    char err[512];
    struct lang_table *langs = lang_load(cfg->languages, err, sizeof err);
    if (!langs) {
        fprintf(stderr, "sandboxd: %s\n", err);
        return 1;
    }
    struct box_config box = {.box_dir = cfg->box_dir, .uid_base = cfg->uid_base,
                             .disk_mb = cfg->disk_mb, .allow_degraded = cfg->allow_degraded};
    struct runner r = {.dir_fd = -1, .use_fd = -1};
    int status = 1;
    if (box_init(&box, err, sizeof err) != 0 || runner_init(&r, &box, cfg->slots, err, sizeof err) != 0) {
        fprintf(stderr, "sandboxd: %s\n", err);
    } else {
        if (box.degraded_why[0])
            fprintf(stderr, "sandboxd: warning: limits by rlimits only (allow_degraded = yes): %s\n",
                    box.degraded_why);
        status = oneshot_run(&r, langs, o, code, input, len, stdout, stderr);
    }
    runner_close(&r);
    lang_release(langs);
    return status;
}

int cmd_run(const struct config *cfg, int argc, char **argv)
{
    struct oneshot o;
    bool standalone;
    if (parse_options(argc, argv, &o, &standalone) != 0)
        return -1;
    size_t code_len, len;
    char *code = text_read_file(o.file, &code_len);
    if (!code) {
        fprintf(stderr, "sandboxd: %s: %s\n", o.file, strerror(errno));
        return 1;
    }
    char *input = text_read_fd(STDIN_FILENO, &len);
    char err[512];
    int status = 1, handed = 1;
    if (!input)
        fprintf(stderr, "sandboxd: stdin: %s\n", strerror(errno));
    else if (!standalone
             && (handed = runsock_call(cfg->box_dir, &o, code, code_len, input, len, &status,
                                       err, sizeof err)) < 0)
        fprintf(stderr, "sandboxd: %s\n", err);
    else if (handed > 0)
        status = run_standalone(cfg, &o, code, input, len);
    free(input);
    free(code);
    return status;
}
