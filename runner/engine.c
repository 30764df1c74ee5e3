/*
 * The scheduler: selects checks, groups scanning checks by dataset, and
 * runs the resulting tasks on a pool of threads.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cancel.h"
#include "digest.h"
#include "engine_internal.h"
#include "reader.h"
#include "run_summary.h"
#include "shard.h"
#include "mlgate/error.h"
#include "util.h"

struct task {
	const struct mlg_dataset *dataset;     /* scan task: the dataset */
	struct mlg_scan_ref *refs;             /* scan: the checks reading it */
	size_t nrefs;
	const struct mlg_check *check;         /* run task: the check */
	const struct mlg_check *first;         /* its first check: all share its "needs" */
	size_t waiting;                        /* prerequisite tasks not yet done */
	size_t *dependants;                    /* tasks waiting for this one */
	size_t ndependants;
};

/*
 * Tasks run as soon as the tasks holding the checks they need are done:
 * a FIFO of ready tasks, filled in suite order, then as prerequisites
 * finish. Without "needs" every task is ready at once, in suite order.
 */
struct pool {
	struct mlg_engine *engine;
	struct task *tasks;
	size_t ntasks;
	pthread_mutex_t lock;                  /* guards everything below */
	pthread_cond_t cond;
	size_t *ready;                         /* FIFO of task indices */
	size_t head, tail;
	size_t done;
};

/* The record of an input, added when new: indexed, since 10,000 checks
 * each reading their own file made a scan of the list quadratic. */
static struct mlg_input_rec *input_find(struct mlg_engine *engine, const char *path)
{
	int added;
	size_t *i = mlg_strmap_add(&engine->input_index, path, engine->ninputs, &added);

	if (!added)
		return &engine->inputs[*i];
	MLG_ALLOC_GROW(engine->inputs, engine->ninputs + 1, engine->input_alloc);
	memset(&engine->inputs[engine->ninputs], 0, sizeof(engine->inputs[0]));
	engine->inputs[engine->ninputs].path = mlg_xstrdup(path);
	return &engine->inputs[engine->ninputs++];
}

void mlg_engine__input(struct mlg_engine *engine, const char *abs_path)
{
	pthread_mutex_lock(&engine->lock);
	input_find(engine, abs_path);
	pthread_mutex_unlock(&engine->lock);
}

void mlg_engine__input_digest(struct mlg_engine *engine, const struct mlg_dataset *dataset,
			      uint64_t bytes, const char *hex)
{
	struct mlg_input_rec *in;
	char *key = dataset->git_ref ? mlg_xasprintf("%s@%s", dataset->abs_path, dataset->git_ref)
				     : mlg_xstrdup(dataset->abs_path);

	pthread_mutex_lock(&engine->lock);
	in = input_find(engine, key);
	if (dataset->git_ref && !in->shown)
		in->shown = mlg_xasprintf("%s@%s", dataset->path, dataset->git_ref);
	if (!in->known || (hex && !in->sha256[0])) {
		in->known = 1;
		in->bytes = hex ? bytes : 0;
		snprintf(in->sha256, sizeof(in->sha256), "%s", hex ? hex : "");
	}
	pthread_mutex_unlock(&engine->lock);
	free(key);
}

size_t mlg_engine__roles(const struct mlg_check *check, const char **params,
			 const struct mlg_dataset **datasets)
{
	size_t n = 0;

	if (check->dataset) {
		params[n] = "dataset";
		datasets[n++] = check->dataset;
	}
	for (const struct mlg_param *p = check->kind->params; p->name && n < MLG_MAX_ROLES; p++) {
		const char *name;
		const struct mlg_dataset *d;

		if (p->type != MLG_PARAM_DATASET || !strcmp(p->name, "dataset"))
			continue;
		if (!(name = mlg_check_string(check, p->name)) ||
		    !(d = mlg_suite_dataset(check->suite, name)))
			continue;
		params[n] = p->name;
		datasets[n++] = d;
	}
	return n;
}

void mlg_engine__role_start(struct mlg_engine *engine, const struct mlg_check *check)
{
	struct mlg_pending *p = &engine->pending[check->index];

	pthread_mutex_lock(&engine->lock);
	if (!p->started++) {
		p->started_at = mlg_now();
		engine->run->results[check->index].started = 1;
	}
	pthread_mutex_unlock(&engine->lock);
}

/* The slot of dataset parameter `param` among the check's roles ("dataset" is 0). */
static size_t role_slot(const struct mlg_check *check, const char *param)
{
	const char *params[MLG_MAX_ROLES];
	const struct mlg_dataset *datasets[MLG_MAX_ROLES];
	size_t nroles = mlg_engine__roles(check, params, datasets), slot;

	for (slot = 0; slot < nroles && strcmp(params[slot], param); slot++)
		;
	return slot < nroles ? slot : 0;
}

static void swap_json(cJSON **a, cJSON **b)
{
	cJSON *t = *a;

	*a = *b;
	*b = t;
}

void mlg_engine__role_error(struct mlg_engine *engine, const struct mlg_check *check,
			    const char *param, struct mlg_result *why)
{
	struct mlg_pending *p = &engine->pending[check->index];
	struct mlg_result *r = &engine->run->results[check->index];
	size_t role = role_slot(check, param) + 1;

	pthread_mutex_lock(&engine->lock);
	p->failed = 1;
	if (!p->error_role || role < p->error_role) {
		/* the first error of this role, or one of a role that comes first */
		enum mlg_status st = r->status;
		char *msg = r->message, *details = r->details;

		r->status = why->status;
		r->message = why->message;
		r->details = why->details;
		why->status = st;
		why->message = msg;
		why->details = details;
		swap_json(&r->observed, &why->observed);
		swap_json(&r->expected, &why->expected);
		swap_json(&r->examples, &why->examples);
		r->nexamples = why->nexamples;
		p->error_role = role;
	} else if (role == p->error_role && r->status != MLG_STATUS_ERROR) {
		/* the same role again: an error (the file could not be read)
		 * replaces a failure (prepare() found a missing column), and
		 * keeps what that found */
		char *msg = r->message;

		r->status = why->status;
		r->message = why->message;
		why->message = msg;
	}
	pthread_mutex_unlock(&engine->lock);
	mlg_result_release(why);
}

int mlg_engine__role_is_failed(struct mlg_engine *engine, const struct mlg_check *check)
{
	int failed;

	pthread_mutex_lock(&engine->lock);
	failed = engine->pending[check->index].failed;
	pthread_mutex_unlock(&engine->lock);
	return failed;
}

int mlg_engine__role_done(struct mlg_engine *engine, const struct mlg_check *check,
			  const struct mlg_scan_input *in, const char *const *names, size_t n)
{
	struct mlg_pending *p = &engine->pending[check->index];
	size_t slot = role_slot(check, in->param);

	pthread_mutex_lock(&engine->lock);
	p->in[slot] = *in;
	p->names[slot] = mlg_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		p->names[slot][i] = mlg_xstrdup(names[i]);
	p->in[slot].columns = (const char *const *)p->names[slot];
	p->in[slot].ncolumns = n;
	p->in[slot].jobs = engine->jobs > 0 ? (unsigned int)engine->jobs : 1;
	pthread_mutex_unlock(&engine->lock);
	return 0;
}

static void pending_release(const struct mlg_check *check, struct mlg_pending *p)
{
	const struct mlg_scan_ops *ops = check->kind->scan;

	for (size_t i = 0; i < MLG_MAX_ROLES; i++) {
		if (p->in[i].state)
			ops->free_state(p->in[i].state);
		if (p->in[i].plan)
			ops->free_plan(p->in[i].plan);
		if (p->names[i]) {
			for (size_t j = 0; p->names[i][j]; j++)
				free(p->names[i][j]);
			free(p->names[i]);
		}
	}
	memset(p->in, 0, sizeof(p->in));
	memset(p->names, 0, sizeof(p->names));
}

void mlg_engine__role_end(struct mlg_engine *engine, const struct mlg_check *check)
{
	struct mlg_pending *p = &engine->pending[check->index];
	struct mlg_result *r = &engine->run->results[check->index];
	int last, decide;

	pthread_mutex_lock(&engine->lock);
	last = ++p->ended == p->nroles;
	decide = last && !p->failed;
	pthread_mutex_unlock(&engine->lock);
	if (!last)
		return;
	if (decide) {
		int complete = 1;

		for (size_t i = 0; i < p->nroles; i++)
			complete &= p->in[i].state != NULL;
		if (complete)
			check->kind->scan->end(check, p->in, p->nroles, r);
		else if (r->status != MLG_STATUS_ERROR)
			mlg_result_set(r, MLG_STATUS_ERROR, "not every dataset of the check was read");
	}
	pending_release(check, p);
	mlg_engine__finish(engine, check, p->started_at);
}

void mlg_check_ctx_input(const struct mlg_check_ctx *ctx, const char *abs_path)
{
	mlg_engine__input(ctx->engine, abs_path);
}

int mlg_check_ctx_expired(const struct mlg_check_ctx *ctx)
{
	if (mlg_cancel_requested(ctx->cancel))
		return 1;
	return ctx->deadline > 0 && mlg_now() > ctx->deadline;
}

void mlg_engine__finish(struct mlg_engine *engine, const struct mlg_check *check, double started)
{
	struct mlg_result *r = &engine->run->results[check->index];

	r->duration_s = mlg_now() - started;
	mlg_result_bound(r);
	if (!r->message)
		r->message = mlg_xstrdup(r->status == MLG_STATUS_PASSED ? "passed" : "no message");
	pthread_mutex_lock(&engine->lock);
	if (engine->opts->progress)
		engine->opts->progress(check, r, engine->opts->payload);
	pthread_mutex_unlock(&engine->lock);
}

static int cancelled(const struct mlg_engine *engine)
{
	return mlg_cancel_requested(engine->opts->cancel);
}

static void run_one(struct mlg_engine *engine, const struct mlg_check *check)
{
	struct mlg_result *r = &engine->run->results[check->index];
	struct mlg_check_ctx ctx;
	double start = mlg_now();

	r->started = 1;
	ctx.check = check;
	ctx.deadline = check->timeout_s > 0 ? start + check->timeout_s : 0;
	ctx.cancel = engine->opts->cancel;
	ctx.engine = engine;
	/* A check that finished is kept as it ended, even when the run was
	 * interrupted meanwhile; kinds that wait (commands) stop themselves. */
	check->kind->run(&ctx, r);
	mlg_engine__finish(engine, check, start);
}

/* "'train' failed, 'features' was skipped": why a dependant cannot run; NULL when it can. */
static char *blocked_by(const struct mlg_run *run, const struct mlg_check *check, cJSON **needs)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	*needs = NULL;
	for (size_t k = 0; k < check->nneeds; k++) {
		const struct mlg_check *pre = &run->suite->checks[check->needs[k]];
		enum mlg_status st = run->results[check->needs[k]].status;
		cJSON *item;

		if (st == MLG_STATUS_PASSED)
			continue;
		mlg_strbuf_addf(&sb, "%s'%s' %s", sb.len ? (k + 1 == check->nneeds ? " and " : ", ") : "", pre->id,
				st == MLG_STATUS_FAILED ? "failed" :
				st == MLG_STATUS_ERROR ? "could not be evaluated" : "was skipped");
		if (!*needs)
			*needs = cJSON_CreateArray();
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "id", pre->id);
		cJSON_AddStringToObject(item, "status", mlg_status_name(st));
		cJSON_AddItemToArray(*needs, item);
	}
	return sb.len ? mlg_strbuf_detach(&sb) : NULL;
}

/* Skips `check` because of its prerequisites, once (a check reading two
 * datasets is in two tasks). */
static void skip_blocked(struct mlg_engine *engine, const struct mlg_check *check, const char *why,
			 cJSON *needs)
{
	struct mlg_result *r = &engine->run->results[check->index];
	int first;

	pthread_mutex_lock(&engine->lock);
	first = !r->started;
	r->started = 1;
	engine->pending[check->index].nroles = 0;
	pthread_mutex_unlock(&engine->lock);
	if (!first) {
		cJSON_Delete(needs);
		return;
	}
	mlg_result_set(r, MLG_STATUS_SKIPPED, "not run because %s", why);
	cJSON_AddItemToObject(r->observed, "needs", needs);
	mlg_engine__finish(engine, check, mlg_now());
}

static void run_task(struct mlg_engine *engine, struct task *t)
{
	cJSON *needs;
	char *why = t->first->nneeds ? blocked_by(engine->run, t->first, &needs) : NULL;

	if (why) {
		/* every check of a task needs the same checks: all are blocked */
		if (t->dataset)
			for (size_t i = 0; i < t->nrefs; i++)
				skip_blocked(engine, t->refs[i].check, why,
					     i + 1 < t->nrefs ? cJSON_Duplicate(needs, 1) : needs);
		else
			skip_blocked(engine, t->check, why, needs);
		free(why);
	} else if (t->dataset) {
		mlg_engine__scan(engine, t->dataset, t->refs, t->nrefs);
	} else {
		run_one(engine, t->check);
	}
}

static void *worker(void *arg)
{
	struct pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	while (1) {
		struct task *t;

		while (pool->head == pool->tail && pool->done < pool->ntasks)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (pool->head == pool->tail)
			break;
		t = &pool->tasks[pool->ready[pool->head++]];
		pthread_mutex_unlock(&pool->lock);
		/* An unstarted task is marked interrupted afterwards; its
		 * dependants are released all the same so the pool drains. */
		if (!cancelled(pool->engine))
			run_task(pool->engine, t);
		pthread_mutex_lock(&pool->lock);
		pool->done++;
		for (size_t i = 0; i < t->ndependants; i++)
			if (!--pool->tasks[t->dependants[i]].waiting)
				pool->ready[pool->tail++] = t->dependants[i];
		pthread_cond_broadcast(&pool->cond);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

static int matches(const struct mlg_check *c, const struct mlg_run_options *o)
{
	int ok = !o->npatterns;

	for (size_t i = 0; i < o->npatterns && !ok; i++)
		ok = !fnmatch(o->patterns[i], c->name, 0) || !fnmatch(o->patterns[i], c->id, 0);
	if (!ok)
		return 0;
	if (!o->ntags)
		return 1;
	for (size_t i = 0; i < o->ntags; i++)
		for (size_t t = 0; t < c->ntags; t++)
			if (!strcmp(o->tags[i], c->tags[t]))
				return 1;
	return 0;
}

static int same_needs(const struct mlg_check *a, const struct mlg_check *b)
{
	return a->nneeds == b->nneeds &&
	       (!a->nneeds || !memcmp(a->needs, b->needs, a->nneeds * sizeof(*a->needs)));
}

/* The tasks holding each check (a scanning check: one per dataset it reads). */
struct check_tasks {
	size_t task[MLG_MAX_ROLES];
	size_t n;
};

/*
 * One task per non-scanning check, one per dataset and set of "needs"
 * read by scanning checks (a check that reads two datasets is in two
 * tasks). Grouping by the exact set of needs keeps every task's checks
 * equally ready, and the task graph acyclic when the checks' graph is.
 * Tasks are numbered by their first check so early checks start first.
 */
static size_t plan_tasks(struct mlg_engine *engine, const struct mlg_suite *suite,
			 const int *selected, struct task *tasks, struct check_tasks *where)
{
	size_t n = 0;
	/* per dataset, the scan tasks reading it (usually one) */
	size_t **by_dataset = mlg_xcalloc(suite->ndatasets + 1, sizeof(*by_dataset));
	size_t *nby = mlg_xcalloc(suite->ndatasets + 1, sizeof(*nby));

	for (size_t i = 0; i < suite->nchecks; i++) {
		const struct mlg_check *c = &suite->checks[i];
		const char *params[MLG_MAX_ROLES];
		const struct mlg_dataset *datasets[MLG_MAX_ROLES];
		size_t nroles;

		if (!selected[i])
			continue;
		nroles = c->kind->scan ? mlg_engine__roles(c, params, datasets) : 0;
		if (!nroles) {
			/* a scanning kind without a dataset cannot happen after validation */
			memset(&tasks[n], 0, sizeof(tasks[n]));
			tasks[n].check = tasks[n].first = c;
			where[i].task[where[i].n++] = n++;
			continue;
		}
		engine->pending[i].nroles = nroles;
		for (size_t r = 0; r < nroles; r++) {
			size_t d = (size_t)(datasets[r] - suite->datasets), k;
			struct task *t;

			for (k = 0; k < nby[d] && !same_needs(tasks[by_dataset[d][k]].first, c); k++)
				;
			if (k == nby[d]) {
				by_dataset[d] = mlg_xrealloc(by_dataset[d], (nby[d] + 1) * sizeof(**by_dataset));
				by_dataset[d][nby[d]++] = n;
				memset(&tasks[n], 0, sizeof(tasks[n]));
				tasks[n].dataset = datasets[r];
				tasks[n].first = c;
				n++;
			}
			t = &tasks[by_dataset[d][k]];
			t->refs = mlg_xrealloc(t->refs, (t->nrefs + 1) * sizeof(*t->refs));
			t->refs[t->nrefs].check = c;
			t->refs[t->nrefs++].param = params[r];
			if (!where[i].n || where[i].task[where[i].n - 1] != by_dataset[d][k])
				where[i].task[where[i].n++] = by_dataset[d][k];
		}
	}
	for (size_t d = 0; d < suite->ndatasets; d++)
		free(by_dataset[d]);
	free(by_dataset);
	free(nby);
	return n;
}

/* Edges from each task to the tasks holding the checks it needs. */
static void link_tasks(struct task *tasks, size_t ntasks, const struct check_tasks *where)
{
	size_t *stamp = mlg_xcalloc(ntasks + 1, sizeof(*stamp));

	for (size_t t = 0; t < ntasks; t++) {
		const struct mlg_check *c = tasks[t].first;

		for (size_t k = 0; k < c->nneeds; k++) {
			const struct check_tasks *w = &where[c->needs[k]];

			for (size_t j = 0; j < w->n; j++) {
				struct task *pre = &tasks[w->task[j]];

				if (stamp[w->task[j]] == t + 1)
					continue; /* already linked */
				stamp[w->task[j]] = t + 1;
				pre->dependants = mlg_xrealloc(pre->dependants,
							       (pre->ndependants + 1) * sizeof(*pre->dependants));
				pre->dependants[pre->ndependants++] = t;
				tasks[t].waiting++;
			}
		}
	}
	free(stamp);
}

/*
 * A selected check brings what it needs (-k, --tag, --changed-since):
 * a dependant cannot be judged without its prerequisites. Within a
 * shard, the plan already keeps linked checks together.
 */
static void select_needs(const struct mlg_suite *suite, int *selected, const int *in_shard)
{
	size_t *stack = mlg_xcalloc(suite->nchecks + 1, sizeof(*stack)), depth = 0;

	for (size_t i = 0; i < suite->nchecks; i++)
		if (selected[i])
			stack[depth++] = i;
	while (depth) {
		const struct mlg_check *c = &suite->checks[stack[--depth]];

		for (size_t k = 0; k < c->nneeds; k++) {
			size_t p = c->needs[k];

			if (selected[p] || (in_shard && !in_shard[p]))
				continue;
			selected[p] = 1;
			stack[depth++] = p;
		}
	}
	free(stack);
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

static const char *relative_to(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strncmp(path, dir, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static int cmp_input(const void *a, const void *b)
{
	const struct mlg_input *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void mlg_engine__inputs_release(struct mlg_engine *engine)
{
	for (size_t i = 0; i < engine->ninputs; i++) {
		free(engine->inputs[i].path);
		free(engine->inputs[i].shown);
	}
	free(engine->inputs);
	engine->inputs = NULL;
	engine->ninputs = engine->input_alloc = 0;
	mlg_strmap_release(&engine->input_index);
}

/* Digests every input not digested while it was read, after the checks:
 * sorted, so reports are identical whatever order the threads read them in. */
static void hash_inputs(struct mlg_engine *engine)
{
	struct mlg_run *run = engine->run;

	run->inputs = mlg_xcalloc(engine->ninputs + 1, sizeof(*run->inputs));
	for (size_t i = 0; i < engine->ninputs; i++) {
		struct mlg_input_rec *rec = &engine->inputs[i];
		struct mlg_input *in = &run->inputs[run->ninputs++];
		struct stat st;

		in->path = rec->shown ? rec->shown : mlg_xstrdup(relative_to(rec->path, run->suite->dir));
		rec->shown = NULL; /* now owned by run->inputs */
		if (rec->known) {
			in->bytes = rec->bytes;
			memcpy(in->sha256, rec->sha256, sizeof(in->sha256));
		} else if (stat(rec->path, &st) < 0 || !S_ISREG(st.st_mode) ||
			   mlg_sha256_file(rec->path, in->sha256, &in->bytes) < 0) {
			/* Only regular files: a FIFO or device would block or never end. */
			in->sha256[0] = '\0';
		}
	}
	mlg_engine__inputs_release(engine);
	qsort(run->inputs, run->ninputs, sizeof(*run->inputs), cmp_input);
}

int mlg_engine_run(struct mlg_run **out, const struct mlg_suite *suite,
		   const struct mlg_run_options *opts)
{
	struct mlg_run *run = mlg_xcalloc(1, sizeof(*run));
	struct mlg_engine engine;
	struct pool pool;
	pthread_t *threads;
	size_t nthreads;
	int *in_shard = NULL;
	struct check_tasks *where;
	double start = mlg_now();

	*out = NULL;
	if (opts->version != MLG_RUN_OPTIONS_VERSION) {
		free(run);
		return mlg_error_code(MLG_EINVALID, "run options version %u is not %u",
				      opts->version, MLG_RUN_OPTIONS_VERSION);
	}
	run->suite = suite;
	run->started = time(NULL);
	run->results = mlg_xcalloc(suite->nchecks + 1, sizeof(*run->results));
	run->selected = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
	mlg_git_describe(&run->git, suite->dir);

	memset(&engine, 0, sizeof(engine));
	engine.run = run;
	engine.opts = opts;
	pthread_mutex_init(&engine.lock, NULL);
	engine.pending = mlg_xcalloc(suite->nchecks + 1, sizeof(*engine.pending));
	mlg_mem_init(&engine.mem, suite->max_memory);

	if (opts->shard_count > 0) {
		in_shard = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
		mlg_shard_plan(suite, opts->shard_index, opts->shard_count, in_shard);
		run->shard_index = opts->shard_index;
		run->shard_count = opts->shard_count;
	}
	for (size_t i = 0; i < suite->nchecks; i++)
		run->selected[i] = (!in_shard || in_shard[i]) && (!opts->only || opts->only[i]) &&
				   matches(&suite->checks[i], opts);
	select_needs(suite, run->selected, in_shard);
	for (size_t i = 0; i < suite->nchecks; i++) {
		mlg_result_init(&run->results[i]);
		run->results[i].max_examples = suite->max_examples;
		if (run->selected[i])
			continue;
		if (in_shard && !in_shard[i])
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "in another shard (this is %d/%d)",
				       opts->shard_index, opts->shard_count);
		else if (opts->only && !opts->only[i])
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "%s",
				       opts->only_reason ? opts->only_reason : "not selected");
		else
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "deselected by -k/--tag");
		mlg_engine__finish(&engine, &suite->checks[i], mlg_now());
	}
	free(in_shard);

	memset(&pool, 0, sizeof(pool));
	pool.engine = &engine;
	pool.tasks = mlg_xcalloc(suite->nchecks + suite->ndatasets + 1, sizeof(*pool.tasks));
	where = mlg_xcalloc(suite->nchecks + 1, sizeof(*where));
	pool.ntasks = plan_tasks(&engine, suite, run->selected, pool.tasks, where);
	link_tasks(pool.tasks, pool.ntasks, where);
	free(where);
	pool.ready = mlg_xcalloc(pool.ntasks + 1, sizeof(*pool.ready));
	for (size_t i = 0; i < pool.ntasks; i++)
		if (!pool.tasks[i].waiting)
			pool.ready[pool.tail++] = i;
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.cond, NULL);

	nthreads = (size_t)(opts->jobs > 0 ? opts->jobs : online_cpus());
	engine.jobs = nthreads;
	if (nthreads > pool.ntasks)
		nthreads = pool.ntasks;
	if (nthreads <= 1) {
		worker(&pool);
	} else {
		threads = mlg_xcalloc(nthreads, sizeof(*threads));
		for (size_t i = 0; i < nthreads; i++)
			if (pthread_create(&threads[i], NULL, worker, &pool) != 0)
				mlg_die_oom();
		for (size_t i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
		free(threads);
	}
	pthread_mutex_destroy(&pool.lock);
	pthread_cond_destroy(&pool.cond);

	run->interrupted = mlg_cancel_requested(opts->cancel);
	for (size_t i = 0; i < suite->nchecks; i++) {
		struct mlg_result *r = &run->results[i];
		struct mlg_pending *p = &engine.pending[i];

		if (run->selected[i] && !r->started) {
			mlg_result_set(r, MLG_STATUS_ERROR, "interrupted before it ran");
		} else if (p->nroles && p->ended < p->nroles) {
			/* interrupted between the datasets of a check */
			if (r->status != MLG_STATUS_ERROR)
				mlg_result_set(r, MLG_STATUS_ERROR, "interrupted before every dataset was read");
			pending_release(&suite->checks[i], p);
			mlg_engine__finish(&engine, &suite->checks[i], p->started_at);
		}
	}
	for (size_t i = 0; i < pool.ntasks; i++) {
		free(pool.tasks[i].refs);
		free(pool.tasks[i].dependants);
	}
	free(pool.tasks);
	free(pool.ready);
	free(engine.pending);

	hash_inputs(&engine);
	pthread_mutex_destroy(&engine.lock);
	run->duration_s = mlg_now() - start;
	mlg_run__summarise(run);
	*out = run;
	return 0;
}

int mlg_run_exit_code(const struct mlg_run *run)
{
	if (run->interrupted)
		return 130;
	if (run->summary.failed)
		return 1;
	if (run->summary.errors)
		return 3;
	return 0;
}

void mlg_run_free(struct mlg_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->suite->nchecks; i++)
		mlg_result_release(&run->results[i]);
	for (size_t i = 0; i < run->ninputs; i++)
		free(run->inputs[i].path);
	free(run->inputs);
	free(run->results);
	free(run->selected);
	mlg_git_info_release(&run->git);
	free(run);
}

const char *mlg_engine_simd(void)
{
	return mlg_csvscan_simd();
}
