/*
 * genwriter: threads that keep writing a generation number into every
 * page of a big buffer, for the consistency test of dump-region's
 * snapshot mode (issue 15).
 *
 *   genwriter MIB THREADS FILE
 *
 * The buffer (MIB MiB, anonymous) is a header page and data pages; the
 * data pages are cut into THREADS contiguous ranges, one per thread.
 * Thread k writes, pass after pass, generation G (1, 2, ...) into the
 * first and the last 8 bytes of each page of its range, in order, and
 * after each page stores its progress, (G << 32) | pages written with G,
 * in one 64-bit word of the header, and rests 2 ms between passes. So at any instant, in range k with
 * progress (G, P): pages [0, P) hold G, page P holds G or G - 1 (written,
 * progress not yet stored), the pages after it G - 1. A copy of the
 * buffer taken at one instant satisfies that for every range; a copy
 * read while the threads run (pages read at different times) does not.
 *
 * Header page (little-endian, 8-byte words): "genwritr" magic, data
 * pages, threads, then one progress word per thread.
 *
 * Two more 1 MiB regions, written with 'F' and 'W', are marked
 * MADV_DONTFORK and MADV_WIPEONFORK.
 * With GENWRITER_SECCOMP=1 in the environment it first installs a
 * seccomp filter (one that allows every call).
 * SIGCHLD deliveries are counted; SIGUSR2 writes "sigchld=N passes=M\n"
 * (M: passes completed by thread 0) into FILE (created 0600).
 * Prints "ready pid=N buf=0x.. size=B threads=T dontfork=0x..
 * wipeonfork=0x.." once every thread has
 * completed a pass, and runs until killed.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "target.h"

#define PAGE 4096

static unsigned char *buf;
static uint64_t npages, nthreads;
static volatile uint64_t *progress;
static volatile sig_atomic_t chld;
static const char *path;

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void report(int sig)
{
	char line[96];
	int n;

	(void)sig;
	n = snprintf(line, sizeof(line), "sigchld=%d passes=%llu\n",
		     (int)chld,
		     (unsigned long long)(__atomic_load_n(&progress[0],
							  __ATOMIC_RELAXED) >>
					  32) - 1);
	target_report(path, line, n);
}

static void *writer(void *arg)
{
	uint64_t k = (uint64_t)(uintptr_t)arg, per = npages / nthreads;
	uint64_t first = 1 + k * per, g, i;
	unsigned char *p;

	for (g = 1;; g++) {
		__atomic_store_n(&progress[k], g << 32, __ATOMIC_RELEASE);
		for (i = 0; i < per; i++) {
			p = buf + (first + i) * PAGE;
			__atomic_store_n((uint64_t *)p, g, __ATOMIC_RELAXED);
			__atomic_store_n((uint64_t *)(p + PAGE - 8), g,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&progress[k], g << 32 | (i + 1),
					 __ATOMIC_RELEASE);
		}
		/* A breath between passes: the machine is shared. */
		usleep(2000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	size_t size;
	struct sigaction sa;
	char *df, *wf;
	pthread_t t;
	uint64_t k;

	if (argc != 4) {
		fprintf(stderr, "usage: genwriter MIB THREADS FILE\n");
		return 64;
	}
	size = (size_t)strtoul(argv[1], NULL, 0) << 20;
	nthreads = strtoul(argv[2], NULL, 0);
	path = argv[3];
	if (size < 2 * PAGE || !nthreads || nthreads > 64)
		return 64;
	if (getenv("GENWRITER_SECCOMP")) {
		struct sock_filter allow[] = {
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { 1, allow };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			target_die("seccomp");
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = report;
	sigaction(SIGUSR2, &sa, NULL);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		target_die("mmap");
	df = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	wf = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (df == MAP_FAILED || wf == MAP_FAILED)
		target_die("mmap");
	memset(df, 'F', 1 << 20);
	memset(wf, 'W', 1 << 20);
	if (madvise(df, 1 << 20, MADV_DONTFORK) ||
	    madvise(wf, 1 << 20, MADV_WIPEONFORK))
		target_die("madvise");
	npages = size / PAGE - 1;
	npages -= npages % nthreads;
	memcpy(buf, "genwritr", 8);
	memcpy(buf + 8, &npages, 8);
	memcpy(buf + 16, &nthreads, 8);
	progress = (volatile uint64_t *)(buf + 24);
	for (k = 0; k < nthreads; k++) {
		progress[k] = 0;
		if (pthread_create(&t, NULL, writer, (void *)(uintptr_t)k))
			target_die("pthread_create");
	}
	for (k = 0; k < nthreads; k++)
		while (__atomic_load_n(&progress[k], __ATOMIC_ACQUIRE) >> 32 < 2)
			usleep(1000);
	target_ready("buf=%p size=%zu threads=%llu dontfork=%p wipeonfork=%p",
		     (void *)buf, size, (unsigned long long)nthreads,
		     (void *)df, (void *)wf);
	target_wait();
	return 0;
}
