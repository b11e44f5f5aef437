/*
 * timeit: wall, user and system time and peak RSS of one command, for
 * the benches (bench/lib.sh's measure, memmap.sh, dump.sh, compare.sh).
 *
 *   timeit OUTFILE COMMAND [ARG...]
 *
 * Runs COMMAND (stdin, stdout and stderr inherited), waits for it and
 * writes one line to OUTFILE (replacing it):
 *
 *   wall_ns user_ns sys_ns status maxrss_kb
 *
 * wall time is CLOCK_MONOTONIC around fork+exec+wait, so it includes the
 * exec of COMMAND (as `time` does) but not the start of a shell or of
 * `date`. maxrss_kb is the child's peak RSS (wait4): a child forked from
 * this small program, not from a shell or an interpreter, whose own RSS
 * would be counted in (the kernel keeps the peak across the exec).
 * Exit status: COMMAND's, or 2 when it could not be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0, t1;
	int status, code;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUTFILE COMMAND [ARG...]\n");
		return 64;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "timeit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "timeit: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("timeit: wait4");
			return 2;
		}
	}
	t1 = now_ns();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "%llu %llu %llu %d %ld\n", (unsigned long long)(t1 - t0),
		(unsigned long long)tv_ns(ru.ru_utime),
		(unsigned long long)tv_ns(ru.ru_stime), code, ru.ru_maxrss);
	if (fclose(out)) {
		fprintf(stderr, "timeit: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	return code == 127 ? 2 : code;
}
