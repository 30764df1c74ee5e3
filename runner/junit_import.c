/*
 * Importing JUnit XML reports (see mlgate/junit_import.h).
 *
 * libxml2's xmlTextReader walks the document node by node and frees each
 * subtree once it is passed, so a report of a million cases takes the
 * memory of one case. What else could grow is bounded too: libxml2's own
 * limits for untrusted input (no XML_PARSE_HUGE) cap a text node and an
 * attribute value at 10 MB, names at 50 kB, nesting at 256 levels and its
 * name dictionary at 10 MB; here, every string kept is cut to
 * MLG_JUNIT_NAME_MAX bytes, and the suite stack is at most 256 deep.
 *
 * Entities: a JUnit report has no use for them, so a declaration of one
 * ("<!ENTITY" before the root element) is refused as the bytes are read,
 * before libxml2 parses it: no entity is ever expanded, checked or
 * loaded. Behind that (for encodings other than UTF-8 and its ASCII
 * kin, where the bytes do not spell "<!ENTITY"), the reader substitutes
 * no entity (no XML_PARSE_NOENT) and loads no DTD, so an external entity
 * ("file:///etc/passwd") is never read; libxml2 stops entity loops and
 * amplification (the "billion laughs"); and a DOCTYPE that declares an
 * entity is refused as soon as the reader reaches it.
 *
 * Thread safety: no global state but libxml2's, initialised once; errors
 * go to a handler of the reader, and those libxml2's encoding and I/O
 * layers raise with no parser (a byte the declared encoding cannot
 * convert) to the calling thread's handlers, set for the time of one
 * import (libxml2 keeps them per thread), never to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlversion.h>

#include "cancel.h"
#include "fastfloat.h"
#include "mlgate/error.h"
#include "mlgate/junit_import.h"
#include "util.h"

/* What the reader may do. Never substitute entities (NOENT), load a DTD
 * (DTDLOAD), apply its default attributes (DTDATTR), validate, follow
 * XInclude, or lift the limits for untrusted input (HUGE). */
#define READER_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)
_Static_assert((READER_OPTIONS & (XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR |
				  XML_PARSE_DTDVALID | XML_PARSE_HUGE | XML_PARSE_XINCLUDE)) == 0,
	       "the JUnit reader reads untrusted files: no entities, DTDs or lifted limits");

/* Reader nodes between two looks at the cancel flag and the clock. */
#define POLL_NODES 1024
/* Bytes of libxml2's error message kept. */
#define XML_MESSAGE_MAX 300

/* Where the bytes come from: a file descriptor or memory. */
struct source {
	int fd;             /* -1: memory */
	const char *mem;
	size_t len, pos;
	int err;            /* errno of a failed read */
	uint64_t bytes;     /* bytes handed to libxml2 */
	int first;          /* the first byte that is not white space; -1: none yet */
	int eof;            /* all of it was handed over */
	/* the prolog scan: "<!ENTITY" refused until the root element starts */
	int past_prolog;
	int after_lt;       /* the last byte was '<' */
	size_t matched;     /* bytes of "<!ENTITY" just seen */
	int refused;
	long end_line;      /* where it ends: lines, and characters after the last newline */
	long end_col;
};

/* How a case ends, in the order a worse one replaces a better one. */
enum rank { RANK_PASSED, RANK_SKIPPED, RANK_FAILED, RANK_ERROR };

struct suite_level {
	int depth;
	char *name;
};

/* The <testcase> being read. */
struct tcase {
	int open;               /* inside a <testcase> that is not an empty element */
	int depth;
	struct mlg_strbuf classname, name, file, message, type, text;
	double time_s;
	long line;
	enum rank rank;
	int not_run;            /* status="notrun" and the like */
	int flaky;
	int capture_depth;      /* the element whose text may be the message; -1: none */
};

struct importer {
	xmlTextReaderPtr reader;
	const struct mlg_junit_options *opts;
	const char *name;       /* the input as messages name it */
	struct mlg_junit_totals *totals;
	struct source *src;
	xmlDocPtr doc;          /* set by has_root(): ours to free */
	int seen_root, root_closed;
	struct mlg_strbuf root; /* the root element's name, as messages show it */
	unsigned long nodes;
	struct suite_level *suites;
	size_t nsuites, alloc;
	struct tcase tc;
	/* the first fatal error libxml2 reported (else the first error) */
	int have_error, have_fatal, err_code, err_line, err_col;
	struct mlg_strbuf err;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libxml2 must be initialised once before threads use it. */
static void init_libxml(void)
{
	xmlInitParser();
}

const char *mlg_junit_status_name(enum mlg_junit_status status)
{
	switch (status) {
	case MLG_JUNIT_PASSED:
		return "passed";
	case MLG_JUNIT_FAILED:
		return "failed";
	case MLG_JUNIT_ERROR:
		return "error";
	case MLG_JUNIT_SKIPPED:
		return "skipped";
	}
	return "error";
}

/* ---- strings ---- */

/* The length of s[..n) cut back so that it does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Replaces sb with the first `len` bytes of s, cut to `max` bytes with "..." marking a cut. */
static void set_capped(struct mlg_strbuf *sb, const char *s, size_t len, size_t max)
{
	mlg_strbuf_reset(sb);
	if (len > max) {
		mlg_strbuf_add(sb, s, utf8_cut(s, max));
		mlg_strbuf_addstr(sb, "...");
	} else {
		mlg_strbuf_add(sb, s, len);
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Replaces sb with the first non-blank line of s, tabs as spaces, cut to `max` bytes. */
static void set_first_line(struct mlg_strbuf *sb, const char *s, size_t max)
{
	size_t n;

	while (*s && is_space(*s))
		s++;
	n = strcspn(s, "\r\n");
	while (n > 0 && is_space(s[n - 1]))
		n--;
	set_capped(sb, s, n, max);
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\t')
			sb->buf[i] = ' ';
}

/* libxml2's messages start with a capital and end with a newline; ours do neither. */
static void set_xml_message(struct mlg_strbuf *sb, const char *msg)
{
	static const char huge[] = " use XML_PARSE_HUGE option";
	char *at;

	set_first_line(sb, msg ? msg : "", XML_MESSAGE_MAX);
	/* the remedy libxml2 suggests is not the user's to take */
	if ((at = strstr(mlg_strbuf_str(sb), huge)) != NULL) {
		sb->len = (size_t)(at - sb->buf);
		while (sb->len && (sb->buf[sb->len - 1] == ',' || is_space(sb->buf[sb->len - 1])))
			sb->len--;
		sb->buf[sb->len] = '\0';
	}
	/* "Opening and ending..." reads "opening and ending...", but "AttValue" stays */
	if (sb->len >= 2 && sb->buf[0] >= 'A' && sb->buf[0] <= 'Z') {
		size_t i = 1;

		while (sb->buf[i] >= 'a' && sb->buf[i] <= 'z')
			i++;
		if (i > 1 && !(sb->buf[i] >= 'A' && sb->buf[i] <= 'Z'))
			sb->buf[0] = (char)(sb->buf[0] - 'A' + 'a');
	}
}

/*
 * A time attribute: seconds, as runners write them. Surefire has written
 * "1,234.5" (grouping) and, in some locales, "0,5" (decimal comma).
 * Anything unreadable, negative or not finite counts as 0.
 */
static double parse_time(const char *s)
{
	char buf[64];
	size_t n = 0;
	int dot = strchr(s, '.') != NULL;
	double v;

	while (is_space(*s))
		s++;
	for (; *s && !is_space(*s); s++) {
		if (n + 1 >= sizeof(buf))
			return 0;
		if (*s == ',') {
			if (!dot)
				buf[n++] = '.';
		} else {
			buf[n++] = *s;
		}
	}
	if (mlg_fastfloat__parse(buf, n, &v) < 0 || !isfinite(v) || v < 0)
		return 0;
	return v;
}

/* A line attribute: a positive number, else 0. */
static long parse_line(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0)
		return 0;
	return v;
}

/* ---- the reader ---- */

/*
 * Looks for an entity declaration before the root element, across reads.
 * The root starts at the first '<' followed by a name's first character;
 * a comment such as "<!-- <a> -->" ends the scan early, which leaves the
 * checks behind it (see the top of the file).
 */
static int prolog_refuses(struct source *src, const char *buf, size_t n)
{
	static const char decl[] = "<!ENTITY";

	for (size_t i = 0; i < n && !src->past_prolog; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (src->after_lt && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
				      c >= 0x80)) {
			src->past_prolog = 1;
			break;
		}
		src->after_lt = c == '<';
		src->matched = c == (unsigned char)decl[src->matched] ? src->matched + 1 : c == '<';
		if (src->matched == sizeof(decl) - 1)
			return 1;
	}
	return 0;
}

static int io_read(void *ctx, char *buf, int len)
{
	struct source *src = ctx;
	ssize_t n;

	if (len <= 0)
		return 0;
	if (src->fd < 0) {
		size_t left = src->len - src->pos;

		n = (ssize_t)(left < (size_t)len ? left : (size_t)len);
		memcpy(buf, src->mem + src->pos, (size_t)n);
		src->pos += (size_t)n;
	} else {
		do
			n = read(src->fd, buf, (size_t)len);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			src->err = errno;
			return -1;
		}
	}
	if (prolog_refuses(src, buf, (size_t)n)) {
		src->refused = 1;
		return -1;
	}
	src->bytes += (uint64_t)n;
	src->eof |= n == 0;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			src->end_line++;
			src->end_col = 0;
		} else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
			src->end_col++;
		}
	}
	for (ssize_t i = 0; src->first < 0 && i < n; i++) {
		uint64_t at = src->bytes - (uint64_t)n + (uint64_t)i;

		/* a UTF-8 byte order mark is no content */
		if (!is_space(buf[i]) && !(at < 3 && (unsigned char)buf[i] == "\xEF\xBB\xBF"[at]))
			src->first = (unsigned char)buf[i];
	}
	return (int)n;
}

#if LIBXML_VERSION >= 21200
#define XML_ERROR_CONST const
#else
#define XML_ERROR_CONST
#endif

static void on_xml_error(void *arg, XML_ERROR_CONST xmlError *error)
{
	struct importer *im = arg;
	int fatal;

	if (!error || error->level < XML_ERR_ERROR)
		return;
	fatal = error->level == XML_ERR_FATAL;
	if (im->have_fatal || (im->have_error && !fatal))
		return;
	im->have_error = 1;
	im->have_fatal = fatal;
	im->err_code = error->code;
	im->err_line = error->line;
	im->err_col = error->int2;
	set_xml_message(&im->err, error->message);
}

/*
 * The line of the node the reader stands on. libxml2 stores at most
 * 65535 in a node; past that, the parser's line, which may be a little
 * ahead (it reads in chunks).
 */
static long node_line(struct importer *im)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(im->reader);
	long line = node ? xmlGetLineNo(node) : -1;

	if (line <= 0 || line >= 65535)
		line = xmlTextReaderGetParserLineNumber(im->reader);
	return line;
}

/* MLG_EINVALID: the input is XML but not a JUnit report. */
static int not_junit(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int not_junit(struct importer *im, const char *fmt, ...)
{
	struct mlg_strbuf sb = MLG_STRBUF_INIT;
	va_list ap;
	int error;

	va_start(ap, fmt);
	mlg_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error = mlg_error_code(MLG_EINVALID, "'%s' is not a JUnit report: %s", im->name, sb.buf);
	mlg_strbuf_release(&sb);
	return error;
}

/* The value of the reader's current attribute, never NULL. */
static const char *attr_value(struct importer *im)
{
	const xmlChar *v = xmlTextReaderConstValue(im->reader);

	return v ? (const char *)v : "";
}

/*
 * Moves to the first (`first`) or next attribute of the current element,
 * namespace declarations left out, and returns its local name; at the end,
 * moves back to the element and returns NULL.
 */
static const char *next_attribute(struct importer *im, int first)
{
	xmlTextReaderPtr r = im->reader;

	for (;;) {
		int rc = first ? xmlTextReaderMoveToFirstAttribute(r) : xmlTextReaderMoveToNextAttribute(r);
		const xmlChar *local;

		first = 0;
		if (rc != 1) {
			xmlTextReaderMoveToElement(r);
			return NULL;
		}
		if (xmlTextReaderIsNamespaceDecl(r) != 1 && (local = xmlTextReaderConstLocalName(r)) != NULL)
			return (const char *)local;
	}
}

/* Bytes of an element's name that messages show (a name may have 50 kB). */
#define SHOWN_NAME_MAX 100

/* The current element's qualified name as messages show it, into sb. */
static const char *element_name(struct importer *im, struct mlg_strbuf *sb)
{
	const char *name = (const char *)xmlTextReaderConstName(im->reader);

	if (!name)
		name = "?";
	set_capped(sb, name, strlen(name), SHOWN_NAME_MAX);
	return sb->buf;
}

static void push_suite(struct importer *im, int depth)
{
	struct mlg_strbuf name = MLG_STRBUF_INIT;
	const char *attr;

	for (attr = next_attribute(im, 1); attr; attr = next_attribute(im, 0))
		if (!strcmp(attr, "name"))
			set_capped(&name, attr_value(im), strlen(attr_value(im)), MLG_JUNIT_NAME_MAX);
	MLG_ALLOC_GROW(im->suites, im->nsuites + 1, im->alloc);
	im->suites[im->nsuites].depth = depth;
	im->suites[im->nsuites++].name = mlg_strbuf_detach(&name);
}

static void tcase_reset(struct tcase *tc)
{
	tc->open = 0;
	mlg_strbuf_reset(&tc->classname);
	mlg_strbuf_reset(&tc->name);
	mlg_strbuf_reset(&tc->file);
	mlg_strbuf_reset(&tc->message);
	mlg_strbuf_reset(&tc->type);
	mlg_strbuf_reset(&tc->text);
	tc->time_s = 0;
	tc->line = 0;
	tc->rank = RANK_PASSED;
	tc->not_run = 0;
	tc->flaky = 0;
	tc->capture_depth = -1;
}

static void tcase_release(struct tcase *tc)
{
	mlg_strbuf_release(&tc->classname);
	mlg_strbuf_release(&tc->name);
	mlg_strbuf_release(&tc->file);
	mlg_strbuf_release(&tc->message);
	mlg_strbuf_release(&tc->type);
	mlg_strbuf_release(&tc->text);
}

static void start_case(struct importer *im, int depth)
{
	struct tcase *tc = &im->tc;
	const char *local;

	tcase_reset(tc);
	tc->depth = depth;
	for (local = next_attribute(im, 1); local; local = next_attribute(im, 0)) {
		const char *v = attr_value(im);

		if (!strcmp(local, "classname"))
			set_capped(&tc->classname, v, strlen(v), MLG_JUNIT_NAME_MAX);
		else if (!strcmp(local, "name"))
			set_capped(&tc->name, v, strlen(v), MLG_JUNIT_NAME_MAX);
		else if (!strcmp(local, "file"))
			set_capped(&tc->file, v, strlen(v), MLG_JUNIT_NAME_MAX);
		else if (!strcmp(local, "line"))
			tc->line = parse_line(v);
		else if (!strcmp(local, "time"))
			tc->time_s = parse_time(v);
		/* GoogleTest and CTest mark tests that did not run on the testcase */
		else if (!strcmp(local, "status"))
			tc->not_run |= !strcmp(v, "notrun") || !strcmp(v, "disabled") || !strcmp(v, "skipped");
		else if (!strcmp(local, "result"))
			tc->not_run |= !strcmp(v, "skipped") || !strcmp(v, "suppressed");
	}
}

/* A child of a <testcase>: <failure>, <error>, <skipped>, Surefire's reruns, or output. */
static void case_child(struct importer *im, const char *local, int depth, int empty)
{
	struct tcase *tc = &im->tc;
	enum rank rank;
	const char *attr;

	if (!strcmp(local, "error"))
		rank = RANK_ERROR;
	else if (!strcmp(local, "failure"))
		rank = RANK_FAILED;
	else if (!strcmp(local, "skipped"))
		rank = RANK_SKIPPED;
	else {
		/* failed, then passed on a rerun; <rerunFailure> accompanies a
		 * <failure> that the reruns confirmed, which decides alone */
		if (!strcmp(local, "flakyFailure") || !strcmp(local, "flakyError"))
			tc->flaky = 1;
		return;
	}
	/* the worst child decides, and gives the message */
	if (rank <= tc->rank)
		return;
	tc->rank = rank;
	mlg_strbuf_reset(&tc->message);
	mlg_strbuf_reset(&tc->type);
	mlg_strbuf_reset(&tc->text);
	tc->capture_depth = -1;
	for (attr = next_attribute(im, 1); attr; attr = next_attribute(im, 0)) {
		if (!strcmp(attr, "message"))
			set_first_line(&tc->message, attr_value(im), MLG_JUNIT_MESSAGE_MAX);
		else if (!strcmp(attr, "type"))
			set_first_line(&tc->type, attr_value(im), MLG_JUNIT_NAME_MAX);
	}
	/* without a message, the first line of the text: a stack trace's first line names the exception */
	if (!tc->message.len && !empty)
		tc->capture_depth = depth;
}

/* Text inside the element that gives the message: kept until its first line is complete. */
static void case_text(struct importer *im)
{
	struct tcase *tc = &im->tc;
	const char *s = (const char *)xmlTextReaderConstValue(im->reader);
	size_t n;

	if (!s)
		return;
	if (!tc->text.len)
		while (*s && is_space(*s))
			s++;
	if (!*s || memchr(mlg_strbuf_str(&tc->text), '\n', tc->text.len) ||
	    tc->text.len > MLG_JUNIT_MESSAGE_MAX)
		return;
	n = strlen(s);
	if (n > MLG_JUNIT_MESSAGE_MAX + 4)
		n = MLG_JUNIT_MESSAGE_MAX + 4;
	mlg_strbuf_add(&tc->text, s, n);
}

/* The end of a <testcase>: count it, hand it over. */
static int finish_case(struct importer *im)
{
	struct tcase *tc = &im->tc;
	struct mlg_junit_totals *t = im->totals;
	struct mlg_junit_case c;
	static const enum mlg_junit_status status_of[] = {
		[RANK_PASSED] = MLG_JUNIT_PASSED, [RANK_SKIPPED] = MLG_JUNIT_SKIPPED,
		[RANK_FAILED] = MLG_JUNIT_FAILED, [RANK_ERROR] = MLG_JUNIT_ERROR,
	};

	tc->open = 0;
	c.status = status_of[tc->rank];
	if (c.status == MLG_JUNIT_PASSED && tc->not_run)
		c.status = MLG_JUNIT_SKIPPED;
	c.flaky = tc->flaky && c.status == MLG_JUNIT_PASSED;
	t->tests++;
	t->passed += c.status == MLG_JUNIT_PASSED;
	t->failed += c.status == MLG_JUNIT_FAILED;
	t->errors += c.status == MLG_JUNIT_ERROR;
	t->skipped += c.status == MLG_JUNIT_SKIPPED;
	t->flaky += (uint64_t)c.flaky;
	t->time_s += tc->time_s;
	if (!im->opts->on_case)
		return 0;
	if (!tc->message.len && tc->type.len)
		mlg_strbuf_addstr(&tc->message, tc->type.buf);
	c.suite = im->nsuites ? im->suites[im->nsuites - 1].name : "";
	c.classname = mlg_strbuf_str(&tc->classname);
	c.name = mlg_strbuf_str(&tc->name);
	c.file = mlg_strbuf_str(&tc->file);
	c.line = tc->line;
	c.time_s = tc->time_s;
	c.message = c.status == MLG_JUNIT_PASSED ? "" : mlg_strbuf_str(&tc->message);
	c.type = c.status == MLG_JUNIT_PASSED ? "" : mlg_strbuf_str(&tc->type);
	return im->opts->on_case(&c, im->opts->payload);
}

static int on_start(struct importer *im, int depth)
{
	const char *local = (const char *)xmlTextReaderConstLocalName(im->reader);
	int empty = xmlTextReaderIsEmptyElement(im->reader) == 1;

	if (!local)
		local = "";
	if (!im->seen_root) {
		im->seen_root = 1;
		im->root_closed = empty;
		element_name(im, &im->root);
		if (strcmp(local, "testsuites") && strcmp(local, "testsuite"))
			return not_junit(im, "expected <testsuites> or <testsuite> as the root element, found <%s> (line %ld)",
					 im->root.buf, node_line(im));
	}
	if (im->tc.open) {
		if (!strcmp(local, "testcase") || !strcmp(local, "testsuite") || !strcmp(local, "testsuites")) {
			struct mlg_strbuf name = MLG_STRBUF_INIT;
			int error = not_junit(im, "<%s> at line %ld is inside a <testcase>", element_name(im, &name),
					      node_line(im));

			mlg_strbuf_release(&name);
			return error;
		}
		if (depth == im->tc.depth + 1)
			case_child(im, local, depth, empty);
		return 0;
	}
	if (!strcmp(local, "testsuite")) {
		im->totals->suites++;
		if (!empty)
			push_suite(im, depth);
	} else if (!strcmp(local, "testcase")) {
		start_case(im, depth);
		if (empty)
			return finish_case(im);
		im->tc.open = 1;
	}
	return 0;
}

static int on_end(struct importer *im, int depth)
{
	struct tcase *tc = &im->tc;

	if (depth == 0)
		im->root_closed = 1;
	if (tc->open) {
		if (depth == tc->capture_depth) {
			set_first_line(&tc->message, mlg_strbuf_str(&tc->text), MLG_JUNIT_MESSAGE_MAX);
			tc->capture_depth = -1;
		}
		if (depth == tc->depth)
			return finish_case(im);
		return 0;
	}
	if (im->nsuites && im->suites[im->nsuites - 1].depth == depth)
		free(im->suites[--im->nsuites].name);
	return 0;
}

static int entities_refused(const struct importer *im)
{
	return mlg_error_code(MLG_EINVALID,
			      "'%s' declares XML entities in its DOCTYPE: refused, as a JUnit report has no use for them and they could expand without bound or read other files",
			      im->name);
}

/* A DOCTYPE is harmless unless it declares entities: refused then, before any is used. */
static int on_doctype(struct importer *im)
{
	xmlNodePtr node = xmlTextReaderCurrentNode(im->reader);
	xmlDtdPtr dtd = node && node->type == XML_DTD_NODE ? (xmlDtdPtr)node : NULL;

	if (dtd && ((dtd->entities && xmlHashSize(dtd->entities) > 0) ||
		    (dtd->pentities && xmlHashSize(dtd->pentities) > 0)))
		return entities_refused(im);
	return 0;
}

static int stop_requested(struct importer *im)
{
	if (mlg_cancel_requested(im->opts->cancel))
		return mlg_error_code(MLG_EINTR, "interrupted while reading '%s'", im->name);
	if (im->opts->deadline > 0 && mlg_now() > im->opts->deadline)
		return mlg_error_code(MLG_ETIMEOUT, "'%s' was not read before the deadline (%llu test cases read)",
				      im->name, (unsigned long long)im->totals->tests);
	return 0;
}

/* Whether the parser saw a root element, which the reader may not have reached. */
static int has_root(struct importer *im)
{
	/* the reader then leaves the document to us */
	xmlDocPtr doc = xmlTextReaderCurrentDoc(im->reader);
	int found = doc && xmlDocGetRootElement(doc) != NULL;

	im->doc = doc;
	return found;
}

/* Whether the error stands where the input ends (columns count characters, in UTF-8). */
static int at_end(const struct importer *im)
{
	const struct source *src = im->src;

	return src->eof && im->err_line == src->end_line && im->err_col >= src->end_col;
}

/* Why xmlTextReaderRead() gave up. */
static int read_failed(struct importer *im)
{
	if (im->src->refused)
		return entities_refused(im);
	if (im->src->err)
		return mlg_error_code(MLG_ERROR, "cannot read '%s': %s", im->name, strerror(im->src->err));
	if (im->src->bytes == 0)
		return mlg_error_code(MLG_EINVALID, "'%s' is empty, expected a JUnit XML report", im->name);
	/* libxml2 calls text without a '<' an empty document */
	if (im->err_code == XML_ERR_DOCUMENT_EMPTY && im->src->first >= 0 && im->src->first != '<')
		return mlg_error_code(MLG_EINVALID, "'%s' is not XML: it does not begin with '<'", im->name);
	if (im->err_code == XML_ERR_DOCUMENT_END || im->err_code == XML_ERR_DOCUMENT_EMPTY) {
		/* libxml2 says "extra content" for these too */
		if (im->seen_root && !im->root_closed)
			return mlg_error_code(MLG_EINVALID,
					      "'%s' ends before its root element <%s> is closed (line %d, column %d): the file is cut short",
					      im->name, im->root.buf, im->err_line, im->err_col);
		if (!has_root(im))
			return mlg_error_code(MLG_EINVALID, "'%s' has no root element, expected <testsuites> or <testsuite>",
					      im->name);
	}
	if (!im->have_error)
		return mlg_error_code(MLG_EINVALID, "'%s' is not well-formed XML", im->name);
	/* raised by the encoding layer, with no position */
	if (im->err_line <= 0)
		return mlg_error_code(MLG_EINVALID, "'%s' is not well-formed XML: %s", im->name, im->err.buf);
	return mlg_error_code(MLG_EINVALID, "'%s' is not well-formed XML: %s (line %d, column %d)%s", im->name,
			      im->err.buf, im->err_line, im->err_col,
			      at_end(im) ? ", where the file ends: it may be cut short" : "");
}

static int import(struct importer *im)
{
	xmlTextReaderPtr r = im->reader;
	int rc, error = 0;

	xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, im);
	/* the defaults, said out loud: untrusted input */
	xmlTextReaderSetParserProp(r, XML_PARSER_SUBST_ENTITIES, 0);
	xmlTextReaderSetParserProp(r, XML_PARSER_LOADDTD, 0);
	xmlTextReaderSetParserProp(r, XML_PARSER_DEFAULTATTRS, 0);
	xmlTextReaderSetParserProp(r, XML_PARSER_VALIDATE, 0);

	while ((rc = xmlTextReaderRead(r)) == 1) {
		int depth = xmlTextReaderDepth(r);

		if (++im->nodes % POLL_NODES == 0 && (error = stop_requested(im)) != 0)
			return error;
		switch (xmlTextReaderNodeType(r)) {
		case XML_READER_TYPE_DOCUMENT_TYPE:
			error = on_doctype(im);
			break;
		case XML_READER_TYPE_ELEMENT:
			error = on_start(im, depth);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			error = on_end(im, depth);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (im->tc.open && im->tc.capture_depth >= 0 && depth == im->tc.capture_depth + 1)
				case_text(im);
			break;
		case XML_READER_TYPE_ENTITY_REFERENCE: {
			/* cannot happen without a declaration, which is refused */
			struct mlg_strbuf name = MLG_STRBUF_INIT;

			error = not_junit(im, "entity reference '&%s;' at line %ld: entities are not read",
					  element_name(im, &name), node_line(im));
			mlg_strbuf_release(&name);
			break;
		}
		default:
			break;
		}
		if (error)
			return error;
	}
	if (rc < 0)
		return read_failed(im);
	if (!im->seen_root)
		return mlg_error_code(MLG_EINVALID, "'%s' has no root element, expected <testsuites> or <testsuite>",
				      im->name);
	return 0;
}

/* libxml2's generic (unstructured) messages: the structured handler has them already. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* The calling thread's libxml2 error handlers, saved around one import. */
struct xml_handlers {
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	xmlGenericErrorFunc generic;
	void *generic_ctx;
};

/*
 * Routes errors raised with no parser context to this import's handler,
 * in the calling thread only (libxml2 2.9+ built with threads keeps these
 * globals per thread), so that nothing is printed to stderr while another
 * thread imports another file.
 */
static void xml_handlers_push(struct xml_handlers *saved, struct importer *im)
{
	saved->structured = xmlStructuredError;
	saved->structured_ctx = xmlStructuredErrorContext;
	saved->generic = xmlGenericError;
	saved->generic_ctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(im, on_xml_error);
	xmlSetGenericErrorFunc(NULL, quiet_generic);
}

static void xml_handlers_pop(const struct xml_handlers *saved)
{
	xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
	xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

static int import_source(struct mlg_junit_totals *out, struct source *src, const char *name,
			 const struct mlg_junit_options *opts)
{
	struct xml_handlers saved;
	static const struct mlg_junit_options defaults = MLG_JUNIT_OPTIONS_INIT;
	struct importer im;
	int error;

	pthread_once(&init_once, init_libxml);
	memset(out, 0, sizeof(*out));
	if (opts && opts->version != MLG_JUNIT_OPTIONS_VERSION)
		return mlg_error_code(MLG_ERROR, "unsupported JUnit import options version %u", opts->version);
	memset(&im, 0, sizeof(im));
	im.opts = opts ? opts : &defaults;
	im.name = im.opts->name ? im.opts->name : name;
	im.totals = out;
	im.src = src;
	im.tc.capture_depth = -1;
	xml_handlers_push(&saved, &im);
	im.reader = xmlReaderForIO(io_read, NULL, src, NULL, NULL, READER_OPTIONS);
	if (!im.reader) {
		xml_handlers_pop(&saved);
		mlg_strbuf_release(&im.err);
		return mlg_error_code(MLG_ERROR, "cannot start reading '%s' as XML", im.name);
	}
	error = import(&im);
	xmlFreeTextReader(im.reader);
	if (im.doc)
		xmlFreeDoc(im.doc);
	xml_handlers_pop(&saved);
	while (im.nsuites)
		free(im.suites[--im.nsuites].name);
	free(im.suites);
	tcase_release(&im.tc);
	mlg_strbuf_release(&im.err);
	mlg_strbuf_release(&im.root);
	return error;
}

int mlg_junit_import_file(struct mlg_junit_totals *out, const char *path,
			  const struct mlg_junit_options *opts)
{
	struct source src = { .fd = -1, .first = -1, .end_line = 1 };
	const char *name = opts && opts->name ? opts->name : path;
	int error;

	src.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src.fd < 0) {
		int e = errno;

		memset(out, 0, sizeof(*out));
		return mlg_error_code(e == ENOENT || e == ENOTDIR ? MLG_ENOTFOUND : MLG_ERROR, "cannot open '%s': %s",
				      name, strerror(e));
	}
	error = import_source(out, &src, name, opts);
	close(src.fd);
	return error;
}

int mlg_junit_import_memory(struct mlg_junit_totals *out, const void *data, size_t len,
			    const struct mlg_junit_options *opts)
{
	struct source src = { .fd = -1, .mem = data, .len = data ? len : 0, .first = -1, .end_line = 1 };

	return import_source(out, &src, "the JUnit report", opts);
}
