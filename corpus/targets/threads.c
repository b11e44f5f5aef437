/*
 * threads: a multi-threaded C program with known per-thread memory.
 *
 *   threads [N [leader-exit]]   (default 8)
 *
 * Starts N threads; thread i mallocs 10000 chunks of 32 + 16*i bytes (so
 * each thread's glibc arena holds one size of its own), then all wait.
 * With "leader-exit", the main thread then leaves with pthread_exit while
 * the others go on (its /proc/PID/maps reads empty from then on).
 * Reports: ready pid=N threads=N
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "target.h"

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	size_t size = 32 + 16 * (size_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < 10000; i++) {
		char *p = malloc(size);

		if (!p)
			target_die("malloc");
		memset(p, 'T', size);
	}
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 8, i;
	pthread_t t;

	pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, worker, (void *)(uintptr_t)i))
			target_die("pthread_create");
	pthread_barrier_wait(&barrier);
	target_ready("threads=%lu", n);
	if (argc > 2 && strcmp(argv[2], "leader-exit") == 0)
		pthread_exit(NULL);
	target_wait();
	return 0;
}
