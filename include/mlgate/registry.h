/*
 * The table of built-in check kinds (checks/registry.c).
 */
#ifndef MLGATE_REGISTRY_H
#define MLGATE_REGISTRY_H

#include <stddef.h>

#include "mlgate/check.h"

/**
 * The parameters every check takes whatever its kind (kind, id, name,
 * severity, tags, description, timeout); ends with a NULL name. The suite
 * loader handles them itself; they are listed for documentation.
 */
extern const struct mlg_param mlg_common_params[];

/** Number of registered kinds. */
size_t mlg_registry_count(void);

/** The i-th kind, in name order. */
const struct mlg_check_kind *mlg_registry_at(size_t i);

/** The kind called `name`, or NULL. */
const struct mlg_check_kind *mlg_registry_find(const char *name);

/** Human name of a parameter type ("string", "number", ...). */
const char *mlg_param_type_name(enum mlg_param_type type);

#endif
