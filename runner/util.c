/* Allocation wrappers, the string buffer and the clock (see util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libxml/xmlmemory.h>

#include "atomic.h"
#include "util.h"

/*
 * Allocation failure injection, for tests only (tests/e2e/faults.sh, in
 * the spirit of curl's runtests.pl): with MLGATE_FAIL_ALLOC=K the K-th
 * counted allocation fails and takes the real out-of-memory path; with
 * MLGATE_COUNT_ALLOC=1 the number of counted allocations is printed at
 * exit, to learn how many K there are. Counted: every mlg_x* allocation
 * and, through the hooks mlg_alloc_setup() installs, cJSON's and
 * libxml2's. Not counted: libc's own (stdio buffers, getpwnam...),
 * libgit2's, libcurl's, OpenSSL's and PCRE2's.
 *
 * The variables are read once, before anything allocates; the normal
 * path pays one predictable branch on `alloc_inject` per allocation.
 */
static int alloc_inject;
static unsigned long alloc_fail_at;
static unsigned long alloc_count;

/* 1 when this allocation is the one to fail; atomic, as workers allocate too. */
static inline int alloc_injected_failure(void)
{
	if (__builtin_expect(!alloc_inject, 1))
		return 0;
	return __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED) == alloc_fail_at;
}

static void alloc_print_count(void)
{
	fprintf(stderr, "mlgate: allocations: %lu\n", __atomic_load_n(&alloc_count, __ATOMIC_RELAXED));
}

void mlg_alloc_setup(void)
{
	const char *fail = getenv("MLGATE_FAIL_ALLOC"), *count = getenv("MLGATE_COUNT_ALLOC");
	/*
	 * cJSON and libxml2 (the JUnit import) return NULL when an allocation
	 * fails, and a NULL from cJSON_AddStringToObject() is easy to miss:
	 * the report would silently lack a field and still look complete, or
	 * a parse that ran out of memory would read as invalid input. With
	 * these hooks their out of memory is ours: fatal, clean, exit 3. So
	 * no caller needs to check their allocating calls for NULL.
	 */
	cJSON_Hooks hooks = { mlg_xmalloc, NULL };

	cJSON_InitHooks(&hooks);
	xmlMemSetup(free, mlg_xmalloc, mlg_xrealloc, mlg_xstrdup);
	if (fail && *fail) {
		char *end;
		unsigned long k = strtoul(fail, &end, 10);

		if (!*end && k) {
			alloc_fail_at = k;
			alloc_inject = 1;
		}
	}
	if (count && !strcmp(count, "1")) {
		alloc_inject = 1;
		atexit(alloc_print_count);
	}
	/* Not for the commands under test (a nested mlgate would fail too). */
	unsetenv("MLGATE_FAIL_ALLOC");
	unsetenv("MLGATE_COUNT_ALLOC");
}

void mlg_die_oom(void)
{
	static const char msg[] = "mlgate: out of memory\n";

	/* A report being written is incomplete: remove it, leave no temp. */
	mlg_tempfile_remove_all();
	/* write(2) rather than stdio: we may be out of memory for buffers. */
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more can be done */
	}
	_exit(3);
}

void *mlg_xmalloc(size_t n)
{
	void *p = alloc_injected_failure() ? NULL : malloc(n ? n : 1);

	if (!p)
		mlg_die_oom();
	return p;
}

void *mlg_xcalloc(size_t count, size_t size)
{
	void *p = alloc_injected_failure() ? NULL : calloc(count ? count : 1, size ? size : 1);

	if (!p)
		mlg_die_oom();
	return p;
}

void *mlg_xrealloc(void *p, size_t n)
{
	void *q = alloc_injected_failure() ? NULL : realloc(p, n ? n : 1);

	if (!q)
		mlg_die_oom();
	return q;
}

char *mlg_xstrdup(const char *s)
{
	return mlg_xstrndup(s, strlen(s));
}

char *mlg_xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len = strnlen(s, n);

	p = mlg_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mlg_xasprintf(const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return mlg_strbuf_detach(&sb);
}

void mlg_strbuf_grow(struct mlg_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->alloc)
		return;
	if (need < sb->alloc * 2)
		need = sb->alloc * 2;
	if (need < 64)
		need = 64;
	sb->buf = mlg_xrealloc(sb->buf, need);
	sb->alloc = need;
}

void mlg_strbuf_add(struct mlg_strbuf *sb, const void *data, size_t len)
{
	mlg_strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void mlg_strbuf_addstr(struct mlg_strbuf *sb, const char *s)
{
	mlg_strbuf_add(sb, s, strlen(s));
}

void mlg_strbuf_addch(struct mlg_strbuf *sb, int c)
{
	char ch = (char)c;

	mlg_strbuf_add(sb, &ch, 1);
}

void mlg_strbuf_vaddf(struct mlg_strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	mlg_strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void mlg_strbuf_addf(struct mlg_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void mlg_strbuf_reset(struct mlg_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void mlg_strbuf_release(struct mlg_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

char *mlg_strbuf_detach(struct mlg_strbuf *sb)
{
	char *p;

	if (!sb->buf)
		return mlg_xstrdup("");
	p = sb->buf;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

const char *mlg_strbuf_str(const struct mlg_strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

size_t mlg_utf8_floor(const char *s, size_t n)
{
	/* A continuation byte (10xxxxxx) at s[n] means s[n] is inside a character. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

void mlg_strbuf_ellipsize(struct mlg_strbuf *sb, size_t max)
{
	if (sb->len <= max)
		return;
	sb->len = mlg_utf8_floor(sb->buf, max);
	sb->buf[sb->len] = '\0';
	mlg_strbuf_addstr(sb, "...");
}

char *mlg_str_replace(const char *s, const char *from, const char *to)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t n = strlen(from);
	const char *hit;

	if (!n)
		return mlg_xstrdup(s);
	while ((hit = strstr(s, from))) {
		mlg_strbuf_add(&sb, s, (size_t)(hit - s));
		mlg_strbuf_addstr(&sb, to);
		s = hit + n;
	}
	mlg_strbuf_addstr(&sb, s);
	return mlg_strbuf_detach(&sb);
}

double mlg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
