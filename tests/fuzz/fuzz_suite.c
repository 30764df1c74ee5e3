/*
 * libFuzzer target for the suite loader (mlg_suite_load_text): JSON with
 * comments, ${VAR} expansion, datasets, checks of every kind with their
 * parameter rules, needs, gate. Any bytes must give either a suite or
 * MLG_EINVALID with at least one problem, each with a message, and never
 * a crash, a leak or a file written.
 *
 * A few variables are set once, so that ${VAR} and ${VAR:-default} find
 * something: FUZZ_DIR, FUZZ_FILE, FUZZ_EMPTY (set, empty), FUZZ_NUMBER,
 * FUZZ_TOKEN, FUZZ_ODD (bytes JSON must escape); FUZZ_UNSET stays unset.
 * The suite is named /tmp/mlgate.json so that dataset paths resolve under
 * /tmp whatever the working folder (nothing is read there while loading).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_variables(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	setenv("FUZZ_DIR", "/tmp/mlgate-fuzz", 1);
	setenv("FUZZ_FILE", "data.csv", 1);
	setenv("FUZZ_EMPTY", "", 1);
	setenv("FUZZ_NUMBER", "0.5", 1);
	setenv("FUZZ_TOKEN", "s3cr3t-token", 1);
	setenv("FUZZ_ODD", "a\"b\\c\n${FUZZ_FILE}\x01", 1);
	unsetenv("FUZZ_UNSET");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = NULL;
	int rc;

	set_variables();
	rc = mlg_suite_load_text(&suite, "/tmp/mlgate.json", (const char *)data, size, &diag);
	if (rc == 0) {
		if (!suite || diag.count)
			abort();
		for (size_t i = 0; i < suite->nchecks; i++)
			if (!suite->checks[i].id || !suite->checks[i].kind)
				abort();
		for (size_t i = 0; i < suite->ndatasets; i++)
			if (mlg_suite_dataset(suite, suite->datasets[i].name) != &suite->datasets[i] &&
			    strcmp(mlg_suite_dataset(suite, suite->datasets[i].name)->name, suite->datasets[i].name))
				abort();
	} else {
		if (suite || rc != MLG_EINVALID || !diag.count)
			abort();
		for (size_t i = 0; i < diag.count; i++)
			if (!diag.items[i].message || !*diag.items[i].message || !diag.items[i].path ||
			    diag.items[i].line < 0 || diag.items[i].column < 0)
				abort();
	}
	mlg_diag_release(&diag);
	mlg_suite_free(suite);
	return 0;
}
