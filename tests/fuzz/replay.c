/*
 * A plain main for the fuzz targets: runs LLVMFuzzerTestOneInput once on
 * each file named, or on each file of each folder named (in name order,
 * hidden files left out), so that any compiler can replay the seeds and
 * the kept reproducers without libFuzzer (`make fuzz-replay`).
 *
 * Each input is copied into a heap buffer of exactly its size, as
 * libFuzzer does, so that under AddressSanitizer a read past the end is
 * caught. The line naming an input is printed (and flushed) before the
 * input runs: when a target crashes, the last line says which file did it.
 *
 * Exit status: 0 when every input ran, 2 when a file or folder cannot be
 * read (a crash ends the process with the crash's own status).
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t ran;

/* Runs the target on the file at `path`; -1 (message printed) when it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, alloc = 0;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s'\n", path);
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == alloc) {
			uint8_t *bigger;

			alloc = alloc ? alloc * 2 : 4096;
			if (!(bigger = realloc(data, alloc))) {
				fprintf(stderr, "replay: '%s' is too big to read\n", path);
				free(data);
				fclose(f);
				return -1;
			}
			data = bigger;
		}
		got = fread(data + len, 1, alloc - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* Exactly `len` bytes, nothing after them. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(data);
			return -1;
		}
		memcpy(exact, data, len);
		free(data);
		printf("%s (%zu bytes)\n", path, len);
		fflush(stdout);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	ran++;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file in folder `dir`, in name order. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int error = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open folder '%s'\n", dir);
		return -1;
	}
	while ((e = readdir(d))) {
		size_t size;

		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			char **bigger;

			alloc = alloc ? alloc * 2 : 64;
			if (!(bigger = realloc(names, alloc * sizeof(*names)))) {
				error = -1;
				break;
			}
			names = bigger;
		}
		size = strlen(dir) + strlen(e->d_name) + 2;
		if (!(names[n] = malloc(size))) {
			error = -1;
			break;
		}
		snprintf(names[n], size, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (!error && stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) < 0)
			error = -1;
		free(names[i]);
	}
	free(names);
	return error;
}

int main(int argc, char **argv)
{
	int error = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc && !error; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: cannot find '%s'\n", argv[i]);
			error = -1;
		} else if (S_ISDIR(st.st_mode)) {
			error = run_dir(argv[i]);
		} else {
			error = run_file(argv[i]);
		}
	}
	fprintf(stderr, "replay: %zu input%s ran\n", ran, ran == 1 ? "" : "s");
	return error ? 2 : 0;
}
