/*
 * Unit tests for mlgate profile's inference (runner/profile.c): the rules
 * one at a time, then whole profiles of small files, read in one part and
 * in many, which must agree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/suite.h"
#include "profile.h"
#include "util.h"

#define B(t) MLG_PROFILE_BIT(MLG_TYPE_##t)
#define ALL (B(BOOL) | B(INT) | B(FLOAT) | B(DATE) | B(TIMESTAMP))
#define DAY_US (86400LL * 1000000LL)

static void test_type_order(void **state)
{
	(void)state;
	/* "0"/"1" parse as bool, int and float: a 0/1 column is an int (a label) */
	assert_int_equal(mlg_profile_type(B(BOOL) | B(INT) | B(FLOAT), 10), MLG_TYPE_INT);
	assert_int_equal(mlg_profile_type(B(BOOL), 10), MLG_TYPE_BOOL);
	assert_int_equal(mlg_profile_type(B(INT) | B(FLOAT), 10), MLG_TYPE_INT);
	assert_int_equal(mlg_profile_type(B(FLOAT), 10), MLG_TYPE_FLOAT);
	/* dates parse as timestamps too; the narrower wins */
	assert_int_equal(mlg_profile_type(B(DATE) | B(TIMESTAMP), 10), MLG_TYPE_DATE);
	assert_int_equal(mlg_profile_type(B(TIMESTAMP), 10), MLG_TYPE_TIMESTAMP);
	assert_int_equal(mlg_profile_type(0, 10), MLG_TYPE_STRING);
	/* no values: nothing to go by */
	assert_int_equal(mlg_profile_type(ALL, 0), MLG_TYPE_STRING);
}

static void test_widen(void **state)
{
	double lo, hi;

	(void)state;
	mlg_profile_widen(17.3, 89.6, 0.1, 0, &lo, &hi);
	assert_true(lo == 10 && hi == 97);
	/* never below 0 when nothing was */
	mlg_profile_widen(0.01, 499.74, 0.1, 0, &lo, &hi);
	assert_true(lo == 0 && hi == 550);
	/* negative values may go further down */
	mlg_profile_widen(-5, 5, 0.1, 0, &lo, &hi);
	assert_true(lo == -6 && hi == 6);
	/* small spans: rounded at the padding's decimal, exactly */
	mlg_profile_widen(0.25, 0.75, 0.1, 0, &lo, &hi);
	assert_true(lo == 0.2 && hi == 0.8);
	/* whole numbers: inward, so a 0/1 column stays 0 .. 1, not -0 .. 2 */
	mlg_profile_widen(0, 1, 0.1, 1, &lo, &hi);
	assert_true(lo == 0 && hi == 1 && !signbit(lo));
	mlg_profile_widen(18, 90, 0.1, 1, &lo, &hi);
	assert_true(lo == 10 && hi == 98);
	/* no margin: the observed bounds */
	mlg_profile_widen(0.1, 0.7, 0, 0, &lo, &hi);
	assert_true(lo == 0.1 && hi == 0.7);
	/* a constant column */
	mlg_profile_widen(3.5, 3.5, 0.1, 0, &lo, &hi);
	assert_true(lo == 3.5 && hi == 3.5);
	/* a span that overflows falls back to the observed bounds */
	mlg_profile_widen(-1e308, 1e308, 0.5, 0, &lo, &hi);
	assert_true(lo == -1e308 && hi == 1e308);
}

static void test_widen_time(void **state)
{
	int64_t lo, hi;
	/* 2025-01-01T00:00:00Z and 2025-12-31T00:00:00Z */
	int64_t a = 1735689600LL * 1000000, b = a + 364 * DAY_US;

	(void)state;
	mlg_profile_widen_time(a, b, 0.1, &lo, &hi);
	/* 36.4 days of padding, rounded out to whole days */
	assert_true(lo == a - 37 * DAY_US && hi == b + 37 * DAY_US);
	assert_int_equal(lo % DAY_US, 0);
	/* two hours apart: 12 minutes of padding, whole minutes */
	mlg_profile_widen_time(a + 1000000, a + 7200LL * 1000000, 0.1, &lo, &hi);
	assert_int_equal(lo % (60 * 1000000), 0);
	assert_true(lo <= a + 1000000 - 719LL * 1000000 && hi >= a + 7919LL * 1000000);
	/* nothing before 1970 when nothing was */
	mlg_profile_widen_time(0, 10 * DAY_US, 0.5, &lo, &hi);
	assert_true(lo == 0 && hi == 15 * DAY_US);
	mlg_profile_widen_time(a, a, 0.1, &lo, &hi);
	assert_true(lo == a && hi == a);
}

static void test_mostly(void **state)
{
	(void)state;
	/* 1% null: at least 0.005 of slack */
	assert_true(fabs(mlg_profile_mostly(990, 1000, 0.1) - 0.985) < 1e-12);
	/* 20% null: 10% of the bad share */
	assert_true(fabs(mlg_profile_mostly(800, 1000, 0.1) - 0.78) < 1e-12);
	/* rounded down to 3 decimals */
	assert_true(fabs(mlg_profile_mostly(2909, 3000, 0.1) - 0.964) < 1e-12);
	assert_true(mlg_profile_mostly(1, 1000, 0.1) == 0);
	assert_true(mlg_profile_mostly(0, 0, 0.1) == 0);
}

static void test_key_name(void **state)
{
	static const char *const yes[] = { "id", "ID", "user_id", "order-key", "userId", "orderKey",
					   "uuid", "session.uuid", "row_guid", "pk" };
	static const char *const no[] = { "paid", "valid", "monkey", "fluid", "idea", "width",
					  "amount", "", "userid" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!mlg_profile_key_name(yes[i]))
			fail_msg("'%s' should read as a key", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (mlg_profile_key_name(no[i]))
			fail_msg("'%s' should not read as a key", no[i]);
}

/* ---- whole profiles ---- */

struct fixture {
	char dir[64];
	char path[96];
	struct mlg_suite *suite;
};

/*
 * Writes `csv` to a temporary folder and loads a suite declaring it as
 * "d" with `options` added to the dataset and `top` to the suite.
 */
static void load_with(struct fixture *f, const char *csv, const char *options, const char *top)
{
	FILE *fp;
	char *suite_file, *text;
	struct mlg_diag diag = MLG_DIAG_INIT;

	snprintf(f->dir, sizeof(f->dir), "/tmp/mlg-profile-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/d.csv", f->dir);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs(csv, fp);
	fclose(fp);
	suite_file = mlg_xasprintf("%s/mlgate.json", f->dir);
	text = mlg_xasprintf("{ %s\"datasets\": { \"d\": { \"path\": \"d.csv\"%s } }, \"checks\": [] }",
			     top, options);
	assert_int_equal(mlg_suite_load_text(&f->suite, suite_file, text, strlen(text), &diag), 0);
	free(text);
	free(suite_file);
}

static void load(struct fixture *f, const char *csv, const char *options)
{
	load_with(f, csv, options, "");
}

static void unload(struct fixture *f)
{
	mlg_suite_free(f->suite);
	unlink(f->path);
	rmdir(f->dir);
}

static struct mlg_profile *profile_of(struct fixture *f, int jobs)
{
	struct mlg_profile_options o = MLG_PROFILE_OPTIONS_INIT;
	struct mlg_profile *p = NULL;

	o.jobs = jobs;
	assert_int_equal(mlg_profile_scan(&p, f->suite, &f->suite->datasets[0], &o), 0);
	return p;
}

static const struct mlg_profile_column *col(const struct mlg_profile *p, const char *name)
{
	for (size_t i = 0; i < p->ncolumns; i++)
		if (!strcmp(p->columns[i].name, name))
			return &p->columns[i];
	fail_msg("no column '%s'", name);
	return NULL;
}

static void test_profile_types(void **state)
{
	struct fixture f;
	struct mlg_profile *p;
	const struct mlg_profile_column *c;

	(void)state;
	load(&f,
	     "id,flag,yes,amount,mixed,day,ts,text,empty,big\n"
	     "3,0,true,1.5,1,2024-01-02,2024-01-02T03:04:05Z,a,,1\n"
	     "1,1,no,,2.5,2024-02-01,2024-01-02,b,,99999999999999999999\n"
	     "2,1,yes,-7,x,2023-12-31,2024-03-01T00:00:00+01:00,c,,3\n",
	     "");
	p = profile_of(&f, 1);
	assert_int_equal(p->rows, 3);
	assert_int_equal(p->ncolumns, 10);
	c = col(p, "id");
	assert_int_equal(c->type, MLG_TYPE_INT);
	assert_true(c->has_min && c->min == 1 && c->max == 3);
	assert_true(c->unique && c->key_name);
	assert_int_equal(col(p, "flag")->type, MLG_TYPE_INT);
	assert_int_equal(col(p, "yes")->type, MLG_TYPE_BOOL);
	c = col(p, "amount");
	assert_int_equal(c->type, MLG_TYPE_FLOAT);
	assert_int_equal(c->nulls, 1);
	assert_true(c->min == -7 && c->max == 1.5);
	assert_false(c->unique); /* a null */
	assert_int_equal(col(p, "mixed")->type, MLG_TYPE_STRING);
	c = col(p, "day");
	assert_int_equal(c->type, MLG_TYPE_DATE);
	assert_true(c->min == 19722 && c->max == 19754); /* 2023-12-31, 2024-02-01 */
	c = col(p, "ts");
	assert_int_equal(c->type, MLG_TYPE_TIMESTAMP);
	assert_true(c->min == 1704153600.0 * 1e6 && c->max == 1709247600.0 * 1e6);
	c = col(p, "text");
	assert_int_equal(c->type, MLG_TYPE_STRING);
	assert_int_equal(c->nfew, 3);
	assert_string_equal(c->few[0], "a");
	assert_true(c->unique);
	c = col(p, "empty");
	assert_int_equal(c->type, MLG_TYPE_STRING);
	assert_int_equal(c->values, 0);
	/* too large for an int64: a float */
	assert_int_equal(col(p, "big")->type, MLG_TYPE_FLOAT);
	mlg_profile_free(p);
	unload(&f);
}

/* Generated rows: the same profile from one part and from many. */
static void test_profile_parts_agree(void **state)
{
	struct mlg_strbuf csv = MLG_STRBUF_INIT;
	struct fixture f;
	struct mlg_profile *one, *many;
	uint64_t x = 12345;

	(void)state;
	mlg_strbuf_addstr(&csv, "id,n,cat,v,when,code\n");
	for (int i = 0; i < 20000; i++) {
		char code[32];

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		/* a column of distinct strings, but for a date in the middle */
		snprintf(code, sizeof(code), i == 15000 ? "2025-01-01" : "k%d", i);
		mlg_strbuf_addf(&csv, "%d,%d,c%d,%s,2025-01-%02dT00:00:%02dZ,%s\n", (i * 7919) % 20000,
				(int)(x >> 60), (int)((x >> 40) % 7), (x >> 33) % 50 ? "1.25" : "",
				1 + (int)((x >> 20) % 28), (int)((x >> 10) % 60), code);
	}
	load(&f, csv.buf, "");
	mlg_strbuf_release(&csv);
	setenv("MLGATE_SCAN_PART_BYTES", "4096", 1);
	one = profile_of(&f, 1);
	many = profile_of(&f, 7);
	unsetenv("MLGATE_SCAN_PART_BYTES");
	assert_int_equal(one->rows, 20000);
	assert_int_equal(many->rows, 20000);
	for (size_t i = 0; i < one->ncolumns; i++) {
		const struct mlg_profile_column *a = &one->columns[i], *b = &many->columns[i];

		assert_string_equal(a->name, b->name);
		assert_int_equal(a->type, b->type);
		assert_int_equal(a->nulls, b->nulls);
		assert_true(a->min == b->min && a->max == b->max);
		assert_int_equal(a->nfew, b->nfew);
		for (size_t j = 0; j < a->nfew; j++)
			assert_string_equal(a->few[j], b->few[j]);
		assert_int_equal(a->unique, b->unique);
	}
	assert_true(col(one, "id")->unique);
	assert_int_equal(col(one, "n")->type, MLG_TYPE_INT);
	assert_int_equal(col(one, "cat")->nfew, 7);
	assert_false(col(one, "code")->unique);
	assert_int_equal(col(one, "when")->type, MLG_TYPE_TIMESTAMP);
	mlg_profile_free(one);
	mlg_profile_free(many);
	unload(&f);
}

static void test_profile_no_rows(void **state)
{
	struct fixture f;
	struct mlg_profile *p = NULL;
	struct mlg_profile_options o = MLG_PROFILE_OPTIONS_INIT;

	(void)state;
	load(&f, "a,b\n", "");
	assert_true(mlg_profile_scan(&p, f.suite, &f.suite->datasets[0], &o) < 0);
	assert_null(p);
	unload(&f);
}

/* Out of memory budget: no data.unique, and a comment saying why. */
static void test_profile_budget(void **state)
{
	struct fixture f;
	struct mlg_profile *p;
	struct mlg_profile_suite_options so = MLG_PROFILE_SUITE_OPTIONS_INIT;
	cJSON *ds = cJSON_CreateObject();
	char *text;
	size_t n;

	(void)state;
	load_with(&f, "id,name\n1,a\n2,b\n3,a\n", "", "\"defaults\": { \"max_memory\": \"1KiB\" }, ");
	p = profile_of(&f, 1);
	assert_false(col(p, "id")->unique);
	assert_true(col(p, "id")->unique_unknown);
	/* tracking stopped before its duplicate came: unknown, not unique */
	assert_false(col(p, "name")->unique);
	assert_true(col(p, "name")->unique_unknown);
	cJSON_AddStringToObject(ds, "path", "d.csv");
	so.name = "d";
	so.dataset = ds;
	so.source = "d.csv";
	so.date = "2026-01-01";
	text = mlg_profile_suite(p, &so, &n);
	assert_non_null(strstr(text, "// no data.unique for id: max_memory ran out while its values were tracked"));
	assert_null(strstr(text, "\"data.unique\""));
	free(text);
	cJSON_Delete(ds);
	mlg_profile_free(p);
	unload(&f);
}

/* The suite text names every kind it uses with parameters the kinds take: it must load. */
static void test_suite_text_loads(void **state)
{
	struct fixture f;
	struct mlg_profile *p;
	struct mlg_profile_suite_options so = MLG_PROFILE_SUITE_OPTIONS_INIT;
	struct mlg_suite *s = NULL;
	struct mlg_diag diag = MLG_DIAG_INIT;
	cJSON *ds = cJSON_CreateObject();
	char *text, *file;
	size_t n;

	(void)state;
	load(&f, "id,\"we\"\"ird\nname\",x\n1,a,0.5\n2,b,\n", "");
	p = profile_of(&f, 1);
	cJSON_AddStringToObject(ds, "path", "d.csv");
	so.name = "d \"quoted\"";
	so.dataset = ds;
	so.source = "d.csv\n// not a comment end";
	so.date = "2026-01-01";
	text = mlg_profile_suite(p, &so, &n);
	assert_non_null(strstr(text, "// Generated by `mlgate profile` from d.csv?// not"));
	file = mlg_xasprintf("%s/mlgate.json", f.dir);
	if (mlg_suite_load_text(&s, file, text, strlen(text), &diag) < 0)
		fail_msg("generated suite does not load: %s\n%s",
			 diag.count ? diag.items[0].message : "?", text);
	assert_int_equal(s->nchecks, n);
	mlg_suite_free(s);
	mlg_diag_release(&diag);
	free(file);
	free(text);
	cJSON_Delete(ds);
	mlg_profile_free(p);
	unload(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_order),
		cmocka_unit_test(test_widen),
		cmocka_unit_test(test_widen_time),
		cmocka_unit_test(test_mostly),
		cmocka_unit_test(test_key_name),
		cmocka_unit_test(test_profile_types),
		cmocka_unit_test(test_profile_parts_agree),
		cmocka_unit_test(test_profile_no_rows),
		cmocka_unit_test(test_profile_budget),
		cmocka_unit_test(test_suite_text_loads),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
