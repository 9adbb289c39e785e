/* keys: base64url encoding, fresh tokens, SHA-256 digests. */
#include "cli/keys.h"
#include "tap.h"

int main(void)
{
    char out[64];
    keys_base64url((const unsigned char *)"", 0, out);
    is_str(out, "", "base64url of nothing");
    keys_base64url((const unsigned char *)"f", 1, out);
    is_str(out, "Zg", "one byte, no padding");
    keys_base64url((const unsigned char *)"fo", 2, out);
    is_str(out, "Zm8", "two bytes, no padding");
    keys_base64url((const unsigned char *)"foobar", 6, out);
    is_str(out, "Zm9vYmFy", "RFC 4648 vector");
    keys_base64url((const unsigned char *)"\xfb\xff\xbf", 3, out);
    is_str(out, "-_-_", "url-safe alphabet");

    char a[KEYS_TOKEN_LEN + 1], b[KEYS_TOKEN_LEN + 1];
    is_int(keys_token_new(a), 0, "token made");
    is_int(keys_token_new(b), 0, "second token made");
    is_int(strlen(a), 43, "token is 43 characters");
    ok(strcmp(a, b) != 0, "tokens differ");
    ok(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43,
       "token is base64url");

    char hex[2 * KEYS_DIGEST_LEN + 1];
    is_int(keys_digest_hex("abc", 3, hex), 0, "digest computed");
    is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
           "SHA-256 of abc");
    keys_digest_hex("", 0, hex);
    is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "SHA-256 of the empty string");
    return done_testing();
}
