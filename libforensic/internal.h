/*
 * Private helpers shared by the modules of libforensic. Never installed,
 * never included by tools.
 */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define FX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Grow b so that it can hold at least need more bytes; 0 or -ENOMEM. */
int fx_buf_reserve(struct fx_buf *b, size_t need);

/* Append len bytes; 0 or -ENOMEM. */
int fx_buf_add(struct fx_buf *b, const void *p, size_t len);

/*
 * Append one byte; 0 or -ENOMEM. Like fx_buf_reserve, keep room for the
 * terminating NUL that callers write at data[len].
 */
static inline int fx_buf_addc(struct fx_buf *b, char c)
{
	if (b->len + 2 > b->cap && fx_buf_reserve(b, 1))
		return -12; /* -ENOMEM, without pulling errno.h here */
	b->data[b->len++] = c;
	return 0;
}

/* Append a NUL-terminated string; 0 or -ENOMEM. */
static inline int fx_buf_adds(struct fx_buf *b, const char *s)
{
	return fx_buf_add(b, s, strlen(s));
}

/* Append v in decimal; 0 or -ENOMEM. */
int fx_buf_add_u64(struct fx_buf *b, uint64_t v);

/* Append v as 0x + at least 12 lowercase hex digits; 0 or -ENOMEM. */
int fx_buf_add_addr(struct fx_buf *b, uint64_t v);

/* Record a parse error at line `line` in err, printf-style. */
void fx_err_set(struct fx_err *err, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Copy up to 60 bytes of a hostile line into err->msg, escaped. */
void fx_err_quote(struct fx_err *err, const char *p, size_t len);

/* The value of hex digit c, or -1. */
static inline int fx_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Is s one of the n strings of list? */
int fx_in_list(const char *s, const char *const *list, size_t n);

/*
 * Append raw bytes as a JSON value: a string when they are valid UTF-8,
 * else {"bytes": "<base64>"} (DESIGN.md). 0 or -ENOMEM.
 */
int fx_json_bytes(struct fx_buf *o, const char *s, size_t n);

/*
 * pwrite all n bytes at off (EINTR and short writes handled). 0 or a
 * negative errno (-ENOSPC...).
 */
int fx_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);

/* Write n bytes as 2n lowercase hex digits and a NUL into out. */
void fx_hex(char *out, const unsigned char *p, size_t n);

/* Monotonic clock in nanoseconds. */
uint64_t fx_now_ns(void);

#endif
