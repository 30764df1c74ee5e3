/*
 * The gate: validating the suite's "gate" section, and deciding from
 * saved results whether a model may be promoted.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "expand.h"
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
	/* Nor where the suite was run from: `-c sub/mlgate.json` or `cd sub`. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "suite_file"), "path");
	checks = cJSON_GetObjectItemCaseSensitive(copy, "checks");
	cJSON_ArrayForEach(it, checks) {
		cJSON_DeleteItemFromObjectCaseSensitive(it, "duration_s");
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "source"), "file");
	}
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
	const char *schema = mlg_json_string(results, "schema"), *name = mlg_json_string(results, "suite");
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
	if (!mlg_json_string(sf, "sha256") || strcmp(mlg_json_string(sf, "sha256"), suite->sha256)) {
		*reason = mlg_xasprintf("the results were produced by another version of '%s' "
					"(suite file sha256 %.12s..., this one %.12s...): run the suite again",
					suite->file, mlg_json_string(sf, "sha256") ? mlg_json_string(sf, "sha256") : "none",
					suite->sha256);
		return MLG_GATE_FOREIGN;
	}
	checks = cJSON_GetObjectItemCaseSensitive(results, "checks");
	{
		/* The summary and the verdict must agree with the statuses: a
		 * file edited by hand rarely keeps all three in step. */
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(results, "summary");
		const char *gate = mlg_json_string(results, "gate");
		double nfailed = 0, nerrors = 0;

		cJSON_ArrayForEach(it, checks) {
			const char *st = mlg_json_string(it, "status"), *sev = mlg_json_string(it, "severity");
			int warn = sev && !strcmp(sev, "warn");

			nfailed += st && !strcmp(st, "failed") && !warn;
			nerrors += st && !strcmp(st, "error") && !warn;
		}
		if (!cJSON_IsObject(sum) || !gate ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sum, "failed")) ||
		    cJSON_GetObjectItemCaseSensitive(sum, "failed")->valuedouble != nfailed ||
		    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sum, "errors")) ||
		    cJSON_GetObjectItemCaseSensitive(sum, "errors")->valuedouble != nerrors ||
		    (!strcmp(gate, "open") && (nfailed || nerrors))) {
			*reason = mlg_xstrdup("the results are inconsistent: their summary or gate does not match "
					      "the checks' statuses (edited by hand?)");
			return MLG_GATE_FOREIGN;
		}
	}
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
			const char *id = mlg_json_string(it, "id");

			if (id && !strcmp(id, c->id)) {
				status = mlg_json_string(it, "status");
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

/* The fields that say which candidate an entry promotes. */
static const char *const identity_keys[] = { "model", "version", "repository", "tag" };

void mlg_results_add_candidates(cJSON *results, const struct mlg_suite *suite)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(suite->root, "gate"), "promote");
	const cJSON *entry;
	cJSON *list;
	size_t index = 0;

	if (!cJSON_GetArraySize(entries))
		return;
	list = cJSON_AddArrayToObject(results, "candidates");
	cJSON_ArrayForEach(entry, entries) {
		cJSON *c = cJSON_CreateObject();
		const cJSON *reg = cJSON_GetObjectItemCaseSensitive(entry, "registry");

		cJSON_AddNumberToObject(c, "entry", (double)index++);
		cJSON_AddStringToObject(c, "registry", cJSON_IsString(reg) ? reg->valuestring : "");
		for (size_t k = 0; k < sizeof(identity_keys) / sizeof(identity_keys[0]); k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, identity_keys[k]);
			char *expanded;

			if (!cJSON_IsString(v))
				continue;
			/* The gate is not expanded for a plain run: do it here, and
			 * record what cannot be resolved as such. */
			if (mlg_expand_vars(v->valuestring, &expanded) < 0) {
				cJSON_AddNullToObject(c, identity_keys[k]);
				continue;
			}
			cJSON_AddStringToObject(c, identity_keys[k], expanded);
			free(expanded);
		}
		cJSON_AddItemToArray(list, c);
	}
}

char *mlg_results_candidate_mismatch(const cJSON *results, const cJSON *entry, size_t index)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(results, "candidates"), *c = NULL, *it;

	/* Results that record no candidates at all (not made by `mlgate run`
	 * of a suite with a gate) cannot be checked this way. */
	if (!list)
		return NULL;
	cJSON_ArrayForEach(it, list) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "entry");

		if (cJSON_IsNumber(e) && (size_t)e->valuedouble == index)
			c = it;
	}
	for (size_t k = 0; k < sizeof(identity_keys) / sizeof(identity_keys[0]); k++) {
		const char *key = identity_keys[k];
		const cJSON *now = cJSON_GetObjectItemCaseSensitive(entry, key);
		const cJSON *then = cJSON_GetObjectItemCaseSensitive(c, key);

		if (!cJSON_IsString(now))
			continue;
		if (!c)
			return mlg_xasprintf("the results do not say which %s was tested for gate.promote[%zu]: "
					     "run the checks with the gate's variables set",
					     key, index);
		/* Unresolved when the checks ran (the variable was unset then):
		 * nothing to compare with. The README says to set the gate's
		 * variables in the test job to bind results to the candidate. */
		if (!cJSON_IsString(then))
			continue;
		if (strcmp(then->valuestring, now->valuestring))
			return mlg_xasprintf("the results tested %s '%s' for gate.promote[%zu], not '%s'", key,
					     then->valuestring, index, now->valuestring);
	}
	return NULL;
}
