/*
 * dumpme: a patient for dump-region's tests, with memory of every kind a
 * dump must treat differently.
 *
 *   dumpme [MIB [THREADS [churn]]]    (defaults 64 and 4)
 *
 * Builds:
 *   - a string on the heap: "memforensic-canary-<pid>" (malloc'd), and
 *     4096 copies of "heap-filler-NNNNN" so that [heap] has content;
 *   - big: MIB MiB anonymous, every page written with its page number
 *     (no THP), except the last MiB (never touched: absent pages);
 *   - huge: 1 TiB MAP_NORESERVE, untouched but one page in the middle;
 *   - dd: 1 MiB written, then MADV_DONTDUMP;
 *   - uffd: 1 MiB registered with userfaultfd (missing mode), untouched;
 *     "uffd=-" when userfaultfd is not available;
 *   - THREADS threads idle in pause();
 *   - with "churn": a spawner that keeps creating threads that live about
 *     a millisecond (at most 64 at once), as a thread-bomb does.
 * Reports:
 *   ready pid=N canary=0x.. big=0x.. big_size=B huge=0x.. huge_size=B
 *         huge_page=0x.. dd=0x.. uffd=0x..|- threads=T
 * SIGUSR1 unmaps big (a region vanishing under a reader); SIGUSR2 exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "target.h"

static char *big;
static size_t big_size;

static void on_usr1(int sig)
{
	(void)sig;
	munmap(big, big_size);
}

static void on_usr2(int sig)
{
	(void)sig;
	_exit(0);
}

static int alive;

static void *brief(void *arg)
{
	(void)arg;
	usleep(1000);
	__atomic_sub_fetch(&alive, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *spawner(void *arg)
{
	pthread_attr_t a;
	pthread_t t;

	(void)arg;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if (__atomic_load_n(&alive, __ATOMIC_SEQ_CST) >= 64) {
			usleep(100);
			continue;
		}
		__atomic_add_fetch(&alive, 1, __ATOMIC_SEQ_CST);
		if (pthread_create(&t, &a, brief, NULL))
			__atomic_sub_fetch(&alive, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Until at least n threads (main included, which is running) are in S. */
static void wait_idle(int n)
{
	char path[300], buf[256], *rp;
	struct dirent *de;
	int sleeping, fd;
	ssize_t len;
	DIR *d;

	for (;;) {
		sleeping = 1;	/* this thread */
		d = opendir("/proc/self/task");
		if (!d)
			return;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
				 de->d_name);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			len = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[len > 0 ? len : 0] = 0;
			rp = strrchr(buf, ')');
			if (rp && rp[1] == ' ' && rp[2] == 'S')
				sleeping++;
		}
		closedir(d);
		if (sleeping >= n)
			return;
		usleep(1000);
	}
}

/* A userfaultfd-registered range, or NULL. */
static void *uffd_region(size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	void *p;
	int fd;

	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	reg.range.start = (uintptr_t)p;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		return NULL;
	return p;	/* fd stays open: the registration lives with it */
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	int nthreads = argc > 2 ? atoi(argv[2]) : 4, i;
	size_t huge_size = 1ULL << 40, page = 4096, k;
	char *canary, *huge, *dd, *filler;
	void *uffd;
	pthread_t t;
	char uffd_s[32];

	canary = malloc(64);
	snprintf(canary, 64, "memforensic-canary-%d", (int)getpid());
	for (i = 0; i < 4096; i++) {
		filler = malloc(32);
		snprintf(filler, 32, "heap-filler-%05d", i);
	}
	big_size = mib << 20;
	big = mmap(NULL, big_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED)
		target_die("mmap big");
	madvise(big, big_size, MADV_NOHUGEPAGE);
	for (k = 0; k + (1 << 20) < big_size; k += page)
		snprintf(big + k, page, "page-%zu", k / page);
	huge = mmap(NULL, huge_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (huge == MAP_FAILED)
		target_die("mmap huge");
	strcpy(huge + huge_size / 2, "one-page-of-a-tebibyte");
	dd = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dd == MAP_FAILED)
		target_die("mmap dd");
	memset(dd, 'D', 1 << 20);
	madvise(dd, 1 << 20, MADV_DONTDUMP);
	uffd = uffd_region(1 << 20);
	if (uffd)
		snprintf(uffd_s, sizeof(uffd_s), "%p", uffd);
	else
		strcpy(uffd_s, "-");
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, idle, NULL))
			target_die("pthread_create");
	if (argc > 3 && !strcmp(argv[3], "churn") &&
	    pthread_create(&t, NULL, spawner, NULL))
		target_die("pthread_create");
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	/* Ready only once every idle thread sleeps in pause(): a thread still
	 * starting would touch one more stack page after the ready line, and
	 * the tests compare the RSS before and after a dump. */
	wait_idle(nthreads + 1);
	target_ready("canary=%p big=%p big_size=%zu huge=%p huge_size=%zu "
		     "huge_page=%p dd=%p uffd=%s threads=%d",
		     (void *)canary, (void *)big, big_size, (void *)huge,
		     huge_size, (void *)(huge + huge_size / 2), (void *)dd,
		     uffd_s, nthreads);
	target_wait();
	return 0;
}
