/*
 * proc: reading /proc/PID files whole, through one directory descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "maps.h"
#include "proc.h"

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

void fx_proc_release(struct fx_proc *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->dirfd = -1;
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

int fx_proc_read(struct fx_proc *p, const char *name, struct fx_buf *b,
		 size_t chunk, struct fx_readstat *st)
{
	uint64_t t0, dt;
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
		t0 = fx_now_ns();
		n = read(fd, b->data + b->len, chunk);
		dt = fx_now_ns() - t0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Reading the mm of an exited process gives ESRCH
			 * (or EIO on older kernels). */
			r = -errno;
			break;
		}
		if (st) {
			st->nreads++;
			st->total_ns += dt;
			if (dt > st->max_ns)
				st->max_ns = dt;
			st->bytes += (uint64_t)n;
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

int fx_proc_read_map(struct fx_proc *p, const char *name, struct fx_buf *b,
		     size_t chunk, struct fx_readstat *st)
{
	struct dirent *d;
	char path[300];
	DIR *dir;
	int fd, r;

	r = fx_proc_read(p, name, b, chunk, st);
	if (r || b->len)
		return r;
	/* Linux shows an empty map for a leader that called pthread_exit
	 * (or SYS_exit) while its threads go on; theirs is the same mm. */
	fd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9' ||
		    atoi(d->d_name) == p->pid)
			continue;
		snprintf(path, sizeof(path), "task/%s/%s", d->d_name, name);
		r = fx_proc_read(p, path, b, chunk, st);
		if (r == 0 && b->len)
			break;
		r = 0;
	}
	closedir(dir);
	return r;
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
