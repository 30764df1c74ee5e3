/* The table of registry adapters, and the keys every gate.promote entry takes. */
#include <string.h>

#include "mlgate/promote.h"

extern const struct mlg_promoter mlg_promoter_mlflow;
extern const struct mlg_promoter mlg_promoter_oci;
extern const struct mlg_promoter mlg_promoter_webhook;

static const struct mlg_promoter *const promoters[] = {
	&mlg_promoter_mlflow,
	&mlg_promoter_oci,
	&mlg_promoter_webhook,
};

const struct mlg_param mlg_promote_common_params[] = {
	{ "registry", MLG_PARAM_STRING, 1, NULL, "the adapter: webhook, mlflow or oci" },
	{ "on", MLG_PARAM_STRINGS, 0, NULL,
	  "verdicts to call it for: \"approved\" and/or \"rejected\" (a rejection is an event, never a promotion)" },
	{ "timeout", MLG_PARAM_DURATION, 0, "\"30s\"", "total time allowed for one HTTP attempt" },
	{ "connect_timeout", MLG_PARAM_DURATION, 0, "\"10s\"", "time allowed to connect" },
	{ "attempts", MLG_PARAM_INTEGER, 0, "5", "attempts per request, retrying connection errors, 408, 429 and 5xx" },
	{ "backoff", MLG_PARAM_DURATION, 0, "\"1s\"", "first retry delay; doubles each time, with jitter" },
	{ "backoff_max", MLG_PARAM_DURATION, 0, "\"60s\"", "longest delay, Retry-After included" },
	{ "ca_file", MLG_PARAM_PATH, 0, NULL, "CA bundle for a registry behind a private CA (TLS is always verified)" },
	{ NULL, 0, 0, NULL, NULL }
};

size_t mlg_promoter_count(void)
{
	return sizeof(promoters) / sizeof(promoters[0]);
}

const struct mlg_promoter *mlg_promoter_at(size_t i)
{
	return i < mlg_promoter_count() ? promoters[i] : NULL;
}

const struct mlg_promoter *mlg_promoter_find(const char *name)
{
	for (size_t i = 0; i < mlg_promoter_count(); i++)
		if (!strcmp(promoters[i]->name, name))
			return promoters[i];
	return NULL;
}
