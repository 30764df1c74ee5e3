/*
 * infra.reproducible: runs a command several times, each from a clean
 * start, and compares what it wrote: files byte for byte (SHA-256), JSON
 * files value by value with a tolerance for numbers. The first run is the
 * reference; every other run is compared with it.
 *
 * Isolation. "clean" deletes the declared outputs in the working
 * directory before each run, so a run cannot pass by leaving the previous
 * run's file in place; the last run's outputs stay, as after an ordinary
 * run. "copy" runs each time in a fresh copy of the working directory
 * (without .git and without the declared outputs) in a scratch folder
 * that is removed afterwards, for commands that also touch other files.
 * Each run's outputs are hashed (and JSON ones read) right after it, so
 * nothing needs to be kept on disk between runs.
 *
 * A declared output a run did not write fails the check (the command did
 * not produce what it promised); a run that cannot start, exits non-zero,
 * crashes or times out is an error naming the run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cancel.h"
#include "digest.h"
#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/jsonpath.h"
#include "mlgate/proc.h"
#include "mlgate/runcmd.h"
#include "mlgate/suite.h"
#include "util.h"

static const struct mlg_param params[] = {
	MLG_RUNCMD_PARAMS,
	{ "outputs", MLG_PARAM_STRINGS, 1, NULL,
	  "files or folders the command writes, relative to the working directory; folders are compared file by file" },
	{ "runs", MLG_PARAM_INTEGER, 0, "2", "how many times to run the command, 2 to 10; the first run is the reference" },
	{ "isolation", MLG_PARAM_STRING, 0, "\"clean\"",
	  "clean (delete the outputs before each run) or copy (run each time in a fresh copy of the working directory, without .git)" },
	{ "compare", MLG_PARAM_OBJECT, 0, NULL,
	  "how an output (or the files under a folder) is compared: \"sha256\" (the default: byte-identical), or "
	  "{\"json\": {\"tolerance\": 1e-6, \"relative_tolerance\": 1e-9, \"ignore\": [\"timing\"]}} (value by value, "
	  "numbers within tolerance, ignored paths skipped; \"json\" alone: exact values)" },
	{ "tail_lines", MLG_PARAM_INTEGER, 0, "20", "lines of stdout and stderr kept in the report when a run fails" },
	{ NULL, 0, 0, NULL, NULL }
};

#define MIN_RUNS 2
#define MAX_RUNS 10
/* Entries of observed.outputs / observed.differing and lines of details. */
#define MAX_LISTED 100
#define SHA_SHOWN 12

/* How the files at or under `path` are compared. */
struct rule {
	char *path;   /* normalised */
	int json;
	double tolerance, relative;
	const char **ignore; /* borrowed from the suite */
	size_t nignore;
};

/* The parameters, read once for validate() (problems reported) and again for run(). */
struct spec {
	const struct mlg_check *check;
	struct mlg_diag *diag; /* NULL: count problems only */
	int problems;
	char **outputs;        /* normalised */
	size_t noutputs;
	struct rule *rules;
	size_t nrules;
	int runs;
	int copy;
};

static void problem(struct spec *s, const char *param, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void problem(struct spec *s, const char *param, const char *sub, const char *fmt, ...)
{
	struct mlg_strbuf msg = MLG_STRBUF_INIT;
	va_list ap;

	s->problems++;
	if (!s->diag)
		return;
	va_start(ap, fmt);
	mlg_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	mlg_diag_check_at(s->diag, s->check, param, sub, "%s", msg.buf);
	mlg_strbuf_release(&msg);
}

/*
 * A path relative to the working directory in one spelling: "./" and
 * repeated or trailing slashes dropped. NULL with *why set when it is
 * absolute, empty, the folder itself or climbs out with "..".
 */
static char *normalise(const char *in, const char **why)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	const char *p = in;

	if (*in == '/') {
		*why = "expected a path relative to the working directory, found an absolute one";
		return NULL;
	}
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && !strncmp(p, "..", 2)) {
			*why = "expected a path inside the working directory, found '..' in it";
			mlg_strbuf_release(&sb);
			return NULL;
		}
		if (len && !(len == 1 && *p == '.')) {
			if (sb.len)
				mlg_strbuf_addch(&sb, '/');
			mlg_strbuf_add(&sb, p, len);
		}
		p += len;
		while (*p == '/')
			p++;
	}
	if (!sb.len) {
		*why = "expected a file or folder inside the working directory, found the directory itself";
		return NULL;
	}
	return mlg_strbuf_detach(&sb);
}

/* 1 when `path` is `dir` or lies under it. */
static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/*
 * The rest of a JSON path after the parameter for mlg_diag_check_at():
 * ".key" or "[\"odd key\"]" (the leading '$' keeps mlg_jsonpath_member()
 * from dropping the dot; it is skipped with sb->buf + 1).
 */
static void member_sub(struct mlg_strbuf *sb, const char *key)
{
	mlg_strbuf_reset(sb);
	mlg_strbuf_addch(sb, '$');
	mlg_jsonpath_member(sb, key, strlen(key));
}

static void index_sub(struct mlg_strbuf *sb, size_t i, int list)
{
	mlg_strbuf_reset(sb);
	if (list)
		mlg_jsonpath_index(sb, i);
}

static void parse_outputs(struct spec *s)
{
	const cJSON *v = mlg_check_param(s->check, "outputs"), *it;
	int list = cJSON_IsArray(v);
	struct mlg_strbuf sub = MLG_STRBUF_INIT;
	size_t i = 0;

	s->outputs = mlg_xcalloc((size_t)(list ? cJSON_GetArraySize(v) : 1) + 1, sizeof(char *));
	for (it = list ? v->child : v; it; it = list ? it->next : NULL, i++) {
		const char *why = NULL;
		char *norm;

		if (!cJSON_IsString(it))
			continue;
		index_sub(&sub, i, list);
		norm = normalise(it->valuestring, &why);
		if (!norm) {
			problem(s, "outputs", sub.buf, "%s: '%s'", why, it->valuestring);
			continue;
		}
		for (size_t j = 0; j < s->noutputs && norm; j++) {
			if (!strcmp(norm, s->outputs[j]))
				problem(s, "outputs", sub.buf, "'%s' is listed twice", norm);
			else if (under(norm, s->outputs[j]) || under(s->outputs[j], norm))
				problem(s, "outputs", sub.buf, "'%s' and '%s' overlap: list the folder only",
					norm, s->outputs[j]);
			else
				continue;
			free(norm);
			norm = NULL;
		}
		if (norm)
			s->outputs[s->noutputs++] = norm;
	}
	mlg_strbuf_release(&sub);
}

static const char *const json_keys[] = { "tolerance", "relative_tolerance", "ignore" };

/* The path below "compare" of key's "json" object, or of one of its members. */
static const char *json_sub(struct mlg_strbuf *sb, const char *key, const char *member)
{
	member_sub(sb, key);
	mlg_strbuf_addstr(sb, ".json");
	if (member)
		mlg_jsonpath_member(sb, member, strlen(member));
	return sb->buf + 1;
}

/* A tolerance: a number of at least 0. */
static void parse_tolerance(struct spec *s, const cJSON *obj, const char *key, const char *name, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	struct mlg_strbuf sub = MLG_STRBUF_INIT;

	if (it && (!cJSON_IsNumber(it) || !(it->valuedouble >= 0)))
		problem(s, "compare", json_sub(&sub, key, name), "expected a number of at least 0, found %s",
			cJSON_IsNumber(it) ? "a negative number" : mlg_json_describe(it));
	else if (it)
		*out = it->valuedouble;
	mlg_strbuf_release(&sub);
}

/* {"json": {...}}: the tolerances and ignored paths of one rule. */
static void parse_json_rule(struct spec *s, struct rule *r, const cJSON *obj, const char *key)
{
	struct mlg_strbuf sub = MLG_STRBUF_INIT;
	const cJSON *it, *ign;

	if (!cJSON_IsObject(obj)) {
		problem(s, "compare", json_sub(&sub, key, NULL),
			"expected an object such as {\"tolerance\": 1e-6}, found %s", mlg_json_describe(obj));
		goto done;
	}
	cJSON_ArrayForEach(it, obj) {
		size_t k;

		for (k = 0; k < sizeof(json_keys) / sizeof(json_keys[0]); k++)
			if (!strcmp(it->string, json_keys[k]))
				break;
		if (k == sizeof(json_keys) / sizeof(json_keys[0]))
			problem(s, "compare", json_sub(&sub, key, it->string),
				"unknown key '%s' (expected tolerance, relative_tolerance or ignore)", it->string);
	}
	parse_tolerance(s, obj, key, "tolerance", &r->tolerance);
	parse_tolerance(s, obj, key, "relative_tolerance", &r->relative);
	ign = cJSON_GetObjectItemCaseSensitive(obj, "ignore");
	if (!ign)
		goto done;
	json_sub(&sub, key, "ignore");
	if (cJSON_IsString(ign)) {
		r->ignore = mlg_xcalloc(1, sizeof(char *));
		r->ignore[r->nignore++] = ign->valuestring;
	} else if (cJSON_IsArray(ign)) {
		r->ignore = mlg_xcalloc((size_t)cJSON_GetArraySize(ign) + 1, sizeof(char *));
		cJSON_ArrayForEach(it, ign)
			if (cJSON_IsString(it))
				r->ignore[r->nignore++] = it->valuestring;
			else
				problem(s, "compare", sub.buf + 1, "expected a list of JSON paths, found %s in it",
					mlg_json_describe(it));
	} else {
		problem(s, "compare", sub.buf + 1,
			"expected a JSON path such as \"timing.seconds\" or a list of them, found %s",
			mlg_json_describe(ign));
	}
	for (size_t i = 0; i < r->nignore; i++)
		if (!mlg_json_path_valid(r->ignore[i]))
			problem(s, "compare", sub.buf + 1,
				"'%s' is not a JSON path: expected keys and [indexes] such as test.auc or slices[2].f1",
				r->ignore[i]);
done:
	mlg_strbuf_release(&sub);
}

static void parse_compare(struct spec *s)
{
	const cJSON *v = mlg_check_param(s->check, "compare"), *it;
	struct mlg_strbuf sub = MLG_STRBUF_INIT;

	s->rules = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*s->rules));
	cJSON_ArrayForEach(it, v) {
		struct rule *r = &s->rules[s->nrules];
		const char *why = NULL;
		size_t o;

		member_sub(&sub, it->string);
		memset(r, 0, sizeof(*r));
		r->path = normalise(it->string, &why);
		if (!r->path) {
			problem(s, "compare", sub.buf + 1, "%s: '%s'", why, it->string);
			continue;
		}
		for (o = 0; o < s->noutputs && !under(r->path, s->outputs[o]); o++)
			;
		if (o == s->noutputs && s->noutputs) {
			struct mlg_strbuf list = MLG_STRBUF_INIT;

			for (o = 0; o < s->noutputs; o++)
				mlg_strbuf_addf(&list, "%s'%s'", o ? ", " : "", s->outputs[o]);
			problem(s, "compare", sub.buf + 1, "'%s' is not one of the outputs nor inside one (outputs: %s)",
				r->path, list.buf);
			mlg_strbuf_release(&list);
		}
		for (size_t j = 0; j < s->nrules; j++)
			if (!strcmp(s->rules[j].path, r->path))
				problem(s, "compare", sub.buf + 1, "'%s' is given twice", r->path);
		if (cJSON_IsString(it) && !strcmp(it->valuestring, "json")) {
			r->json = 1;
		} else if (cJSON_IsObject(it) && cJSON_GetArraySize(it) == 1 &&
			   cJSON_GetObjectItemCaseSensitive(it, "json")) {
			r->json = 1;
			parse_json_rule(s, r, cJSON_GetObjectItemCaseSensitive(it, "json"), it->string);
		} else if (!cJSON_IsString(it) || strcmp(it->valuestring, "sha256")) {
			if (cJSON_IsString(it))
				problem(s, "compare", sub.buf + 1,
					"expected \"sha256\", \"json\" or {\"json\": {\"tolerance\": ...}}, found \"%s\"",
					it->valuestring);
			else
				problem(s, "compare", sub.buf + 1,
					"expected \"sha256\", \"json\" or {\"json\": {\"tolerance\": ...}}, found %s",
					mlg_json_describe(it));
		}
		s->nrules++;
	}
	mlg_strbuf_release(&sub);
}

static void spec_release(struct spec *s)
{
	for (size_t i = 0; i < s->noutputs; i++)
		free(s->outputs[i]);
	free(s->outputs);
	for (size_t i = 0; i < s->nrules; i++) {
		free(s->rules[i].path);
		free(s->rules[i].ignore);
	}
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

/* Reads the parameters into *s (release with spec_release()); problems go to diag when given. */
static void spec_read(struct spec *s, const struct mlg_check *check, struct mlg_diag *diag)
{
	const char *iso = mlg_check_string(check, "isolation");
	double runs = MIN_RUNS;

	memset(s, 0, sizeof(*s));
	s->check = check;
	s->diag = diag;
	if (mlg_check_number(check, "runs", &runs) && (runs < MIN_RUNS || runs > MAX_RUNS))
		problem(s, "runs", NULL, "expected %d to %d runs, found %g", MIN_RUNS, MAX_RUNS, runs);
	s->runs = (int)runs;
	if (iso && strcmp(iso, "clean") && strcmp(iso, "copy"))
		problem(s, "isolation", NULL, "expected \"clean\" or \"copy\", found \"%s\"", iso);
	s->copy = iso && !strcmp(iso, "copy");
	parse_outputs(s);
	parse_compare(s);
}

static void validate(const struct mlg_check *check, struct mlg_diag *diag)
{
	struct spec s;

	mlg_runcmd_validate(check, diag);
	spec_read(&s, check, diag);
	spec_release(&s);
}

/* The rule of a file: the most specific one naming it or a folder above it, or NULL. */
static const struct rule *rule_for(const struct spec *s, const char *path)
{
	const struct rule *best = NULL;

	for (size_t i = 0; i < s->nrules; i++)
		if (under(path, s->rules[i].path) &&
		    (!best || strlen(s->rules[i].path) > strlen(best->path)))
			best = &s->rules[i];
	return best;
}

/* ---- files ---- */

enum entry_kind { ENTRY_FILE, ENTRY_LINK };

/* One file a run wrote. */
struct entry {
	char *path;            /* relative to the working directory */
	enum entry_kind kind;
	char sha[65];          /* ENTRY_FILE */
	uint64_t bytes;
	char *target;          /* ENTRY_LINK: what it points to */
	char *text;            /* files compared as JSON: the content */
	size_t len;
	cJSON *doc;            /* the reference run's parsed text, once needed */
};

/* What one run wrote. */
struct snapshot {
	struct entry *e;
	size_t n, alloc;
	int *missing;          /* per declared output: 1 when the run did not write it */
};

static void snapshot_release(struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n; i++) {
		free(snap->e[i].path);
		free(snap->e[i].target);
		free(snap->e[i].text);
		cJSON_Delete(snap->e[i].doc);
	}
	free(snap->e);
	free(snap->missing);
	memset(snap, 0, sizeof(*snap));
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* A failure while handling files; *error gets the message (allocated). */
static int fs_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fs_error(char **error, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(*error);
	*error = mlg_strbuf_detach(&sb);
	return -1;
}

/* Sorted names of a folder's entries but "." and ".."; *out allocated (each name too). */
static int list_dir(int fd, char ***out, size_t *n)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		close(fd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		MLG_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = mlg_xstrdup(de->d_name);
	}
	closedir(d);
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Records the file or folder `rel` under `root` into snap, folders file
 * by file. The declared output itself is followed when it is a symbolic
 * link; links inside folders are recorded by their target.
 */
static int snap_walk(struct snapshot *snap, const struct spec *s, const char *root, const char *rel,
		     int top, int *absent, char **error)
{
	char *abs = mlg_xasprintf("%s/%s", root, rel);
	struct stat st;
	int ret = 0;

	if ((top ? stat(abs, &st) : lstat(abs, &st)) < 0) {
		if (top && (errno == ENOENT || errno == ENOTDIR))
			*absent = 1;
		else
			ret = fs_error(error, "cannot read '%s': %s", rel, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char **names;
		size_t n;

		if (fd < 0 || list_dir(fd, &names, &n) < 0) {
			ret = fs_error(error, "cannot read the folder '%s': %s", rel, strerror(errno));
			goto done;
		}
		for (size_t i = 0; i < n && !ret; i++) {
			char *child = mlg_xasprintf("%s/%s", rel, names[i]);

			ret = snap_walk(snap, s, root, child, 0, absent, error);
			free(child);
		}
		free_names(names, n);
	} else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
		const struct rule *rule = rule_for(s, rel);
		struct entry *e;

		MLG_ALLOC_GROW(snap->e, snap->n + 1, snap->alloc);
		e = &snap->e[snap->n++];
		memset(e, 0, sizeof(*e));
		e->path = mlg_xstrdup(rel);
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t len = readlink(abs, target, sizeof(target) - 1);

			if (len < 0) {
				ret = fs_error(error, "cannot read the link '%s': %s", rel, strerror(errno));
				goto done;
			}
			target[len] = '\0';
			e->kind = ENTRY_LINK;
			e->target = mlg_xstrdup(target);
		} else if (mlg_sha256_file(abs, e->sha, &e->bytes) < 0) {
			ret = fs_error(error, "%s", mlg_error_last());
		} else if (rule && rule->json && mlg_read_file(abs, &e->text, &e->len) < 0) {
			ret = fs_error(error, "%s", mlg_error_last());
		}
	}
	/* sockets, FIFOs and devices are not outputs one compares */
done:
	free(abs);
	return ret;
}

/* Records every declared output as the run left it under `root`. */
static int snapshot_take(struct snapshot *snap, const struct spec *s, const char *root, char **error)
{
	memset(snap, 0, sizeof(*snap));
	snap->missing = mlg_xcalloc(s->noutputs + 1, sizeof(int));
	for (size_t i = 0; i < s->noutputs; i++)
		if (snap_walk(snap, s, root, s->outputs[i], 1, &snap->missing[i], error) < 0)
			return -1;
	if (snap->n)
		qsort(snap->e, snap->n, sizeof(*snap->e), cmp_entry);
	return 0;
}

/* Removes `name` (a file, link or whole folder) under dirfd; absent is fine. */
static int remove_tree(int dirfd, const char *name)
{
	struct stat st;
	char **names;
	size_t n;
	int fd, ret = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* list_dir() closes its fd with the DIR; the entries are removed through fd */
	{
		int fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);

		if (fd2 < 0 || list_dir(fd2, &names, &n) < 0) {
			close(fd);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (remove_tree(fd, names[i]) < 0)
			ret = -1;
	free_names(names, n);
	close(fd);
	if (!ret && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = -1;
	return ret;
}

/* Copying the working directory into a scratch folder (isolation "copy"). */
struct copier {
	const struct mlg_check_ctx *ctx;
	dev_t skip_dev;        /* the scratch folder itself, should TMPDIR lie inside */
	ino_t skip_ino;
	char *buf;
	char **error;
};

static int copy_file(struct copier *c, int sfd, int dfd, const char *name, const char *rel, mode_t mode)
{
	int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, ret = 0;
	ssize_t r;

	if (in < 0)
		return fs_error(c->error, "cannot read '%s' to copy it: %s", rel, strerror(errno));
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = fs_error(c->error, "cannot copy '%s': %s", rel, strerror(errno));
		goto done;
	}
	while ((r = read(in, c->buf, 65536)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = fs_error(c->error, "cannot read '%s' to copy it: %s", rel, strerror(errno));
			goto done;
		}
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, c->buf + off, (size_t)(r - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ret = fs_error(c->error, "cannot copy '%s': %s", rel, strerror(errno));
				goto done;
			}
			off += w;
		}
	}
	fchmod(out, mode & 07777);
done:
	close(in);
	if (out >= 0 && close(out) < 0 && !ret)
		ret = fs_error(c->error, "cannot copy '%s': %s", rel, strerror(errno));
	return ret;
}

/* Copies the entries of folder sfd into dfd; `rel` names sfd in messages ("" at the top). */
static int copy_dir(struct copier *c, int sfd, int dfd, const char *rel)
{
	char **names;
	size_t n;
	int fd2 = fcntl(sfd, F_DUPFD_CLOEXEC, 0), ret = 0;

	if (fd2 < 0 || list_dir(fd2, &names, &n) < 0)
		return fs_error(c->error, "cannot read the folder '%s': %s", *rel ? rel : ".", strerror(errno));
	for (size_t i = 0; i < n && !ret; i++) {
		char *sub = *rel ? mlg_xasprintf("%s/%s", rel, names[i]) : mlg_xstrdup(names[i]);
		struct stat st;

		if (mlg_check_ctx_expired(c->ctx)) {
			ret = fs_error(c->error, "the time ran out while copying the working directory");
		} else if (!*rel && !strcmp(names[i], ".git")) {
			; /* history is not an input of the command */
		} else if (fstatat(sfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				ret = fs_error(c->error, "cannot read '%s' to copy it: %s", sub, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			int s2, d2;

			if (st.st_dev == c->skip_dev && st.st_ino == c->skip_ino)
				goto next;
			if (mkdirat(dfd, names[i], 0700) < 0) {
				ret = fs_error(c->error, "cannot copy '%s': %s", sub, strerror(errno));
				goto next;
			}
			s2 = openat(sfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				ret = fs_error(c->error, "cannot copy '%s': %s", sub, strerror(errno));
			else
				ret = copy_dir(c, s2, d2, sub);
			if (d2 >= 0)
				fchmod(d2, (st.st_mode & 07777) | 0700);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISREG(st.st_mode)) {
			ret = copy_file(c, sfd, dfd, names[i], sub, st.st_mode);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t len = readlinkat(sfd, names[i], target, sizeof(target) - 1);

			if (len < 0) {
				ret = fs_error(c->error, "cannot read the link '%s': %s", sub, strerror(errno));
				goto next;
			}
			target[len] = '\0';
			if (symlinkat(target, dfd, names[i]) < 0)
				ret = fs_error(c->error, "cannot copy '%s': %s", sub, strerror(errno));
		}
next:
		free(sub);
	}
	free_names(names, n);
	return ret;
}

/* A fresh scratch folder with a copy of `from`; *out allocated (remove it with remove_scratch()). */
static int make_copy(const struct mlg_check_ctx *ctx, const char *from, const char *shown, char **out,
		     char **error)
{
	const char *tmp = getenv("TMPDIR");
	struct copier c;
	struct stat st;
	int sfd = -1, dfd = -1, ret = -1;
	char *dir = mlg_xasprintf("%s/mlgate-reproducible-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	*out = NULL;
	if (!mkdtemp(dir)) {
		fs_error(error, "cannot make a scratch folder in '%s': %s", tmp && *tmp ? tmp : "/tmp",
			 strerror(errno));
		free(dir);
		return -1;
	}
	*out = dir;
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.error = error;
	c.buf = mlg_xmalloc(65536);
	sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0 || fstat(dfd, &st) < 0) {
		fs_error(error, "cannot open %s '%s': %s", sfd < 0 ? "the working directory" : "the scratch folder",
			 sfd < 0 ? shown : dir, strerror(errno));
		goto done;
	}
	c.skip_dev = st.st_dev;
	c.skip_ino = st.st_ino;
	ret = copy_dir(&c, sfd, dfd, "");
done:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	free(c.buf);
	return ret;
}

static void remove_scratch(char **dir)
{
	if (*dir) {
		remove_tree(AT_FDCWD, *dir);
		free(*dir);
		*dir = NULL;
	}
}

/* Deletes the declared outputs under root (`shown` in messages), so that each run writes its own. */
static int clean_outputs(const struct spec *s, const char *root, const char *shown, char **error)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return fs_error(error, "cannot open the working directory '%s': %s", shown, strerror(errno));
	for (size_t i = 0; i < s->noutputs && !ret; i++)
		if (remove_tree(fd, s->outputs[i]) < 0)
			ret = fs_error(error, "cannot delete the output '%s' before the run: %s", s->outputs[i],
				       strerror(errno));
	close(fd);
	return ret;
}

/* ---- comparing ---- */

/* One way a run's outputs differ from the reference's. */
struct diff {
	char *file;
	int run;
	char *where;       /* JSON path, or NULL */
	cJSON *reference;  /* what run 1 had (a JSON value), or NULL */
	cJSON *value;      /* what this run had, or NULL */
	char *reason;      /* short, for the example */
	char *sentence;    /* whole, for the message and details */
};

struct diffs {
	struct diff *d;
	size_t n, alloc;
};

static void diff_add(struct diffs *ds, const char *file, int run, const char *where, cJSON *reference,
		     cJSON *value, char *reason, char *sentence)
{
	struct diff *d;

	MLG_ALLOC_GROW(ds->d, ds->n + 1, ds->alloc);
	d = &ds->d[ds->n++];
	d->file = mlg_xstrdup(file);
	d->run = run;
	d->where = where ? mlg_xstrdup(where) : NULL;
	d->reference = reference;
	d->value = value;
	d->reason = reason;
	d->sentence = sentence;
}

static void diffs_release(struct diffs *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		free(ds->d[i].file);
		free(ds->d[i].where);
		cJSON_Delete(ds->d[i].reference);
		cJSON_Delete(ds->d[i].value);
		free(ds->d[i].reason);
		free(ds->d[i].sentence);
	}
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

/* A JSON value for an example: scalars as they are, lists and objects described. */
static cJSON *example_value(const cJSON *v)
{
	if (!v)
		return cJSON_CreateNull();
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return cJSON_CreateString(mlg_json_describe(v));
	return cJSON_Duplicate(v, 0);
}

/* A value for a sentence: numbers exactly, strings quoted and cut, others described. */
static void value_text(struct mlg_strbuf *sb, const cJSON *v)
{
	char buf[32];

	if (cJSON_IsNumber(v)) {
		mlg_strbuf_addstr(sb, mlg_format_number(v->valuedouble, buf));
	} else if (cJSON_IsString(v)) {
		size_t len = strlen(v->valuestring);

		if (len > 60) {
			char *cut = mlg_xstrndup(v->valuestring, 57);

			mlg_json_quote(sb, cut);
			mlg_strbuf_addstr(sb, "...");
			free(cut);
		} else {
			mlg_json_quote(sb, v->valuestring);
		}
	} else if (cJSON_IsTrue(v)) {
		mlg_strbuf_addstr(sb, "true");
	} else if (cJSON_IsFalse(v)) {
		mlg_strbuf_addstr(sb, "false");
	} else {
		mlg_strbuf_addstr(sb, mlg_json_describe(v));
	}
}

/* Comparing two JSON documents of one file. */
struct jcmp {
	const struct rule *rule;
	const char *file;
	int run;
	const cJSON **skip_ref, **skip_run; /* the ignored values of each document */
	size_t nskip;
	struct mlg_strbuf path;
	struct diffs *out;
};

static int skipped(const cJSON *v, const cJSON **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/* Records that a (run 1's, may be NULL) and b (this run's, may be NULL) differ at c->path. */
static void jdiff(struct jcmp *c, const cJSON *a, const cJSON *b, const char *why, double off)
{
	struct mlg_strbuf s = MLG_STRBUF_INIT;
	const char *where = c->path.len ? c->path.buf : "the top level";
	char *reason;

	mlg_strbuf_addf(&s, "'%s' differs between run 1 and run %d at %s (", c->file, c->run, where);
	if (a && b && cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
		char t1[32], t2[32];

		value_text(&s, a);
		mlg_strbuf_addstr(&s, " vs ");
		value_text(&s, b);
		mlg_strbuf_addf(&s, ", off by %.3g", off);
		if (c->rule->tolerance > 0 || c->rule->relative > 0)
			mlg_strbuf_addf(&s, "; tolerance %s, relative %s", mlg_format_number(c->rule->tolerance, t1),
					mlg_format_number(c->rule->relative, t2));
		mlg_strbuf_addch(&s, ')');
		reason = mlg_xasprintf("off by %.3g", off);
	} else if (a && b) {
		value_text(&s, a);
		mlg_strbuf_addstr(&s, " vs ");
		value_text(&s, b);
		mlg_strbuf_addch(&s, ')');
		reason = mlg_xstrdup(why);
	} else {
		mlg_strbuf_addf(&s, a ? "absent in run %d)" : "absent in run 1)", c->run);
		reason = a ? mlg_xasprintf("absent in run %d", c->run) : mlg_xstrdup("absent in run 1");
	}
	diff_add(c->out, c->file, c->run, c->path.len ? c->path.buf : "$", example_value(a), example_value(b),
		 reason, mlg_strbuf_detach(&s));
}

static int numbers_close(const struct rule *r, double a, double b, double *off)
{
	double d = fabs(a - b), scale = fmax(fabs(a), fabs(b));

	*off = d;
	return a == b || d <= r->tolerance || d <= r->relative * scale;
}

static void jcompare(struct jcmp *c, const cJSON *a, const cJSON *b)
{
	size_t mark = c->path.len;
	double off;

	if (skipped(a, c->skip_ref, c->nskip) || skipped(b, c->skip_run, c->nskip))
		return;
	if ((a->type & 0xFF) != (b->type & 0xFF) &&
	    !((cJSON_IsBool(a) && cJSON_IsBool(b)))) {
		jdiff(c, a, b, "another type", 0);
		return;
	}
	if (cJSON_IsNumber(a)) {
		if (!numbers_close(c->rule, a->valuedouble, b->valuedouble, &off))
			jdiff(c, a, b, NULL, off);
	} else if (cJSON_IsString(a)) {
		if (strcmp(a->valuestring, b->valuestring))
			jdiff(c, a, b, "another string", 0);
	} else if (cJSON_IsBool(a)) {
		if (cJSON_IsTrue(a) != cJSON_IsTrue(b))
			jdiff(c, a, b, "another value", 0);
	} else if (cJSON_IsArray(a)) {
		const cJSON *x = a->child, *y = b->child;

		for (size_t i = 0; x || y; i++, x = x ? x->next : NULL, y = y ? y->next : NULL) {
			mlg_jsonpath_index(&c->path, i);
			if (x && y)
				jcompare(c, x, y);
			else if (!skipped(x, c->skip_ref, c->nskip) && !skipped(y, c->skip_run, c->nskip))
				jdiff(c, x, y, NULL, 0);
			c->path.len = mark;
			c->path.buf[mark] = '\0';
		}
	} else if (cJSON_IsObject(a)) {
		const cJSON *x, *y;

		cJSON_ArrayForEach(x, a) {
			mlg_jsonpath_member(&c->path, x->string, strlen(x->string));
			y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (y)
				jcompare(c, x, y);
			else if (!skipped(x, c->skip_ref, c->nskip))
				jdiff(c, x, NULL, NULL, 0);
			c->path.len = mark;
			c->path.buf[mark] = '\0';
		}
		cJSON_ArrayForEach(y, b) {
			if (cJSON_GetObjectItemCaseSensitive(a, y->string) || skipped(y, c->skip_run, c->nskip))
				continue;
			mlg_jsonpath_member(&c->path, y->string, strlen(y->string));
			jdiff(c, NULL, y, NULL, 0);
			c->path.len = mark;
			c->path.buf[mark] = '\0';
		}
	}
}

/* Parses a file's JSON; NULL with *error set when it is not JSON. */
static cJSON *parse_json(const struct entry *e, int run, char **error)
{
	cJSON *doc = NULL;
	int line = 0, col = 0;

	if (mlg_json_parse_strict(e->text, e->len, &doc, &line, &col) < 0) {
		fs_error(error, "'%s' of run %d is not valid JSON: line %d, column %d: %s", e->path, run, line,
			 col, mlg_error_last());
		return NULL;
	}
	return doc;
}

/* Compares one JSON file of run `run` with the reference's. */
static int compare_json(struct entry *ref, const struct entry *e, const struct rule *rule, int run,
			struct diffs *out, char **error)
{
	struct jcmp c;
	cJSON *doc;

	if (!ref->doc && !(ref->doc = parse_json(ref, 1, error)))
		return -1;
	if (!(doc = parse_json(e, run, error)))
		return -1;
	memset(&c, 0, sizeof(c));
	c.rule = rule;
	c.file = e->path;
	c.run = run;
	c.out = out;
	c.skip_ref = mlg_xcalloc(rule->nignore + 1, sizeof(cJSON *));
	c.skip_run = mlg_xcalloc(rule->nignore + 1, sizeof(cJSON *));
	for (size_t i = 0; i < rule->nignore; i++) {
		char *why = NULL;

		c.skip_ref[i] = mlg_json_path_get(ref->doc, rule->ignore[i], &why);
		free(why);
		why = NULL;
		c.skip_run[i] = mlg_json_path_get(doc, rule->ignore[i], &why);
		free(why);
	}
	c.nskip = rule->nignore;
	mlg_strbuf_addstr(&c.path, "");
	jcompare(&c, ref->doc, doc);
	mlg_strbuf_release(&c.path);
	free(c.skip_ref);
	free(c.skip_run);
	cJSON_Delete(doc);
	return 0;
}

static void sha_short(char out[SHA_SHOWN + 4], const char *sha)
{
	memcpy(out, sha, SHA_SHOWN);
	memcpy(out + SHA_SHOWN, "\xE2\x80\xA6", 4); /* "…" and the NUL */
}

static void entry_diff(struct diffs *out, const struct entry *a, const struct entry *b, int run)
{
	char sa[SHA_SHOWN + 4], sb[SHA_SHOWN + 4];

	if (a->kind == ENTRY_FILE && b->kind == ENTRY_FILE) {
		sha_short(sa, a->sha);
		sha_short(sb, b->sha);
		diff_add(out, a->path, run, NULL, cJSON_CreateString(a->sha), cJSON_CreateString(b->sha),
			 mlg_xasprintf("sha256 differs (%llu vs %llu bytes)", (unsigned long long)a->bytes,
				       (unsigned long long)b->bytes),
			 mlg_xasprintf("'%s' differs between run 1 and run %d (sha256 %s vs %s)", a->path, run, sa,
				       sb));
	} else if (a->kind == ENTRY_LINK && b->kind == ENTRY_LINK) {
		diff_add(out, a->path, run, NULL, cJSON_CreateString(a->target), cJSON_CreateString(b->target),
			 mlg_xstrdup("the link points elsewhere"),
			 mlg_xasprintf("'%s' points to '%s' in run 1 and to '%s' in run %d", a->path, a->target,
				       b->target, run));
	} else {
		const char *ka = a->kind == ENTRY_LINK ? "a symbolic link" : "a file";
		const char *kb = b->kind == ENTRY_LINK ? "a symbolic link" : "a file";

		diff_add(out, a->path, run, NULL, cJSON_CreateString(ka), cJSON_CreateString(kb),
			 mlg_xstrdup("another kind of file"),
			 mlg_xasprintf("'%s' is %s in run 1 and %s in run %d", a->path, ka, kb, run));
	}
}

/* 1 when path lies under a declared output that `snap` lacks: reported once, as missing. */
static int under_missing(const struct spec *s, const struct snapshot *snap, const char *path)
{
	for (size_t i = 0; i < s->noutputs; i++)
		if (snap->missing[i] && under(path, s->outputs[i]))
			return 1;
	return 0;
}

/* Compares run `run` with the reference, file by file (both sorted by path). */
static int compare_runs(const struct spec *s, struct snapshot *ref, const struct snapshot *cur, int run,
			struct diffs *out, char **error)
{
	size_t i = 0, j = 0;

	for (size_t o = 0; o < s->noutputs; o++)
		if (cur->missing[o] && !ref->missing[o])
			diff_add(out, s->outputs[o], run, NULL, NULL, NULL,
				 mlg_xasprintf("not written by run %d", run),
				 mlg_xasprintf("'%s' was not written by run %d", s->outputs[o], run));
	while (i < ref->n || j < cur->n) {
		int c = i == ref->n ? 1 : j == cur->n ? -1 : strcmp(ref->e[i].path, cur->e[j].path);

		if (c < 0) {
			if (!under_missing(s, cur, ref->e[i].path))
				diff_add(out, ref->e[i].path, run, NULL, NULL, NULL,
					 mlg_xasprintf("not written by run %d", run),
					 mlg_xasprintf("'%s' was written by run 1 but not by run %d", ref->e[i].path,
						       run));
			i++;
		} else if (c > 0) {
			if (!under_missing(s, ref, cur->e[j].path))
				diff_add(out, cur->e[j].path, run, NULL, NULL, NULL,
					 mlg_xstrdup("not written by run 1"),
					 mlg_xasprintf("'%s' was written by run %d but not by run 1", cur->e[j].path,
						       run));
			j++;
		} else {
			struct entry *a = &ref->e[i++];
			const struct entry *b = &cur->e[j++];
			const struct rule *rule = rule_for(s, a->path);

			if (a->kind == ENTRY_FILE && b->kind == ENTRY_FILE && !strcmp(a->sha, b->sha))
				continue;
			if (a->kind == ENTRY_LINK && b->kind == ENTRY_LINK && !strcmp(a->target, b->target))
				continue;
			if (rule && rule->json && a->kind == ENTRY_FILE && b->kind == ENTRY_FILE) {
				if (compare_json(a, b, rule, run, out, error) < 0)
					return -1;
			} else {
				entry_diff(out, a, b, run);
			}
		}
	}
	return 0;
}

/* ---- the check ---- */

/* observed.outputs: each file with its SHA-256 in every run (null where absent). */
static void add_outputs(struct mlg_result *r, const struct spec *s, struct snapshot *snaps, int nruns,
			size_t *nfiles)
{
	cJSON *list = cJSON_AddArrayToObject(r->observed, "outputs");
	size_t *pos = mlg_xcalloc((size_t)nruns, sizeof(size_t));

	*nfiles = 0;
	for (;;) {
		const char *next = NULL;
		cJSON *item, *shas;

		for (int k = 0; k < nruns; k++)
			if (pos[k] < snaps[k].n && (!next || strcmp(snaps[k].e[pos[k]].path, next) < 0))
				next = snaps[k].e[pos[k]].path;
		if (!next)
			break;
		++*nfiles;
		item = *nfiles <= MAX_LISTED ? cJSON_CreateObject() : NULL;
		if (item) {
			const struct rule *rule = rule_for(s, next);

			cJSON_AddStringToObject(item, "path", next);
			if (rule && rule->json)
				cJSON_AddStringToObject(item, "compare", "json");
		}
		shas = item ? cJSON_AddArrayToObject(item, "sha256") : NULL;
		for (int k = 0; k < nruns; k++) {
			const struct entry *e = pos[k] < snaps[k].n ? &snaps[k].e[pos[k]] : NULL;

			if (e && !strcmp(e->path, next)) {
				if (shas)
					cJSON_AddItemToArray(shas, e->kind == ENTRY_FILE
									   ? cJSON_CreateString(e->sha)
									   : cJSON_CreateNull());
				pos[k]++;
			} else if (shas) {
				cJSON_AddItemToArray(shas, cJSON_CreateNull());
			}
		}
		if (item)
			cJSON_AddItemToArray(list, item);
	}
	free(pos);
}

static void report_diffs(struct mlg_result *r, const struct diffs *ds)
{
	cJSON *files = cJSON_AddArrayToObject(r->observed, "differing");
	struct mlg_strbuf details = MLG_STRBUF_INIT;
	size_t nfiles = 0;

	for (size_t i = 0; i < ds->n; i++) {
		const struct diff *d = &ds->d[i];
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(ds->d[j].file, d->file);
		if (!seen && nfiles++ < MAX_LISTED)
			cJSON_AddItemToArray(files, cJSON_CreateString(d->file));
		if (i < MAX_LISTED)
			mlg_strbuf_addf(&details, "%s\n", d->sentence);
		r->nexamples++;
		if (r->nexamples <= r->max_examples) {
			cJSON *ex = cJSON_CreateObject();

			cJSON_AddStringToObject(ex, "file", d->file);
			cJSON_AddNumberToObject(ex, "run", d->run);
			if (d->where)
				cJSON_AddStringToObject(ex, "path", d->where);
			cJSON_AddItemToObject(ex, "reference", d->reference ? cJSON_Duplicate(d->reference, 1)
									    : cJSON_CreateNull());
			cJSON_AddItemToObject(ex, "value", d->value ? cJSON_Duplicate(d->value, 1)
								    : cJSON_CreateNull());
			cJSON_AddStringToObject(ex, "reason", d->reason);
			cJSON_AddItemToArray(r->examples, ex);
		}
	}
	if (ds->n > MAX_LISTED)
		mlg_strbuf_addf(&details, "... and %zu more\n", ds->n - MAX_LISTED);
	cJSON_AddNumberToObject(r->observed, "differences", (double)ds->n);
	cJSON_AddNumberToObject(r->observed, "differing_files", (double)nfiles);
	mlg_result_set_details(r, details.buf);
	if (ds->n == 1)
		mlg_result_set(r, MLG_STATUS_FAILED, "%s", ds->d[0].sentence);
	else
		mlg_result_set(r, MLG_STATUS_FAILED, "%s; %zu difference%s in %zu file%s in all", ds->d[0].sentence,
			       ds->n, mlg_plural(ds->n), nfiles, mlg_plural(nfiles));
	mlg_strbuf_release(&details);
}

/*
 * One run: a clean start, the command, and what it wrote. Returns 0, or
 * -1 with the result set to an error naming the run.
 */
static int one_run(const struct mlg_check_ctx *ctx, const struct spec *s, const struct mlg_runcmd *cmd,
		   int k, long tail, struct snapshot *snap, struct mlg_result *r)
{
	struct mlg_proc_options opts = MLG_PROC_OPTIONS_INIT;
	struct mlg_proc_result pr;
	char *scratch = NULL, *error = NULL, *text = NULL;
	const char *root = cmd->cwd;
	int ret = -1;

	memset(&pr, 0, sizeof(pr));
	memset(snap, 0, sizeof(*snap));
	if (mlg_check_ctx_expired(ctx)) {
		error = mlg_cancel_requested(ctx->cancel)
				? mlg_xstrdup("interrupted before it started")
				: mlg_xasprintf("the check's timeout (%g s) ran out before it started",
						ctx->check->timeout_s);
		goto done;
	}
	if (s->copy) {
		if (make_copy(ctx, cmd->cwd, cmd->cwd_param ? cmd->cwd_param : cmd->cwd, &scratch, &error) < 0)
			goto done;
		root = scratch;
	}
	if (clean_outputs(s, root, s->copy ? "." : cmd->cwd_param ? cmd->cwd_param : cmd->cwd, &error) < 0)
		goto done;
	mlg_runcmd_options(cmd, ctx, root, &opts);
	if (mlg_proc_run(&pr, &opts) < 0) {
		error = mlg_runcmd_start_error(cmd, root);
		goto done;
	}
	text = mlg_runcmd_output(&pr, opts.tail_bytes, tail);
	if ((error = mlg_runcmd_abnormal(cmd, ctx->check, &pr)))
		goto done;
	if (pr.exit_code) {
		error = mlg_xasprintf("`%s` exited with code %d", cmd->display, pr.exit_code);
		goto done;
	}
	if (snapshot_take(snap, s, root, &error) < 0)
		goto done;
	ret = 0;
done:
	if (ret < 0) {
		snapshot_release(snap);
		mlg_result_set(r, MLG_STATUS_ERROR, "run %d of %d: %s", k, s->runs, error);
		cJSON_AddNumberToObject(r->observed, "runs", k - 1);
		if (text)
			mlg_result_set_details(r, text);
		if (pr.exited)
			cJSON_AddNumberToObject(r->observed, "exit_code", pr.exit_code);
		else if (pr.signaled)
			cJSON_AddNumberToObject(r->observed, "signal", pr.signal);
	}
	remove_scratch(&scratch);
	mlg_proc_result_release(&pr);
	free(error);
	free(text);
	return ret;
}

static void run(const struct mlg_check_ctx *ctx, struct mlg_result *r)
{
	const struct mlg_check *check = ctx->check;
	struct mlg_runcmd cmd;
	struct spec s;
	struct snapshot snaps[MAX_RUNS];
	struct diffs ds = { NULL, 0, 0 };
	cJSON *declared;
	char *error = NULL;
	double tail = 20;
	int done_runs = 0;
	size_t nfiles = 0, njson = 0;

	memset(snaps, 0, sizeof(snaps));
	mlg_runcmd_init(&cmd, check);
	spec_read(&s, check, NULL);
	mlg_check_number(check, "tail_lines", &tail);

	cJSON_AddNumberToObject(r->expected, "runs", s.runs);
	cJSON_AddStringToObject(r->expected, "isolation", s.copy ? "copy" : "clean");
	declared = cJSON_AddArrayToObject(r->expected, "outputs");
	for (size_t i = 0; i < s.noutputs; i++)
		cJSON_AddItemToArray(declared, cJSON_CreateString(s.outputs[i]));

	for (int k = 0; k < s.runs; k++) {
		if (one_run(ctx, &s, &cmd, k + 1, (long)tail, &snaps[k], r) < 0)
			goto done;
		done_runs = k + 1;
	}
	cJSON_AddNumberToObject(r->observed, "runs", done_runs);

	/* what run 1 did not write is reported for run 1; later runs are compared with it */
	for (size_t o = 0; o < s.noutputs; o++) {
		int k = 1;

		if (!snaps[0].missing[o])
			continue;
		while (k < s.runs && snaps[k].missing[o])
			k++;
		if (k == s.runs)
			diff_add(&ds, s.outputs[o], 1, NULL, NULL, NULL, mlg_xstrdup("not written by any run"),
				 mlg_xasprintf("'%s' was not written by any of the %d runs", s.outputs[o], s.runs));
		else
			diff_add(&ds, s.outputs[o], 1, NULL, NULL, NULL, mlg_xstrdup("not written by run 1"),
				 mlg_xasprintf("'%s' was not written by run 1", s.outputs[o]));
	}
	for (int k = 1; k < s.runs; k++)
		if (compare_runs(&s, &snaps[0], &snaps[k], k + 1, &ds, &error) < 0) {
			mlg_result_set(r, MLG_STATUS_ERROR, "%s", error);
			goto done;
		}
	add_outputs(r, &s, snaps, s.runs, &nfiles);
	cJSON_AddNumberToObject(r->observed, "files", (double)nfiles);
	if (ds.n) {
		report_diffs(r, &ds);
		goto done;
	}
	cJSON_AddItemToObject(r->observed, "differing", cJSON_CreateArray());
	cJSON_AddNumberToObject(r->observed, "differences", 0);
	for (size_t i = 0; i < snaps[0].n; i++) {
		const struct rule *rule = rule_for(&s, snaps[0].e[i].path);

		njson += rule && rule->json && snaps[0].e[i].kind == ENTRY_FILE;
	}
	if (njson)
		mlg_result_set(r, MLG_STATUS_PASSED,
			       "%d runs of `%s` wrote the same outputs: %zu file%s, %zu of them JSON compared value by value",
			       s.runs, cmd.display, nfiles, mlg_plural(nfiles), njson);
	else
		mlg_result_set(r, MLG_STATUS_PASSED, "%d runs of `%s` wrote identical outputs: %zu file%s", s.runs,
			       cmd.display, nfiles, mlg_plural(nfiles));
done:
	for (int k = 0; k < MAX_RUNS; k++)
		snapshot_release(&snaps[k]);
	diffs_release(&ds);
	free(error);
	spec_release(&s);
	mlg_runcmd_release(&cmd);
}

const struct mlg_check_kind mlg_kind_infra_reproducible = {
	.abi = MLG_KIND_ABI,
	.name = "infra.reproducible",
	.summary = "a command run twice (or more) from a clean start writes the same outputs",
	.params = params,
	.example = "{ \"kind\": \"infra.reproducible\", \"name\": \"training is deterministic\", \"run\": [\"python3\", \"train.py\", \"--seed\", \"1\"], \"outputs\": [\"out/model.bin\", \"out/metrics.json\"], \"compare\": { \"out/metrics.json\": { \"json\": { \"tolerance\": 1e-6, \"ignore\": [\"timing\"] } } } }",
	.validate = validate,
	.target = mlg_runcmd_display,
	.run = run,
};
