/*
 * maxrss CMD ARGS...: runs CMD and prints its peak resident set size in
 * KiB (getrusage's ru_maxrss of the child), then its user and system CPU
 * seconds, on standard error, as `/usr/bin/time -f '%M %U %S'` does;
 * exits with CMD's status. bench/scale.sh
 * uses it where /usr/bin/time is not installed.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: maxrss CMD [ARGS...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("maxrss: fork");
		return 2;
	}
	if (!pid) {
		execvp(argv[1], argv + 1);
		perror("maxrss: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("maxrss: wait4");
		return 2;
	}
	fprintf(stderr, "%ld %ld.%02ld %ld.%02ld\n", ru.ru_maxrss, (long)ru.ru_utime.tv_sec,
		(long)ru.ru_utime.tv_usec / 10000, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec / 10000);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
