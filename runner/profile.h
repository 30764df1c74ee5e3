/*
 * Profiling a dataset into a starter suite (mlgate profile): one pass
 * over the data infers each column's type, nulls, range and, when they
 * are few, its values; the suite written from it describes what this one
 * file showed, with margins, for a person to review and commit (the
 * workflow of TFDV's infer_schema and Great Expectations' profilers).
 */
#ifndef MLG_PROFILE_H
#define MLG_PROFILE_H

#include <signal.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mlgate/suite.h"
#include "mlgate/value.h"

/* At most this many distinct values make a column "low-cardinality". */
#define MLG_PROFILE_FEW 20

/* Bit of a type in a set of candidate types. */
#define MLG_PROFILE_BIT(type) (1u << (unsigned)(type))

/** What one pass found about a column. */
struct mlg_profile_column {
	char *name;
	enum mlg_type type;      /* the narrowest type every non-null value parses as */
	uint64_t nulls, values;  /* null and non-null cells */
	uint64_t nans;           /* float columns: NaN values (among `values`) */
	int has_min, has_max;    /* min/max below are set (finite) */
	double min, max;         /* int, float: the values; date: days since 1970-01-01;
				    timestamp: microseconds since the epoch */
	char **few;              /* every distinct non-null value as spelled in the data,
				    sorted (int columns by value), when at most
				    MLG_PROFILE_FEW (NULL otherwise) */
	size_t nfew;
	int unique;              /* no nulls and every value distinct (tracked exactly) */
	int unique_unknown;      /* would be a candidate, but max_memory ran out tracking it */
	int key_name;            /* the name reads like a key: id, user_id, key, uuid... */
};

struct mlg_profile {
	uint64_t rows;
	struct mlg_profile_column *columns;
	size_t ncolumns;
	uint64_t bytes;          /* of the file as stored */
	char sha256[65];         /* of the file as stored */
};

struct mlg_profile_options {
	unsigned int version;    /* MLG_PROFILE_OPTIONS_VERSION */
	int jobs;                /* threads; <= 0: online CPUs */
	volatile sig_atomic_t *cancel;
};

#define MLG_PROFILE_OPTIONS_VERSION 1
#define MLG_PROFILE_OPTIONS_INIT { MLG_PROFILE_OPTIONS_VERSION, 0, NULL }

/**
 * Reads `dataset` (of `suite`, which gives its folder and the memory
 * budget for the exact uniqueness sets) once and sets *out (free with
 * mlg_profile_free()). Returns 0, or MLG_ERROR when the data cannot be
 * read or has no rows (message in mlg_error_last()).
 */
int mlg_profile_scan(struct mlg_profile **out, const struct mlg_suite *suite,
		     const struct mlg_dataset *dataset, const struct mlg_profile_options *opts);

/** Frees a profile; accepts NULL. */
void mlg_profile_free(struct mlg_profile *profile);

struct mlg_profile_suite_options {
	unsigned int version;    /* MLG_PROFILE_SUITE_OPTIONS_VERSION */
	const char *name;        /* the dataset's (and suite's) name */
	const cJSON *dataset;    /* the dataset's object in the suite: path and read options */
	const char *source;      /* the data file as the user named it, for the header */
	const char *date;        /* when, for the header: "2026-11-26" */
	double margin;           /* ranges widened by margin * span on each side */
	const char *allow_outside; /* a folder outside the suite's that the dataset is in, or NULL */
};

#define MLG_PROFILE_SUITE_OPTIONS_VERSION 1
#define MLG_PROFILE_SUITE_OPTIONS_INIT { MLG_PROFILE_SUITE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0.1, NULL }

/**
 * The suite file (JSON with // comments) describing `profile`: a header
 * comment, the dataset, and the checks; *nchecks is set to how many.
 * Kinds this mlgate lacks (or whose parameters differ) are left out with a
 * comment. Caller frees.
 */
char *mlg_profile_suite(const struct mlg_profile *profile, const struct mlg_profile_suite_options *opts,
			size_t *nchecks);

/* The inference rules, exposed for the unit tests. */

/**
 * The type of a column from the types all its non-null values parsed as
 * (MLG_PROFILE_BIT set; STRING is implied): int before bool (a 0/1 column
 * is a label, not a flag), then bool, float, date, timestamp, string. A
 * column without values is a string.
 */
enum mlg_type mlg_profile_type(unsigned int candidates, uint64_t values);

/**
 * [min, max] widened by margin * (max - min) on each side, not below 0
 * when min >= 0, then rounded outward to the power of ten of the padding
 * (so 17.3 .. 89.6 with 10% reads 10 .. 97). With `integral` the bounds
 * are then rounded inward to whole numbers, which lets the same whole
 * numbers pass (0 .. 1 stays 0 .. 1). Infinite results fall back to the
 * observed bound.
 */
void mlg_profile_widen(double min, double max, double margin, int integral, double *lo,
		       double *hi);

/**
 * Like mlg_profile_widen() for a time range in microseconds, rounded
 * outward to the day, hour, minute or second the padding spans.
 */
void mlg_profile_widen_time(int64_t min, int64_t max, double margin, int64_t *lo, int64_t *hi);

/**
 * The `mostly` for a share of good values `good` of `total`: slightly below
 * the observed share (by margin * the bad share, at least 0.005), rounded
 * down to 3 decimals; 0 when nothing would be left.
 */
double mlg_profile_mostly(uint64_t good, uint64_t total, double margin);

/** Whether a column name reads like a key: id, key, uuid, guid, user_id, userId, order-key... */
int mlg_profile_key_name(const char *name);

#endif
