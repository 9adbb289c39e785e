/* keys: API tokens. The database stores only SHA-256 digests of tokens. */
#ifndef CODERUN_KEYS_H
#define CODERUN_KEYS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

#define KEYS_TOKEN_BYTES 32
#define KEYS_TOKEN_LEN 43            /* base64url of 32 bytes, no padding */
#define KEYS_DIGEST_LEN 32

/* base64url without padding; out holds 4*ceil(n/3)+1 bytes. */
void keys_base64url(const unsigned char *in, size_t n, char *out);

/* A fresh token from getrandom(2). 0 or -1. */
int keys_token_new(char out[KEYS_TOKEN_LEN + 1]);

/* SHA-256 of the token as lowercase hex (64 chars + NUL). 0 or -1. */
int keys_digest_hex(const char *token, size_t len, char out[2 * KEYS_DIGEST_LEN + 1]);

int keys_add(PGconn *conn, const char *name, const char *token,
             char *err, size_t errlen);

/* One line per key: name, created_at, last_used_at or -, active|revoked. */
int keys_list(PGconn *conn, FILE *out, char *err, size_t errlen);

/* 0 revoked, 1 no active key of that name, -1 error. */
int keys_revoke(PGconn *conn, const char *name, char *err, size_t errlen);

#endif
