/*
 * GitHub Actions integration: annotations pointing into the suite file,
 * the Markdown job summary, and step outputs. Workflow commands are
 * escaped as the Actions toolkit escapes them, so text from data cannot
 * end an annotation early or start a command of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "mlgate/error.h"
#include "mlgate/report.h"
#include "text.h"
#include "util.h"

/* GitHub shows at most this many annotations of a kind per step. */
#define MAX_ANNOTATIONS 10
/* ...and refuses a job summary over 1 MiB. */
#define SUMMARY_LIMIT (1024 * 1024)

/* toolkit's escapeData: %, CR, LF. */
static void escape_data(struct mlg_strbuf *sb, const char *s)
{
	char *clean = mlg_text_clean(s, 1);

	for (const char *p = clean; *p; p++) {
		if (*p == '%')
			mlg_strbuf_addstr(sb, "%25");
		else if (*p == '\r')
			mlg_strbuf_addstr(sb, "%0D");
		else if (*p == '\n')
			mlg_strbuf_addstr(sb, "%0A");
		else
			mlg_strbuf_addch(sb, *p);
	}
	free(clean);
}

/* toolkit's escapeProperty: escapeData plus ':' and ','. */
static void escape_property(struct mlg_strbuf *sb, const char *s)
{
	struct mlg_strbuf tmp = MLG_STRBUF_INIT;

	escape_data(&tmp, s);
	for (const char *p = mlg_strbuf_str(&tmp); *p; p++) {
		if (*p == ':')
			mlg_strbuf_addstr(sb, "%3A");
		else if (*p == ',')
			mlg_strbuf_addstr(sb, "%2C");
		else
			mlg_strbuf_addch(sb, *p);
	}
	mlg_strbuf_release(&tmp);
}

static int severity_rank(const struct mlg_check *c, const struct mlg_result *r)
{
	if (r->status != MLG_STATUS_FAILED && r->status != MLG_STATUS_ERROR)
		return -1;
	if (c->severity_warn)
		return 0;
	return r->status == MLG_STATUS_FAILED ? 2 : 1;
}

char *mlg_github_annotations(const struct mlg_run *run)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	size_t shown = 0, total = 0;

	/* The most severe first: gate-closing failures, errors, then warnings. */
	for (int rank = 2; rank >= 0; rank--) {
		for (size_t i = 0; i < run->suite->nchecks; i++) {
			const struct mlg_check *c = &run->suite->checks[i];
			const struct mlg_result *r = &run->results[i];
			struct mlg_strbuf title = MLG_STRBUF_INIT;

			if (severity_rank(c, r) != rank)
				continue;
			total++;
			if (shown >= MAX_ANNOTATIONS)
				continue;
			shown++;
			mlg_strbuf_addf(&title, "mlgate %s: %s", mlg_status_name(r->status), c->name);
			mlg_strbuf_addf(&sb, "::%s file=", rank ? "error" : "warning");
			escape_property(&sb, run->suite->file);
			mlg_strbuf_addf(&sb, ",line=%d,title=", c->line);
			escape_property(&sb, title.buf);
			mlg_strbuf_addstr(&sb, "::");
			escape_data(&sb, r->message ? r->message : "");
			mlg_strbuf_addch(&sb, '\n');
			mlg_strbuf_release(&title);
		}
	}
	if (total > shown)
		mlg_strbuf_addf(&sb, "::notice title=mlgate::%zu more problem%s not annotated (GitHub shows %d per step): see the job summary\n",
				total - shown, total - shown == 1 ? "" : "s", MAX_ANNOTATIONS);
	return mlg_strbuf_detach(&sb);
}

/* Appends to a file GitHub gave us (it is theirs: no atomic replace). */
static int append_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return mlg_error_set("cannot append to '%s': %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;

			close(fd);
			return mlg_error_set("cannot append to '%s': %s", path, strerror(e));
		}
		text += n;
		len -= (size_t)n;
	}
	return close(fd) < 0 ? mlg_error_set("cannot append to '%s': %s", path, strerror(errno)) : 0;
}

int mlg_github_step_summary(const struct mlg_run *run, const char *path)
{
	struct stat st;
	size_t room = SUMMARY_LIMIT;
	char *md;
	int error;

	if (stat(path, &st) == 0)
		room = (size_t)st.st_size >= SUMMARY_LIMIT - 1024 ? 1024 : SUMMARY_LIMIT - (size_t)st.st_size;
	md = mlg_report_summary(run, room);
	error = append_file(path, md);
	free(md);
	return error;
}

int mlg_github_outputs(const struct mlg_run *run, const char *path)
{
	char *text = mlg_xasprintf("gate=%s\npassed=%zu\nfailed=%zu\nerrors=%zu\n",
				   run->gate_open ? "open" : "closed", run->summary.passed,
				   run->summary.failed, run->summary.errors);
	int error = append_file(path, text);

	free(text);
	return error;
}

char *mlg_github_stop_token(void)
{
	unsigned char raw[16];
	struct mlg_strbuf sb = MLG_STRBUF_INIT;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return mlg_xstrdup("mlgate-stop-commands");
	mlg_strbuf_addstr(&sb, "mlgate-");
	for (size_t i = 0; i < sizeof(raw); i++)
		mlg_strbuf_addf(&sb, "%02x", raw[i]);
	return mlg_strbuf_detach(&sb);
}
