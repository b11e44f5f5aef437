/*
 * dump: copying a range of another process's memory to a file, present
 * pages only, without stopping or touching the target.
 *
 * The copy reads the target through fx_livesrc (livesrc.h: the pagemap
 * gate, the batched reads, the execve guard): runs of present pages
 * (fx_livesrc_runs) are read in batches (fx_livesrc_readv, up to
 * FX_DUMP_BATCH bytes and FX_DUMP_IOV pieces per call) and written with
 * pwrite at out_base + (addr - start); everything else is a hole: never
 * read (reading would fault the page in and raise the target's RSS),
 * never written (it stays a sparse zero range of the output file), and
 * reported to a callback with its reason. Memory use is FX_DUMP_SLOTS
 * batch buffers, whatever the size of the range.
 *
 * Whether a region may be read at all is decided before, from its VmFlags
 * and name (fx_dump_skip_reason, livesrc.h): device mappings, userfaultfd
 * ranges and vvar can hang or fault a reader.
 */
#ifndef FX_DUMP_H
#define FX_DUMP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "livesrc.h"

struct fx_proc;
struct fx_region;

#define FX_DUMP_BATCH (2u << 20)
#define FX_DUMP_SLOTS 4
#define FX_DUMP_IOV 512

/* Why bytes were not captured (the `reason` column of holes.tsv). */
enum fx_hole {
	FX_HOLE_ABSENT,		/* page never touched or discarded */
	FX_HOLE_SWAPPED,	/* swapped out: not swapped back in for us */
	FX_HOLE_UNREADABLE,	/* EFAULT/EIO: unmapped under us, PROT_NONE... */
	FX_HOLE_GONE,		/* the process exited */
	FX_HOLE_UNMAPPED,	/* not mapped when the copy started */
	FX_HOLE_SKIPPED,	/* the whole region skipped (see its reason) */
	FX_HOLE_ZERO,		/* mapped to the zero page: zeros, not read */
};

/* The holes.tsv text of h ("absent", "swapped", ...). */
const char *fx_hole_name(enum fx_hole h);

/*
 * Called for every run of bytes not captured, in address order, adjacent
 * runs of one reason merged. A nonzero return stops the copy with it.
 */
typedef int (*fx_hole_fn)(void *arg, uint64_t start, uint64_t end,
			  enum fx_hole why);

struct fx_ring;

/*
 * A ring of FX_DUMP_SLOTS batch buffers: the calling thread reads the
 * target into one while a writer thread pwrite()s the ones read before
 * and, for a hashed copy, a hasher thread hashes them (SHA-256 runs at
 * about the speed of the copy itself, and writing to a tmpfs costs more
 * than reading: on two cores the three overlap). A buffer is read again
 * only once written and hashed; what its thread has not begun by then
 * (a busy machine) the reader does itself. A small batch (the end of a
 * small region) is written by the reader at once. Memory: FX_DUMP_SLOTS
 * x FX_DUMP_BATCH.
 */
struct fx_dumper {
	struct fx_livesrc ls;		/* the target's memory (livesrc.h) */
	struct fx_ring *ring;		/* private: buffers and threads */
	char *buf;			/* the buffer being filled (between
					 * copies: a free FX_DUMP_BATCH bytes
					 * the caller may use) */
	int no_hash;			/* set: no SHA-256 (res->sha256 "") */
	/* called after every batch with the bytes copied so far by this
	 * dumper (captured and holes); may be NULL */
	void (*progress)(void *arg, uint64_t done);
	void *progress_arg;
	uint64_t done;
	int defer_hash;			/* set: hash later, from the output
					 * (fx_dump_res_rehash): a freeze
					 * then lasts the copy alone */
	struct fx_mem_seg *seg;		/* FX_DUMP_IOV pieces */
	volatile sig_atomic_t *stop;	/* set by a signal handler: stop */
	/* Set before the caller's last copy from this source: called
	 * once, by that copy, the moment it has read its last byte and
	 * before its last buffers are written (then cleared). A snapshot's
	 * fork is killed there: its exit, tens of ms per GiB, overlaps the
	 * writes. Not called when the copy stops early. May be NULL. */
	void (*read_end)(void *arg);
	void *read_end_arg;
	/* the pending hole, merged until a different one comes */
	uint64_t h_start, h_end;
	enum fx_hole h_why;
	fx_hole_fn hole;
	void *hole_arg;
};

/*
 * What the copies of one output range captured. fx_dump_res_init, any
 * number of fx_dumper_copy calls in address order (a range may span
 * several regions), then fx_dump_res_finish for the digest.
 */
struct fx_dump_res {
	uint64_t captured;	/* bytes read and written */
	uint64_t holes;		/* bytes not captured */
	void *md;		/* private: the running SHA-256 */
	int no_hash;		/* a copy ran without hashing */
	struct fx_dump_run *runs; /* deferred: output ranges to hash */
	size_t nruns, cap;
	int deferred;		/* runs hold every captured byte */
	char sha256[65];	/* hex, of the captured bytes in address
				 * order, set by fx_dump_res_finish */
};

/* A range of an output file that holds captured bytes. */
struct fx_dump_run {
	uint64_t off, len;
};

/* Deferred runs beyond this many: no hash for that range (sha256 ""). */
#define FX_DUMP_MAX_RUNS (1u << 20)

/* Clear res; always 0. The digest is begun by the first copy that
 * hashes (libcrypto is loaded then, not here). */
int fx_dump_res_init(struct fx_dump_res *res);

/*
 * Load the SHA-256 code (libcrypto, opened on demand: lazylib.h) now,
 * before a hashed copy needs it. 0, or -ELIBACC with *why saying why
 * (static: valid until exit).
 */
int fx_dump_hash_load(const char **why);

/*
 * For a copy made with defer_hash: compute res->sha256 from the captured
 * bytes as written in fd (read back in address order). 0, or a negative
 * errno (sha256 stays ""). Frees the runs.
 */
int fx_dump_res_rehash(struct fx_dump_res *res, int fd);

/* Compute res->sha256 and free the running state. */
void fx_dump_res_finish(struct fx_dump_res *res);

/*
 * Prepare to copy from p: open its mem and pagemap (use_scan 0 forces the
 * pagemap-entry fallback), allocate the batch buffer. stop may be NULL.
 * 0 or a negative errno (-ESRCH, -EACCES, -ENOMEM).
 */
int fx_dumper_init(struct fx_dumper *d, struct fx_proc *p, int use_scan,
		   volatile sig_atomic_t *stop);

void fx_dumper_release(struct fx_dumper *d);

/*
 * Copy [start, end) (page aligned) to fd at offset out_base + (addr -
 * start), present pages only; holes go to hole(arg, ...) when it is not
 * NULL. res accumulates (see fx_dump_res_init). Returns 0 (holes included: they are data), -ESRCH
 * when the process vanished (the rest reported as gone holes), -EINTR
 * when *stop was set, a write error (-ENOSPC, -EIO, -EFBIG...), or,
 * hashing, -ELIBACC when libcrypto cannot be loaded (fx_dump_hash_load
 * says why; call it first to refuse before anything is copied).
 */
int fx_dumper_copy(struct fx_dumper *d, uint64_t start, uint64_t end, int fd,
		   uint64_t out_base, fx_hole_fn hole, void *arg,
		   struct fx_dump_res *res);

/*
 * Report a whole range as one hole (a region skipped before reading), in
 * order with the holes of fx_dumper_copy. 0 or the callback's return.
 */
int fx_dumper_hole(struct fx_dumper *d, uint64_t start, uint64_t end,
		   enum fx_hole why, fx_hole_fn hole, void *arg);

#endif
