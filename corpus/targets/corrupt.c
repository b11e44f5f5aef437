/*
 * corrupt: a process that corrupts its own glibc heap metadata, one way
 * per run, then stays idle (it calls malloc no more, so it lives on).
 *
 *   corrupt MODE
 *
 * MODE (the corruptions of RELIABILITY.md T32 and issue 5):
 *   size0        an in-use chunk's size field set to 0
 *   sizehuge     ... to 0xffffffffffffff00
 *   misaligned   ... to 0x68 | PREV_INUSE (not a multiple of 16)
 *   prevsize     a free chunk's successor has a wrong prev_size
 *   tcache-loop  a tcache list made into a cycle (longer than its count)
 *   tcache-wild  a tcache next pointer out of every region
 *   fastbin-loop a fastbin list made into a cycle
 *   top-huge     the main arena's top chunk size beyond the heap
 *   arena-next   a thread arena's next pointer out of every region
 *   arena-self   a thread arena's next pointer to itself
 *   ar-ptr       a thread heap's heap_info.ar_ptr out of every region
 * Reports: ready pid=N mode=MODE addr=0x... (the chunk or arena where the
 * walk must stop).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "target.h"

/* The point of this program is to write to freed chunks. */
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wuse-after-free"

static char obuf[4096];

static uintptr_t mangle(void *pos, void *ptr)
{
	/* glibc 2.32+ safe-linking: PROTECT_PTR. */
	return ((uintptr_t)pos >> 12) ^ (uintptr_t)ptr;
}

static void *arena_thread(void *arg)
{
	void **out = arg;

	*out = malloc(100);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "size0";
	uintptr_t addr = 0, *w;
	void *keep[64], *p, *q;
	pthread_t t;
	int i;

	/* No malloc after the damage: stdout gets a static buffer. */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (i = 0; i < 64; i++)
		keep[i] = malloc(40 + (i % 4) * 16);
	if (strncmp(mode, "arena", 5) == 0 || strcmp(mode, "ar-ptr") == 0) {
		if (pthread_create(&t, NULL, arena_thread, &p) ||
		    pthread_join(t, NULL))
			target_die("pthread");
		/* The heap is 64 MiB aligned; heap_info, then the arena. */
		w = (uintptr_t *)((uintptr_t)p & ~(uintptr_t)((64 << 20) - 1));
		if (strcmp(mode, "ar-ptr") == 0) {
			addr = (uintptr_t)w;
			w[0] = 0x1000;
		} else {
			addr = w[0];
			((uintptr_t *)w[0])[2160 / 8] =
				strcmp(mode, "arena-self") == 0 ? w[0] : 0x10;
		}
	} else if (strcmp(mode, "size0") == 0 || strcmp(mode, "sizehuge") == 0 ||
		   strcmp(mode, "misaligned") == 0) {
		w = (uintptr_t *)keep[10];
		addr = (uintptr_t)(w - 2);
		w[-1] = mode[0] == 'm' ? 0x68 | 1 :
			mode[4] == 'h' ? 0xffffffffffffff00ULL : 0;
	} else if (strcmp(mode, "prevsize") == 0) {
		p = malloc(2000);
		q = malloc(100);
		free(p);		/* too big for tcache: unsorted bin */
		w = (uintptr_t *)q;
		addr = (uintptr_t)(w - 2);
		w[-2] = 12345 * 16;	/* q's prev_size */
	} else if (strncmp(mode, "tcache", 6) == 0) {
		p = malloc(200);
		q = malloc(200);
		free(p);
		free(q);		/* tcache: q -> p */
		w = (uintptr_t *)p;
		addr = (uintptr_t)p - 16;
		w[0] = mode[7] == 'l' ? mangle(p, q) :
					mangle(p, (void *)0x4141414141414140);
	} else if (strcmp(mode, "fastbin-loop") == 0) {
		void *f[9];

		for (i = 0; i < 9; i++)
			f[i] = malloc(24);
		for (i = 0; i < 9; i++)
			free(f[i]);	/* 7 to tcache, then fastbin 8 -> 7 */
		w = (uintptr_t *)f[7];
		addr = (uintptr_t)f[7] - 16;
		w[0] = mangle(f[7], (char *)f[8] - 16);
	} else if (strcmp(mode, "top-huge") == 0) {
		p = malloc(1000);
		/* A fresh chunk split off the top: the top follows it. */
		w = (uintptr_t *)((char *)p + (((uintptr_t *)p)[-1] & ~7UL) - 16);
		addr = (uintptr_t)w;
		w[1] = (1ULL << 40) | 1;
	} else {
		target_die("unknown mode");
	}
	target_ready("mode=%s addr=0x%012lx", mode, (unsigned long)addr);
	target_wait();
	return 0;
}
