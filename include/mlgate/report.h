/*
 * Reports of a run: JSON results (mlgate.results/v1), JUnit XML, and the
 * terminal report. Files are written atomically (a temporary file in the
 * same folder, then rename), so a reader never sees half a report.
 */
#ifndef MLGATE_REPORT_H
#define MLGATE_REPORT_H

#include <stdio.h>

#include "mlgate/engine.h"

/** The results as a JSON document; caller frees with cJSON_Delete(). */
cJSON *mlg_report_json(const struct mlg_run *run);

/** The JUnit XML text; caller frees with free(). */
char *mlg_report_junit(const struct mlg_run *run, size_t *len);

/**
 * Writes `len` bytes to `path` atomically; "-" writes to standard output.
 * Returns 0, or MLG_ERROR with a message naming the file.
 */
int mlg_write_atomic(const char *path, const void *data, size_t len);

/** Writes the JSON results to `path` ("-": stdout). */
int mlg_report_write_json(const struct mlg_run *run, const char *path);

/** Writes a results document (as mlg_report_json made it, maybe amended) to `path`. */
int mlg_report_write_json_doc(const cJSON *doc, const char *path);

/** Writes the JUnit XML to `path` ("-": stdout). */
int mlg_report_write_junit(const struct mlg_run *run, const char *path);

struct mlg_term_options {
	unsigned int version; /* MLG_TERM_OPTIONS_VERSION */
	int color;            /* use ANSI colours */
	int quiet;            /* only failures and the summary */
};
#define MLG_TERM_OPTIONS_VERSION 1
#define MLG_TERM_OPTIONS_INIT { MLG_TERM_OPTIONS_VERSION, 0, 0 }

/** One line for a finished check (the live part of the terminal report). */
void mlg_report_term_line(FILE *out, const struct mlg_check *check,
			  const struct mlg_result *result, const struct mlg_term_options *opts);

/** The end of the terminal report: failures explained, then the summary line. */
void mlg_report_term_summary(FILE *out, const struct mlg_run *run,
			     const struct mlg_term_options *opts);

#endif
