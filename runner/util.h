/*
 * Small internal helpers shared by the runner and the built-in kinds:
 * allocation that never returns NULL, a growable string buffer, time.
 *
 * Out of memory is fatal, as in git's xmalloc(): the process prints
 * "mlgate: out of memory" and exits with code 3 (could not evaluate),
 * which fails the CI job closed. Nothing is promoted.
 */
#ifndef MLG_UTIL_H
#define MLG_UTIL_H

#include <stddef.h>
#include <stdarg.h>

/**
 * Removes the temporary reports being written (atomic.h), prints
 * "mlgate: out of memory" and exits with code 3. Nothing is flushed:
 * stdio may need memory, and a half-written report must not survive.
 */
void mlg_die_oom(void) __attribute__((noreturn));

/**
 * Makes cJSON's and libxml2's allocations go through mlg_xmalloc() (so
 * their out of memory is fatal and clean too) and reads the test-only
 * variables MLGATE_FAIL_ALLOC=K (the K-th counted allocation fails) and
 * MLGATE_COUNT_ALLOC=1 (print the number of counted allocations at exit).
 * Call once, first thing in main(), before any thread or allocation.
 */
void mlg_alloc_setup(void);
void *mlg_xmalloc(size_t n);
void *mlg_xcalloc(size_t count, size_t size);
void *mlg_xrealloc(void *p, size_t n);
char *mlg_xstrdup(const char *s);
char *mlg_xstrndup(const char *s, size_t n);
/** A newly allocated formatted string; the caller frees it. */
char *mlg_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define MLG_ALLOC_GROW(p, n, alloc)                                        \
	do {                                                               \
		if ((n) > (alloc)) {                                       \
			size_t alloc_new_ = (alloc) ? (alloc) * 2 : 8;     \
			if (alloc_new_ < (n))                              \
				alloc_new_ = (n);                          \
			(p) = mlg_xrealloc((p), alloc_new_ * sizeof(*(p))); \
			(alloc) = alloc_new_;                              \
		}                                                          \
	} while (0)

/*
 * A growable, always NUL-terminated byte buffer (git's strbuf, trimmed).
 * MLG_STRBUF_INIT allocates nothing; mlg_strbuf_release() frees and resets;
 * mlg_strbuf_detach() hands the bytes to the caller, who frees them.
 */
struct mlg_strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define MLG_STRBUF_INIT { NULL, 0, 0 }

void mlg_strbuf_grow(struct mlg_strbuf *sb, size_t extra);
void mlg_strbuf_add(struct mlg_strbuf *sb, const void *data, size_t len);
void mlg_strbuf_addstr(struct mlg_strbuf *sb, const char *s);
void mlg_strbuf_addch(struct mlg_strbuf *sb, int c);
void mlg_strbuf_addf(struct mlg_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mlg_strbuf_vaddf(struct mlg_strbuf *sb, const char *fmt, va_list ap);
void mlg_strbuf_reset(struct mlg_strbuf *sb);
void mlg_strbuf_release(struct mlg_strbuf *sb);
/** Returns the buffer (never NULL) and leaves `sb` empty; caller frees. */
char *mlg_strbuf_detach(struct mlg_strbuf *sb);
/** The buffer's text, "" when nothing was added (never NULL). */
const char *mlg_strbuf_str(const struct mlg_strbuf *sb);
/**
 * Text longer than `max` bytes is cut at the last character boundary at
 * or before `max` and "..." is appended; shorter text is left alone.
 */
void mlg_strbuf_ellipsize(struct mlg_strbuf *sb, size_t max);

/**
 * The largest length <= n at which s[0..len) ends on a UTF-8 character
 * boundary (s must have at least n + 1 readable bytes when n < its
 * length): where to cut text without splitting a character.
 */
size_t mlg_utf8_floor(const char *s, size_t n);

/** A copy of `s` with every `from` replaced by `to`; the caller frees it. */
char *mlg_str_replace(const char *s, const char *from, const char *to);

/** Seconds on the monotonic clock. */
double mlg_now(void);

#endif
