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

/* Union-find root of i, halving paths as it goes. */
static size_t root_of(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static void join(size_t *parent, size_t a, size_t b)
{
	a = root_of(parent, a);
	b = root_of(parent, b);
	/* the lower index stays the root, so units are named by their first check */
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

void mlg_shard_plan(const struct mlg_suite *suite, int index, int count, int *in_shard)
{
	size_t n = suite->nchecks, nunits = 0;
	size_t *unit_of = mlg_xcalloc(n + 1, sizeof(*unit_of));
	struct unit *units = mlg_xcalloc(n + 1, sizeof(*units));
	uint64_t *load = mlg_xcalloc((size_t)count, sizeof(*load));
	size_t *parent = mlg_xcalloc(n + 1, sizeof(*parent));
	size_t *first_reader = mlg_xcalloc(suite->ndatasets + 1, sizeof(*first_reader));
	size_t *unit_at = mlg_xcalloc(n + 1, sizeof(*unit_at));

	/* Units: checks that read the same dataset (scanned once), and
	 * checks that need each other (a dependant must see its
	 * prerequisite's result and outputs in the same job). */
	for (size_t i = 0; i < n; i++)
		parent[i] = i;
	for (size_t d = 0; d < suite->ndatasets; d++)
		first_reader[d] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct mlg_check *c = &suite->checks[i];

		if (c->kind->scan && c->dataset) {
			size_t d = (size_t)(c->dataset - suite->datasets);

			if (first_reader[d] == SIZE_MAX)
				first_reader[d] = i;
			else
				join(parent, first_reader[d], i);
		}
		for (size_t k = 0; k < c->nneeds; k++)
			join(parent, i, c->needs[k]);
	}
	for (size_t i = 0; i < n; i++) {
		size_t r = root_of(parent, i);

		if (r == i) {
			unit_at[i] = nunits;
			units[nunits].first = i;
			nunits++;
		}
		unit_of[i] = unit_at[r];
	}
	for (size_t i = 0; i < n; i++) {
		const struct mlg_check *c = &suite->checks[i];
		struct unit *u = &units[unit_of[i]];

		if (c->kind->scan && c->dataset) {
			u->cost += CHECK_COST;
			if (first_reader[c->dataset - suite->datasets] == i)
				u->cost += file_size(c->dataset->abs_path);
		} else {
			u->cost += check_cost(c);
		}
	}
	free(parent);
	free(first_reader);
	free(unit_at);
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
}
