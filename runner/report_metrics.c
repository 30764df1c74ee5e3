/*
 * Metrics in the OpenMetrics / Prometheus text format (--metrics): for
 * GitLab's metrics report, `promtool check metrics`, and a Pushgateway.
 * Per-check series carry the check id as a label; every numeric observed
 * value also gets a label-free name of its own, because GitLab's metrics
 * report compares series by name.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/report.h"
#include "strmap.h"
#include "text.h"
#include "util.h"

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct mlg_strbuf *sb, const char *s)
{
	char *clean = mlg_text_clean(s, 0);

	for (const char *p = clean; *p; p++) {
		if (*p == '\\' || *p == '"')
			mlg_strbuf_addf(sb, "\\%c", *p);
		else if (*p == '\n')
			mlg_strbuf_addstr(sb, "\\n");
		else
			mlg_strbuf_addch(sb, *p);
	}
	free(clean);
}

/*
 * Name components promtool's linter reads as abbreviated or non-base units
 * (found by asking promtool itself); a user's "d" dataset must not make
 * the whole file fail `promtool check metrics`.
 */
static const char *const unit_words[] = { "b", "d", "days", "gb", "h", "hours", "kb", "m", "mb",
					  "minutes", "ms", "ns", "pb", "s", "sec", "tb", "us" };

static void add_component(struct mlg_strbuf *sb, const char *word, size_t len)
{
	if (!len)
		return;
	mlg_strbuf_addch(sb, '_');
	mlg_strbuf_add(sb, word, len);
	for (size_t i = 0; i < sizeof(unit_words) / sizeof(unit_words[0]); i++)
		if (strlen(unit_words[i]) == len && !memcmp(unit_words[i], word, len)) {
			mlg_strbuf_addch(sb, 'x');
			break;
		}
}

/* HELP text: backslash and newline escaped (the text format's only escapes there). */
static void help_text(struct mlg_strbuf *sb, const char *s)
{
	char *clean = mlg_text_clean(s, 0);

	for (const char *p = clean; *p; p++) {
		if (*p == '\\')
			mlg_strbuf_addstr(sb, "\\\\");
		else if (*p == '\n')
			mlg_strbuf_addstr(sb, "\\n");
		else
			mlg_strbuf_addch(sb, *p);
	}
	free(clean);
}

/* "data.range:train.amount" + "above_max" -> "mlgate_data_range_train_amount_above_max". */
static char *series_name(const char *id, const char *key)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT, word = MLG_STRBUF_INIT;
	const char *parts[2] = { id, key };

	mlg_strbuf_addstr(&sb, "mlgate");
	for (int k = 0; k < 2; k++) {
		for (const char *p = parts[k];; p++) {
			unsigned char c = (unsigned char)*p;

			if (c && c < 0x80 && isalnum(c)) {
				mlg_strbuf_addch(&word, (char)tolower(c));
				continue;
			}
			add_component(&sb, mlg_strbuf_str(&word), word.len);
			mlg_strbuf_reset(&word);
			if (!c)
				break;
		}
	}
	mlg_strbuf_release(&word);
	return mlg_strbuf_detach(&sb);
}

static void family(struct mlg_strbuf *sb, const char *name, const char *help)
{
	mlg_strbuf_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/*
 * The model kinds' metric tables (observed.metrics) as labelled series,
 * one family per column (a family's samples must be contiguous), so that
 * Grafana can chart a metric per slice run after run.
 */
static void model_metric_families(struct mlg_strbuf *sb, const struct mlg_run *run)
{
	static const char *const columns[][2] = {
		{ "value", "The value of a model metric (a row of a model check's metrics table)." },
		{ "baseline", "The baseline model's value of a model metric." },
		{ "delta", "A model metric's value minus the baseline's." },
		{ "ci_low", "The low end of a model metric's bootstrap interval." },
		{ "ci_high", "The high end of a model metric's bootstrap interval." },
		{ "p_value", "The p-value of the paired test of a model metric against the baseline." },
	};
	char buf[32];

	for (size_t k = 0; k < sizeof(columns) / sizeof(columns[0]); k++) {
		int declared = 0;
		char *name = k ? mlg_xasprintf("mlgate_model_metric_%s", columns[k][0])
			       : mlg_xstrdup("mlgate_model_metric");

		for (size_t i = 0; i < run->suite->nchecks; i++) {
			const cJSON *table = cJSON_GetObjectItemCaseSensitive(run->results[i].observed, "metrics");
			const cJSON *row;

			if (run->results[i].status == MLG_STATUS_SKIPPED || !cJSON_IsArray(table))
				continue;
			cJSON_ArrayForEach(row, table) {
				const cJSON *m = cJSON_GetObjectItemCaseSensitive(row, "metric");
				const cJSON *sl = cJSON_GetObjectItemCaseSensitive(row, "slice");
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, columns[k][0]);

				if (!cJSON_IsString(m) || !cJSON_IsNumber(v) || !isfinite(v->valuedouble))
					continue;
				if (!declared++)
					family(sb, name, columns[k][1]);
				mlg_strbuf_addf(sb, "%s{check=\"", name);
				label_value(sb, run->suite->checks[i].id);
				mlg_strbuf_addstr(sb, "\",metric=\"");
				label_value(sb, m->valuestring);
				mlg_strbuf_addstr(sb, "\",slice=\"");
				label_value(sb, cJSON_IsString(sl) ? sl->valuestring : "all");
				mlg_strbuf_addf(sb, "\"} %s\n", mlg_format_number(v->valuedouble, buf));
			}
		}
		free(name);
	}
}

char *mlg_report_metrics(const struct mlg_run *run)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const struct mlg_summary *s = &run->summary;
	static const char *const statuses[] = { "passed", "failed", "error", "skipped" };
	/* Every family name written: a name is looked up once (a list made
	 * this quadratic: 8 s for 10,000 checks), and a check's series can
	 * take neither another's name nor that of a fixed family. */
	static const char *const fixed[] = {
		"mlgate_info", "mlgate_gate_open", "mlgate_complete", "mlgate_checks",
		"mlgate_run_duration_seconds", "mlgate_check_status", "mlgate_check_duration_seconds",
		"mlgate_model_metric", "mlgate_model_metric_baseline", "mlgate_model_metric_delta",
		"mlgate_model_metric_ci_low", "mlgate_model_metric_ci_high", "mlgate_model_metric_p_value",
	};
	struct mlg_strmap seen = MLG_STRMAP_INIT;
	char buf[32];

	for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		mlg_strmap_add(&seen, fixed[k], 0, NULL);

	family(&sb, "mlgate_info", "The suite and commit these metrics are about.");
	mlg_strbuf_addstr(&sb, "mlgate_info{suite=\"");
	label_value(&sb, run->suite->name);
	mlg_strbuf_addf(&sb, "\",commit=\"%s\"} 1\n", run->git.found ? run->git.commit : "");
	family(&sb, "mlgate_gate_open", "1 when the gate is open: every gating check passed.");
	mlg_strbuf_addf(&sb, "mlgate_gate_open %d\n", run->gate_open);
	family(&sb, "mlgate_complete", "1 when every check ran and the run was not interrupted.");
	mlg_strbuf_addf(&sb, "mlgate_complete %d\n", run->complete);
	family(&sb, "mlgate_checks", "Checks by outcome (warnings: warn-severity checks that did not pass).");
	mlg_strbuf_addf(&sb, "mlgate_checks{outcome=\"passed\"} %zu\nmlgate_checks{outcome=\"failed\"} %zu\n"
			"mlgate_checks{outcome=\"error\"} %zu\nmlgate_checks{outcome=\"skipped\"} %zu\n"
			"mlgate_checks{outcome=\"warning\"} %zu\n",
			s->passed, s->failed, s->errors, s->skipped, s->warnings);
	family(&sb, "mlgate_run_duration_seconds", "Wall time of the run.");
	mlg_strbuf_addf(&sb, "mlgate_run_duration_seconds %.3f\n", run->duration_s);

	family(&sb, "mlgate_check_status", "1 for each check's status, 0 for the others.");
	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_check *c = &run->suite->checks[i];

		for (size_t k = 0; k < 4; k++) {
			mlg_strbuf_addstr(&sb, "mlgate_check_status{check=\"");
			label_value(&sb, c->id);
			mlg_strbuf_addf(&sb, "\",kind=\"%s\",severity=\"%s\",status=\"%s\"} %d\n", c->kind->name,
					c->severity_warn ? "warn" : "error", statuses[k],
					!strcmp(mlg_status_name(run->results[i].status), statuses[k]));
		}
	}
	family(&sb, "mlgate_check_duration_seconds", "Time each check took.");
	for (size_t i = 0; i < run->suite->nchecks; i++) {
		mlg_strbuf_addstr(&sb, "mlgate_check_duration_seconds{check=\"");
		label_value(&sb, run->suite->checks[i].id);
		mlg_strbuf_addf(&sb, "\"} %.3f\n", run->results[i].duration_s);
	}

	/* Every numeric observed value, under a name of its own. */
	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_check *c = &run->suite->checks[i];
		const cJSON *v;

		if (run->results[i].status == MLG_STATUS_SKIPPED)
			continue;
		cJSON_ArrayForEach(v, run->results[i].observed) {
			char *name;
			struct mlg_strbuf help = MLG_STRBUF_INIT;

			if (!cJSON_IsNumber(v))
				continue;
			name = series_name(c->id, v->string);
			if (mlg_strmap_find(&seen, name)) {
				/* two ids that read the same once sanitised: the
				 * check's number, then a counter, until the name is free */
				char *base = name;

				name = mlg_xasprintf("%s_%zu", base, i + 1);
				for (size_t k = 2; mlg_strmap_find(&seen, name); k++) {
					free(name);
					name = mlg_xasprintf("%s_%zu_%zu", base, i + 1, k);
				}
				free(base);
			}
			mlg_strmap_add(&seen, name, 0, NULL);
			mlg_strbuf_addstr(&help, "Observed ");
			help_text(&help, v->string);
			mlg_strbuf_addstr(&help, " of check ");
			help_text(&help, c->id);
			mlg_strbuf_addch(&help, '.');
			family(&sb, name, help.buf);
			mlg_strbuf_addf(&sb, "%s %s\n", name,
					isnan(v->valuedouble) ? "NaN"
					: isinf(v->valuedouble) ? (v->valuedouble > 0 ? "+Inf" : "-Inf")
					: mlg_format_number(v->valuedouble, buf));
			mlg_strbuf_release(&help);
			free(name);
		}
	}
	model_metric_families(&sb, run);
	mlg_strbuf_addstr(&sb, "# EOF\n");
	mlg_strmap_release(&seen);
	return mlg_strbuf_detach(&sb);
}

int mlg_report_write_metrics(const struct mlg_run *run, const char *path)
{
	char *text = mlg_report_metrics(run);
	int error = mlg_write_atomic(path, text, strlen(text));

	free(text);
	return error;
}
