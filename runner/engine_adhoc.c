/*
 * One ad-hoc scan (see engine_adhoc.h): an engine with a single pending
 * check, built here so the scheduler in engine.c and the scan in scan.c
 * serve it unchanged. The check lives inside a wrapper that carries the
 * caller's payload, which is how a kind that is not in any suite reaches
 * the caller's data.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_adhoc.h"
#include "engine_internal.h"
#include "mlgate/error.h"
#include "util.h"

struct adhoc_check {
	struct mlg_check check; /* first: the kind sees &adhoc_check.check */
	void *payload;
};

void *mlg_engine_adhoc_payload(const struct mlg_check *check)
{
	return ((const struct adhoc_check *)(const void *)check)->payload;
}

int mlg_engine_scan_adhoc(struct mlg_result *out, struct mlg_input *input,
			  const struct mlg_suite *suite, const struct mlg_dataset *dataset,
			  const struct mlg_check_kind *kind, const struct mlg_adhoc_options *opts)
{
	struct mlg_run_options ro = MLG_RUN_OPTIONS_INIT;
	struct adhoc_check ac;
	struct mlg_run run;
	struct mlg_engine engine;
	struct mlg_scan_ref ref;
	struct mlg_pending pending;

	memset(input, 0, sizeof(*input));
	if (opts->version != MLG_ADHOC_OPTIONS_VERSION)
		return mlg_error_code(MLG_EINVALID, "ad-hoc scan options version %u is not %u",
				      opts->version, MLG_ADHOC_OPTIONS_VERSION);
	if (!kind->scan)
		return mlg_error_code(MLG_EINVALID, "kind '%s' does not scan data", kind->name);

	memset(&ac, 0, sizeof(ac));
	ac.payload = opts->payload;
	ac.check.index = 0;
	ac.check.kind = kind;
	ac.check.id = mlg_xstrdup(kind->name);
	ac.check.name = mlg_xstrdup(kind->name);
	ac.check.dataset = dataset;
	ac.check.suite = suite;
	ac.check.params = cJSON_CreateObject();
	if (!ac.check.params)
		mlg_die_oom();

	ro.jobs = opts->jobs;
	ro.cancel = opts->cancel;
	memset(&run, 0, sizeof(run));
	run.suite = suite;
	run.results = out;
	mlg_result_init(out);

	memset(&engine, 0, sizeof(engine));
	engine.run = &run;
	engine.opts = &ro;
	pthread_mutex_init(&engine.lock, NULL);
	memset(&pending, 0, sizeof(pending));
	pending.nroles = 1;
	engine.pending = &pending;
	mlg_mem_init(&engine.mem, suite->max_memory);

	ref.check = &ac.check;
	ref.param = "dataset";
	mlg_engine__scan(&engine, dataset, &ref, 1);

	/* The scan recorded the dataset (and nothing else) with its digest. */
	if (engine.ninputs > 0 && engine.inputs[0].known) {
		input->bytes = engine.inputs[0].bytes;
		memcpy(input->sha256, engine.inputs[0].sha256, sizeof(input->sha256));
	}
	mlg_engine__inputs_release(&engine);
	pthread_mutex_destroy(&engine.lock);
	cJSON_Delete(ac.check.params);
	free(ac.check.id);
	free(ac.check.name);
	return 0;
}
