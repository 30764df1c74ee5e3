/*
 * The check-kind API: what a built-in kind (or a plugin) implements.
 *
 * To add a kind:
 *  1. create checks/<category>/<name>.c exporting one
 *     `const struct mlg_check_kind mlg_kind_<category>_<name>` and keep
 *     everything else in it static;
 *  2. declare its parameters once in a `struct mlg_param` table: that table
 *     drives validation, `mlgate kinds`, `mlgate explain` and the README;
 *  3. list it in checks/registry.c (kept sorted by name);
 *  4. add golden cases under tests/data/<kind>/ (a passing and a failing
 *     suite) and run `make readme` to refresh the README reference.
 *
 * A kind either evaluates itself (`run`) or, for data kinds, consumes the
 * rows of its dataset (`scan`): the engine reads each dataset once and
 * feeds every scanning check that reads it in the same pass.
 */
#ifndef MLGATE_CHECK_H
#define MLGATE_CHECK_H

#include <signal.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mlgate/result.h"
#include "mlgate/batch.h"

/** Bumped when struct mlg_check_kind changes incompatibly. */
#define MLG_KIND_ABI 2

enum mlg_param_type {
	MLG_PARAM_STRING,   /* a JSON string */
	MLG_PARAM_NUMBER,   /* a JSON number */
	MLG_PARAM_INTEGER,  /* a JSON number without a fraction */
	MLG_PARAM_BOOLEAN,  /* true or false */
	MLG_PARAM_FRACTION, /* a number from 0 to 1 */
	MLG_PARAM_DURATION, /* "30s", "5m", "1h30m", "250ms", or seconds as a number */
	MLG_PARAM_STRINGS,  /* a string, or a non-empty list of strings */
	MLG_PARAM_OBJECT,   /* a JSON object, checked by the kind's validate() */
	MLG_PARAM_DATASET,  /* the name of a dataset declared under "datasets" */
	MLG_PARAM_PATH,     /* a file path, relative to the suite file's folder */
	MLG_PARAM_BOUND,    /* a number, or an RFC 3339 date or time string (bounds of time columns) */
	MLG_PARAM_LIST,     /* a non-empty JSON list, its items checked by the kind's validate() */
	MLG_PARAM_SIZE,     /* bytes: "512MiB", "2GB", "100k", or a number */
	MLG_PARAM_INTEGERS  /* a whole number, or a non-empty list of them (e.g. HTTP statuses) */
};

/** One parameter of a kind. Tables end with an entry whose name is NULL. */
struct mlg_param {
	const char *name;
	enum mlg_param_type type;
	int required;
	const char *default_json; /* JSON text of the default, or NULL */
	const char *doc;          /* one line */
};

struct mlg_suite;
struct mlg_dataset;

/** A check as declared in the suite, after defaults and ${VAR} expansion. */
struct mlg_check {
	size_t index;                      /* position in the suite's "checks" */
	const struct mlg_check_kind *kind;
	char *id;                          /* stable: given, or derived from kind and target */
	char *name;                        /* given, or derived */
	char *description;                 /* may be NULL */
	int severity_warn;                 /* 1: "warn", 0: "error" */
	char **tags;
	size_t ntags;
	double timeout_s;                  /* from the check or the suite defaults; 0: none */
	cJSON *params;                     /* the check's JSON object (borrowed from the suite) */
	const struct mlg_dataset *dataset; /* for kinds with a "dataset" parameter */
	int line, column;                  /* where the check's object starts in the suite file */
	const struct mlg_suite *suite;
	size_t *needs;                     /* indices in suite->checks of the checks it needs
					      ("needs": ids), sorted, no duplicates */
	size_t nneeds;
};

/** What the engine lends a running check. */
struct mlg_check_ctx {
	const struct mlg_check *check;
	double deadline;                   /* monotonic seconds; 0: none */
	volatile sig_atomic_t *cancel;     /* non-zero once the run is interrupted */
	void *engine;                      /* private to the engine */
};

/*
 * What the engine tells a scanning kind before the rows come: which of the
 * check's dataset parameters this scan serves, the dataset's columns, and
 * where to declare the columns the check reads.
 */
struct mlg_scan_setup {
	const char *param;                /* "dataset", or another MLG_PARAM_DATASET parameter */
	const struct mlg_dataset *dataset;
	const char *const *columns;       /* the dataset's column names */
	size_t ncolumns;
	struct mlg_mem *mem;              /* the run's memory budget (mlgate/batch.h) */
	unsigned int max_examples;
	void *internal;                   /* the engine's */
};

/** Declares that the check reads column `col`; only declared columns are split out. */
void mlg_scan_use(struct mlg_scan_setup *setup, size_t col);

/**
 * The index of column `name`, declared as read (mlg_scan_use()); or -1 with
 * *out an error naming the missing column and listing those there are.
 */
long mlg_scan_column(struct mlg_scan_setup *setup, const struct mlg_check *check,
		     const char *name, struct mlg_result *out);

/** What end() gets for each dataset parameter of the check, "dataset" first. */
struct mlg_scan_input {
	const char *param;
	const struct mlg_dataset *dataset;
	const char *const *columns;
	size_t ncolumns;
	void *plan;                       /* from prepare() */
	void *state;                      /* every part merged, in file order */
	uint64_t nrows;
	unsigned int jobs;                /* threads end() may use (-j); results must not depend on it */
};

struct mlg_batch;

/*
 * A scanning (data) kind, in the shape of a parallel aggregate: a plan
 * built once, a state per part of the file, batches of rows, states
 * merged in file order, and a decision at the end. A kind with several
 * dataset parameters (a reference, another split) gets a plan and a state
 * per parameter, and one end() once every dataset was read.
 */
struct mlg_scan_ops {
	/* MUST: check the parameters against the columns, declare the columns
	 * read with mlg_scan_use(), and build the read-only *plan shared by
	 * the threads. Non-zero with out set (error or failed) skips the rows. */
	int (*prepare)(void **plan, const struct mlg_check *check, struct mlg_scan_setup *setup,
		       struct mlg_result *out);
	/* MUST: a new, empty state for one part of the file. */
	void *(*begin)(const void *plan);
	/* MUST: look at a batch of rows. Non-zero stops this check with an
	 * error; *error (allocated, may stay NULL) says why. */
	int (*batch)(const void *plan, void *state, struct mlg_batch *batch, char **error);
	/* MUST: fold `from` (the next part in file order; its row numbers
	 * follow `row_base` rows of earlier parts) into `into`; `from` is
	 * freed with free_state() afterwards. */
	void (*merge)(const void *plan, void *into, void *from, uint64_t row_base);
	/* MUST: decide from the merged states. `in[0]` is "dataset". */
	void (*end)(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		    struct mlg_result *out);
	/* MUST: free a state; accepts NULL. */
	void (*free_state)(void *state);
	/* MUST: free a plan; accepts NULL. */
	void (*free_plan)(void *plan);
};

struct mlg_diag;

struct mlg_check_kind {
	unsigned int abi;               /* MUST: MLG_KIND_ABI */
	const char *name;               /* MUST: "<category>.<name>" */
	const char *summary;            /* MUST: one line for `mlgate kinds` */
	const struct mlg_param *params; /* MUST: terminated by { NULL } */
	const char *example;            /* MUST: a JSON object declaring such a check */
	/* MAY: cross-parameter rules; report each problem with mlg_diag_check(). */
	void (*validate)(const struct mlg_check *check, struct mlg_diag *diag);
	/* MAY: the target part of the default id ("train.amount"); allocated,
	 * caller frees. Without it the engine uses dataset/column/file/name. */
	char *(*target)(const struct mlg_check *check);
	/* One of these two MUST be set. */
	void (*run)(const struct mlg_check_ctx *ctx, struct mlg_result *out);
	const struct mlg_scan_ops *scan;
};

/** The category of a kind ("data" for "data.range"), into buf. */
const char *mlg_kind_category(const struct mlg_check_kind *kind, char *buf, size_t size);

/* Parameter access for kinds. Values were validated against the table. */

/** The parameter's JSON value (after defaults), or NULL when absent. */
const cJSON *mlg_check_param(const struct mlg_check *check, const char *name);
/** The string value, or NULL. */
const char *mlg_check_string(const struct mlg_check *check, const char *name);
/** 1 and *out set when the parameter is a number, else 0. */
int mlg_check_number(const struct mlg_check *check, const char *name, double *out);
/** The boolean value, or `fallback` when absent. */
int mlg_check_bool(const struct mlg_check *check, const char *name, int fallback);
/**
 * A string-or-list parameter as an array of borrowed strings: *out is
 * allocated (caller frees the array only), *count set. 0 when absent.
 */
int mlg_check_strings(const struct mlg_check *check, const char *name, const char ***out,
		      size_t *count);
/**
 * A BOUND parameter given as a date or time string: 1 and *micros set
 * (microseconds since the epoch, UTC); 0 when absent or a number.
 */
int mlg_check_time(const struct mlg_check *check, const char *name, int64_t *micros);
/** The duration in seconds, or `fallback` when absent. */
double mlg_check_duration(const struct mlg_check *check, const char *name, double fallback);
/** A SIZE parameter in bytes: 1 and *bytes set, or 0 when absent. */
int mlg_check_size(const struct mlg_check *check, const char *name, uint64_t *bytes);
/**
 * An INTEGERS parameter (one number or a list) as an array: *out is
 * allocated (caller frees), *count set. 0 when absent.
 */
int mlg_check_integers(const struct mlg_check *check, const char *name, long **out, size_t *count);
/**
 * Parses a size as suites write them: a number of bytes, or a string of
 * digits with an optional unit (B, k/kB, KiB, M/MB, MiB, G/GB, GiB, T/TB,
 * TiB; SI units are powers of 1000). 0 and *bytes set, or -1.
 */
int mlg_parse_size(const cJSON *v, uint64_t *bytes);
/** A path parameter resolved against the suite's folder; caller frees. NULL when absent. */
char *mlg_check_path(const struct mlg_check *check, const char *name);

/* Helpers for data kinds. */

/** Index of the column called `name` among the setup's columns, or -1. */
long mlg_column_index(const char *const *columns, size_t n, const char *name);
/** Makes *out an error naming the missing column and listing those there are. */
void mlg_result_no_column(struct mlg_result *out, const struct mlg_check *check,
			  const char *name, const char *const *columns, size_t n);
/** The shortest text that reads back as the same double, in buf. */
const char *mlg_format_number(double v, char buf[32]);

/**
 * Validates a pair of bound parameters (e.g. "min" and "max"): at least one
 * must be given, and the low one may not exceed the high one. Problems go
 * to `diag` (a struct mlg_diag, see suite.h).
 */
void mlg_check_bounds(const struct mlg_check *check, struct mlg_diag *diag, const char *low,
		      const char *high);

/** Microseconds since the epoch as RFC 3339 UTC ("2024-01-31T12:00:00Z", fraction only when non-zero), in buf. */
const char *mlg_format_time(int64_t micros, char buf[40]);

/** A share or percentage for messages, to 4 significant digits ("66.67"). */
const char *mlg_format_share(double v, char buf[32]);
/** "s" unless n is 1: for "%llu row%s". */
const char *mlg_plural(unsigned long long n);

/** 1 when the run was interrupted or the check's deadline passed. */
int mlg_check_ctx_expired(const struct mlg_check_ctx *ctx);
/** Records a file the check read, for provenance (path as given to the kind). */
void mlg_check_ctx_input(const struct mlg_check_ctx *ctx, const char *abs_path);

#endif
