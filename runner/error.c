/* Per-thread last-error message (libgit2's git_error_last, simplified). */
#include <stdarg.h>
#include <stdio.h>

#include "mlgate/error.h"

static _Thread_local char last_error[2048];

const char *mlg_error_last(void)
{
	return last_error;
}

static void set_message(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
}

int mlg_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return MLG_ERROR;
}

int mlg_error_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return code;
}

void mlg_error_clear(void)
{
	last_error[0] = '\0';
}
