/*
 * sigcount: counts the signals it receives, for dump-region's signal
 * storm test (RELIABILITY T8).
 *
 *   sigcount MIB FILE
 *
 * Writes MIB MiB (so that a freeze dump of it takes a while), counts
 * every SIGRTMIN (queued: none may be lost) and SIGUSR1 (standard: ones
 * arriving while one is pending merge), and on SIGUSR2 writes
 * "rt=N usr1=M\n" into FILE (created 0600). Prints
 * "ready pid=N big=0x.. size=B" and waits.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "target.h"

static volatile sig_atomic_t rt, usr1;
static const char *path;

static void count(int sig)
{
	if (sig == SIGUSR1)
		usr1++;
	else
		rt++;
}

static void report(int sig)
{
	char line[64];
	int n;

	(void)sig;
	n = snprintf(line, sizeof(line), "rt=%d usr1=%d\n", (int)rt,
		     (int)usr1);
	target_report(path, line, n);
}

int main(int argc, char **argv)
{
	size_t size = (size_t)strtoul(argc > 1 ? argv[1] : "256", NULL, 0)
		      << 20;
	struct sigaction sa;
	char *p;

	if (argc != 3) {
		fprintf(stderr, "usage: sigcount MIB FILE\n");
		return 64;
	}
	path = argv[2];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = report;
	sigaction(SIGUSR2, &sa, NULL);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		target_die("mmap");
	memset(p, 'S', size);
	target_ready("big=%p size=%zu", (void *)p, size);
	target_wait();
	return 0;
}
