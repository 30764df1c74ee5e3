/* Atomic report writing: temp file in the target's folder, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlgate/error.h"
#include "mlgate/report.h"
#include "util.h"

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int e;

	if (fd < 0)
		return mlg_error_set("cannot write '%s': %s", path, strerror(errno));
	if (write_all(fd, data, len) < 0) {
		e = errno;
		close(fd);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

static int write_atomic(const char *path, const void *data, size_t len, int links);

int mlg_write_atomic(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 0);
}

static int write_atomic(const char *path, const void *data, size_t len, int links)
{
	char *tmp;
	int fd, e;

	if (!strcmp(path, "-")) {
		fflush(stdout);
		if (write_all(1, data, len) < 0)
			return mlg_error_set("cannot write to standard output: %s", strerror(errno));
		return 0;
	}
	{
		struct stat st;

		/* A device, FIFO or /dev/fd/N (a pipe): written in place, since
		 * a rename would replace it with a regular file nobody reads. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return write_in_place(path, data, len);
		/* A symlink to a report: replace the file it points at, keep the link. */
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			const char *slash = strrchr(path, '/');
			char *next;
			int error;

			if (n < 0 || (size_t)n >= sizeof(target) - 1)
				return mlg_error_set("cannot write '%s': %s", path,
						     n < 0 ? strerror(errno) : "link target too long");
			target[n] = '\0';
			/* A relative target is relative to the link's folder. */
			if (target[0] == '/' || !slash)
				next = mlg_xstrdup(target);
			else
				next = mlg_xasprintf("%.*s/%s", (int)(slash - path), path, target);
			error = links >= 16 ? mlg_error_set("cannot write '%s': too many levels of symbolic links", path)
					    : write_atomic(next, data, len, links + 1);
			free(next);
			return error;
		}
	}
	tmp = mlg_xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	/* mkstemp makes 0600 files; a report gets the mode any output would. */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	free(tmp);
	return 0;
}
