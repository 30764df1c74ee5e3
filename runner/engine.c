/*
 * The scheduler: selects checks, groups scanning checks by dataset, and
 * runs the resulting tasks on a pool of threads.
 */
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "digest.h"
#include "engine_internal.h"
#include "run_summary.h"
#include "shard.h"
#include "mlgate/error.h"
#include "util.h"

struct task {
	const struct mlg_dataset *dataset;     /* scan task: the dataset */
	const struct mlg_check **checks;       /* scan: its checks; run: one */
	size_t nchecks;
};

struct pool {
	struct mlg_engine *engine;
	struct task *tasks;
	size_t ntasks;
	atomic_size_t next;
};

void mlg_engine__input(struct mlg_engine *engine, const char *abs_path)
{
	pthread_mutex_lock(&engine->lock);
	for (size_t i = 0; i < engine->ninput_paths; i++) {
		if (!strcmp(engine->input_paths[i], abs_path)) {
			pthread_mutex_unlock(&engine->lock);
			return;
		}
	}
	MLG_ALLOC_GROW(engine->input_paths, engine->ninput_paths + 1, engine->input_alloc);
	engine->input_paths[engine->ninput_paths++] = mlg_xstrdup(abs_path);
	pthread_mutex_unlock(&engine->lock);
}

void mlg_check_ctx_input(const struct mlg_check_ctx *ctx, const char *abs_path)
{
	mlg_engine__input(ctx->engine, abs_path);
}

int mlg_check_ctx_expired(const struct mlg_check_ctx *ctx)
{
	if (ctx->cancel && *ctx->cancel)
		return 1;
	return ctx->deadline > 0 && mlg_now() > ctx->deadline;
}

void mlg_engine__finish(struct mlg_engine *engine, const struct mlg_check *check, double started)
{
	struct mlg_result *r = &engine->run->results[check->index];

	r->duration_s = mlg_now() - started;
	if (!r->message)
		r->message = mlg_xstrdup(r->status == MLG_STATUS_PASSED ? "passed" : "no message");
	pthread_mutex_lock(&engine->lock);
	if (engine->opts->progress)
		engine->opts->progress(check, r, engine->opts->payload);
	pthread_mutex_unlock(&engine->lock);
}

static int cancelled(const struct mlg_engine *engine)
{
	return engine->opts->cancel && *engine->opts->cancel;
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

static void *worker(void *arg)
{
	struct pool *pool = arg;
	size_t i;

	while ((i = atomic_fetch_add(&pool->next, 1)) < pool->ntasks) {
		struct task *t = &pool->tasks[i];

		if (cancelled(pool->engine))
			continue; /* left unstarted: marked interrupted afterwards */
		if (t->dataset)
			mlg_engine__scan(pool->engine, t->dataset, t->checks, t->nchecks);
		else
			run_one(pool->engine, t->checks[0]);
	}
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

/* One task per non-scanning check, one per dataset read by scanning
 * checks; tasks ordered by their first check so early checks start first. */
static size_t plan_tasks(const struct mlg_suite *suite, const int *selected, struct task *tasks)
{
	size_t n = 0;
	int *done = mlg_xcalloc(suite->nchecks + 1, sizeof(int));

	for (size_t i = 0; i < suite->nchecks; i++) {
		const struct mlg_check *c = &suite->checks[i];
		struct task *t;

		if (!selected[i] || done[i])
			continue;
		t = &tasks[n++];
		memset(t, 0, sizeof(*t));
		if (!c->kind->scan) {
			t->checks = mlg_xcalloc(1, sizeof(*t->checks));
			t->checks[t->nchecks++] = c;
			continue;
		}
		t->dataset = c->dataset;
		{
			size_t count = 0;

			for (size_t j = i; j < suite->nchecks; j++)
				count += selected[j] && !done[j] && suite->checks[j].kind->scan &&
					 suite->checks[j].dataset == c->dataset;
			t->checks = mlg_xcalloc(count + 1, sizeof(*t->checks));
		}
		for (size_t j = i; j < suite->nchecks; j++) {
			const struct mlg_check *o = &suite->checks[j];

			if (selected[j] && !done[j] && o->kind->scan && o->dataset == c->dataset) {
				t->checks[t->nchecks++] = o;
				done[j] = 1;
			}
		}
	}
	free(done);
	return n;
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

/* Digests every input once, after the checks: sorted, so reports are
 * identical whatever order the threads read them in. */
static void hash_inputs(struct mlg_engine *engine)
{
	struct mlg_run *run = engine->run;

	run->inputs = mlg_xcalloc(engine->ninput_paths + 1, sizeof(*run->inputs));
	for (size_t i = 0; i < engine->ninput_paths; i++) {
		struct mlg_input *in = &run->inputs[run->ninputs++];

		struct stat st;

		in->path = mlg_xstrdup(relative_to(engine->input_paths[i], run->suite->dir));
		/* Only regular files: a FIFO or device would block or never end. */
		if (stat(engine->input_paths[i], &st) < 0 || !S_ISREG(st.st_mode) ||
		    mlg_sha256_file(engine->input_paths[i], in->sha256, &in->bytes) < 0)
			in->sha256[0] = '\0';
		free(engine->input_paths[i]);
	}
	free(engine->input_paths);
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

	if (opts->shard_count > 0) {
		in_shard = mlg_xcalloc(suite->nchecks + 1, sizeof(int));
		mlg_shard_plan(suite, opts->shard_index, opts->shard_count, in_shard);
		run->shard_index = opts->shard_index;
		run->shard_count = opts->shard_count;
	}
	for (size_t i = 0; i < suite->nchecks; i++) {
		mlg_result_init(&run->results[i]);
		if (in_shard && !in_shard[i]) {
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "in another shard (this is %d/%d)",
				       opts->shard_index, opts->shard_count);
		} else if (opts->only && !opts->only[i]) {
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "%s",
				       opts->only_reason ? opts->only_reason : "not selected");
		} else if (!matches(&suite->checks[i], opts)) {
			mlg_result_set(&run->results[i], MLG_STATUS_SKIPPED, "deselected by -k/--tag");
		} else {
			run->selected[i] = 1;
			continue;
		}
		mlg_engine__finish(&engine, &suite->checks[i], mlg_now());
	}
	free(in_shard);

	memset(&pool, 0, sizeof(pool));
	pool.engine = &engine;
	pool.tasks = mlg_xcalloc(suite->nchecks + 1, sizeof(*pool.tasks));
	pool.ntasks = plan_tasks(suite, run->selected, pool.tasks);
	atomic_init(&pool.next, 0);

	nthreads = (size_t)(opts->jobs > 0 ? opts->jobs : online_cpus());
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

	run->interrupted = opts->cancel && *opts->cancel;
	for (size_t i = 0; i < suite->nchecks; i++) {
		struct mlg_result *r = &run->results[i];

		if (run->selected[i] && !r->started)
			mlg_result_set(r, MLG_STATUS_ERROR, "interrupted before it ran");
	}
	for (size_t i = 0; i < pool.ntasks; i++)
		free(pool.tasks[i].checks);
	free(pool.tasks);

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
