/*
 * The shard plan: largest units first, each to the least loaded shard
 * (ties to the lowest shard, then suite order), which is within 4/3 of
 * the best split and the same in every job that computes it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shard.h"
#include "util.h"

struct unit {
	size_t first;     /* index of its first check: the tie-breaker */
	uint64_t cost;
	int shard;
};

/* A command's cost is unknown; count it as a large input so commands spread. */
#define COMMAND_COST ((uint64_t)64 << 20)
#define CHECK_COST ((uint64_t)1 << 10)

static uint64_t file_size(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t check_cost(const struct mlg_check *c)
{
	uint64_t cost = CHECK_COST;
	char *path;

	if (!strcmp(c->kind->name, "infra.command"))
		return cost + COMMAND_COST;
	if ((path = mlg_check_path(c, "file")) || (path = mlg_check_path(c, "path"))) {
		cost += file_size(path);
		free(path);
	}
	return cost;
}

static int cmp_unit(const void *a, const void *b)
{
	const struct unit *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

void mlg_shard_plan(const struct mlg_suite *suite, int index, int count, int *in_shard)
{
	size_t n = suite->nchecks, nunits = 0;
	size_t *unit_of = mlg_xcalloc(n + 1, sizeof(*unit_of));
	struct unit *units = mlg_xcalloc(n + 1, sizeof(*units));
	uint64_t *load = mlg_xcalloc((size_t)count, sizeof(*load));
	int *assigned = mlg_xcalloc(n + 1, sizeof(*assigned));

	for (size_t i = 0; i < n; i++) {
		const struct mlg_check *c = &suite->checks[i];
		struct unit *u;

		if (assigned[i])
			continue;
		u = &units[nunits];
		u->first = i;
		if (c->kind->scan && c->dataset) {
			u->cost = file_size(c->dataset->abs_path);
			for (size_t j = i; j < n; j++) {
				const struct mlg_check *o = &suite->checks[j];

				if (!assigned[j] && o->kind->scan && o->dataset == c->dataset) {
					assigned[j] = 1;
					unit_of[j] = nunits;
					u->cost += CHECK_COST;
				}
			}
		} else {
			assigned[i] = 1;
			unit_of[i] = nunits;
			u->cost = check_cost(c);
		}
		nunits++;
	}
	{
		/* Sort a copy: unit_of[] keeps pointing at the original order. */
		struct unit *order = mlg_xcalloc(nunits + 1, sizeof(*order));

		memcpy(order, units, nunits * sizeof(*units));
		qsort(order, nunits, sizeof(*order), cmp_unit);
		for (size_t k = 0; k < nunits; k++) {
			int best = 0;

			for (int s = 1; s < count; s++)
				if (load[s] < load[best])
					best = s;
			load[best] += order[k].cost;
			/* find the unit by its first check, unique per unit */
			units[unit_of[order[k].first]].shard = best + 1;
		}
		free(order);
	}
	for (size_t i = 0; i < n; i++)
		in_shard[i] = units[unit_of[i]].shard == index;
	free(unit_of);
	free(units);
	free(load);
	free(assigned);
}
