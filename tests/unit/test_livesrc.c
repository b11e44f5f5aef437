/*
 * test_livesrc: the one live reader (livesrc.h) on a child process with
 * known memory: pages written, pages never touched, pages unmapped, one
 * read only (the zero page). Its runs, its batched reads, its window and
 * its direct (big) reads read exactly the written pages and never fault
 * in another (the child's pagemap says so afterwards); the same with every kernel fallback forced
 * (MEMFORENSIC_FALLBACK=all: no PAGEMAP_SCAN, /proc/PID/mem); and the
 * execve guard: once the child has run execve, its new program mapping
 * other bytes at the same address (process_vm_readv reads them: checked),
 * the reader returns none of them and calls the process gone.
 *
 * The children are forked by unit_child; on SIGUSR1 one runs execve of
 * this very program with LIVESRC_EXEC_CHILD set, which then maps
 * EXEC_ADDR full of 'B' and says so on a pipe. Each child is killed by
 * its pid, never by name.
 */
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kerndat.h"
#include "livesrc.h"
#include "memsrc.h"
#include "unit.h"

#define NPAGES 32
/* Clear of ASan's allocator, which takes 0x600000000000 on x86_64. */
#define EXEC_ADDR 0x4a0000000000ULL
#define EXEC_LEN (16u << 12)

/* A child, where its pages are, and the pipe its new program talks on. */
struct child {
	pid_t pid;
	uint64_t base;
	int ex[2];
};

static int exec_fd = -1;	/* in the child: ex[1] */

/* Map len bytes at EXEC_ADDR filled with c; exit on failure. */
static char *map_fixed(size_t len, int c)
{
	char *p = mmap((void *)(uintptr_t)EXEC_ADDR, len,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || (uintptr_t)p != EXEC_ADDR)
		_exit(3);
	memset(p, c, len);
	return p;
}

/* The child's SIGUSR1: run execve of this program as the exec child. */
static void on_usr1(int sig)
{
	char *argv[] = { "test_livesrc", NULL };
	char *envp[] = { "LIVESRC_EXEC_CHILD=1", NULL };

	(void)sig;
	dup2(exec_fd, 1);
	execve("/proc/self/exe", argv, envp);
	_exit(3);
}

/* This program run by the exec child: 'B' where 'A' was, said on fd 1. */
__attribute__((constructor)) static void exec_child(void)
{
	if (!getenv("LIVESRC_EXEC_CHILD"))
		return;
	map_fixed(EXEC_LEN, 'B');
	if (write(1, "exec'd\n", 7) != 7)
		_exit(3);
	for (;;)
		pause();
}

/*
 * The child's setup (unit_child): of the 32 pages at base (mapped by the
 * parent, never touched there), pages 0-7 and 16-23 written (byte 'a' +
 * page), 8-15 never touched but 12, read once (the zero page), 24-31
 * unmapped; EXEC_ADDR full of 'A'; SIGUSR1 runs execve.
 */
static void child_setup(int ready, void *arg)
{
	struct child *ch = arg;
	size_t ps = fx_page_size(), i;
	char *p = (char *)(uintptr_t)ch->base;
	volatile char c;

	(void)ready;
	madvise(p, NPAGES * ps, MADV_NOHUGEPAGE);
	for (i = 0; i < 24; i++)
		if (i < 8 || i >= 16)
			memset(p + i * ps, 'a' + (int)i, ps);
	c = p[12 * ps];
	(void)c;
	munmap(p + 24 * ps, 8 * ps);
	map_fixed(EXEC_LEN, 'A');
	exec_fd = ch->ex[1];
	signal(SIGUSR1, on_usr1);
}

/* Start a child and open it (p), every kernel fallback forced or none
 * (the probe is made afresh in each test: Check forks for each). */
static void child_start(struct child *ch, struct fx_proc *p, int fallback)
{
	void *m;

	if (fallback)
		setenv("MEMFORENSIC_FALLBACK", "all", 1);
	else
		unsetenv("MEMFORENSIC_FALLBACK");
	m = mmap(NULL, NPAGES * fx_page_size(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(m != MAP_FAILED);
	ch->base = (uint64_t)(uintptr_t)m;
	ck_assert_int_eq(pipe(ch->ex), 0);
	ch->pid = unit_child(child_setup, ch);
	close(ch->ex[1]);
	ck_assert_int_eq(fx_proc_open(p, ch->pid), 0);
}

static void child_stop(struct child *ch, struct fx_proc *p)
{
	fx_proc_release(p);
	kill(ch->pid, SIGKILL);
	waitpid(ch->pid, NULL, 0);
	close(ch->ex[0]);
	munmap((void *)(uintptr_t)ch->base, NPAGES * fx_page_size());
}

/* The runs of [base, base + NPAGES pages): present 0-7, 16-23 (and 12,
 * the zero page, when it can be told or is just present), the rest
 * absent. */
static void check_runs(struct fx_livesrc *l, uint64_t base)
{
	size_t ps = fx_page_size();
	struct fx_page_run runs[8];
	uint64_t next, end = base + NPAGES * ps;
	long n;

	n = fx_livesrc_runs(l, base, end, runs, 8, &next);
	ck_assert_uint_eq(next, end);
	ck_assert_int_ge(n, 2);
	ck_assert_uint_eq(runs[0].start, base);
	ck_assert_uint_eq(runs[0].end, base + 8 * ps);
	ck_assert_uint_eq(runs[0].flags, FX_RUN_PRESENT);
	if (n == 3) {
		/* Page 12, read once: the zero page (or, its PFN unknown
		 * to the entry reader, a present page of zeros). */
		ck_assert_uint_eq(runs[1].start, base + 12 * ps);
		ck_assert_uint_eq(runs[1].end, base + 13 * ps);
		ck_assert(runs[1].flags & (FX_RUN_ZERO | FX_RUN_PRESENT));
	}
	ck_assert_int_le(n, 3);
	ck_assert_uint_eq(runs[n - 1].start, base + 16 * ps);
	ck_assert_uint_eq(runs[n - 1].end, base + 24 * ps);
	ck_assert_uint_eq(runs[n - 1].flags, FX_RUN_PRESENT);
	/* 8-15 but the zero page, and 24-31 (unmapped). */
	ck_assert_uint_eq(l->pages_absent, 16 - (n == 3));
}

/* Read the child's memory every way; then check no page was faulted in. */
static void read_child(int fallback)
{
	size_t ps = fx_page_size(), i;
	struct fx_err err = { 0 };
	struct fx_mem_seg seg[2];
	struct fx_livesrc l;
	struct fx_maps m;
	struct fx_proc p;
	struct child ch;
	struct fx_buf b;
	uint64_t before;
	char *buf;
	int why;

	child_start(&ch, &p, fallback);
	fx_buf_init(&b);
	ck_assert_int_eq(fx_proc_read_map(&p, "smaps", &b, FX_SMAPS_READ_SIZE,
					  NULL),
			 0);
	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, b.data, b.len, &err), 0);
	ck_assert_int_eq(fx_livesrc_open(&l, &p, &m, 1), 0);
	ck_assert_int_eq(l.mem.pvr, !fallback);
	ck_assert_int_eq(l.pm.scan, !fallback && fx_kerndat()->pagemap_scan);
	check_runs(&l, ch.base);

	/* Batched: both written runs in one call, every byte in place. */
	buf = calloc(16, ps);
	ck_assert_ptr_nonnull(buf);
	seg[0] = (struct fx_mem_seg){ ch.base, 8 * ps, buf };
	seg[1] = (struct fx_mem_seg){ ch.base + 16 * ps, 8 * ps, buf + 8 * ps };
	ck_assert_uint_eq(fx_livesrc_readv(&l, seg, 2, &why), 16 * ps);
	ck_assert_int_eq(why, 0);
	for (i = 0; i < 16; i++)
		ck_assert_msg(buf[i * ps] == 'a' + (int)(i < 8 ? i : i + 8) &&
				      buf[i * ps + ps - 1] == buf[i * ps],
			      "page %zu", i);
	ck_assert_uint_eq(l.pages_read, 16);
	/* A piece running into the unmapped pages: up to them, then why. */
	seg[0] = (struct fx_mem_seg){ ch.base + 20 * ps, 8 * ps, buf };
	ck_assert_uint_eq(fx_livesrc_readv(&l, seg, 1, &why), 4 * ps);
	ck_assert(why == -EFAULT || why == -EIO);
	ck_assert_int_eq(l.gone, 0);

	/* The window: present bytes, holes where nothing is present. */
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 3 * ps + 5, buf, 10), 0);
	ck_assert(buf[0] == 'a' + 3 && buf[9] == 'a' + 3);
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 8 * ps - 4, buf, 8),
			 -EFAULT);
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 10 * ps, buf, 8),
			 -EFAULT);
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 26 * ps, buf, 8),
			 -EFAULT);
	/* Forward through a region: a window spans several pages. */
	for (i = 16; i < 24; i++) {
		ck_assert_int_eq(fx_livesrc_read(&l, ch.base + i * ps, buf,
						 ps),
				 0);
		ck_assert(buf[0] == 'a' + (int)i);
	}
	ck_assert_int_eq(fx_livesrc_read(&l, EXEC_ADDR, buf, 4), 0);
	ck_assert(memcmp(buf, "AAAA", 4) == 0);
	/* Reads in turn from two places: each keeps its own window. */
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 2 * ps, buf, 8), 0);
	ck_assert_int_eq(fx_livesrc_read(&l, EXEC_ADDR + 5 * ps, buf, 8), 0);
	before = l.pages_read;
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 2 * ps + i, buf,
						 8),
				 0);
		ck_assert(buf[0] == 'a' + 2);
		ck_assert_int_eq(fx_livesrc_read(&l, EXEC_ADDR + 5 * ps + i,
						 buf, 8),
				 0);
		ck_assert(buf[0] == 'A');
	}
	ck_assert_uint_eq(l.pages_read, before);
	/* A big read (16 pages or more) goes straight into the buffer:
	 * all of it, or the first page not present says why. */
	memset(buf, 0, 16 * ps);
	ck_assert_int_eq(fx_livesrc_read(&l, EXEC_ADDR, buf, EXEC_LEN), 0);
	ck_assert(buf[0] == 'A' && buf[EXEC_LEN - 1] == 'A');
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 5, buf, 16 * ps - 5),
			 -EFAULT);
	ck_assert_int_eq(fx_livesrc_read(&l, ch.base + 16 * ps, buf, 16 * ps),
			 -EFAULT);

	/* Nothing was faulted in: the same runs as before. */
	l.pages_absent = 0;
	check_runs(&l, ch.base);

	fx_livesrc_release(&l);
	fx_livesrc_release(&l);	/* harmless twice */
	free(buf);
	fx_maps_release(&m);
	fx_buf_release(&b);
	child_stop(&ch, &p);
}

START_TEST(test_read_child)
{
	read_child(0);
}
END_TEST

START_TEST(test_read_child_fallback)
{
	read_child(1);
}
END_TEST

/* The child runs execve: the reader must not hand out the new bytes. */
static void exec_guard(int fallback)
{
	struct fx_page_run runs[4];
	struct fx_mem_seg seg;
	uint64_t next;
	struct fx_livesrc l;
	struct fx_proc p;
	struct child ch;
	char buf[64], line[64];
	struct iovec lv = { buf, sizeof(buf) };
	struct iovec rv = { (void *)(uintptr_t)EXEC_ADDR, sizeof(buf) };
	ssize_t n;
	int why;

	child_start(&ch, &p, fallback);
	ck_assert_int_eq(fx_livesrc_open(&l, &p, NULL, 1), 0);
	seg = (struct fx_mem_seg){ EXEC_ADDR, sizeof(buf), buf };
	ck_assert_uint_eq(fx_livesrc_readv(&l, &seg, 1, &why), sizeof(buf));
	ck_assert(buf[0] == 'A' && buf[63] == 'A');

	ck_assert_int_eq(kill(ch.pid, SIGUSR1), 0);
	n = read(ch.ex[0], line, sizeof(line) - 1);
	ck_assert_int_gt(n, 0);
	line[n] = 0;
	ck_assert_msg(!strncmp(line, "exec'd", 6), "child said '%s'", line);
	/* The same pid, another program, 'B' where 'A' was: what
	 * process_vm_readv now reads (when it works here at all). */
	if (process_vm_readv(ch.pid, &lv, 1, &rv, 1, 0) == sizeof(buf))
		ck_assert(buf[0] == 'B');

	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(fx_livesrc_readv(&l, &seg, 1, &why), 0);
	ck_assert_int_eq(why, -ESRCH);
	ck_assert_int_eq(l.gone, 1);
	ck_assert(!memchr(buf, 'B', sizeof(buf)));
	/* And from then on; pagemap too says so (PAGEMAP_SCAN, and an
	 * empty read of entries), rather than "all absent". */
	ck_assert_int_eq(fx_livesrc_read(&l, EXEC_ADDR, buf, 8), -ESRCH);
	ck_assert_int_eq(fx_livesrc_runs(&l, EXEC_ADDR, EXEC_ADDR + EXEC_LEN,
					 runs, 4, &next),
			 -ESRCH);
	ck_assert_uint_eq(fx_livesrc_readv(&l, &seg, 1, &why), 0);
	ck_assert_int_eq(why, -ESRCH);

	fx_livesrc_release(&l);
	child_stop(&ch, &p);
}

START_TEST(test_exec_guard)
{
	exec_guard(0);
}
END_TEST

START_TEST(test_exec_guard_fallback)
{
	exec_guard(1);
}
END_TEST

/*
 * FX_MS_LATE_SMAPS: until fx_memsrc_settle the map is /proc/PID/maps' (no
 * VmFlags) and the reads go through process_vm_readv only. A page it
 * refuses (PROT_NONE here, as it refuses a device mapping) is then not
 * read through /proc/PID/mem, which would read it; after the settle the
 * map is smaps' (its MADV_DONTDUMP seen), regions of the early map still
 * valid, and /proc/PID/mem reads again. Without the fallback forced.
 */
START_TEST(test_late_smaps)
{
	size_t ps = fx_page_size();
	const struct fx_region *early;
	struct fx_mem_seg seg;
	struct fx_memsrc ms;
	struct fx_proc p;
	struct child ch;
	char *none, buf[64];
	int why;

	none = mmap(NULL, ps, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(none != MAP_FAILED);
	memset(none, 'n', ps);
	ck_assert_int_eq(madvise(none, ps, MADV_DONTDUMP), 0);
	ck_assert_int_eq(mprotect(none, ps, PROT_NONE), 0);
	child_start(&ch, &p, 0);	/* inherits the page, present */
	seg = (struct fx_mem_seg){ (uint64_t)(uintptr_t)none, sizeof(buf),
				   buf };

	ck_assert_int_eq(fx_memsrc_open_live(&ms, &p, FX_MS_LATE_SMAPS),
			 0);
	if (!fx_kerndat()->vm_readv) {
		/* No process_vm_readv here: smaps read at once. */
		ck_assert_int_eq(ms.late, 0);
		ck_assert(ms.maps.is_smaps);
		fx_memsrc_release(&ms);
		child_stop(&ch, &p);
		munmap(none, ps);
		return;
	}
	ck_assert_int_eq(ms.late, 1);
	ck_assert(!ms.maps.is_smaps);
	early = fx_region_at(&ms.maps, seg.addr);
	ck_assert_ptr_nonnull(early);
	ck_assert_uint_eq(early->vmflags, 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(fx_livesrc_readv(&ms.ls, &seg, 1, &why), 0);
	ck_assert_int_eq(why, -EFAULT);
	ck_assert(buf[0] == 0);
	/* The second reader is held to the same until the settle. */
	ck_assert_ptr_nonnull(fx_memsrc_heap2(&ms));
	ck_assert_uint_eq(fx_livesrc_readv(&ms.ls2, &seg, 1, &why), 0);

	ck_assert_int_eq(fx_memsrc_settle(&ms), 0);
	ck_assert_int_eq(ms.late, 0);
	ck_assert(ms.maps.is_smaps);
	ck_assert(fx_region_at(&ms.maps, seg.addr)->vmflags & FX_VM_DD);
	ck_assert_uint_eq(early->start, seg.addr);	/* still there */
	ck_assert_uint_eq(fx_livesrc_readv(&ms.ls, &seg, 1, &why),
			  sizeof(buf));
	ck_assert(buf[0] == 'n' && buf[63] == 'n');
	ck_assert_uint_eq(fx_livesrc_readv(&ms.ls2, &seg, 1, &why),
			  sizeof(buf));
	ck_assert_int_eq(fx_memsrc_settle(&ms), 0);	/* nothing to wait for */
	fx_memsrc_heap2_done(&ms);
	fx_memsrc_release(&ms);

	/* Released before any settle: the thread is waited for. */
	ck_assert_int_eq(fx_memsrc_open_live(&ms, &p, FX_MS_LATE_SMAPS),
			 0);
	ck_assert_int_eq(ms.late, 1);
	fx_memsrc_release(&ms);

	child_stop(&ch, &p);
	munmap(none, ps);
}
END_TEST

UNIT_MAIN("livesrc", test_read_child, test_read_child_fallback,
	  test_exec_guard, test_exec_guard_fallback, test_late_smaps)
