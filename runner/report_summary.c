/*
 * The Markdown summary (--summary): for job summaries and merge-request
 * comments. Verdict first, then what failed with observed against
 * expected, then a table of the numbers measured, then the passed checks
 * folded away. Everything that comes from data or commands is escaped, so
 * a value cannot render as markup or links in the page that shows it.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/report.h"
#include "report_internal.h"
#include "text.h"
#include "util.h"

/*
 * The bidirectional control at s (U+200E, U+200F, U+202A to U+202E, U+2066
 * to U+2069: all three bytes long in UTF-8), or 0.
 */
static unsigned int bidi_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;

	if (p[0] != 0xe2 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
		return 0;
	cp = 0x2000u + ((p[1] & 0x3fu) << 6) + (p[2] & 0x3fu);
	if (cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

/* Inline text: markup characters as HTML entities, line breaks as spaces. */
static void md_text(struct mlg_strbuf *sb, const char *s, size_t max)
{
	char *clean = mlg_text_clean(s ? s : "", 1);
	const char *p;
	size_t n = 0;

	/* max counts bytes, but the cut is never inside a character */
	for (p = clean; *p && (n < max || ((unsigned char)*p & 0xc0) == 0x80); p++, n++) {
		unsigned int bidi = bidi_control(p);

		/* it would reorder the page around it: shown, not obeyed */
		if (bidi) {
			mlg_strbuf_addf(sb, "&#92;u%04X", bidi);
			p += 2;
			continue;
		}
		switch (*p) {
		case '&': mlg_strbuf_addstr(sb, "&amp;"); break;
		case '<': mlg_strbuf_addstr(sb, "&lt;"); break;
		case '>': mlg_strbuf_addstr(sb, "&gt;"); break;
		case '|': mlg_strbuf_addstr(sb, "&#124;"); break;
		case '`': mlg_strbuf_addstr(sb, "&#96;"); break;
		case '*': mlg_strbuf_addstr(sb, "&#42;"); break;
		case '_': mlg_strbuf_addstr(sb, "&#95;"); break;
		case '[': mlg_strbuf_addstr(sb, "&#91;"); break;
		case ']': mlg_strbuf_addstr(sb, "&#93;"); break;
		case '#': mlg_strbuf_addstr(sb, "&#35;"); break;
		case '~': mlg_strbuf_addstr(sb, "&#126;"); break;
		case '\\': mlg_strbuf_addstr(sb, "&#92;"); break;
		case '!': mlg_strbuf_addstr(sb, "&#33;"); break;
		case ':': mlg_strbuf_addstr(sb, "&#58;"); break; /* no autolinks */
		case '@': mlg_strbuf_addstr(sb, "&#64;"); break;
		case '\n': case '\r': case '\t': mlg_strbuf_addch(sb, ' '); break;
		default: mlg_strbuf_addch(sb, *p);
		}
	}
	if (*p)
		mlg_strbuf_addstr(sb, "…");
	free(clean);
}

static void md_json(struct mlg_strbuf *sb, const cJSON *v)
{
	char *t = cJSON_PrintUnformatted(v);

	md_text(sb, t ? t : "", 500);
	cJSON_free(t);
}

static const char *icon(const struct mlg_check *c, const struct mlg_result *r)
{
	switch (r->status) {
	case MLG_STATUS_PASSED:
		return "✅";
	case MLG_STATUS_SKIPPED:
		return "⏭️";
	case MLG_STATUS_FAILED:
		return c->severity_warn ? "⚠️" : "❌";
	case MLG_STATUS_ERROR:
		return c->severity_warn ? "⚠️" : "💥";
	}
	return "?";
}

/* Rows of a metrics table in the summary; the rest are in the JSON results. */
#define MD_METRIC_ROWS 50
/* A passed check's table longer than this is folded away. */
#define MD_METRIC_OPEN_ROWS 10

static const char *row_icon(enum mlg_status st, int warn)
{
	switch (st) {
	case MLG_STATUS_PASSED:
		return "✅";
	case MLG_STATUS_SKIPPED:
		return "⏭️";
	case MLG_STATUS_FAILED:
		return warn ? "⚠️" : "❌";
	case MLG_STATUS_ERROR:
		return warn ? "⚠️" : "💥";
	}
	return "?";
}

/*
 * The metrics table of a model check (observed.metrics) as a GitHub table:
 * every row up to MD_METRIC_ROWS, in report order, then a note; only the
 * columns some row fills. Every cell is escaped, so a slice value holding
 * '|' stays in its cell.
 */
static void md_metrics_table(struct mlg_strbuf *sb, const struct mlg_check *c, const cJSON *observed)
{
	const cJSON *metrics = mlg_report__metrics(observed), *row;
	char *(*cells)[MLG_METRIC_NCOLS];
	enum mlg_status *status;
	int shown[MLG_METRIC_NCOLS] = { 0 };
	size_t n = 0, total = 0;

	if (!metrics)
		return;
	cells = mlg_xcalloc(MD_METRIC_ROWS, sizeof(*cells));
	status = mlg_xcalloc(MD_METRIC_ROWS, sizeof(*status));
	cJSON_ArrayForEach(row, metrics) {
		if (!cJSON_IsObject(row))
			continue;
		if (total++ >= MD_METRIC_ROWS)
			continue;
		mlg_report__metric_cells(row, cells[n]);
		status[n] = mlg_report__metric_status(row);
		for (int k = 0; k < MLG_METRIC_NCOLS; k++)
			shown[k] |= cells[n][k] != NULL;
		if (!mlg_report__metric_overall(row))
			shown[MLG_METRIC_COL_SLICE] = 2;
		n++;
	}
	shown[MLG_METRIC_COL_SLICE] = shown[MLG_METRIC_COL_SLICE] == 2;
	if (n) {
		mlg_strbuf_addstr(sb, "\n|");
		for (int k = 0; k < MLG_METRIC_NCOLS; k++)
			if (shown[k])
				mlg_strbuf_addf(sb, " %s |", mlg_report__metric_headings[k]);
		mlg_strbuf_addstr(sb, "\n|");
		for (int k = 0; k < MLG_METRIC_NCOLS; k++)
			if (shown[k])
				mlg_strbuf_addstr(sb, mlg_report__metric_numeric[k] ? "--:|" : "---|");
		mlg_strbuf_addch(sb, '\n');
	}
	for (size_t i = 0; i < n; i++) {
		mlg_strbuf_addch(sb, '|');
		for (int k = 0; k < MLG_METRIC_NCOLS; k++) {
			if (!shown[k])
				continue;
			mlg_strbuf_addch(sb, ' ');
			if (k == MLG_METRIC_COL_STATUS)
				mlg_strbuf_addf(sb, "%s ", row_icon(status[i], c->severity_warn));
			md_text(sb, cells[i][k], k == MLG_METRIC_COL_WHY ? 300 : 200);
			mlg_strbuf_addstr(sb, " |");
		}
		mlg_strbuf_addch(sb, '\n');
		mlg_report__metric_cells_release(cells[i]);
	}
	if (total > n)
		mlg_strbuf_addf(sb, "\n_… %zu more row%s in the JSON results_\n", total - n,
				mlg_plural(total - n));
	free(cells);
	free(status);
}

/*
 * The headline number of a check with its bounds: a model metric's value,
 * a row count. (Data checks' counts are in the problems and the JSON.)
 */
static void metric_row(struct mlg_strbuf *sb, const struct mlg_check *c, const struct mlg_result *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->observed, "value");
	const cJSON *emin = cJSON_GetObjectItemCaseSensitive(r->expected, "min");
	const cJSON *emax = cJSON_GetObjectItemCaseSensitive(r->expected, "max");
	char buf[32], lo[32], hi[32];

	if (!strcmp(c->kind->name, "data.row_count"))
		v = cJSON_GetObjectItemCaseSensitive(r->observed, "rows");
	if (!cJSON_IsNumber(v))
		return;
	mlg_strbuf_addstr(sb, "| ");
	md_text(sb, c->name, 120);
	mlg_strbuf_addf(sb, " | %s | ", mlg_format_number(v->valuedouble, buf));
	if (cJSON_IsNumber(emin) && cJSON_IsNumber(emax))
		mlg_strbuf_addf(sb, "%s … %s", mlg_format_number(emin->valuedouble, lo),
				mlg_format_number(emax->valuedouble, hi));
	else if (cJSON_IsNumber(emin))
		mlg_strbuf_addf(sb, "≥ %s", mlg_format_number(emin->valuedouble, lo));
	else if (cJSON_IsNumber(emax))
		mlg_strbuf_addf(sb, "≤ %s", mlg_format_number(emax->valuedouble, hi));
	mlg_strbuf_addf(sb, " | %s |\n", icon(c, r));
}

char *mlg_report_summary(const struct mlg_run *run, size_t max_bytes)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const struct mlg_summary *s = &run->summary;
	size_t problems = 0, passed = 0;

	mlg_strbuf_addf(&sb, "## %s mlgate: gate %s — ", run->gate_open ? "✅" : "❌",
			run->interrupted ? "closed (interrupted)" : run->gate_open ? "open" : "closed");
	md_text(&sb, run->suite->name, 200);
	mlg_strbuf_addf(&sb, "\n\n%zu checks: **%zu passed**, **%zu failed**, %zu errors, %zu skipped, %zu warnings",
			s->total, s->passed, s->failed, s->errors, s->skipped, s->warnings);
	if (run->git.found && run->git.commit[0])
		mlg_strbuf_addf(&sb, " · commit `%.12s`", run->git.commit);
	if (!run->complete && !run->interrupted)
		mlg_strbuf_addstr(&sb, " · partial run: cannot promote");
	mlg_strbuf_addstr(&sb, "\n\n");

	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_check *c = &run->suite->checks[i];
		const struct mlg_result *r = &run->results[i];
		const cJSON *ex;

		if (r->status != MLG_STATUS_FAILED && r->status != MLG_STATUS_ERROR)
			continue;
		if (!problems++)
			mlg_strbuf_addstr(&sb, "### Problems\n\n");
		mlg_strbuf_addf(&sb, "%s **", icon(c, r));
		md_text(&sb, c->name, 200);
		mlg_strbuf_addf(&sb, "** (`%s`, %s%s, ", c->kind->name, mlg_status_name(r->status),
				c->severity_warn ? ", warning" : "");
		md_text(&sb, run->suite->file, 200);
		mlg_strbuf_addf(&sb, " line %d)  \n", c->line);
		md_text(&sb, r->message, 1000);
		mlg_strbuf_addstr(&sb, "  \nobserved: ");
		{
			/* without the metrics table: it follows as a table */
			char *o = mlg_report__observed_text(r->observed);

			md_text(&sb, o ? o : "", 500);
			cJSON_free(o);
		}
		mlg_strbuf_addstr(&sb, "  \nexpected: ");
		md_json(&sb, r->expected);
		mlg_strbuf_addstr(&sb, "\n");
		md_metrics_table(&sb, c, r->observed);
		cJSON_ArrayForEach(ex, r->examples) {
			mlg_strbuf_addstr(&sb, "- ");
			md_json(&sb, ex);
			mlg_strbuf_addstr(&sb, "\n");
		}
		mlg_strbuf_addstr(&sb, "\n");
	}

	{
		struct mlg_strbuf rows = MLG_STRBUF_INIT;

		for (size_t i = 0; i < run->suite->nchecks; i++)
			if (run->results[i].status != MLG_STATUS_SKIPPED)
				metric_row(&rows, &run->suite->checks[i], &run->results[i]);
		if (rows.len)
			mlg_strbuf_addf(&sb, "### Metrics\n\n| check | value | threshold | |\n|---|---|---|---|\n%s\n",
					rows.buf);
		mlg_strbuf_release(&rows);
	}

	/* the tables of model checks that are not problems (those are above) */
	{
		size_t tables = 0;

		for (size_t i = 0; i < run->suite->nchecks; i++) {
			const struct mlg_check *c = &run->suite->checks[i];
			const struct mlg_result *r = &run->results[i];
			const cJSON *m = mlg_report__metrics(r->observed);
			int nrows = m ? cJSON_GetArraySize(m) : 0;

			if (!m || r->status == MLG_STATUS_FAILED || r->status == MLG_STATUS_ERROR)
				continue;
			if (!tables++)
				mlg_strbuf_addstr(&sb, "### Model metrics\n\n");
			if (nrows > MD_METRIC_OPEN_ROWS) {
				mlg_strbuf_addf(&sb, "<details><summary>%s ", icon(c, r));
				md_text(&sb, c->name, 200);
				mlg_strbuf_addf(&sb, ": %d rows</summary>\n\n", nrows);
			} else {
				mlg_strbuf_addf(&sb, "%s **", icon(c, r));
				md_text(&sb, c->name, 200);
				mlg_strbuf_addstr(&sb, "**  \n");
			}
			md_text(&sb, r->message, 300);
			mlg_strbuf_addch(&sb, '\n');
			md_metrics_table(&sb, c, r->observed);
			mlg_strbuf_addstr(&sb, nrows > MD_METRIC_OPEN_ROWS ? "\n</details>\n\n" : "\n");
		}
	}

	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_check *c = &run->suite->checks[i];
		const struct mlg_result *r = &run->results[i];

		if (r->status != MLG_STATUS_PASSED)
			continue;
		if (!passed++)
			mlg_strbuf_addstr(&sb, "<details><summary>Passed checks</summary>\n\n");
		mlg_strbuf_addstr(&sb, "- ✅ ");
		md_text(&sb, c->name, 200);
		mlg_strbuf_addstr(&sb, ": ");
		md_text(&sb, r->message, 300);
		mlg_strbuf_addstr(&sb, "\n");
	}
	if (passed)
		mlg_strbuf_addstr(&sb, "\n</details>\n");

	/* GitHub refuses a step summary over 1 MiB: cut at a line, and say so. */
	if (max_bytes && sb.len > max_bytes) {
		static const char cut[] = "\n\n_(summary cut to fit the size limit; see the JSON results)_\n";
		size_t keep = max_bytes - sizeof(cut);

		while (keep > 0 && sb.buf[keep] != '\n')
			keep--;
		sb.len = keep;
		sb.buf[keep] = '\0';
		mlg_strbuf_addstr(&sb, cut);
	}
	return mlg_strbuf_detach(&sb);
}

int mlg_report_write_summary(const struct mlg_run *run, const char *path)
{
	char *md = mlg_report_summary(run, 0);
	int error = mlg_write_atomic(path, md, strlen(md));

	free(md);
	return error;
}
