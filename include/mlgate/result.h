/*
 * The outcome of one check.
 *
 * Every check ends in exactly one status. A result carries what was
 * observed and what was expected as JSON values (numbers, not only prose),
 * and, for row-level data checks, a few failing examples with row numbers.
 */
#ifndef MLGATE_RESULT_H
#define MLGATE_RESULT_H

#include <stdint.h>

#include <cjson/cJSON.h>

enum mlg_status {
	MLG_STATUS_PASSED,
	MLG_STATUS_FAILED,
	MLG_STATUS_ERROR,   /* could not be evaluated */
	MLG_STATUS_SKIPPED  /* deselected, or a prerequisite missing */
};

/* Reports stay readable whatever the data holds: a longer message, details
 * text or JSON string (a 100 MB cell, say) is cut, marked with its length. */
#define MLG_RESULT_MESSAGE_MAX 2048
#define MLG_RESULT_DETAILS_MAX 65536
#define MLG_RESULT_VALUE_MAX 1024

/** Failing examples kept per check by default; counts stay exact. */
#define MLG_RESULT_MAX_EXAMPLES 5

struct mlg_result {
	enum mlg_status status;
	char *message;      /* one line; owned */
	char *details;      /* longer text (command output tail...); owned; may be NULL */
	cJSON *observed;    /* JSON object; owned */
	cJSON *expected;    /* JSON object; owned */
	cJSON *examples;    /* JSON array of objects, at most max_examples; owned */
	uint64_t nexamples; /* examples offered, including those not kept */
	unsigned int max_examples;
	double duration_s;
	int started;        /* the engine began evaluating the check */
};

/** Prepares an empty result (status passed, empty objects). Allocates. */
void mlg_result_init(struct mlg_result *r);

/** Frees everything the result owns and zeroes it; accepts NULL. */
void mlg_result_release(struct mlg_result *r);

/** Sets status and message (printf-style), replacing an earlier message. */
void mlg_result_set(struct mlg_result *r, enum mlg_status status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/** Replaces the details text (copied). */
void mlg_result_set_details(struct mlg_result *r, const char *details);

/**
 * Cuts, in place, a message, details or JSON string (keys included) past
 * the MLG_RESULT_*_MAX sizes; the engine calls it as each check ends.
 */
void mlg_result_bound(struct mlg_result *r);

/**
 * Offers a failing example: row number (0 for none), column (may be NULL),
 * the value as text (may be NULL for null) and why it failed. Only the
 * first max_examples are kept; nexamples counts all.
 */
void mlg_result_example(struct mlg_result *r, uint64_t row, const char *column,
			const char *value, const char *why);

/** The status as reports spell it: "passed", "failed", "error", "skipped". */
const char *mlg_status_name(enum mlg_status status);

#endif
