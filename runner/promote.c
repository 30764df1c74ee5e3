/*
 * Promotion: the gate's verdict, then each gate.promote entry in order,
 * each call recorded in the results so that a repeat is a no-op.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cancel.h"
#include "digest.h"
#include "jsonc.h"
#include "mlgate/error.h"
#include "mlgate/promote.h"
#include "mlgate/value.h"
#include "text.h"
#include "util.h"

/* A link to the CI job, from the variables GitHub, GitLab and Jenkins set. */
static char *ci_job_url(void)
{
	const char *server = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY");
	const char *run = getenv("GITHUB_RUN_ID");

	if (server && repo && run && *server && *repo && *run)
		return mlg_xasprintf("%s/%s/actions/runs/%s", server, repo, run);
	if (getenv("CI_JOB_URL") && *getenv("CI_JOB_URL"))
		return mlg_xstrdup(getenv("CI_JOB_URL"));
	if (getenv("BUILD_URL") && *getenv("BUILD_URL"))
		return mlg_xstrdup(getenv("BUILD_URL"));
	return NULL;
}

static int wants(const cJSON *entry, const char *verdict)
{
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(entry, "on"), *it;

	if (cJSON_IsString(on))
		return !strcmp(on->valuestring, verdict);
	cJSON_ArrayForEach(it, on)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, verdict))
			return 1;
	return 0;
}

/*
 * One key per (suite, model, version, commit, results digest, verdict):
 * the same on every retry and every re-run of the same results, different
 * for anything that should be promoted anew.
 */
static char *idempotency_key(const struct mlg_promotion *f, const cJSON *entry)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *model = mlg_json_string(entry, "model") ? mlg_json_string(entry, "model") : mlg_json_string(entry, "repository");
	const char *version = mlg_json_string(entry, "version") ? mlg_json_string(entry, "version") : mlg_json_string(entry, "tag");
	char hex[65];

	mlg_strbuf_addf(&sb, "%s%c%s%c%s%c%s%c%s%c%s", f->suite, 0, model ? model : "", 0,
			version ? version : "", 0, f->commit ? f->commit : "", 0, f->results_digest, 0,
			f->verdict);
	mlg_sha256_hex(sb.buf, sb.len, hex);
	mlg_strbuf_release(&sb);
	hex[32] = '\0';
	return mlg_xasprintf("mlg_%s", hex);
}

/* The record of an earlier successful call of entry `index` with this key, or NULL. */
static const cJSON *recorded(const cJSON *results, const char *key, size_t index)
{
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(results, "promotion"), "calls");
	const cJSON *it;

	cJSON_ArrayForEach(it, calls) {
		const char *k = mlg_json_string(it, "key"), *st = mlg_json_string(it, "status");
		const cJSON *entry = cJSON_GetObjectItemCaseSensitive(it, "entry");

		if (k && st && !strcmp(k, key) && !strcmp(st, "done") && cJSON_IsNumber(entry) &&
		    (size_t)entry->valuedouble == index)
			return it;
	}
	return NULL;
}

static void record(cJSON *results, const char *verdict, const char *digest, size_t index,
		   const char *registry, const char *key)
{
	cJSON *promotion = cJSON_GetObjectItemCaseSensitive(results, "promotion"), *calls, *call;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!promotion) {
		promotion = cJSON_AddObjectToObject(results, "promotion");
		cJSON_AddArrayToObject(promotion, "calls");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(promotion, "verdict");
	cJSON_DeleteItemFromObjectCaseSensitive(promotion, "results_digest");
	cJSON_AddStringToObject(promotion, "verdict", verdict);
	cJSON_AddStringToObject(promotion, "results_digest", digest);
	calls = cJSON_GetObjectItemCaseSensitive(promotion, "calls");
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	call = cJSON_CreateObject();
	cJSON_AddNumberToObject(call, "entry", (double)index);
	cJSON_AddStringToObject(call, "registry", registry);
	cJSON_AddStringToObject(call, "verdict", verdict);
	cJSON_AddStringToObject(call, "key", key);
	cJSON_AddStringToObject(call, "status", "done");
	cJSON_AddStringToObject(call, "at", when);
	cJSON_AddItemToArray(calls, call);
}

/* A path from the suite, resolved against the suite file's folder; caller frees. */
static char *resolve(const struct mlg_suite *suite, const char *path)
{
	if (!path)
		return NULL;
	return path[0] == '/' ? mlg_xstrdup(path) : mlg_xasprintf("%s/%s", suite->dir, path);
}

/* Longest failure message printed, in bytes: a registry's answer is quoted in it. */
#define SHOWN_MESSAGE_MAX 1000

/*
 * A failure message with the entry's URL shown masked (credentials, query
 * values), as one bounded line: it quotes what the registry answered, and
 * that text (ESC, CR, a newline and "::add-mask::") must not act on the
 * terminal or the CI log. Caller frees.
 */
static char *shown_message(const char *msg, const cJSON *entry)
{
	const char *url = mlg_json_string(entry, "url");
	char *masked, *out;
	size_t len;

	if (url && *url) {
		char *shown = mlg_http_shown_url(url);

		masked = mlg_str_replace(msg, url, shown);
		free(shown);
	} else {
		masked = mlg_xstrdup(msg);
	}
	out = mlg_text_one_line(masked);
	free(masked);
	len = strlen(out);
	if (len > SHOWN_MESSAGE_MAX) {
		/* not inside a character, nor inside an escape such as "\x1B" */
		len = mlg_utf8_complete_end(out, 0, SHOWN_MESSAGE_MAX);
		for (size_t k = len; k > 0 && k + 6 > len; k--)
			if (out[k - 1] == '\\') {
				len = k - 1;
				break;
			}
		masked = mlg_xasprintf("%.*s...", (int)len, out);
		free(out);
		out = masked;
	}
	return out;
}

/*
 * The first environment variable named by an entry that will be called
 * and that is unset, as a message (caller frees), or NULL. "*_env" keys
 * name one variable; "headers_env" names one per header.
 */
static char *missing_credentials(const cJSON *entries, const char *verdict)
{
	const cJSON *entry, *it, *h;
	size_t index = 0;

	cJSON_ArrayForEach(entry, entries) {
		if (!wants(entry, verdict)) {
			index++;
			continue;
		}
		cJSON_ArrayForEach(it, entry) {
			size_t n = strlen(it->string);

			if (n > 4 && !strcmp(it->string + n - 4, "_env") && cJSON_IsString(it) &&
			    (!getenv(it->valuestring) || !*getenv(it->valuestring)))
				return mlg_xasprintf("environment variable '%s' (gate.promote[%zu].%s) is not set",
						     it->valuestring, index, it->string);
			if (!strcmp(it->string, "headers_env"))
				cJSON_ArrayForEach(h, it)
					if (cJSON_IsString(h) && (!getenv(h->valuestring) || !*getenv(h->valuestring)))
						return mlg_xasprintf("environment variable '%s' (gate.promote[%zu].headers_env.%s) is not set",
								     h->valuestring, index, h->string);
		}
		index++;
	}
	return NULL;
}

/* The gating checks that did not pass, for a rejection event. */
static cJSON *failed_checks(const cJSON *results, const struct mlg_suite *suite)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(results, "checks")) {
		const char *st = mlg_json_string(it, "status"), *sev = mlg_json_string(it, "severity");
		cJSON *o;

		if (!st || !strcmp(st, "passed") || (sev && !strcmp(sev, "warn")))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", mlg_json_string(it, "id") ? mlg_json_string(it, "id") : "");
		cJSON_AddStringToObject(o, "status", st);
		cJSON_AddStringToObject(o, "message", mlg_json_string(it, "message") ? mlg_json_string(it, "message") : "");
		cJSON_AddItemToArray(out, o);
	}
	(void)suite;
	return out;
}

int mlg_promote(cJSON *results, const struct mlg_suite *suite,
		const struct mlg_promote_options *opts, int *changed)
{
	const cJSON *gate = cJSON_GetObjectItemCaseSensitive(suite->root, "gate");
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(gate, "promote"), *entry;
	const cJSON *git = cJSON_GetObjectItemCaseSensitive(results, "git");
	FILE *out = opts->out ? opts->out : stderr;
	struct mlg_promotion facts;
	char *reason = NULL, *digest = NULL, *job = NULL;
	cJSON *failed = NULL;
	int verdict, code, skipped_all = 1, called = 0;
	size_t index = 0;

	*changed = 0;
	verdict = mlg_gate_decide(results, suite, &reason);
	if (verdict == MLG_GATE_FOREIGN) {
		mlg_error_set("%s", reason);
		free(reason);
		return MLG_GATE_FOREIGN;
	}
	digest = mlg_results_digest(results);
	job = ci_job_url();
	failed = failed_checks(results, suite);
	memset(&facts, 0, sizeof(facts));
	facts.verdict = verdict == MLG_GATE_OPEN ? "approved" : "rejected";
	facts.suite = suite->name;
	facts.commit = mlg_json_string(git, "commit");
	facts.branch = mlg_json_string(git, "branch");
	facts.ci_job_url = job;
	facts.results_digest = digest;
	facts.summary = cJSON_GetObjectItemCaseSensitive(results, "summary");
	facts.failed = failed;
	facts.reason = reason;
	code = verdict;

	/* The candidate each entry names must be the one that was tested. */
	{
		size_t i = 0;

		cJSON_ArrayForEach(entry, entries) {
			char *why = wants(entry, facts.verdict) ? mlg_results_candidate_mismatch(results, entry, i) : NULL;

			i++;
			if (!why)
				continue;
			fprintf(out, "mlgate: nothing was called: %s\n", why);
			mlg_error_set("%s", why);
			free(why);
			cJSON_Delete(failed);
			free(reason);
			free(digest);
			free(job);
			return MLG_GATE_FOREIGN;
		}
	}
	/* Every credential an entry names must be there before the first call:
	 * a promotion must not stop half-way for a missing secret. */
	if (!opts->dry_run) {
		char *missing = missing_credentials(entries, facts.verdict);

		if (missing) {
			fprintf(out, "mlgate: nothing was called: %s\n", missing);
			mlg_error_set("%s", missing);
			free(missing);
			cJSON_Delete(failed);
			free(reason);
			free(digest);
			free(job);
			return verdict == MLG_GATE_OPEN ? MLG_GATE_REGISTRY_FAILED : verdict;
		}
	}
	if (verdict == MLG_GATE_OPEN) {
		fprintf(out, "mlgate: gate open: promoting (%s)\n", digest);
		fflush(out); /* CI logs show progress as it happens */
	} else {
		fprintf(out, "mlgate: gate closed: %s; nothing will be promoted\n", reason);
		/* A rejection is reported only for a whole run that judged the
		 * candidate: a partial or interrupted run judged nothing. */
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(results, "complete")) ||
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(results, "interrupted")))
			entries = NULL;
	}

	cJSON_ArrayForEach(entry, entries) {
		const struct mlg_promoter *pr = mlg_promoter_find(mlg_json_string(entry, "registry"));
		struct mlg_promote_call call;
		char *key, *path, *ca_file;
		const cJSON *prior;
		int rc;

		path = mlg_xasprintf("gate.promote[%zu]", index);
		if (!pr || !wants(entry, facts.verdict)) {
			free(path);
			index++;
			continue;
		}
		skipped_all = 0;
		key = idempotency_key(&facts, entry);
		prior = recorded(results, key, index);
		if (prior && !opts->dry_run) {
			fprintf(out, "mlgate: %s (%s): already done at %s with key %s; nothing to do\n", path,
				pr->name, mlg_json_string(prior, "at") ? mlg_json_string(prior, "at") : "?", key);
			free(key);
			free(path);
			index++;
			continue;
		}
		if (mlg_cancel_requested(opts->cancel)) {
			fprintf(out, "mlgate: interrupted: %s (%s) and those after it were not called\n", path,
				pr->name);
			code = MLG_GATE_INTERRUPTED;
			free(key);
			free(path);
			break;
		}
		memset(&call, 0, sizeof(call));
		call.entry = entry;
		call.path = path;
		call.facts = &facts;
		call.idempotency_key = key;
		call.dry_run = opts->dry_run;
		call.out = out;
		call.http = (struct mlg_http_request)MLG_HTTP_REQUEST_INIT;
		call.http.timeout_s = mlg_json_duration(cJSON_GetObjectItemCaseSensitive(entry, "timeout"), 30);
		call.http.connect_timeout_s = mlg_json_duration(cJSON_GetObjectItemCaseSensitive(entry, "connect_timeout"), 10);
		call.http.max_attempts = (int)mlg_json_duration(cJSON_GetObjectItemCaseSensitive(entry, "attempts"), 5);
		call.http.backoff_s = mlg_json_duration(cJSON_GetObjectItemCaseSensitive(entry, "backoff"), 1);
		call.http.backoff_max_s = mlg_json_duration(cJSON_GetObjectItemCaseSensitive(entry, "backoff_max"), 60);
		call.http.ca_file = ca_file = resolve(suite, mlg_json_string(entry, "ca_file"));
		call.http.cancel = opts->cancel;
		rc = pr->promote(&call);
		free(ca_file);
		called++;
		if (rc < 0 && mlg_cancel_requested(opts->cancel)) {
			fprintf(out, "mlgate: %s (%s) interrupted; nothing more is promoted\n", path, pr->name);
			code = MLG_GATE_INTERRUPTED;
			free(key);
			free(path);
			break;
		}
		if (rc < 0) {
			char *msg = shown_message(mlg_error_last(), entry);

			fprintf(out, "mlgate: %s (%s) failed: %s\n", path, pr->name, msg);
			free(msg);
			if (verdict == MLG_GATE_OPEN) {
				fprintf(out, "mlgate: the remaining registries were not called\n");
				code = MLG_GATE_REGISTRY_FAILED;
				free(key);
				free(path);
				break;
			}
		} else if (!opts->dry_run) {
			record(results, facts.verdict, digest, index, pr->name, key);
			*changed = 1;
			fprintf(out, "mlgate: %s (%s): %s recorded (key %s)\n", path, pr->name,
				verdict == MLG_GATE_OPEN ? "promotion" : "rejection", key);
		}
		free(key);
		free(path);
		index++;
	}
	if (skipped_all && verdict == MLG_GATE_OPEN)
		fprintf(out, "mlgate: gate open, but no gate.promote entry is called for approved candidates\n");
	(void)called;
	cJSON_Delete(failed);
	free(reason);
	free(digest);
	free(job);
	return code;
}
