/*
 * Loading a suite file (mlgate.json).
 *
 * JSON with // and block comments; ${VAR} and ${VAR:-default} expand from
 * the environment in string values. Problems are collected in a
 * struct mlg_diag, each with file:line:col, the JSON path and what was
 * expected, so that a user sees every error of the file at once.
 */
#ifndef MLGATE_SUITE_H
#define MLGATE_SUITE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "mlgate/check.h"

/** One problem found in a suite file. */
struct mlg_diag_item {
	char *file;
	int line, column; /* 1-based; 0 when unknown */
	char *path;       /* JSON path such as "checks[3].max"; "" for the root */
	char *message;
};

/** Problems found so far. MLG_DIAG_INIT allocates nothing. */
struct mlg_diag {
	struct mlg_diag_item *items;
	size_t count, alloc;
	const char *file;                /* borrowed: the file being checked */
	const struct mlg_jsonpos *positions; /* borrowed: path -> line:col index */
};
#define MLG_DIAG_INIT { NULL, 0, 0, NULL, NULL }

/** Adds a problem at JSON path `path` (its line:col are looked up). */
void mlg_diag_add(struct mlg_diag *diag, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/** Adds a problem about parameter `param` (NULL: the check itself) of a check. */
void mlg_diag_check(struct mlg_diag *diag, const struct mlg_check *check, const char *param,
		    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/**
 * As mlg_diag_check(), for a value inside parameter `param` (NULL: the
 * check itself): `sub` (may be NULL) is the
 * rest of the JSON path (".roc_auc.min", "[1][0]"), built with
 * mlg_jsonpath_member()/mlg_jsonpath_index() so that odd keys are quoted.
 */
void mlg_diag_check_at(struct mlg_diag *diag, const struct mlg_check *check, const char *param,
		       const char *sub, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/** Frees the items. */
void mlg_diag_release(struct mlg_diag *diag);

/** A dataset declared under "datasets". */
struct mlg_dataset {
	char *name;
	char *path;      /* as written in the suite (after ${VAR} expansion) */
	char *abs_path;  /* resolved against the suite file's folder */
	char *format;    /* "csv" (also TSV) or "jsonl" */
	char delimiter;
	char quote;
	int header;
	char **null_values;   /* unquoted cells read as null besides the empty one */
	size_t nnull_values;
	char **columns;       /* read only these (NULL: all) */
	size_t ncolumns;
	char *git_ref;        /* read the file at this revision (NULL: the working tree) */
	int line, column;
};

struct mlg_suite {
	char *file;        /* the suite file as given */
	char *dir;         /* its folder, absolute */
	char *name;        /* "suite", or the file name */
	char sha256[65];   /* digest of the suite file's bytes */
	double default_timeout_s;
	size_t max_memory;         /* budget for exact state of data checks; 0: none */
	unsigned int max_examples; /* failing examples kept per check */
	struct mlg_dataset *datasets;
	size_t ndatasets;
	struct mlg_check *checks;
	size_t nchecks;
	cJSON *root;       /* the parsed document (expanded); owned */
	struct mlg_jsonpos *positions; /* owned */
};

/**
 * Reads and validates the suite at `path`. Returns 0 and sets *out (free
 * with mlg_suite_free()) when the file is valid. On problems returns
 * MLG_EINVALID with every problem in *diag (the caller releases it);
 * MLG_ENOTFOUND when the file cannot be read (message in mlg_error_last()).
 */
int mlg_suite_load(struct mlg_suite **out, const char *path, struct mlg_diag *diag);

/** Same, from text in memory; `file` names it in messages and anchors paths. */
int mlg_suite_load_text(struct mlg_suite **out, const char *file, const char *text, size_t len,
			struct mlg_diag *diag);

/** The dataset called `name`, or NULL. */
const struct mlg_dataset *mlg_suite_dataset(const struct mlg_suite *suite, const char *name);

/** Frees the suite; accepts NULL. */
void mlg_suite_free(struct mlg_suite *suite);

#endif
