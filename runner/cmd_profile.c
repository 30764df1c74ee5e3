/* mlgate profile: infer a starter suite from one pass over a dataset. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "cli.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "mlgate/driftcheck.h"
#include "profile.h"
#include "util.h"

static const char usage_text[] =
	"usage: mlgate profile DATA [-o FILE] [options]\n"
	"       mlgate profile --reference DATA -o PROFILE [--points K] [options]\n\n"
	"Reads DATA once and writes a starter suite describing it: every column's\n"
	"type (data.schema), the columns without nulls (data.not_null) and a\n"
	"`mostly` for those with a few, ranges of numeric and time columns widened\n"
	"by a margin (data.range), the values of low-cardinality columns\n"
	"(data.allowed_values: at most 20 values, and at most 5% of the rows),\n"
	"keys whose values are all distinct (data.unique) and the row count\n"
	"(data.row_count: from half to twice the rows seen). The suite is what\n"
	"this one file showed: review it before committing it.\n\n"
	"With --reference, writes instead a reference profile for data.drift's\n"
	"\"reference_profile\": per column the counts, the categories and the sorted\n"
	"numbers (exact up to K distinct values, else K points of the sorted\n"
	"sample), so that CI compares against it without reading DATA again.\n\n"
	"  -o, --output FILE      write the suite there (default: standard output);\n"
	"                         DATA's path in it is relative to FILE's folder\n"
	"      --name NAME        the dataset's name in the suite (default: DATA's\n"
	"                         file name without extensions)\n"
	"      --format FORMAT    csv, tsv or jsonl (default: from DATA's extension)\n"
	"      --delimiter C      CSV field delimiter, one character (\"tab\" or \"\\t\": a tab)\n"
	"      --no-header        the CSV has no header line: columns are named 1, 2, ...\n"
	"      --null-value TOKEN read TOKEN (unquoted) as null, besides the empty\n"
	"                         cell; repeat for several\n"
	"      --margin F         widen ranges by F times the observed span on each\n"
	"                         side (default 0.1); never below 0 when no value was\n"
	"      --reference        write a reference profile for data.drift (see above)\n"
	"      --points K         with --reference: columns with more than K distinct\n"
	"                         numbers are kept as K points (default 100000)\n"
	"  -j, --jobs N           threads reading the file (default: one per CPU)\n"
	"  -h, --help             show this help\n\n"
	"Exit codes: 0 written; 2 usage error (bad option, no folder for FILE);\n"
	"3 DATA could not be profiled (missing, unreadable, empty, malformed) or\n"
	"FILE could not be written.\n";

/* DATA's file name without its directory and data extensions: "train" for "data/train.csv.gz". */
static char *default_name(const char *path)
{
	static const char *const exts[] = { ".gz", ".zst", ".csv", ".tsv", ".jsonl", ".ndjson",
					    ".json", ".txt" };
	const char *base = strrchr(path, '/');
	char *name = mlg_xstrdup(base ? base + 1 : path);
	int again = 1;

	while (again) {
		size_t n = strlen(name);

		again = 0;
		for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
			size_t m = strlen(exts[i]);

			if (n > m && !strcmp(name + n - m, exts[i])) {
				name[n - m] = '\0';
				again = 1;
				break;
			}
		}
	}
	if (!*name) {
		free(name);
		name = mlg_xstrdup("data");
	}
	return name;
}

/* The folder of `path`, absolute and resolved, or NULL (errno set). */
static char *real_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (!slash)
		dir = mlg_xstrdup(".");
	else if (slash == path)
		dir = mlg_xstrdup("/");
	else
		dir = mlg_xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	free(dir);
	return real;
}

/*
 * `to` (absolute) as seen from the folder `from` (absolute, resolved):
 * "data/train.csv", "../data/train.csv". Caller frees.
 */
static char *relative_path(const char *from, const char *to)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t i = 0, common = 0;
	const char *rest;

	while (from[i] && from[i] == to[i]) {
		if (from[i] == '/')
			common = i;
		i++;
	}
	if (!from[i] && to[i] == '/')
		common = i;
	/* one ".." per component of `from` after the common part */
	for (rest = from + common; *rest; rest++)
		if (*rest == '/' && rest[1])
			mlg_strbuf_addstr(&sb, "../");
	if (from[common] && from[common] != '/')
		mlg_strbuf_addstr(&sb, "../");
	mlg_strbuf_addstr(&sb, to + common + (to[common] == '/'));
	return mlg_strbuf_detach(&sb);
}

/* Today (or $SOURCE_DATE_EPOCH, for reproducible output) as YYYY-MM-DD, UTC. */
static void today(char buf[16])
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	time_t t = e && *e ? (time_t)strtoll(e, NULL, 10) : time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 16, "%Y-%m-%d", &tm))
		snprintf(buf, 16, "unknown date");
}

struct args {
	const char *data, *output, *name, *format, *delimiter;
	const char **nulls;
	size_t nnulls;
	int no_header, jobs, reference;
	unsigned int points;
	double margin;
};

static int parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'N' },
		{ "format", required_argument, NULL, 'F' },
		{ "delimiter", required_argument, NULL, 'D' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "null-value", required_argument, NULL, 'n' },
		{ "margin", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "reference", no_argument, NULL, 'R' },
		{ "points", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'N':
			if (!*optarg) {
				cli_error("profile: --name needs a non-empty name");
				return EXIT_USAGE;
			}
			a->name = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "csv") && strcmp(optarg, "tsv") && strcmp(optarg, "jsonl")) {
				cli_error("profile: --format must be csv, tsv or jsonl, not '%s'", optarg);
				return EXIT_USAGE;
			}
			a->format = optarg;
			break;
		case 'D':
			if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t")) {
				a->delimiter = "\t";
			} else if (strlen(optarg) == 1) {
				a->delimiter = optarg;
			} else {
				cli_error("profile: --delimiter must be one character, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'H':
			a->no_header = 1;
			break;
		case 'R':
			a->reference = 1;
			break;
		case 'P': {
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 10 || v > 10000000) {
				cli_error("profile: --points needs a number from 10 to 10000000, not '%s'", optarg);
				return EXIT_USAGE;
			}
			a->points = (unsigned int)v;
			break;
		}
		case 'n':
			a->nulls = mlg_xrealloc(a->nulls, (a->nnulls + 1) * sizeof(*a->nulls));
			a->nulls[a->nnulls++] = optarg;
			break;
		case 'm':
			errno = 0;
			a->margin = strtod(optarg, &end);
			if (end == optarg || *end || errno || !isfinite(a->margin) || a->margin < 0 ||
			    a->margin > 100) {
				cli_error("profile: --margin must be a number from 0 to 100 (0.1 = 10%%), not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j': {
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 1 || v > 1024) {
				cli_error("profile: -j needs a number of threads from 1 to 1024, not '%s'",
					  optarg);
				return EXIT_USAGE;
			}
			a->jobs = (int)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("profile: which data file? usage: mlgate profile DATA [-o FILE]");
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		cli_error("profile: one data file at a time: unexpected argument '%s'", argv[optind + 1]);
		return EXIT_USAGE;
	}
	a->data = argv[optind];
	return -1;
}

/* The dataset's object in the suite: its path from the suite's folder and the read options. */
static cJSON *dataset_object(const struct args *a, const char *rel)
{
	cJSON *ds = cJSON_CreateObject(), *nulls;

	if (!ds || !cJSON_AddStringToObject(ds, "path", rel))
		mlg_die_oom();
	if (a->format && !cJSON_AddStringToObject(ds, "format", a->format))
		mlg_die_oom();
	if (a->delimiter && !cJSON_AddStringToObject(ds, "delimiter", a->delimiter))
		mlg_die_oom();
	if (a->no_header && !cJSON_AddFalseToObject(ds, "header"))
		mlg_die_oom();
	if (a->nnulls) {
		if (!(nulls = cJSON_AddArrayToObject(ds, "null_values")))
			mlg_die_oom();
		for (size_t i = 0; i < a->nnulls; i++)
			cJSON_AddItemToArray(nulls, cJSON_CreateString(a->nulls[i]));
	}
	return ds;
}

/* Loads suite text, printing its problems; NULL when invalid. */
static struct mlg_suite *load_text(const char *file, const char *text)
{
	struct mlg_diag diag = MLG_DIAG_INIT;
	struct mlg_suite *suite = NULL;

	if (mlg_suite_load_text(&suite, file, text, strlen(text), &diag) < 0) {
		if (diag.count)
			cli_print_diag(stderr, &diag);
		else
			cli_error("%s", mlg_error_last());
	}
	mlg_diag_release(&diag);
	return suite;
}

int cmd_profile(int argc, char **argv)
{
	struct args a = { .margin = 0.1, .points = 100000 };
	struct mlg_profile_options po = MLG_PROFILE_OPTIONS_INIT;
	struct mlg_profile_suite_options so = MLG_PROFILE_SUITE_OPTIONS_INIT;
	struct mlg_profile *profile = NULL;
	struct mlg_suite *reader = NULL, *written = NULL;
	const char *suite_file;
	char *out_dir = NULL, *data_dir = NULL, *data_abs = NULL, *rel = NULL, *name = NULL;
	char *outside = NULL;
	char *loader = NULL, *text = NULL;
	cJSON *ds = NULL;
	char date[16];
	struct stat st;
	size_t nchecks;
	int code;

	if ((code = parse_args(&a, argc, argv)) >= 0)
		goto done;
	code = EXIT_NOT_EVALUATED;
	if (stat(a.data, &st) < 0) {
		cli_error("profile: cannot read '%s': %s", a.data, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error("profile: cannot read '%s': not a regular file", a.data);
		goto done;
	}
	if (st.st_size == 0) {
		cli_error("profile: '%s' is empty: there is nothing to profile", a.data);
		goto done;
	}
	suite_file = a.output && strcmp(a.output, "-") ? a.output : "mlgate.json";
	if (!(out_dir = real_dir(suite_file))) {
		cli_error("profile: cannot write '%s': its folder does not exist (%s)", suite_file,
			  strerror(errno));
		code = EXIT_USAGE;
		goto done;
	}
	if (!(data_dir = real_dir(a.data))) {
		cli_error("profile: cannot read '%s': %s", a.data, strerror(errno));
		goto done;
	}
	{
		const char *base = strrchr(a.data, '/');

		data_abs = mlg_xasprintf("%s%s%s", data_dir, strcmp(data_dir, "/") ? "/" : "",
					 base ? base + 1 : a.data);
	}
	rel = relative_path(out_dir, data_abs);
	name = a.name ? mlg_xstrdup(a.name) : default_name(a.data);
	/* data outside the suite's folder: the suite must allow its folder */
	if (!strncmp(rel, "../", 3) || rel[0] == '/') {
		const char *slash = strrchr(rel, '/');

		outside = slash == rel ? mlg_xstrdup("/") : mlg_xstrndup(rel, (size_t)(slash - rel));
	}

	/* A suite holding only the dataset reads the file as the written one will. */
	ds = dataset_object(&a, rel);
	{
		cJSON *root = cJSON_CreateObject(), *datasets;

		if (!root || !cJSON_AddNumberToObject(root, "mlgate", 1) ||
		    !(datasets = cJSON_AddObjectToObject(root, "datasets")) ||
		    !cJSON_AddArrayToObject(root, "checks"))
			mlg_die_oom();
		if (outside) {
			cJSON *paths = cJSON_AddObjectToObject(root, "paths"), *allow;

			if (!paths || !(allow = cJSON_AddArrayToObject(paths, "allow_outside")))
				mlg_die_oom();
			cJSON_AddItemToArray(allow, cJSON_CreateString(outside));
		}
		cJSON_AddItemReferenceToObject(datasets, name, ds);
		loader = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		if (!loader)
			mlg_die_oom();
	}
	if (!(reader = load_text(suite_file, loader))) {
		cli_error("profile: the options do not describe a dataset mlgate can read");
		code = EXIT_USAGE;
		goto done;
	}
	if (!strcmp(reader->datasets[0].format, "jsonl") && (a.delimiter || a.no_header)) {
		cli_error("profile: --delimiter and --no-header are for CSV, and '%s' is read as JSON Lines",
			  a.data);
		code = EXIT_USAGE;
		goto done;
	}

	if (a.reference) {
		uint64_t rows;
		size_t ncols;

		if (mlg_drift_profile(reader, &reader->datasets[0], a.jobs, a.points,
				      a.output ? a.output : "-", &rows, &ncols) < 0) {
			cli_error("profile: %s", mlg_error_last());
			goto done;
		}
		if (a.output && strcmp(a.output, "-"))
			fprintf(stderr, "mlgate: wrote '%s': a reference profile of %zu column%s of '%s' (%llu row%s)\n",
				a.output, ncols, ncols == 1 ? "" : "s", a.data, (unsigned long long)rows,
				rows == 1 ? "" : "s");
		code = 0;
		goto done;
	}
	po.jobs = a.jobs;
	if (mlg_profile_scan(&profile, reader, &reader->datasets[0], &po) < 0) {
		cli_error("profile: %s", mlg_error_last());
		goto done;
	}

	today(date);
	so.name = name;
	so.dataset = ds;
	so.source = a.data;
	so.date = date;
	so.margin = a.margin;
	so.allow_outside = outside;
	text = mlg_profile_suite(profile, &so, &nchecks);
	/* what is written must load: a suite that does not is a bug here */
	if (!(written = load_text(suite_file, text))) {
		cli_error("profile: the suite made from '%s' does not validate; this is a bug in mlgate, please report it",
			  a.data);
		goto done;
	}
	if (mlg_write_atomic(a.output ? a.output : "-", text, strlen(text)) < 0) {
		cli_error("%s", mlg_error_last());
		goto done;
	}
	if (a.output && strcmp(a.output, "-"))
		fprintf(stderr, "mlgate: wrote '%s': %zu check%s on %zu column%s of '%s' (%llu row%s); review it before committing\n",
			a.output, nchecks, nchecks == 1 ? "" : "s", profile->ncolumns,
			profile->ncolumns == 1 ? "" : "s", a.data, (unsigned long long)profile->rows,
			profile->rows == 1 ? "" : "s");
	code = 0;

done:
	mlg_profile_free(profile);
	mlg_suite_free(reader);
	mlg_suite_free(written);
	cJSON_Delete(ds);
	free(text);
	free(loader);
	free(name);
	free(rel);
	free(outside);
	free(data_abs);
	free(data_dir);
	free(out_dir);
	free(a.nulls);
	return code;
}
