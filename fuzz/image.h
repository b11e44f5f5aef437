/*
 * The memory the JVM harnesses (fuzz_jvm, fuzz_jobjects) give their
 * walkers: the input at IMG, served as a live reader serves a process's
 * pages (whole pages: zeros past the input's end, up to its last page),
 * and one block of the harness's own (tables it lays out) at ownbase.
 * Everything else is -EFAULT.
 */
#ifndef FUZZ_IMAGE_H
#define FUZZ_IMAGE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define IMG 0x100000ull

struct image {
	const uint8_t *img;	/* the input, at IMG */
	size_t len;
	const void *own;	/* the harness's block, at ownbase */
	size_t ownlen;
	uint64_t ownbase;
};

/* The fx_heap_src read callback over a struct image (ctx). */
static inline int image_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	const struct image *m = ctx;
	uint64_t span = (m->len + 4095) & ~4095ull, o;

	if (a >= IMG && a - IMG <= span && len <= span - (a - IMG)) {
		o = a - IMG;
		memset(buf, 0, len);
		if (o < m->len)
			memcpy(buf, m->img + o,
			       len < m->len - o ? len : m->len - o);
		return 0;
	}
	if (m->own && a >= m->ownbase && a - m->ownbase <= m->ownlen &&
	    len <= m->ownlen - (a - m->ownbase)) {
		memcpy(buf, (const char *)m->own + (a - m->ownbase), len);
		return 0;
	}
	return -EFAULT;
}

#endif
