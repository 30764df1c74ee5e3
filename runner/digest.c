/* File reading and SHA-256 (see digest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest.h"
#include "mlgate/error.h"
#include "util.h"

static void to_hex(const unsigned char *md, unsigned int n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

void mlg_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, n, hex);
}

int mlg_sha256_file(const char *path, char hex[65], uint64_t *bytes)
{
	EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t bufsize = 1 << 20;
	char *buf;
	ssize_t got;
	int fd, error = 0;

	*bytes = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlg_error_code(MLG_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
	buf = mlg_xmalloc(bufsize);
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		free(buf);
		close(fd);
		return mlg_error_set("cannot hash '%s': out of memory", path);
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((got = read(fd, buf, bufsize)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			error = mlg_error_code(MLG_ERROR, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)got);
		*bytes += (uint64_t)got;
	}
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	if (!error)
		to_hex(md, n, hex);
	return error;
}

int mlg_read_file(const char *path, char **out, size_t *len)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	struct stat st;
	ssize_t got;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mlg_error_code(MLG_ENOTFOUND, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return mlg_error_code(MLG_ENOTFOUND, "cannot read '%s': Is a directory", path);
	}
	for (;;) {
		mlg_strbuf_grow(&sb, 65536);
		got = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			close(fd);
			mlg_strbuf_release(&sb);
			return mlg_error_code(MLG_ERROR, "cannot read '%s': %s", path, strerror(e));
		}
		if (got == 0)
			break;
		sb.len += (size_t)got;
		sb.buf[sb.len] = '\0';
	}
	close(fd);
	*len = sb.len;
	*out = mlg_strbuf_detach(&sb);
	return 0;
}
