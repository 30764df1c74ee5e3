/*
 * The summary of a run. Same rules as the engine's summarise() in
 * engine.c, which is meant to call this instead (see run_summary.h).
 */
#include <string.h>

#include "run_summary.h"

void mlg_run__summarise(struct mlg_run *run)
{
	struct mlg_summary *s = &run->summary;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < run->suite->nchecks; i++) {
		const struct mlg_result *r = &run->results[i];
		int warn = run->suite->checks[i].severity_warn;

		s->total++;
		s->selected += run->selected[i] != 0;
		switch (r->status) {
		case MLG_STATUS_PASSED:
			s->passed++;
			break;
		case MLG_STATUS_SKIPPED:
			s->skipped++;
			break;
		/* A warn-severity check that did not pass is a warning: it
		 * never closes the gate, whether it failed or errored. */
		case MLG_STATUS_FAILED:
			if (warn)
				s->warnings++;
			else
				s->failed++;
			break;
		case MLG_STATUS_ERROR:
			if (warn)
				s->warnings++;
			else
				s->errors++;
			break;
		}
	}
	run->complete = !run->interrupted && s->selected == s->total;
	run->gate_open = !run->interrupted && !s->failed && !s->errors;
}
