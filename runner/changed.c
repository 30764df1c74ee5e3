/*
 * --changed-since REV: which checks have inputs (dataset files, metrics
 * files, artifacts) or declarations that changed between REV and the
 * working tree, by a libgit2 diff. Checks whose inputs cannot be known
 * (commands) always run. A run selected this way is partial: it cannot
 * promote.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "changed.h"
#include "mlgate/error.h"
#include "util.h"

struct changes {
	char **paths; /* absolute */
	size_t count, alloc;
	const char *workdir;
};

static int on_file(const git_diff_delta *delta, float progress, void *payload)
{
	struct changes *ch = payload;
	const char *paths[2] = { delta->old_file.path, delta->new_file.path };

	(void)progress;
	for (int i = 0; i < 2; i++) {
		if (!paths[i] || (i && !strcmp(paths[0], paths[1])))
			continue;
		MLG_ALLOC_GROW(ch->paths, ch->count + 1, ch->alloc);
		ch->paths[ch->count++] = mlg_xasprintf("%s%s", ch->workdir, paths[i]);
	}
	return 0;
}

static int changed_path(const struct changes *ch, const char *abs)
{
	char *real = abs ? realpath(abs, NULL) : NULL;
	const char *p = real ? real : abs;
	int hit = 0;

	for (size_t i = 0; p && i < ch->count && !hit; i++)
		hit = !strcmp(ch->paths[i], p);
	free(real);
	return hit;
}

/* The suite as it was at `tree`, or NULL when it did not exist or does not load. */
static struct mlg_suite *old_suite(git_repository *repo, git_tree *tree, const struct mlg_suite *suite,
				   const char *workdir)
{
	char *real = realpath(suite->file, NULL);
	const char *rel;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	struct mlg_suite *old = NULL;
	struct mlg_diag diag = MLG_DIAG_INIT;

	if (!real)
		return NULL;
	rel = !strncmp(real, workdir, strlen(workdir)) ? real + strlen(workdir) : real;
	if (git_tree_entry_bypath(&entry, tree, rel) == 0 &&
	    git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) == 0)
		mlg_suite_load_text(&old, suite->file, git_blob_rawcontent(blob),
				    (size_t)git_blob_rawsize(blob), &diag);
	mlg_diag_release(&diag);
	git_blob_free(blob);
	git_tree_entry_free(entry);
	free(real);
	return old;
}

static int declaration_changed(const struct mlg_check *c, const struct mlg_suite *old)
{
	const struct mlg_check *o = NULL;

	if (!old)
		return 1;
	for (size_t i = 0; i < old->nchecks && !o; i++)
		if (!strcmp(old->checks[i].id, c->id))
			o = &old->checks[i];
	if (!o || !cJSON_Compare(o->params, c->params, 1))
		return 1;
	if (c->dataset) {
		const struct mlg_dataset *od = o->dataset, *nd = c->dataset;

		if (!od || strcmp(od->path, nd->path) || od->delimiter != nd->delimiter ||
		    od->quote != nd->quote || od->header != nd->header)
			return 1;
	}
	return 0;
}

int mlg_changed_since(const struct mlg_suite *suite, const char *rev, int *selected)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	struct changes ch;
	struct mlg_suite *old = NULL;
	char *workdir = NULL;
	int error = 0;

	memset(&ch, 0, sizeof(ch));
	git_libgit2_init();
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
	if (git_repository_open_ext(&repo, suite->dir, 0, NULL) < 0) {
		error = mlg_error_set("--changed-since: '%s' is not in a git repository", suite->dir);
		goto done;
	}
	if (git_repository_is_bare(repo)) {
		error = mlg_error_set("--changed-since: the repository has no working tree");
		goto done;
	}
	if (git_revparse_single(&obj, repo, rev) < 0 ||
	    git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE) < 0) {
		const git_error *e = git_error_last();

		error = mlg_error_set("--changed-since: cannot resolve '%s': %s", rev,
				      e && e->message ? e->message : "unknown revision");
		goto done;
	}
	/* libgit2's paths are relative to the working tree; ours are real paths. */
	{
		char *real = realpath(git_repository_workdir(repo), NULL);

		workdir = real ? mlg_xasprintf("%s/", real) : mlg_xstrdup(git_repository_workdir(repo));
		free(real);
	}
	ch.workdir = workdir;
	if (git_diff_tree_to_workdir_with_index(&diff, repo, tree, &opts) < 0 ||
	    git_diff_foreach(diff, on_file, NULL, NULL, NULL, &ch) < 0) {
		const git_error *e = git_error_last();

		error = mlg_error_set("--changed-since: cannot diff against '%s': %s", rev,
				      e && e->message ? e->message : "unknown error");
		goto done;
	}
	old = old_suite(repo, tree, suite, workdir);
	for (size_t i = 0; i < suite->nchecks; i++) {
		const struct mlg_check *c = &suite->checks[i];
		char *file = mlg_check_path(c, "file"), *path = mlg_check_path(c, "path");

		selected[i] = !strcmp(c->kind->name, "infra.command") || declaration_changed(c, old) ||
			      (c->dataset && changed_path(&ch, c->dataset->abs_path)) ||
			      changed_path(&ch, file) || changed_path(&ch, path);
		free(file);
		free(path);
	}
done:
	mlg_suite_free(old);
	for (size_t i = 0; i < ch.count; i++)
		free(ch.paths[i]);
	free(ch.paths);
	free(workdir);
	git_diff_free(diff);
	git_tree_free(tree);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return error;
}
