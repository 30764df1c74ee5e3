/*
 * libFuzzer target for the JUnit importer (runner/junit_import.c): any
 * bytes must give 0 or an error with a message, never a crash, a leak or
 * unbounded memory, and the counts must add up.
 *
 * Built and replayed like every target here: `make fuzz-replay` runs the
 * seeds (tests/fuzz/corpus/fuzz_junit_import/) and kept reproducers,
 * `make fuzz FUZZ_SECONDS=N` fuzzes it with tests/fuzz/fuzz_junit_import.dict.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlgate/error.h"
#include "mlgate/junit_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t cases;
};

static int on_case(const struct mlg_junit_case *tc, void *payload)
{
	struct seen *s = payload;
	const char *strings[] = { tc->suite, tc->classname, tc->name, tc->file, tc->message, tc->type };

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (!strings[i] || strlen(strings[i]) > MLG_JUNIT_NAME_MAX + 3)
			abort();
	if (strlen(tc->message) > MLG_JUNIT_MESSAGE_MAX + 3 || tc->time_s < 0 || tc->line < 0)
		abort();
	s->cases++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlg_junit_options opts = MLG_JUNIT_OPTIONS_INIT;
	struct mlg_junit_totals t;
	struct seen s = { 0 };
	int rc;

	opts.on_case = on_case;
	opts.payload = &s;
	rc = mlg_junit_import_memory(&t, data, size, &opts);
	if (rc != 0 && rc != MLG_EINVALID)
		abort();
	if (rc && !*mlg_error_last())
		abort();
	if (t.tests != s.cases || t.tests != t.passed + t.failed + t.errors + t.skipped || t.flaky > t.passed)
		abort();
	return 0;
}
