/*
 * The summary of a run (counts, complete, gate), shared by the engine and
 * by runs rebuilt from saved results (merge.c), so both decide alike.
 */
#ifndef MLG_RUN_SUMMARY_H
#define MLG_RUN_SUMMARY_H

#include "mlgate/engine.h"

/**
 * Fills run->summary, run->complete and run->gate_open from the results,
 * run->selected and run->interrupted. Allocates nothing.
 */
void mlg_run__summarise(struct mlg_run *run);

#endif
