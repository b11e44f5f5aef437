/*
 * pagemap: reading /proc/PID/pagemap entries (format in pagemap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"
#include "pagemap.h"
#include "proc.h"

size_t fx_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

int fx_pagemap_open(struct fx_proc *p)
{
	int fd = openat(p->dirfd, "pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

long fx_pagemap_read(int fd, uint64_t vaddr, size_t npages, uint64_t *out)
{
	/* 64-bit offset arithmetic: addresses above 2^47 (LA57) included. */
	uint64_t off = vaddr / fx_page_size() * 8;
	size_t want = npages * 8, got = 0;
	ssize_t n;

	while (got < want) {
		n = pread(fd, (char *)out + got, want - got,
			  (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)(got / 8);
}
