/*
 * The bytes of a dataset (see source.h): a regular file mapped into
 * memory, a gzip or zstd file inflated block by block as it is read, or a
 * blob from the git object database at a revision (itself possibly
 * compressed, then inflated from memory).
 *
 * The kind comes from the first bytes, never from the name: a "data.csv"
 * that is really gzip is read as gzip, and a "data.csv.gz" someone already
 * unpacked is read as it is.
 *
 * A source is used by one thread at a time; the SHA-256 of a mapped source
 * is computed and cached on the first mlg_source_sha256() call, so that
 * first call must not race with another on the same source.
 */
#define ZLIB_CONST /* next_in points into the mapping and blobs: read-only */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "digest.h"
#include "mlgate/error.h"
#include "mlgate/source.h"
#include "util.h"

/* Compressed input is read in blocks this big: large enough that read(2)
 * costs nothing next to inflating, small enough not to matter in memory. */
#define BLOCK_SIZE ((size_t)1 << 20)

/* One read() never asks the decompressors for more than this, so counts
 * fit zlib's uInt and ssize_t alike. */
#define MAX_READ ((size_t)1 << 30)

/* Git LFS pointers are small text files (the spec caps them at 1024 bytes). */
#define LFS_POINTER_MAX 1024
static const char lfs_version[] = "version https://git-lfs.github.com/spec/v1\n";

struct mlg_source {
	enum mlg_source_kind kind;
	char *shown;       /* how messages name the dataset */
	const char *at;    /* " at <ref>" for blobs, "" for files: messages */
	char *at_alloc;
	uint64_t stored;   /* bytes as stored */

	/* All the stored bytes when they are in memory: the mapping, the blob. */
	const unsigned char *mem;
	size_t mem_len;
	size_t mem_pos;    /* next byte read() copies, or streams feed in */
	void *map;         /* munmap(map, mem_len) */

	/* Streams: compressed bytes come from `fd` in blocks, or from `mem`. */
	int fd;
	unsigned char *block;
	const unsigned char *in; /* the current input window */
	size_t in_len, in_pos;
	uint64_t in_base;  /* offset of in[0] in the stored bytes */
	int in_eof;        /* no stored bytes after the window */
	int frame_done;    /* a gzip member or zstd frame ended at in_pos */
	int at_end;        /* read() returned 0 */
	int error;         /* a failed stream keeps failing, with the same message */
	char *error_message;
	z_stream zs;
	int zs_live;
	ZSTD_DStream *zds;
	EVP_MD_CTX *md;    /* streams read from a file hash as they read */

	int sha_known;
	char sha_hex[65];

	git_repository *repo;
	git_blob *blob;    /* mem points into it: freed last but the repository */
	int git_live;      /* git_libgit2_init() succeeded: shut down in free */
};

const char *mlg_source_kind_name(enum mlg_source_kind kind)
{
	switch (kind) {
	case MLG_SOURCE_FILE:
		return "file";
	case MLG_SOURCE_BLOB:
		return "git blob";
	case MLG_SOURCE_GZIP:
		return "gzip";
	case MLG_SOURCE_ZSTD:
		return "zstd";
	}
	return "unknown";
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static void to_hex(const unsigned char *md, unsigned int n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

/*
 * MLG_SOURCE_GZIP or MLG_SOURCE_ZSTD by the magic bytes, else
 * MLG_SOURCE_FILE. zstd skippable frames count as zstd: pzstd writes one
 * before the first real frame.
 */
static enum mlg_source_kind magic_kind(const unsigned char *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return MLG_SOURCE_GZIP;
	if (len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return MLG_SOURCE_ZSTD;
	if (len >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18)
		return MLG_SOURCE_ZSTD;
	return MLG_SOURCE_FILE;
}

/*
 * A repository cloned without `git lfs pull` has pointer files where the
 * data should be; checking their few lines of text as if they were the
 * dataset would fail in puzzling ways (or, worse, pass), so say what they are.
 */
static int refuse_lfs_pointer(const struct mlg_source *src)
{
	char text[LFS_POINTER_MAX + 1];
	const char *oid, *size;
	size_t oid_len, size_len = 0;

	if (src->mem_len >= LFS_POINTER_MAX || src->mem_len < sizeof(lfs_version) - 1 ||
	    memcmp(src->mem, lfs_version, sizeof(lfs_version) - 1))
		return 0;
	memcpy(text, src->mem, src->mem_len);
	text[src->mem_len] = '\0';
	oid = strstr(text, "\noid sha256:");
	if (!oid)
		return 0;
	oid += strlen("\noid sha256:");
	oid_len = strspn(oid, "0123456789abcdef");
	size = strstr(text, "\nsize ");
	if (size) {
		size += strlen("\nsize ");
		size_len = strspn(size, "0123456789");
	}
	return mlg_error_code(MLG_EINVALID,
			      "'%s'%s is a Git LFS pointer (oid sha256:%.*s%s, size %.*s), not the data: "
			      "fetch the LFS objects first (`git lfs pull`, or `lfs: true` in "
			      "actions/checkout)",
			      src->shown, src->at, (int)(oid_len > 12 ? 12 : oid_len), oid,
			      oid_len > 12 ? "…" : "", size_len ? (int)size_len : 7,
			      size_len ? size : "unknown");
}

/* Gets the decompressor ready; the stored bytes come from `fd` or `mem`. */
static int start_stream(struct mlg_source *src, enum mlg_source_kind kind)
{
	src->kind = kind;
	if (src->fd >= 0) {
		src->block = mlg_xmalloc(BLOCK_SIZE);
		src->md = EVP_MD_CTX_new();
		if (!src->md || !EVP_DigestInit_ex(src->md, EVP_sha256(), NULL))
			return mlg_error_set("'%s': cannot start SHA-256", src->shown);
	}
	if (kind == MLG_SOURCE_GZIP) {
		/* 16 + MAX_WBITS: gzip framing only; a zlib or raw stream is corrupt. */
		if (inflateInit2(&src->zs, 16 + MAX_WBITS) != Z_OK)
			return mlg_error_set("'%s': cannot start gzip decompression: out of memory",
					     src->shown);
		src->zs_live = 1;
		return 0;
	}
	src->zds = ZSTD_createDStream();
	if (!src->zds || ZSTD_isError(ZSTD_initDStream(src->zds)))
		return mlg_error_set("'%s': cannot start zstd decompression: out of memory", src->shown);
	return 0;
}

static const char *file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return " (a folder)";
	if (S_ISFIFO(mode))
		return " (a FIFO)";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return " (a device)";
	if (S_ISSOCK(mode))
		return " (a socket)";
	return "";
}

static int open_file(struct mlg_source *src, const char *path)
{
	unsigned char magic[4];
	struct stat st;
	ssize_t got;
	void *map;
	int flags;

	/*
	 * O_NONBLOCK: opening a FIFO without a writer would wait for one
	 * forever. Regular files ignore the flag; it is cleared below anyway.
	 */
	src->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (src->fd < 0) {
		int e = errno;

		return mlg_error_code(e == ENOENT || e == ENOTDIR ? MLG_ENOTFOUND : MLG_ERROR,
				      "cannot open '%s': %s", src->shown, strerror(e));
	}
	if (fstat(src->fd, &st) < 0)
		return mlg_error_set("cannot stat '%s': %s", src->shown, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mlg_error_code(MLG_EINVALID, "'%s' is not a regular file%s", src->shown,
				      file_type(st.st_mode));
	flags = fcntl(src->fd, F_GETFL);
	if (flags >= 0)
		fcntl(src->fd, F_SETFL, flags & ~O_NONBLOCK);
	src->stored = (uint64_t)st.st_size;

	do
		got = pread(src->fd, magic, sizeof(magic), 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return mlg_error_set("cannot read '%s': %s", src->shown, strerror(errno));
	if (magic_kind(magic, (size_t)got) != MLG_SOURCE_FILE)
		return start_stream(src, magic_kind(magic, (size_t)got));

	src->kind = MLG_SOURCE_FILE;
	if (st.st_size == 0) {
		/* mmap() refuses a length of 0; an empty dataset is still one. */
		src->mem = (const unsigned char *)"";
		return 0;
	}
	if ((uint64_t)st.st_size > SIZE_MAX)
		return mlg_error_set("cannot map '%s': too large for this machine", src->shown);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, src->fd, 0);
	if (map == MAP_FAILED)
		return mlg_error_set("cannot map '%s': %s", src->shown, strerror(errno));
	src->map = map;
	src->mem = map;
	src->mem_len = (size_t)st.st_size;
	/* Advice only: read-ahead for one pass, huge pages where the kernel can. */
	madvise(map, src->mem_len, MADV_SEQUENTIAL);
#ifdef MADV_HUGEPAGE
	madvise(map, src->mem_len, MADV_HUGEPAGE);
#endif
	/* The mapping outlives the descriptor; many open sources need no fds. */
	close(src->fd);
	src->fd = -1;
	return refuse_lfs_pointer(src);
}

/*
 * realpath() of the longest prefix of `path` that exists, with the rest
 * appended: a dataset read at a revision need not exist on disk any more,
 * but its folder's symbolic links (/tmp and /private/tmp) must still be
 * resolved the way git_repository_workdir()'s are. The caller frees it.
 */
static char *resolve_path(const char *path)
{
	char *prefix = mlg_xstrdup(path), *real, *out;
	size_t cut = strlen(path);

	while (!(real = realpath(*prefix ? prefix : "/", NULL))) {
		char *slash = strrchr(prefix, '/');

		if (!slash) {
			free(prefix);
			return mlg_xstrdup(path);
		}
		*slash = '\0';
		cut = (size_t)(slash - prefix);
	}
	out = mlg_xasprintf("%s%s", strcmp(real, "/") ? real : "", path + cut);
	free(real);
	free(prefix);
	return out;
}

/*
 * Where the repository is looked for by default: the nearest folder above
 * `path` that exists (at a revision, the dataset's own folder may not).
 */
static char *existing_parent(const char *path)
{
	char *dir = mlg_xstrdup(path);
	struct stat st;
	char *slash;

	while ((slash = strrchr(dir, '/'))) {
		if (slash == dir) {
			dir[1] = '\0';
			return dir;
		}
		*slash = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return dir;
	}
	free(dir);
	return mlg_xstrdup(".");
}

/*
 * How to get a revision a CI clone lacks, for messages: clones there are
 * shallow (GitHub's actions/checkout fetches one commit) or hold a single
 * branch. Allocated; starts with "; ".
 */
static char *fetch_hint(git_repository *repo, const char *ref)
{
	const char *short_ref = !strncmp(ref, "refs/remotes/", 13) ? ref + 13 : ref;
	const char *slash = strchr(short_ref, '/');
	size_t hex = strspn(ref, "0123456789abcdef");
	git_remote *remote = NULL;
	char *name = NULL, *fetch;
	int is_remote = 0;

	if (slash) {
		name = mlg_xstrndup(short_ref, (size_t)(slash - short_ref));
		/* "origin" is a remote even where the clone has not named it yet */
		is_remote = short_ref != ref || !strcmp(name, "origin") ||
			    git_remote_lookup(&remote, repo, name) == 0;
		git_remote_free(remote);
	}
	if (is_remote)
		fetch = mlg_xasprintf("git fetch %s %s", name, slash + 1);
	else if (hex >= 7 && hex <= 40 && !ref[hex])
		fetch = mlg_xasprintf("git fetch origin %s", ref);
	else
		fetch = mlg_xasprintf("git fetch origin %s:%s", ref, ref);
	free(name);
	git_error_clear();
	name = mlg_xasprintf("; CI clones are often shallow or hold one branch: fetch the history "
			     "(`fetch-depth: 0` in actions/checkout on GitHub Actions, `GIT_DEPTH: 0` "
			     "on GitLab CI) or run `%s` first",
			     fetch);
	free(fetch);
	return name;
}

/*
 * The merge base of HEAD and `target` (the commit git_ref names), into
 * *base: the commit a branch forked from, so that commits added to the
 * target since then do not count as the branch's doing.
 */
static int find_merge_base(git_repository *repo, const git_commit *target, const char *ref,
			   git_commit **base)
{
	git_object *head = NULL;
	git_commit *head_commit = NULL;
	git_oid oid;
	char *msg = NULL, *hint = NULL;
	int rc, error = 0;

	if (git_repository_head_unborn(repo) == 1)
		return mlg_error_code(MLG_ENOTFOUND,
				      "HEAD has no commit yet: there is nothing to compare with git_ref '%s'",
				      ref);
	if (git_revparse_single(&head, repo, "HEAD") < 0 ||
	    git_object_peel((git_object **)&head_commit, head, GIT_OBJECT_COMMIT) < 0) {
		error = mlg_error_set("cannot resolve HEAD: %s", git_message());
		goto done;
	}
	rc = git_merge_base(&oid, repo, git_commit_id(head_commit), git_commit_id(target));
	if (rc < 0) {
		int shallow = git_repository_is_shallow(repo) == 1;

		if (rc == GIT_ENOTFOUND && !shallow) {
			error = mlg_error_code(MLG_ENOTFOUND,
					       "HEAD and git_ref '%s' have no commit in common (unrelated histories)",
					       ref);
			goto done;
		}
		msg = mlg_xstrdup(git_message());
		hint = fetch_hint(repo, ref);
		if (shallow)
			error = mlg_error_code(MLG_ENOTFOUND,
					       "cannot find the merge base of HEAD and git_ref '%s': this clone "
					       "is shallow and its history stops before it (%s)%s",
					       ref, msg, hint);
		else
			error = mlg_error_set("cannot find the merge base of HEAD and git_ref '%s': %s%s",
					      ref, msg, hint);
		goto done;
	}
	if (git_commit_lookup(base, repo, &oid) < 0)
		error = mlg_error_set("cannot read the merge base of HEAD and git_ref '%s': %s", ref,
				      git_message());
done:
	free(msg);
	free(hint);
	git_commit_free(head_commit);
	git_object_free(head);
	return error;
}

/*
 * libgit2 keeps an error state per thread, freed when the thread ends, or
 * by the last git_libgit2_shutdown() for the calling thread only: a check
 * thread reading a blob would leak its own if another thread freed the
 * last source first. So libgit2 stays up from the first blob to exit, and
 * the engine's threads end (and free their state) before it goes down.
 */
static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_release(void)
{
	git_libgit2_shutdown();
}

static void git_hold(void)
{
	if (git_libgit2_init() > 0)
		atexit(git_release);
}

static int open_blob(struct mlg_source *src, const char *path, const struct mlg_source_options *opts,
		     int merge_base, char *commit_out)
{
	const char *ref = opts->git_ref, *rel;
	char *dir = opts->repo_dir ? mlg_xstrdup(opts->repo_dir) : existing_parent(path);
	char *workdir = NULL, *real = NULL;
	git_object *obj = NULL;
	git_commit *target = NULL, *base = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	size_t wlen;
	int rc, error = 0;

	if (commit_out)
		commit_out[0] = '\0';
	src->at = src->at_alloc = mlg_xasprintf(" at %s", ref);
	pthread_once(&git_once, git_hold);
	if (git_libgit2_init() < 0) {
		error = mlg_error_set("cannot start libgit2: %s", git_message());
		goto done;
	}
	src->git_live = 1;
	rc = git_repository_open_ext(&src->repo, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		error = mlg_error_code(MLG_ENOTFOUND, "'%s' is not in a git repository (needed for git_ref '%s')",
				       dir, ref);
		goto done;
	}
	if (rc < 0) {
		error = mlg_error_set("cannot open the git repository of '%s': %s", dir, git_message());
		goto done;
	}
	if (!git_repository_workdir(src->repo)) {
		error = mlg_error_code(MLG_EINVALID,
				       "the git repository of '%s' is bare: '%s' has no place in it",
				       dir, src->shown);
		goto done;
	}

	/* Tree paths are relative to the working tree; compare real paths. */
	workdir = resolve_path(git_repository_workdir(src->repo));
	wlen = strlen(workdir);
	if (wlen && workdir[wlen - 1] == '/')
		workdir[--wlen] = '\0';
	real = resolve_path(path);
	if (strncmp(real, workdir, wlen) || real[wlen] != '/') {
		error = mlg_error_code(MLG_EINVALID, "'%s' is outside the git repository at '%s'",
				       src->shown, workdir);
		goto done;
	}
	rel = real + wlen + 1;

	if (git_revparse_single(&obj, src->repo, ref) < 0) {
		char *msg = mlg_xstrdup(git_message());
		char *hint = merge_base ? fetch_hint(src->repo, ref) : mlg_xstrdup("");

		error = mlg_error_code(MLG_ENOTFOUND, "git_ref '%s': unknown revision (%s)%s", ref, msg,
				       hint);
		free(hint);
		free(msg);
		goto done;
	}
	if (merge_base) {
		char hex[MLG_SOURCE_COMMIT_SIZE];

		if (git_object_peel((git_object **)&target, obj, GIT_OBJECT_COMMIT) < 0) {
			error = mlg_error_code(MLG_EINVALID, "git_ref '%s' names no commit (%s)", ref,
					       git_message());
			goto done;
		}
		if ((error = find_merge_base(src->repo, target, ref, &base)) < 0)
			goto done;
		git_oid_tostr(hex, sizeof(hex), git_commit_id(base));
		free(src->at_alloc);
		src->at = src->at_alloc = mlg_xasprintf(" at %s (merge base %.7s)", ref, hex);
		if (git_commit_tree(&tree, base) < 0) {
			error = mlg_error_set("cannot read the tree of %s%s: %s", hex, src->at,
					      git_message());
			goto done;
		}
		if (commit_out)
			memcpy(commit_out, hex, sizeof(hex));
	} else {
		if (git_object_peel((git_object **)&tree, obj, GIT_OBJECT_TREE) < 0) {
			error = mlg_error_code(MLG_EINVALID, "git_ref '%s' names no commit or tree (%s)",
					       ref, git_message());
			goto done;
		}
		if (commit_out && git_object_peel((git_object **)&target, obj, GIT_OBJECT_COMMIT) == 0)
			git_oid_tostr(commit_out, MLG_SOURCE_COMMIT_SIZE, git_commit_id(target));
		git_error_clear();
	}
	if (!*rel) {
		error = mlg_error_code(MLG_EINVALID, "'%s' is a folder%s", src->shown, src->at);
		goto done;
	}
	rc = git_tree_entry_bypath(&entry, tree, rel);
	if (rc == GIT_ENOTFOUND) {
		error = mlg_error_code(MLG_ENOTFOUND, "'%s' does not exist%s", src->shown, src->at);
		goto done;
	}
	if (rc < 0) {
		error = mlg_error_set("cannot look up '%s'%s: %s", src->shown, src->at, git_message());
		goto done;
	}
	switch (git_tree_entry_type(entry)) {
	case GIT_OBJECT_BLOB:
		break;
	case GIT_OBJECT_TREE:
		error = mlg_error_code(MLG_EINVALID, "'%s' is a folder%s", src->shown, src->at);
		goto done;
	case GIT_OBJECT_COMMIT:
		error = mlg_error_code(MLG_EINVALID, "'%s' is a submodule%s", src->shown, src->at);
		goto done;
	default:
		error = mlg_error_code(MLG_EINVALID, "'%s' is not a file%s", src->shown, src->at);
		goto done;
	}
	/* A link's blob is its target's name, which is not the data. */
	if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
		error = mlg_error_code(MLG_EINVALID,
				       "'%s' is a symbolic link%s: name the file it points to",
				       src->shown, src->at);
		goto done;
	}
	if (git_blob_lookup(&src->blob, src->repo, git_tree_entry_id(entry)) < 0) {
		error = mlg_error_set("cannot read '%s'%s: %s", src->shown, src->at, git_message());
		goto done;
	}
	src->stored = (uint64_t)git_blob_rawsize(src->blob);
	if (src->stored > SIZE_MAX) {
		error = mlg_error_set("cannot read '%s'%s: too large for this machine", src->shown,
				      src->at);
		goto done;
	}
	src->mem = git_blob_rawcontent(src->blob);
	src->mem_len = (size_t)src->stored;
	if (!src->mem)
		src->mem = (const unsigned char *)"";
	if ((error = refuse_lfs_pointer(src)) < 0)
		goto done;
	src->kind = magic_kind(src->mem, src->mem_len);
	if (src->kind != MLG_SOURCE_FILE)
		error = start_stream(src, src->kind);
	else
		src->kind = MLG_SOURCE_BLOB;
done:
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(base);
	git_commit_free(target);
	git_object_free(obj);
	free(real);
	free(workdir);
	free(dir);
	return error;
}

int mlg_source_open(struct mlg_source **out, const char *path, const struct mlg_source_options *opts)
{
	static const struct mlg_source_options defaults = MLG_SOURCE_OPTIONS_INIT;
	struct mlg_source *src;
	char *commit = NULL;
	int error, merge_base = 0;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	/* Version 1 callers' struct ends before merge_base: do not read past it. */
	if (opts->version != 1 && opts->version != MLG_SOURCE_OPTIONS_VERSION)
		return mlg_error_code(MLG_EINVALID, "mlg_source_open: unsupported options version %u",
				      opts->version);
	if (opts->version >= 2) {
		merge_base = opts->merge_base;
		commit = opts->commit;
		if (commit)
			commit[0] = '\0';
	}
	if (!path || !*path)
		return mlg_error_code(MLG_EINVALID, "mlg_source_open: no path");
	if (merge_base && !opts->git_ref)
		return mlg_error_code(MLG_EINVALID, "mlg_source_open: merge_base without git_ref");
	src = mlg_xcalloc(1, sizeof(*src));
	src->fd = -1;
	src->at = "";
	src->shown = mlg_xstrdup(opts->shown ? opts->shown : path);
	error = opts->git_ref ? open_blob(src, path, opts, merge_base, commit) : open_file(src, path);
	if (error < 0) {
		mlg_source_free(src);
		return error;
	}
	*out = src;
	return 0;
}

enum mlg_source_kind mlg_source_kind(const struct mlg_source *src)
{
	return src->kind;
}

int mlg_source_data(const struct mlg_source *src, const char **data, size_t *len)
{
	if (src->kind != MLG_SOURCE_FILE && src->kind != MLG_SOURCE_BLOB) {
		*data = NULL;
		*len = 0;
		return -1;
	}
	*data = (const char *)src->mem;
	*len = src->mem_len;
	return 0;
}

uint64_t mlg_source_stored_bytes(const struct mlg_source *src)
{
	return src->stored;
}

/*
 * Makes the next block of stored bytes the input window: from the file
 * (hashed on the way), or the next slice of memory. At the end the window
 * is empty and in_eof set.
 */
static int fill_input(struct mlg_source *src)
{
	ssize_t got;

	src->in_base += src->in_len;
	src->in_len = src->in_pos = 0;
	if (src->fd < 0) {
		size_t n = src->mem_len - src->mem_pos;

		if (n > BLOCK_SIZE)
			n = BLOCK_SIZE;
		src->in = src->mem + src->mem_pos;
		src->in_len = n;
		src->mem_pos += n;
		src->in_eof = !n;
		return 0;
	}
	do
		got = read(src->fd, src->block, BLOCK_SIZE);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return mlg_error_set("cannot read '%s': %s", src->shown, strerror(errno));
	EVP_DigestUpdate(src->md, src->block, (size_t)got);
	src->in = src->block;
	src->in_len = (size_t)got;
	src->in_eof = !got;
	return 0;
}

/*
 * Inflates into buf[*produced..cap). Gzip files may hold several members
 * one after the other (`gzip -c a >f; gzip -c b >>f`); gunzip outputs them
 * all, and so does this.
 */
static int gzip_read(struct mlg_source *src, char *buf, size_t cap, size_t *produced)
{
	int ret, error;

	while (*produced < cap) {
		if (src->in_pos == src->in_len && !src->in_eof && (error = fill_input(src)) < 0)
			return error;
		if (src->frame_done) {
			if (src->in_pos == src->in_len) { /* in_eof: fill_input found nothing */
				src->at_end = 1;
				return 0;
			}
			inflateReset(&src->zs);
			src->frame_done = 0;
		}
		src->zs.next_in = src->in + src->in_pos;
		src->zs.avail_in = (uInt)(src->in_len - src->in_pos);
		src->zs.next_out = (Bytef *)buf + *produced;
		src->zs.avail_out = (uInt)(cap - *produced);
		ret = inflate(&src->zs, Z_NO_FLUSH);
		src->in_pos = src->in_len - src->zs.avail_in;
		*produced = cap - src->zs.avail_out;
		switch (ret) {
		case Z_OK:
			break;
		case Z_STREAM_END:
			src->frame_done = 1;
			break;
		case Z_BUF_ERROR: /* no progress: it needs input there is none of */
			if (src->in_eof)
				return mlg_error_code(MLG_EINVALID, "'%s'%s: truncated gzip stream",
						      src->shown, src->at);
			break;
		case Z_MEM_ERROR:
			return mlg_error_set("'%s'%s: out of memory inflating gzip data", src->shown,
					     src->at);
		default: /* Z_DATA_ERROR, or Z_NEED_DICT which gzip never asks for */
			return mlg_error_code(MLG_EINVALID, "'%s'%s: corrupt gzip data near byte %llu (%s)",
					      src->shown, src->at,
					      (unsigned long long)(src->in_base + src->in_pos),
					      src->zs.msg ? src->zs.msg : "bad data");
		}
	}
	return 0;
}

/* Decompresses into buf[*produced..cap); any number of zstd frames. */
static int zstd_read(struct mlg_source *src, char *buf, size_t cap, size_t *produced)
{
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t ret;
	int error;

	while (*produced < cap) {
		if (src->in_pos == src->in_len && !src->in_eof && (error = fill_input(src)) < 0)
			return error;
		if (src->frame_done && src->in_pos == src->in_len) {
			src->at_end = 1;
			return 0;
		}
		in.src = src->in;
		in.size = src->in_len;
		in.pos = src->in_pos;
		out.dst = buf;
		out.size = cap;
		out.pos = *produced;
		ret = ZSTD_decompressStream(src->zds, &out, &in);
		src->in_pos = in.pos;
		if (ZSTD_isError(ret)) {
			if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
				return mlg_error_code(MLG_EINVALID,
						      "'%s'%s: the zstd frame near byte %llu needs a window "
						      "over 128 MiB (made with --long?); recompress without it",
						      src->shown, src->at,
						      (unsigned long long)(src->in_base + src->in_pos));
			return mlg_error_code(MLG_EINVALID, "'%s'%s: corrupt zstd data near byte %llu (%s)",
					      src->shown, src->at,
					      (unsigned long long)(src->in_base + src->in_pos),
					      ZSTD_getErrorName(ret));
		}
		src->frame_done = ret == 0;
		if (!src->frame_done && src->in_eof && out.pos == *produced)
			return mlg_error_code(MLG_EINVALID, "'%s'%s: truncated zstd stream", src->shown,
					      src->at);
		*produced = out.pos;
	}
	return 0;
}

ssize_t mlg_source_read(struct mlg_source *src, char *buf, size_t cap)
{
	size_t produced = 0;
	int error;

	if (cap > MAX_READ)
		cap = MAX_READ;
	if (src->kind == MLG_SOURCE_FILE || src->kind == MLG_SOURCE_BLOB) {
		size_t n = src->mem_len - src->mem_pos;

		if (n > cap)
			n = cap;
		memcpy(buf, src->mem + src->mem_pos, n);
		src->mem_pos += n;
		return (ssize_t)n;
	}
	if (src->error)
		return mlg_error_code(src->error, "%s", src->error_message);
	if (src->at_end || !cap)
		return 0;
	if (src->kind == MLG_SOURCE_GZIP)
		error = gzip_read(src, buf, cap, &produced);
	else
		error = zstd_read(src, buf, cap, &produced);
	if (error < 0) {
		/* The bytes before the fault are good: hand them over, fail next time. */
		src->error = error;
		src->error_message = mlg_xstrdup(mlg_error_last());
		return produced ? (ssize_t)produced : error;
	}
	if (src->at_end && src->md) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;

		EVP_DigestFinal_ex(src->md, md, &n);
		to_hex(md, n, src->sha_hex);
		src->sha_known = 1;
		/* The file may have grown since fstat(); these are the bytes read. */
		src->stored = src->in_base + src->in_len;
	}
	return (ssize_t)produced;
}

int mlg_source_sha256(struct mlg_source *src, char hex[65])
{
	if (!src->sha_known) {
		if (src->md) {
			/* Streamed from a file: known once read() reached the end. */
			hex[0] = '\0';
			return -1;
		}
		mlg_sha256_hex(src->mem, src->mem_len, src->sha_hex);
		src->sha_known = 1;
	}
	memcpy(hex, src->sha_hex, sizeof(src->sha_hex));
	return 0;
}

void mlg_source_free(struct mlg_source *src)
{
	if (!src)
		return;
	if (src->zs_live)
		inflateEnd(&src->zs);
	ZSTD_freeDStream(src->zds);
	EVP_MD_CTX_free(src->md);
	if (src->map)
		munmap(src->map, src->mem_len);
	if (src->fd >= 0)
		close(src->fd);
	git_blob_free(src->blob);
	git_repository_free(src->repo);
	if (src->git_live)
		git_libgit2_shutdown();
	free(src->block);
	free(src->error_message);
	free(src->at_alloc);
	free(src->shown);
	free(src);
}
