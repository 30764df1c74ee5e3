/* Unit tests for reading JSON values by path (runner/jsonpath.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mlgate/jsonpath.h"

static const char doc_text[] =
	"{ \"test\": { \"auc\": 0.91, \"f1\": 0.8 },"
	"  \"slices\": [ { \"f1\": 0.7 }, { \"f1\": 0.75 }, { \"f1\": 0.6 } ],"
	"  \"predictions\": [ [0.1, 0.9], [0.3, 0.7] ],"
	"  \"model.version\": \"3\", \"a[b]\": 1, \"it's\": 2, \"$\": 4, \"$ref\": 5,"
	"  \"empty\": {}, \"nothing\": null }";

static cJSON *doc;

static int setup(void **state)
{
	(void)state;
	doc = cJSON_Parse(doc_text);
	return doc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cJSON_Delete(doc);
	return 0;
}

/* The number at path, which must be there. */
static double number_at(const char *path)
{
	char *why = (char *)"unset";
	const cJSON *v = mlg_json_path_get(doc, path, &why);

	if (!v)
		fail_msg("'%s': %s", path, why);
	assert_null(why);
	if (!cJSON_IsNumber(v))
		fail_msg("'%s' is not a number", path);
	return v->valuedouble;
}

/* The path is missing, and *why reads `want`. */
static void missing_is(const char *path, const char *want)
{
	char *why = NULL;
	const cJSON *v = mlg_json_path_get(doc, path, &why);

	if (v)
		fail_msg("'%s' was found", path);
	assert_non_null(why);
	if (strcmp(why, want))
		fail_msg("'%s': got \"%s\", want \"%s\"", path, why, want);
	free(why);
}

static void test_dotted_paths(void **state)
{
	(void)state;
	assert_true(number_at("test.auc") == 0.91);
	assert_true(number_at("slices[2].f1") == 0.6);
	assert_true(number_at("predictions[1][0]") == 0.3);
	/* model.metric always took a key straight after an index */
	assert_true(number_at("slices[1]f1") == 0.75);
}

static void test_dollar_root(void **state)
{
	char *why = NULL;

	(void)state;
	assert_true(number_at("$.test.auc") == 0.91);
	assert_true(number_at("$.predictions[0][1]") == 0.9);
	assert_true(mlg_json_path_get(doc, "$", &why) == doc);
	assert_null(why);
	/* "$" then anything but "." or "[" is a key */
	assert_true(number_at("$ref") == 5);
	/* a key named "$" is still reachable, quoted */
	assert_true(number_at("$[\"$\"]") == 4);
	{
		cJSON *list = cJSON_Parse("[10, [20, 30]]");

		assert_true(cJSON_GetNumberValue(mlg_json_path_get(list, "$[1][1]", &why)) == 30);
		assert_true(cJSON_GetNumberValue(mlg_json_path_get(list, "[0]", &why)) == 10);
		cJSON_Delete(list);
	}
}

static void test_quoted_keys(void **state)
{
	char *why = NULL;
	const cJSON *v;

	(void)state;
	v = mlg_json_path_get(doc, "[\"model.version\"]", &why);
	assert_true(cJSON_IsString(v) && !strcmp(v->valuestring, "3"));
	v = mlg_json_path_get(doc, "$['model.version']", &why);
	assert_true(cJSON_IsString(v) && !strcmp(v->valuestring, "3"));
	assert_true(number_at("$[\"a[b]\"]") == 1);
	assert_true(number_at("['it\\'s']") == 2);
	assert_true(number_at("[\"it's\"]") == 2);
	assert_true(number_at("[\"\\u0074est\"].auc") == 0.91);
	assert_true(number_at("[\"test\"][\"f1\"]") == 0.8);
}

static void test_messages(void **state)
{
	(void)state;
	missing_is("test.loss", "no key 'loss' in 'test' (keys: auc, f1)");
	missing_is("tset.auc",
		   "no key 'tset' in the top level (keys: test, slices, predictions, model.version, a[b], "
		   "it's, $, $ref, empty, nothing)");
	missing_is("$.tset", "no key 'tset' in the top level (keys: test, slices, predictions, "
			     "model.version, a[b], it's, $, $ref, empty, nothing)");
	missing_is("slices[3].f1", "'slices' has 3 items, no index 3");
	missing_is("$.predictions[1][2]", "'$.predictions[1]' has 2 items, no index 2");
	missing_is("slices[1]f2", "no key 'f2' in 'slices[1]' (keys: f1)");
	missing_is("test[0]", "'test' is not a list");
	missing_is("test.auc.x", "'test.auc' is not an object");
	missing_is("empty.x", "no key 'x' in 'empty' (keys: none)");
	missing_is("nothing.x", "'nothing' is not an object");
	missing_is("$['model.version'].x", "'$['model.version']' is not an object");
	missing_is("[0]", "the top level is not a list");
	missing_is("slices[99999999999999999999999]", "invalid index at '[99999999999999999999999]'");
}

static void test_many_keys_are_cut(void **state)
{
	cJSON *obj = cJSON_Parse("{\"k1\":1,\"k2\":1,\"k3\":1,\"k4\":1,\"k5\":1,\"k6\":1,\"k7\":1,"
				 "\"k8\":1,\"k9\":1,\"k10\":1,\"k11\":1,\"k12\":1,\"k13\":1,\"k14\":1}");
	char *why = NULL;

	(void)state;
	assert_null(mlg_json_path_get(obj, "k0", &why));
	assert_string_equal(why, "no key 'k0' in the top level (keys: k1, k2, k3, k4, k5, k6, k7, k8, k9, "
				 "k10, k11, k12)");
	free(why);
	cJSON_Delete(obj);
}

static void test_valid(void **state)
{
	static const char *const good[] = {
		"a", "test.auc", "slices[2].f1", "[0]", "a[0][1]", "a[0]b", "$", "$.a", "$[0]",
		"$.a[0].b", "$ref", "$ref.x", "a-b.c_d", "[\"a.b\"]", "['a.b']", "$['a']['b']",
		"x[\"\\\"\"]", "a.$", "caf\xc3\xa9.x", NULL
	};
	static const char *const bad[] = {
		"", ".a", "a.", "a..b", "a.[0]", "a[", "a[]", "a[x]", "a[-1]", "a[1", "a]", "a[0]]",
		"$.", "$..a", "$.[0]", "[\"a\"", "[\"a]", "['a']x]", "['a'", "[\"a\"x]", "a b]",
		"[\"\\x\"]", NULL
	};

	(void)state;
	for (size_t i = 0; good[i]; i++)
		if (!mlg_json_path_valid(good[i]))
			fail_msg("'%s' should be valid", good[i]);
	for (size_t i = 0; bad[i]; i++)
		if (mlg_json_path_valid(bad[i]))
			fail_msg("'%s' should be invalid", bad[i]);
	assert_false(mlg_json_path_valid(NULL));
}

static void test_invalid_path_on_get(void **state)
{
	char *why = NULL;

	(void)state;
	assert_null(mlg_json_path_get(doc, "test..auc", &why));
	assert_string_equal(why, "invalid path 'test..auc' at '.auc'");
	free(why);
	assert_null(mlg_json_path_get(doc, "", &why));
	assert_string_equal(why, "invalid path ''");
	free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotted_paths),
		cmocka_unit_test(test_dollar_root),
		cmocka_unit_test(test_quoted_keys),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_many_keys_are_cut),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid_path_on_get),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
