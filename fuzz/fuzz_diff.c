/*
 * fuzz_diff: snapdiff's engine over two hostile captures.
 *
 * Input layout: byte 0 picks the compared column (bits 0-2), the group
 * column (bits 3-4) and whether unchanged records are shown (bit 5); the
 * rest is the old capture, a form feed (0x0c), and the new capture (no
 * form feed: the same bytes twice). Each capture goes into a memfd read by
 * fx_diff_load; when both load, the deltas are written as TSV, JSON and a
 * table to /dev/null. Checks: loads fail only with the documented errors
 * and a message; counts add up; writing never fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "rec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1;

static int memfd_of(const uint8_t *p, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static int load(struct fx_diff *d, enum fx_diff_side s, const uint8_t *p,
		size_t n)
{
	struct fx_err err = { 0, "" };
	int fd = memfd_of(p, n), r;

	r = fx_diff_load(d, s, fd, &err);
	close(fd);
	if (r && r != -EBADMSG && r != -EINVAL && r != -ENOENT &&
	    r != -ENODATA && r != -EDOM)
		abort();
	if (r && !err.msg[0])
		abort();
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bys[] = { NULL, "rss", "size", "count",
					   "inuse", "name", "stack_rss",
					   "start" };
	static const char *const groups[] = { NULL, "name", "class", "kind" };
	static const enum fx_format fmts[] = { FX_FMT_TSV, FX_FMT_JSON,
					       FX_FMT_TABLE };
	const uint8_t *ff, *a, *b;
	size_t na, nb, i, j, sum;
	struct fx_diff_show show;
	struct fx_diff d;
	struct fx_writer w;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	a = data + 1;
	na = size - 1;
	ff = memchr(a, '\f', na);
	if (ff) {
		b = ff + 1;
		nb = na - (size_t)(b - a);
		na = (size_t)(ff - a);
	} else {
		b = a;
		nb = na;
	}
	for (i = 0; i < 3; i++) {
		if (fx_diff_init(&d, bys[data[0] & 7], groups[data[0] >> 3 & 3]))
			abort();
		if (load(&d, FX_DIFF_OLD, a, na) == 0 &&
		    load(&d, FX_DIFF_NEW, b, nb) == 0) {
			memset(&show, 0, sizeof(show));
			show.same = data[0] >> 5 & 1;
			fx_writer_init(&w, devnull, fmts[i]);
			if (fx_diff_write(&d, &w, &show) ||
			    fx_writer_flush(&w))
				abort();
			fx_writer_release(&w);
			for (sum = 0, j = 0; j < FX_DELTA_NSTATUS; j++)
				sum += show.count[j];
			if (show.shown > sum)
				abort();
		}
		fx_diff_release(&d);
	}
	return 0;
}
