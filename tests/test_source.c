/* Unit tests for dataset sources (runner/source.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "mlgate/error.h"
#include "mlgate/source.h"

/* Each test's own temp folder (real path), removed by teardown. */
static char tmpdir[PATH_MAX];

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	char *real;

	(void)state;
	snprintf(tmpl, sizeof(tmpl), "%s/mlgate-test-source-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	if (!real)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", real);
	free(real);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/name, in a static buffer per slot (several paths live at once). */
static const char *in_tmp(const char *name)
{
	static char bufs[4][PATH_MAX + 64];
	static int next;
	char *p = bufs[next++ % 4];

	snprintf(p, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return p;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = in_tmp(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(n, 32);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Reads the whole source `cap` bytes at a time; asserts it never fails. */
static char *read_all(struct mlg_source *src, size_t cap, size_t *len)
{
	size_t alloc = 1 << 16;
	char *out = malloc(alloc), *buf = malloc(cap);
	ssize_t got;

	assert_non_null(out);
	assert_non_null(buf);
	*len = 0;
	while ((got = mlg_source_read(src, buf, cap)) != 0) {
		if (got < 0)
			fail_msg("mlg_source_read: %s", mlg_error_last());
		assert_true((size_t)got <= cap);
		if (*len + (size_t)got > alloc) {
			while (*len + (size_t)got > alloc)
				alloc *= 2;
			out = realloc(out, alloc);
			assert_non_null(out);
		}
		memcpy(out + *len, buf, (size_t)got);
		*len += (size_t)got;
	}
	/* The end stays the end. */
	assert_int_equal(mlg_source_read(src, buf, cap), 0);
	free(buf);
	return out;
}

/* Reads until the source fails; returns the code (asserting it does fail). */
static ssize_t read_until_error(struct mlg_source *src)
{
	static char buf[65536];
	ssize_t got;

	while ((got = mlg_source_read(src, buf, sizeof(buf))) > 0)
		;
	assert_true(got < 0);
	return got;
}

/* One gzip member of `data` (zlib's deflate with gzip framing). */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	unsigned char *out;
	size_t bound;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, (uLong)len) + 64;
	out = malloc(bound);
	assert_non_null(out);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)bound;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = bound - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static unsigned char *zstd_bytes(const void *data, size_t len, size_t *out_len)
{
	size_t bound = ZSTD_compressBound(len);
	unsigned char *out = malloc(bound);

	assert_non_null(out);
	*out_len = ZSTD_compress(out, bound, data, len, 1);
	assert_false(ZSTD_isError(*out_len));
	return out;
}

/* a ++ b, freeing both. */
static unsigned char *concat(unsigned char *a, size_t alen, unsigned char *b, size_t blen)
{
	unsigned char *out = realloc(a, alen + blen);

	assert_non_null(out);
	memcpy(out + alen, b, blen);
	free(b);
	return out;
}

/*
 * Test data that is neither all noise nor all repetition, so both the
 * stored and the literal paths of the decompressors run: CSV-like lines
 * with random numbers, and a random block in the middle.
 */
static char *make_data(size_t len)
{
	char *p = malloc(len);
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t i = 0;

	assert_non_null(p);
	while (i < len) {
		char line[64];
		int n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i > len / 3 && i < len / 2) {
			p[i++] = (char)(x >> 24);
			continue;
		}
		n = snprintf(line, sizeof(line), "%llu,%u,label%u\n", (unsigned long long)(x >> 20),
			     (unsigned)(x & 1023), (unsigned)(x >> 60));
		for (int k = 0; k < n && i < len; k++)
			p[i++] = line[k];
	}
	return p;
}

static struct mlg_source *open_ok(const char *path, const struct mlg_source_options *opts)
{
	struct mlg_source *src = NULL;

	if (mlg_source_open(&src, path, opts) < 0)
		fail_msg("mlg_source_open(%s): %s", path, mlg_error_last());
	assert_non_null(src);
	return src;
}

static void assert_sha(struct mlg_source *src, const void *stored, size_t len)
{
	char want[65], got[65];

	sha256_hex(stored, len, want);
	assert_int_equal(mlg_source_sha256(src, got), 0);
	assert_string_equal(got, want);
}

static void test_plain_file(void **state)
{
	static const char text[] = "id,label\n1,cat\n2,dog\n";
	const char *path = write_file("train.csv", text, sizeof(text) - 1);
	struct mlg_source *src = open_ok(path, NULL);
	const char *data;
	char *bytes;
	size_t len;

	(void)state;
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_FILE);
	assert_string_equal(mlg_source_kind_name(mlg_source_kind(src)), "file");
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(data, text, len);
	assert_int_equal(mlg_source_stored_bytes(src), sizeof(text) - 1);
	assert_sha(src, text, sizeof(text) - 1);
	/* Cached: a second call answers the same. */
	assert_sha(src, text, sizeof(text) - 1);
	/* Mapped sources read like streams too. */
	bytes = read_all(src, 3, &len);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(bytes, text, len);
	free(bytes);
	mlg_source_free(src);
	mlg_source_free(NULL);
}

static void test_empty_file(void **state)
{
	const char *path = write_file("empty.csv", "", 0);
	struct mlg_source *src = open_ok(path, NULL);
	const char *data = NULL;
	char hex[65], buf[8];
	size_t len = 1;

	(void)state;
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_FILE);
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_non_null(data);
	assert_int_equal(len, 0);
	assert_int_equal(mlg_source_read(src, buf, sizeof(buf)), 0);
	assert_int_equal(mlg_source_stored_bytes(src), 0);
	assert_int_equal(mlg_source_sha256(src, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mlg_source_free(src);
}

static void test_missing_file(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = (struct mlg_source *)&opts; /* must be reset to NULL */

	(void)state;
	opts.shown = "data/missing.csv";
	assert_int_equal(mlg_source_open(&src, in_tmp("missing.csv"), &opts), MLG_ENOTFOUND);
	assert_null(src);
	assert_string_equal(mlg_error_last(), "cannot open 'data/missing.csv': No such file or directory");
	/* Without `shown`, the path itself. */
	assert_int_equal(mlg_source_open(&src, in_tmp("missing.csv"), NULL), MLG_ENOTFOUND);
	assert_non_null(strstr(mlg_error_last(), "/missing.csv': No such file or directory"));
}

static void test_fifo_refused(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;
	const char *path = in_tmp("pipe.csv");

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	opts.shown = "pipe.csv";
	/* If open() waited for a writer, SIGALRM would end the test run. */
	alarm(10);
	assert_int_equal(mlg_source_open(&src, path, &opts), MLG_EINVALID);
	alarm(0);
	assert_null(src);
	assert_string_equal(mlg_error_last(), "'pipe.csv' is not a regular file (a FIFO)");
}

static void test_directory_refused(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;

	(void)state;
	opts.shown = "data";
	assert_int_equal(mlg_source_open(&src, tmpdir, &opts), MLG_EINVALID);
	assert_null(src);
	assert_string_equal(mlg_error_last(), "'data' is not a regular file (a folder)");
}

static void test_bad_options(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;
	const char *path = write_file("a.csv", "a\n", 2);

	(void)state;
	opts.version = 99;
	assert_int_equal(mlg_source_open(&src, path, &opts), MLG_EINVALID);
	assert_null(src);
	assert_non_null(strstr(mlg_error_last(), "options version 99"));
}

/* Writes `stored`, opens it, checks kind, sha256 and the bytes read with `cap`. */
static void check_stream(const char *name, const unsigned char *stored, size_t stored_len,
			 enum mlg_source_kind kind, const char *want, size_t want_len, size_t cap)
{
	const char *path = write_file(name, stored, stored_len);
	struct mlg_source *src = open_ok(path, NULL);
	const char *data;
	char hex[65], *got;
	size_t len;

	assert_int_equal(mlg_source_kind(src), kind);
	assert_int_equal(mlg_source_data(src, &data, &len), -1);
	assert_int_equal(mlg_source_stored_bytes(src), stored_len);
	/* Streamed from disk: the digest is known only at the end. */
	assert_int_equal(mlg_source_sha256(src, hex), -1);
	got = read_all(src, cap, &len);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, len);
	assert_sha(src, stored, stored_len);
	assert_int_equal(mlg_source_stored_bytes(src), stored_len);
	free(got);
	mlg_source_free(src);
}

static void test_gzip_single(void **state)
{
	static const char text[] = "id,label\n1,cat\n2,dog\n3,bird\n";
	size_t zlen;
	unsigned char *z = gzip_bytes(text, sizeof(text) - 1, &zlen);

	(void)state;
	/* The name says .csv: the magic bytes decide. */
	check_stream("train.csv", z, zlen, MLG_SOURCE_GZIP, text, sizeof(text) - 1, 1);
	check_stream("train2.csv.gz", z, zlen, MLG_SOURCE_GZIP, text, sizeof(text) - 1, 4096);
	assert_string_equal(mlg_source_kind_name(MLG_SOURCE_GZIP), "gzip");
	free(z);
}

static void test_gzip_multi_member(void **state)
{
	static const char a[] = "id,label\n1,cat\n", b[] = "2,dog\n3,bird\n", c[] = "";
	char want[64];
	size_t alen, blen, clen;
	unsigned char *z = gzip_bytes(a, sizeof(a) - 1, &alen);
	unsigned char *zb = gzip_bytes(b, sizeof(b) - 1, &blen);
	/* An empty member at the end, as `gzip -c /dev/null >>f` adds. */
	unsigned char *zc = gzip_bytes(c, 0, &clen);

	(void)state;
	z = concat(z, alen, zb, blen);
	z = concat(z, alen + blen, zc, clen);
	snprintf(want, sizeof(want), "%s%s", a, b);
	check_stream("multi.csv.gz", z, alen + blen + clen, MLG_SOURCE_GZIP, want, strlen(want), 1);
	check_stream("multi2.csv.gz", z, alen + blen + clen, MLG_SOURCE_GZIP, want, strlen(want), 5);
	check_stream("multi3.csv.gz", z, alen + blen + clen, MLG_SOURCE_GZIP, want, strlen(want), 1000);
	free(z);
}

/* The gzip tool's own output, when there is one: members made by `>>`. */
static void test_gzip_tool(void **state)
{
	char cmd[3 * PATH_MAX];
	const char *want = "id,label\n1,cat\n2,dog\n";
	struct mlg_source *src;
	char *got;
	size_t len;

	(void)state;
	if (system("gzip --version >/dev/null 2>&1") != 0)
		skip();
	write_file("a.csv", "id,label\n1,cat\n", 15);
	write_file("b.csv", "2,dog\n", 6);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gzip -c a.csv >f.gz && gzip -c b.csv >>f.gz", tmpdir);
	assert_int_equal(system(cmd), 0);
	src = open_ok(in_tmp("f.gz"), NULL);
	got = read_all(src, 7, &len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
	free(got);
	mlg_source_free(src);
}

static void test_zstd(void **state)
{
	static const char a[] = "id,label\n1,cat\n", b[] = "2,dog\n3,bird\n";
	char want[64];
	size_t alen, blen;
	unsigned char *z = zstd_bytes(a, sizeof(a) - 1, &alen);
	unsigned char *zb = zstd_bytes(b, sizeof(b) - 1, &blen);

	(void)state;
	check_stream("one.csv.zst", z, alen, MLG_SOURCE_ZSTD, a, sizeof(a) - 1, 1);
	/* Two frames one after the other, as `zstd -c b >>f` makes. */
	z = concat(z, alen, zb, blen);
	snprintf(want, sizeof(want), "%s%s", a, b);
	check_stream("two.csv", z, alen + blen, MLG_SOURCE_ZSTD, want, strlen(want), 1);
	check_stream("two2.csv", z, alen + blen, MLG_SOURCE_ZSTD, want, strlen(want), 4096);
	assert_string_equal(mlg_source_kind_name(MLG_SOURCE_ZSTD), "zstd");
	free(z);
}

#define LARGE ((size_t)3 * 1024 * 1024 + 12345)

static void test_large_gzip(void **state)
{
	char *data = make_data(LARGE);
	size_t zlen;
	unsigned char *z = gzip_bytes(data, LARGE, &zlen);

	(void)state;
	check_stream("large.csv.gz", z, zlen, MLG_SOURCE_GZIP, data, LARGE, 1000);
	check_stream("large2.csv.gz", z, zlen, MLG_SOURCE_GZIP, data, LARGE, 8 << 20);
	free(z);
	/* Two members, the second starting past the first 1 MiB read. */
	{
		size_t alen, blen;
		unsigned char *za = gzip_bytes(data, LARGE / 6 * 5, &alen);
		unsigned char *zb = gzip_bytes(data + LARGE / 6 * 5, LARGE - LARGE / 6 * 5, &blen);

		assert_true(alen > 1 << 20);
		z = concat(za, alen, zb, blen);
		check_stream("large3.csv.gz", z, alen + blen, MLG_SOURCE_GZIP, data, LARGE, 65536);
		free(z);
	}
	free(data);
}

static void test_large_zstd(void **state)
{
	char *data = make_data(LARGE);
	size_t zlen;
	unsigned char *z = zstd_bytes(data, LARGE, &zlen);

	(void)state;
	check_stream("large.csv.zst", z, zlen, MLG_SOURCE_ZSTD, data, LARGE, 1000);
	check_stream("large2.csv.zst", z, zlen, MLG_SOURCE_ZSTD, data, LARGE, 8 << 20);
	free(z);
	/* Two frames, the second starting past the first 1 MiB read. */
	{
		size_t alen, blen;
		unsigned char *za = zstd_bytes(data, LARGE / 6 * 5, &alen);
		unsigned char *zb = zstd_bytes(data + LARGE / 6 * 5, LARGE - LARGE / 6 * 5, &blen);

		assert_true(alen > 1 << 20);
		z = concat(za, alen, zb, blen);
		check_stream("large3.csv.zst", z, alen + blen, MLG_SOURCE_ZSTD, data, LARGE, 65536);
		free(z);
	}
	free(data);
}

static void test_large_file(void **state)
{
	char *data = make_data(LARGE);
	const char *path = write_file("large.csv", data, LARGE);
	struct mlg_source *src = open_ok(path, NULL);
	const char *mapped;
	size_t len;
	char *got;

	(void)state;
	assert_int_equal(mlg_source_data(src, &mapped, &len), 0);
	assert_int_equal(len, LARGE);
	assert_memory_equal(mapped, data, LARGE);
	got = read_all(src, 1 << 20, &len);
	assert_int_equal(len, LARGE);
	assert_memory_equal(got, data, LARGE);
	assert_sha(src, data, LARGE);
	free(got);
	free(data);
	mlg_source_free(src);
}

static void test_corrupt_gzip(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	char *data = make_data(256 * 1024);
	size_t zlen;
	unsigned char *z = gzip_bytes(data, 256 * 1024, &zlen);
	struct mlg_source *src;
	char hex[65], first[512];

	(void)state;
	for (size_t i = zlen / 2; i < zlen / 2 + 16; i++)
		z[i] ^= 0x5a;
	opts.shown = "data/train.csv.gz";
	src = open_ok(write_file("bad.csv.gz", z, zlen), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "'data/train.csv.gz': corrupt gzip data near byte "));
	snprintf(first, sizeof(first), "%s", mlg_error_last());
	/* It stays failed, with the same words, and no digest is claimed. */
	assert_int_equal(mlg_source_read(src, first + 500, 4), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), first);
	assert_int_equal(mlg_source_sha256(src, hex), -1);
	mlg_source_free(src);

	/* Not gzip at all past the magic bytes. */
	src = open_ok(write_file("bad2.csv.gz", "\x1f\x8b\x01\x02\x03\x04\x05\x06\x07\x08", 10), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "corrupt gzip data near byte "));
	mlg_source_free(src);
	free(z);
	free(data);
}

static void test_truncated(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	char *data = make_data(256 * 1024);
	size_t glen, zlen;
	unsigned char *g = gzip_bytes(data, 256 * 1024, &glen);
	unsigned char *z = zstd_bytes(data, 256 * 1024, &zlen);
	struct mlg_source *src;

	(void)state;
	opts.shown = "t.gz";
	src = open_ok(write_file("t.gz", g, glen / 2), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'t.gz': truncated gzip stream");
	mlg_source_free(src);

	/* Cut inside the 8-byte trailer: all data out, the check missing. */
	src = open_ok(write_file("t2.gz", g, glen - 3), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'t.gz': truncated gzip stream");
	mlg_source_free(src);

	/* Only the magic bytes. */
	src = open_ok(write_file("t3.gz", g, 2), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'t.gz': truncated gzip stream");
	mlg_source_free(src);

	opts.shown = "t.zst";
	src = open_ok(write_file("t.zst", z, zlen / 2), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'t.zst': truncated zstd stream");
	mlg_source_free(src);

	src = open_ok(write_file("t2.zst", z, zlen - 1), &opts);
	assert_int_equal(read_until_error(src), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'t.zst': truncated zstd stream");
	mlg_source_free(src);

	/* Garbage after a complete frame is corrupt, not ignored. */
	{
		unsigned char *zz = malloc(zlen + 8);

		assert_non_null(zz);
		memcpy(zz, z, zlen);
		memcpy(zz + zlen, "garbage!", 8);
		src = open_ok(write_file("t3.zst", zz, zlen + 8), &opts);
		assert_int_equal(read_until_error(src), MLG_EINVALID);
		assert_non_null(strstr(mlg_error_last(), "'t.zst': corrupt zstd data near byte "));
		mlg_source_free(src);
		free(zz);
	}
	free(g);
	free(z);
	free(data);
}

static const char lfs_pointer[] =
	"version https://git-lfs.github.com/spec/v1\n"
	"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
	"size 12345678\n";

static void test_lfs_pointer_file(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;
	const char *path = write_file("big.parquet", lfs_pointer, sizeof(lfs_pointer) - 1);

	(void)state;
	opts.shown = "data/big.parquet";
	assert_int_equal(mlg_source_open(&src, path, &opts), MLG_EINVALID);
	assert_null(src);
	assert_string_equal(mlg_error_last(),
			    "'data/big.parquet' is a Git LFS pointer (oid sha256:4d7a214614ab…, size "
			    "12345678), not the data: fetch the LFS objects first (`git lfs pull`, or "
			    "`lfs: true` in actions/checkout)");

	/* Text that only starts like one is data. */
	path = write_file("notes.txt", lfs_pointer, 44);
	src = open_ok(path, NULL);
	mlg_source_free(src);
}

/*
 * A repository in tmpdir with one commit on HEAD holding `n` files
 * (names may have one folder level: "sub/x.csv").
 */
struct file {
	const char *name;
	const void *data;
	size_t len;
};

static void commit_files(const struct file *files, size_t n)
{
	git_repository *repo = NULL;
	git_treebuilder *top = NULL, *sub = NULL;
	git_oid oid, tree_oid, commit_oid;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_object *parent = NULL;

	assert_true(git_libgit2_init() > 0);
	assert_int_equal(git_repository_init(&repo, tmpdir, 0), 0);
	assert_int_equal(git_treebuilder_new(&top, repo, NULL), 0);
	assert_int_equal(git_treebuilder_new(&sub, repo, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(files[i].name, '/');

		assert_int_equal(git_blob_create_from_buffer(&oid, repo, files[i].data, files[i].len), 0);
		if (slash)
			assert_int_equal(git_treebuilder_insert(NULL, sub, slash + 1, &oid,
								GIT_FILEMODE_BLOB), 0);
		else
			assert_int_equal(git_treebuilder_insert(NULL, top, files[i].name, &oid,
								GIT_FILEMODE_BLOB), 0);
	}
	if (git_treebuilder_entrycount(sub)) {
		assert_int_equal(git_treebuilder_write(&oid, sub), 0);
		assert_int_equal(git_treebuilder_insert(NULL, top, "sub", &oid, GIT_FILEMODE_TREE), 0);
	}
	assert_int_equal(git_treebuilder_write(&tree_oid, top), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_oid), 0);
	assert_int_equal(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), 0);
	/* A second call commits on top of the first. */
	if (git_revparse_single(&parent, repo, "HEAD^{commit}") == 0)
		assert_int_equal(git_commit_create_v(&commit_oid, repo, "HEAD", sig, sig, NULL, "more\n",
						     tree, 1, (const git_commit *)parent), 0);
	else
		assert_int_equal(git_commit_create_v(&commit_oid, repo, "HEAD", sig, sig, NULL, "data\n",
						     tree, 0), 0);
	git_object_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(sub);
	git_treebuilder_free(top);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

static void test_git_head_blob(void **state)
{
	static const char committed[] = "id,label\n1,cat\n", changed[] = "id,label\n1,dog\n2,cow\n";
	static const char gone[] = "only,in,git\n";
	const struct file files[] = {
		{ "train.csv", committed, sizeof(committed) - 1 },
		{ "sub/gone.csv", gone, sizeof(gone) - 1 },
	};
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src;
	const char *data;
	char *got;
	size_t len;

	(void)state;
	commit_files(files, 2);
	/* The working tree moved on; the revision did not. */
	write_file("train.csv", changed, sizeof(changed) - 1);
	opts.git_ref = "HEAD";
	opts.repo_dir = tmpdir;
	opts.shown = "train.csv";
	src = open_ok(in_tmp("train.csv"), &opts);
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_BLOB);
	assert_string_equal(mlg_source_kind_name(MLG_SOURCE_BLOB), "git blob");
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_int_equal(len, sizeof(committed) - 1);
	assert_memory_equal(data, committed, len);
	assert_int_equal(mlg_source_stored_bytes(src), sizeof(committed) - 1);
	assert_sha(src, committed, sizeof(committed) - 1);
	got = read_all(src, 4, &len);
	assert_int_equal(len, sizeof(committed) - 1);
	assert_memory_equal(got, committed, len);
	free(got);
	mlg_source_free(src);

	/* Gone from disk (folder and all), still there at HEAD; repo_dir defaults to the folder. */
	opts.repo_dir = NULL;
	src = open_ok(in_tmp("sub/gone.csv"), &opts);
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_int_equal(len, sizeof(gone) - 1);
	assert_memory_equal(data, gone, len);
	mlg_source_free(src);

	/*
	 * Through a symbolic link (as /tmp is to /private/tmp on macOS): the
	 * dataset and the repository are compared as real paths.
	 */
	assert_int_equal(symlink(".", in_tmp("alias")), 0);
	opts.repo_dir = in_tmp("alias");
	src = open_ok(in_tmp("alias/train.csv"), &opts);
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_int_equal(len, sizeof(committed) - 1);
	assert_memory_equal(data, committed, len);
	mlg_source_free(src);
}

static void test_git_errors(void **state)
{
	static const char text[] = "a\n";
	const struct file files[] = { { "train.csv", text, 2 }, { "sub/x.csv", text, 2 } };
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;

	(void)state;
	commit_files(files, 2);
	opts.repo_dir = tmpdir;

	opts.git_ref = "no-such-branch";
	opts.shown = "train.csv";
	assert_int_equal(mlg_source_open(&src, in_tmp("train.csv"), &opts), MLG_ENOTFOUND);
	assert_null(src);
	assert_non_null(strstr(mlg_error_last(), "git_ref 'no-such-branch': unknown revision ("));

	opts.git_ref = "HEAD";
	opts.shown = "other.csv";
	assert_int_equal(mlg_source_open(&src, in_tmp("other.csv"), &opts), MLG_ENOTFOUND);
	assert_string_equal(mlg_error_last(), "'other.csv' does not exist at HEAD");

	opts.shown = "sub";
	assert_int_equal(mlg_source_open(&src, in_tmp("sub"), &opts), MLG_EINVALID);
	assert_string_equal(mlg_error_last(), "'sub' is a folder at HEAD");

	opts.shown = "elsewhere.csv";
	assert_int_equal(mlg_source_open(&src, "/elsewhere.csv", &opts), MLG_EINVALID);
	assert_non_null(strstr(mlg_error_last(), "'elsewhere.csv' is outside the git repository at"));
	assert_null(src);
}

static void test_git_not_a_repository(void **state)
{
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;
	git_repository *repo = NULL;
	int inside;

	(void)state;
	/* Only meaningful when the temp folder is not itself inside a repository. */
	git_libgit2_init();
	inside = git_repository_open_ext(&repo, tmpdir, 0, NULL) == 0;
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (inside)
		skip();
	write_file("train.csv", "a\n", 2);
	opts.git_ref = "HEAD";
	opts.repo_dir = tmpdir;
	assert_int_equal(mlg_source_open(&src, in_tmp("train.csv"), &opts), MLG_ENOTFOUND);
	assert_null(src);
	assert_non_null(strstr(mlg_error_last(), tmpdir));
	assert_non_null(strstr(mlg_error_last(), "is not in a git repository"));
}

static void test_git_lfs_pointer(void **state)
{
	const struct file files[] = { { "big.parquet", lfs_pointer, sizeof(lfs_pointer) - 1 } };
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;

	(void)state;
	commit_files(files, 1);
	opts.git_ref = "HEAD";
	opts.repo_dir = tmpdir;
	opts.shown = "big.parquet";
	assert_int_equal(mlg_source_open(&src, in_tmp("big.parquet"), &opts), MLG_EINVALID);
	assert_null(src);
	assert_non_null(strstr(mlg_error_last(), "'big.parquet' at HEAD is a Git LFS pointer (oid sha256:4d7a"));
	assert_non_null(strstr(mlg_error_last(), "git lfs pull"));
}

static void test_git_compressed_blob(void **state)
{
	char *data = make_data(LARGE);
	size_t glen, zlen;
	unsigned char *g = gzip_bytes(data, LARGE, &glen);
	unsigned char *z = zstd_bytes(data, LARGE, &zlen);
	const struct file files[] = { { "train.csv.gz", g, glen }, { "train.csv.zst", z, zlen } };
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src;
	const char *mapped;
	char *got;
	size_t len;

	(void)state;
	commit_files(files, 2);
	opts.git_ref = "HEAD";
	opts.repo_dir = tmpdir;

	src = open_ok(in_tmp("train.csv.gz"), &opts);
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_GZIP);
	assert_int_equal(mlg_source_data(src, &mapped, &len), -1);
	assert_int_equal(mlg_source_stored_bytes(src), glen);
	got = read_all(src, 65536, &len);
	assert_int_equal(len, LARGE);
	assert_memory_equal(got, data, LARGE);
	assert_sha(src, g, glen);
	free(got);
	mlg_source_free(src);

	src = open_ok(in_tmp("train.csv.zst"), &opts);
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_ZSTD);
	/* In memory, the digest of the blob is known before reading. */
	assert_sha(src, z, zlen);
	got = read_all(src, 8 << 20, &len);
	assert_int_equal(len, LARGE);
	assert_memory_equal(got, data, LARGE);
	free(got);
	mlg_source_free(src);

	/* A truncated committed stream names the revision. */
	{
		const struct file cut[] = { { "cut.gz", g, glen / 2 } };

		commit_files(cut, 1);
		opts.shown = "cut.gz";
		src = open_ok(in_tmp("cut.gz"), &opts);
		assert_int_equal(read_until_error(src), MLG_EINVALID);
		assert_string_equal(mlg_error_last(), "'cut.gz' at HEAD: truncated gzip stream");
		mlg_source_free(src);
	}
	free(g);
	free(z);
	free(data);
}

/*
 * A commit holding one file `name` (NULL: no file) with `text`, on `ref`,
 * with `parent` (NULL: a root commit); its id in *out. The repository in
 * tmpdir is created on first use.
 */
static void commit_on(const char *ref, const git_oid *parent, const char *name, const char *text,
		      git_oid *out)
{
	git_repository *repo = NULL;
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_commit *par = NULL;
	git_signature *sig = NULL;
	git_oid blob, tree_oid;

	assert_true(git_libgit2_init() > 0);
	if (git_repository_open(&repo, tmpdir) < 0)
		assert_int_equal(git_repository_init(&repo, tmpdir, 0), 0);
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	if (name) {
		assert_int_equal(git_blob_create_from_buffer(&blob, repo, text, strlen(text)), 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb, name, &blob, GIT_FILEMODE_BLOB), 0);
	}
	assert_int_equal(git_treebuilder_write(&tree_oid, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_oid), 0);
	assert_int_equal(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), 0);
	if (parent)
		assert_int_equal(git_commit_lookup(&par, repo, parent), 0);
	assert_int_equal(git_commit_create_v(out, repo, ref, sig, sig, NULL, "c\n", tree, parent ? 1 : 0,
					     par), 0);
	git_commit_free(par);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

/* Points HEAD at `ref` (which need not exist: then HEAD is unborn). */
static void set_head(const char *ref)
{
	git_repository *repo = NULL;

	assert_true(git_libgit2_init() > 0);
	assert_int_equal(git_repository_open(&repo, tmpdir), 0);
	assert_int_equal(git_repository_set_head(repo, ref), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

/* The bytes of a blob source, as a string (the caller frees). */
static char *blob_text(struct mlg_source *src)
{
	const char *data;
	size_t len;
	char *out;

	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	out = malloc(len + 1);
	assert_non_null(out);
	memcpy(out, data, len);
	out[len] = '\0';
	return out;
}

/*
 *   A (base) --- B           main: a later commit after feature branched
 *     \
 *      C                     feature (HEAD)
 * With merge_base, "main" reads A's file, not B's.
 */
static void test_git_merge_base(void **state)
{
	git_oid a, b, c;
	char hex_a[41], hex_b[41], commit[MLG_SOURCE_COMMIT_SIZE], want[128];
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src;
	char *text;

	(void)state;
	commit_on("refs/heads/main", NULL, "metrics.json", "{\"auc\": 0.86}", &a);
	commit_on("refs/heads/main", &a, "metrics.json", "{\"auc\": 0.99}", &b);
	commit_on("refs/heads/feature", &a, "metrics.json", "{\"auc\": 0.84}", &c);
	set_head("refs/heads/feature");
	git_oid_tostr(hex_a, sizeof(hex_a), &a);
	git_oid_tostr(hex_b, sizeof(hex_b), &b);

	opts.git_ref = "main";
	opts.repo_dir = tmpdir;
	opts.shown = "metrics.json";
	opts.merge_base = 1;
	opts.commit = commit;
	src = open_ok(in_tmp("metrics.json"), &opts);
	assert_int_equal(mlg_source_kind(src), MLG_SOURCE_BLOB);
	text = blob_text(src);
	assert_string_equal(text, "{\"auc\": 0.86}");
	assert_string_equal(commit, hex_a);
	free(text);
	mlg_source_free(src);

	/* Without merge_base: the ref's own commit, as datasets read it. */
	opts.merge_base = 0;
	src = open_ok(in_tmp("metrics.json"), &opts);
	text = blob_text(src);
	assert_string_equal(text, "{\"auc\": 0.99}");
	assert_string_equal(commit, hex_b);
	free(text);
	mlg_source_free(src);

	/* HEAD on main itself: the merge base is main's tip. */
	set_head("refs/heads/main");
	opts.merge_base = 1;
	src = open_ok(in_tmp("metrics.json"), &opts);
	text = blob_text(src);
	assert_string_equal(text, "{\"auc\": 0.99}");
	assert_string_equal(commit, hex_b);
	free(text);
	mlg_source_free(src);

	/* A path the base lacks: not found, with the commit known and named. */
	set_head("refs/heads/feature");
	opts.shown = "eval/new.json";
	src = (struct mlg_source *)&opts;
	assert_int_equal(mlg_source_open(&src, in_tmp("eval/new.json"), &opts), MLG_ENOTFOUND);
	assert_null(src);
	assert_string_equal(commit, hex_a);
	snprintf(want, sizeof(want), "'eval/new.json' does not exist at main (merge base %.7s)", hex_a);
	assert_string_equal(mlg_error_last(), want);
	(void)c;
}

static void test_git_merge_base_errors(void **state)
{
	git_oid a, b, orphan;
	char commit[MLG_SOURCE_COMMIT_SIZE];
	struct mlg_source_options opts = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src = NULL;

	(void)state;
	commit_on("refs/heads/main", NULL, "metrics.json", "{}", &a);
	commit_on("refs/heads/feature", &a, "metrics.json", "{}", &b);
	commit_on("refs/heads/other", NULL, "metrics.json", "{\"other\": 1}", &orphan);
	set_head("refs/heads/feature");
	opts.repo_dir = tmpdir;
	opts.shown = "metrics.json";
	opts.merge_base = 1;
	opts.commit = commit;

	/* Unknown: the revision is not there, so no commit; the hint says how to fetch it. */
	opts.git_ref = "origin/main";
	memcpy(commit, "junk", 5);
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_string_equal(commit, "");
	assert_non_null(strstr(mlg_error_last(), "git_ref 'origin/main': unknown revision ("));
	assert_non_null(strstr(mlg_error_last(), "`fetch-depth: 0` in actions/checkout"));
	assert_non_null(strstr(mlg_error_last(), "`GIT_DEPTH: 0` on GitLab CI"));
	assert_non_null(strstr(mlg_error_last(), "run `git fetch origin main` first"));
	opts.git_ref = "release";
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_non_null(strstr(mlg_error_last(), "run `git fetch origin release:release` first"));
	opts.git_ref = "0123456789abcdef";
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_non_null(strstr(mlg_error_last(), "run `git fetch origin 0123456789abcdef` first"));
	/* Datasets (no merge_base) keep the plain message. */
	opts.merge_base = 0;
	opts.git_ref = "release";
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_null(strstr(mlg_error_last(), "fetch"));
	opts.merge_base = 1;

	/* Unrelated histories. */
	opts.git_ref = "other";
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_string_equal(commit, "");
	assert_string_equal(mlg_error_last(),
			    "HEAD and git_ref 'other' have no commit in common (unrelated histories)");

	/* HEAD without a commit. */
	set_head("refs/heads/nothing-yet");
	opts.git_ref = "main";
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_ENOTFOUND);
	assert_string_equal(commit, "");
	assert_string_equal(mlg_error_last(),
			    "HEAD has no commit yet: there is nothing to compare with git_ref 'main'");

	/* merge_base needs a revision. */
	opts.git_ref = NULL;
	assert_int_equal(mlg_source_open(&src, in_tmp("metrics.json"), &opts), MLG_EINVALID);
	assert_null(src);
}

/* Callers built against version 1 of the options still work (and never get merge_base). */
static void test_options_version_1(void **state)
{
	static const char committed[] = "a\n1\n";
	const struct file files[] = { { "train.csv", committed, sizeof(committed) - 1 } };
	struct {
		unsigned int version;
		const char *git_ref, *repo_dir, *shown;
	} v1 = { 1, "HEAD", NULL, "train.csv" };
	struct mlg_source *src = NULL;
	const char *data;
	size_t len;

	(void)state;
	commit_files(files, 1);
	v1.repo_dir = tmpdir;
	assert_int_equal(mlg_source_open(&src, in_tmp("train.csv"), (const struct mlg_source_options *)&v1), 0);
	assert_int_equal(mlg_source_data(src, &data, &len), 0);
	assert_int_equal(len, sizeof(committed) - 1);
	mlg_source_free(src);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plain_file),
		T(test_empty_file),
		T(test_missing_file),
		T(test_fifo_refused),
		T(test_directory_refused),
		T(test_bad_options),
		T(test_gzip_single),
		T(test_gzip_multi_member),
		T(test_gzip_tool),
		T(test_zstd),
		T(test_large_gzip),
		T(test_large_zstd),
		T(test_large_file),
		T(test_corrupt_gzip),
		T(test_truncated),
		T(test_lfs_pointer_file),
		T(test_git_head_blob),
		T(test_git_errors),
		T(test_git_not_a_repository),
		T(test_git_lfs_pointer),
		T(test_git_compressed_blob),
		T(test_git_merge_base),
		T(test_git_merge_base_errors),
		T(test_options_version_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
