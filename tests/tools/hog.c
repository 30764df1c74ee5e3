/*
 * A command that uses a known amount of resources, for the
 * infra.resources tests (tests/e2e/infra_cmd.sh):
 *
 *   hog [--mem MB] [--cpu SECONDS] [--sleep SECONDS] [--exit CODE]
 *
 * touches MB MiB of fresh memory (every page, so it is resident), spins
 * until it has used SECONDS of CPU time in user mode, sleeps, and exits
 * with CODE. It prints what it did on one line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double user_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	long mb = 0;
	double cpu = 0, nap = 0;
	int code = 0;
	volatile char *mem = NULL;
	volatile unsigned long spin = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mem"))
			mb = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--sleep"))
			nap = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--exit"))
			code = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "hog: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (mb > 0) {
		size_t n = (size_t)mb << 20;

		mem = malloc(n);
		if (!mem) {
			fprintf(stderr, "hog: cannot allocate %ld MiB\n", mb);
			return 2;
		}
		for (size_t i = 0; i < n; i += 4096)
			mem[i] = (char)i;
	}
	while (user_seconds() < cpu)
		for (int i = 0; i < 1000000; i++)
			spin++;
	if (nap > 0) {
		struct timespec ts = { (time_t)nap, (long)((nap - (double)(time_t)nap) * 1e9) };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	printf("hog: %ld MiB, %.2f s CPU, slept %.2f s\n", mb, user_seconds(), nap);
	free((void *)mem);
	return code;
}
