/*
 * livesrc: the one reader of a live process's memory. dump (dump-region's
 * copy, its freeze and its core), scan on a pid and classify's heap and
 * JVM walkers (through memsrc.h) all read the target through it, so the
 * rules of RELIABILITY.md hold in one place:
 *
 *  - which regions are never read (D8: fx_dump_skip_reason: device,
 *    userfaultfd, vvar, secretmem, no read permission; MADV_DONTDUMP
 *    for a dump unless asked);
 *  - pagemap first (D7): a page not present is never read (reading would
 *    fault it in, raise the target's RSS, or swap it in). Streaming
 *    readers ask fx_livesrc_runs for runs of present, zero-page and
 *    swapped pages (PAGEMAP_SCAN on Linux 6.7+, else 8-byte entries:
 *    kerndat.h); the window of fx_livesrc_read reads the entries of its
 *    few pages;
 *  - batched reads: process_vm_readv of many pieces per call, with the
 *    /proc/PID/mem fallback, page by page after a short read (mem.h);
 *  - the execve guard: process_vm_readv finds the process by pid, so
 *    after an execve it reads the new program's memory at the same
 *    addresses. The pagemap and mem descriptors hold the mm they were
 *    opened on, and read nothing once it is gone: after every batch
 *    read with process_vm_readv, one pagemap entry is read again, and
 *    when it reads nothing the batch is thrown away and the process
 *    counts as gone (fx_livesrc.gone);
 *  - windows for jumping readers (fx_livesrc_read): a few pages around
 *    each byte asked for, a window twice as big (up to 128 pages) each
 *    time reads move on just past one; FX_LIVE_NWIN of them, the one
 *    read from longest ago replaced (a JVM's classes and their names
 *    lie in different places, read in turn); a
 *    big read (16 pages or more: a heap walker's own window) goes
 *    straight into the caller's buffer, its pages' entries read first;
 *    streaming readers (dump, scan) bring their own buffers;
 *  - the counts: pages read, absent and swapped.
 *
 * Nothing is written to the target and nothing stops it.
 */
#ifndef FX_LIVESRC_H
#define FX_LIVESRC_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "pagemap.h"

struct fx_maps;
struct fx_proc;
struct fx_region;

/* One window of fx_livesrc_read (private). */
struct fx_livewin {
	uint64_t win;		/* start of the cached window */
	size_t wpages;		/* and its length in pages */
	unsigned char *buf;	/* the window's bytes */
	uint64_t *ent;		/* its pagemap entries */
	unsigned char *ok;	/* per page: 1 read, 2 swapped, 0 not */
	uint64_t used;		/* when last read from; 0: empty */
	size_t hw;		/* pages of buf ever loaded: wiped at release
				 * (the rest was never touched) */
};

#define FX_LIVE_NWIN 4

struct fx_livesrc {
	struct fx_mem mem;
	struct fx_pagemap pm;
	int gone;		/* the process exited or ran execve */
	uint64_t pages_read;	/* pages (or parts of pages) read */
	uint64_t pages_absent;	/* pages found neither present nor swapped */
	uint64_t pages_swapped;	/* pages found swapped out, never read */
	/* fx_livesrc_read's windows (private) */
	const struct fx_maps *m; /* regions that may be read (borrowed) */
	struct fx_livewin w[FX_LIVE_NWIN];
	uint64_t tick;		/* reads from a window so far */
};

/*
 * Prepare to read p's memory: open its mem and pagemap (use_scan 0
 * forces the pagemap-entry fallback; kerndat.h may force it too). m (may
 * be NULL when only the streaming calls are used) holds the regions
 * fx_livesrc_read may read: borrowed, keep it alive and unchanged, or
 * call fx_livesrc_remap. 0 or a negative errno (-ESRCH gone, -EACCES: no
 * permission, -ENOMEM).
 */
int fx_livesrc_open(struct fx_livesrc *l, struct fx_proc *p,
		    const struct fx_maps *m, int use_scan);

/* Close and wipe (the window held the target's bytes). Safe on a zeroed
 * struct and after a failed open. */
void fx_livesrc_release(struct fx_livesrc *l);

/* Read through m from now on (the map was read again); the window is
 * dropped. */
void fx_livesrc_remap(struct fx_livesrc *l, const struct fx_maps *m);

/*
 * fx_pagemap_runs over the target (pagemap.h): runs of present, zero-page
 * and swapped pages in [start, end), *next where it stopped looking.
 * Counts the pages absent and swapped. The number of runs, or a negative
 * errno (-ESRCH: the process is gone, l->gone set).
 */
long fx_livesrc_runs(struct fx_livesrc *l, uint64_t start, uint64_t end,
		     struct fx_page_run *runs, size_t max, uint64_t *next);

/*
 * Read n pieces, which must lie in pages fx_livesrc_runs called present
 * (fx_mem_readv's contract: the bytes read, counted from the first
 * piece, before the first byte that could not be; *why then -EFAULT or
 * -EIO for that byte, -ESRCH when the process is gone). Behind the
 * execve guard: bytes that may come from another program are never
 * returned (0, *why -ESRCH, l->gone set).
 */
size_t fx_livesrc_readv(struct fx_livesrc *l, const struct fx_mem_seg *seg,
			size_t n, int *why);

/*
 * The fx_heap_src read callback over a struct fx_livesrc (ctx) opened
 * with a map: 0, or -EFAULT when a byte lies outside a readable region
 * (VmFlags io, pf, um, uw, ui, [vvar*], [vsyscall], /secretmem, no read
 * permission) or on a page not present, -ENODATA on a page swapped out
 * (never read: reading would swap it in; and a file mapping's swapped
 * page differs from its file), -ESRCH when the process is gone.
 */
int fx_livesrc_read(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * Why region r must not be read, or NULL when it may be: "io" (device
 * memory: reads can hang or have side effects), "pfnmap", "uffd"
 * (userfaultfd: process_vm_readv blocks in handle_userfault), "vvar"
 * (kernel clock pages: fault), "secretmem", "no-read" (no r permission;
 * /proc/PID/mem could force it, but that is not ours to do), "dontdump"
 * (MADV_DONTDUMP, unless include_dd), "guard".
 */
const char *fx_dump_skip_reason(const struct fx_region *r, int include_dd);

#endif
