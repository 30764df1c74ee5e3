/*
 * The terminal report: a line per check (with the metrics table of model
 * checks under it), failures explained, a summary line. Also the metrics
 * table helpers the other report writers share (report_internal.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/report.h"
#include "report_internal.h"
#include "text.h"
#include "util.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *label(const struct mlg_check *c, const struct mlg_result *r, const char **color)
{
	switch (r->status) {
	case MLG_STATUS_PASSED:
		*color = GREEN;
		return "PASS ";
	case MLG_STATUS_SKIPPED:
		*color = DIM;
		return "SKIP ";
	case MLG_STATUS_FAILED:
		*color = c->severity_warn ? YELLOW : RED;
		return c->severity_warn ? "WARN " : "FAIL ";
	case MLG_STATUS_ERROR:
		*color = c->severity_warn ? YELLOW : RED;
		return c->severity_warn ? "WARN " : "ERROR";
	}
	*color = RED;
	return "?    ";
}

/* ---- the metrics table (observed.metrics) ---- */

/* Rows the terminal shows under a check; the rest are in the JSON report. */
#define TERM_METRIC_ROWS 20
/* Widest text cells, in columns: a long slice must not push the table off the screen. */
#define CELL_MAX 48
#define WHY_MAX 160

const char *const mlg_report__metric_headings[MLG_METRIC_NCOLS] = {
	[MLG_METRIC_COL_METRIC] = "metric",     [MLG_METRIC_COL_SLICE] = "slice",
	[MLG_METRIC_COL_ROWS] = "rows",         [MLG_METRIC_COL_VALUE] = "value",
	[MLG_METRIC_COL_BOUND] = "bound",       [MLG_METRIC_COL_BASELINE] = "baseline",
	[MLG_METRIC_COL_DELTA] = "delta",       [MLG_METRIC_COL_CI] = "CI",
	[MLG_METRIC_COL_P] = "p",               [MLG_METRIC_COL_STATUS] = "status",
	[MLG_METRIC_COL_WHY] = "why",
};

const unsigned char mlg_report__metric_numeric[MLG_METRIC_NCOLS] = {
	[MLG_METRIC_COL_ROWS] = 1,  [MLG_METRIC_COL_VALUE] = 1, [MLG_METRIC_COL_BASELINE] = 1,
	[MLG_METRIC_COL_DELTA] = 1, [MLG_METRIC_COL_P] = 1,
};

const cJSON *mlg_report__metrics(const cJSON *observed)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(observed, "metrics");

	return cJSON_IsArray(m) && cJSON_GetArraySize(m) > 0 ? m : NULL;
}

int mlg_report__metric_overall(const cJSON *row)
{
	const cJSON *slice = cJSON_GetObjectItemCaseSensitive(row, "slice");

	return !cJSON_IsString(slice) || !strcmp(slice->valuestring, "all");
}

enum mlg_status mlg_report__metric_status(const cJSON *row)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "status"));

	if (s && !strcmp(s, "passed"))
		return MLG_STATUS_PASSED;
	if (s && !strcmp(s, "failed"))
		return MLG_STATUS_FAILED;
	if (s && !strcmp(s, "skipped"))
		return MLG_STATUS_SKIPPED;
	return MLG_STATUS_ERROR;
}

const char *mlg_report__compact_number(double v, char buf[32])
{
	if (!isfinite(v))
		return mlg_format_number(v, buf);
	/* 4 significant digits read well in a table, but "1.235e+04" for an
	 * RMSE of 12345.6 does not: large values are shown whole. */
	if ((v == floor(v) || fabs(v) >= 1e4) && fabs(v) < 1e15)
		snprintf(buf, 32, "%.0f", v);
	else
		snprintf(buf, 32, "%.4g", v);
	return buf;
}

static const cJSON *number_item(const cJSON *row, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);

	return cJSON_IsNumber(v) ? v : NULL;
}

static char *string_cell(const cJSON *row, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
	char *text, *copy;

	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return mlg_xstrdup(v->valuestring);
	/* not the type the format says: shown as JSON rather than hidden */
	text = cJSON_PrintUnformatted(v);
	if (!text)
		mlg_die_oom();
	copy = mlg_xstrdup(text);
	cJSON_free(text);
	return copy;
}

void mlg_report__metric_cells(const cJSON *row, char *cells[MLG_METRIC_NCOLS])
{
	const cJSON *v, *lo, *hi;
	char a[32], b[32];

	for (int k = 0; k < MLG_METRIC_NCOLS; k++)
		cells[k] = NULL;
	cells[MLG_METRIC_COL_METRIC] = string_cell(row, "metric");
	if (!cells[MLG_METRIC_COL_METRIC])
		cells[MLG_METRIC_COL_METRIC] = mlg_xstrdup("?");
	cells[MLG_METRIC_COL_SLICE] = string_cell(row, "slice");
	if (!cells[MLG_METRIC_COL_SLICE])
		cells[MLG_METRIC_COL_SLICE] = mlg_xstrdup("all");
	if ((v = number_item(row, "rows")))
		cells[MLG_METRIC_COL_ROWS] = mlg_xstrdup(mlg_report__compact_number(v->valuedouble, a));
	v = number_item(row, "value");
	cells[MLG_METRIC_COL_VALUE] = mlg_xstrdup(v ? mlg_report__compact_number(v->valuedouble, a) : "n/a");
	cells[MLG_METRIC_COL_BOUND] = string_cell(row, "bound");
	if ((v = number_item(row, "baseline")))
		cells[MLG_METRIC_COL_BASELINE] = mlg_xstrdup(mlg_report__compact_number(v->valuedouble, a));
	if ((v = number_item(row, "delta")))
		cells[MLG_METRIC_COL_DELTA] = mlg_xasprintf("%s%s", v->valuedouble > 0 ? "+" : "",
							    mlg_report__compact_number(v->valuedouble, a));
	lo = number_item(row, "ci_low");
	hi = number_item(row, "ci_high");
	if (lo || hi)
		cells[MLG_METRIC_COL_CI] = mlg_xasprintf("[%s, %s]",
							 lo ? mlg_report__compact_number(lo->valuedouble, a) : "?",
							 hi ? mlg_report__compact_number(hi->valuedouble, b) : "?");
	if ((v = number_item(row, "p_value"))) {
		snprintf(a, sizeof(a), "%.3g", v->valuedouble);
		cells[MLG_METRIC_COL_P] = mlg_xstrdup(a);
	}
	cells[MLG_METRIC_COL_STATUS] = string_cell(row, "status");
	if (!cells[MLG_METRIC_COL_STATUS])
		cells[MLG_METRIC_COL_STATUS] = mlg_xstrdup("?");
	cells[MLG_METRIC_COL_WHY] = string_cell(row, "why");
}

void mlg_report__metric_cells_release(char *cells[MLG_METRIC_NCOLS])
{
	for (int k = 0; k < MLG_METRIC_NCOLS; k++) {
		free(cells[k]);
		cells[k] = NULL;
	}
}

/* Decodes one code point of valid UTF-8 at p; returns its length. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	      (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	return 4;
}

/*
 * Terminal columns a code point takes: 0 for combining marks and zero-width
 * characters, 2 for East Asian wide ones and emoji, else 1. (wcwidth()
 * would depend on the locale CI runs in, which is often "C".)
 */
static int cp_width(uint32_t c)
{
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200d) || (c >= 0xfe00 && c <= 0xfe0f))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/* Characters that would act on the terminal or reorder the line, shown as escapes instead. */
static int cp_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x200e || c == 0x200f ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * A cell as the terminal may show it: valid UTF-8, one line, control and
 * bidirectional characters as visible escapes, at most `max` columns
 * (cut with "…"). Sets *width to its columns. Caller frees.
 */
static char *term_cell(const char *raw, size_t max, size_t *width)
{
	char *clean = mlg_text_clean(raw, 0);
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)clean;
	size_t w = 0, cut_len = 0, cut_w = 0;
	int cut = 0;

	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp), before = sb.len;

		if (cp == '\n' || cp == '\r' || cp == '\t') {
			mlg_strbuf_addch(&sb, ' ');
			w += 1;
		} else if (cp_unsafe(cp)) {
			if (cp < 0x80)
				mlg_strbuf_addf(&sb, "\\x%02X", (unsigned int)cp);
			else
				mlg_strbuf_addf(&sb, "\\u%04X", (unsigned int)cp);
			w += sb.len - before;
		} else {
			mlg_strbuf_add(&sb, p, n);
			w += (size_t)cp_width(cp);
		}
		p += n;
		/* where to cut if the cell turns out too wide: leave a column for "…" */
		if (w < max) {
			cut_len = sb.len;
			cut_w = w;
		} else if (w > max) {
			cut = 1;
			break;
		}
	}
	free(clean);
	if (cut) {
		sb.len = cut_len;
		sb.buf[cut_len] = '\0';
		mlg_strbuf_addstr(&sb, "…");
		w = cut_w + 1;
	}
	*width = w;
	if (!sb.buf)
		return mlg_xstrdup("");
	return mlg_strbuf_detach(&sb);
}

static const char *status_color(enum mlg_status st, int warn)
{
	switch (st) {
	case MLG_STATUS_PASSED:
		return GREEN;
	case MLG_STATUS_SKIPPED:
		return DIM;
	case MLG_STATUS_FAILED:
	case MLG_STATUS_ERROR:
		break;
	}
	return warn ? YELLOW : RED;
}

struct term_row {
	char *cell[MLG_METRIC_NCOLS];
	size_t width[MLG_METRIC_NCOLS];
	enum mlg_status status;
};

static void pad(struct mlg_strbuf *sb, size_t n)
{
	while (n--)
		mlg_strbuf_addch(sb, ' ');
}

/*
 * Appends one line of the table: cells padded to the column widths,
 * trailing blanks cut; the whole line in `line_color`, or only the status
 * cell in `status_color` (either may be NULL).
 */
static void term_table_line(struct mlg_strbuf *sb, const char *indent, char *const cell[],
			    const size_t width[], const size_t colw[], const int shown[],
			    const char *line_color, const char *status_color)
{
	size_t start;
	int first = 1;

	mlg_strbuf_addstr(sb, indent);
	start = sb->len;
	if (line_color)
		mlg_strbuf_addstr(sb, line_color);
	for (int k = 0; k < MLG_METRIC_NCOLS; k++) {
		const char *c = k == MLG_METRIC_COL_STATUS ? status_color : NULL;
		size_t gap;

		if (!shown[k])
			continue;
		if (!first)
			mlg_strbuf_addstr(sb, "  ");
		first = 0;
		gap = colw[k] - width[k];
		if (mlg_report__metric_numeric[k])
			pad(sb, gap);
		if (c)
			mlg_strbuf_addstr(sb, c);
		mlg_strbuf_addstr(sb, cell[k] ? cell[k] : "");
		if (c)
			mlg_strbuf_addstr(sb, RESET);
		if (!mlg_report__metric_numeric[k])
			pad(sb, gap);
	}
	while (sb->len > start && sb->buf[sb->len - 1] == ' ')
		sb->len--;
	sb->buf[sb->len] = '\0';
	if (line_color)
		mlg_strbuf_addstr(sb, RESET);
	mlg_strbuf_addch(sb, '\n');
}

void mlg_report__metrics_text(struct mlg_strbuf *sb, const cJSON *observed, const char *indent,
			      int color, int warn, size_t max_rows)
{
	const cJSON *metrics = mlg_report__metrics(observed), *row;
	struct term_row *rows;
	size_t n = 0, total = 0, rest_not_passed = 0, colw[MLG_METRIC_NCOLS] = { 0 };
	size_t head_w[MLG_METRIC_NCOLS];
	int shown[MLG_METRIC_NCOLS] = { 0 };

	int any_overall = 0;

	if (!metrics)
		return;
	/* a table of groups only (model.fairness) is all substance: show its passed rows too */
	cJSON_ArrayForEach(row, metrics) any_overall |= cJSON_IsObject(row) && mlg_report__metric_overall(row);
	rows = mlg_xcalloc(max_rows ? max_rows : 1, sizeof(*rows));
	cJSON_ArrayForEach(row, metrics) {
		enum mlg_status st;
		char *raw[MLG_METRIC_NCOLS];

		if (!cJSON_IsObject(row))
			continue;
		total++;
		st = mlg_report__metric_status(row);
		/* passed slices would drown the rows that matter in a CI log */
		if (n == max_rows ||
		    (st == MLG_STATUS_PASSED && any_overall && !mlg_report__metric_overall(row))) {
			rest_not_passed += st != MLG_STATUS_PASSED;
			continue;
		}
		mlg_report__metric_cells(row, raw);
		for (int k = 0; k < MLG_METRIC_NCOLS; k++) {
			if (!raw[k])
				continue;
			rows[n].cell[k] = term_cell(raw[k], k == MLG_METRIC_COL_WHY ? WHY_MAX : CELL_MAX,
						    &rows[n].width[k]);
			shown[k] = 1;
		}
		if (!mlg_report__metric_overall(row))
			shown[MLG_METRIC_COL_SLICE] = 2;
		rows[n++].status = st;
		mlg_report__metric_cells_release(raw);
	}
	/* the slice column only when some shown row is about a slice */
	shown[MLG_METRIC_COL_SLICE] = shown[MLG_METRIC_COL_SLICE] == 2;
	for (int k = 0; k < MLG_METRIC_NCOLS; k++) {
		head_w[k] = strlen(mlg_report__metric_headings[k]);
		colw[k] = head_w[k];
		for (size_t i = 0; i < n; i++)
			if (rows[i].width[k] > colw[k])
				colw[k] = rows[i].width[k];
	}
	if (n) {
		term_table_line(sb, indent, (char *const *)mlg_report__metric_headings, head_w, colw,
				shown, color ? DIM : NULL, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		term_table_line(sb, indent, rows[i].cell, rows[i].width, colw, shown, NULL,
				color ? status_color(rows[i].status, warn) : NULL);
		for (int k = 0; k < MLG_METRIC_NCOLS; k++)
			free(rows[i].cell[k]);
	}
	if (total > n) {
		mlg_strbuf_addf(sb, "%s%s… %zu more row%s in the JSON report", indent, color ? DIM : "",
				total - n, mlg_plural(total - n));
		if (rest_not_passed)
			mlg_strbuf_addf(sb, " (%zu not passed)", rest_not_passed);
		mlg_strbuf_addf(sb, "%s\n", color ? RESET : "");
	}
	free(rows);
}

char *mlg_report__observed_text(const cJSON *observed)
{
	cJSON *copy;
	const cJSON *it;
	char *text;

	if (!mlg_report__metrics(observed))
		return cJSON_PrintUnformatted(observed);
	/* references: the values stay where they are, only the "metrics" one is left out */
	copy = cJSON_CreateObject();
	if (!copy)
		mlg_die_oom();
	cJSON_ArrayForEach(it, observed) {
		if (it->string && !strcmp(it->string, "metrics"))
			continue;
		if (!cJSON_AddItemReferenceToObject(copy, it->string, (cJSON *)it))
			mlg_die_oom();
	}
	text = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return text;
}

/* ---- the report ---- */

void mlg_report_term_line(FILE *out, const struct mlg_check *check,
			  const struct mlg_result *result, const struct mlg_term_options *opts)
{
	const char *color;
	const char *text = label(check, result, &color);
	char *name, *msg;

	if (opts->quiet && (result->status == MLG_STATUS_PASSED || result->status == MLG_STATUS_SKIPPED))
		return;
	/* names and messages carry data: one line each, nothing the terminal acts on */
	name = mlg_text_one_line(check->name);
	msg = mlg_text_one_line(result->message);
	fprintf(out, "%s%s%s %s  %s%s(%.2fs)%s\n", opts->color ? color : "", text,
		opts->color ? RESET : "", name, msg,
		opts->color ? DIM " " : " ", result->duration_s, opts->color ? RESET : "");
	free(name);
	free(msg);
	if (mlg_report__metrics(result->observed)) {
		struct mlg_strbuf sb = MLG_STRBUF_INIT;

		mlg_report__metrics_text(&sb, result->observed, "      ", opts->color,
					 check->severity_warn, TERM_METRIC_ROWS);
		fputs(mlg_strbuf_str(&sb), out);
		mlg_strbuf_release(&sb);
	}
}

/*
 * Prints prefix, then JSON text as one line: cJSON escapes C0 controls
 * already, but not DEL, C1 or bidirectional controls, nor invalid UTF-8.
 */
static void put_escaped(FILE *out, const char *prefix, const char *json)
{
	char *t = mlg_text_one_line(json);

	fprintf(out, "%s%s\n", prefix, t);
	free(t);
}

static int is_problem(const struct mlg_result *r)
{
	return r->status == MLG_STATUS_FAILED || r->status == MLG_STATUS_ERROR;
}

void mlg_report_term_summary(FILE *out, const struct mlg_run *run,
			     const struct mlg_term_options *opts)
{
	const struct mlg_summary *s = &run->summary;
	size_t n = 0;
	const char *c = opts->color ? (run->gate_open ? GREEN BOLD : RED BOLD) : "";

	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_check *chk = &run->suite->checks[i];
		const struct mlg_result *r = &run->results[i];
		char *o, *e, *name, *file, *msg;
		const cJSON *ex;

		if (!is_problem(r))
			continue;
		if (!n++)
			fprintf(out, "\n%sProblems:%s\n", opts->color ? BOLD : "", opts->color ? RESET : "");
		name = mlg_text_one_line(chk->name);
		file = mlg_text_one_line(run->suite->file);
		msg = mlg_text_one_line(r->message);
		fprintf(out, "\n%zu) %s [%s%s] (%s:%d)\n   %s\n", n, name, mlg_status_name(r->status),
			chk->severity_warn ? ", warning" : "", file, chk->line, msg);
		free(name);
		free(file);
		free(msg);
		/* a metrics table is printed under the check's line already */
		o = mlg_report__observed_text(r->observed);
		e = cJSON_PrintUnformatted(r->expected);
		if (o && strcmp(o, "{}"))
			put_escaped(out, "   observed: ", o);
		if (mlg_report__metrics(r->observed)) {
			int rows = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->observed, "metrics"));

			fprintf(out, "   metrics: %d row%s, in the table under the check's line above\n", rows,
				mlg_plural((unsigned long long)rows));
		}
		if (e && strcmp(e, "{}"))
			put_escaped(out, "   expected: ", e);
		cJSON_free(o);
		cJSON_free(e);
		if (cJSON_GetArraySize(r->examples)) {
			fprintf(out, "   examples (%llu in all):\n", (unsigned long long)r->nexamples);
			cJSON_ArrayForEach(ex, r->examples) {
				char *t = cJSON_PrintUnformatted(ex);

				put_escaped(out, "     ", t);
				cJSON_free(t);
			}
		}
		if (r->details) {
			/* command output: its lines stay lines, but none starts
			 * with a CR, an escape sequence or anything else the
			 * terminal would act on */
			char *lines = mlg_text_lines(r->details);
			const char *p = lines;

			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) : strlen(p);

				fprintf(out, "   | %.*s\n", (int)len, p);
				p += len + (nl != NULL);
			}
			free(lines);
		}
	}
	fprintf(out, "\n%s%zu check%s: %zu passed, %zu failed, %zu error%s, %zu skipped, %zu warning%s in %.2fs: gate %s%s%s\n",
		c, s->total, s->total == 1 ? "" : "s", s->passed, s->failed, s->errors,
		s->errors == 1 ? "" : "s", s->skipped, s->warnings, s->warnings == 1 ? "" : "s",
		run->duration_s,
		run->interrupted ? "closed (interrupted)" : run->gate_open ? "open" : "closed",
		!run->interrupted && run->gate_open && !run->complete ? " (partial selection: cannot promote)" : "",
		opts->color ? RESET : "");
}
