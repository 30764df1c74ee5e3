/* Splitting a suite across parallel CI jobs (--shard K/N). */
#ifndef MLG_SHARD_H
#define MLG_SHARD_H

#include "mlgate/suite.h"

/**
 * Marks in in_shard[i] (one per check) the checks shard `index` (1-based)
 * of `count` runs. Checks that read the same dataset stay together so it
 * is scanned once, and checks linked by "needs" stay together; units are balanced by estimated cost (input sizes) with
 * a deterministic greedy split, so every job computes the same plan.
 */
void mlg_shard_plan(const struct mlg_suite *suite, int index, int count, int *in_shard);

#endif
