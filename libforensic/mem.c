/*
 * mem: process_vm_readv with a /proc/PID/mem fallback (see mem.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "kerndat.h"
#include "mem.h"
#include "pagemap.h"
#include "proc.h"

int fx_mem_tid(struct fx_proc *p)
{
	struct dirent *de;
	int tid = -ESRCH, r;
	char st;
	DIR *dir;

	st = fx_proc_task_state(p, p->pid);
	if (st && st != 'Z' && st != 'X')
		return p->pid;
	dir = fx_proc_tasks(p, &r);
	if (!dir)
		return r;
	while ((de = readdir(dir)) && tid < 0) {
		int t = atoi(de->d_name);

		if (t <= 0 || t == p->pid)
			continue;
		st = fx_proc_task_state(p, t);
		if (st && st != 'Z' && st != 'X')
			tid = t;
	}
	closedir(dir);
	return tid;
}

int fx_mem_openat(struct fx_proc *p, const char *name)
{
	char path[64];
	int tid = fx_mem_tid(p), fd;

	if (tid < 0)
		return tid;
	if (tid == p->pid)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "task/%d/%s", tid, name);
	/* Never O_RDWR: this toolkit does not write to its targets. */
	fd = openat(p->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

int fx_mem_open(struct fx_mem *m, struct fx_proc *p)
{
	int tid = fx_mem_tid(p);

	m->memfd = -1;
	if (tid < 0)
		return tid;
	/* process_vm_readv takes any thread's id: one with an mm. */
	m->pid = tid;
	m->pvr = fx_kerndat()->vm_readv && !p->cow_copy;
	m->memfd = fx_mem_openat(p, "mem");
	return m->memfd < 0 ? m->memfd : 0;
}

void fx_mem_release(struct fx_mem *m)
{
	fx_close(&m->memfd);
}

/* pread from /proc/PID/mem; bytes read, *why set when short. */
static size_t mem_pread(struct fx_mem *m, uint64_t addr, char *buf,
			size_t len, int *why)
{
	int err;
	size_t got = fx_read_full(m->memfd, buf, len, addr, &err);

	/* End of file: the mm is gone, the process exited. */
	if (got < len)
		*why = err ? err : -ESRCH;
	return got;
}

/* One segment, page by page after any short read. */
static size_t read_one(struct fx_mem *m, uint64_t addr, char *buf, size_t len,
		       int *why)
{
	size_t got = 0, ps = fx_page_size();
	struct iovec l, r;
	ssize_t n;

	while (got < len) {
		if (m->pvr) {
			l.iov_base = buf + got;
			l.iov_len = len - got;
			r.iov_base = (void *)(uintptr_t)(addr + got);
			r.iov_len = len - got;
			n = process_vm_readv(m->pid, &l, 1, &r, 1, 0);
			if (n > 0) {
				got += (size_t)n;
				continue;
			}
			if (n < 0 && errno == ENOSYS) {
				m->pvr = 0;
				continue;
			}
			if (n < 0 && errno == ESRCH) {
				*why = -ESRCH;
				return got;
			}
			/* EFAULT, EPERM...: ask mem about this page. */
		}
		if (m->no_mem) {
			*why = -EFAULT;
			return got;
		}
		/* After a failed process_vm_readv, the one page it stopped
		 * at (mem says why); without it, all that is left in one
		 * call (a page per call costs a snapshot's copy a third). */
		n = (ssize_t)mem_pread(m, addr + got, buf + got,
				       m->pvr && ps - (addr + got) % ps <
							 len - got ?
					       ps - (addr + got) % ps :
					       len - got,
				       why);
		if (n <= 0)
			return got;
		got += (size_t)n;
		if (*why)
			return got;
	}
	return got;
}

size_t fx_mem_readv(struct fx_mem *m, const struct fx_mem_seg *seg, size_t n,
		    int *why)
{
	struct iovec l[64], r[64];
	size_t i = 0, k, total = 0, want;
	ssize_t got;

	*why = 0;
	while (i < n) {
		/* Batch up to 64 segments in one call when all is well. */
		want = 0;
		for (k = 0; k < 64 && i + k < n; k++) {
			l[k].iov_base = seg[i + k].buf;
			l[k].iov_len = seg[i + k].len;
			r[k].iov_base = (void *)(uintptr_t)seg[i + k].addr;
			r[k].iov_len = seg[i + k].len;
			want += seg[i + k].len;
		}
		got = m->pvr ? process_vm_readv(m->pid, l, k, r, k, 0) : 0;
		if (got >= 0 && (size_t)got == want) {
			total += want;
			i += k;
			continue;
		}
		/* errno is process_vm_readv's only when it ran: a stale
		 * ESRCH (a thread that left during a freeze) read as "the
		 * process is gone" ended a /proc/PID/mem dump as an execve. */
		if (m->pvr && got < 0 && errno == ESRCH) {
			*why = -ESRCH;
			return total;
		}
		/* Something short: segment by segment, page by page. */
		for (k = 0; k < 64 && i < n; k++, i++) {
			size_t g = read_one(m, seg[i].addr, seg[i].buf,
					    seg[i].len, why);

			total += g;
			if (g < seg[i].len) {
				if (!*why)
					*why = -EIO;
				return total;
			}
		}
	}
	return total;
}
