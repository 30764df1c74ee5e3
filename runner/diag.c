/* Suite diagnostics: problems with file:line:col and JSON path. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "mlgate/suite.h"
#include "text.h"
#include "util.h"

/*
 * Takes `message` (freed here). Every part is stored as one line with its
 * control characters escaped (text.h): a message quotes suite values, and
 * those may come from ${VAR} (a pull request's title, say); diagnostics
 * are printed before any ::stop-commands:: region, so a newline in one
 * would start a workflow command line of its own.
 */
static void add_item(struct mlg_diag *diag, const char *path, int line, int col, char *message)
{
	struct mlg_diag_item *it;

	MLG_ALLOC_GROW(diag->items, diag->count + 1, diag->alloc);
	it = &diag->items[diag->count++];
	it->file = mlg_text_one_line(diag->file);
	it->path = mlg_text_one_line(path);
	it->line = line;
	it->column = col;
	it->message = mlg_text_one_line(message);
	free(message);
}

void mlg_diag__add_at(struct mlg_diag *diag, const char *path, int line, int col, const char *msg);
void mlg_diag__add_at(struct mlg_diag *diag, const char *path, int line, int col, const char *msg)
{
	add_item(diag, path, line, col, mlg_xstrdup(msg));
}

static void vadd(struct mlg_diag *diag, const char *path, const char *fmt, va_list ap)
{
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	struct mlg_strbuf probe = MLG_STRBUF_INIT;
	int line = 0, col = 0;

	mlg_strbuf_vaddf(&msg, fmt, ap);
	/* A path that does not exist in the text (a missing parameter) points
	 * at its nearest existing parent, so the user still gets a line. */
	mlg_strbuf_addstr(&probe, path ? path : "");
	while (mlg_jsonpos_lookup(diag->positions, mlg_strbuf_str(&probe), &line, &col) < 0 &&
	       probe.len) {
		char *dot = strrchr(probe.buf, '.');
		char *br = strrchr(probe.buf, '[');
		char *cut = dot > br ? dot : br;

		probe.len = cut ? (size_t)(cut - probe.buf) : 0;
		probe.buf[probe.len] = '\0';
	}
	mlg_strbuf_release(&probe);
	add_item(diag, path, line, col, mlg_strbuf_detach(&msg));
}

void mlg_diag_add(struct mlg_diag *diag, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(diag, path, fmt, ap);
	va_end(ap);
}

void mlg_diag_check(struct mlg_diag *diag, const struct mlg_check *check, const char *param,
		    const char *fmt, ...)
{
	struct mlg_strbuf path = MLG_STRBUF_INIT;
	va_list ap;

	mlg_strbuf_addf(&path, "checks[%zu]", check->index);
	if (param)
		mlg_jsonpath_member(&path, param, strlen(param));
	va_start(ap, fmt);
	vadd(diag, path.buf, fmt, ap);
	va_end(ap);
	mlg_strbuf_release(&path);
}

void mlg_diag_check_at(struct mlg_diag *diag, const struct mlg_check *check, const char *param,
		       const char *sub, const char *fmt, ...)
{
	struct mlg_strbuf path = MLG_STRBUF_INIT;
	va_list ap;

	mlg_strbuf_addf(&path, "checks[%zu]", check->index);
	if (param)
		mlg_jsonpath_member(&path, param, strlen(param));
	mlg_strbuf_addstr(&path, sub ? sub : "");
	va_start(ap, fmt);
	vadd(diag, path.buf, fmt, ap);
	va_end(ap);
	mlg_strbuf_release(&path);
}

void mlg_diag_release(struct mlg_diag *diag)
{
	for (size_t i = 0; i < diag->count; i++) {
		free(diag->items[i].file);
		free(diag->items[i].path);
		free(diag->items[i].message);
	}
	free(diag->items);
	diag->items = NULL;
	diag->count = diag->alloc = 0;
}
