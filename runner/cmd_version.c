/* mlgate version */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <git2.h>
#include <libxml/xmlversion.h>
#include <openssl/opensslv.h>

#include "cli.h"

int cmd_version(int argc, char **argv)
{
	int major, minor, rev;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: mlgate version\n\nPrints mlgate's version and the versions of the libraries it uses.\n");
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
	return 0;
}
