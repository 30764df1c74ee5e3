/*
 * mlgate error reporting.
 *
 * Functions of the mlgate API return 0 on success or a negative MLG_E*
 * code. The human-readable reason is kept per thread and read with
 * mlg_error_last(); it stays valid until the same thread sets another.
 */
#ifndef MLGATE_ERROR_H
#define MLGATE_ERROR_H

enum mlg_error_code {
	MLG_OK = 0,
	MLG_ERROR = -1,     /* generic failure: see mlg_error_last() */
	MLG_ENOTFOUND = -2, /* a file, key or item does not exist */
	MLG_EINVALID = -3,  /* input is malformed */
	MLG_ETIMEOUT = -4,  /* a deadline passed */
	MLG_EINTR = -5      /* interrupted by a signal or a cancel flag */
};

/** The last error message set on this thread ("" when none). */
const char *mlg_error_last(void);

/** Sets this thread's error message, printf-style; returns MLG_ERROR. */
int mlg_error_set(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/** Sets the message and returns `code` (for `return mlg_error_code(..)`). */
int mlg_error_code(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/** Clears this thread's error message. */
void mlg_error_clear(void);

#endif
