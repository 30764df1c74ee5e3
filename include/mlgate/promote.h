/*
 * The promotion gate: deciding from results whether a model may be
 * promoted, and calling each registry of the suite's gate.promote in order.
 *
 * Fail closed: nothing is promoted unless the results are complete, cover
 * every gating check of this very suite, and every one of them passed.
 * Every call carries one idempotency key derived from suite, model,
 * version, commit and results digest, so a retried CI job or a repeated
 * `mlgate promote` never promotes twice.
 *
 * To add a registry adapter: write runner/promote_<name>.c exporting one
 * `const struct mlg_promoter mlg_promoter_<name>`, list it in
 * runner/promoters.c, and document it in the README's Promotion section.
 */
#ifndef MLGATE_PROMOTE_H
#define MLGATE_PROMOTE_H

#include <signal.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "mlgate/check.h"
#include "mlgate/http.h"
#include "mlgate/suite.h"

/* Exit codes of promotion, DESIGN.md section 3. */
enum mlg_gate_verdict {
	MLG_GATE_OPEN = 0,          /* every gating check passed */
	MLG_GATE_FAILED = 1,        /* a gating check failed */
	MLG_GATE_FOREIGN = 2,       /* the results are not this suite's, or unreadable */
	MLG_GATE_INCOMPLETE = 3,    /* errors, interrupted, deselected or missing checks */
	MLG_GATE_REGISTRY_FAILED = 4
};

/** What a registry is told about a candidate. Strings are borrowed. */
struct mlg_promotion {
	const char *verdict;        /* "approved" or "rejected" */
	const char *suite;
	const char *commit;         /* may be NULL */
	const char *branch;         /* may be NULL */
	const char *ci_job_url;     /* from GitHub/GitLab/Jenkins variables; may be NULL */
	const char *results_digest; /* "sha256:<hex>" of the results without times */
	const cJSON *summary;       /* the results' summary object */
	const cJSON *failed;        /* array of {id, status, message} of gating checks that did not pass */
	const char *reason;         /* one line: why the gate is closed; NULL when open */
};

/** One call to one registry. */
struct mlg_promote_call {
	const cJSON *entry;                 /* the gate.promote entry, ${VAR} expanded */
	const char *path;                   /* its JSON path, "gate.promote[1]" */
	const struct mlg_promotion *facts;
	const char *idempotency_key;        /* also covers model and version of this entry */
	int dry_run;                        /* print the requests, send nothing */
	FILE *out;                          /* where dry-run requests and progress go */
	struct mlg_http_request http;       /* timeouts, retries, CA file from the entry */
};

struct mlg_promoter {
	const char *name;                   /* MUST: "webhook", "mlflow", "oci" */
	const char *summary;                /* MUST: one line */
	const struct mlg_param *params;     /* MUST: entry keys besides the common ones */
	const char *default_on;             /* MUST: JSON list of verdicts it is called for */
	/* MAY: cross-parameter rules for an entry at JSON path `path`. */
	void (*validate)(const cJSON *entry, const char *path, struct mlg_diag *diag);
	/* MUST: perform (or, dry, print) the calls; 0, or a negative code with
	 * the message in mlg_error_last() (no secret in it). */
	int (*promote)(const struct mlg_promote_call *call);
};

/** Keys every gate.promote entry takes, NULL-terminated. */
extern const struct mlg_param mlg_promote_common_params[];

/** The adapter called `name`, or NULL; and the list of them. */
const struct mlg_promoter *mlg_promoter_find(const char *name);
size_t mlg_promoter_count(void);
const struct mlg_promoter *mlg_promoter_at(size_t i);

/**
 * Validates the suite's "gate" object (JSON path "gate") into `diag`.
 * With `expand`, ${VAR} references in it are expanded first (a promotion
 * is about to happen); without, they are left for later, so that a run
 * without --promote does not need the registry's variables.
 */
void mlg_gate_validate(struct mlg_suite *suite, int expand, struct mlg_diag *diag);

/**
 * Decides the gate from results (a parsed mlgate.results/v1 document) for
 * `suite`. Returns an enum mlg_gate_verdict; *reason (caller frees) says
 * why in one line.
 */
int mlg_gate_decide(const cJSON *results, const struct mlg_suite *suite, char **reason);

/**
 * Records in `results` (as "candidates") which candidate each gate.promote
 * entry names at run time (model and version, or repository and tag, with
 * ${VAR} expanded; null where a variable is unset), so that a later
 * `mlgate promote` cannot promote another version than the one tested.
 */
void mlg_results_add_candidates(cJSON *results, const struct mlg_suite *suite);

/**
 * NULL when entry `index` (expanded) names the candidate the results
 * recorded; else why not (caller frees).
 */
char *mlg_results_candidate_mismatch(const cJSON *results, const cJSON *entry, size_t index);

/** "sha256:<hex>" of the results without times, timestamps and promotion records; caller frees. */
char *mlg_results_digest(const cJSON *results);

struct mlg_promote_options {
	unsigned int version;           /* MLG_PROMOTE_OPTIONS_VERSION */
	int dry_run;
	FILE *out;                      /* progress and dry-run requests */
	volatile sig_atomic_t *cancel;  /* set by a signal handler: stop, promote nothing more */
};
#define MLG_PROMOTE_OPTIONS_VERSION 1
#define MLG_PROMOTE_OPTIONS_INIT { MLG_PROMOTE_OPTIONS_VERSION, 0, NULL, NULL }

/** mlg_promote's return when a signal stopped it (DESIGN.md: exit 130). */
#define MLG_GATE_INTERRUPTED 130

/**
 * The whole gate: decides, and when open calls every gate.promote entry
 * whose "on" includes "approved" (when closed, those that include
 * "rejected": an event, never a promotion). Records each successful call
 * in `results` under "promotion", and skips calls already recorded there
 * with the same key. Returns the exit code: 0 promoted (or nothing to do),
 * 1/2/3 gate closed as mlg_gate_decide says, 4 a registry call failed,
 * 130 stopped by a signal (the calls not yet made are not made).
 * *changed is set when `results` gained records to save.
 */
int mlg_promote(cJSON *results, const struct mlg_suite *suite,
		const struct mlg_promote_options *opts, int *changed);

#endif
