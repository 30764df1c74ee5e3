/* mlgate version */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <git2.h>
#include <libxml/xmlversion.h>
#include <openssl/opensslv.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <zlib.h>
#include <zstd.h>

#include "cli.h"
#include "mlgate/engine.h"

int cmd_version(int argc, char **argv)
{
	int major, minor, rev;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: mlgate version\n\nPrints mlgate's version, the versions of the libraries it uses, and\nwhich field splitter (AVX2 or portable) this CPU gets.\n");
		return 0;
	}
	if (argc > 1) {
		cli_error("version takes no arguments");
		return EXIT_USAGE;
	}
	git_libgit2_version(&major, &minor, &rev);
	printf("mlgate %s\n", MLG_VERSION);
	printf("libgit2 %d.%d.%d, cJSON %s, %s, libxml2 %s, %s\n", major, minor, rev, cJSON_Version(),
	       curl_version(), LIBXML_DOTTED_VERSION, OPENSSL_VERSION_TEXT);
	printf("PCRE2 %d.%d, zlib %s, zstd %s; data fields split with %s\n", PCRE2_MAJOR, PCRE2_MINOR,
	       zlibVersion(), ZSTD_versionString(), mlg_engine_simd());
	return 0;
}
