/* Environment expansion in suite strings (see expand.h). */
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "mlgate/error.h"
#include "util.h"

static int is_name_char(char c, int first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

int mlg_expand_vars(const char *in, char **out)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *p = in;

	*out = NULL;
	while (*p) {
		const char *name, *close, *def = NULL;
		size_t namelen;
		char *key;
		const char *val;

		if (p[0] != '$') {
			mlg_strbuf_addch(&sb, *p++);
			continue;
		}
		if (p[1] == '$') {
			mlg_strbuf_addch(&sb, '$');
			p += 2;
			continue;
		}
		if (p[1] != '{') {
			mlg_strbuf_addch(&sb, *p++);
			continue;
		}
		name = p + 2;
		for (namelen = 0; is_name_char(name[namelen], namelen == 0); namelen++)
			;
		close = strchr(name, '}');
		if (!close) {
			mlg_strbuf_release(&sb);
			return mlg_error_code(MLG_EINVALID,
					      "'${' is not closed: expected ${NAME} or ${NAME:-default}");
		}
		if (!namelen || (name[namelen] != '}' &&
				 !(name[namelen] == ':' && name[namelen + 1] == '-'))) {
			mlg_strbuf_release(&sb);
			return mlg_error_code(MLG_EINVALID,
					      "invalid variable reference '%.*s': expected ${NAME} or "
					      "${NAME:-default} with NAME of letters, digits and _",
					      (int)(close - p + 1), p);
		}
		if (name[namelen] == ':')
			def = name + namelen + 2;
		/* The first '}' closes the reference, so "${A:-${B}}" would leave
		 * "${B" as the default and a stray "}": refuse it rather than
		 * expand something the author did not mean. */
		if (def && memmem(def, (size_t)(close - def), "${", 2)) {
			mlg_strbuf_release(&sb);
			return mlg_error_code(MLG_EINVALID,
					      "invalid variable reference '%.*s}': a default cannot hold "
					      "another reference ('${' inside a default: references do "
					      "not nest)",
					      (int)(close - p + 1), p);
		}
		key = mlg_xstrndup(name, namelen);
		val = getenv(key);
		if (def) {
			if (!val || !*val)
				mlg_strbuf_add(&sb, def, (size_t)(close - def));
			else
				mlg_strbuf_addstr(&sb, val);
		} else if (!val) {
			mlg_error_code(MLG_EINVALID,
				       "environment variable '%s' is not set: set it, or give a "
				       "default with ${%s:-default}",
				       key, key);
			free(key);
			mlg_strbuf_release(&sb);
			return MLG_EINVALID;
		} else {
			mlg_strbuf_addstr(&sb, val);
		}
		free(key);
		p = close + 1;
	}
	*out = mlg_strbuf_detach(&sb);
	return 0;
}
