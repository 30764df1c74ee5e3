/*
 * "needs": checks that depend on others. Resolves the ids to indices and
 * rejects what the scheduler could not honour: unknown ids, cycles, and a
 * gating check that needs a warn-only one (its failure would skip the
 * gating check without closing the gate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonc.h"
#include "suggest.h"
#include "suite_internal.h"
#include "util.h"

struct id_index {
	const char *id;
	size_t index;
};

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct id_index *)a)->id, ((const struct id_index *)b)->id);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* "'train' (checks[0])" for messages. */
static void name_check(struct mlg_strbuf *sb, const struct mlg_check *c)
{
	mlg_strbuf_addf(sb, "'%s' (checks[%zu])", c->id, c->index);
}

static void unknown_id(const struct mlg_suite *suite, const struct mlg_check *c, size_t k,
		       const char *id, struct mlg_diag *diag)
{
	const char **ids = mlg_xcalloc(suite->nchecks + 1, sizeof(*ids));
	const char *near;
	char sub[32];

	for (size_t i = 0; i < suite->nchecks; i++)
		ids[i] = suite->checks[i].id;
	near = mlg_suggest(id, ids, suite->nchecks);
	snprintf(sub, sizeof(sub), "[%zu]", k);
	if (near)
		mlg_diag_check_at(diag, c, "needs", sub,
				  "no check has the id '%s' (needed by '%s'): did you mean '%s'?", id,
				  c->id, near);
	else
		mlg_diag_check_at(diag, c, "needs", sub,
				  "no check has the id '%s' (needed by '%s'): expected the id of another check of this suite",
				  id, c->id);
	free(ids);
}

/* Reads one check's "needs" into c->needs; problems go to diag. */
static void resolve_one(struct mlg_suite *suite, struct mlg_check *c, const struct id_index *map,
			struct mlg_diag *diag)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->params, "needs"), *it;
	size_t k = 0, n;

	if (!v)
		return;
	if (cJSON_IsString(v)) {
		n = 1;
	} else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
		n = (size_t)cJSON_GetArraySize(v);
	} else {
		mlg_diag_check(diag, c, "needs", "expected a check id or a non-empty list of check ids, found %s",
			       mlg_json_describe(v));
		return;
	}
	c->needs = mlg_xcalloc(n, sizeof(*c->needs));
	for (it = cJSON_IsString(v) ? v : v->child; it; it = cJSON_IsString(v) ? NULL : it->next, k++) {
		struct id_index key, *hit;
		char sub[32];

		snprintf(sub, sizeof(sub), "[%zu]", k);
		if (!cJSON_IsString(it) || !*it->valuestring) {
			mlg_diag_check_at(diag, c, "needs", cJSON_IsString(v) ? NULL : sub,
					  "expected a check id, found %s", mlg_json_describe(it));
			continue;
		}
		key.id = it->valuestring;
		hit = bsearch(&key, map, suite->nchecks, sizeof(*map), cmp_id);
		if (!hit) {
			unknown_id(suite, c, k, it->valuestring, diag);
			continue;
		}
		c->needs[c->nneeds++] = hit->index;
	}
	qsort(c->needs, c->nneeds, sizeof(*c->needs), cmp_size);
	/* the same id twice means the same thing as once */
	n = 0;
	for (size_t i = 0; i < c->nneeds; i++)
		if (!n || c->needs[i] != c->needs[n - 1])
			c->needs[n++] = c->needs[i];
	c->nneeds = n;
}

enum { WHITE, GREY, BLACK };

/*
 * Depth-first search for a cycle, iterative so that a long chain cannot
 * overflow the stack. The first cycle found is reported once, at the
 * check that closes it, naming every check on it.
 */
static int find_cycle(const struct mlg_suite *suite, size_t start, unsigned char *colour,
		      size_t *stack, size_t *pos, struct mlg_diag *diag)
{
	size_t depth = 0;

	stack[depth] = start;
	pos[depth] = 0;
	colour[start] = GREY;
	while (1) {
		const struct mlg_check *c = &suite->checks[stack[depth]];

		if (pos[depth] < c->nneeds) {
			size_t next = c->needs[pos[depth]++];

			if (colour[next] == GREY) {
				struct mlg_strbuf sb = MLG_STRBUF_INIT;
				size_t from = depth;

				while (stack[from] != next)
					from--;
				for (size_t i = from; i <= depth; i++) {
					name_check(&sb, &suite->checks[stack[i]]);
					mlg_strbuf_addstr(&sb, " needs ");
				}
				name_check(&sb, &suite->checks[next]);
				if (next == stack[depth])
					mlg_diag_check(diag, c, "needs", "'%s' needs itself: a check cannot depend on itself",
						       c->id);
				else
					mlg_diag_check(diag, c, "needs",
						       "dependency cycle: %s; expected the checks to depend on each other without a loop",
						       sb.buf);
				mlg_strbuf_release(&sb);
				return -1;
			}
			if (colour[next] == WHITE) {
				colour[next] = GREY;
				stack[++depth] = next;
				pos[depth] = 0;
			}
			continue;
		}
		colour[stack[depth]] = BLACK;
		if (!depth)
			return 0;
		depth--;
	}
}

/*
 * Every check a gating check needs, directly or not, must gate too:
 * otherwise a warn-only prerequisite that fails would skip the gating
 * check and leave the gate open with nothing tested.
 */
static void check_severities(const struct mlg_suite *suite, struct mlg_diag *diag)
{
	size_t n = suite->nchecks;
	size_t *queue = mlg_xcalloc(n + 1, sizeof(*queue));
	size_t *via = mlg_xcalloc(n + 1, sizeof(*via));
	unsigned char *seen = mlg_xcalloc(n + 1, 1);
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < n; i++) {
		if (suite->checks[i].severity_warn)
			continue;
		seen[i] = 1;
		via[i] = i;
		queue[tail++] = i;
	}
	while (head < tail) {
		const struct mlg_check *c = &suite->checks[queue[head++]];

		for (size_t k = 0; k < c->nneeds; k++) {
			size_t p = c->needs[k];
			const struct mlg_check *pre = &suite->checks[p];

			if (seen[p])
				continue;
			seen[p] = 1;
			via[p] = via[(size_t)(c - suite->checks)];
			queue[tail++] = p;
			if (pre->severity_warn)
				mlg_diag_check(diag, pre, "severity",
					       "'%s' has severity \"warn\" but the gating check '%s' needs it%s: "
					       "a prerequisite of a gating check must gate too (expected \"error\"), "
					       "or its failure would skip '%s' and leave the gate open",
					       pre->id, suite->checks[via[p]].id,
					       via[p] == (size_t)(c - suite->checks) ? "" : " through others", suite->checks[via[p]].id);
		}
	}
	free(queue);
	free(via);
	free(seen);
}

void mlg_suite__resolve_needs(struct mlg_suite *suite, struct mlg_diag *diag)
{
	size_t n = suite->nchecks, before = diag->count;
	struct id_index *map;
	unsigned char *colour;
	size_t *stack, *pos;
	int any = 0;

	for (size_t i = 0; i < n && !any; i++)
		any = cJSON_GetObjectItemCaseSensitive(suite->checks[i].params, "needs") != NULL;
	if (!any)
		return;
	map = mlg_xcalloc(n + 1, sizeof(*map));
	for (size_t i = 0; i < n; i++) {
		map[i].id = suite->checks[i].id;
		map[i].index = i;
	}
	qsort(map, n, sizeof(*map), cmp_id);
	for (size_t i = 0; i < n; i++)
		resolve_one(suite, &suite->checks[i], map, diag);
	free(map);
	if (diag->count != before)
		return;

	colour = mlg_xcalloc(n + 1, 1);
	stack = mlg_xcalloc(n + 1, sizeof(*stack));
	pos = mlg_xcalloc(n + 1, sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		if (colour[i] == WHITE && find_cycle(suite, i, colour, stack, pos, diag) < 0)
			break;
	free(colour);
	free(stack);
	free(pos);
	if (diag->count == before)
		check_severities(suite, diag);
}
