/* SHA-256 digests (OpenSSL libcrypto) of memory and files, as hex. */
#ifndef MLG_DIGEST_H
#define MLG_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/** Writes the lowercase hex SHA-256 of `len` bytes into hex[65]. */
void mlg_sha256_hex(const void *data, size_t len, char hex[65]);

/**
 * Hashes the file at `path` into hex[65] and its size into *bytes.
 * Returns 0, or MLG_ENOTFOUND when it cannot be read (message set).
 */
int mlg_sha256_file(const char *path, char hex[65], uint64_t *bytes);

/** Reads a whole file; *out (NUL-terminated, caller frees) and *len. */
int mlg_read_file(const char *path, char **out, size_t *len);

#endif
