/* Engine internals shared by engine.c and scan.c. */
#ifndef MLG_ENGINE_INTERNAL_H
#define MLG_ENGINE_INTERNAL_H

#include <pthread.h>

#include "mlgate/engine.h"

struct mlg_engine {
	struct mlg_run *run;
	const struct mlg_run_options *opts;
	pthread_mutex_t lock;       /* guards inputs and progress calls */
	char **input_paths;         /* absolute paths read, in the order seen */
	size_t ninput_paths, input_alloc;
};

/** Records an input file (thread-safe). */
void mlg_engine__input(struct mlg_engine *engine, const char *abs_path);

/** Marks a check finished and reports progress (thread-safe). */
void mlg_engine__finish(struct mlg_engine *engine, const struct mlg_check *check,
			double started);

/** Runs every selected scanning check on one dataset in one pass. */
void mlg_engine__scan(struct mlg_engine *engine, const struct mlg_dataset *dataset,
		      const struct mlg_check *const *checks, size_t nchecks);

#endif
