/*
 * Shared between the files of the predictions engine (runner/model*.c):
 * the parsed declaration of a check, the rows kept per dataset, and the
 * steps of the evaluation.
 */
#ifndef MLGATE_MODEL_INTERNAL_H
#define MLGATE_MODEL_INTERNAL_H

#include <stdint.h>

#include "mlgate/check.h"
#include "mlgate/modelmetrics.h"
#include "mlgate/strcount.h"

enum model_task { MODEL_CLS, MODEL_REG, MODEL_FAIR };
enum model_on { ON_VALUE, ON_CI_LOW, ON_CI_HIGH };

/* The bounds declared for one metric. */
struct model_bound {
	int metric;                  /* enum mlg_metric */
	const char *name;            /* as declared (borrowed from the suite) */
	int has_min, has_max, has_drop, has_rel, has_nwtb;
	double min, max, max_drop, max_rel, alpha;
	enum model_on on;
};

/* One slicing: a column, or a cross of columns. */
struct model_slicing {
	size_t *cols;                /* indices into spec.groupcols */
	size_t ncols;
};

/* A check's declaration, parsed once (and again at validation time). */
struct model_spec {
	enum model_task task;
	const char *label, *score, *prediction, *positive, *baseline;
	const char **class_names, **class_cols; /* "scores": class -> column, declared order */
	size_t nclass_cols;
	double threshold;
	unsigned int ece_bins;
	struct model_bound *metrics;
	size_t nmetrics;
	const char **groupcols;      /* every column a slicing names, once */
	size_t ngroupcols, ngroupcols_alloc;
	struct model_slicing *slicings;
	size_t nslicings;
	uint64_t min_support;
	int bootstrap;               /* intervals or tests need resamples */
	unsigned int resamples;
	uint64_t seed;
	double level;
	/* model.fairness */
	int has_gap, has_ratio;
	double max_gap, min_ratio;
};

struct mlg_diag;

/*
 * Parses the check's parameters into *spec (allocated arrays; strings
 * borrowed from the suite; release with model_spec_release()). Problems go
 * to `diag` when it is not NULL; returns the number of problems.
 */
int model_spec_parse(const struct mlg_check *check, struct model_spec *spec, struct mlg_diag *diag);
void model_spec_release(struct model_spec *spec);

/* Problems met while reading rows, counted; the first kept with its row. */
enum model_issue {
	ISSUE_NULL_LABEL,
	ISSUE_BAD_LABEL,     /* regression: not a number */
	ISSUE_NULL_SCORE,
	ISSUE_BAD_SCORE,     /* not a number, or not finite */
	ISSUE_SCORE_RANGE,   /* outside [0, 1]: only an error for probability metrics */
	ISSUE_NULL_PRED,
	ISSUE_BAD_PRED,      /* regression: not a number, or not finite */
	ISSUE_COUNT
};

struct model_issue_seen {
	uint64_t count;
	uint64_t row;        /* first, within the part until merged */
	long col;            /* the column of the first */
	char value[48];      /* its text, cut */
};

/* What a scan of one predictions dataset plans to read. */
struct model_plan {
	enum model_task task;
	const struct mlg_check *check;
	struct mlg_mem *mem;
	long label, score, pred;     /* column indices, -1 when not read */
	long *classcol;              /* "scores": one column per declared class */
	size_t nclasscols;
	long *groupcol;              /* spec.groupcols, resolved */
	size_t ngroupcols;
	const char *const *columns;
};

/* The rows of one part, then (merged in file order) of the dataset. */
struct model_state {
	const struct model_plan *plan;
	uint64_t n, alloc;
	uint16_t *label, *pred;      /* classification: ids in `values` */
	double *y, *p;               /* regression: true and predicted values */
	double *score;               /* n, or n * nclasscols */
	uint32_t **group;            /* per group column: ids in groups[g] */
	struct mlg_strcount values;  /* label and prediction texts */
	uint64_t *value_row;         /* first row of each value */
	struct mlg_strcount *groups; /* per group column */
	struct model_issue_seen issue[ISSUE_COUNT];
	size_t charged;
	int too_many;                /* a merge met more than MODEL_MAX_CLASSES labels */
};

/* Most distinct labels (and predicted labels) a classification may have. */
#define MODEL_MAX_CLASSES 1000

/* The evaluation, from the merged states (runner/modeleval.c). */
void model_evaluate(const struct mlg_check *check, const struct mlg_scan_input *in, size_t nin,
		    struct mlg_result *out);

#endif
