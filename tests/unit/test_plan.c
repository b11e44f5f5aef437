/*
 * Unit tests of plan: what a dump of a selection will copy and how much
 * free space it needs, over a captured map (corpus/proc/bash.smaps,
 * handed over as the selection's own read of the map, as
 * fx_selection_args leaves it) and selections written as records: no
 * process is read. The figures expected are the fixture's Rss lines.
 */
#include <sys/wait.h>

#include "plan.h"
#include "proc.h"
#include "select.h"
#include "unit.h"

/* bash.smaps: the heap (132 kB, Rss 88 kB), bash's data (Rss 36 kB) and
 * its bss (Rss 28 kB) right after it, a gap, [vvar]. */
#define HEAP 0x561c65157000ULL
#define HEAP_END 0x561c65178000ULL
#define DATA 0x561c34192000ULL
#define BSS_END 0x561c341a6000ULL
#define VVAR 0x7f26c45bf000ULL
#define VVAR_END 0x7f26c45c3000ULL
#define KB 1024ULL

struct fixture {
	struct fx_selection sel;
	struct fx_dumpplan pl;
	struct fx_proc p;
};

/* Plan lines of records ("PID START END", pid 0 meaning ours) over the
 * map of bash.smaps. */
static void plan(struct fixture *f, const char *const *lines, size_t n)
{
	char line[128];
	size_t i;
	int fd = unit_memfd();

	ck_assert_int_eq(fx_write_all(fd, "pid\tstart\tend\tname\n", 19), 0);
	for (i = 0; i < n; i++) {
		unsigned long long s, e;
		int pid;

		ck_assert_int_eq(sscanf(lines[i], "%d %llx %llx", &pid, &s, &e),
				 3);
		snprintf(line, sizeof(line), "%d\t0x%012llx\t0x%012llx\tr%zu\n",
			 pid ? pid : (int)getpid(), s, e, i);
		ck_assert_int_eq(fx_write_all(fd, line, strlen(line)), 0);
	}
	ck_assert(lseek(fd, 0, SEEK_SET) == 0);
	fx_selection_init(&f->sel);
	ck_assert_int_eq(fx_selection_read(&f->sel, fd), 0);
	close(fd);
	unit_load("proc/bash.smaps", &f->sel.smaps);
	f->sel.smaps_pid = getpid();
	/* The map is the selection's: the process is never read. */
	memset(&f->p, 0, sizeof(f->p));
	f->p.pid = getpid();
	f->p.dirfd = -1;
	ck_assert_int_eq(fx_dumpplan_make(&f->pl, &f->p, &f->sel, 0), 0);
}

static void unplan(struct fixture *f)
{
	fx_dumpplan_release(&f->pl);
	fx_selection_release(&f->sel);
}

START_TEST(test_items)
{
	static const char *const lines[] = {
		"0 561c65157000 561c65178000",	/* 0: the heap */
		"0 561c34192000 561c341a6000",	/* 1: data and bss */
		"0 561c341a6000 561c341b6000",	/* 2: nothing mapped */
		"0 7f26c45bf000 7f26c45c3000",	/* 3: [vvar] */
		"0 561c65150000 561c65178000",	/* 4: a gap, then the heap */
		"1 561c65157000 561c65178000",	/* another process */
	};
	struct fixture f;
	char name[80];

	plan(&f, lines, 6);
	/* Only this process's selections are items. */
	ck_assert_uint_eq(f.pl.n, 5);
	ck_assert_int_eq(f.pl.pid, getpid());
	ck_assert_uint_eq(f.pl.maps.n, 43);

	ck_assert_ptr_null(f.pl.it[0].skip);
	ck_assert_uint_eq(f.pl.it[0].present, 88 * KB);
	snprintf(name, sizeof(name), "%d-0x%012llx-0x%012llx.bin",
		 (int)getpid(), HEAP, HEAP_END);
	ck_assert_str_eq(f.pl.it[0].file, name);

	/* Two regions: both residents. */
	ck_assert_ptr_null(f.pl.it[1].skip);
	ck_assert_uint_eq(f.pl.it[1].present, (36 + 28) * KB);

	ck_assert_str_eq(f.pl.it[2].skip, "unmapped");
	ck_assert_str_eq(f.pl.it[2].file, "-");
	ck_assert_uint_eq(f.pl.it[2].present, 0);

	ck_assert_str_eq(f.pl.it[3].skip, "vvar");
	ck_assert_str_eq(f.pl.it[3].file, "-");

	/* A gap is no reason to skip what is mapped. */
	ck_assert_ptr_null(f.pl.it[4].skip);
	ck_assert_uint_eq(f.pl.it[4].present, 88 * KB);

	ck_assert_uint_eq(f.pl.nskip, 2);
	ck_assert_uint_eq(fx_dumpplan_unmapped(&f.pl), 1);
	ck_assert_uint_eq(fx_dumpplan_done(&f.pl), 0);
	ck_assert_uint_eq(f.pl.mapped, (HEAP_END - HEAP) +
					       (BSS_END - DATA) + 0x10000 +
					       (VVAR_END - VVAR) +
					       (HEAP_END - 0x561c65150000ULL));
	ck_assert_uint_eq(f.pl.present, (88 + 64 + 88) * KB);
	unplan(&f);
}
END_TEST

START_TEST(test_part_of_a_region)
{
	/* 11 of the heap's 33 pages: a third of its resident bytes (smaps
	 * does not say which pages are resident; the share is prorated). */
	static const char *const lines[] = { "0 561c65157000 561c65162000" };
	struct fixture f;

	plan(&f, lines, 1);
	ck_assert_uint_eq(f.pl.it[0].present, 88 * KB * 11 / 33);
	unplan(&f);
}
END_TEST

START_TEST(test_free_space)
{
	static const char *const lines[] = {
		"0 561c65157000 561c65178000",
		"0 561c34192000 561c341a6000",
	};
	struct fixture f;
	uint64_t present = (88 + 64) * KB;

	plan(&f, lines, 2);
	ck_assert_uint_eq(f.pl.present, present);
	/* What is present, a 1/64 margin and 1 MiB of headers. */
	ck_assert_uint_eq(fx_dumpplan_need(&f.pl),
			  present + present / 64 + (1 << 20));
	/* A core's holes taking mapped files' bytes count too. */
	f.pl.fill = 64ULL << 20;
	ck_assert_uint_eq(fx_dumpplan_need(&f.pl),
			  present + (64ULL << 20) +
				  (present + (64ULL << 20)) / 64 + (1 << 20));
	unplan(&f);
}
END_TEST

START_TEST(test_find)
{
	static const char *const lines[] = { "0 561c65157000 561c65178000" };
	struct fixture f;
	size_t k;

	plan(&f, lines, 1);
	/* The first region that ends after the address. */
	k = fx_dumpplan_find(&f.pl, HEAP + 4096);
	ck_assert_uint_eq(f.pl.maps.r[k].start, HEAP);
	k = fx_dumpplan_find(&f.pl, HEAP_END);	/* its end: the next one */
	ck_assert_uint_gt(f.pl.maps.r[k].start, HEAP);
	k = fx_dumpplan_find(&f.pl, BSS_END);	/* in the gap before it */
	ck_assert_uint_eq(f.pl.maps.r[k].start, HEAP);
	ck_assert_uint_eq(fx_dumpplan_find(&f.pl, 0), 0);
	ck_assert_uint_eq(fx_dumpplan_find(&f.pl, ~0ULL), f.pl.maps.n);
	unplan(&f);
}
END_TEST

static void count_done(void *arg)
{
	(*(int *)arg)++;
}

/*
 * Snapshot mode: which items need a reader of the target (live_p: the
 * text of a file mapped without write, not the heap; never a skipped
 * item), and the last item read from the fork, after which p_done is
 * called. Without live_p, every item is read from p.
 */
START_TEST(test_snapshot_readers)
{
	static const char *const lines[] = {
		"0 561c65157000 561c65178000",	/* 0: the heap */
		"0 561c34095000 561c34156000",	/* 1: bash's text */
		"0 7f26c45bf000 7f26c45c3000",	/* 2: [vvar], skipped */
	};
	struct fixture f;
	int calls = 0;

	plan(&f, lines, 3);
	ck_assert_int_eq(fx_dumpplan_needs_live(&f.pl), 0);
	fx_dumpplan_p_done(&f.pl, count_done, &calls);
	ck_assert_ptr_eq(f.pl.p_done, count_done);
	ck_assert_uint_eq(f.pl.p_last, 1);

	f.pl.live_p = &f.p;
	ck_assert_int_eq(fx_dumpplan_needs_live(&f.pl), 1);
	fx_dumpplan_p_done(&f.pl, count_done, &calls);
	ck_assert_ptr_eq(f.pl.p_done, count_done);
	ck_assert_uint_eq(f.pl.p_last, 0);
	ck_assert_int_eq(calls, 0);
	unplan(&f);

	plan(&f, lines, 1);
	f.pl.live_p = &f.p;
	ck_assert_int_eq(fx_dumpplan_needs_live(&f.pl), 0);
	unplan(&f);

	/* Nothing read from the fork: nothing to wait for. */
	plan(&f, lines + 1, 2);
	f.pl.live_p = &f.p;
	fx_dumpplan_p_done(&f.pl, count_done, &calls);
	ck_assert_ptr_null(f.pl.p_done);
	ck_assert_uint_eq(f.pl.p_last, f.pl.n);
	unplan(&f);
}
END_TEST

START_TEST(test_no_map)
{
	struct fx_selection sel;
	struct fx_dumpplan pl;
	struct fx_proc p;
	siginfo_t si;
	pid_t child;
	int fd = unit_memfd_with("pid\tstart\tend\n", 14);

	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), 0);
	close(fd);
	/* A process that exited (a zombie: no map left): -ESRCH, and the
	 * plan still released cleanly. */
	child = fork();
	ck_assert(child >= 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(fx_proc_open(&p, child), 0);
	ck_assert_int_eq(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(fx_dumpplan_make(&pl, &p, &sel, 0), -ESRCH);
	fx_dumpplan_release(&pl);
	/* Reaped: the same. */
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_int_eq(fx_dumpplan_make(&pl, &p, &sel, 0), -ESRCH);
	fx_dumpplan_release(&pl);
	fx_proc_release(&p);
	fx_selection_release(&sel);
}
END_TEST

UNIT_MAIN("plan", test_items, test_part_of_a_region, test_free_space,
	  test_find, test_snapshot_readers, test_no_map)
