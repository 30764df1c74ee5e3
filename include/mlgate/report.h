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

/**
 * The Markdown summary: verdict, problems with observed and expected
 * values, a table of measurements, passed checks folded. Text from data
 * is escaped so it cannot render as markup. With max_bytes (0: none) it is
 * cut at a line to fit. Caller frees.
 */
char *mlg_report_summary(const struct mlg_run *run, size_t max_bytes);

/** Writes the Markdown summary to `path` ("-": stdout). */
int mlg_report_write_summary(const struct mlg_run *run, const char *path);

/**
 * OpenMetrics text (valid for `promtool check metrics`): per-check status
 * and duration, every numeric observed value, and the gate. Caller frees.
 */
char *mlg_report_metrics(const struct mlg_run *run);

/** Writes the metrics to `path` ("-": stdout). */
int mlg_report_write_metrics(const struct mlg_run *run, const char *path);

/**
 * PUTs the metrics to a Prometheus Pushgateway at `gateway` (its base URL),
 * grouped as job "mlgate", suite = the suite's name.
 */
int mlg_report_push_metrics(const struct mlg_run *run, const char *gateway);

/* GitHub Actions (used when GITHUB_ACTIONS=true). */

/** ::error/::warning lines for the problems, most severe first, at most 10 and a count of the rest; caller frees. */
char *mlg_github_annotations(const struct mlg_run *run);
/** Appends the Markdown summary to $GITHUB_STEP_SUMMARY's file, kept under its 1 MiB limit. */
int mlg_github_step_summary(const struct mlg_run *run, const char *path);
/** Appends gate, passed, failed and errors to $GITHUB_OUTPUT's file. */
int mlg_github_outputs(const struct mlg_run *run, const char *path);
/** A random token for ::stop-commands::, so logged data cannot run workflow commands; caller frees. */
char *mlg_github_stop_token(void);

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
