/*
 * Shard results merged into the results of one run, and runs rebuilt
 * from saved results (include/mlgate/merge.h).
 *
 * Merging is fail-closed: a merged document claims to be the evidence of
 * one whole run, so anything that says the shards were not one run (a
 * shard missing or twice, another suite version or commit, inputs read
 * with other contents, a check evaluated twice) is refused, never papered
 * over.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlgate/error.h"
#include "mlgate/merge.h"
#include "run_summary.h"
#include "jsonc.h"
#include "util.h"

#define RESULTS_SCHEMA "mlgate.results/v1"
/* How engine.c words a check another shard runs; see pick_skipped(). */
#define IN_ANOTHER_SHARD "in another shard ("

static const cJSON *item(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* A whole number that fits an int; -1 when absent or not one. The range
 * is checked before the cast: converting 1e30 or inf to int is undefined. */
static int int_of(const cJSON *obj, const char *key, int *out)
{
	const cJSON *v = item(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= INT_MIN && v->valuedouble <= INT_MAX) ||
	    v->valuedouble != (double)(int)v->valuedouble)
		return -1;
	*out = (int)v->valuedouble;
	return 0;
}

/* A count (bytes, examples): a whole number from 0 to 2^53, the integers
 * a double holds exactly; -1 when `v` is anything else. */
static int count_of(const cJSON *v, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0) ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return 0;
}

/*
 * The digest of an entry of "inputs": 0 with *sha NULL when the run could
 * not read the file (sha256 null or absent), 0 with *sha set to 64
 * lower-case hex digits, or -1 when it is anything else. Results carry
 * digests as evidence of what was tested: a doctored one is refused
 * rather than dropped or copied on.
 */
static int input_digest(const cJSON *input, const char **sha)
{
	const cJSON *v = item(input, "sha256");

	*sha = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) != 64 ||
	    strspn(v->valuestring, "0123456789abcdef") != 64)
		return -1;
	*sha = v->valuestring;
	return 0;
}

/* cJSON_Duplicate, where NULL can only mean out of memory. Caller owns it. */
static cJSON *json_dup(const cJSON *v)
{
	cJSON *copy = cJSON_Duplicate(v, 1);

	if (!copy)
		mlg_die_oom();
	return copy;
}

/* "2024-05-01T12:00:00Z", as report_json.c writes "started"; -1 when not. */
static int parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int parse_status(const char *s, enum mlg_status *out)
{
	static const enum mlg_status all[] = { MLG_STATUS_PASSED, MLG_STATUS_FAILED,
					       MLG_STATUS_ERROR, MLG_STATUS_SKIPPED };

	for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(s, mlg_status_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

static int is_results(const cJSON *doc)
{
	const char *schema = mlg_json_string(doc, "schema");

	return cJSON_IsObject(doc) && schema && !strcmp(schema, RESULTS_SCHEMA);
}

/* ---- a run rebuilt from results ---- */

/* The result called `id`: usually `next` (both lists are in suite order),
 * else found by searching, so a reordered document still matches by id. */
static const cJSON *find_check(const cJSON *checks, const cJSON *next, const char *id)
{
	const cJSON *it;
	const char *got;

	if (next && (got = mlg_json_string(next, "id")) && !strcmp(got, id))
		return next;
	cJSON_ArrayForEach(it, checks)
		if ((got = mlg_json_string(it, "id")) && !strcmp(got, id))
			return it;
	return NULL;
}

/* A check skipped because a prerequisite did not pass was selected: it
 * says which in observed.needs (engine.c). */
static int blocked(const cJSON *observed)
{
	return cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(observed, "needs"));
}

/* Fills the initialised result `r` from its JSON form `c`. */
static int fill_result(struct mlg_result *r, const cJSON *c, const char *id)
{
	const cJSON *v;
	enum mlg_status status;

	if (parse_status(mlg_json_string(c, "status"), &status) < 0)
		return mlg_error_code(MLG_EINVALID, "check '%s' has no valid \"status\" "
				      "(passed, failed, error or skipped)", id);
	r->status = status;
	/* The engine starts every check it selected, and no kind skips
	 * itself: only deselected checks (-k, --tag, another shard) and those
	 * blocked by a prerequisite are skipped, and only the latter start. */
	r->started = status != MLG_STATUS_SKIPPED || blocked(item(c, "observed"));
	r->message = mlg_xstrdup(mlg_json_string(c, "message") ? mlg_json_string(c, "message") : "");
	if (mlg_json_string(c, "details"))
		r->details = mlg_xstrdup(mlg_json_string(c, "details"));
	if (cJSON_IsObject(v = item(c, "observed"))) {
		cJSON_Delete(r->observed);
		r->observed = json_dup(v);
	}
	if (cJSON_IsObject(v = item(c, "expected"))) {
		cJSON_Delete(r->expected);
		r->expected = json_dup(v);
	}
	if (cJSON_IsArray(v = item(c, "examples"))) {
		cJSON_Delete(r->examples);
		r->examples = json_dup(v);
		r->nexamples = (uint64_t)cJSON_GetArraySize(v);
	}
	v = item(c, "examples_total");
	if (v && count_of(v, &r->nexamples) < 0)
		return mlg_error_code(MLG_EINVALID, "check '%s': \"examples_total\" is not a whole "
				      "number from 0 to 2^53", id);
	v = item(c, "duration_s");
	if (cJSON_IsNumber(v))
		r->duration_s = v->valuedouble;
	return 0;
}

static int fill_inputs(struct mlg_run *run, const cJSON *inputs)
{
	const cJSON *it;

	if (!inputs)
		return 0;
	if (!cJSON_IsArray(inputs))
		return mlg_error_code(MLG_EINVALID, "\"inputs\" is not a list");
	run->inputs = mlg_xcalloc((size_t)cJSON_GetArraySize(inputs) + 1, sizeof(*run->inputs));
	cJSON_ArrayForEach(it, inputs) {
		struct mlg_input *in = &run->inputs[run->ninputs];
		const char *path = mlg_json_string(it, "path"), *sha;
		const cJSON *bytes = item(it, "bytes");

		if (!path)
			return mlg_error_code(MLG_EINVALID, "an entry of \"inputs\" has no \"path\"");
		if (input_digest(it, &sha) < 0)
			return mlg_error_code(MLG_EINVALID, "input '%s': \"sha256\" is not 64 lower-case hex "
					      "digits or null", path);
		if (bytes && count_of(bytes, &in->bytes) < 0)
			return mlg_error_code(MLG_EINVALID, "input '%s': \"bytes\" is not a whole number "
					      "from 0 to 2^53", path);
		in->path = mlg_xstrdup(path);
		run->ninputs++;
		/* No digest: the run could not read the file (sha256 null). */
		if (sha)
			memcpy(in->sha256, sha, sizeof(in->sha256));
	}
	return 0;
}

static void fill_git(struct mlg_git_info *git, const cJSON *g)
{
	const char *commit = mlg_json_string(g, "commit"), *branch = mlg_json_string(g, "branch");

	if (!cJSON_IsObject(g))
		return; /* the run was outside a repository */
	git->found = 1;
	if (commit)
		snprintf(git->commit, sizeof(git->commit), "%s", commit);
	if (branch)
		git->branch = mlg_xstrdup(branch);
	git->dirty = cJSON_IsTrue(item(g, "dirty"));
}

int mlg_run_from_results(struct mlg_run **out, const struct mlg_suite *suite,
			 const cJSON *results)
{
	const char *name = mlg_json_string(results, "suite");
	const char *sha = mlg_json_string(item(results, "suite_file"), "sha256");
	const cJSON *checks = item(results, "checks"), *next, *v;
	struct mlg_run *run;
	int error;

	*out = NULL;
	if (!is_results(results))
		return mlg_error_code(MLG_EINVALID, "not mlgate results: expected \"schema\": \"%s\"",
				      RESULTS_SCHEMA);
	if (!name || strcmp(name, suite->name))
		return mlg_error_code(MLG_EINVALID, "the results are of suite '%s', not '%s'",
				      name ? name : "?", suite->name);
	if (!sha || strcmp(sha, suite->sha256))
		return mlg_error_code(MLG_EINVALID,
				      "the results were produced by another version of '%s' "
				      "(suite file sha256 %.12s..., this one %.12s...)",
				      suite->file, sha ? sha : "none", suite->sha256);
	if (!cJSON_IsArray(checks))
		return mlg_error_code(MLG_EINVALID, "the results have no \"checks\" list");

	run = mlg_xcalloc(1, sizeof(*run));
	run->suite = suite;
	run->results = mlg_xcalloc(suite->nchecks + 1, sizeof(*run->results));
	run->selected = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
	/* Every result initialised up front, so mlg_run_free() can undo a
	 * rebuild that stops half-way. */
	for (size_t i = 0; i < suite->nchecks; i++)
		mlg_result_init(&run->results[i]);

	next = checks->child;
	for (size_t i = 0; i < suite->nchecks; i++) {
		const struct mlg_check *c = &suite->checks[i];
		const cJSON *rc = find_check(checks, next, c->id);

		if (!rc) {
			error = mlg_error_code(MLG_EINVALID, "the results lack check '%s' of the suite",
					       c->id);
			goto fail;
		}
		next = rc->next;
		if ((error = fill_result(&run->results[i], rc, c->id)) < 0)
			goto fail;
		run->selected[i] = run->results[i].status != MLG_STATUS_SKIPPED ||
				   blocked(run->results[i].observed);
	}
	if ((error = fill_inputs(run, item(results, "inputs"))) < 0)
		goto fail;
	fill_git(&run->git, item(results, "git"));
	if (parse_time(mlg_json_string(results, "started"), &run->started) < 0) {
		error = mlg_error_code(MLG_EINVALID, "\"started\" is not a UTC time "
				       "like 2024-05-01T12:00:00Z");
		goto fail;
	}
	if (cJSON_IsNumber(v = item(results, "duration_s")))
		run->duration_s = v->valuedouble;
	run->interrupted = cJSON_IsTrue(item(results, "interrupted"));
	if (cJSON_IsObject(v = item(results, "shard")) &&
	    (int_of(v, "index", &run->shard_index) < 0 || int_of(v, "count", &run->shard_count) < 0)) {
		error = mlg_error_code(MLG_EINVALID, "\"shard\" lacks a whole \"index\" and \"count\"");
		goto fail;
	}
	mlg_run__summarise(run);
	*out = run;
	return 0;
fail:
	mlg_run_free(run);
	return error;
}

/* ---- merging shards ---- */

struct shard {
	const cJSON *doc;
	const char *name;      /* the file, for messages */
	int index, count;      /* "shard": {"index", "count"} */
	const char *suite, *sha256;
	const char *commit;    /* NULL: outside git, or no commit yet */
	const cJSON *checks;
	time_t started;
};

/* Reads what merging needs from one document, refusing what is not the
 * results of one shard. Borrows everything from `doc`. */
static int read_shard(struct shard *s, const cJSON *doc, const char *name)
{
	const cJSON *shard = item(doc, "shard");

	memset(s, 0, sizeof(*s));
	s->doc = doc;
	s->name = name;
	if (!is_results(doc))
		return mlg_error_code(MLG_EINVALID, "%s is not mlgate results: expected \"schema\": \"%s\"",
				      name, RESULTS_SCHEMA);
	if (!shard)
		return mlg_error_code(MLG_EINVALID, "%s has no \"shard\": it holds the results of a "
				      "whole run, not of mlgate run --shard K/N", name);
	if (int_of(shard, "index", &s->index) < 0 || int_of(shard, "count", &s->count) < 0 ||
	    s->count < 1 || s->index < 1 || s->index > s->count)
		return mlg_error_code(MLG_EINVALID, "%s: \"shard\" is not {\"index\": K, \"count\": N} "
				      "with 1 <= K <= N", name);
	s->suite = mlg_json_string(doc, "suite");
	s->sha256 = mlg_json_string(item(doc, "suite_file"), "sha256");
	s->checks = item(doc, "checks");
	if (!s->suite || !s->sha256 || !cJSON_IsArray(s->checks) || !cJSON_IsArray(item(doc, "inputs")))
		return mlg_error_code(MLG_EINVALID, "%s is not complete mlgate results: it lacks \"suite\", "
				      "\"suite_file\".\"sha256\", \"inputs\" or \"checks\"", name);
	if (parse_time(mlg_json_string(doc, "started"), &s->started) < 0)
		return mlg_error_code(MLG_EINVALID, "%s: \"started\" is not a UTC time "
				      "like 2024-05-01T12:00:00Z", name);
	s->commit = mlg_json_string(item(doc, "git"), "commit");
	return 0;
}

static int same_run(const struct shard *a, const struct shard *b)
{
	if (strcmp(a->suite, b->suite))
		return mlg_error_code(MLG_EINVALID, "%s and %s are from different versions of the suite "
				      "(suites '%s' and '%s')", a->name, b->name, a->suite, b->suite);
	if (strcmp(a->sha256, b->sha256))
		return mlg_error_code(MLG_EINVALID, "%s and %s are from different versions of the suite "
				      "(suite file sha256 %.12s... and %.12s...)", a->name, b->name,
				      a->sha256, b->sha256);
	if ((a->commit || b->commit) && (!a->commit || !b->commit || strcmp(a->commit, b->commit)))
		return mlg_error_code(MLG_EINVALID, "%s and %s are from different git commits "
				      "(%.12s and %.12s): run every shard on the same commit", a->name,
				      b->name, a->commit ? a->commit : "none", b->commit ? b->commit : "none");
	return 0;
}

static int in_another_shard(const cJSON *check)
{
	const char *msg = mlg_json_string(check, "message");

	return msg && !strncmp(msg, IN_ANOTHER_SHARD, strlen(IN_ANOTHER_SHARD));
}

/*
 * Each check as the one shard that ran it reported it. A check no shard
 * ran was deselected (-k, --tag) in the shard it belongs to: that shard's
 * reason is kept rather than the others' "in another shard".
 */
static int merge_checks(struct shard *const *s, int count, cJSON *out)
{
	int nchecks = cJSON_GetArraySize(s[0]->checks), error = 0;
	const cJSON **cur = mlg_xcalloc((size_t)count, sizeof(*cur));

	for (int k = 0; k < count; k++) {
		if (cJSON_GetArraySize(s[k]->checks) != nchecks) {
			error = mlg_error_code(MLG_EINVALID, "%s and %s are from different versions of the "
					       "suite (%d and %d checks)", s[0]->name, s[k]->name,
					       nchecks, cJSON_GetArraySize(s[k]->checks));
			goto done;
		}
		cur[k] = s[k]->checks->child;
	}
	for (int i = 0; i < nchecks; i++) {
		const char *id = mlg_json_string(cur[0], "id");
		const cJSON *ran = NULL, *skipped = NULL;
		const char *ran_in = NULL;

		if (!id) {
			error = mlg_error_code(MLG_EINVALID, "%s: check %d has no \"id\"", s[0]->name, i + 1);
			goto done;
		}
		for (int k = 0; k < count; k++) {
			const cJSON *c = cur[k];
			const char *cid = mlg_json_string(c, "id");
			enum mlg_status status;

			if (!cid || strcmp(cid, id)) {
				error = mlg_error_code(MLG_EINVALID, "%s and %s are from different versions "
						       "of the suite (check %d is '%s' and '%s')",
						       s[0]->name, s[k]->name, i + 1, id, cid ? cid : "?");
				goto done;
			}
			if (parse_status(mlg_json_string(c, "status"), &status) < 0) {
				error = mlg_error_code(MLG_EINVALID, "%s: check '%s' has no valid \"status\" "
						       "(passed, failed, error or skipped)", s[k]->name, id);
				goto done;
			}
			if (status != MLG_STATUS_SKIPPED) {
				if (ran) {
					error = mlg_error_code(MLG_EINVALID, "check '%s' ran in two shards: "
							       "%s and %s", id, ran_in, s[k]->name);
					goto done;
				}
				ran = c;
				ran_in = s[k]->name;
			} else if (!skipped || (in_another_shard(skipped) && !in_another_shard(c))) {
				skipped = c;
			}
		}
		cJSON_AddItemToArray(out, json_dup(ran ? ran : skipped));
		for (int k = 0; k < count; k++)
			cur[k] = cur[k]->next;
	}
done:
	free(cur);
	return error;
}

struct input_ref {
	const cJSON *input;
	const char *path;
	const char *from;   /* the file, for messages */
	size_t order;       /* shard order, then position: the tie-breaker */
};

static int cmp_input_ref(const void *a, const void *b)
{
	const struct input_ref *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The union of the shards' inputs, sorted by path as the engine sorts
 * them. The same file read by two shards must have been the same bytes. */
static int merge_inputs(struct shard *const *s, int count, cJSON *out)
{
	struct input_ref *refs = NULL;
	size_t n = 0, alloc = 0;
	const cJSON *it;
	int error = 0;

	for (int k = 0; k < count; k++) {
		cJSON_ArrayForEach(it, item(s[k]->doc, "inputs")) {
			const char *path = mlg_json_string(it, "path"), *sha;
			uint64_t bytes;

			if (!path) {
				error = mlg_error_code(MLG_EINVALID, "%s: an entry of \"inputs\" has no \"path\"",
						       s[k]->name);
				goto done;
			}
			if (input_digest(it, &sha) < 0 ||
			    (item(it, "bytes") && count_of(item(it, "bytes"), &bytes) < 0)) {
				error = mlg_error_code(MLG_EINVALID, "%s: input '%s' has a \"sha256\" or \"bytes\" "
						       "that no run writes", s[k]->name, path);
				goto done;
			}
			MLG_ALLOC_GROW(refs, n + 1, alloc);
			refs[n].input = it;
			refs[n].path = path;
			refs[n].from = s[k]->name;
			refs[n].order = n;
			n++;
		}
	}
	if (n)
		qsort(refs, n, sizeof(*refs), cmp_input_ref);
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(refs[i].path, refs[i - 1].path)) {
			if (!cJSON_Compare(refs[i].input, refs[i - 1].input, 1)) {
				error = mlg_error_code(MLG_EINVALID, "%s and %s read different contents of '%s': "
						       "the shards did not see the same inputs",
						       refs[i - 1].from, refs[i].from, refs[i].path);
				goto done;
			}
			continue;
		}
		cJSON_AddItemToArray(out, json_dup(refs[i].input));
	}
done:
	free(refs);
	return error;
}

/* Sets obj[key] = value (owned by obj), in place when the key exists. */
static void set_item(cJSON *obj, const char *key, cJSON *value)
{
	if (!value)
		mlg_die_oom();
	if (item(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
	else
		cJSON_AddItemToObject(obj, key, value);
}

/* "git" of the merged run: the one commit, dirty when any job's tree was,
 * and the first branch a job knew (a detached job may not know it). The
 * caller owns it; NULL when no job ran in a repository. */
static cJSON *merge_git(struct shard *const *s, int count)
{
	cJSON *git = NULL;
	int dirty = 0;
	const char *branch = NULL;

	for (int k = 0; k < count; k++) {
		const cJSON *g = item(s[k]->doc, "git");

		if (!cJSON_IsObject(g))
			continue;
		if (!git)
			git = json_dup(g);
		dirty |= cJSON_IsTrue(item(g, "dirty"));
		if (!branch)
			branch = mlg_json_string(g, "branch");
	}
	if (!git)
		return NULL;
	if (branch)
		set_item(git, "branch", cJSON_CreateString(branch));
	set_item(git, "dirty", cJSON_CreateBool(dirty));
	return git;
}

/* The "summary" object (the caller owns it), and complete and gate, by
 * the rules of mlg_run__summarise(). */
static cJSON *summarise_checks(const cJSON *checks, int interrupted, int *complete, int *gate_open)
{
	size_t total = 0, selected = 0, passed = 0, failed = 0, errors = 0, skipped = 0, warnings = 0;
	const cJSON *c;
	cJSON *sum = cJSON_CreateObject();

	cJSON_ArrayForEach(c, checks) {
		const char *severity = mlg_json_string(c, "severity");
		int warn = severity && !strcmp(severity, "warn");
		enum mlg_status status = MLG_STATUS_ERROR;

		parse_status(mlg_json_string(c, "status"), &status); /* checked by merge_checks() */
		total++;
		selected += status != MLG_STATUS_SKIPPED || blocked(item(c, "observed"));
		switch (status) {
		case MLG_STATUS_PASSED:
			passed++;
			break;
		case MLG_STATUS_SKIPPED:
			skipped++;
			break;
		case MLG_STATUS_FAILED:
			if (warn)
				warnings++;
			else
				failed++;
			break;
		case MLG_STATUS_ERROR:
			if (warn)
				warnings++;
			else
				errors++;
			break;
		}
	}
	*complete = !interrupted && selected == total;
	*gate_open = !interrupted && !failed && !errors;
	cJSON_AddNumberToObject(sum, "total", (double)total);
	cJSON_AddNumberToObject(sum, "selected", (double)selected);
	cJSON_AddNumberToObject(sum, "passed", (double)passed);
	cJSON_AddNumberToObject(sum, "failed", (double)failed);
	cJSON_AddNumberToObject(sum, "errors", (double)errors);
	cJSON_AddNumberToObject(sum, "skipped", (double)skipped);
	cJSON_AddNumberToObject(sum, "warnings", (double)warnings);
	return sum;
}

/*
 * The merged document, keys in the order report_json.c writes them. Keys
 * of the schema only: anything else a shard carried (a "promotion"
 * record...) described that shard, not the merged run. On success the
 * caller owns *out.
 */
static int build(cJSON **out, struct shard *const *s, int count)
{
	cJSON *doc, *checks = cJSON_CreateArray(), *inputs = cJSON_CreateArray(), *git, *sum;
	const struct shard *first = s[0];
	double duration = 0;
	int interrupted = 0, complete, gate_open, error;

	if ((error = merge_checks(s, count, checks)) < 0 ||
	    (error = merge_inputs(s, count, inputs)) < 0) {
		cJSON_Delete(checks);
		cJSON_Delete(inputs);
		return error;
	}
	for (int k = 1; k < count; k++) {
		const cJSON *a = item(s[0]->doc, "candidates"), *b = item(s[k]->doc, "candidates");

		if ((a || b) && !(a && b && cJSON_Compare(a, b, 1))) {
			cJSON_Delete(checks);
			cJSON_Delete(inputs);
			return mlg_error_code(MLG_EINVALID, "%s and %s tested different candidates (gate variables differ)",
					      s[0]->name, s[k]->name);
		}
	}
	for (int k = 0; k < count; k++) {
		const cJSON *d = item(s[k]->doc, "duration_s");

		/* Ties go to the lowest shard, so the result is one. */
		if (s[k]->started < first->started)
			first = s[k];
		if (cJSON_IsNumber(d) && d->valuedouble > duration)
			duration = d->valuedouble;
		interrupted |= cJSON_IsTrue(item(s[k]->doc, "interrupted"));
	}
	git = merge_git(s, count);
	sum = summarise_checks(checks, interrupted, &complete, &gate_open);

	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "schema", RESULTS_SCHEMA);
	cJSON_AddStringToObject(doc, "suite", s[0]->suite);
	cJSON_AddStringToObject(doc, "started", mlg_json_string(first->doc, "started"));
	cJSON_AddNumberToObject(doc, "duration_s", duration);
	cJSON_AddStringToObject(doc, "gate", gate_open ? "open" : "closed");
	cJSON_AddBoolToObject(doc, "complete", complete);
	if (interrupted)
		cJSON_AddBoolToObject(doc, "interrupted", 1);
	cJSON_AddNumberToObject(doc, "merged_shards", count);
	cJSON_AddItemToObject(doc, "suite_file", json_dup(item(s[0]->doc, "suite_file")));
	if (git)
		cJSON_AddItemToObject(doc, "git", git);
	cJSON_AddItemToObject(doc, "inputs", inputs);
	cJSON_AddItemToObject(doc, "summary", sum);
	cJSON_AddItemToObject(doc, "checks", checks);
	/* What the shards tested (the same in all, checked above), last as
	 * `mlgate run` writes it. */
	if (item(s[0]->doc, "candidates"))
		cJSON_AddItemToObject(doc, "candidates", json_dup(item(s[0]->doc, "candidates")));
	*out = doc;
	return 0;
}

/* By shard index, then by position in `all` (the order given). */
static int cmp_shard(const void *a, const void *b)
{
	const struct shard *x = *(const struct shard *const *)a, *y = *(const struct shard *const *)b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x < y ? -1 : x > y;
}

int mlg_results_merge(cJSON **out, cJSON *const *docs, size_t n, const char *const *names)
{
	struct shard *all, **slot = NULL;
	char **labels;
	int count = 0, error = 0;

	*out = NULL;
	if (!n)
		return mlg_error_code(MLG_EINVALID, "no results to merge");
	labels = mlg_xcalloc(n, sizeof(*labels));
	all = mlg_xcalloc(n, sizeof(*all));
	for (size_t i = 0; i < n; i++) {
		labels[i] = names && names[i] ? mlg_xstrdup(names[i]) : mlg_xasprintf("results #%zu", i + 1);
		if ((error = read_shard(&all[i], docs[i], labels[i])) < 0)
			goto done;
	}
	count = all[0].count;
	for (size_t i = 1; i < n; i++) {
		if (all[i].count != count) {
			error = mlg_error_code(MLG_EINVALID, "%s is shard %d of %d but %s is shard %d of %d: "
					       "they are not the shards of one run", all[0].name,
					       all[0].index, count, all[i].name, all[i].index, all[i].count);
			goto done;
		}
	}
	/* Sorted by index rather than placed in an array of `count` slots: a
	 * doctored count must not cost memory. Ties keep the order given. */
	slot = mlg_xcalloc(n, sizeof(*slot));
	for (size_t i = 0; i < n; i++)
		slot[i] = &all[i];
	qsort(slot, n, sizeof(*slot), cmp_shard);
	for (size_t i = 1; i < n; i++) {
		if (slot[i]->index == slot[i - 1]->index) {
			error = mlg_error_code(MLG_EINVALID, "shard %d of %d given twice: %s and %s",
					       slot[i]->index, count, slot[i - 1]->name, slot[i]->name);
			goto done;
		}
	}
	for (size_t k = 0; k < (size_t)count; k++) {
		if (k >= n || slot[k]->index != (int)k + 1) {
			error = mlg_error_code(MLG_EINVALID, "missing shard %zu of %d: merge the results of "
					       "every job of mlgate run --shard K/%d", k + 1, count, count);
			goto done;
		}
	}
	/* From here on the shards are read in shard order, never in the
	 * order given: the merged document is the same for any order. */
	for (int k = 1; k < count; k++)
		if ((error = same_run(slot[0], slot[k])) < 0)
			goto done;
	error = build(out, slot, count);
done:
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	free(all);
	free(slot);
	return error;
}
