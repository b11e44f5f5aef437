/*
 * spinstack: a thread that never blocks, its stack rising and falling
 * (a busy worker): it recurses through deep_a() or deep_b() in turn, to
 * depths 0..39, over and over, each frame with a 256-byte local buffer.
 *
 *   spinstack
 *
 * Its stack is always spin <- deep_a <- ... <- deep_a or spin <- deep_b
 * <- ... <- deep_b (1 to 40 of them), never both: an unwinder that reads
 * it after the thread moved on mixes them.
 * Reports: ready pid=N spinner=TID
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "target.h"

static volatile unsigned long sink;
static volatile int spinner;

/* Two recursions alike but for their names: at any instant the stack is
 * one or the other, never both. */
#define DEEP(name)                                                 \
	__attribute__((noinline)) static unsigned long name(int n)        \
	{                                                                 \
		volatile char pad[256];                                   \
		int i;                                                    \
									  \
		pad[0] = (char)n;                                         \
		if (n == 0) {                                             \
			for (i = 0; i < 1000; i++)                        \
				sink += (unsigned long)i;                 \
			return sink + (unsigned long)pad[0];              \
		}                                                         \
		return name(n - 1) + (unsigned long)pad[0];               \
	}
DEEP(deep_a)
DEEP(deep_b)

static void *spin(void *arg)
{
	int d;

	(void)arg;
	spinner = (int)syscall(SYS_gettid);
	for (;;)
		for (d = 0; d < 40; d++)
			sink += d & 1 ? deep_a(d) : deep_b(d);
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spin, NULL))
		target_die("pthread_create");
	while (!spinner)
		sched_yield();
	target_ready("spinner=%d", spinner);
	target_wait();
	return 0;
}
