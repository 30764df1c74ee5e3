/* JSON results, schema mlgate.results/v1 (DESIGN.md section 5). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/error.h"
#include "mlgate/report.h"
#include "text.h"
#include "util.h"

static void format_time(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Durations with millisecond precision: enough, and stable to print. */
static double ms(double s)
{
	return round(s * 1000.0) / 1000.0;
}

static cJSON *check_json(const struct mlg_run *run, size_t i)
{
	const struct mlg_check *c = &run->suite->checks[i];
	const struct mlg_result *r = &run->results[i];
	cJSON *o = cJSON_CreateObject(), *src;
	char cat[32];

	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "kind", c->kind->name);
	cJSON_AddStringToObject(o, "category", mlg_kind_category(c->kind, cat, sizeof(cat)));
	cJSON_AddStringToObject(o, "severity", c->severity_warn ? "warn" : "error");
	if (c->ntags) {
		cJSON *tags = cJSON_AddArrayToObject(o, "tags");

		for (size_t t = 0; t < c->ntags; t++)
			cJSON_AddItemToArray(tags, cJSON_CreateString(c->tags[t]));
	}
	cJSON_AddStringToObject(o, "status", mlg_status_name(r->status));
	cJSON_AddNumberToObject(o, "duration_s", ms(r->duration_s));
	cJSON_AddStringToObject(o, "message", r->message ? r->message : "");
	cJSON_AddItemToObject(o, "observed", cJSON_Duplicate(r->observed, 1));
	cJSON_AddItemToObject(o, "expected", cJSON_Duplicate(r->expected, 1));
	if (cJSON_GetArraySize(r->examples)) {
		cJSON_AddItemToObject(o, "examples", cJSON_Duplicate(r->examples, 1));
		cJSON_AddNumberToObject(o, "examples_total", (double)r->nexamples);
	}
	if (r->details)
		cJSON_AddStringToObject(o, "details", r->details);
	src = cJSON_AddObjectToObject(o, "source");
	cJSON_AddStringToObject(src, "file", run->suite->file);
	cJSON_AddNumberToObject(src, "line", c->line);
	return o;
}

/* Nearly every string is ASCII: the UTF-8 decoder only for the rest (with
 * 10,000 checks it was a tenth of the run without a report asked for). */
static int is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p && *p < 0x80)
		p++;
	return !*p || mlg_text_is_utf8((const char *)p);
}

/*
 * Data values, column names and command output may hold any bytes; JSON
 * must be UTF-8 (RFC 8259 section 8.1). Invalid sequences become U+FFFD.
 */
static void clean_tree(cJSON *node)
{
	for (; node; node = node->next) {
		if (node->string && !is_utf8(node->string)) {
			char *clean = mlg_text_clean(node->string, 0);
			char *copy = cJSON_malloc(strlen(clean) + 1);

			if (!copy)
				mlg_die_oom();
			memcpy(copy, clean, strlen(clean) + 1);
			free(clean);
			cJSON_free(node->string);
			node->string = copy;
		}
		if (cJSON_IsString(node) && !is_utf8(node->valuestring)) {
			char *clean = mlg_text_clean(node->valuestring, 0);

			cJSON_SetValuestring(node, clean);
			free(clean);
		}
		clean_tree(node->child);
	}
}

cJSON *mlg_report_json(const struct mlg_run *run)
{
	cJSON *doc = cJSON_CreateObject(), *git, *inputs, *sum, *checks, *suite_file;
	const struct mlg_summary *s = &run->summary;
	char when[32];

	format_time(run->started, when);
	cJSON_AddStringToObject(doc, "schema", "mlgate.results/v1");
	cJSON_AddStringToObject(doc, "suite", run->suite->name);
	cJSON_AddStringToObject(doc, "started", when);
	cJSON_AddNumberToObject(doc, "duration_s", ms(run->duration_s));
	cJSON_AddStringToObject(doc, "gate", run->gate_open ? "open" : "closed");
	cJSON_AddBoolToObject(doc, "complete", run->complete);
	if (run->interrupted)
		cJSON_AddBoolToObject(doc, "interrupted", 1);
	if (run->shard_count) {
		cJSON *shard = cJSON_AddObjectToObject(doc, "shard");

		cJSON_AddNumberToObject(shard, "index", run->shard_index);
		cJSON_AddNumberToObject(shard, "count", run->shard_count);
	}
	suite_file = cJSON_AddObjectToObject(doc, "suite_file");
	cJSON_AddStringToObject(suite_file, "path", run->suite->file);
	cJSON_AddStringToObject(suite_file, "sha256", run->suite->sha256);
	if (run->git.found) {
		git = cJSON_AddObjectToObject(doc, "git");
		if (run->git.commit[0])
			cJSON_AddStringToObject(git, "commit", run->git.commit);
		else
			cJSON_AddNullToObject(git, "commit");
		if (run->git.branch)
			cJSON_AddStringToObject(git, "branch", run->git.branch);
		else
			cJSON_AddNullToObject(git, "branch");
		cJSON_AddBoolToObject(git, "dirty", run->git.dirty);
	}
	inputs = cJSON_AddArrayToObject(doc, "inputs");
	for (size_t i = 0; i < run->ninputs; i++) {
		cJSON *in = cJSON_CreateObject();

		cJSON_AddStringToObject(in, "path", run->inputs[i].path);
		if (run->inputs[i].sha256[0]) {
			cJSON_AddNumberToObject(in, "bytes", (double)run->inputs[i].bytes);
			cJSON_AddStringToObject(in, "sha256", run->inputs[i].sha256);
		} else {
			cJSON_AddNullToObject(in, "sha256");
		}
		cJSON_AddItemToArray(inputs, in);
	}
	sum = cJSON_AddObjectToObject(doc, "summary");
	cJSON_AddNumberToObject(sum, "total", (double)s->total);
	cJSON_AddNumberToObject(sum, "selected", (double)s->selected);
	cJSON_AddNumberToObject(sum, "passed", (double)s->passed);
	cJSON_AddNumberToObject(sum, "failed", (double)s->failed);
	cJSON_AddNumberToObject(sum, "errors", (double)s->errors);
	cJSON_AddNumberToObject(sum, "skipped", (double)s->skipped);
	cJSON_AddNumberToObject(sum, "warnings", (double)s->warnings);
	checks = cJSON_AddArrayToObject(doc, "checks");
	for (size_t i = 0; i < run->suite->nchecks; i++)
		cJSON_AddItemToArray(checks, check_json(run, i));
	clean_tree(doc);
	return doc;
}

int mlg_report_write_json_doc(const cJSON *doc, const char *path)
{
	char *text = cJSON_Print(doc);
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	int error;

	if (!text)
		mlg_die_oom();
	mlg_strbuf_addstr(&sb, text);
	mlg_strbuf_addch(&sb, '\n');
	cJSON_free(text);
	error = mlg_write_atomic(path, sb.buf, sb.len);
	mlg_strbuf_release(&sb);
	return error;
}

int mlg_report_write_json(const struct mlg_run *run, const char *path)
{
	cJSON *doc = mlg_report_json(run);
	int error = mlg_report_write_json_doc(doc, path);

	cJSON_Delete(doc);
	return error;
}
