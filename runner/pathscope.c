/* The suite's folder as a boundary for the files a suite names (see pathscope.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonc.h"
#include "mlgate/suite.h"
#include "pathscope.h"
#include "suggest.h"
#include "util.h"

/* As the kernel's MAXSYMLINKS: past it open() fails with ELOOP anyway. */
#define MAX_LINKS 40

/* readlink() into a fresh string, or NULL. The caller frees it. */
static char *read_link(const char *path)
{
	size_t size = 256;

	for (;;) {
		char *buf = mlg_xmalloc(size);
		ssize_t n = readlink(path, buf, size);

		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		if (size > 1 << 20)
			return NULL;
		size *= 2;
	}
}

/* Drops the last component of the absolute path in `out` ("" is "/"). */
static void pop_component(struct mlg_strbuf *out)
{
	while (out->len && out->buf[out->len - 1] != '/')
		out->len--;
	if (out->len)
		out->len--; /* the slash */
	if (out->buf)
		out->buf[out->len] = '\0';
}

/*
 * Walks the components left to right, as path resolution in the kernel
 * does: ".." takes the parent of what is resolved so far (so "link/.."
 * is the link target's parent, not the folder holding the link), and a
 * link's target is spliced in front of the components still to walk.
 */
char *mlg_path_resolve(const char *base, const char *path, enum mlg_path_links links)
{
	struct mlg_strbuf out = MLG_STRBUF_INIT;
	char *todo = mlg_xstrdup(path);
	const char *p = todo;
	int followed = 0;

	/* `base` is resolved already: walking it again would only cost a stat per folder */
	if (path[0] != '/') {
		mlg_strbuf_addstr(&out, base);
		while (out.len && out.buf[out.len - 1] == '/')
			out.buf[--out.len] = '\0';
	}

	while (*p) {
		const char *q, *rest;
		size_t save, len;
		struct stat st;
		char *target, *next;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		for (q = p; *q && *q != '/'; q++)
			;
		len = (size_t)(q - p);
		if (len == 1 && p[0] == '.') {
			p = q;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(&out);
			p = q;
			continue;
		}
		save = out.len;
		mlg_strbuf_addch(&out, '/');
		mlg_strbuf_add(&out, p, len);
		for (rest = q; *rest == '/'; rest++)
			;
		if (links == MLG_PATH_LINKS_NONE || (links == MLG_PATH_LINKS_BUT_LAST && !*rest) ||
		    followed >= MAX_LINKS || lstat(out.buf, &st) < 0 || !S_ISLNK(st.st_mode) ||
		    !(target = read_link(out.buf))) {
			p = q;
			continue;
		}
		followed++;
		next = mlg_xasprintf("%s%s", target, q);
		out.len = target[0] == '/' ? 0 : save;
		out.buf[out.len] = '\0';
		free(target);
		free(todo);
		todo = next;
		p = todo;
	}
	free(todo);
	if (!out.len)
		mlg_strbuf_addch(&out, '/');
	return mlg_strbuf_detach(&out);
}

int mlg_path_is_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return path[0] == '/';
	while (n > 1 && root[n - 1] == '/')
		n--;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

static const char allow_doc[] =
	"expected true, false, or a non-empty list of folders (relative to the suite file, or "
	"absolute) that the suite's paths may reach outside its own folder, such as "
	"[\"../shared\", \"/etc/ssl/certs\"]";

void mlg_pathscope_validate(const cJSON *value, struct mlg_diag *diag)
{
	static const char *const known[] = { "allow_outside" };
	const cJSON *it, *allow;
	size_t i = 0;

	if (!value)
		return;
	if (!cJSON_IsObject(value)) {
		mlg_diag_add(diag, "paths",
			     "expected an object such as {\"allow_outside\": [\"../shared\"]}, found %s",
			     mlg_json_describe(value));
		return;
	}
	cJSON_ArrayForEach(it, value) {
		struct mlg_strbuf path = MLG_STRBUF_INIT;

		if (!strcmp(it->string, "allow_outside"))
			continue;
		mlg_strbuf_addstr(&path, "paths");
		mlg_jsonpath_member(&path, it->string, strlen(it->string));
		mlg_diag_add(diag, path.buf, "unknown paths option '%s': %s \"allow_outside\"",
			     it->string,
			     mlg_suggest(it->string, known, 1) ? "did you mean" : "expected");
		mlg_strbuf_release(&path);
	}
	allow = cJSON_GetObjectItemCaseSensitive(value, "allow_outside");
	if (!allow || cJSON_IsBool(allow))
		return;
	if (!cJSON_IsArray(allow) || !cJSON_GetArraySize(allow)) {
		mlg_diag_add(diag, "paths.allow_outside", "%s, found %s", allow_doc,
			     cJSON_IsArray(allow) ? "an empty list" : mlg_json_describe(allow));
		return;
	}
	cJSON_ArrayForEach(it, allow) {
		if (!cJSON_IsString(it) || !*it->valuestring) {
			char *path = mlg_xasprintf("paths.allow_outside[%zu]", i);

			mlg_diag_add(diag, path, "expected a folder path, found %s",
				     cJSON_IsString(it) ? "an empty string" : mlg_json_describe(it));
			free(path);
		}
		i++;
	}
}

/* 1 when `resolved` is under a folder that "paths.allow_outside" lists (or it is true). */
static int allowed_outside(const struct mlg_suite *suite, const char *resolved)
{
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(suite->root, "paths");
	const cJSON *allow = cJSON_GetObjectItemCaseSensitive(paths, "allow_outside"), *it;

	if (cJSON_IsTrue(allow))
		return 1;
	if (!cJSON_IsArray(allow))
		return 0;
	cJSON_ArrayForEach(it, allow) {
		char *root;
		int under;

		if (!cJSON_IsString(it) || !*it->valuestring)
			continue;
		root = mlg_path_resolve(suite->dir, it->valuestring, MLG_PATH_LINKS_ALL);
		under = mlg_path_is_under(resolved, root);
		free(root);
		if (under)
			return 1;
	}
	return 0;
}

/* `target` relative to `root` (both resolved and absolute): "../shared". The caller frees it. */
static char *relative_to(const char *root, const char *target)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t common = 0, i;

	/* the longest common prefix that ends at a component boundary */
	for (i = 0; root[i] && root[i] == target[i]; i++)
		if (root[i] == '/')
			common = i;
	if ((!root[i] || root[i] == '/') && (!target[i] || target[i] == '/'))
		common = i;
	for (i = common; root[i]; i++)
		if (root[i] == '/' && root[i + 1])
			mlg_strbuf_addstr(&sb, sb.len ? "/.." : "..");
	if (target[common] == '/' && target[common + 1])
		mlg_strbuf_addstr(&sb, target + common + !sb.len);
	if (!sb.len)
		mlg_strbuf_addch(&sb, '.');
	return mlg_strbuf_detach(&sb);
}

/*
 * The folder to suggest allowing: the target itself when it is a folder,
 * else its parent; relative to the suite's folder when the suite wrote a
 * relative path, absolute when it wrote an absolute one or a link led there.
 */
static char *folder_to_allow(const char *root, const char *path, const char *resolved,
			     int through_link)
{
	struct stat st;
	char *folder = mlg_xstrdup(resolved), *out;

	if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(folder, '/');

		slash[slash == folder] = '\0';
	}
	if (through_link || path[0] == '/')
		return folder;
	out = relative_to(root, folder);
	free(folder);
	return out;
}

int mlg_pathscope_check(const struct mlg_suite *suite, const char *path, enum mlg_path_links links,
			char **why)
{
	/* the suite's folder is a realpath already (or, failing that, the working directory) */
	char *root = suite->dir[0] == '/' ? mlg_xstrdup(suite->dir)
					  : mlg_path_resolve("/", suite->dir, MLG_PATH_LINKS_ALL);
	char *resolved = mlg_path_resolve(root, path, links), *lexical, *folder;
	int through_link;

	*why = NULL;
	if (mlg_path_is_under(resolved, root) || allowed_outside(suite, resolved)) {
		free(root);
		free(resolved);
		return 0;
	}
	/* Escaping only through a link: name the link's target as the folder to allow. */
	lexical = mlg_path_resolve(root, path, MLG_PATH_LINKS_NONE);
	through_link = mlg_path_is_under(lexical, root);
	folder = folder_to_allow(root, path, resolved, through_link);
	*why = mlg_xasprintf("'%s' leads outside the suite's folder '%s'%s (to '%s'); to allow it: "
			     "\"paths\": {\"allow_outside\": [\"%s\"]}",
			     path, root, through_link ? " through a symbolic link" : "", resolved, folder);
	free(folder);
	free(lexical);
	free(root);
	free(resolved);
	return -1;
}
