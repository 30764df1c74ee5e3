/*
 * The bytes of a dataset: a file mapped into memory, a gzip or zstd file
 * decompressed as it is read (found by its magic bytes, not its name), or a
 * blob read from the git object database at a revision, without a
 * checkout.
 *
 * While the bytes are read their SHA-256 is computed (of the stored bytes:
 * the compressed file, the blob), so provenance costs no second read.
 */
#ifndef MLGATE_SOURCE_H
#define MLGATE_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mlg_source_kind {
	MLG_SOURCE_FILE, /* mapped: mlg_source_data() */
	MLG_SOURCE_BLOB, /* git blob, in memory: mlg_source_data() */
	MLG_SOURCE_GZIP, /* streamed: mlg_source_read() */
	MLG_SOURCE_ZSTD  /* streamed: mlg_source_read() */
};

struct mlg_source;

struct mlg_source_options {
	unsigned int version;  /* MLG_SOURCE_OPTIONS_VERSION */
	const char *git_ref;   /* NULL: the file on disk; else a revision ("origin/main", a sha) */
	const char *repo_dir;  /* where to look for the repository (discovered upwards) */
	const char *shown;     /* the path as messages should name it */
	/* Since version 2. */
	int merge_base;        /* with git_ref: read at the merge base of HEAD and git_ref */
	char *commit;          /* NULL, or MLG_SOURCE_COMMIT_SIZE bytes: see mlg_source_open() */
};

#define MLG_SOURCE_OPTIONS_VERSION 2
#define MLG_SOURCE_OPTIONS_INIT { MLG_SOURCE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL }

/** Room for a commit id in hex and its NUL. */
#define MLG_SOURCE_COMMIT_SIZE 41

/**
 * Opens the dataset at `path` (absolute). With opts->git_ref the path is
 * looked up in that revision's tree of the repository that contains
 * `repo_dir`. On success *out belongs to the caller (mlg_source_free()).
 *
 * With opts->merge_base as well, the tree read is that of the merge base
 * of HEAD and git_ref: what a branch is compared against in review, which
 * commits added to git_ref after the branch was made do not move.
 * Messages then name the file "at <git_ref> (merge base <7 hex digits>)",
 * and failures to find the revision or the merge base end with a hint on
 * fetching history in CI (shallow or single-branch clones).
 *
 * When opts->commit is set, it receives the id of the commit whose tree
 * was searched as soon as the revision resolved to one, and "" until
 * then: after a failure, a non-empty id tells a path missing from that
 * commit (MLG_ENOTFOUND) from a repository or revision that is not there.
 *
 * Errors (message in mlg_error_last(), naming opts->shown):
 *  - MLG_ENOTFOUND: no such file, repository, revision, or path in the
 *    revision; with merge_base, HEAD and git_ref have no common commit (in
 *    the history there is: a shallow clone may cut it);
 *  - MLG_EINVALID: not a regular file (FIFO, device, directory), a Git LFS
 *    pointer instead of the data ("... is a Git LFS pointer ...; run `git
 *    lfs pull` ..."); corrupt compressed data shows on the first read;
 *  - MLG_ERROR: anything else.
 * Options of version 1 (without merge_base and commit) are accepted.
 */
int mlg_source_open(struct mlg_source **out, const char *path,
		    const struct mlg_source_options *opts);

enum mlg_source_kind mlg_source_kind(const struct mlg_source *src);

/**
 * For MLG_SOURCE_FILE and MLG_SOURCE_BLOB: all the bytes, valid until
 * mlg_source_free(). Returns 0, or -1 for streamed sources.
 */
int mlg_source_data(const struct mlg_source *src, const char **data, size_t *len);

/**
 * Reads up to `cap` decompressed bytes into `buf` (every kind supports
 * it). Returns the count, 0 at the end, or a negative code with the message
 * naming the file and the offset in the compressed stream ("corrupt gzip
 * data near byte N", "truncated zstd stream").
 */
ssize_t mlg_source_read(struct mlg_source *src, char *buf, size_t cap);

/** Bytes as stored (the file's size, the blob's size). */
uint64_t mlg_source_stored_bytes(const struct mlg_source *src);

/**
 * The SHA-256 (64 hex digits and a NUL) of the stored bytes, into hex.
 * For streamed sources it is complete once mlg_source_read() returned 0;
 * for mapped ones it is computed on first call. Returns 0, or -1 when not
 * yet known.
 */
int mlg_source_sha256(struct mlg_source *src, char hex[65]);

/** "file", "git blob", "gzip", "zstd". */
const char *mlg_source_kind_name(enum mlg_source_kind kind);

/** Unmaps, closes and frees; accepts NULL. */
void mlg_source_free(struct mlg_source *src);

#endif
