/*
 * The gate: validating the suite's "gate" section, and deciding from
 * saved results whether a model may be promoted.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "jsonc.h"
#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "suite_internal.h"
#include "util.h"

static void validate_entry(struct mlg_suite *suite, cJSON *entry, const char *path, int expanded,
			   struct mlg_diag *diag)
{
	const cJSON *reg = cJSON_GetObjectItemCaseSensitive(entry, "registry"), *on, *it;
	const struct mlg_promoter *pr;
	struct mlg_strbuf names = MLG_STRBUF_INIT, sub = MLG_STRBUF_INIT;
	size_t before = diag->count;
	char *owner;

	if (!cJSON_IsString(reg)) {
		for (size_t i = 0; i < mlg_promoter_count(); i++)
			mlg_strbuf_addf(&names, "%s%s", i ? ", " : "", mlg_promoter_at(i)->name);
		if (reg) {
			mlg_strbuf_addf(&sub, "%s.registry", path);
			mlg_diag_add(diag, sub.buf, "expected one of %s", names.buf);
		} else {
			mlg_diag_add(diag, path, "missing \"registry\": expected one of %s", names.buf);
		}
		goto done;
	}
	pr = mlg_promoter_find(reg->valuestring);
	if (!pr) {
		for (size_t i = 0; i < mlg_promoter_count(); i++)
			mlg_strbuf_addf(&names, "%s%s", i ? ", " : "", mlg_promoter_at(i)->name);
		mlg_strbuf_addf(&sub, "%s.registry", path);
		mlg_diag_add(diag, sub.buf, "unknown registry '%s': expected one of %s", reg->valuestring,
			     names.buf);
		goto done;
	}
	/* One table: the keys every entry takes, then the adapter's own. */
	{
		static const struct mlg_param none[] = { { NULL, 0, 0, NULL, NULL } };
		size_t n = 0, k = 0;
		struct mlg_param *all;

		for (const struct mlg_param *p = mlg_promote_common_params; p->name; p++)
			n++;
		for (const struct mlg_param *p = pr->params; p->name; p++)
			n++;
		all = mlg_xcalloc(n + 1, sizeof(*all));
		for (const struct mlg_param *p = mlg_promote_common_params; p->name; p++)
			all[k++] = *p;
		for (const struct mlg_param *p = pr->params; p->name; p++)
			all[k++] = *p;
		owner = mlg_xasprintf("key of a %s entry", pr->name);
		mlg_suite__check_params(suite, entry, path, none, all, owner, !expanded, diag);
		free(owner);
		free(all);
	}
	on = cJSON_GetObjectItemCaseSensitive(entry, "on");
	if (!on)
		cJSON_AddItemToObject(entry, "on", cJSON_Parse(pr->default_on));
	else if (cJSON_IsArray(on) || cJSON_IsString(on)) {
		const cJSON *list = on;
		size_t k = 0;

		if (cJSON_IsString(on)) {
			if (strcmp(on->valuestring, "approved") && strcmp(on->valuestring, "rejected")) {
				mlg_strbuf_addf(&sub, "%s.on", path);
				mlg_diag_add(diag, sub.buf, "expected \"approved\" and/or \"rejected\"");
			}
		} else {
			cJSON_ArrayForEach(it, list) {
				if (!cJSON_IsString(it) || (strcmp(it->valuestring, "approved") &&
							    strcmp(it->valuestring, "rejected"))) {
					mlg_strbuf_reset(&sub);
					mlg_strbuf_addf(&sub, "%s.on[%zu]", path, k);
					mlg_diag_add(diag, sub.buf, "expected \"approved\" or \"rejected\"");
				}
				k++;
			}
		}
	}
	/* The adapter's own rules only on values of the declared types. */
	if (pr->validate && diag->count == before)
		pr->validate(entry, path, diag);
done:
	mlg_strbuf_release(&names);
	mlg_strbuf_release(&sub);
}

void mlg_gate_validate(struct mlg_suite *suite, int expand, struct mlg_diag *diag)
{
	cJSON *gate = cJSON_GetObjectItemCaseSensitive(suite->root, "gate"), *promote, *it;
	struct mlg_strbuf path = MLG_STRBUF_INIT;
	size_t i = 0;

	if (!gate)
		return;
	if (!cJSON_IsObject(gate)) {
		mlg_diag_add(diag, "gate", "expected an object with \"promote\": [...]");
		return;
	}
	for (it = gate->child; it; it = it->next)
		if (strcmp(it->string, "promote")) {
			mlg_strbuf_addf(&path, "gate.%s", it->string);
			mlg_diag_add(diag, path.buf, "unknown key of the gate '%s': expected \"promote\"",
				     it->string);
			mlg_strbuf_reset(&path);
		}
	if (expand) {
		mlg_strbuf_addstr(&path, "gate");
		mlg_suite__expand(gate, &path, diag);
		mlg_strbuf_reset(&path);
	}
	promote = cJSON_GetObjectItemCaseSensitive(gate, "promote");
	if (!promote)
		goto done;
	if (!cJSON_IsArray(promote)) {
		mlg_diag_add(diag, "gate.promote", "expected a list of registry entries");
		goto done;
	}
	cJSON_ArrayForEach(it, promote) {
		mlg_strbuf_reset(&path);
		mlg_strbuf_addf(&path, "gate.promote[%zu]", i++);
		if (!cJSON_IsObject(it))
			mlg_diag_add(diag, path.buf, "expected an object with \"registry\"");
		else
			validate_entry(suite, it, path.buf, expand, diag);
	}
done:
	mlg_strbuf_release(&path);
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *mlg_results_digest(const cJSON *results)
{
	cJSON *copy = cJSON_Duplicate(results, 1), *checks, *it;
	char *text, hex[65];

	if (!copy)
		mlg_die_oom();
	/* Times differ on every run and promotion records are added later:
	 * neither may change which results these are. */
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "started");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "duration_s");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "promotion");
	checks = cJSON_GetObjectItemCaseSensitive(copy, "checks");
	cJSON_ArrayForEach(it, checks)
		cJSON_DeleteItemFromObjectCaseSensitive(it, "duration_s");
	text = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	if (!text)
		mlg_die_oom();
	mlg_sha256_hex(text, strlen(text), hex);
	cJSON_free(text);
	return mlg_xasprintf("sha256:%s", hex);
}

int mlg_gate_decide(const cJSON *results, const struct mlg_suite *suite, char **reason)
{
	const cJSON *checks, *it, *sf;
	const char *schema = str_of(results, "schema"), *name = str_of(results, "suite");
	size_t failed = 0, missing = 0, errored = 0;
	const char *first_failed = NULL, *first_missing = NULL, *first_errored = NULL;
	const char *first_error_status = NULL;

	*reason = NULL;
	if (!cJSON_IsObject(results) || !schema || strcmp(schema, "mlgate.results/v1")) {
		*reason = mlg_xasprintf("not mlgate results: expected \"schema\": \"mlgate.results/v1\"");
		return MLG_GATE_FOREIGN;
	}
	if (!name || strcmp(name, suite->name)) {
		*reason = mlg_xasprintf("the results are of suite '%s', not '%s'", name ? name : "?",
					suite->name);
		return MLG_GATE_FOREIGN;
	}
	sf = cJSON_GetObjectItemCaseSensitive(results, "suite_file");
	if (!str_of(sf, "sha256") || strcmp(str_of(sf, "sha256"), suite->sha256)) {
		*reason = mlg_xasprintf("the results were produced by another version of '%s' "
					"(suite file sha256 %.12s..., this one %.12s...): run the suite again",
					suite->file, str_of(sf, "sha256") ? str_of(sf, "sha256") : "none",
					suite->sha256);
		return MLG_GATE_FOREIGN;
	}
	checks = cJSON_GetObjectItemCaseSensitive(results, "checks");
	{
		size_t gating = 0;

		for (size_t i = 0; i < suite->nchecks; i++)
			gating += !suite->checks[i].severity_warn;
		if (!gating) {
			*reason = mlg_xstrdup("the suite has no gating check (severity \"error\"): nothing was tested");
			return MLG_GATE_INCOMPLETE;
		}
	}
	for (size_t i = 0; i < suite->nchecks; i++) {
		const struct mlg_check *c = &suite->checks[i];
		const char *status = NULL;

		if (c->severity_warn)
			continue;
		cJSON_ArrayForEach(it, checks) {
			const char *id = str_of(it, "id");

			if (id && !strcmp(id, c->id)) {
				status = str_of(it, "status");
				break;
			}
		}
		if (!status) {
			if (!missing++)
				first_missing = c->id;
		} else if (!strcmp(status, "failed")) {
			if (!failed++)
				first_failed = c->id;
		} else if (strcmp(status, "passed")) {
			if (!errored++) {
				first_errored = c->id;
				first_error_status = status;
			}
		}
	}
	if (failed) {
		*reason = mlg_xasprintf("%zu gating check%s failed (first: %s)", failed,
					failed == 1 ? "" : "s", first_failed);
		return MLG_GATE_FAILED;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(results, "interrupted"))) {
		*reason = mlg_xstrdup("the run was interrupted");
		return MLG_GATE_INCOMPLETE;
	}
	if (missing) {
		*reason = mlg_xasprintf("the results lack %zu gating check%s of the suite (first: %s)",
					missing, missing == 1 ? "" : "s", first_missing);
		return MLG_GATE_INCOMPLETE;
	}
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(results, "shard"))) {
		*reason = mlg_xstrdup("these are one shard's results: merge all shards first (mlgate merge)");
		return MLG_GATE_INCOMPLETE;
	}
	if (errored) {
		*reason = mlg_xasprintf("%zu gating check%s did not pass (first: %s, %s)", errored,
					errored == 1 ? "" : "s", first_errored, first_error_status);
		return MLG_GATE_INCOMPLETE;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(results, "complete"))) {
		*reason = mlg_xstrdup("the results are incomplete (a partial selection)");
		return MLG_GATE_INCOMPLETE;
	}
	return MLG_GATE_OPEN;
}
