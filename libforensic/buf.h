/*
 * Growable byte buffers and parse errors: the two small types every other
 * module of libforensic passes around.
 */
#ifndef FX_BUF_H
#define FX_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer. Embed it and call fx_buf_init(); fx_buf_release()
 * frees the bytes. data is NUL-terminated after every library call that
 * fills it (the NUL is not counted in len), so text can be used as a string.
 */
struct fx_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Initialise an empty buffer (no allocation). */
void fx_buf_init(struct fx_buf *b);

/* Free the bytes and leave b empty and reusable. */
void fx_buf_release(struct fx_buf *b);

/* Forget the contents but keep the allocation for reuse. */
static inline void fx_buf_reset(struct fx_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/*
 * Read fd to its end, appending to b (EINTR and short reads handled).
 * Returns 0 or a negative errno.
 */
int fx_buf_read_fd(struct fx_buf *b, int fd);

/*
 * Write the n bytes at p to fd whole (EINTR and short writes handled).
 * Returns 0 or a negative errno (-EPIPE: the reader left).
 */
int fx_write_all(int fd, const void *p, size_t n);

/*
 * Where a parser stopped and why: line is 1-based (0 when the error is not
 * about a line), msg a one-line lower-case explanation that quotes the start
 * of the offending line, already escaped for a terminal.
 */
struct fx_err {
	unsigned long line;
	char msg[200];
};

#endif
