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

int mlg_write_atomic(const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd, e;

	if (!strcmp(path, "-")) {
		fflush(stdout);
		if (write_all(1, data, len) < 0)
			return mlg_error_set("cannot write to standard output: %s", strerror(errno));
		return 0;
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
