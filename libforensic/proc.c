/*
 * proc: reading /proc/PID files whole, through one directory descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "maps.h"
#include "proc.h"
#include "rec.h"

/*
 * Field n (3 or more) of a stat text as a number. comm (field 2) may hold
 * spaces and parentheses: fields are counted after the last ')'.
 */
static int stat_field(const char *buf, size_t len, int n,
		      unsigned long long *out)
{
	const char *p = NULL, *e = buf + len;
	unsigned long long v = 0;
	size_t i;
	int field;

	for (i = len; i > 0; i--) {
		if (buf[i - 1] == ')') {
			p = buf + i;
			break;
		}
	}
	if (!p || p + 3 > e || p[0] != ' ')
		return -EBADMSG;
	/* p[1] is field 3. */
	p++;
	for (field = 3; field < n; field++) {
		while (p < e && *p != ' ')
			p++;
		if (p >= e)
			return -EBADMSG;
		p++;
	}
	if (n == 3) {
		*out = (unsigned char)*p;
		return 0;
	}
	if (p >= e || *p < '0' || *p > '9')
		return -EBADMSG;
	while (p < e && *p >= '0' && *p <= '9') {
		if (v > (~0ULL - 9) / 10)
			return -EBADMSG;
		v = v * 10 + (unsigned long long)(*p - '0');
		p++;
	}
	*out = v;
	return 0;
}

int fx_stat_parse(const char *buf, size_t len, char *state,
		  unsigned long long *starttime)
{
	unsigned long long s;

	if (stat_field(buf, len, 3, &s) || stat_field(buf, len, 22, starttime))
		return -EBADMSG;
	*state = (char)s;
	return 0;
}

/* nthreads and vsize, when not NULL, get stat fields 20 and 23. */
static int read_stat(int dirfd, char *state, unsigned long long *starttime,
		     unsigned long long *nthreads, unsigned long long *vsize)
{
	char tmp[1024];
	ssize_t n;
	int fd, r;

	fd = openat(dirfd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	do {
		n = read(fd, tmp, sizeof(tmp));
	} while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	if (n == 0)
		return -ESRCH;
	if (nthreads && stat_field(tmp, (size_t)n, 20, nthreads))
		return -EBADMSG;
	if (vsize && stat_field(tmp, (size_t)n, 23, vsize))
		return -EBADMSG;
	return fx_stat_parse(tmp, (size_t)n, state, starttime);
}

int fx_proc_open(struct fx_proc *p, int pid)
{
	unsigned long long vsize = 0;
	char path[32];
	int r;

	p->pid = pid;
	p->dirfd = -1;
	p->starttime = 0;
	p->state = '?';
	p->cow_copy = 0;
	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	p->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	r = read_stat(p->dirfd, &p->state, &p->starttime, NULL, &vsize);
	p->had_mm = vsize != 0;
	if (r) {
		fx_proc_release(p);
		return r;
	}
	return 0;
}

int fx_proc_open_pinned(struct fx_proc *p, int pid,
			unsigned long long starttime)
{
	int r = fx_proc_open(p, pid);

	if (!r && starttime && p->starttime != starttime) {
		fx_proc_release(p);
		p->starttime = 0;
		return -ESTALE;
	}
	return r;
}

int fx_pid_parse(const char *s, int *pid, unsigned long long *starttime)
{
	uint64_t v, t = 0;
	const char *at = strchr(s, '@');
	char head[24];
	size_t n = at ? (size_t)(at - s) : strlen(s);

	if (n == 0 || n >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, n);
	head[n] = '\0';
	if (head[0] < '0' || head[0] > '9' || fx_parse_u64(head, &v, 0) ||
	    !v || v > 0x7fffffff)
		return -EINVAL;
	if (at && (at[1] < '0' || at[1] > '9' || fx_parse_u64(at + 1, &t, 0) ||
		   !t))
		return -EINVAL;
	*pid = (int)v;
	*starttime = t;
	return 0;
}

void fx_proc_release(struct fx_proc *p)
{
	fx_close(&p->dirfd);
}

int fx_oom_first(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1000", 4) != 4)
		r = -errno;
	close(fd);
	return r;
}

char fx_proc_task_state(struct fx_proc *p, int tid)
{
	unsigned long long st;
	char name[48], state = 0;
	struct fx_buf b;

	fx_buf_init(&b);
	snprintf(name, sizeof(name), "task/%d/stat", tid);
	if (fx_proc_read(p, name, &b, 0, NULL) ||
	    fx_stat_parse(b.data, b.len, &state, &st))
		state = 0;
	fx_buf_release(&b);
	return state;
}

/*
 * The pids on the line "KEY:\t..." of a status text (key with its colon),
 * read left to right: the last of them that is a pid (1 to 2^31 - 2), or
 * dflt when there is none.
 */
static long status_pid(const char *buf, size_t len, const char *key,
		       long dflt)
{
	size_t k = strlen(key);
	const char *t, *e = buf + len, *nl;
	unsigned long long v;
	long pid = dflt;

	if (!buf)
		return dflt;
	for (t = buf; t < e; t = nl + 1) {
		nl = memchr(t, '\n', (size_t)(e - t));
		if (!nl)
			nl = e;
		if ((size_t)(nl - t) >= k && !memcmp(t, key, k))
			break;
	}
	if (t >= e)
		return dflt;
	for (t += k; t < e && *t != '\n';) {
		if (*t == ' ' || *t == '\t') {
			t++;
			continue;
		}
		if (*t < '0' || *t > '9')
			break;
		for (v = 0; t < e && *t >= '0' && *t <= '9'; t++)
			v = v < 0x80000000ULL ? v * 10 + (unsigned)(*t - '0') :
						v;
		if (v > 0 && v < 0x7fffffff)
			pid = (long)v;
	}
	return pid;
}

int fx_status_tracer(const char *buf, size_t len)
{
	return (int)status_pid(buf, len, "TracerPid:", 0);
}

int fx_status_nspid(const char *buf, size_t len, int tid)
{
	return (int)status_pid(buf, len, "NSpid:", tid);
}

int fx_proc_tracer(struct fx_proc *p)
{
	struct fx_buf b;
	int r;

	fx_buf_init(&b);
	r = fx_proc_read(p, "status", &b, 0, NULL);
	if (!r)
		r = fx_status_tracer(b.data, b.len);
	fx_buf_release(&b);
	return r;
}

int fx_proc_check(struct fx_proc *p)
{
	unsigned long long st, nthreads, vsize;
	char state;
	int r;

	r = read_stat(p->dirfd, &state, &st, &nthreads, &vsize);
	if (r)
		return -ESRCH;
	if (st != p->starttime)
		return -ESRCH;
	/* A zombie leader whose threads live counts them (and itself); a
	 * process that is all gone, not yet reaped, counts 1 or 0. */
	if (state == 'Z' || state == 'X')
		return nthreads > 1 ? 0 : -ESRCH;
	/* A process on its way out drops its mm (vsize 0) before it turns
	 * zombie: its map text ends early from that moment. */
	if (vsize == 0 && p->had_mm)
		return -ESRCH;
	return 0;
}

/* One read() (EINTR retried), its time and bytes added to st if not NULL. */
static ssize_t timed_read(int fd, char *buf, size_t n, struct fx_readstat *st)
{
	uint64_t t0, dt;
	ssize_t k;

	do {
		t0 = fx_now_ns();
		k = read(fd, buf, n);
		dt = fx_now_ns() - t0;
	} while (k < 0 && errno == EINTR);
	if (k >= 0 && st) {
		st->nreads++;
		st->total_ns += dt;
		if (dt > st->max_ns)
			st->max_ns = dt;
		st->bytes += (uint64_t)k;
	}
	return k;
}

int fx_proc_read(struct fx_proc *p, const char *name, struct fx_buf *b,
		 size_t chunk, struct fx_readstat *st)
{
	ssize_t n;
	int fd, r = 0;

	if (!chunk)
		chunk = 65536;
	fx_buf_reset(b);
	if (st) {
		st->nreads = 0;
		st->total_ns = 0;
		st->max_ns = 0;
		st->bytes = 0;
	}
	fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		/* The directory fd outlives the process: ENOENT means gone. */
		return errno == ENOENT && fx_proc_check(p) ? -ESRCH : -errno;
	for (;;) {
		if (fx_buf_reserve(b, chunk)) {
			r = -ENOMEM;
			break;
		}
		n = timed_read(fd, b->data + b->len, chunk, st);
		if (n < 0) {
			/* Reading the mm of an exited process gives ESRCH
			 * (or EIO on older kernels). */
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	if (b->data)
		b->data[b->len] = '\0';
	close(fd);
	return r;
}

DIR *fx_proc_tasks(struct fx_proc *p, int *err)
{
	DIR *dir;
	int fd;

	fd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* Out of file descriptors is not a process gone (T40). */
		*err = errno == ENOENT ? -ESRCH : -errno;
		return NULL;
	}
	dir = fdopendir(fd);
	if (!dir) {
		*err = -errno;
		close(fd);
	}
	return dir;
}

/* The path "task/TID/name" of the next thread but the leader; 0 at end. */
static int task_next(DIR *dir, int pid, const char *name, char *path,
		     size_t n)
{
	struct dirent *d;

	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9' ||
		    atoi(d->d_name) == pid)
			continue;
		snprintf(path, n, "task/%s/%s", d->d_name, name);
		return 1;
	}
	return 0;
}

int fx_proc_read_map(struct fx_proc *p, const char *name, struct fx_buf *b,
		     size_t chunk, struct fx_readstat *st)
{
	char path[300];
	DIR *dir;
	int r;

	r = fx_proc_read(p, name, b, chunk, st);
	if (r || b->len)
		return r;
	/* Linux shows an empty map for a leader that called pthread_exit
	 * (or SYS_exit) while its threads go on; theirs is the same mm. */
	dir = fx_proc_tasks(p, &r);
	if (!dir)
		return 0;
	while (task_next(dir, p->pid, name, path, sizeof(path))) {
		r = fx_proc_read(p, path, b, chunk, st);
		if (r == 0 && b->len)
			break;
		r = 0;
	}
	closedir(dir);
	return r;
}

/*
 * fx_proc_stream_map: a ring of STREAM_SLOTS buffers between the reader
 * (a helper thread) and the caller's thread. The reader fills the slot at
 * head with read() calls of exactly chunk bytes until it holds at least
 * STREAM_PIECE bytes, cuts it after its last '\n' (the cut line is carried
 * to the next slot) and publishes it by moving head; the caller hands the
 * slots from tail to fn in order and gives each back by moving tail.
 * Neither side touches a slot the other owns.
 *
 * A side with nothing to do spins for up to STREAM_SPIN_NS before it
 * sleeps: a slot comes every fraction of a millisecond, and waking a
 * sleeping thread costs more than that on virtual machines (the idle vCPU
 * is halted) and, on Linux 6.x, tends to put the woken thread on the
 * waker's CPU, where it preempts the reader: measured on a 2-vCPU VM, 30%
 * longer reads. A long read (a big region's page-table walk) still lets
 * the other side sleep. The ring is kept small (8 slots of 32 KiB): with
 * 16 of 64 KiB the kernel's own reads took 20% longer (81 -> 100 ms on
 * 30,000 regions, the target's mm lock held that much longer), the ring
 * and the parser's data crowding the kernel's out of the caches.
 */
#define STREAM_SLOTS 8
#define STREAM_PIECE (32 * 1024)
#define STREAM_SPIN_NS 1000000

struct stream_slot {
	char *data;
	size_t len, cap;
};

struct stream {
	int fd;
	size_t chunk;
	int threaded;		/* 0: fn is called by the reader itself */
	int (*fn)(void *arg, const char *text, size_t len);
	void *arg;
	struct stream_slot slot[STREAM_SLOTS];
	/* Shared, through atomics; mu and the conditions only to sleep. */
	unsigned long head, tail; /* slots tail..head-1 are published */
	int done;		/* the reader has finished */
	int stop;		/* fn's non-zero return: read no more */
	int sleeping[2];	/* 0: the caller, 1: the reader, asleep */
	pthread_mutex_t mu;
	pthread_cond_t wake[2];
	int err;		/* reader's read error, read after done */
	struct fx_buf carry;	/* reader's: a line cut at a slot's end */
	struct fx_readstat st;	/* reader's, read after it has finished */
};

static unsigned long ld(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static int ldi(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Is there work for side who (0: a slot to take; 1: a slot to fill)? */
static int stream_ready(struct stream *t, int who)
{
	if (who == 0)
		return ld(&t->head) != ld(&t->tail) || ldi(&t->done);
	return ld(&t->head) - ld(&t->tail) < STREAM_SLOTS || ldi(&t->stop);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Side who waits for work: spins a while, then sleeps until woken. */
static void stream_wait(struct stream *t, int who)
{
	uint64_t t0 = 0, now;
	unsigned int i;

	for (i = 1; !stream_ready(t, who); i++) {
		cpu_relax();
		if (i % 64)
			continue;
		now = fx_now_ns();
		if (!t0)
			t0 = now;
		else if (now - t0 > STREAM_SPIN_NS)
			break;
		sched_yield();	/* the other side may share our CPU */
	}
	if (stream_ready(t, who))
		return;
	pthread_mutex_lock(&t->mu);
	__atomic_store_n(&t->sleeping[who], 1, __ATOMIC_SEQ_CST);
	/* Either the other side sees sleeping set and wakes us under mu,
	 * or its change is seen here (both sides are sequentially
	 * consistent): no wake-up is lost. */
	while (!stream_ready(t, who))
		pthread_cond_wait(&t->wake[who], &t->mu);
	__atomic_store_n(&t->sleeping[who], 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&t->mu);
}

/* Wake side who if it sleeps; after a change that gives it work. */
static void stream_wake(struct stream *t, int who)
{
	if (!ldi(&t->sleeping[who]))
		return;
	pthread_mutex_lock(&t->mu);
	pthread_cond_signal(&t->wake[who]);
	pthread_mutex_unlock(&t->mu);
}

/* Room for n more bytes in s; 0 or -ENOMEM. */
static int slot_room(struct stream_slot *s, size_t n)
{
	/* Room up to index len + n - 1 (n may be 0). */
	if (s->len + n <= s->cap)
		return 0;
	return fx_grow(&s->data, &s->cap, s->len + n - 1, 1, STREAM_PIECE);
}

/* A free slot for the reader, or NULL when the caller wants no more. */
static struct stream_slot *slot_get(struct stream *t)
{
	if (!t->threaded)
		return t->stop ? NULL : &t->slot[0];
	stream_wait(t, 1);
	if (ldi(&t->stop))
		return NULL;
	return &t->slot[t->head % STREAM_SLOTS];
}

/* Publish the slot slot_get gave (or, unthreaded, hand it to fn). */
static void slot_put(struct stream *t, struct stream_slot *s)
{
	if (!t->threaded) {
		if (s->len)
			t->stop = t->fn(t->arg, s->data, s->len);
		return;
	}
	__atomic_store_n(&t->head, t->head + 1, __ATOMIC_SEQ_CST);
	stream_wake(t, 0);
}

/*
 * Fill s: the line carried from the last slot, then reads until it holds a
 * piece cut at a line end, or the end of the file (*eof set). 0 or -errno.
 */
static int slot_fill(struct stream *t, struct stream_slot *s, int *eof)
{
	const char *nl;
	ssize_t n;

	s->len = 0;
	if (slot_room(s, t->carry.len))
		return -ENOMEM;
	if (t->carry.len)
		memcpy(s->data, t->carry.data, t->carry.len);
	s->len = t->carry.len;
	fx_buf_reset(&t->carry);
	for (;;) {
		if (slot_room(s, t->chunk))
			return -ENOMEM;
		n = timed_read(t->fd, s->data + s->len, t->chunk, &t->st);
		if (n < 0)
			return -errno;	/* ESRCH (EIO before 4.x): exited */
		if (n == 0) {
			*eof = 1;
			return 0;
		}
		s->len += (size_t)n;
		if (s->len < STREAM_PIECE)
			continue;
		nl = memrchr(s->data, '\n', s->len);
		if (!nl)
			continue;	/* a line longer than a piece */
		nl++;
		if (fx_buf_add(&t->carry, nl, (size_t)(s->data + s->len - nl)))
			return -ENOMEM;
		s->len = (size_t)(nl - s->data);
		return 0;
	}
}

/* The reader: the rest of the file, slot by slot, then done. */
static void *stream_read(void *arg)
{
	struct stream *t = arg;
	struct stream_slot *s;
	int eof = 0, r = 0;

	while (!eof && !r && (s = slot_get(t)) != NULL) {
		r = slot_fill(t, s, &eof);
		if (!r)
			slot_put(t, s);
	}
	t->err = r;
	if (t->threaded) {
		__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
		stream_wake(t, 0);
	}
	return NULL;
}

/* The caller's side: fn on each published slot, in order. */
static int stream_take(struct stream *t)
{
	struct stream_slot *s;
	int r;

	for (;;) {
		stream_wait(t, 0);
		if (ld(&t->head) == t->tail)
			return 0;	/* done, and every slot taken */
		s = &t->slot[t->tail % STREAM_SLOTS];
		r = s->len ? t->fn(t->arg, s->data, s->len) : 0;
		if (r)
			__atomic_store_n(&t->stop, r, __ATOMIC_SEQ_CST);
		__atomic_store_n(&t->tail, t->tail + 1, __ATOMIC_SEQ_CST);
		stream_wake(t, 1);
		if (r)
			return r;
	}
}

/* Stream one file; *bytes gets how many bytes were read. */
static int stream_file(struct fx_proc *p, const char *name, size_t chunk,
		       struct fx_readstat *st,
		       int (*fn)(void *arg, const char *text, size_t len),
		       void *arg, uint64_t *bytes)
{
	struct stream t;
	pthread_attr_t attr;
	pthread_t th;
	int r, i, eof = 0;

	memset(&t, 0, sizeof(t));
	if (st)
		memset(st, 0, sizeof(*st));
	t.fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (t.fd < 0)
		/* The directory fd outlives the process: ENOENT means gone. */
		return errno == ENOENT && fx_proc_check(p) ? -ESRCH : -errno;
	t.chunk = chunk ? chunk : 65536;
	t.fn = fn;
	t.arg = arg;
	fx_buf_init(&t.carry);
	pthread_mutex_init(&t.mu, NULL);
	pthread_cond_init(&t.wake[0], NULL);
	pthread_cond_init(&t.wake[1], NULL);
	/* The first piece is read here: a small file (a few dozen regions)
	 * is read whole without the cost of a thread. */
	r = slot_fill(&t, &t.slot[0], &eof);
	if (!r && t.slot[0].len)
		r = fn(arg, t.slot[0].data, t.slot[0].len);
	if (r || eof)
		goto out;
	/* The reader needs little stack: read() and a few locals. */
	t.threaded = pthread_attr_init(&attr) == 0;
	if (t.threaded) {
		pthread_attr_setstacksize(&attr, 64 * 1024);
		t.threaded = pthread_create(&th, &attr, stream_read, &t) == 0;
		pthread_attr_destroy(&attr);
	}
	if (t.threaded) {
		r = stream_take(&t);
		pthread_join(th, NULL);
	} else {
		stream_read(&t);	/* no thread: read and parse in turn */
		r = t.stop;
	}
	if (!r)
		r = t.err;
out:
	close(t.fd);
	for (i = 0; i < STREAM_SLOTS; i++)
		free(t.slot[i].data);
	fx_buf_release(&t.carry);
	pthread_mutex_destroy(&t.mu);
	pthread_cond_destroy(&t.wake[0]);
	pthread_cond_destroy(&t.wake[1]);
	if (st)
		*st = t.st;
	*bytes = t.st.bytes;
	return r;
}

int fx_proc_stream_map(struct fx_proc *p, const char *name, size_t chunk,
		       struct fx_readstat *st,
		       int (*fn)(void *arg, const char *text, size_t len),
		       void *arg)
{
	uint64_t bytes = 0;
	char path[300];
	DIR *dir;
	int r;

	r = stream_file(p, name, chunk, st, fn, arg, &bytes);
	if (r || bytes)
		return r;
	/* A leader that exited while its threads go on: as in
	 * fx_proc_read_map, another thread's file. */
	dir = fx_proc_tasks(p, &r);
	if (!dir)
		return 0;
	while (task_next(dir, p->pid, name, path, sizeof(path))) {
		r = stream_file(p, path, chunk, st, fn, arg, &bytes);
		if (bytes)
			break;
		r = 0;
	}
	closedir(dir);
	return r;
}

void fx_map_parse_init(struct fx_map_parse *mp,
		       int (*fn)(void *arg, struct fx_maps *m, size_t n),
		       void *arg)
{
	memset(mp, 0, sizeof(*mp));
	fx_maps_init(&mp->m);
	mp->fn = fn;
	mp->arg = arg;
}

void fx_map_parse_release(struct fx_map_parse *mp)
{
	fx_maps_release(&mp->m);
}

/* Hand the first n regions of mp->m to fn and drop them; fn's return. */
static int map_parse_hand(struct fx_map_parse *mp, size_t n)
{
	int r;

	if (!mp->fn || n == 0)
		return 0;
	fx_proc_check_deleted(mp->p, &mp->m);
	r = mp->fn(mp->arg, &mp->m, n);
	if (r == 0)
		fx_maps_drop(&mp->m, n);
	return r;
}

/* fx_proc_stream_map's fn: parse a piece, hand on what is complete. */
static int map_parse_piece(void *arg, const char *text, size_t len)
{
	struct fx_map_parse *mp = arg;

	mp->perr = fx_maps_feed(&mp->m, text, len, &mp->err);
	if (mp->perr)
		return mp->perr;
	return map_parse_hand(mp, fx_maps_complete(&mp->m));
}

int fx_proc_parse_map(struct fx_proc *p, const char *name, size_t chunk,
		      struct fx_map_parse *mp)
{
	int r;

	mp->p = p;
	r = fx_proc_stream_map(p, name, chunk, &mp->st, map_parse_piece, mp);
	if (r && !mp->perr)
		return r;	/* a read error, or fn's */
	if (!mp->perr)
		mp->perr = fx_maps_feed_end(&mp->m, &mp->err);
	if (!mp->fn)
		fx_proc_check_deleted(p, &mp->m);
	return map_parse_hand(mp, mp->m.n);
}

int fx_proc_check_deleted(struct fx_proc *p, struct fx_maps *m)
{
	struct stat st;
	int rootfd = -1, n = 0;
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct fx_region *r = &m->r[i];

		if (r->kind != FX_KIND_DELETED || r->name[0] != '/' ||
		    strlen(r->name) != r->name_len)
			continue;
		if (rootfd < 0) {
			rootfd = openat(p->dirfd, "root",
					O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (rootfd < 0)
				return 0;	/* not allowed: keep the label */
		}
		if (fstatat(rootfd, r->name + 1, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (st.st_ino == r->inode && major(st.st_dev) == r->dev_major &&
		    minor(st.st_dev) == r->dev_minor) {
			r->kind = FX_KIND_FILE;
			n++;
		}
	}
	if (rootfd >= 0)
		close(rootfd);
	return n;
}

int fx_proc_nstid(struct fx_proc *p, int tid)
{
	char name[48];
	struct fx_buf b;
	int v = tid;

	fx_buf_init(&b);
	snprintf(name, sizeof(name), "task/%d/status", tid);
	if (!fx_proc_read(p, name, &b, 0, NULL))
		v = fx_status_nspid(b.data, b.len, tid);
	fx_buf_release(&b);
	return v;
}
