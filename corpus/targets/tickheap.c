/*
 * tickheap: a big resident region and a 1 ms ticker thread that measures
 * how long the process was stopped, as the process itself sees it (for
 * bench/snapshot.sh: freeze, snapshot and gcore stops compared).
 *
 *   tickheap MIB FILE [thp]
 *
 * mmaps MIB MiB (anonymous, private; MADV_NOHUGEPAGE, or MADV_HUGEPAGE
 * with "thp") and writes every page. The ticker sleeps 1 ms at a time
 * (clock_nanosleep, CLOCK_MONOTONIC) and keeps the longest gap between
 * two wake-ups. SIGUSR1 starts a new measure (longest gap 0); SIGUSR2
 * writes "maxgap_us=N ticks=M\n" into FILE (created 0600): the longest
 * gap since, in microseconds (a stop of S ms shows as about S + 1 ms),
 * and the ticks since. The ticker blocks the signals: the main thread,
 * waiting in pause(), takes them.
 * Prints "ready pid=N start=0x... size=BYTES".
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "target.h"

static volatile uint64_t maxgap, ticks;
static volatile sig_atomic_t reset;
static const char *path;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void on_usr1(int sig)
{
	(void)sig;
	reset = 1;
}

static void on_usr2(int sig)
{
	char line[96];
	int n;

	(void)sig;
	n = snprintf(line, sizeof(line), "maxgap_us=%llu ticks=%llu\n",
		     (unsigned long long)(maxgap / 1000),
		     (unsigned long long)ticks);
	target_report(path, line, n);
}

static void *ticker(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t last = now_ns(), t;

	(void)arg;
	for (;;) {
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
		t = now_ns();
		if (reset) {
			reset = 0;
			maxgap = ticks = 0;
		} else {
			if (t - last > maxgap)
				maxgap = t - last;
			ticks++;
		}
		last = t;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t all;
	pthread_t t;
	size_t size;
	char *p;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: tickheap MIB FILE [thp]\n");
		return 64;
	}
	size = (size_t)strtoul(argv[1], NULL, 0) << 20;
	path = argv[2];
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		target_die("mmap");
	madvise(p, size, argc == 4 && !strcmp(argv[3], "thp") ?
				 MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	/* The ticker is made with every signal blocked, and keeps them so. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (pthread_create(&t, NULL, ticker, NULL))
		target_die("pthread_create");
	pthread_sigmask(SIG_UNBLOCK, &all, NULL);
	target_ready("start=%p size=%zu", (void *)p, size);
	target_wait();
	return 0;
}
