/*
 * test_thread: fx_thread_start_apart starts its thread on another CPU
 * than the caller's when the process may use two, then lets it run on
 * every CPU the caller may use; fn gets its argument and its result is
 * the thread's. (On an idle machine the kernel often starts a plain
 * thread on the other CPU too: what the placement buys is measured by
 * bench/objects.sh, not here.)
 */
#include <pthread.h>
#include <sched.h>

#include "internal.h"
#include "unit.h"

struct seen {
	int cpu;		/* where fn ran first */
	cpu_set_t mask;		/* what it was allowed then */
};

static void *probe(void *p)
{
	struct seen *s = p;

	s->cpu = sched_getcpu();
	sched_getaffinity(0, sizeof(s->mask), &s->mask);
	return p;
}

START_TEST(test_apart)
{
	cpu_set_t all;
	struct seen s;
	pthread_t t;
	void *ret;
	int i, cpu, apart = 0;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	for (i = 0; i < 20; i++) {
		memset(&s, 0, sizeof(s));
		s.cpu = -1;
		cpu = sched_getcpu();
		ck_assert_int_eq(fx_thread_start_apart(&t, probe, &s), 0);
		ck_assert_int_eq(pthread_join(t, &ret), 0);
		ck_assert_ptr_eq(ret, &s);
		ck_assert_int_ge(s.cpu, 0);
		ck_assert(CPU_EQUAL(&s.mask, &all));
		apart += s.cpu != cpu;
	}
	/* The caller may move between its look and the thread's start. */
	if (CPU_COUNT(&all) >= 2)
		ck_assert_int_ge(apart, 18);
}
END_TEST

/* A caller held on one CPU: the thread runs there, as a plain one. */
START_TEST(test_one_cpu)
{
	cpu_set_t all, one;
	struct seen s;
	pthread_t t;
	int cpu = sched_getcpu();

	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fx_thread_start_apart(&t, probe, &s), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(s.cpu, cpu);
	ck_assert(CPU_EQUAL(&s.mask, &one));
	ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
}
END_TEST

UNIT_MAIN("thread", test_apart, test_one_cpu)
