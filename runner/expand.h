/* ${VAR} and ${VAR:-default} expansion of suite strings. */
#ifndef MLG_EXPAND_H
#define MLG_EXPAND_H

/**
 * Expands `in` once, left to right: ${NAME} takes the environment value
 * (an unset NAME is an error naming it), ${NAME:-default} takes the
 * default when NAME is unset or empty, and $$ stands for a literal $.
 * Expanded text is never expanded again, so a value that itself contains
 * "${OTHER}" stays as it is. Returns 0 and sets *out (caller frees), or
 * MLG_EINVALID with the reason in mlg_error_last().
 */
int mlg_expand_vars(const char *in, char **out);

#endif
