/* text: small string helpers shared by the config and language parsers. */
#ifndef CODERUN_TEXT_H
#define CODERUN_TEXT_H

#include <stddef.h>

/* Strip leading and trailing blanks in place; returns the first non-blank. */
char *text_trim(char *s);

/* Split "key = value" in place at the first '='; both sides trimmed.
 * Returns 0, or -1 when the line has no '='. */
int text_split_kv(char *line, char **key, char **value);

/* Read a whole file into a NUL-terminated buffer (the length excludes it). */
char *text_read_file(const char *path, size_t *len);

/* The same from an open descriptor, read to its end; fd stays open. */
char *text_read_fd(int fd, size_t *len);

/* Split a command line on blanks into a NULL-terminated argv; no quoting:
 * language commands are plain words. Free with text_free_argv. */
char **text_split_words(const char *cmd);
void text_free_argv(char **argv);

#endif
