/*
 * readtime: the time spent inside read() on one file, for bench/memmap.sh.
 *
 *   readtime SIZE FILE
 *
 * Reads FILE whole with read() calls of SIZE bytes (data discarded) and
 * prints one line on stdout:
 *
 *   reads=N bytes=B total_ns=T max_ns=M
 *
 * For /proc/PID/smaps the kernel holds the target's mm lock during each
 * read() while it walks page tables, so total_ns is the time the lock was
 * held for this reader and max_ns the longest single hold. With SIZE
 * 131072 this is what `cat` costs the target (GNU cat reads 128 KiB).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t t0, dt, total = 0, max = 0, bytes = 0;
	unsigned long nreads = 0;
	size_t size;
	char *end, *buf;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: readtime SIZE FILE\n");
		return 64;
	}
	size = strtoul(argv[1], &end, 10);
	if (*end || size == 0 || size > (1u << 26)) {
		fprintf(stderr, "readtime: bad size '%s'\n", argv[1]);
		return 64;
	}
	buf = malloc(size);
	if (!buf) {
		perror("readtime: malloc");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "readtime: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	for (;;) {
		t0 = now_ns();
		n = read(fd, buf, size);
		dt = now_ns() - t0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "readtime: %s: %s\n", argv[2],
				strerror(errno));
			return 2;
		}
		nreads++;
		total += dt;
		if (dt > max)
			max = dt;
		if (n == 0)
			break;
		bytes += (uint64_t)n;
	}
	close(fd);
	free(buf);
	printf("reads=%lu bytes=%llu total_ns=%llu max_ns=%llu\n", nreads,
	       (unsigned long long)bytes, (unsigned long long)total,
	       (unsigned long long)max);
	return 0;
}
