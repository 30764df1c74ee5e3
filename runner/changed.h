/* Selecting the checks whose inputs changed since a git revision. */
#ifndef MLG_CHANGED_H
#define MLG_CHANGED_H

#include "mlgate/suite.h"

/**
 * Sets selected[i] (one per check) to 1 when check i's inputs or its
 * declaration in the suite changed between `rev` and the working tree
 * (untracked files count as changed), or when its inputs cannot be known
 * (infra.command). Returns 0, or MLG_ERROR (not a repository, unknown rev).
 */
int mlg_changed_since(const struct mlg_suite *suite, const char *rev, int *selected);

#endif
