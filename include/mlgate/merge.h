/*
 * Shards: the results of `mlgate run --shard K/N` jobs merged into the
 * results of one whole run, and a run rebuilt from saved results so that
 * every report (JUnit...) can be written again without running anything.
 */
#ifndef MLGATE_MERGE_H
#define MLGATE_MERGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "mlgate/engine.h"
#include "mlgate/suite.h"

/**
 * Rebuilds the run that wrote `results` (an mlgate.results/v1 document of
 * `suite`), as mlg_engine_run() would have made it: each check of the
 * suite takes the status, message, details, observed, expected, examples
 * and duration of the result with its id; a skipped check counts as not
 * selected (and not started). Summary, complete and gate are recomputed.
 *
 * Returns 0 and sets *out (free with mlg_run_free(); it borrows `suite`,
 * which must outlive it). Returns MLG_EINVALID, *out NULL and the reason
 * in mlg_error_last() when the results are of another suite, of another
 * version of its file, lack one of its checks, or are malformed.
 */
int mlg_run_from_results(struct mlg_run **out, const struct mlg_suite *suite,
			 const cJSON *results);

/**
 * Merges the results of the `n` shards of one run, docs[i] read from the
 * file names[i] (NULL: "results #i" in messages), into one document in
 * the same schema: every check as the shard that ran it reported it,
 * inputs united, earliest start, longest duration, summary, "complete"
 * and "gate" recomputed, "shard" replaced by "merged_shards": N. The
 * result is the same whatever the order of `docs`.
 *
 * Returns 0 and sets *out (the caller frees it with cJSON_Delete(); docs
 * are only read). Returns MLG_EINVALID, *out NULL and a message naming
 * the files when the documents are not every shard of one run exactly
 * once: not shard results, different shard counts, a shard missing or
 * given twice, different suites or suite versions, different commits,
 * inputs read with different contents, or a check run in two shards.
 */
int mlg_results_merge(cJSON **out, cJSON *const *docs, size_t n, const char *const *names);

#endif
