/*
 * filemap: a process with a big file mapping whose pages are mostly not
 * present, for the holes a core fills from the mapped file.
 *
 *   filemap FILE MIB HEARTBEAT [pageout]
 *
 * Creates FILE (new, sparse, MIB MiB) and writes into it, with pwrite
 * (the page cache, not the mapping):
 *   - page 3: "file-page-3" (never touched through the mapping: absent);
 *   - page 7: "file-page-7" (read through the mapping: present);
 *   - page 11: "file-page-11" (written through the private mapping, so
 *     the process's page becomes "anon-page-11": anonymous data);
 *   - DATA_MIB MiB from offset 16 MiB: every byte 'F' (file data never
 *     touched through the mapping: what a core fills, counted by the plan).
 * Maps the whole file MAP_PRIVATE read-write. With "pageout", page 11 is
 * then pushed out with MADV_PAGEOUT (to swap, when there is some).
 * A heartbeat thread wakes every millisecond and writes the longest gap
 * seen between two wakeups (ns, 20 decimal digits and LF) to HEARTBEAT
 * whenever it grows: a ptrace stop shows there as it lasted, seen from
 * inside.
 * Reports:
 *   ready pid=N map=0x.. size=B page=4096 data=0x.. data_size=B
 *         swapped=0|1
 * (swapped: page 11's pagemap entry has the swap bit, bit 62.)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "target.h"

#define DATA_OFF (16UL << 20)
#define DATA_MIB 8UL

static int hb_fd;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *heartbeat(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t last = now_ns(), now, max = 0;
	char line[32];
	int n;

	(void)arg;
	for (;;) {
		nanosleep(&ms, NULL);
		now = now_ns();
		if (now - last > max) {
			max = now - last;
			/* One fixed-width write: never seen half done. */
			n = snprintf(line, sizeof(line), "%020llu\n",
				     (unsigned long long)max);
			if (pwrite(hb_fd, line, n, 0) != n)
				target_die("heartbeat");
		}
		last = now;
	}
	return NULL;
}

static void put(int fd, unsigned long page, const char *s, long pg)
{
	if (pwrite(fd, s, strlen(s) + 1, (off_t)(page * pg)) < 0)
		target_die("pwrite");
}

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t size, k;
	uint64_t e = 0;
	char *map, *buf;
	pthread_t t;
	int fd, pm;
	volatile char c;

	if (argc < 4) {
		fprintf(stderr, "usage: filemap FILE MIB HEARTBEAT [pageout]\n");
		return 2;
	}
	size = strtoul(argv[2], NULL, 0) << 20;
	if (size < DATA_OFF + (DATA_MIB << 20))
		size = DATA_OFF + (DATA_MIB << 20);
	fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	hb_fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || hb_fd < 0 || ftruncate(fd, (off_t)size))
		target_die("file");
	put(fd, 3, "file-page-3", pg);
	put(fd, 7, "file-page-7", pg);
	put(fd, 11, "file-page-11", pg);
	buf = malloc(1 << 20);
	if (!buf)
		target_die("malloc");
	memset(buf, 'F', 1 << 20);
	for (k = 0; k < DATA_MIB; k++)
		if (pwrite(fd, buf, 1 << 20, (off_t)(DATA_OFF + (k << 20))) !=
		    1 << 20)
			target_die("pwrite data");
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		target_die("mmap");
	c = map[7 * pg];
	(void)c;
	strcpy(map + 11 * pg, "anon-page-11");
	if (argc > 4 && !strcmp(argv[4], "pageout") &&
	    madvise(map + 11 * pg, pg, MADV_PAGEOUT))
		target_die("madvise(MADV_PAGEOUT)");
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0 || pread(pm, &e, 8, (off_t)((uintptr_t)(map + 11 * pg) /
					      pg * 8)) != 8)
		target_die("pagemap");
	close(pm);
	if (pthread_create(&t, NULL, heartbeat, NULL))
		target_die("pthread_create");
	target_ready("map=%p size=%zu page=%ld data=%p data_size=%lu "
		     "swapped=%d", (void *)map, size, pg,
		     (void *)(map + DATA_OFF), DATA_MIB << 20,
		     (int)((e >> 62) & 1));
	target_wait();
	return 0;
}
