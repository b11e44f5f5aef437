/*
 * arenas: one glibc malloc arena per thread, each full of one chunk size.
 *
 *   arenas [N]     (default 8 threads)
 *
 * Thread i mallocs 10000 chunks of 40 + 16*i bytes (chunk size 48 + 16*i:
 * 48, 64, ... 160), so each thread's arena holds one size of its own; the
 * main thread then mallocs 8 MiB (above the mmap threshold: a chunk
 * mmapped on its own). Reports:
 *   ready pid=N threads=N count=10000 chunk_sizes=48,64,... big=0x...
 *         big_size=8388608
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "target.h"

#define COUNT 10000

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	size_t size = 40 + 16 * (size_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < COUNT; i++) {
		char *p = malloc(size);

		if (!p)
			target_die("malloc");
		memset(p, 'A', size);
	}
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 8, i;
	char sizes[512] = "", *big;
	size_t len = 0;
	pthread_t t;

	pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, worker, (void *)(uintptr_t)i))
			target_die("pthread_create");
	pthread_barrier_wait(&barrier);
	big = malloc(8 << 20);
	if (!big)
		target_die("malloc");
	memset(big, 'B', 8 << 20);
	for (i = 0; i < n && len < sizeof(sizes) - 16; i++)
		len += (size_t)snprintf(sizes + len, sizeof(sizes) - len,
					"%s%lu", i ? "," : "", 48 + 16 * i);
	target_ready("threads=%lu count=%d chunk_sizes=%s big=%p big_size=%d",
		     n, COUNT, sizes, (void *)big, 8 << 20);
	target_wait();
	return 0;
}
