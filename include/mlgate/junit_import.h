/*
 * Reading a JUnit XML report written by another test runner (pytest
 * --junitxml, Maven Surefire, Gradle, Jest, go-junit-report...), one
 * <testcase> at a time.
 *
 * The file is streamed (libxml2's xmlTextReader), so memory stays bounded
 * whatever its size: the reader keeps the enclosing suites' names and the
 * test case being read, nothing else; what to keep of the cases is the
 * caller's choice. The input is untrusted: no entity is ever expanded or
 * loaded, a DOCTYPE that declares entities is refused, nothing is fetched
 * from the network, and libxml2's limits for untrusted input stay on
 * (no XML_PARSE_HUGE). Any byte string may be given: malformed input is an
 * error with its line and column, never a crash.
 *
 * Dialects read: a <testsuites> root or a lone <testsuite>; suites nested
 * in suites; <testcase classname name time file line> with <failure>,
 * <error>, <skipped> (pytest's type="pytest.skip" and "pytest.xfail" too);
 * Surefire's <flakyFailure>/<flakyError> (failed, then passed on a rerun:
 * counted as passed and flaky) and <rerunFailure>/<rerunError> (the reruns
 * of a test that kept failing: its <failure> or <error> decides);
 * GoogleTest's and CTest's status="notrun"/"disabled" and
 * result="skipped"/"suppressed" (skipped). Other elements (<properties>,
 * <system-out>, <system-err>) are read past; a <testcase> inside one is
 * still counted, so no test can hide there.
 */
#ifndef MLGATE_JUNIT_IMPORT_H
#define MLGATE_JUNIT_IMPORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum mlg_junit_status {
	MLG_JUNIT_PASSED,
	MLG_JUNIT_FAILED,  /* <failure>: an assertion did not hold */
	MLG_JUNIT_ERROR,   /* <error>: the test could not run to its end */
	MLG_JUNIT_SKIPPED  /* <skipped>, or not run */
};

/** Bytes of a case's message kept (its first line), not counting the "..." that marks a cut. */
#define MLG_JUNIT_MESSAGE_MAX 500
/** Bytes of a suite name, class name, test name or file name kept. */
#define MLG_JUNIT_NAME_MAX 1024

/**
 * One test case. The strings are valid UTF-8, never NULL ("" when the
 * attribute is absent), cut to MLG_JUNIT_NAME_MAX bytes (the message to
 * MLG_JUNIT_MESSAGE_MAX) with "..." marking a cut; they are valid during
 * the callback only.
 */
struct mlg_junit_case {
	const char *suite;      /* name of the innermost enclosing <testsuite> */
	const char *classname;
	const char *name;
	const char *file;       /* the test's source file, when the runner wrote one */
	long line;              /* its line in `file`; 0 when not given */
	double time_s;          /* 0 when absent or unreadable */
	enum mlg_junit_status status;
	int flaky;              /* passed after failed runs (Surefire's <flakyFailure>) */
	const char *message;    /* first line of the failure, error or skip reason */
	const char *type;       /* the failure's type ("AssertionError"), or "" */
	unsigned long xml_line; /* where the <testcase> starts in the report */
};

/** What a whole report held. */
struct mlg_junit_totals {
	uint64_t tests;    /* <testcase> elements */
	uint64_t passed;   /* flaky ones included */
	uint64_t failed;
	uint64_t errors;
	uint64_t skipped;
	uint64_t flaky;
	uint64_t suites;   /* <testsuite> elements, nested ones included */
	double time_s;     /* sum of the cases' times */
};

/**
 * Called for each test case in file order. Returning non-zero stops the
 * import, which then returns that value.
 */
typedef int (*mlg_junit_case_fn)(const struct mlg_junit_case *tc, void *payload);

struct mlg_junit_options {
	unsigned int version;          /* MLG_JUNIT_OPTIONS_VERSION */
	const char *name;              /* how messages name the input ("reports/junit.xml"); NULL: the
					  path, or "the JUnit report" for memory */
	mlg_junit_case_fn on_case;     /* may be NULL: totals only */
	void *payload;                 /* passed to on_case */
	volatile sig_atomic_t *cancel; /* non-zero stops the import with MLG_EINTR; may be NULL */
	double deadline;               /* mlg_now() seconds after which the import stops with
					  MLG_ETIMEOUT; 0: none */
};

#define MLG_JUNIT_OPTIONS_VERSION 1
#define MLG_JUNIT_OPTIONS_INIT { MLG_JUNIT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0 }

/**
 * Imports the JUnit report at `path`, calling opts->on_case for each test
 * case, and sets *out to the totals (also on an error: the cases read
 * until then). Returns 0; MLG_ENOTFOUND when the file does not exist;
 * MLG_EINVALID when it is not well-formed XML or not a JUnit report (the
 * message names the input, what was expected and where: "'junit.xml' is
 * not well-formed XML: ... (line 3, column 7)"); MLG_EINTR or
 * MLG_ETIMEOUT when stopped; MLG_ERROR when it cannot be read; or the
 * callback's non-zero value. The message is in mlg_error_last().
 * Allocates nothing that outlives the call. `opts` may be NULL.
 */
int mlg_junit_import_file(struct mlg_junit_totals *out, const char *path,
			  const struct mlg_junit_options *opts);

/** As mlg_junit_import_file(), for `len` bytes in memory (any bytes: a fuzzer's input). */
int mlg_junit_import_memory(struct mlg_junit_totals *out, const void *data, size_t len,
			    const struct mlg_junit_options *opts);

/** The status as JUnit and mlgate's reports spell it: "passed", "failed", "error", "skipped". */
const char *mlg_junit_status_name(enum mlg_junit_status status);

#endif
