/* TEMPORARY weak stand-ins until runner/jsonl.c lands (deleted then). */
#include <stdlib.h>
#include "reader.h"
#include "util.h"
__attribute__((weak)) int mlg_jsonl_first_columns(const char *buf, size_t len, char ***names, size_t *n, char **error)
{ *error = mlg_xstrdup("JSON Lines not built yet"); return -1; }
__attribute__((weak)) struct mlg_jsonl_index *mlg_jsonl_index_new(const char *const *columns, size_t n) { return NULL; }
__attribute__((weak)) void mlg_jsonl_index_free(struct mlg_jsonl_index *index) {}
__attribute__((weak)) size_t mlg_jsonl_scan(const struct mlg_jsonl_index *index, const char *buf, size_t len,
		      size_t pos, size_t stop, int final, uint64_t base, struct mlg_batch_impl *b,
		      mlg_batch_sink sink, void *payload, struct mlg_part_result *res) { return pos; }
