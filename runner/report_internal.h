/*
 * Semi-private helpers the report writers share: the metrics table that
 * model kinds put in observed.metrics (one object per metric and slice,
 * see the issue 6 brief), as cells each writer escapes for its medium.
 * Implemented in report_term.c.
 */
#ifndef MLG_REPORT_INTERNAL_H
#define MLG_REPORT_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "mlgate/result.h"

struct mlg_strbuf;

/* The table's columns, in the order reports show them. */
enum mlg_metric_column {
	MLG_METRIC_COL_METRIC,
	MLG_METRIC_COL_SLICE,
	MLG_METRIC_COL_ROWS,
	MLG_METRIC_COL_VALUE,
	MLG_METRIC_COL_BOUND,
	MLG_METRIC_COL_BASELINE,
	MLG_METRIC_COL_DELTA,
	MLG_METRIC_COL_CI,
	MLG_METRIC_COL_P,
	MLG_METRIC_COL_STATUS,
	MLG_METRIC_COL_WHY,
	MLG_METRIC_NCOLS
};

/* Column headings, and which columns hold numbers (aligned right). */
extern const char *const mlg_report__metric_headings[MLG_METRIC_NCOLS];
extern const unsigned char mlg_report__metric_numeric[MLG_METRIC_NCOLS];

/** observed.metrics when it is an array with at least one row, else NULL (borrowed). */
const cJSON *mlg_report__metrics(const cJSON *observed);

/** 1 when the row is about the whole dataset (no slice, or "all"). */
int mlg_report__metric_overall(const cJSON *row);

/** The row's status; an absent or unknown one reads as error (it did not pass). */
enum mlg_status mlg_report__metric_status(const cJSON *row);

/**
 * The row's cells as text, numbers compact (4 significant digits, deltas
 * signed). Each cell is allocated, raw (the writer escapes it), or NULL
 * when the row lacks that field; the value reads "n/a" when undefined and
 * the slice "all" when absent. Free with mlg_report__metric_cells_release().
 */
void mlg_report__metric_cells(const cJSON *row, char *cells[MLG_METRIC_NCOLS]);
void mlg_report__metric_cells_release(char *cells[MLG_METRIC_NCOLS]);

/** A number with 4 significant digits, whole when large ("12346", "0.9123"), into buf. */
const char *mlg_report__compact_number(double v, char buf[32]);

/**
 * Appends the table as aligned plain text, each line after `indent`, with
 * ANSI colours when `color` (`warn`: failures in yellow, as the check is
 * warn-severity). Shows the rows about the whole dataset and every row
 * that did not pass, at most `max_rows`, then a line counting the rest.
 * Appends nothing when `observed` has no metrics table.
 */
void mlg_report__metrics_text(struct mlg_strbuf *sb, const cJSON *observed, const char *indent,
			      int color, int warn, size_t max_rows);

/**
 * `observed` as compact JSON without its "metrics" array (the reports show
 * that as a table). Caller frees with cJSON_free().
 */
char *mlg_report__observed_text(const cJSON *observed);

#endif
