/*
 * The command runner (see mlgate/proc.h).
 *
 * fork + execvp rather than posix_spawn: glibc's posix_spawn reports a
 * failed chdir and a failed exec with the same errno and no way to tell
 * which one, and we want to say which.
 *
 * Thread safety: the engine calls mlg_proc_run() from a thread pool, so
 * there is no global state and no signal handler; every descriptor is
 * created close-on-exec so one thread's pipes never end up in another
 * thread's child after its exec; we only ever wait for our own pid.
 *
 * Lifetime of a run:
 *
 *  1. The child leads its own process group, so a timeout or cancel can
 *     signal the command and everything it started (SIGTERM, then SIGKILL
 *     after KILL_GRACE_S).
 *  2. The parent polls both output pipes in slices of at most 100 ms,
 *     keeping only the tail of each in a ring and counting bytes.
 *  3. The child's exit is detected with waitid(WNOWAIT), which leaves it
 *     a zombie: while it is unreaped its pid, and so the group id, cannot
 *     be reused, so the final kill(-pgid) cannot hit a stranger.
 *  4. After the exit, pipes still held open by background grandchildren
 *     are drained for at most DRAIN_S, then the whole group is sent
 *     SIGKILL. This is done every time, even when the pipes reached EOF:
 *     a check must not leave daemons behind on the CI machine (a program
 *     that wants to outlive its check has to setsid() out of the group).
 *  5. Only then is the child reaped, with wait4() on its pid, which also
 *     gives its resource use (rusage).
 *
 * Measuring (opts->measure): Linux charges a forked child with every page
 * it shares with its parent, and the high-water mark that makes
 * ru_maxrss survives the exec, so a command forked straight from an
 * mlgate holding 2 GB of data would report a 2 GB peak. Instead the child
 * execs this same program as a helper (recognised by its argv[0] in a
 * constructor, before main() and before anything else runs), which forks
 * the command from its own small image, reaps it with wait4(), writes the
 * status and rusage to a pipe and then ends the way the command ended.
 * The helper ignores every signal it can, so that the group's SIGTERM
 * ends the command and the helper lives on to report; SIGKILL ends both.
 *
 * If mlgate itself ends abruptly (SIGKILL, the OOM killer), the command
 * (and the helper and its command) get SIGKILL too: see
 * child_die_with_parent(). What the command started in the background is
 * beyond reach then: only mlgate's own ending of a run kills the group.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cancel.h"
#include "mlgate/error.h"
#include "mlgate/proc.h"
#include "util.h"

#define DEFAULT_TAIL_BYTES 4096
#define POLL_SLICE_MS 100
#define KILL_GRACE_S 2.0
#define DRAIN_S 0.2
#define READ_CHUNK 65536

/* What the child reports through the close-on-exec pipe when it fails. */
enum child_stage {
	STAGE_SETUP = 1,
	STAGE_CHDIR = 2,
	STAGE_EXEC = 3,
	STAGE_HELPER = 4 /* the measuring helper could not be exec'd */
};

struct child_failure {
	int stage;
	int err;
};

/* argv[0] of the measuring helper; no real invocation starts with \001. */
#define HELPER_MARK "\001mlgate-proc-measure"

/* What the helper writes to the report pipe once the command is reaped. */
struct helper_report {
	int status;
	struct rusage usage;
};

/*
 * The last `cap` bytes of a stream. While fewer than `cap` bytes have
 * arrived the data sits linearly at [0, filled) and the buffer grows on
 * demand, so a large tail_bytes costs nothing for quiet commands; once
 * full it is a ring whose oldest byte is at `head`.
 */
struct tail {
	char *buf;
	size_t alloc;
	size_t cap;
	size_t head;
	size_t filled;
	size_t total;
};

struct run {
	const struct mlg_proc_options *opts;
	pid_t pid;
	int fd[2]; /* stdout and stderr read ends; -1 once closed */
	struct tail tail[2];
	double start;
	double deadline; /* 0: none */
	int exited;      /* the child is a zombie (not yet reaped) */
	int lost;        /* someone else reaped it (SIGCHLD ignored?) */
	double exit_time;
	int term_sent;
	double term_time;
	int kill_sent;
	int timed_out;
	int cancelled;
	pid_t parent;    /* mlgate's pid, for the child's death-signal check */
	/* With opts->measure: */
	int report_fd;       /* read end of the helper's report pipe; -1 */
	int helper_fd;       /* this program, opened for the child to exec; -1 */
	char **helper_argv;  /* HELPER_MARK, fail fd, report fd, the command */
	char fd_arg[2][16];  /* the child writes its fd numbers here (its copy) */
};

static const char *errstr(int err, char *buf, size_t len)
{
	/* GNU strerror_r (we build with _GNU_SOURCE): thread-safe. */
	return strerror_r(err, buf, len);
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void tail_reserve(struct tail *t, size_t want)
{
	size_t n;

	if (want <= t->alloc)
		return;
	n = t->alloc ? t->alloc * 2 : 4096;
	if (n < want)
		n = want;
	if (n > t->cap)
		n = t->cap;
	t->buf = mlg_xrealloc(t->buf, n);
	t->alloc = n;
}

static void tail_add(struct tail *t, const char *data, size_t n)
{
	size_t first;

	t->total += n;
	if (n >= t->cap) {
		tail_reserve(t, t->cap);
		memcpy(t->buf, data + (n - t->cap), t->cap);
		t->head = 0;
		t->filled = t->cap;
		return;
	}
	if (t->filled < t->cap) {
		size_t lin = t->cap - t->filled;

		if (lin > n)
			lin = n;
		tail_reserve(t, t->filled + lin);
		memcpy(t->buf + t->filled, data, lin);
		t->filled += lin;
		t->head = t->filled == t->cap ? 0 : t->filled;
		data += lin;
		n -= lin;
		if (!n)
			return;
	}
	/* Full ring (alloc == cap) and n < cap: overwrite the oldest bytes. */
	first = t->cap - t->head;
	if (first > n)
		first = n;
	memcpy(t->buf + t->head, data, first);
	memcpy(t->buf, data + first, n - first);
	t->head = (t->head + n) % t->cap;
}

/* The tail in order as a NUL-terminated string; releases the ring. */
static char *tail_finish(struct tail *t)
{
	char *s = mlg_xmalloc(t->filled + 1);

	if (t->filled < t->cap) {
		if (t->filled)
			memcpy(s, t->buf, t->filled);
	} else {
		memcpy(s, t->buf + t->head, t->cap - t->head);
		memcpy(s + (t->cap - t->head), t->buf, t->head);
	}
	s[t->filled] = '\0';
	free(t->buf);
	t->buf = NULL;
	t->alloc = 0;
	return s;
}

/*
 * The environment for the child: the inherited one with every name the
 * overrides mention taken out, then the overrides. An entry without '='
 * only removes the variable (as glibc's putenv("NAME") does); when a name
 * is given twice the later entry wins, as with successive setenv() calls.
 * Built before fork() because the child may not allocate.
 */
static size_t env_name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static int env_same_name(const char *a, const char *b)
{
	size_t la = env_name_len(a);

	return la == env_name_len(b) && !memcmp(a, b, la);
}

static char **build_env(char *const *extra)
{
	size_t n_env = 0, n_extra = 0, n = 0, i, j;
	char **envp;

	while (environ && environ[n_env])
		n_env++;
	while (extra[n_extra])
		n_extra++;
	envp = mlg_xcalloc(n_env + n_extra + 1, sizeof(*envp));
	for (i = 0; i < n_env; i++) {
		int overridden = 0;

		for (j = 0; j < n_extra && !overridden; j++)
			overridden = env_same_name(environ[i], extra[j]);
		if (!overridden)
			envp[n++] = environ[i];
	}
	for (i = 0; i < n_extra; i++) {
		int later = 0;

		if (!strchr(extra[i], '='))
			continue;
		for (j = i + 1; j < n_extra && !later; j++)
			later = env_same_name(extra[i], extra[j]);
		if (!later)
			envp[n++] = extra[i];
	}
	envp[n] = NULL;
	return envp;
}

static _Noreturn void child_fail(int errfd, int stage)
{
	struct child_failure f;
	ssize_t r;

	f.stage = stage;
	f.err = errno;
	do {
		r = write(errfd, &f, sizeof(f));
	} while (r < 0 && errno == EINTR);
	_exit(127);
}

/* Moves fd out of 0..2 so that the dup2()s below cannot clobber it. */
static int child_move_up(int fd, int errfd)
{
	int n;

	if (fd > 2)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		child_fail(errfd, STAGE_SETUP);
	return n;
}

/* Writes n in decimal into buf (at least 12 bytes); async-signal-safe. */
static void child_itoa(int n, char *buf)
{
	char tmp[12];
	size_t len = 0, i;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 && len < sizeof(tmp));
	for (i = 0; i < len; i++)
		buf[i] = tmp[len - 1 - i];
	buf[len] = '\0';
}

/*
 * The command leads a process group of its own, so a CI job killing
 * mlgate's group (or the OOM killer or a SIGKILL ending mlgate) would
 * leave it running unowned. PR_SET_PDEATHSIG kills it when the thread
 * that forked it ends, which is mlgate ending: that thread waits for the
 * child before it does anything else. If mlgate ended before the prctl,
 * getppid() is no longer `parent` and the child ends itself.
 */
static void child_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(127);
}

/*
 * Runs in the child between fork() and exec: only async-signal-safe calls
 * and no allocation (the parent may be multi-threaded). Every signal is
 * blocked on entry (see spawn()); dispositions go back to the default and
 * the mask is emptied so the command starts clean: an ignored SIGPIPE or
 * SIGTERM in mlgate must not leak into the command under test.
 */
static _Noreturn void child_exec(struct run *run, char **envp, int devnull,
				 int out_w, int err_w, int errfd,
				 int report_w)
{
	const struct mlg_proc_options *opts = run->opts;
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (setpgid(0, 0) < 0)
		child_fail(errfd, STAGE_SETUP);
	child_die_with_parent(run->parent);

	errfd = child_move_up(errfd, errfd);
	devnull = child_move_up(devnull, errfd);
	out_w = child_move_up(out_w, errfd);
	err_w = child_move_up(err_w, errfd);
	if (report_w >= 0)
		report_w = child_move_up(report_w, errfd);
	if (run->helper_fd >= 0)
		run->helper_fd = child_move_up(run->helper_fd, errfd);
	if (dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		child_fail(errfd, STAGE_SETUP);

	if (opts->cwd && chdir(opts->cwd) < 0)
		child_fail(errfd, STAGE_CHDIR);
	/*
	 * Replacing environ (rather than execvpe) makes a PATH given in
	 * opts->env apply to the lookup of argv[0] too, as with env(1).
	 */
	if (envp)
		environ = envp;
	if (run->helper_argv) {
		/* The helper inherits both pipes and makes them close-on-exec
		 * again before it starts the command. */
		if (fcntl(errfd, F_SETFD, 0) < 0 ||
		    fcntl(report_w, F_SETFD, 0) < 0)
			child_fail(errfd, STAGE_SETUP);
		child_itoa(errfd, run->fd_arg[0]);
		child_itoa(report_w, run->fd_arg[1]);
		fexecve(run->helper_fd, run->helper_argv, environ);
		child_fail(errfd, STAGE_HELPER);
	}
	execvp(opts->argv[0], opts->argv);
	child_fail(errfd, STAGE_EXEC);
}

/*
 * The measuring helper (see the top comment): argv is HELPER_MARK, the
 * fail pipe's fd, the report pipe's fd, then the command. It runs in a
 * fresh single-threaded process, before main().
 */
static _Noreturn void helper_main(char **argv)
{
	int errfd = atoi(argv[1]), report_w = atoi(argv[2]);
	struct helper_report rep;
	struct sigaction sa;
	sigset_t none;
	pid_t pid, r, parent;
	ssize_t w;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
	fcntl(errfd, F_SETFD, FD_CLOEXEC);
	fcntl(report_w, F_SETFD, FD_CLOEXEC);

	parent = getpid();
	pid = fork();
	if (pid == 0) {
		child_die_with_parent(parent);
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			sigaction(sig, &sa, NULL);
		execvp(argv[3], argv + 3);
		child_fail(errfd, STAGE_EXEC);
	}
	if (pid < 0)
		child_fail(errfd, STAGE_SETUP);
	close(errfd);

	memset(&rep, 0, sizeof(rep));
	do {
		r = wait4(pid, &rep.status, 0, &rep.usage);
	} while (r < 0 && errno == EINTR);
	if (r != pid)
		_exit(127);
	do {
		w = write(report_w, &rep, sizeof(rep));
	} while (w < 0 && errno == EINTR);
	close(report_w);

	if (WIFEXITED(rep.status))
		_exit(WEXITSTATUS(rep.status));
	/* End by the same signal, without a second core dump. */
	sig = WIFSIGNALED(rep.status) ? WTERMSIG(rep.status) : SIGKILL;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

/* glibc passes main()'s arguments to constructors of the executable. */
__attribute__((constructor)) static void helper_entry(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 4 && argv && argv[0] && !strcmp(argv[0], HELPER_MARK))
		helper_main(argv);
}

/* Reaps the child into *status and *usage, retrying on EINTR; 0 or -1. */
static int reap(pid_t pid, int *status, struct rusage *usage)
{
	pid_t r;

	do {
		r = wait4(pid, status, 0, usage);
	} while (r < 0 && errno == EINTR);
	return r == pid ? 0 : -1;
}

/*
 * Forks and execs the command, then waits on the error pipe until the
 * exec has happened (EOF) or the child has reported why it could not.
 * Waiting here also guarantees the child's setpgid() is done before we
 * might signal its group.
 */
static int spawn(struct run *run)
{
	const struct mlg_proc_options *opts = run->opts;
	const char *name = opts->argv[0];
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int fail_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 };
	int devnull = -1, status, ret = MLG_ERROR;
	struct rusage usage;
	char **envp = NULL;
	char ebuf[128];
	sigset_t all, old;
	struct child_failure f;
	ssize_t r;

	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
	    pipe2(fail_pipe, O_CLOEXEC) < 0 ||
	    (run->helper_argv && pipe2(report_pipe, O_CLOEXEC | O_NONBLOCK) < 0)) {
		mlg_error_set("cannot create a pipe for '%s': %s", name,
			      errstr(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		mlg_error_set("cannot open '/dev/null': %s",
			      errstr(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (opts->env)
		envp = build_env(opts->env);

	/*
	 * Block every signal across fork() so that none of mlgate's handlers
	 * can run in the child before it resets them (a handler writing to a
	 * self-pipe would wake the parent's loop). Only this thread's mask
	 * changes, and only for the duration of fork().
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	run->start = mlg_now();
	run->parent = getpid();
	run->pid = fork();
	if (run->pid == 0)
		child_exec(run, envp, devnull, out_pipe[1], err_pipe[1],
			   fail_pipe[1], report_pipe[1]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (run->pid < 0) {
		mlg_error_set("cannot fork to run '%s': %s", name,
			      errstr(errno, ebuf, sizeof(ebuf)));
		goto out;
	}
	/* Also done by the child; doing it here too is the usual idiom. */
	setpgid(run->pid, run->pid);

	close_fd(&fail_pipe[1]);
	do {
		r = read(fail_pipe[0], &f, sizeof(f));
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		run->fd[0] = out_pipe[0];
		run->fd[1] = err_pipe[0];
		run->report_fd = report_pipe[0];
		out_pipe[0] = err_pipe[0] = report_pipe[0] = -1;
		ret = 0;
		goto out;
	}

	reap(run->pid, &status, &usage);
	if (r != (ssize_t)sizeof(f))
		mlg_error_set("cannot run '%s': lost contact with the child",
			      name);
	else if (f.stage == STAGE_CHDIR)
		ret = mlg_error_code(MLG_ENOTFOUND,
				     "cannot change to '%s': %s", opts->cwd,
				     errstr(f.err, ebuf, sizeof(ebuf)));
	else if (f.stage == STAGE_EXEC)
		ret = mlg_error_code(MLG_ENOTFOUND, "cannot run '%s': %s", name,
				     errstr(f.err, ebuf, sizeof(ebuf)));
	else if (f.stage == STAGE_HELPER)
		mlg_error_set("cannot start the helper that measures '%s': %s",
			      name, errstr(f.err, ebuf, sizeof(ebuf)));
	else
		mlg_error_set("cannot set up the child for '%s': %s", name,
			      errstr(f.err, ebuf, sizeof(ebuf)));
out:
	free(envp);
	close_fd(&devnull);
	close_fd(&out_pipe[0]);
	close_fd(&out_pipe[1]);
	close_fd(&err_pipe[0]);
	close_fd(&err_pipe[1]);
	close_fd(&fail_pipe[0]);
	close_fd(&fail_pipe[1]);
	close_fd(&report_pipe[0]);
	close_fd(&report_pipe[1]);
	return ret;
}

/* Notices the child's exit without reaping it (see the top comment). */
static void check_exit(struct run *run)
{
	const int flags = WEXITED | WNOHANG | WNOWAIT;
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)run->pid, &info, flags) < 0) {
		if (errno == EINTR)
			return;
		run->lost = 1; /* ECHILD: reaped behind our back */
	} else if (info.si_pid != run->pid) {
		return;
	}
	run->exited = 1;
	run->exit_time = mlg_now();
}

static void signal_group(struct run *run, int sig)
{
	kill(-run->pid, sig);
}

/* Sends SIGTERM on timeout or cancel, SIGKILL when the grace is over. */
static void enforce_limits(struct run *run, double now)
{
	const struct mlg_proc_options *opts = run->opts;

	if (!run->term_sent) {
		if (mlg_cancel_requested(opts->cancel))
			run->cancelled = 1;
		else if (run->deadline > 0 && now >= run->deadline)
			run->timed_out = 1;
		else
			return;
		signal_group(run, SIGTERM);
		run->term_sent = 1;
		run->term_time = now;
	} else if (!run->kill_sent && now - run->term_time >= KILL_GRACE_S) {
		signal_group(run, SIGKILL);
		run->kill_sent = 1;
	}
}

/* Milliseconds poll() may sleep before something needs our attention. */
static int poll_timeout(const struct run *run, double now)
{
	double until = now + POLL_SLICE_MS / 1000.0;
	double left;

	if (run->exited) {
		if (run->exit_time + DRAIN_S < until)
			until = run->exit_time + DRAIN_S;
	} else if (!run->term_sent) {
		if (run->deadline > 0 && run->deadline < until)
			until = run->deadline;
	} else if (!run->kill_sent) {
		if (run->term_time + KILL_GRACE_S < until)
			until = run->term_time + KILL_GRACE_S;
	}
	left = until - now;
	if (left <= 0)
		return 0;
	return (int)(left * 1000.0) + 1;
}

/* Reads what one ready pipe has; closes it at EOF or on error. */
static void drain_one(struct run *run, int i, char *chunk)
{
	ssize_t r = read(run->fd[i], chunk, READ_CHUNK);

	if (r > 0)
		tail_add(&run->tail[i], chunk, (size_t)r);
	else if (r == 0 || (errno != EINTR && errno != EAGAIN))
		close_fd(&run->fd[i]);
}

/*
 * The main loop: read output, watch the clock and the cancel flag, notice
 * the exit, drain. Returns 0, or MLG_ERROR when poll() itself fails (the
 * group is then killed so the caller is not left with a runaway command).
 */
static int supervise(struct run *run)
{
	char *chunk = mlg_xmalloc(READ_CHUNK);
	int idle_ms = 1, ret = 0;

	for (;;) {
		struct pollfd pfd[2];
		int idx[2], nfds = 0, i, ms, n;
		double now;

		if (!run->exited)
			check_exit(run);
		now = mlg_now();
		if (run->exited) {
			if ((run->fd[0] < 0 && run->fd[1] < 0) ||
			    now >= run->exit_time + DRAIN_S)
				break;
		} else {
			enforce_limits(run, now);
		}

		for (i = 0; i < 2; i++) {
			if (run->fd[i] < 0)
				continue;
			pfd[nfds].fd = run->fd[i];
			pfd[nfds].events = POLLIN;
			pfd[nfds].revents = 0;
			idx[nfds++] = i;
		}
		ms = poll_timeout(run, now);
		/*
		 * Both pipes closed but the child still running: nearly
		 * always it is about to exit, so look again soon, backing
		 * off to the normal slice for a child that closed its
		 * output on purpose.
		 */
		if (!nfds) {
			if (idle_ms < ms)
				ms = idle_ms;
			if (idle_ms < POLL_SLICE_MS)
				idle_ms *= 2;
		}
		n = poll(nfds ? pfd : NULL, (nfds_t)nfds, ms);
		if (n < 0) {
			char ebuf[128];

			if (errno == EINTR)
				continue;
			ret = mlg_error_set(
				"cannot poll the output of '%s': %s",
				run->opts->argv[0],
				errstr(errno, ebuf, sizeof(ebuf)));
			signal_group(run, SIGKILL);
			break;
		}
		for (i = 0; i < nfds; i++)
			if (pfd[i].revents)
				drain_one(run, idx[i], chunk);
	}
	free(chunk);
	return ret;
}

static int check_options(struct mlg_proc_result *out,
			 const struct mlg_proc_options *opts)
{
	if (!out || !opts)
		return mlg_error_set("no result or options given");
	if (opts->version != 1 && opts->version != MLG_PROC_OPTIONS_VERSION)
		return mlg_error_set("unsupported proc options version %u",
				     opts->version);
	if (!opts->argv || !opts->argv[0])
		return mlg_error_set("no command to run");
	return 0;
}

/*
 * Opens this program for the helper and builds its argv in *run (see the
 * top comment). Opening /proc/self/exe gets the running program even when
 * a rebuild has replaced the file since; it is opened here rather than
 * exec'd by name in the child because under valgrind only the parent's
 * open() is redirected to this program (the child's /proc/self/exe is
 * valgrind's).
 */
static int helper_prepare(struct run *run)
{
	const struct mlg_proc_options *opts = run->opts;
	char ebuf[128];
	size_t n = 0;

	run->helper_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (run->helper_fd < 0)
		return mlg_error_set("cannot open this program to measure '%s' with: %s",
				     opts->argv[0], errstr(errno, ebuf, sizeof(ebuf)));
	while (opts->argv[n])
		n++;
	run->helper_argv = mlg_xcalloc(n + 4, sizeof(char *));
	run->helper_argv[0] = (char *)HELPER_MARK;
	run->helper_argv[1] = run->fd_arg[0];
	run->helper_argv[2] = run->fd_arg[1];
	memcpy(run->helper_argv + 3, opts->argv, n * sizeof(char *));
	return 0;
}

static double timeval_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void set_usage(struct mlg_proc_result *out, const struct rusage *usage)
{
	out->has_usage = 1;
	out->max_rss_kb = usage->ru_maxrss;
	out->user_s = timeval_s(usage->ru_utime);
	out->sys_s = timeval_s(usage->ru_stime);
}

/*
 * The helper's report, if it wrote one before it ended (the helper ends
 * as the command did, so its own status is used). The pipe is
 * non-blocking and every writer is gone by now.
 */
static int read_report(struct run *run, struct helper_report *rep)
{
	ssize_t r;

	do {
		r = read(run->report_fd, rep, sizeof(*rep));
	} while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof(*rep);
}

int mlg_proc_run(struct mlg_proc_result *out,
		 const struct mlg_proc_options *opts)
{
	struct run run;
	struct rusage usage;
	struct helper_report rep;
	int ret, status = 0, i;
	char ebuf[128];

	if (out)
		memset(out, 0, sizeof(*out));
	ret = check_options(out, opts);
	if (ret)
		return ret;

	memset(&run, 0, sizeof(run));
	memset(&usage, 0, sizeof(usage));
	run.opts = opts;
	run.fd[0] = run.fd[1] = run.report_fd = run.helper_fd = -1;
	for (i = 0; i < 2; i++)
		run.tail[i].cap = opts->tail_bytes ? opts->tail_bytes
						   : DEFAULT_TAIL_BYTES;
	if (opts->version >= 2 && opts->measure &&
	    (ret = helper_prepare(&run)) < 0)
		goto done;
	ret = spawn(&run);
	if (ret)
		goto done;
	if (opts->timeout_s > 0)
		run.deadline = run.start + opts->timeout_s;

	ret = supervise(&run);
	/*
	 * Leftovers of the group (see the top comment), then the child. When
	 * the child was reaped behind our back its pid no longer pins the
	 * group id, so the group is left alone.
	 */
	if (!run.lost) {
		signal_group(&run, SIGKILL);
		if (reap(run.pid, &status, &usage) < 0)
			run.lost = 1;
	}
	if (!run.exited)
		run.exit_time = mlg_now();
	close_fd(&run.fd[0]);
	close_fd(&run.fd[1]);

	out->out_tail = tail_finish(&run.tail[0]);
	out->err_tail = tail_finish(&run.tail[1]);
	out->out_bytes = run.tail[0].total;
	out->err_bytes = run.tail[1].total;
	out->timed_out = run.timed_out;
	out->cancelled = run.cancelled;
	out->wall_s = run.exit_time - run.start;
	if (!ret && run.lost)
		ret = mlg_error_set("cannot wait for '%s': %s", opts->argv[0],
				    errstr(ECHILD, ebuf, sizeof(ebuf)));
	if (ret) {
		mlg_proc_result_release(out);
		memset(out, 0, sizeof(*out));
		goto done;
	}
	if (!run.helper_argv)
		set_usage(out, &usage);
	else if (read_report(&run, &rep))
		set_usage(out, &rep.usage);
	if (WIFEXITED(status)) {
		out->exited = 1;
		out->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		out->signaled = 1;
		out->signal = WTERMSIG(status);
	}
done:
	close_fd(&run.report_fd);
	close_fd(&run.helper_fd);
	free(run.helper_argv);
	return ret;
}

void mlg_proc_result_release(struct mlg_proc_result *r)
{
	if (!r)
		return;
	free(r->out_tail);
	free(r->err_tail);
	r->out_tail = NULL;
	r->err_tail = NULL;
}
