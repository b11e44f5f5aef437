/*
 * plan: what dump-region will copy for one process, matched against its
 * live map, then the copy itself and the records that describe it.
 *
 * Each selected range (a region record) becomes one item: one file in the
 * dump directory holding [start, end). The live regions it overlaps are
 * copied (fx_dumper_copy) or, when they must not be read
 * (fx_dump_skip_reason), reported as holes with that reason; parts no
 * longer mapped are "unmapped" holes.
 */
#ifndef FX_PLAN_H
#define FX_PLAN_H

#include <signal.h>
#include <stdint.h>

#include "buf.h"
#include "dump.h"
#include "maps.h"

struct fx_proc;
struct fx_selection;
struct fx_sel;
struct fx_dumpdir;
struct fx_capture;
struct fx_writer;

struct fx_planitem {
	const struct fx_sel *sel;	/* borrowed from the selection */
	char file[80];			/* relative name, or "-" */
	uint64_t present;		/* bytes resident, from smaps */
	const char *skip;		/* every byte skipped, for this */
	int state;			/* 0 to do, 1 done, -1 failed */
	struct fx_dump_res res;
};

struct fx_dumpplan {
	int pid;
	unsigned long long starttime;	/* the process's (p's at make) */
	struct fx_proc *p;		/* borrowed */
	/* Snapshot mode (p is then the fork's copy): the target, live, for
	 * the items over a shared mapping, or a file or the vDSO mapped
	 * without write: the fork copies no page tables of those, so the
	 * copy has none of their pages present; they hold the file's bytes
	 * or pages shared with others, read from the target instead.
	 * Regions marked MADV_DONTFORK or MADV_WIPEONFORK, absent or empty
	 * in the fork, are holes with reason "dontfork", "wipeonfork". */
	struct fx_proc *live_p;
	/* Snapshot mode (fx_dumpplan_p_done): called once, when the copy
	 * has read its last byte from p; p_last: the last item read from
	 * p (n: none). */
	void (*p_done)(void *arg);
	void *p_done_arg;
	size_t p_last;
	struct fx_maps maps;		/* live smaps */
	struct fx_buf text;
	struct fx_planitem *it;
	size_t n;
	size_t nskip;			/* items skipped whole */
	uint64_t mapped, present;	/* bytes selected; resident of them */
	uint64_t fill;			/* a core: bytes of mapped files its
					 * holes may take (fx_core_plan) */
	int include_dd;
	int no_hash;			/* copy without SHA-256 */
	int defer_hash;			/* hash after the copy (freeze) */
	void (*progress)(void *arg, uint64_t done); /* see fx_dumper */
	void *progress_arg;
	fx_hole_fn hole;		/* holes of a copy without a dump
					 * directory (a core); may be NULL */
	void *hole_arg;
	const char *failed;		/* the file an output error stopped
					 * (fx_dumpplan_run), or NULL */
	const struct fx_selection *sel;
};

/*
 * Read p's smaps (or take the text fx_selection_args read of it moments
 * before) and plan the selections of sel for p. 0, or a negative errno
 * (-ESRCH: gone). Release with fx_dumpplan_release in any case.
 */
int fx_dumpplan_make(struct fx_dumpplan *pl, struct fx_proc *p,
		     const struct fx_selection *sel, int include_dd);

void fx_dumpplan_release(struct fx_dumpplan *pl);

/*
 * Bytes to have free before writing: what is present, what a core's holes
 * take from mapped files (fill), and a margin of 1/64 and 1 MiB for
 * headers, index files and pages faulted in meanwhile.
 */
uint64_t fx_dumpplan_need(const struct fx_dumpplan *pl);

/*
 * Under a freeze: check the map against /proc/PID/maps, which costs no
 * page-table walk (smaps walks every page table with the mm lock held:
 * seconds on a big process, all of it inside the pause). When no region
 * moved, the plan stands (its VmFlags and figures are from the smaps read
 * before the freeze); otherwise it is made again from smaps. 0 or a
 * negative errno; *remade says which.
 */
int fx_dumpplan_refresh(struct fx_dumpplan *pl, int *remade);

/*
 * Copy every item into dd (files named PID-0xSTART-0xEND.bin). stop: see
 * fx_dumper_init. Skipped regions are added to cap. 0, or the first
 * error that ended the run (-ESRCH, -EINTR, -ENOSPC...); items not done
 * keep state 0 or -1. An error of the output (a file that could not be
 * made or written: -ENOSPC, -EFBIG, -EMFILE...; anything but the target
 * gone, *stop, or the target's memory unreadable) sets pl->failed to that
 * file's name (valid while pl is).
 */
int fx_dumpplan_run(struct fx_dumpplan *pl, struct fx_dumpdir *dd,
		    int use_scan, volatile sig_atomic_t *stop,
		    struct fx_capture *cap);

/*
 * Snapshot mode: is item it read from pl->live_p rather than from pl->p
 * (a shared mapping, or a file or the vDSO mapped without write: see
 * live_p)? Its first region says. 0 without live_p.
 */
int fx_dumpplan_from_live(const struct fx_dumpplan *pl,
			  const struct fx_planitem *it);

/*
 * Snapshot mode: is any item to copy read from pl->live_p? Without one,
 * no reader of the target is needed.
 */
int fx_dumpplan_needs_live(const struct fx_dumpplan *pl);

/*
 * Snapshot mode, once live_p is set: have done(arg) called once, the
 * moment the copy (fx_dumpplan_run, or fx_dumpplan_copy item by item) has
 * read the last byte it reads from pl->p, before its last buffers are
 * written (fx_dumper's read_end): the fork can die meanwhile. Not called
 * when the copy stops early, nor when nothing is read from p: the caller
 * ends the fork after the copy in any case.
 */
void fx_dumpplan_p_done(struct fx_dumpplan *pl, void (*done)(void *arg),
			void *arg);

/*
 * Copy item it to fd at offset base + (addr - start): its live regions
 * (fx_dumper_copy; it->res must be initialised), with holes for what is
 * skipped or unmapped, reported to dd's holes.tsv and to cap when they
 * are not NULL. Without dd, the holes of the copy (absent, swapped...)
 * go to pl->hole when it is set. 0 or the error that stopped it.
 */
int fx_dumpplan_copy(struct fx_dumpplan *pl, struct fx_planitem *it,
		     struct fx_dumper *d, int fd, uint64_t base,
		     struct fx_dumpdir *dd, struct fx_capture *cap);

/*
 * Index of the first region of pl->maps that ends after addr (the maps
 * are in address order), or pl->maps.n.
 */
size_t fx_dumpplan_find(const struct fx_dumpplan *pl, uint64_t addr);

/*
 * After a copy with defer_hash: compute every item's sha256 from its
 * output, the file of dd (dirfd) or, when fd >= 0, the one file fd (a
 * core). 0 or the first error (those items keep sha256 "").
 */
int fx_dumpplan_rehash(struct fx_dumpplan *pl, int dirfd, int fd);

/*
 * --zstd: compress every region file of the plan that was written (see
 * fx_dumpdir_compress); the item's file becomes NAME.zst. Regions with
 * more than FX_ZSTD_MAX_HOLES of holes stay sparse .bin files (*kept
 * counts them). 0 or the first error (that file stays uncompressed).
 */
int fx_dumpplan_compress(struct fx_dumpplan *pl, struct fx_dumpdir *dd,
			 int level, size_t *kept);

/* How many items name a range that is no longer mapped at all. */
size_t fx_dumpplan_unmapped(const struct fx_dumpplan *pl);

/* How many items were done. */
size_t fx_dumpplan_done(const struct fx_dumpplan *pl);

/* Add the regions skipped whole to cap (for process.json). */
void fx_dumpplan_skipped(const struct fx_dumpplan *pl, struct fx_capture *cap);

/*
 * Write a record for every item done to idx (file relative to the dump
 * directory) and to out (file as an absolute path under dir); either may
 * be NULL. The columns: the selection's, with file sha256 holes before the
 * last one when it is name. 0 or the first write error.
 */
int fx_dumpplan_write(const struct fx_dumpplan *pl, struct fx_writer *idx,
		      struct fx_writer *out, const char *dir);

#endif
