/*
 * snapshot: clone and wait4 injected into a frozen process (snapshot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "freeze.h"
#include "internal.h"
#include "maps.h"
#include "mem.h"
#include "proc.h"
#include "snapshot.h"

uint64_t fx_snapshot_cow_bytes(const struct fx_maps *m)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->r[i].perms[1] == 'w' && m->r[i].perms[3] == 'p')
			n += m->r[i].v[FX_F_RSS];
	return n;
}

/* The number in file path (a cgroup's limit or usage), or -1: none or
 * "max". */
static int64_t read_num(const char *path)
{
	char b[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0 || b[0] < '0' || b[0] > '9')
		return -1;
	b[n] = 0;
	return (int64_t)strtoull(b, NULL, 10);
}

/* The least room under a limit on dir and its parents up to root. */
static uint64_t cgroup_room(char *dir, size_t root, const char *lim,
			    const char *use, uint64_t best)
{
	char path[4200];
	int64_t l, u;
	char *slash;

	for (;;) {
		snprintf(path, sizeof(path), "%s/%s", dir, lim);
		l = read_num(path);
		snprintf(path, sizeof(path), "%s/%s", dir, use);
		u = read_num(path);
		/* v1 writes "no limit" as a huge number. */
		if (l >= 0 && u >= 0 && l < (int64_t)1 << 60)
			best = (uint64_t)(l > u ? l - u : 0) < best ?
				       (uint64_t)(l > u ? l - u : 0) :
				       best;
		slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < root)
			return best;
		*slash = 0;
	}
}

uint64_t fx_snapshot_mem_free(struct fx_proc *p)
{
	struct fx_buf b;
	uint64_t best = UINT64_MAX;
	char dir[4096], *line, *end, *cg;
	const char *s;

	fx_buf_init(&b);
	if (!fx_proc_read(p, "../meminfo", &b, 0, NULL) && b.data &&
	    (s = strstr(b.data, "MemAvailable:")))
		best = strtoull(s + 13, NULL, 10) * 1024;
	if (!fx_proc_read(p, "cgroup", &b, 0, NULL) && b.data) {
		for (line = b.data; *line; line = end + 1) {
			end = strchr(line, '\n');
			if (!end)
				break;
			*end = 0;
			cg = strrchr(line, ':');
			if (!cg || strstr(cg + 1, ".."))
				continue;
			if (!strncmp(line, "0::", 3)) {
				snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s",
					 cg + 1);
				best = cgroup_room(dir, 14, "memory.max",
						   "memory.current", best);
			} else if (strstr(line, ":memory:") ||
				   strstr(line, ",memory:") ||
				   strstr(line, ":memory,")) {
				snprintf(dir, sizeof(dir),
					 "/sys/fs/cgroup/memory%s", cg + 1);
				best = cgroup_room(dir, 21,
						   "memory.limit_in_bytes",
						   "memory.usage_in_bytes", best);
			}
		}
	}
	fx_buf_release(&b);
	return best == UINT64_MAX ? 0 : best;
}

#if defined(__x86_64__)
#include <sys/user.h>

/* Not in every libc's headers (Linux 3.11). */
#ifndef PTRACE_GETSIGMASK
#define PTRACE_GETSIGMASK 0x420a
#define PTRACE_SETSIGMASK 0x420b
#endif

/* How long one stop of the hijacked thread or the child may take. */
#define STOP_WAIT_NS 5000000000ull

/* The kernel's (include/linux/errno.h), never seen by programs: clone
 * returns it when a signal came first, and is restarted. */
#define ERESTARTNOINTR 513

/* A 64-bit user code segment (__USER_CS): a 32-bit or x32 target's
 * thread runs with another, and its clone number differs. */
#define USER_CS_64 0x33

/* Our own oom_score_adj while inside a window, and before it. */
static int oom_fd = -1;
static char oom_was[16];

static void oom_shield(struct fx_snapshot *s, int on)
{
	ssize_t n;

	if (on) {
		oom_fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
		if (oom_fd < 0) {
			s->oom_refused = 1;
			return;
		}
		n = pread(oom_fd, oom_was, sizeof(oom_was) - 1, 0);
		oom_was[n > 0 ? n : 0] = 0;
		if (pwrite(oom_fd, "-1000", 5, 0) != 5) {
			/* Not permitted (no CAP_SYS_RESOURCE, as in many
			 * containers): said, nothing to undo. */
			s->oom_refused = 1;
			close(oom_fd);
			oom_fd = -1;
		}
		return;
	}
	if (oom_fd < 0)
		return;
	if (oom_was[0] &&
	    pwrite(oom_fd, oom_was, strlen(oom_was), 0) < 0)
		(void)!pwrite(oom_fd, "1000", 4, 0);
	close(oom_fd);
	oom_fd = -1;
}

/*
 * Wait for tid's next stop (or end), polling: a hijacked thread is back
 * in microseconds when it gets a CPU, so for the first 20 ms the polls
 * only yield (a sleep costs 50 us of timer slack or more, and every one
 * lengthens the windows). 0 with *st, -ESRCH (ECHILD: not ours any
 * more), -ETIMEDOUT.
 */
static int wait_tid(int tid, int *st, uint64_t ns)
{
	uint64_t t0 = fx_now_ns(), now;
	struct timespec nap = { 0, 10000 };
	int r;

	for (;;) {
		r = waitpid(tid, st, __WALL | WNOHANG);
		if (r == tid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -ESRCH;
		now = fx_now_ns();
		if (now - t0 > ns)
			return -ETIMEDOUT;
		if (now - t0 < 20000000)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
}

/* The thread of f to borrow: stopped, with no signal held (a signal held
 * from a signal-delivery stop is handed back on detach only from such a
 * stop), preferring one not in group-stop. NULL: none. */
static struct fx_frozen_thread *pick(struct fx_freeze *f)
{
	struct fx_frozen_thread *best = NULL, *t;
	size_t i;

	for (i = 0; i < f->n; i++) {
		t = &f->t[i];
		if (t->gone || !t->stopped || t->inject || !t->tid)
			continue;
		if (!t->group_stop)
			return t;
		if (!best)
			best = t;
	}
	return best;
}

/* The thread's Seccomp: mode (status), or -1 unreadable. */
static int seccomp_mode(struct fx_proc *p, int tid)
{
	struct fx_buf b;
	char name[48];
	const char *s;
	int mode = -1;

	fx_buf_init(&b);
	snprintf(name, sizeof(name), "task/%d/status", tid);
	if (!fx_proc_read(p, name, &b, 0, NULL) && b.data &&
	    (s = strstr(b.data, "\nSeccomp:")))
		mode = atoi(s + 9);
	fx_buf_release(&b);
	return mode;
}

/* The first "syscall" (0f 05) in [start, end) of p's memory read
 * through fd, or 0. */
static uint64_t find_in(int fd, uint64_t start, uint64_t end)
{
	unsigned char buf[65536];
	uint64_t a;
	ssize_t n, i;

	for (a = start; a < end && a - start < (1u << 20); a += sizeof(buf) - 1) {
		n = pread(fd, buf, end - a < sizeof(buf) ? end - a : sizeof(buf),
			  (off_t)a);
		for (i = 0; i + 1 < n; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				return a + (uint64_t)i;
		if (n < (ssize_t)sizeof(buf))
			break;
	}
	return 0;
}

/*
 * A syscall instruction in p's text: the vDSO's (the kernel's, the same
 * in every process), else a private executable mapping of a file (libc).
 * The bytes need not start an instruction of the program: only those two
 * are executed, the thread stops after them. 0 or -ENOENT.
 */
static int find_site(struct fx_snapshot *s, struct fx_proc *p, int *memfd)
{
	struct fx_maps m;
	struct fx_buf b;
	struct fx_err err = { 0 };
	const struct fx_region *r;
	size_t i;
	int pass, fd, rc = -ENOENT;

	fx_buf_init(&b);
	fx_maps_init(&m);
	fd = fx_mem_openat(p, "mem");
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	if ((rc = fx_proc_read_map(p, "maps", &b, 0, NULL)) ||
	    (rc = fx_maps_parse(&m, b.data, b.len, &err)))
		goto out;
	rc = -ENOENT;
	for (pass = 0; pass < 2 && rc; pass++) {
		for (i = 0; i < m.n && rc; i++) {
			r = &m.r[i];
			if (strcmp(r->perms, "r-xp") ||
			    r->kind != (pass ? FX_KIND_FILE : FX_KIND_VDSO))
				continue;
			s->site = find_in(fd, r->start, r->end);
			if (s->site) {
				snprintf(s->site_name, sizeof(s->site_name),
					 "%s", r->name);
				rc = 0;
			}
		}
	}
out:
	if (rc && fd >= 0)
		close(fd);
	else
		*memfd = fd;
	fx_maps_release(&m);
	fx_buf_release(&b);
	return rc;
}

/* The site still holds 0f 05 (read just before it is used). */
static int site_ok(int memfd, uint64_t site)
{
	unsigned char c[2];

	return pread(memfd, c, 2, (off_t)site) == 2 && c[0] == 0x0f &&
	       c[1] == 0x05;
}

/*
 * The site to use under a freeze: the one found before it (outside the
 * stop: fx_snapshot_site) when it still holds the instruction, else a
 * new search. 0 with *memfd open, or a negative errno.
 */
static int site_now(struct fx_snapshot *s, struct fx_proc *p, int *memfd)
{
	int fd;

	if (s->site && (fd = fx_mem_openat(p, "mem")) >= 0) {
		if (site_ok(fd, s->site)) {
			*memfd = fd;
			return 0;
		}
		close(fd);
	}
	return find_site(s, p, memfd);
}

int fx_snapshot_site(struct fx_snapshot *s, struct fx_proc *p)
{
	int memfd = -1, r = find_site(s, p, &memfd);

	if (!r)
		close(memfd);
	else
		s->site = 0;
	return r;
}

/* One injection: its thread, what it saved, where it is. */
struct inj {
	int tid;
	struct user_regs_struct saved;
	uint64_t mask;
	int borrowed;		/* registers not restored yet */
	int masked;		/* signal mask not restored yet */
	uint64_t t_borrow;
	uint64_t t_entry;	/* the syscall-entry stop seen */
};

/* Give the thread back its registers and mask. 0 or -errno. */
static int give_back(struct inj *in)
{
	int r = 0;

	if (in->borrowed) {
		if (ptrace(PTRACE_SETREGS, in->tid, 0, &in->saved) < 0)
			r = -errno;
		else
			in->borrowed = 0;
	}
	if (in->masked) {
		if (ptrace(PTRACE_SETSIGMASK, in->tid, sizeof(in->mask),
			   &in->mask) < 0 && !r)
			r = -errno;
		else
			in->masked = 0;
	}
	return r;
}

/*
 * Step 4 of snapshot.h: from a syscall stop (registers given back), into
 * a stop inside get_signal() again, as freeze left the thread; t learns
 * what kind. stop_again_go sends it on its way, stop_again waits for it
 * (in between, the child is held: the two waits overlap, one scheduling
 * delay of a loaded machine less in the stop). 0 or -errno.
 */
static int stop_again_go(struct fx_frozen_thread *t)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0 ||
	    ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return -errno;
	return 0;
}

static int stop_again(struct fx_frozen_thread *t)
{
	int st, r;

	r = wait_tid(t->tid, &st, STOP_WAIT_NS);
	if (r)
		return r;
	if (!WIFSTOPPED(st)) {
		t->gone = 1;
		t->stopped = 0;
		return -ESRCH;
	}
	if (st >> 16 == PTRACE_EVENT_STOP)
		t->group_stop = fx_is_stop_signal(WSTOPSIG(st));
	else if (!(st >> 16))
		t->inject = WSTOPSIG(st);	/* handed back on detach */
	return 0;
}

/* The child appeared (clone event): hold it, exit-kill set. */
static int hold_child(struct fx_snapshot *s, int child)
{
	int st, r;

	r = wait_tid(child, &st, STOP_WAIT_NS);
	if (r)
		return r;
	if (!WIFSTOPPED(st)) {
		s->child = 0;
		return -ESRCH;
	}
	if (ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_EXITKILL) < 0)
		return -errno;
	return 0;
}

/* The guardian learns the held child's pid. */
static void tell_guard(struct fx_snapshot *s)
{
	char m[32];
	int n;

	if (s->guard_pid <= 0 || s->guard_fd < 0)
		return;
	n = snprintf(m, sizeof(m), "C %d\n", s->child);
	if (write(s->guard_fd, m, (size_t)n) != n) {
		close(s->guard_fd);	/* gone: nobody to tell any more */
		s->guard_fd = -1;
	}
}

/*
 * Run syscall nr(a0..a3) in thread t at s->site (snapshot.h, steps 1-4).
 * *ret: its return value. For clone, the child is held on its event. On
 * error the thread has its registers back whenever it can be stopped.
 */
static int inject(struct fx_snapshot *s, struct fx_frozen_thread *t,
		  int memfd, long nr, const long *a, long *ret,
		  uint64_t *regs_ns)
{
	struct inj in = { .tid = t->tid };
	struct user_regs_struct regs;
	uint64_t block = ~0ull;
	unsigned long msg;
	uint64_t t0 = 0;
	int st, r = 0, event, phase = 0, going = -1;

	if (ptrace(PTRACE_GETREGS, t->tid, 0, &in.saved) < 0 ||
	    ptrace(PTRACE_GETSIGMASK, t->tid, sizeof(in.mask), &in.mask) < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	if (in.saved.cs != USER_CS_64)
		return -ENOSYS;
	if (!site_ok(memfd, s->site))
		return -ENOENT;
	if (ptrace(PTRACE_SETOPTIONS, t->tid, 0,
		   PTRACE_O_TRACESYSGOOD |
			   (nr == SYS_clone ? PTRACE_O_TRACECLONE : 0)) < 0)
		return -errno;
	regs = in.saved;
	regs.rip = s->site;
	regs.rax = (unsigned long long)nr;
	regs.orig_rax = (unsigned long long)-1;
	regs.rdi = (unsigned long long)a[0];
	regs.rsi = (unsigned long long)a[1];
	regs.rdx = (unsigned long long)a[2];
	regs.r10 = (unsigned long long)a[3];
	regs.r8 = regs.r9 = 0;
	oom_shield(s, 1);
	in.t_borrow = fx_now_ns();
	if (ptrace(PTRACE_SETSIGMASK, t->tid, sizeof(block), &block) < 0) {
		r = -errno;
		goto back;
	}
	in.masked = 1;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &regs) < 0) {
		r = -errno;
		goto back;
	}
	in.borrowed = 1;
	/* phase 0: to the syscall-entry stop; 1: to its exit stop. */
	while (phase < 2) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0) {
			r = -errno;
			goto back;
		}
		r = wait_tid(t->tid, &st, STOP_WAIT_NS);
		if (r == -ETIMEDOUT) {
			/* Stuck in the call: stop it where it is. */
			ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
			r = wait_tid(t->tid, &st, STOP_WAIT_NS);
			if (!r)
				r = -ETIMEDOUT;
			goto back;
		}
		if (r)
			goto back;
		if (!WIFSTOPPED(st)) {
			t->gone = 1;
			t->stopped = 0;
			in.borrowed = in.masked = 0;
			r = -ESRCH;
			goto out;
		}
		event = st >> 16;
		if (event == PTRACE_EVENT_CLONE) {
			if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) < 0) {
				r = -errno;
				goto back;
			}
			/* The child exists from just before this event
			 * (copy_process ends, then the event): from it to
			 * exit-kill set is the window; the clone itself
			 * (entry to event) is in the registers' window.
			 * The child is held once the registers are back:
			 * waiting for its first stop (milliseconds on a
			 * loaded machine) must not lengthen that window. */
			s->clone_ns = fx_now_ns() - in.t_entry;
			t0 = fx_now_ns();
			s->child = (int)msg;
			continue;
		}
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			if (!phase)
				in.t_entry = fx_now_ns();
			phase++;
			continue;
		}
		/* A group-stop (a SIGSTOP cannot be blocked) or a stop of
		 * ours: go on, the kernel stops it again when let go. */
		if (event == PTRACE_EVENT_STOP)
			t->group_stop = fx_is_stop_signal(WSTOPSIG(st));
		else if (!event)
			t->inject = WSTOPSIG(st);
	}
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &regs) < 0) {
		r = -errno;
		goto back;
	}
	*ret = (long)regs.rax;
back:
	{
		int g = give_back(&in);

		if (!r)
			r = g;
	}
	*regs_ns += fx_now_ns() - in.t_borrow;
	if (!in.borrowed && !in.masked) {
		going = stop_again_go(t);
		if (!r)
			r = going;
	}
	if (s->child && nr == SYS_clone) {
		int g = hold_child(s, s->child);

		s->hold_ns = fx_now_ns() - t0;
		if (!g)
			tell_guard(s);
		if (!r)
			r = g;
	}
	oom_shield(s, 0);
	if (!in.borrowed && !in.masked && !going) {
		int g = stop_again(t);

		if (!r)
			r = g;
	}
out:
	ptrace(PTRACE_SETOPTIONS, t->tid, 0, 0);
	return r;
}

int fx_snapshot_fork(struct fx_snapshot *s, struct fx_freeze *f,
		     struct fx_proc *p)
{
	/* clone(flags: exit signal 0, nothing shared; newsp 0: the same
	 * stack, copied; no tid pointers, no tls). */
	const long a[4] = { 0, 0, 0, 0 };
	struct fx_frozen_thread *t;
	int r, memfd = -1, mode, tries;
	long ret = 0;

	s->pid = p->pid;
	t = pick(f);
	if (!t)
		return -EAGAIN;
	s->tid = t->tid;
	/* A seccomp filter may kill the process for a clone it forbids, or
	 * answer it for the program (ENOSYS, a trap to its handler): we
	 * cannot tell without running it. Strict mode kills it. */
	mode = seccomp_mode(p, t->tid);
	if (mode != 0)
		return mode < 0 ? -ESRCH : -EPERM;
	r = site_now(s, p, &memfd);
	if (r)
		return r;
	s->fork_ns = fx_now_ns();
	for (tries = 0; tries < 3; tries++) {
		r = inject(s, t, memfd, SYS_clone, a, &ret, &s->regs_ns);
		if (r || ret != -ERESTARTNOINTR)
			break;
	}
	s->fork_ns = fx_now_ns() - s->fork_ns;
	close(memfd);
	if (!r && ret < 0)
		r = ret == -ENOMEM ? -ENOMEM : -EAGAIN;
	if (!r && ret != s->child)
		r = -EAGAIN;	/* never: the event named another pid */
	if (r && s->child)
		fx_snapshot_kill(s);	/* a child may exist: not left */
	return r;
}

void fx_snapshot_drop(struct fx_snapshot *s)
{
	/* Its pid is not reused before we collect it: it is our tracee. */
	if (s->child)
		kill(s->child, SIGKILL);
}

/*
 * Sleep until pid, SIGKILLed, has exited (at most ns): its pidfd reads
 * when it is a zombie (Linux 5.3). Its exit frees the page tables of the
 * whole address space, 17 ms per GiB; wait_tid's polls (sched_yield) took
 * CPU time from it on a busy machine: on 2 busy CPUs, from the kill to
 * the reap's freeze, 30 ms polling, 21 ms asleep (1 GiB, medians of 12).
 * Without pidfd_open (or refused), nothing: wait_tid polls.
 */
static void sleep_until_exit(int pid, uint64_t ns)
{
#ifdef SYS_pidfd_open
	struct pollfd pfd = { .events = POLLIN };

	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0)
		return;
	poll(&pfd, 1, (int)(ns / 1000000));
	close(pfd.fd);
#else
	(void)pid;
	(void)ns;
#endif
}

void fx_snapshot_kill(struct fx_snapshot *s)
{
	int st;

	if (!s->child)
		return;
	kill(s->child, SIGKILL);	/* again after a drop: nothing */
	sleep_until_exit(s->child, STOP_WAIT_NS);
	/* Collect it as its tracer (else it never becomes the target's
	 * zombie); ECHILD: collected already (a freeze's wait of any pid). */
	while (!wait_tid(s->child, &st, STOP_WAIT_NS) && WIFSTOPPED(st))
		;
}

/* Reap s->child, a zombie of p (or about to be), inside p. */
static int reap_in(struct fx_snapshot *s, struct fx_proc *p)
{
	struct fx_freeze f;
	struct fx_frozen_thread *t;
	long a[4], ret = 0;
	int r, memfd = -1, tries;

	r = fx_freeze(&f, p, 2000, NULL);
	if (r)
		return r;
	t = pick(&f);
	r = t ? site_now(s, p, &memfd) : -EAGAIN;
	a[0] = s->child;
	a[1] = 0;		/* no status written: memory untouched */
	a[2] = __WALL | WNOHANG;
	a[3] = 0;
	for (tries = 0; !r && tries < 20; tries++) {
		r = inject(s, t, memfd, SYS_wait4, a, &ret, &s->reap_regs_ns);
		if (r || ret != 0)
			break;
		/* Not a zombie for its parent yet: a moment. */
		usleep(1000);
	}
	if (memfd >= 0)
		close(memfd);
	fx_freeze_thaw(&f);
	s->reap_pause_ns = fx_freeze_pause_ns(&f);
	fx_freeze_release(&f);
	if (!r && ret != s->child && ret != -ECHILD)
		r = ret < 0 ? (int)ret : -EAGAIN;
	if (!r) {
		s->reaped = 1;	/* by our wait4, or by the target itself */
		s->child = 0;
	}
	return r;
}

int fx_snapshot_reap(struct fx_snapshot *s, struct fx_proc *p)
{
	if (!s->child || s->reaped)
		return 0;
	fx_snapshot_kill(s);
	return reap_in(s, p);
}

/*
 * The guardian (see snapshot.h), in the forked process: read the pipe
 * until told "D" (all over) or until EOF (we died). After our death with
 * a child held, wait (10 s at most) for the child's zombie, which its
 * pinned /proc directory shows (never a pid reused: nothing is sent to
 * the pid, the target's own wait4 reaps only its own child), and reap it
 * in the target.
 */
static void guardian(int rfd, struct fx_proc *p)
{
	static const int quiet[] = { SIGINT, SIGHUP, SIGQUIT, SIGTSTP,
				     SIGTTIN, SIGTTOU, SIGPIPE, SIGALRM };
	struct fx_snapshot g;
	struct fx_proc cp = { .dirfd = -1 };
	char buf[256], st;
	size_t i, len = 0;
	ssize_t n;
	int child = 0, done = 0;

	for (i = 0; i < FX_ARRAY_SIZE(quiet); i++)
		signal(quiet[i], SIG_IGN);
	while (!done) {
		n = read(rfd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		for (;;) {
			char *nl = memchr(buf, '\n', len);

			if (!nl)
				break;
			if (buf[0] == 'D')
				done = 1;
			else if (buf[0] == 'C' && !child &&
				 !fx_proc_open(&cp, atoi(buf + 2)))
				child = cp.pid;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len >= sizeof(buf) - 1)
			len = 0;
	}
	if (done || !child)
		_exit(0);
	for (i = 0; i < 10000; i++) {
		st = fx_proc_task_state(&cp, child);
		if (!st || st == 'X')
			_exit(0);	/* reaped already */
		if (st == 'Z')
			break;
		usleep(1000);
	}
	memset(&g, 0, sizeof(g));
	g.guard_fd = -1;
	g.pid = p->pid;
	g.child = child;
	_exit(st == 'Z' && !reap_in(&g, p) ? 0 : 1);
}

/* Close every descriptor from lo up, but a and b: close_range (Linux
 * 5.9), three calls; else one by one up to 65535 (65,000 calls, tens of
 * ms of CPU taken from the target while it is being stopped). */
static void close_but(int lo, int a, int b)
{
	int k[2] = { a < b ? a : b, a < b ? b : a }, i, fd;

#ifdef SYS_close_range
	for (i = 0; i < 2; i++) {
		if (k[i] > lo &&
		    syscall(SYS_close_range, lo, k[i] - 1, 0) < 0)
			break;
		lo = k[i] + 1 > lo ? k[i] + 1 : lo;
	}
	if (i == 2 && !syscall(SYS_close_range, lo, ~0u, 0))
		return;
#endif
	for (fd = lo; fd < 65536; fd++)
		if (fd != a && fd != b)
			close(fd);
}

int fx_snapshot_guard(struct fx_snapshot *s, struct fx_proc *p)
{
	int pfd[2], fd, nul;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	s->guard_fd = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (fd = 0; fd < 3; fd++)
			if (nul >= 0)
				dup2(nul, fd);
		close_but(3, pfd[0], p->dirfd);
		guardian(pfd[0], p);
		_exit(0);
	}
	close(pfd[0]);
	s->guard_fd = pfd[1];
	s->guard_pid = pid;
	return 0;
}

void fx_snapshot_unguard(struct fx_snapshot *s)
{
	int st;

	if (s->guard_pid > 0 && s->guard_fd >= 0) {
		(void)!write(s->guard_fd, "D\n", 2);
		close(s->guard_fd);
		s->guard_fd = -1;
	}
	if (s->guard_pid > 0)
		wait_tid(s->guard_pid, &st, STOP_WAIT_NS);
	s->guard_pid = 0;
}

#else	/* !__x86_64__ */

int fx_snapshot_site(struct fx_snapshot *s, struct fx_proc *p)
{
	(void)s;
	(void)p;
	return -ENOSYS;
}

int fx_snapshot_fork(struct fx_snapshot *s, struct fx_freeze *f,
		     struct fx_proc *p)
{
	(void)f;
	s->pid = p->pid;
	return -ENOSYS;
}

int fx_snapshot_reap(struct fx_snapshot *s, struct fx_proc *p)
{
	(void)s;
	(void)p;
	return 0;
}

void fx_snapshot_kill(struct fx_snapshot *s)
{
	(void)s;
}

void fx_snapshot_drop(struct fx_snapshot *s)
{
	(void)s;
}

int fx_snapshot_guard(struct fx_snapshot *s, struct fx_proc *p)
{
	(void)p;
	memset(s, 0, sizeof(*s));
	s->guard_fd = -1;
	return 0;
}

void fx_snapshot_unguard(struct fx_snapshot *s)
{
	(void)s;
}

#endif
