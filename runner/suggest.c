/* Edit-distance suggestions (see suggest.h). */
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "util.h"

/* Optimal string alignment distance: a transposition counts as one edit,
 * the commonest typo in parameter names ("mni" for "min"). */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d;
	size_t *row0, *row1, *row2, *tmp;

	if (n > 64 || m > 64)
		return (size_t)-1;
	row0 = mlg_xcalloc(m + 1, sizeof(size_t));
	row1 = mlg_xcalloc(m + 1, sizeof(size_t));
	row2 = mlg_xcalloc(m + 1, sizeof(size_t));
	for (size_t j = 0; j <= m; j++)
		row1[j] = j;
	for (size_t i = 1; i <= n; i++) {
		row2[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = row1[j - 1] + cost;

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		tmp = row0;
		row0 = row1;
		row1 = row2;
		row2 = tmp;
	}
	d = row1[m];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

const char *mlg_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t limit = strlen(word) <= 3 ? 2 : strlen(word) / 3 + 1;

	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, candidates[i]);

		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}
