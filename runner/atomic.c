/*
 * Atomic report writing: a temporary file in the target's folder, fsync,
 * rename. A reader (or a crash, SIGKILL, a full disk) never leaves a
 * half report at the target: it holds the old report or the new one.
 *
 * The temporary file is ".NAME.tmp.PID.XXXXXX" beside NAME: in the same
 * folder, so the rename stays on one file system; hidden and with no
 * report suffix, so a leftover (after SIGKILL) is never taken for a
 * report by *.json or *.xml globs; the PID tells whose it was. While it
 * exists its name is in a registry that mlg_die_oom() and the fatal
 * signal handlers use to remove it (atomic.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "mlgate/error.h"
#include "mlgate/report.h"
#include "util.h"

/*
 * The registry: fixed slots, so that a signal handler can walk it without
 * locks or allocation. A slot is claimed by a compare-and-swap (reports
 * are written by the main thread, baselines by workers), filled, then
 * published; the handler only reads published slots.
 */
#define TEMPFILE_SLOTS 32
#define TEMPFILE_PATH_MAX 4096

enum { SLOT_FREE, SLOT_FILLING, SLOT_LIVE };

static struct {
	int state;
	char path[TEMPFILE_PATH_MAX];
} tempfiles[TEMPFILE_SLOTS];

int mlg_tempfile_register(const char *path)
{
	size_t len = strlen(path);

	if (len >= TEMPFILE_PATH_MAX)
		return -1;
	for (int i = 0; i < TEMPFILE_SLOTS; i++) {
		int expected = SLOT_FREE;

		if (!__atomic_compare_exchange_n(&tempfiles[i].state, &expected, SLOT_FILLING, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		memcpy(tempfiles[i].path, path, len + 1);
		__atomic_store_n(&tempfiles[i].state, SLOT_LIVE, __ATOMIC_RELEASE);
		return i;
	}
	return -1;
}

void mlg_tempfile_unregister(int slot)
{
	if (slot >= 0 && slot < TEMPFILE_SLOTS)
		__atomic_store_n(&tempfiles[slot].state, SLOT_FREE, __ATOMIC_RELEASE);
}

void mlg_tempfile_remove_all(void)
{
	int saved = errno;

	for (int i = 0; i < TEMPFILE_SLOTS; i++)
		if (__atomic_load_n(&tempfiles[i].state, __ATOMIC_ACQUIRE) == SLOT_LIVE)
			unlink(tempfiles[i].path);
	errno = saved;
}

void mlg_tempfile_die_by_signal(int sig)
{
	struct sigaction sa;

	mlg_tempfile_remove_all();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	/* Pending while the handler runs (the signal is blocked in it), then
	 * delivered with the default action: the parent sees the signal. */
	raise(sig);
}

static void on_fatal_signal(int sig)
{
	mlg_tempfile_die_by_signal(sig);
}

void mlg_tempfile_catch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGALRM,
				    SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* An inherited SIG_IGN (nohup, a CI runner) is the caller's choice. */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(sigs[i], &sa, NULL);
	}
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO; /* no progress, and no errno to say why */
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd, e;

	/* Opening a FIFO waits for its reader; a SIGTERM meanwhile (our
	 * handlers do not restart) asks for the reports, not for one less. */
	do
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);

	if (fd < 0)
		return mlg_error_set("cannot write '%s': %s", path, strerror(errno));
	if (write_all(fd, data, len) < 0) {
		e = errno;
		close(fd);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	/* Some file systems (NFS) report a failed write only at close. */
	if (close(fd) < 0)
		return mlg_error_set("cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static int write_atomic(const char *path, const void *data, size_t len, int links);

/*
 * The mkstemp template for `path`: ".NAME.tmp.PID.XXXXXX" in NAME's
 * folder; ".mlgate.tmp.PID.XXXXXX" when NAME is too long to take the
 * suffix (NAME_MAX), so a long but valid name still gets written.
 * The caller frees it.
 */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	long pid = (long)getpid();

	if (strlen(base) + 32 > NAME_MAX)
		return mlg_xasprintf("%.*s.mlgate.tmp.%ld.XXXXXX", dirlen, path, pid);
	return mlg_xasprintf("%.*s.%s.tmp.%ld.XXXXXX", dirlen, path, base, pid);
}

int mlg_write_atomic(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 0);
}

static int write_atomic(const char *path, const void *data, size_t len, int links)
{
	char *tmp;
	int fd, e, slot;

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
	tmp = temp_name(path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	/* From here to the rename or unlink nothing allocates: an out of
	 * memory elsewhere (a worker) or a signal finds the name registered. */
	slot = mlg_tempfile_register(tmp);
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
		mlg_tempfile_unregister(slot);
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		mlg_tempfile_unregister(slot);
		free(tmp);
		return mlg_error_set("cannot write '%s': %s", path, strerror(e));
	}
	mlg_tempfile_unregister(slot);
	free(tmp);
	return 0;
}
