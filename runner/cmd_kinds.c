/*
 * mlgate kinds and mlgate explain: both read the kinds' own parameter
 * declarations, as does the README's reference (kinds --markdown).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mlgate/registry.h"

static cJSON *kind_json(const struct mlg_check_kind *k)
{
	cJSON *o = cJSON_CreateObject(), *params = NULL, *ex;
	char cat[32];

	cJSON_AddStringToObject(o, "name", k->name);
	cJSON_AddStringToObject(o, "category", mlg_kind_category(k, cat, sizeof(cat)));
	cJSON_AddStringToObject(o, "summary", k->summary);
	cJSON_AddStringToObject(o, "evaluation", k->scan ? "scan" : "run");
	params = cJSON_AddArrayToObject(o, "params");
	for (const struct mlg_param *p = k->params; p->name; p++) {
		cJSON *po = cJSON_CreateObject();

		cJSON_AddStringToObject(po, "name", p->name);
		cJSON_AddStringToObject(po, "type", mlg_param_type_name(p->type));
		cJSON_AddBoolToObject(po, "required", p->required);
		if (p->default_json)
			cJSON_AddItemToObject(po, "default", cJSON_Parse(p->default_json));
		cJSON_AddStringToObject(po, "doc", p->doc);
		cJSON_AddItemToArray(params, po);
	}
	ex = cJSON_Parse(k->example);
	cJSON_AddItemToObject(o, "example", ex ? ex : cJSON_CreateNull());
	return o;
}

static void markdown_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
}

static void print_params_markdown(FILE *out, const struct mlg_param *params)
{
	fprintf(out, "| parameter | type | required | default | meaning |\n|---|---|---|---|---|\n");
	for (const struct mlg_param *p = params; p->name; p++) {
		fprintf(out, "| `%s` | %s | %s | %s%s%s | ", p->name, mlg_param_type_name(p->type),
			p->required ? "yes" : "no", p->default_json ? "`" : "",
			p->default_json ? p->default_json : "", p->default_json ? "`" : "");
		markdown_escape(out, p->doc);
		fputs(" |\n", out);
	}
}

static void print_markdown(FILE *out)
{
	fprintf(out, "Every check also takes the common parameters:\n\n");
	print_params_markdown(out, mlg_common_params);
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);

		fprintf(out, "\n#### `%s`\n\n", k->name);
		markdown_escape(out, k->summary);
		fprintf(out, ".\n\n");
		print_params_markdown(out, k->params);
		fprintf(out, "\nExample:\n\n```json\n%s\n```\n", k->example);
	}
}

static void print_params_text(FILE *out, const struct mlg_param *params)
{
	int w = 12;

	/* the name column as wide as the longest name, so that rows line up */
	for (const struct mlg_param *p = params; p->name; p++)
		if ((int)strlen(p->name) > w)
			w = (int)strlen(p->name);
	for (const struct mlg_param *p = params; p->name; p++) {
		fprintf(out, "  %-*s %-15s %s", w, p->name, mlg_param_type_name(p->type),
			p->required ? "required" : "optional");
		if (p->default_json)
			fprintf(out, ", default %s", p->default_json);
		fprintf(out, "\n  %*s %s\n", w, "", p->doc);
	}
}

static const char kinds_usage[] =
	"usage: mlgate kinds [--json | --markdown]\n\n"
	"Lists every check kind. --json prints each with its parameters (name,\n"
	"type, required, default, doc) and an example; --markdown prints the\n"
	"reference section of the README.\n";

int cmd_kinds(int argc, char **argv)
{
	int json = 0, markdown = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--markdown")) {
			markdown = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(kinds_usage, stdout);
			return 0;
		} else {
			cli_error("kinds: unknown option '%s'", argv[i]);
			fputs(kinds_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();
		char *text;

		for (size_t i = 0; i < mlg_registry_count(); i++)
			cJSON_AddItemToArray(arr, kind_json(mlg_registry_at(i)));
		text = cJSON_Print(arr);
		printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(arr);
		return 0;
	}
	if (markdown) {
		print_markdown(stdout);
		return 0;
	}
	for (size_t i = 0; i < mlg_registry_count(); i++) {
		const struct mlg_check_kind *k = mlg_registry_at(i);
		int first = 1;

		printf("%-16s %s\n%-16s params:", k->name, k->summary, "");
		for (const struct mlg_param *p = k->params; p->name; p++, first = 0)
			printf("%s %s%s", first ? "" : ",", p->name, p->required ? "*" : "");
		printf("\n");
	}
	printf("\n* required. 'mlgate explain KIND' shows types, defaults and an example.\n");
	return 0;
}

static const char explain_usage[] =
	"usage: mlgate explain KIND\n\n"
	"Shows one check kind: what it checks, its parameters with types and\n"
	"defaults, the parameters every check takes, and an example.\n";

int cmd_explain(int argc, char **argv)
{
	const struct mlg_check_kind *k;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(explain_usage, stdout);
		return 0;
	}
	if (argc != 2) {
		cli_error("explain: expected one KIND, e.g. 'mlgate explain data.range'");
		return EXIT_USAGE;
	}
	k = mlg_registry_find(argv[1]);
	if (!k) {
		cli_error("unknown check kind '%s'; 'mlgate kinds' lists them", argv[1]);
		return EXIT_USAGE;
	}
	printf("%s: %s\n\nparameters:\n", k->name, k->summary);
	print_params_text(stdout, k->params);
	printf("\ncommon parameters (every kind):\n");
	print_params_text(stdout, mlg_common_params + 1);
	printf("\nexample:\n  %s\n", k->example);
	return 0;
}
