/* "Did you mean ...?" for misspelt names. */
#ifndef MLG_SUGGEST_H
#define MLG_SUGGEST_H

#include <stddef.h>

/** The candidate closest to `word` within a small edit distance, or NULL. */
const char *mlg_suggest(const char *word, const char *const *candidates, size_t n);

#endif
