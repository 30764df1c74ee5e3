/* The terminal report: a line per check, failures explained, a summary line. */
#include <stdio.h>
#include <string.h>

#include "mlgate/report.h"
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

void mlg_report_term_line(FILE *out, const struct mlg_check *check,
			  const struct mlg_result *result, const struct mlg_term_options *opts)
{
	const char *color;
	const char *text = label(check, result, &color);

	if (opts->quiet && (result->status == MLG_STATUS_PASSED || result->status == MLG_STATUS_SKIPPED))
		return;
	fprintf(out, "%s%s%s %s  %s%s(%.2fs)%s\n", opts->color ? color : "", text,
		opts->color ? RESET : "", check->name, result->message ? result->message : "",
		opts->color ? DIM " " : " ", result->duration_s, opts->color ? RESET : "");
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
		char *o, *e;
		const cJSON *ex;

		if (!is_problem(r))
			continue;
		if (!n++)
			fprintf(out, "\n%sProblems:%s\n", opts->color ? BOLD : "", opts->color ? RESET : "");
		fprintf(out, "\n%zu) %s [%s%s] (%s:%d)\n   %s\n", n, chk->name, mlg_status_name(r->status),
			chk->severity_warn ? ", warning" : "", run->suite->file, chk->line,
			r->message ? r->message : "");
		o = cJSON_PrintUnformatted(r->observed);
		e = cJSON_PrintUnformatted(r->expected);
		if (o && strcmp(o, "{}"))
			fprintf(out, "   observed: %s\n", o);
		if (e && strcmp(e, "{}"))
			fprintf(out, "   expected: %s\n", e);
		cJSON_free(o);
		cJSON_free(e);
		if (cJSON_GetArraySize(r->examples)) {
			fprintf(out, "   examples (%llu in all):\n", (unsigned long long)r->nexamples);
			cJSON_ArrayForEach(ex, r->examples) {
				char *t = cJSON_PrintUnformatted(ex);

				fprintf(out, "     %s\n", t ? t : "");
				cJSON_free(t);
			}
		}
		if (r->details) {
			const char *p = r->details;

			while (*p) {
				const char *nl = strchr(p, '\n');
				size_t len = nl ? (size_t)(nl - p) : strlen(p);

				fprintf(out, "   | %.*s\n", (int)len, p);
				p += len + (nl != NULL);
			}
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
