/*
 * The one table of built-in check kinds. Keep it sorted by name: lookups
 * are binary searches and `mlgate kinds` lists in this order.
 */
#include <stdlib.h>
#include <string.h>

#include "mlgate/registry.h"

extern const struct mlg_check_kind mlg_kind_data_allowed_values;
extern const struct mlg_check_kind mlg_kind_data_class_balance;
extern const struct mlg_check_kind mlg_kind_data_compare;
extern const struct mlg_check_kind mlg_kind_data_conflicting_labels;
extern const struct mlg_check_kind mlg_kind_data_distinct;
extern const struct mlg_check_kind mlg_kind_data_drift;
extern const struct mlg_check_kind mlg_kind_data_drift_share;
extern const struct mlg_check_kind mlg_kind_data_freshness;
extern const struct mlg_check_kind mlg_kind_data_length;
extern const struct mlg_check_kind mlg_kind_data_no_overlap;
extern const struct mlg_check_kind mlg_kind_data_not_null;
extern const struct mlg_check_kind mlg_kind_data_pattern;
extern const struct mlg_check_kind mlg_kind_data_pii;
extern const struct mlg_check_kind mlg_kind_data_range;
extern const struct mlg_check_kind mlg_kind_data_row_count;
extern const struct mlg_check_kind mlg_kind_data_schema;
extern const struct mlg_check_kind mlg_kind_data_skew;
extern const struct mlg_check_kind mlg_kind_data_stats;
extern const struct mlg_check_kind mlg_kind_data_unique;
extern const struct mlg_check_kind mlg_kind_infra_command;
extern const struct mlg_check_kind mlg_kind_infra_file;
extern const struct mlg_check_kind mlg_kind_infra_http;
extern const struct mlg_check_kind mlg_kind_infra_junit;
extern const struct mlg_check_kind mlg_kind_infra_latency;
extern const struct mlg_check_kind mlg_kind_infra_prometheus;
extern const struct mlg_check_kind mlg_kind_infra_reproducible;
extern const struct mlg_check_kind mlg_kind_infra_resources;
extern const struct mlg_check_kind mlg_kind_model_classification;
extern const struct mlg_check_kind mlg_kind_model_fairness;
extern const struct mlg_check_kind mlg_kind_model_metric;
extern const struct mlg_check_kind mlg_kind_model_regression;

static const struct mlg_check_kind *const kinds[] = {
	&mlg_kind_data_allowed_values,
	&mlg_kind_data_class_balance,
	&mlg_kind_data_compare,
	&mlg_kind_data_conflicting_labels,
	&mlg_kind_data_distinct,
	&mlg_kind_data_drift,
	&mlg_kind_data_drift_share,
	&mlg_kind_data_freshness,
	&mlg_kind_data_length,
	&mlg_kind_data_no_overlap,
	&mlg_kind_data_not_null,
	&mlg_kind_data_pattern,
	&mlg_kind_data_pii,
	&mlg_kind_data_range,
	&mlg_kind_data_row_count,
	&mlg_kind_data_schema,
	&mlg_kind_data_skew,
	&mlg_kind_data_stats,
	&mlg_kind_data_unique,
	&mlg_kind_infra_command,
	&mlg_kind_infra_file,
	&mlg_kind_infra_http,
	&mlg_kind_infra_junit,
	&mlg_kind_infra_latency,
	&mlg_kind_infra_prometheus,
	&mlg_kind_infra_reproducible,
	&mlg_kind_infra_resources,
	&mlg_kind_model_classification,
	&mlg_kind_model_fairness,
	&mlg_kind_model_metric,
	&mlg_kind_model_regression,
};

const struct mlg_param mlg_common_params[] = {
	{ "kind", MLG_PARAM_STRING, 1, NULL, "the check kind, e.g. data.range" },
	{ "id", MLG_PARAM_STRING, 0, NULL, "stable id; default: kind:target, e.g. data.range:train.amount" },
	{ "name", MLG_PARAM_STRING, 0, NULL, "display name; default: the id" },
	{ "severity", MLG_PARAM_STRING, 0, "\"error\"", "\"error\" closes the gate on failure, \"warn\" only reports" },
	{ "tags", MLG_PARAM_STRINGS, 0, NULL, "labels for --tag selection" },
	{ "description", MLG_PARAM_STRING, 0, NULL, "free text shown in reports" },
	{ "timeout", MLG_PARAM_DURATION, 0, "\"10m\"", "stop the check after this long (suite default: defaults.timeout)" },
	{ "needs", MLG_PARAM_STRINGS, 0, NULL, "ids of checks that must pass first; if one does not, this check is skipped" },
	{ NULL, 0, 0, NULL, NULL }
};

size_t mlg_registry_count(void)
{
	return sizeof(kinds) / sizeof(kinds[0]);
}

const struct mlg_check_kind *mlg_registry_at(size_t i)
{
	return i < mlg_registry_count() ? kinds[i] : NULL;
}

static int cmp_kind(const void *key, const void *elem)
{
	const struct mlg_check_kind *const *k = elem;

	return strcmp(key, (*k)->name);
}

const struct mlg_check_kind *mlg_registry_find(const char *name)
{
	const struct mlg_check_kind *const *k;

	k = bsearch(name, kinds, mlg_registry_count(), sizeof(kinds[0]), cmp_kind);
	return k ? *k : NULL;
}

const char *mlg_param_type_name(enum mlg_param_type type)
{
	switch (type) {
	case MLG_PARAM_STRING:
		return "string";
	case MLG_PARAM_NUMBER:
		return "number";
	case MLG_PARAM_INTEGER:
		return "integer";
	case MLG_PARAM_BOOLEAN:
		return "boolean";
	case MLG_PARAM_FRACTION:
		return "fraction";
	case MLG_PARAM_DURATION:
		return "duration";
	case MLG_PARAM_STRINGS:
		return "string or list";
	case MLG_PARAM_OBJECT:
		return "object";
	case MLG_PARAM_DATASET:
		return "dataset";
	case MLG_PARAM_PATH:
		return "path";
	case MLG_PARAM_BOUND:
		return "number or time";
	case MLG_PARAM_LIST:
		return "list";
	case MLG_PARAM_SIZE:
		return "size";
	case MLG_PARAM_INTEGERS:
		return "integer or list";
	}
	return "?";
}
