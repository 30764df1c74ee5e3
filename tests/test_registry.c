/*
 * Unit tests for the table of built-in check kinds (checks/registry.c)
 * and the declarations of every kind in it.
 *
 * Tests run from the repository root: each kind must have golden cases
 * under tests/data/<kind>/ and an entry in README.md's kind reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "mlgate/check.h"
#include "mlgate/error.h"
#include "mlgate/registry.h"

/* 1 when `s` is a non-empty single line of printable text. */
static int one_line(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			return 0;
	return 1;
}

static void test_count_and_at(void **state)
{
	size_t n = mlg_registry_count();

	(void)state;
	assert_true(n >= 7);
	for (size_t i = 0; i < n; i++)
		assert_non_null(mlg_registry_at(i));
	assert_null(mlg_registry_at(n));
	assert_null(mlg_registry_at(n + 100));
	assert_null(mlg_registry_at((size_t)-1));
}

/* Lookups are binary searches: the table must be strictly sorted. */
static void test_sorted_strictly(void **state)
{
	(void)state;
	for (size_t i = 1; i < mlg_registry_count(); i++) {
		const char *a = mlg_registry_at(i - 1)->name, *b = mlg_registry_at(i)->name;

		if (strcmp(a, b) >= 0)
			fail_msg("kinds %zu and %zu out of order: '%s' then '%s'", i - 1, i, a, b);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);
		const char *dot = strchr(k->name, '.');
		char cat[32];

		if (!dot || strchr(dot + 1, '.') || !dot[1])
			fail_msg("kind '%s' is not <category>.<name>", k->name);
		mlg_kind_category(k, cat, sizeof(cat));
		if (strcmp(cat, "data") && strcmp(cat, "model") && strcmp(cat, "infra"))
			fail_msg("kind '%s': category '%s' is not data, model or infra", k->name, cat);
		assert_int_equal(strlen(cat), (size_t)(dot - k->name));
		/* the name part: lowercase letters, digits and '_' */
		for (const char *p = dot + 1; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				fail_msg("kind '%s': '%c' in its name", k->name, *p);
	}
}

static void test_declarations(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);
		size_t nparams = 0;

		if (k->abi != MLG_KIND_ABI)
			fail_msg("kind '%s': abi %u, want %u", k->name, k->abi, MLG_KIND_ABI);
		if (!one_line(k->summary))
			fail_msg("kind '%s': summary is not one non-empty line", k->name);
		if (!k->params)
			fail_msg("kind '%s': no params table", k->name);
		if (!!k->run == !!k->scan)
			fail_msg("kind '%s': exactly one of run and scan must be set (run %s, scan %s)",
				 k->name, k->run ? "set" : "NULL", k->scan ? "set" : "NULL");
		if (k->scan && !(k->scan->prepare && k->scan->begin && k->scan->batch && k->scan->merge &&
				 k->scan->end && k->scan->free_state && k->scan->free_plan))
			fail_msg("kind '%s': scan ops incomplete", k->name);
		for (const struct mlg_param *p = k->params; p->name; p++) {
			nparams++;
			if (!one_line(p->doc))
				fail_msg("kind '%s': parameter '%s' has no one-line doc", k->name, p->name);
			if (!strcmp(mlg_param_type_name(p->type), "?"))
				fail_msg("kind '%s': parameter '%s' has an unknown type", k->name, p->name);
			if (p->required && p->default_json)
				fail_msg("kind '%s': parameter '%s' is required and has a default", k->name,
					 p->name);
		}
		if (!nparams)
			fail_msg("kind '%s': empty params table", k->name);
		/* scanning kinds read a dataset */
		if (k->scan) {
			const struct mlg_param *p;

			for (p = k->params; p->name; p++)
				if (p->type == MLG_PARAM_DATASET)
					break;
			if (!p->name)
				fail_msg("kind '%s' scans but has no dataset parameter", k->name);
		}
	}
}

static void test_param_names_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);

		for (const struct mlg_param *p = k->params; p->name; p++) {
			for (const struct mlg_param *c = mlg_common_params; c->name; c++)
				if (!strcmp(p->name, c->name))
					fail_msg("kind '%s': parameter '%s' shadows the common one", k->name,
						 p->name);
			for (const struct mlg_param *q = p + 1; q->name; q++)
				if (!strcmp(p->name, q->name))
					fail_msg("kind '%s': parameter '%s' declared twice", k->name, p->name);
		}
	}
}

static void default_parses(const char *owner, const struct mlg_param *p)
{
	cJSON *v;

	if (!p->default_json)
		return;
	v = cJSON_Parse(p->default_json);
	if (!v)
		fail_msg("%s: default of '%s' is not JSON: %s", owner, p->name, p->default_json);
	/* and it has the parameter's own type */
	switch (p->type) {
	case MLG_PARAM_BOOLEAN:
		assert_true(cJSON_IsBool(v));
		break;
	case MLG_PARAM_NUMBER:
		assert_true(cJSON_IsNumber(v));
		break;
	case MLG_PARAM_INTEGER:
		assert_true(cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble);
		break;
	case MLG_PARAM_FRACTION:
		assert_true(cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1);
		break;
	case MLG_PARAM_STRING:
	case MLG_PARAM_PATH:
	case MLG_PARAM_DATASET:
		assert_true(cJSON_IsString(v));
		break;
	case MLG_PARAM_DURATION:
	case MLG_PARAM_BOUND:
	case MLG_PARAM_SIZE:
		assert_true(cJSON_IsString(v) || cJSON_IsNumber(v));
		break;
	case MLG_PARAM_INTEGERS:
		assert_true(cJSON_IsNumber(v) || cJSON_IsArray(v));
		break;
	case MLG_PARAM_STRINGS:
		assert_true(cJSON_IsString(v) || cJSON_IsArray(v));
		break;
	case MLG_PARAM_OBJECT:
		assert_true(cJSON_IsObject(v));
		break;
	case MLG_PARAM_LIST:
		assert_true(cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0);
		break;
	}
	cJSON_Delete(v);
}

static void test_defaults_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);

		for (const struct mlg_param *p = k->params; p->name; p++)
			default_parses(k->name, p);
	}
	for (const struct mlg_param *c = mlg_common_params; c->name; c++) {
		assert_true(one_line(c->doc));
		default_parses("common", c);
	}
}

static void test_common_params(void **state)
{
	static const char *const want[] = { "kind", "id", "name", "severity", "tags", "description",
					    "timeout", "needs" };
	size_t n = 0;

	(void)state;
	for (const struct mlg_param *c = mlg_common_params; c->name; c++) {
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_string_equal(c->name, want[n]);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
}

static void test_examples(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);
		cJSON *ex, *kind, *it;

		if (!k->example)
			fail_msg("kind '%s' has no example", k->name);
		ex = cJSON_Parse(k->example);
		if (!ex)
			fail_msg("kind '%s': example is not JSON: %s", k->name, k->example);
		assert_true(cJSON_IsObject(ex));
		kind = cJSON_GetObjectItemCaseSensitive(ex, "kind");
		if (!cJSON_IsString(kind) || strcmp(kind->valuestring, k->name))
			fail_msg("kind '%s': example's \"kind\" is not \"%s\"", k->name, k->name);
		/* every key of the example is a parameter of the kind, or a common one */
		cJSON_ArrayForEach(it, ex) {
			const struct mlg_param *p;
			int found = 0;

			for (p = k->params; p->name && !found; p++)
				found = !strcmp(p->name, it->string);
			for (p = mlg_common_params; p->name && !found; p++)
				found = !strcmp(p->name, it->string);
			if (!found)
				fail_msg("kind '%s': example uses unknown parameter '%s'", k->name, it->string);
		}
		/* and every required parameter is given */
		for (const struct mlg_param *p = k->params; p->name; p++)
			if (p->required && !cJSON_GetObjectItemCaseSensitive(ex, p->name))
				fail_msg("kind '%s': example lacks required parameter '%s'", k->name, p->name);
		cJSON_Delete(ex);
	}
}

static void test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);
		char copy[128];

		assert_ptr_equal(mlg_registry_find(k->name), k);
		/* by value, not by pointer */
		snprintf(copy, sizeof(copy), "%s", k->name);
		assert_ptr_equal(mlg_registry_find(copy), k);
	}
	assert_null(mlg_registry_find(""));
	assert_null(mlg_registry_find("data"));
	assert_null(mlg_registry_find("data."));
	assert_null(mlg_registry_find("data.rang"));
	assert_null(mlg_registry_find("data.rangex"));
	assert_null(mlg_registry_find("Data.range"));
	assert_null(mlg_registry_find("aaa.first"));
	assert_null(mlg_registry_find("zzz.last"));
	assert_null(mlg_registry_find("data.range "));
}

static void test_param_type_names(void **state)
{
	(void)state;
	assert_string_equal(mlg_param_type_name(MLG_PARAM_STRING), "string");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_NUMBER), "number");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_INTEGER), "integer");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_BOOLEAN), "boolean");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_FRACTION), "fraction");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_DURATION), "duration");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_STRINGS), "string or list");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_OBJECT), "object");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_DATASET), "dataset");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_PATH), "path");
	assert_string_equal(mlg_param_type_name(MLG_PARAM_BOUND), "number or time");
}

/* Golden cases: tests/data/<kind>/ for every kind. */
static void test_golden_folders(void **state)
{
	char missing[2048] = "";
	size_t mlen = 0;

	(void)state;
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const char *name = mlg_registry_at(i)->name;
		char path[256];
		struct stat st;

		snprintf(path, sizeof(path), "tests/data/%s", name);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen, " %s", path);
	}
	if (mlen)
		fail_msg("kinds without a golden-case folder:%s", missing);
}

/* README.md documents every kind under a "#### `<kind>`" heading. */
static void test_readme_sections(void **state)
{
	char *readme = NULL;
	size_t len = 0;
	char missing[2048] = "";
	size_t mlen = 0;

	(void)state;
	if (mlg_read_file("README.md", &readme, &len) < 0)
		fail_msg("cannot read README.md: %s", mlg_error_last());
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		char heading[160];

		snprintf(heading, sizeof(heading), "#### `%s`", mlg_registry_at(i)->name);
		if (!strstr(readme, heading))
			mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen, " %s", heading);
	}
	free(readme);
	if (mlen)
		fail_msg("README.md lacks:%s", missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_at),
		cmocka_unit_test(test_sorted_strictly),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_param_names_unique),
		cmocka_unit_test(test_defaults_parse),
		cmocka_unit_test(test_common_params),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_param_type_names),
		cmocka_unit_test(test_golden_folders),
		cmocka_unit_test(test_readme_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
