/*
 * pvcopy: the bare copy dump-region is measured against, for bench/dump.sh.
 *
 *   pvcopy PID START LENGTH OUTFILE
 *
 * process_vm_readv of LENGTH bytes from START in 8 MiB pieces, each
 * written with write() to OUTFILE (created new). No pagemap, no hashing,
 * no index, no error recovery: the floor of what a copy to a file costs
 * in one thread (dump-region reads on one thread while another writes,
 * so on two idle cores it can beat it).
 * Exit status 0, or 2 with a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t chunk = 8 << 20, len, n, off = 0;
	unsigned long long start;
	struct iovec l, r;
	char *buf;
	ssize_t got, w;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: pvcopy PID START LENGTH OUTFILE\n");
		return 64;
	}
	start = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	buf = malloc(chunk);
	fd = open(argv[4], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (!buf || fd < 0) {
		fprintf(stderr, "pvcopy: %s: %s\n", argv[4], strerror(errno));
		return 2;
	}
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		l.iov_base = buf;
		l.iov_len = n;
		r.iov_base = (void *)(start + off);
		r.iov_len = n;
		got = process_vm_readv(atoi(argv[1]), &l, 1, &r, 1, 0);
		if (got <= 0) {
			fprintf(stderr, "pvcopy: read at 0x%llx: %s\n",
				start + off, strerror(errno));
			return 2;
		}
		for (n = 0; n < (size_t)got; n += (size_t)w) {
			w = write(fd, buf + n, (size_t)got - n);
			if (w <= 0) {
				fprintf(stderr, "pvcopy: write: %s\n",
					strerror(errno));
				return 2;
			}
		}
		off += (size_t)got;
	}
	return close(fd) ? 2 : 0;
}
