/*
 * The one-pass dataset scan: every selected scanning check that reads a
 * dataset sees its rows from a single read of the file.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "engine_internal.h"
#include "mlgate/csv.h"
#include "mlgate/error.h"
#include "util.h"

/* How often (in rows) deadlines and the cancel flag are looked at: often
 * enough to stop within milliseconds, rarely enough to cost nothing. */
#define POLL_ROWS 4096

struct scan_slot {
	const struct mlg_check *check;
	struct mlg_result *result;
	void *state;
	double deadline;
	double started;
	int active;
};

/*
 * Ends every active check with `message`. The reader names the file by its
 * absolute path; reports name it as the suite does, so they read the same
 * in every checkout.
 */
static void finish_all_error(const struct mlg_dataset *dataset, struct scan_slot *slots, size_t n,
			     const char *message)
{
	char *shown = mlg_str_replace(message, dataset->abs_path, dataset->path);

	for (size_t i = 0; i < n; i++) {
		if (!slots[i].active)
			continue;
		mlg_result_set(slots[i].result, MLG_STATUS_ERROR, "%s", shown);
		slots[i].active = 0;
	}
	free(shown);
}

void mlg_engine__scan(struct mlg_engine *engine, const struct mlg_dataset *dataset,
		      const struct mlg_check *const *checks, size_t nchecks)
{
	struct scan_slot *slots = mlg_xcalloc(nchecks, sizeof(*slots));
	struct mlg_csv_options opts = MLG_CSV_OPTIONS_INIT;
	struct mlg_csv *csv = NULL;
	const char **names = NULL;
	const struct mlg_row *row;
	size_t ncols, nactive = 0;
	uint64_t nrows = 0;
	double now = mlg_now();
	int rc = 0;

	for (size_t i = 0; i < nchecks; i++) {
		slots[i].check = checks[i];
		slots[i].result = &engine->run->results[checks[i]->index];
		slots[i].result->started = 1;
		slots[i].started = now;
		slots[i].deadline = checks[i]->timeout_s > 0 ? now + checks[i]->timeout_s : 0;
		slots[i].active = 1;
	}
	mlg_engine__input(engine, dataset->abs_path);
	opts.delimiter = dataset->delimiter;
	opts.quote = dataset->quote;
	opts.header = dataset->header;
	{
		struct stat st;

		/* A FIFO without a writer would block open() past every timeout. */
		if (stat(dataset->abs_path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			char *msg = mlg_xasprintf("dataset '%s': '%s' is not a regular file", dataset->name,
						  dataset->path);

			finish_all_error(dataset, slots, nchecks, msg);
			free(msg);
			goto done;
		}
	}
	if (mlg_csv_open(&csv, dataset->abs_path, &opts) < 0) {
		char *msg = mlg_xasprintf("dataset '%s': %s", dataset->name, mlg_error_last());

		finish_all_error(dataset, slots, nchecks, msg);
		free(msg);
		goto done;
	}
	ncols = mlg_csv_ncolumns(csv);
	names = mlg_xcalloc(ncols + 1, sizeof(*names));
	for (size_t c = 0; c < ncols; c++)
		names[c] = mlg_csv_column_name(csv, c);

	for (size_t i = 0; i < nchecks; i++) {
		const struct mlg_scan_ops *ops = slots[i].check->kind->scan;

		if (ops->begin(&slots[i].state, slots[i].check, names, ncols, slots[i].result))
			slots[i].active = 0;
		else
			nactive++;
	}

	while (nactive && (rc = mlg_csv_next(csv, &row)) > 0) {
		nrows++;
		for (size_t i = 0; i < nchecks; i++) {
			struct scan_slot *s = &slots[i];

			if (s->active && s->check->kind->scan->row(s->state, row, s->result)) {
				s->active = 0;
				nactive--;
			}
		}
		if (nrows % POLL_ROWS)
			continue;
		if (engine->opts->cancel && *engine->opts->cancel) {
			char *msg = mlg_xasprintf("interrupted after %llu rows",
						  (unsigned long long)nrows);

			finish_all_error(dataset, slots, nchecks, msg);
			free(msg);
			nactive = 0;
			break;
		}
		now = mlg_now();
		for (size_t i = 0; i < nchecks; i++) {
			struct scan_slot *s = &slots[i];

			if (s->active && s->deadline && now > s->deadline) {
				mlg_result_set(s->result, MLG_STATUS_ERROR,
					       "timed out after %g s (%llu rows read)",
					       s->check->timeout_s, (unsigned long long)nrows);
				s->active = 0;
				nactive--;
			}
		}
	}
	if (nactive && rc < 0) {
		char *msg = mlg_xasprintf("cannot read dataset '%s': %s", dataset->name,
					  mlg_error_last());

		finish_all_error(dataset, slots, nchecks, msg);
		free(msg);
	}
	/* Checks still active saw every row: let them decide. Those that
	 * stopped early decided in row(); those that errored keep the error. */
	for (size_t i = 0; i < nchecks; i++) {
		struct scan_slot *s = &slots[i];

		if (s->active)
			s->check->kind->scan->end(s->state, nrows, s->result);
	}

done:
	for (size_t i = 0; i < nchecks; i++) {
		if (slots[i].state)
			slots[i].check->kind->scan->free(slots[i].state);
		mlg_engine__finish(engine, slots[i].check, slots[i].started);
	}
	free(names);
	mlg_csv_free(csv);
	free(slots);
}
