/*
 * source: where the bytes `scan` looks at come from, and the scan of them
 * with several threads.
 *
 * A source is a list of regions [start, end) of virtual addresses, each
 * read from one of:
 *  - live memory of a process (region records: pid, start, end): the
 *    current smaps of the pid decides what may be read (a region may have
 *    changed or vanished since the record was made; fx_dump_skip_reason
 *    says which regions are never read: device, userfaultfd, vvar,
 *    secretmem, no read permission, MADV_DONTDUMP); inside, only pages
 *    pagemap reports present are read, in batches, through fx_livesrc
 *    (livesrc.h: the pagemap gate, process_vm_readv or /proc/PID/mem,
 *    the execve guard): the target is not stopped and its RSS does not
 *    grow. Absent pages, and pages that cannot be read any more, are
 *    holes; a process that ran execve is gone;
 *  - a file holding the region's bytes (byte k at address start + k): a
 *    region record with a `file` column, a dump directory (its
 *    regions.tsv; `file` relative to the directory), a raw file at a base
 *    address. Bytes past the end of a short file are a hole; bytes past
 *    the region's end are not read;
 *  - an ELF core: each PT_LOAD segment is a region (p_vaddr, p_memsz), its
 *    p_filesz bytes at p_offset; the rest a hole.
 * Files are mapped read-only. A dump directory or a core is untrusted
 * input (RELIABILITY T45): every file is opened by fx_safe_open
 * (safeopen.h), a dump directory's beneath it (FX_OPEN_BENEATH: no
 * absolute name, '..' or symbolic link), and only a regular file is
 * opened at all (a FIFO never blocks us). A file that is refused, or
 * not its region's size, a core segment past the end of the file, notes
 * that lie: each is a warning (src->warnings, the output is partial) and
 * what is missing a hole. A region costs no more than its bytes: the
 * holes after them are counted, not walked.
 */
#ifndef FX_SOURCE_H
#define FX_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proc.h"
#include "scan.h"

struct fx_src_region {
	long pid;		/* -1 when unknown */
	unsigned long long starttime; /* its process's start (stat field
				 * 22): a live process's, a record's; 0
				 * unknown */
	uint64_t start, end;
	int live;		/* index in procs, or -1: mapped bytes */
	const unsigned char *map; /* bytes of [start, start + maplen) */
	uint64_t maplen;
	/* A sparse region file: its data extents, (offset, length) pairs
	 * from start, in order; the rest are holes, never scanned (a 1 TiB
	 * reservation is a 1 TiB sparse file). NULL: all of map is data. */
	uint64_t *ext;
	size_t next;
};

struct fx_src_proc {
	int pid;
	struct fx_proc p;
	int opened;
	int gone;		/* exited during the scan */
};

/* A request for live memory, resolved by fx_source_resolve. */
struct fx_src_req {
	long pid;
	unsigned long long starttime;	/* the record's, 0 unknown: the
					 * process is opened pinned to it */
	uint64_t start, end;
};

struct fx_source {
	struct fx_src_region *r;
	size_t n, cap;
	struct fx_src_proc *procs;
	size_t nprocs;
	struct fx_src_req *req;
	size_t nreq, reqcap;
	struct fx_src_map {
		void *base;
		size_t len;
	} *maps;
	size_t nmaps;
	int include_dd;		/* read MADV_DONTDUMP regions too */
	int skip_code;		/* region records: skip code and read-only
				 * file mappings (fx_code_like; scan --top) */
	/* Messages, one line each: what was skipped by design (notes), and
	 * what failed (warnings: the output is partial). */
	struct fx_buf notes;
	struct fx_buf warnings;	/* the first FX_SOURCE_MAX_WARNINGS */
	unsigned long failures;	/* warnings, listed or not */
	int told_more;		/* fx_source_warnings added its line */
	struct fx_err err;	/* why the last call failed */
	unsigned long long st_next; /* private: the starttime of the
				 * regions being added */
};

void fx_source_init(struct fx_source *src);

/* Warnings beyond this many are counted, not listed (a dump sent without
 * its region files would give one line per region). */
#define FX_SOURCE_MAX_WARNINGS 20

/*
 * The warnings, one line each, ended by one saying how many more were
 * not listed; "" when none. Valid until src changes.
 */
const char *fx_source_warnings(struct fx_source *src);

/* Unmap and free everything. */
void fx_source_release(struct fx_source *src);

/*
 * Add a path: a dump directory (DIR/regions.tsv), an ELF core file, or any
 * other file as raw bytes at address base. 0, or a negative errno with
 * src->err saying what is wrong (-EBADMSG: a bad line of regions.tsv, a
 * malformed core).
 */
int fx_source_add_path(struct fx_source *src, const char *path,
		       uint64_t base);

/*
 * Read region records from fd (headerless input in the canonical region
 * columns): records with a `file` column other than "-" are read from that
 * file: with dir (a dump directory) a name inside dir, refused otherwise;
 * without (dir NULL: records on stdin) any regular file, relative names
 * relative to the current directory. The others are
 * live requests, resolved by fx_source_resolve. 0, -EBADMSG (src->err
 * says which line; the records before it are kept), -EINVAL (not region
 * records: no pid, start or end column, or memmap --rollup's record;
 * reading stops there), or another negative errno.
 */
int fx_source_add_records(struct fx_source *src, int fd, const char *dir);

/*
 * Turn live requests into regions: for each pid, open it and read its
 * smaps once; each request becomes the readable parts of the regions it
 * overlaps. What is skipped or gone goes to src->notes (a process that
 * cannot be opened also counts in src->failures). 0 or -ENOMEM.
 */
int fx_source_resolve(struct fx_source *src);

/* Byte counts of one scan. */
struct fx_scan_stats {
	uint64_t bytes;		/* bytes scanned */
	uint64_t holes;		/* bytes not read (absent, unreadable...) */
	uint64_t regions;
	uint64_t ns;		/* wall time */
};

/*
 * Output made in the worker threads: render(arg, hit, buf) appends the
 * bytes of a hit to buf (it runs in several threads at once: it must
 * touch nothing but buf); write(arg, bytes, len) gets them in order, in
 * the calling thread. Both return 0 or a negative errno that stops the
 * scan.
 */
struct fx_scan_out {
	int (*render)(void *arg, const struct fx_hit *h, struct fx_buf *buf);
	int (*write)(void *arg, const char *p, size_t len);
	void *arg;
};

/*
 * Scan every region of src with conf, using nthreads threads (at least
 * 1). Each region is cut into windows of a few MiB scanned in parallel
 * (whole regions when a pattern has no bounded width). When top is NULL,
 * hits go to fn(arg, hit) in the calling thread, in address order within
 * a region, regions in source order; when out is not NULL, they are
 * rendered and written through it instead; when top is not NULL they
 * are counted into it and neither is called. A process that exits during the
 * scan leaves the rest of its regions as holes (and a note). Returns 0,
 * fn's error, or -ENOMEM.
 */
int fx_source_scan(struct fx_source *src, const struct fx_scan_conf *conf,
		   int nthreads, fx_hit_fn fn, void *arg,
		   const struct fx_scan_out *out, struct fx_top *top,
		   struct fx_scan_stats *st);

/*
 * Whether a region with these perms and inode columns holds code or a
 * file's read-only bytes (an executable mapping, or a file mapped without
 * write): what scan --top skips, where repeats are the machine code and
 * tables of loaded libraries, not findings. 1 or 0.
 */
int fx_code_like(const char *perms, const char *inode);

#endif
