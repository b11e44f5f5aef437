/*
 * dumpdir: the dump directory dump-region writes, and that scan and
 * classify read as they read live memory.
 *
 *   DIR/                  mode 0700, created new (never an existing path,
 *                         never through a symlink)
 *   DIR/regions.tsv       region records (rec.h), the canonical columns
 *                         plus `file sha256 holes` before `name`:
 *                           file    the region file, relative to DIR, or
 *                                   "-" when the region was skipped whole
 *                           sha256  hex SHA-256 of the bytes captured, in
 *                                   address order (holes left out); for a
 *                                   region with holes 0 it equals
 *                                   `sha256sum DIR/FILE`
 *                           holes   bytes of the region not captured
 *   DIR/PID-0xSTART-0xEND.bin  one per region, mode 0600: byte k is the byte
 *                         at virtual address start+k; length end-start;
 *                         holes are zeros, sparse on disk
 *   DIR/...bin.zst        with --zstd: the same bytes (holes as zeros) as
 *                         one zstd frame: `zstd -d` gives the region file
 *                         back, sparse. A region with more than
 *                         FX_ZSTD_MAX_HOLES of holes stays a sparse .bin
 *                         (compressing a terabyte of zeros takes minutes)
 *   DIR/holes.tsv         `pid start end reason` for every run of bytes not
 *                         captured: absent, swapped, zero (the shared
 *                         zero page: reads as zeros), unreadable, gone,
 *                         unmapped, or for a region skipped whole its
 *                         reason (io, pfnmap, uffd, vvar, secretmem,
 *                         no-read, guard, dontdump)
 *   DIR/process.json      one JSON object: who was dumped, when, how
 *                         (process-PID.json for every further pid), its
 *                         threads (tid, stack pointer, comm: read from
 *                         /proc when it is written, fx_threads_json)
 *
 * Every file is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, inside
 * a directory opened with O_NOFOLLOW, made in a parent directory that
 * only its owner (us or root) may change (fx_dump_parent). A dump that
 * cannot be written whole (a full disk, RLIMIT_FSIZE) is removed, every
 * file of it: fx_dumpdir_discard.
 */
#ifndef FX_DUMPDIR_H
#define FX_DUMPDIR_H

#include <stdint.h>

#include "buf.h"
#include "dump.h"
#include "rec.h"

struct fx_proc;

struct fx_dumpdir {
	int dirfd;
	char *path;		/* absolute, owned */
	const char *why;	/* fx_dumpdir_create's -EPERM: which rule of
				 * fx_dump_parent the parent breaks */
	struct fx_buf made;	/* names of the files made, NUL after each */
	int holes_fd;
	struct fx_writer holes;	/* holes.tsv */
	int index_fd;		/* regions.tsv, for the caller to write */
	const char *failed;	/* fx_dumpdir_close's error: in this file */
	long pid;		/* the pid holes are reported for */
	uint64_t nholes;
	unsigned int nprocs;	/* process.json files written */
};

/*
 * Open the directory that is to hold path (what comes before its last
 * '/', or ".") and check that a dump may be made in it (RELIABILITY,
 * security rule 1, T39): it must be owned by us or by root, and not
 * writable by group or others unless it is sticky (as /tmp is). Whoever
 * else may write there could rename what we create and put his own file
 * or symlink in its place between two of our steps. The last component of
 * path (trailing '/' dropped) goes to base (baselen bytes). Returns the
 * directory's descriptor, or a negative errno: -EPERM with *why saying
 * which rule it breaks (a phrase for a message), else *why is NULL.
 */
int fx_dump_parent(const char *path, char *base, size_t baselen,
		   const char **why);

/*
 * Create directory path (mode 0700), its holes.tsv and regions.tsv
 * (dd->index_fd), in a parent that fx_dump_parent accepts (-EPERM,
 * dd->why set). Refuses a path that
 * exists, whatever it is (-EEXIST), and a symlink in the last component.
 * 0, or a negative errno after removing whatever it made.
 */
int fx_dumpdir_create(struct fx_dumpdir *dd, const char *path);

/*
 * Create file name in the directory, mode 0600, never over an existing
 * one. size > 0: extend it (sparse) to size. An fd, or a negative errno.
 */
int fx_dumpdir_file(struct fx_dumpdir *dd, const char *name, uint64_t size);

/* An fx_hole_fn: one holes.tsv record for dd->pid (arg is the dumpdir). */
int fx_dumpdir_hole(void *arg, uint64_t start, uint64_t end,
		    enum fx_hole why);

/* One holes.tsv record with a free reason (a region skipped whole). */
int fx_dumpdir_hole_reason(struct fx_dumpdir *dd, uint64_t start,
			   uint64_t end, const char *reason);

/* Write buf to a new file name (0600). 0 or a negative errno. */
int fx_dumpdir_write(struct fx_dumpdir *dd, const char *name, const char *buf,
		     size_t len);

/*
 * Remove the dump: every file made through dd (fx_dumpdir_file and what
 * uses it), then the directory, and close dd; for a dump that produced
 * nothing, or could not be written whole. A file that someone else put
 * there is left, and so then is the directory.
 */
void fx_dumpdir_discard(struct fx_dumpdir *dd);

#define FX_ZSTD_MAX_HOLES (16ULL << 30)

/*
 * Compress region file name of dd into name.zst (one zstd frame, level
 * `level`, holes fed as zeros, found with SEEK_DATA/SEEK_HOLE so that a
 * sparse file is not read page by page) and remove name. On any error
 * name.zst is removed and name kept. 0 or a negative errno.
 */
int fx_dumpdir_compress(struct fx_dumpdir *dd, const char *name, int level);

/*
 * Decompress the zstd file open on fd into the fresh anonymous mapping
 * at dst of len bytes, writing only pages that are not all zeros (the
 * rest stay untouched, costing no memory). Returns the decompressed
 * length when it is at most len, len + 1 when the file holds more (the
 * rest is not unpacked; len < LONG_MAX), or a negative errno (-EBADMSG:
 * not zstd, or a truncated frame).
 */
long fx_zstd_unpack(int fd, unsigned char *dst, uint64_t len);

/*
 * Flush holes.tsv and close everything (index_fd too). 0, or the first
 * write error (dd->failed names its file): the dump is then removed
 * (fx_dumpdir_discard).
 */
int fx_dumpdir_close(struct fx_dumpdir *dd);

/* What process.json says about a capture. */
struct fx_thread;

struct fx_capture {
	const char *mode;	/* "live", "freeze" or "snapshot" */
	uint64_t pause_ns;	/* freeze: how long the target was stopped */
	/* snapshot: the windows (snapshot.h), the reap's stop, the site */
	uint64_t regs_ns, clone_ns, hold_ns, reap_regs_ns, reap_pause_ns;
	const char *site;
	int oom_refused;	/* snapshot: -1000 refused in a window */
	int interrupted;	/* stopped early (signal, error) */
	const char *tool;	/* "dump-region 0.1.0" */
	const char *note;	/* consistency note, or NULL */
	const char *compression; /* "zstd", or NULL */
	struct fx_buf skipped;	/* JSON array items, comma separated */
	struct fx_thread *regs;	/* freeze, snapshot: every stopped thread's
				 * registers, read in the stop (malloc'd,
				 * the owner frees), or NULL */
	size_t nregs;
};

/*
 * Append process.json's object for p to out: pid, ns_pid, starttime, exe,
 * build_id (from /proc/PID/exe's GNU build-id note, via libelf), cmdline
 * (array), kernel, boot_id, captured_at (UTC), then c's fields. 0 or a
 * negative errno (facts that cannot be read become null).
 */
int fx_capture_json(struct fx_buf *out, struct fx_proc *p,
		    const struct fx_capture *c);

/* Append a skipped-region item to c->skipped. 0 or -ENOMEM. */
int fx_capture_skip(struct fx_capture *c, uint64_t start, uint64_t end,
		    const char *reason, const char *name, size_t name_len);

/*
 * The GNU build-id of the ELF file open on fd, in hex, into hex (129 bytes
 * hold any id up to 64 bytes). 0, -ENOENT (no note, or not ELF), or a
 * negative errno.
 */
int fx_build_id(int fd, char *hex, size_t hexlen);

#endif
