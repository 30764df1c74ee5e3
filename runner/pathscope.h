/*
 * The suite's folder as a boundary. A suite names files (datasets, metrics,
 * CA bundles, a command's working directory); each must lie inside the
 * suite file's folder unless the suite allows more with
 *
 *   "paths": { "allow_outside": ["../shared", "/etc/ssl/certs"] }   (or true)
 *
 * so that a suite cannot be pointed (through "..", an absolute path or a
 * symbolic link) at files its reviewers would not expect it to read.
 */
#ifndef MLG_PATHSCOPE_H
#define MLG_PATHSCOPE_H

#include <cjson/cJSON.h>

struct mlg_suite;
struct mlg_diag;

/** How symbolic links are treated while resolving a path. */
enum mlg_path_links {
	MLG_PATH_LINKS_NONE,     /* lexical: "a/../b" is "b" whatever "a" is */
	MLG_PATH_LINKS_BUT_LAST, /* every folder's links; the last component as written */
	MLG_PATH_LINKS_ALL,      /* as open() would: every link, the last one too */
};

/**
 * The absolute path that `path` (relative to the folder `base`, which must
 * be absolute and resolved already, as realpath() gives it, unless `path`
 * is absolute) leads to: ".", ".." and, per `links`, symbolic
 * links resolved as the kernel would for the part that exists; the part
 * that does not exist yet is taken lexically. Never fails (a link loop
 * stops after 40 links). The caller frees the result.
 */
char *mlg_path_resolve(const char *base, const char *path, enum mlg_path_links links);

/** 1 when the resolved absolute path `path` is `root` or lies under it. */
int mlg_path_is_under(const char *path, const char *root);

/**
 * Validates the suite's top-level "paths" object (`value`, may be NULL),
 * adding each problem to `diag`.
 */
void mlg_pathscope_validate(const cJSON *value, struct mlg_diag *diag);

/**
 * 0 when `path`, as written in `suite` (relative to its folder), stays
 * inside the suite's folder or a folder "paths.allow_outside" allows;
 * otherwise -1 with *why set to a message naming the path, where it leads
 * and the folder it escapes, and how to allow it (caller frees).
 * `links` as for mlg_path_resolve() (a dataset read at a git revision
 * does not follow its on-disk last component).
 */
int mlg_pathscope_check(const struct mlg_suite *suite, const char *path, enum mlg_path_links links,
			char **why);

#endif
