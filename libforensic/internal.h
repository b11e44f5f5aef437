/*
 * Private helpers shared by the modules of libforensic. Never installed,
 * never included by tools.
 */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

#include <pthread.h>
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
 * The one growable array: make room in *arrp (a pointer to the array's
 * pointer, elements of sz bytes, *cap of them allocated) for element
 * index n, doubling from `first`. 0, or -ENOMEM with the array unchanged.
 * FX_GROW(arr, n, cap, first) for an array variable arr.
 */
int fx_grow(void *arrp, size_t *cap, size_t n, size_t sz, size_t first);
#define FX_GROW(arr, n, cap, first) \
	fx_grow(&(arr), &(cap), (n), sizeof(*(arr)), (first))

/*
 * Append one byte, and a NUL after it as fx_buf_add does (text built by
 * fx_buf_adds then fx_buf_addc('\n') is read as a C string: strchr ran
 * past a notes buffer's end without it); 0 or -ENOMEM.
 */
static inline int fx_buf_addc(struct fx_buf *b, char c)
{
	if (b->len + 2 > b->cap && fx_buf_reserve(b, 1))
		return -12; /* -ENOMEM, without pulling errno.h here */
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
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
 * The one read loop: read up to len bytes at file offset off (pread), or
 * at the file position when off is FX_AT_POS (read), through EINTR and
 * short reads. Returns the bytes read: fewer than len at end of file
 * (*err 0) or on an error (*err the -errno); *err is 0 otherwise.
 */
#define FX_AT_POS UINT64_MAX
size_t fx_read_full(int fd, void *buf, size_t len, uint64_t off, int *err);

/*
 * The one loop over a memory read cut in pieces: len bytes at a into buf,
 * by fn(ctx, piece's address, where it goes, its length), each piece up
 * to step bytes past the multiple of align it starts after (align <=
 * step; a page cache: one page each, step = align = its page size).
 * Returns 0, or the first piece's nonzero return.
 */
typedef int (*fx_piece_fn)(void *ctx, uint64_t a, unsigned char *out,
			   size_t n);
int fx_read_pieces(uint64_t a, void *buf, size_t len, size_t align,
		   size_t step, fx_piece_fn fn, void *ctx);

/*
 * The index of the range holding addr among n sorted, disjoint ranges:
 * elements of sz bytes, each with a uint64_t start and, right after it,
 * an end (exclusive) at byte off. -1 when none holds it.
 */
long fx_range_search(const void *arr, size_t n, size_t sz, size_t off,
		     uint64_t addr);

/*
 * Among the same sorted, disjoint ranges: the index of the first one that
 * ends after addr (holds it or lies beyond it), n when none does.
 */
size_t fx_range_after(const void *arr, size_t n, size_t sz, size_t off,
		      uint64_t addr);

/* The check that a struct's range fits fx_range_search and the others. */
#define FX_RANGE_FIELDS(type, start, end) \
	_Static_assert(offsetof(type, end) == offsetof(type, start) + 8, \
		       #type ": " #end " right after " #start)

/*
 * The same over ranges in no order (they may overlap): the index of the
 * first one holding addr, looked at one by one, or -1.
 */
long fx_range_find(const void *arr, size_t n, size_t sz, size_t off,
		   uint64_t addr);

/* Close *fd unless it is negative, and set it to -1. */
void fx_close(int *fd);

/*
 * pwrite all n bytes at off (EINTR and short writes handled). 0 or a
 * negative errno (-ENOSPC...).
 */
int fx_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);

/* Write n bytes as 2n lowercase hex digits and a NUL into out. */
void fx_hex(char *out, const unsigned char *p, size_t n);

/* Monotonic clock in nanoseconds. */
uint64_t fx_now_ns(void);

/*
 * Start a thread running fn(arg) with every signal blocked that can be:
 * the tool's handlers (SIGINT, SIGALRM for --max-pause...) run in the
 * thread that called, and the new thread's reads and writes are not
 * interrupted. 0 or a negative errno.
 */
int fx_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * fx_thread_start for a thread that works beside the caller from its
 * first instant (smaps read while the classes are, a second walker): it
 * starts on another CPU than the caller's, when the process may use
 * another, then may run anywhere. A thread created on the caller's CPU
 * waited there behind the caller (or the caller behind it) until the
 * next load balance, up to 4 ms, the other CPU idle.
 */
int fx_thread_start_apart(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * len bytes (a multiple of FX_HUGE) of private anonymous memory, aligned
 * to FX_HUGE, or NULL. In transparent huge pages (MADV_HUGEPAGE, which
 * THP's "madvise" mode honours) only when /proc/buddyinfo shows free 2 MiB
 * blocks for all of it twice over: with fewer, each fault would compact
 * memory in place (defrag "madvise"), which stalls us and migrates other
 * processes' pages, the target's among them. munmap(p, len) gives it back.
 */
#define FX_HUGE ((size_t)2 << 20)
void *fx_map_huge(size_t len);

/* The free blocks of 2 MiB or more that /proc/buddyinfo's text says,
 * counted in 2 MiB (order 9 of 4 KiB pages; order 10 is two); capped. */
size_t fx_buddy_huge(const char *text);

/*
 * Tell the threads waiting on cv under mu to stop: *quit set under the
 * lock, every waiter woken. The caller joins them.
 */
void fx_thread_quit(pthread_mutex_t *mu, pthread_cond_t *cv, int *quit);

/* The 8 or 4 bytes at p (any alignment) as a native integer: a word of
 * the target's memory, read from a buffer. */
static inline uint64_t fx_get64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t fx_get32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* a + b, or UINT64_MAX where the sum would wrap. */
static inline uint64_t fx_sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* -1, 0 or 1 as a is below, equal to or above b: a comparator's step. */
static inline int fx_cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* FNV-1a of n bytes. */
uint64_t fx_hash_bytes(const char *s, size_t n);

/*
 * The library's one hash table (strtab.c): it interns byte strings, giving
 * each distinct key the next index 0, 1, 2... in the order of first add;
 * callers keep their values in an array beside it. Keys are copied.
 */
struct fx_strtab_ent {
	char *key;		/* owned, NUL-terminated copy */
	size_t len;
	uint64_t hash;
};
struct fx_strtab {
	struct fx_strtab_ent *e;	/* e[i]: the key of index i */
	size_t n, cap;
	uint32_t *slot;		/* index + 1, 0 empty */
	size_t nslot;
};

/*
 * The slot array of an open-addressed table (linear probing) grown to
 * twice its size, first slots when it has none: each of the n entries
 * (sz bytes apiece, a uint64_t hash at byte off) gets its index + 1 in
 * the first free slot from its hash; *slot is freed and replaced. 0, or
 * -ENOMEM with the table as it was. The strtab's, and scan's histogram's
 * (keyed by text and encoding).
 */
int fx_slots_grow(uint32_t **slot, size_t *nslot, size_t first,
		  const void *e, size_t n, size_t sz, size_t off);

void fx_strtab_init(struct fx_strtab *t);
void fx_strtab_release(struct fx_strtab *t);

/* Forget every key (the memory is kept for the next ones). */
void fx_strtab_reset(struct fx_strtab *t);

/* The index of key k (len bytes), or -1. */
long fx_strtab_find(const struct fx_strtab *t, const char *k, size_t len);

/*
 * The index of key k, added when new (*created set then, if created is
 * not NULL). Returns the index or -ENOMEM.
 */
long fx_strtab_add(struct fx_strtab *t, const char *k, size_t len,
		   int *created);

#endif
