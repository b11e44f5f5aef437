/*
 * Growable buffers, error records and small formatting helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

void fx_buf_init(struct fx_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void fx_buf_release(struct fx_buf *b)
{
	free(b->data);
	fx_buf_init(b);
}

int fx_buf_reserve(struct fx_buf *b, size_t need)
{
	/* One byte more than asked, always, for the terminating NUL: room
	 * up to index len + need. */
	if (need > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	return fx_grow(&b->data, &b->cap, b->len + need, 1, 256);
}

int fx_grow(void *arrp, size_t *cap, size_t n, size_t sz, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *p;

	if (n < *cap)
		return 0;
	while (c <= n) {
		if (c > SIZE_MAX / 2)
			return -ENOMEM;
		c *= 2;
	}
	if (c > SIZE_MAX / sz)
		return -ENOMEM;
	memcpy(&p, arrp, sizeof(p));
	p = realloc(p, c * sz);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = c;
	return 0;
}

int fx_buf_add(struct fx_buf *b, const void *p, size_t len)
{
	if (fx_buf_reserve(b, len))
		return -ENOMEM;
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int fx_buf_add_u64(struct fx_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return fx_buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

int fx_buf_add_addr(struct fx_buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[20];
	int i = sizeof(tmp), n = 0;

	while (v || n < 12) {
		tmp[--i] = hex[v & 15];
		v >>= 4;
		n++;
	}
	tmp[--i] = 'x';
	tmp[--i] = '0';
	return fx_buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void fx_err_set(struct fx_err *err, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void fx_err_quote(struct fx_err *err, const char *p, size_t len)
{
	size_t n = strlen(err->msg), i;
	char *o = err->msg + n;
	char *e = err->msg + sizeof(err->msg) - 8;

	if (o + 3 >= e)
		return;
	*o++ = ':';
	*o++ = ' ';
	*o++ = '\'';
	for (i = 0; i < len && i < 60 && o + 4 < e; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			*o++ = (char)c;
		} else {
			snprintf(o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < len && o + 3 < e) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o++ = '\'';
	*o = '\0';
}

uint64_t fx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int thread_create(pthread_t *t, const pthread_attr_t *at,
			 void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(t, at, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r ? -r : 0;
}

int fx_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	return thread_create(t, NULL, fn, arg);
}

/* fx_thread_start_apart's thread: free to run anywhere again, then fn. */
struct apart {
	void *(*fn)(void *);
	void *arg;
	cpu_set_t cpus;
};

static void *apart_main(void *p)
{
	struct apart a = *(struct apart *)p;

	free(p);
	sched_setaffinity(0, sizeof(a.cpus), &a.cpus);
	return a.fn(a.arg);
}

int fx_thread_start_apart(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	struct apart *a;
	cpu_set_t other;
	int cpu = sched_getcpu(), r;

	a = malloc(sizeof(*a));
	if (!a || cpu < 0 ||
	    sched_getaffinity(0, sizeof(a->cpus), &a->cpus) ||
	    CPU_COUNT(&a->cpus) < 2 || !CPU_ISSET(cpu, &a->cpus) ||
	    pthread_attr_init(&at))
		goto plain;
	a->fn = fn;
	a->arg = arg;
	other = a->cpus;
	CPU_CLR(cpu, &other);
	r = pthread_attr_setaffinity_np(&at, sizeof(other), &other) ? -EINVAL :
	    thread_create(t, &at, apart_main, a);
	pthread_attr_destroy(&at);
	if (!r)
		return 0;
	/* The CPUs given may have changed since: anywhere. */
plain:
	free(a);
	return fx_thread_start(t, fn, arg);
}

void fx_thread_quit(pthread_mutex_t *mu, pthread_cond_t *cv, int *quit)
{
	pthread_mutex_lock(mu);
	*quit = 1;
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
}

int fx_in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

size_t fx_read_full(int fd, void *buf, size_t len, uint64_t off, int *err)
{
	size_t got = 0;
	ssize_t n;

	*err = 0;
	while (got < len) {
		if (off == FX_AT_POS)
			n = read(fd, (char *)buf + got, len - got);
		else
			n = pread(fd, (char *)buf + got, len - got,
				  (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			*err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

int fx_read_pieces(uint64_t a, void *buf, size_t len, size_t align,
		   size_t step, fx_piece_fn fn, void *ctx)
{
	unsigned char *out = buf;
	size_t n;
	int r;

	while (len) {
		n = step - a % align;
		if (n > len)
			n = len;
		r = fn(ctx, a, out, n);
		if (r)
			return r;
		out += n;
		a += n;
		len -= n;
	}
	return 0;
}

void fx_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int fx_buf_read_fd(struct fx_buf *b, int fd)
{
	size_t room, n;
	int err;

	do {
		if (fx_buf_reserve(b, 65536))
			return -ENOMEM;
		room = b->cap - b->len - 1;
		n = fx_read_full(fd, b->data + b->len, room, FX_AT_POS, &err);
		b->len += n;
		if (err)
			return err;
	} while (n == room);
	b->data[b->len] = '\0';
	return 0;
}

int fx_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n) {
		k = write(fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

void fx_hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

size_t fx_buddy_huge(const char *text)
{
	const size_t cap = SIZE_MAX / 4;
	const char *p, *e;
	size_t n = 0, c;
	int order, sh;

	/* "Node 0, zone   Normal  34665 36438 ... 2586": counts by order. */
	for (p = text; (p = strstr(p, "zone "));) {
		p += 5;
		while (*p == ' ')
			p++;
		while (*p && *p != ' ' && *p != '\n')
			p++;
		for (order = 0; order <= 20; order++) {
			while (*p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			for (c = 0; *p >= '0' && *p <= '9'; p++)
				c = c > cap / 10 ? cap : c * 10 +
					(size_t)(*p - '0');
			if (order < 9)
				continue;
			sh = order - 9;
			c = c > cap >> sh ? cap : c << sh;
			n = c > cap - n ? cap : n + c;
		}
		e = strchr(p, '\n');
		if (!e)
			break;
		p = e;
	}
	return n;
}

/* Free blocks of FX_HUGE or more now; 0 when unknown. */
static size_t huge_free(void)
{
	char text[4096];
	size_t k;
	int fd, err = 0;

	if (sysconf(_SC_PAGESIZE) != 4096)
		return 0;
	fd = open("/proc/buddyinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	k = fx_read_full(fd, text, sizeof(text) - 1, 0, &err);
	close(fd);
	text[k] = '\0';
	return fx_buddy_huge(text);
}

void *fx_map_huge(size_t len)
{
	char *p = mmap(NULL, len + FX_HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	/* Aligned to FX_HUGE, the rest given back. */
	a = (char *)(((uintptr_t)p + FX_HUGE - 1) & ~(uintptr_t)(FX_HUGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + FX_HUGE)
		munmap(a + len, (size_t)(p + len + FX_HUGE - (a + len)));
	if (huge_free() >= 2 * (len / FX_HUGE))
		madvise(a, len, MADV_HUGEPAGE);
	return a;
}
