/* Test hooks of the streaming CSV reader (runner/csv.c). */
#ifndef MLG_CSV_INTERNAL_H
#define MLG_CSV_INTERNAL_H

#include <stddef.h>

/**
 * Sets the size of the reads of file readers opened from now on (at least
 * 3; 0: the default, 1 MiB), so that tests and the fuzzer see records,
 * line ends and escapes cut between reads. Not for production use.
 */
void mlg_csv__set_block_size(size_t bytes);

#endif
