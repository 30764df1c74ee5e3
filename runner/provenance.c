/*
 * Git provenance through libgit2: commit, branch and dirty state of the
 * repository holding the suite. Outside a repository nothing is recorded
 * and nothing fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "mlgate/engine.h"
#include "util.h"

/* CI systems check out a detached HEAD; their variables name the branch. */
static const char *branch_from_ci(void)
{
	static const char *const vars[] = {
		"GITHUB_HEAD_REF",   /* pull requests: the source branch */
		"GITHUB_REF_NAME",
		"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
		"CI_COMMIT_REF_NAME",
		"BRANCH_NAME",       /* Jenkins multibranch */
		"GIT_BRANCH",        /* Jenkins git plugin */
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return v;
	}
	return NULL;
}

static int status_cb(const char *path, unsigned int flags, void *payload)
{
	(void)path;
	if (flags & ~(unsigned int)(GIT_STATUS_IGNORED | GIT_STATUS_WT_NEW)) {
		*(int *)payload = 1;
		return 1; /* one change is enough: stop */
	}
	return 0;
}

void mlg_git_describe(struct mlg_git_info *info, const char *dir)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	git_status_options opts;
	const git_oid *oid;
	const char *ci_branch;

	memset(info, 0, sizeof(*info));
	git_libgit2_init();
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	if (git_repository_open_ext(&repo, dir, 0, NULL) < 0)
		goto done;
	info->found = 1;
	if (git_repository_head(&head, repo) == 0) {
		git_reference *resolved = NULL;

		if (git_reference_resolve(&resolved, head) == 0) {
			oid = git_reference_target(resolved);
			if (oid)
				git_oid_tostr(info->commit, sizeof(info->commit), oid);
			git_reference_free(resolved);
		}
		if (git_reference_is_branch(head))
			info->branch = mlg_xstrdup(git_reference_shorthand(head));
	}
	ci_branch = branch_from_ci();
	if (!info->branch && ci_branch)
		info->branch = mlg_xstrdup(ci_branch);
	if (!info->commit[0] && getenv("GITHUB_SHA"))
		snprintf(info->commit, sizeof(info->commit), "%s", getenv("GITHUB_SHA"));
	if (!git_repository_is_bare(repo)) {
		opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
		opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
		git_status_foreach_ext(repo, &opts, status_cb, &info->dirty);
	}
done:
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

void mlg_git_info_release(struct mlg_git_info *info)
{
	free(info->branch);
	info->branch = NULL;
}
