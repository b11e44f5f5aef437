/*
 * idlethreads: many idle threads, each with its own stack (the JVM with
 * one java.util.Timer per request, in C).
 *
 *   idlethreads [N]     (default 300)
 *
 * Starts N threads with the default stack size that block in pause().
 * Reports: ready pid=N threads=N
 */
#include <pthread.h>

#include "target.h"

static pthread_barrier_t barrier;

static void *idle(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 300, i;
	pthread_t t;

	pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, idle, NULL))
			target_die("pthread_create");
	pthread_barrier_wait(&barrier);
	target_ready("threads=%lu", n);
	target_wait();
	return 0;
}
