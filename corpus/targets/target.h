/*
 * Shared by the live targets: the readiness line. A target builds its
 * known memory, prints ONE line "ready pid=N key=value..." on stdout, closes
 * stdout (so a reader of a pipe or fifo sees the line end and EOF) and
 * waits to be killed. Tests read that line instead of sleeping.
 */
#ifndef TARGET_H
#define TARGET_H

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void target_ready(const char *fmt, ...)
{
	va_list ap;

	printf("ready pid=%d", (int)getpid());
	if (fmt && *fmt) {
		putchar(' ');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	fclose(stdout);
}

static inline void target_wait(void)
{
	for (;;)
		pause();
}

/* Write the n bytes of line into path, created 0600 (a signal handler's
 * report: async-signal-safe calls only); exit 3 when it cannot. */
static inline void target_report(const char *path, const char *line, int n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			_exit(3);
		close(fd);
	}
}

static inline void target_die(const char *what)
{
	perror(what);
	exit(2);
}

#endif
