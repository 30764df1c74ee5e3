/* Parameter access for kinds, and small kind helpers (see check.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonc.h"
#include "mlgate/check.h"
#include "mlgate/suite.h"
#include "mlgate/value.h"
#include "util.h"

const char *mlg_kind_category(const struct mlg_check_kind *kind, char *buf, size_t size)
{
	const char *dot = strchr(kind->name, '.');
	size_t n = dot ? (size_t)(dot - kind->name) : strlen(kind->name);

	if (n >= size)
		n = size - 1;
	memcpy(buf, kind->name, n);
	buf[n] = '\0';
	return buf;
}

const cJSON *mlg_check_param(const struct mlg_check *check, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(check->params, name);
}

const char *mlg_check_string(const struct mlg_check *check, const char *name)
{
	return mlg_json_string(check->params, name);
}

int mlg_check_number(const struct mlg_check *check, const char *name, double *out)
{
	const cJSON *v = mlg_check_param(check, name);

	if (!cJSON_IsNumber(v))
		return 0;
	*out = v->valuedouble;
	return 1;
}

int mlg_check_bool(const struct mlg_check *check, const char *name, int fallback)
{
	const cJSON *v = mlg_check_param(check, name);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : fallback;
}

int mlg_check_strings(const struct mlg_check *check, const char *name, const char ***out,
		      size_t *count)
{
	const cJSON *v = mlg_check_param(check, name), *it;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (cJSON_IsString(v)) {
		*out = mlg_xcalloc(1, sizeof(**out));
		(*out)[0] = v->valuestring;
		*count = 1;
		return 1;
	}
	if (!cJSON_IsArray(v))
		return 0;
	*out = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(**out));
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsString(it))
			(*out)[n++] = it->valuestring;
	*count = n;
	return 1;
}

double mlg_check_duration(const struct mlg_check *check, const char *name, double fallback)
{
	return mlg_json_duration(mlg_check_param(check, name), fallback);
}

int mlg_parse_size(const cJSON *v, uint64_t *bytes)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "k", 1e3 }, { "K", 1e3 }, { "kB", 1e3 }, { "KB", 1e3 },
		{ "KiB", 1024.0 }, { "M", 1e6 }, { "MB", 1e6 }, { "MiB", 1048576.0 },
		{ "G", 1e9 }, { "GB", 1e9 }, { "GiB", 1073741824.0 }, { "T", 1e12 },
		{ "TB", 1e12 }, { "TiB", 1099511627776.0 },
	};
	const char *s;
	char *end;
	double n;

	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble >= 0) || v->valuedouble > 1e18)
			return -1;
		*bytes = (uint64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	s = v->valuestring;
	/* decimal digits only: strtod alone would take "inf", "0x10" or " 5" */
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtod(s, &end);
	if (end != s + strspn(s, "0123456789.") || !(n >= 0) || n > 1e18)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			*bytes = (uint64_t)floor(n * units[i].mult);
			return 0;
		}
	return -1;
}

int mlg_check_size(const struct mlg_check *check, const char *name, uint64_t *bytes)
{
	const cJSON *v = mlg_check_param(check, name);

	return v && mlg_parse_size(v, bytes) == 0;
}

int mlg_check_integers(const struct mlg_check *check, const char *name, long **out, size_t *count)
{
	const cJSON *v = mlg_check_param(check, name), *it;

	*out = NULL;
	*count = 0;
	if (cJSON_IsNumber(v)) {
		*out = mlg_xcalloc(1, sizeof(**out));
		(*out)[(*count)++] = (long)v->valuedouble;
		return 1;
	}
	if (!cJSON_IsArray(v))
		return 0;
	*out = mlg_xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(**out));
	cJSON_ArrayForEach(it, v)
		if (cJSON_IsNumber(it))
			(*out)[(*count)++] = (long)it->valuedouble;
	return 1;
}

char *mlg_check_path(const struct mlg_check *check, const char *name)
{
	const char *p = mlg_check_string(check, name);

	if (!p)
		return NULL;
	if (p[0] == '/')
		return mlg_xstrdup(p);
	return mlg_xasprintf("%s/%s", check->suite->dir, p);
}

long mlg_column_index(const char *const *columns, size_t n, const char *name)
{
	/* "" marks a column the dataset's "columns" option hides */
	if (!*name)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(columns[i], name))
			return (long)i;
	return -1;
}

void mlg_result_no_column(struct mlg_result *out, const struct mlg_check *check,
			  const char *name, const char *const *columns, size_t n)
{
	struct mlg_strbuf list = MLG_STRBUF_INIT;
	size_t shown = 0, visible = 0;

	for (size_t i = 0; i < n; i++) {
		if (!*columns[i])
			continue; /* hidden by the dataset's "columns" */
		if (visible++ < 20)
			mlg_strbuf_addf(&list, "%s%s", shown++ ? ", " : "", columns[i]);
	}
	if (visible > 20)
		mlg_strbuf_addf(&list, ", ... (%zu in all)", visible);
	if (!visible)
		/* an empty JSON Lines file has no first record to take columns from */
		mlg_result_set(out, MLG_STATUS_ERROR,
			       "dataset '%s' has no column '%s': it has no columns at all (for JSON Lines, list them under \"columns\")",
			       check->dataset ? check->dataset->name : "?", name);
	else
		mlg_result_set(out, MLG_STATUS_ERROR, "dataset '%s' has no column '%s' (columns: %s)",
			       check->dataset ? check->dataset->name : "?", name, mlg_strbuf_str(&list));
	mlg_strbuf_release(&list);
}

const char *mlg_format_number(double v, char buf[32])
{
	if (isnan(v) || isinf(v)) {
		snprintf(buf, 32, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
		return buf;
	}
	/* Whole numbers as whole numbers: "1000000", not "1e+06". */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, 32, "%.0f", v);
		return buf;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

const char *mlg_format_share(double v, char buf[32])
{
	snprintf(buf, 32, "%.4g", v);
	return buf;
}

const char *mlg_plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

int mlg_check_time(const struct mlg_check *check, const char *name, int64_t *micros)
{
	const cJSON *v = mlg_check_param(check, name);

	if (!v || !cJSON_IsString(v))
		return 0;
	return mlg_parse_timestamp(v->valuestring, strlen(v->valuestring), micros) == 0;
}

void mlg_check_bounds(const struct mlg_check *check, struct mlg_diag *diag, const char *low,
		      const char *high)
{
	double lo, hi;
	int64_t tlo, thi;
	int has_lo = mlg_check_number(check, low, &lo);
	int has_hi = mlg_check_number(check, high, &hi);
	int has_tlo = mlg_check_time(check, low, &tlo);
	int has_thi = mlg_check_time(check, high, &thi);
	char a[32], b[32];

	if ((has_lo || has_hi) && (has_tlo || has_thi)) {
		mlg_diag_check(diag, check, low, "\"%s\" and \"%s\" must both be numbers or both be times",
			       low, high);
		return;
	}
	if (has_tlo && has_thi && tlo > thi) {
		mlg_diag_check(diag, check, low, "\"%s\" is later than \"%s\"", low, high);
		return;
	}
	if (!has_lo && !has_hi && !has_tlo && !has_thi)
		mlg_diag_check(diag, check, NULL, "%s needs \"%s\", \"%s\" or both",
			       check->kind->name, low, high);
	else if (has_lo && has_hi && lo > hi)
		mlg_diag_check(diag, check, low, "\"%s\" (%s) is greater than \"%s\" (%s)", low,
			       mlg_format_number(lo, a), high, mlg_format_number(hi, b));
}

const char *mlg_format_time(int64_t micros, char buf[40])
{
	int64_t secs = micros / 1000000, frac = micros % 1000000;
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, 40, "%lld", (long long)micros);
		return buf;
	}
	/* years outside 0..9999 are not RFC 3339: show the number instead */
	if (tm.tm_year < -1900 || tm.tm_year > 8099)
		snprintf(buf, 40, "%lld", (long long)micros);
	else if (frac)
		snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", (tm.tm_year + 1900) % 10000,
			 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
			 tm.tm_sec % 100, (int)frac % 1000000);
	else
		snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02dZ", (tm.tm_year + 1900) % 10000,
			 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
			 tm.tm_sec % 100);
	return buf;
}
