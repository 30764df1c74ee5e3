/* Shared by the registry adapters (runner/promote_*.c). */
#ifndef MLG_PROMOTE_INTERNAL_H
#define MLG_PROMOTE_INTERNAL_H

#include "mlgate/promote.h"
#include "jsonc.h"
#include "util.h"

/* A header list being built; values of sensitive ones are masked in dry runs. */
struct mlg_headers {
	char **lines;       /* "Name: value" */
	int *sensitive;
	size_t count, alloc;
};

void mlg_headers_add(struct mlg_headers *h, int sensitive, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mlg_headers_release(struct mlg_headers *h);

/**
 * Sends one request of a promotion call (or, in a dry run, prints it with
 * sensitive header values masked and returns 1 without sending). Returns
 * 0 with *res filled (the caller releases it) when a response came, or
 * MLG_ERROR with the message set. `secrets` are masked in any message.
 */
int mlg_promote__send(const struct mlg_promote_call *call, const char *method, const char *url,
		      const struct mlg_headers *headers, const char *body, int follow_redirects,
		      const char *const *secrets, size_t nsecrets, struct mlg_http_response *res);


/**
 * The value of the environment variable named by the entry's `key` (or
 * by `fallback_name` when the entry does not name one); NULL when unset.
 * *name is set to the variable's name, for messages.
 */
const char *mlg_entry_env(const cJSON *entry, const char *key, const char *fallback_name,
			  const char **name);

/** Base64 of `len` bytes; caller frees. */
char *mlg_base64(const unsigned char *data, size_t len);

/** `s` with each of the secrets replaced by "****"; caller frees. */
char *mlg_mask(const char *s, const char *const *secrets, size_t n);

/** A one-line excerpt of a response body for messages; caller frees. */
char *mlg_body_excerpt(const struct mlg_http_response *res);

#endif
