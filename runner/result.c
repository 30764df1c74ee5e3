/* Check results (see include/mlgate/result.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/result.h"
#include "util.h"

void mlg_result_init(struct mlg_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = MLG_STATUS_PASSED;
	r->observed = cJSON_CreateObject();
	r->expected = cJSON_CreateObject();
	r->examples = cJSON_CreateArray();
	r->max_examples = MLG_RESULT_MAX_EXAMPLES;
	/* cJSON reports allocation failure by NULL: fatal, like ours. */
	if (!r->observed || !r->expected || !r->examples)
		mlg_die_oom();
}

void mlg_result_release(struct mlg_result *r)
{
	if (!r)
		return;
	free(r->message);
	free(r->details);
	cJSON_Delete(r->observed);
	cJSON_Delete(r->expected);
	cJSON_Delete(r->examples);
	memset(r, 0, sizeof(*r));
}

void mlg_result_set(struct mlg_result *r, enum mlg_status status, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(r->message);
	r->message = mlg_strbuf_detach(&sb);
	r->status = status;
}

/*
 * Cuts `s` (of length len) in place to at most `max` bytes, at a UTF-8
 * character boundary, marked with the original length. `max` leaves room
 * for the mark, so the text only ever gets shorter.
 */
static void cut_text(char *s, size_t len, size_t max)
{
	size_t cut;

	if (len <= max)
		return;
	cut = mlg_utf8_floor(s, max - 32);
	snprintf(s + cut, len - cut + 1, "... (%zu bytes)", len);
}

static void bound_json(cJSON *v)
{
	for (; v; v = v->next) {
		if (v->string)
			cut_text(v->string, strlen(v->string), MLG_RESULT_VALUE_MAX);
		if (cJSON_IsString(v) && v->valuestring)
			cut_text(v->valuestring, strlen(v->valuestring), MLG_RESULT_VALUE_MAX);
		bound_json(v->child);
	}
}

void mlg_result_bound(struct mlg_result *r)
{
	if (r->message)
		cut_text(r->message, strlen(r->message), MLG_RESULT_MESSAGE_MAX);
	if (r->details)
		cut_text(r->details, strlen(r->details), MLG_RESULT_DETAILS_MAX);
	if (r->observed)
		bound_json(r->observed->child);
	if (r->expected)
		bound_json(r->expected->child);
	if (r->examples)
		bound_json(r->examples->child);
}

void mlg_result_set_details(struct mlg_result *r, const char *details)
{
	free(r->details);
	r->details = details ? mlg_xstrdup(details) : NULL;
}

void mlg_result_example(struct mlg_result *r, uint64_t row, const char *column,
			const char *value, const char *why)
{
	cJSON *ex;

	r->nexamples++;
	if (r->nexamples > r->max_examples)
		return;
	ex = cJSON_CreateObject();
	if (row)
		cJSON_AddNumberToObject(ex, "row", (double)row);
	if (column)
		cJSON_AddStringToObject(ex, "column", column);
	if (value)
		cJSON_AddStringToObject(ex, "value", value);
	else
		cJSON_AddNullToObject(ex, "value");
	if (why)
		cJSON_AddStringToObject(ex, "reason", why);
	cJSON_AddItemToArray(r->examples, ex);
}

const char *mlg_status_name(enum mlg_status status)
{
	switch (status) {
	case MLG_STATUS_PASSED:
		return "passed";
	case MLG_STATUS_FAILED:
		return "failed";
	case MLG_STATUS_ERROR:
		return "error";
	case MLG_STATUS_SKIPPED:
		return "skipped";
	}
	return "error";
}
