/*
 * growleak: a service that leaks connection contexts while it is watched,
 * for snapdiff and the runbooks (leak-watch).
 *
 *   growleak [N [LEAK [REPORT [PERIOD_MS]]]]
 *                 (defaults: 1000, 50000, "-" (none), 0 (no timer))
 *
 * Allocates N contexts of 96 bytes with malloc (112-byte chunks in the main
 * arena's [heap], each holding the peer "$UNKNOWN", as leaky does) and
 * prints its readiness line:
 *   ready pid=N contexts=N context_size=96 leak=LEAK
 * Then, on each SIGUSR1 (and every PERIOD_MS milliseconds when set), it
 * mallocs LEAK more contexts and appends one line to the file REPORT (a
 * FIFO the test reads, or a regular file; stdout is closed by then):
 *   leaked pid=N contexts=TOTAL
 * The contexts are never freed: the [heap] only grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "target.h"

struct ctx {
	uint64_t id;
	uint32_t state, flags;
	char peer[32];
	struct ctx *next;
	char pad[40];
};

static struct ctx *head;
static unsigned long total;

static void leak(unsigned long n)
{
	struct ctx *c;

	while (n--) {
		c = malloc(sizeof(*c));
		if (!c)
			target_die("malloc");
		memset(c, 0, sizeof(*c));
		c->id = total++;
		strcpy(c->peer, "$UNKNOWN");
		c->next = head;
		head = c;
	}
}

static void report(const char *path)
{
	char line[96];
	int fd, n;

	if (strcmp(path, "-") == 0)
		return;
	/* A FIFO blocks here until the test opens it to read. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		target_die(path);
	n = snprintf(line, sizeof(line), "leaked pid=%d contexts=%lu\n",
		     (int)getpid(), total);
	if (write(fd, line, (size_t)n) != n)
		target_die("write");
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	unsigned long more = argc > 2 ? strtoul(argv[2], NULL, 0) : 50000;
	const char *path = argc > 3 ? argv[3] : "-";
	unsigned long period = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
	struct timespec ts = { (time_t)(period / 1000),
			       (long)(period % 1000) * 1000000 };
	sigset_t set;
	int sig;

	_Static_assert(sizeof(struct ctx) == 96, "context is 96 bytes");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	leak(n);
	target_ready("contexts=%lu context_size=96 leak=%lu", n, more);
	for (;;) {
		sig = sigtimedwait(&set, NULL, period ? &ts : NULL);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0 && errno != EAGAIN)
			target_die("sigtimedwait");
		leak(more);
		report(path);
	}
	return 0;
}
