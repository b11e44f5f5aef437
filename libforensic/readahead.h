/*
 * readahead: a thread that reads a list of address ranges a little ahead
 * of a reader that walks them in order (the Java heap walker over the
 * heap's spaces), so that reading (process_vm_readv, a capture's files)
 * and parsing overlap on two cores.
 *
 * The ranges are read in chunks of FX_RA_CHUNK bytes, each with up to
 * FX_RA_TAIL more bytes past its end when its range has them (so that a
 * header starting in a chunk is whole in it), FX_RA_SLOTS chunks held at
 * a time. A chunk the walker has passed (it jumped over a big object or
 * left its range) is not read. A chunk that cannot be read whole is
 * marked so: the walker reads that part itself, its own way (smaller
 * reads around the bad page). When the thread is not running (a busy
 * machine), the walker reads the chunk it waits for itself rather than
 * wait: at worst it reads and parses in turn, as without the thread.
 *
 * Every read through src (the thread's, and the walker's own between
 * fx_ra_lock and fx_ra_unlock) is made under one lock: src need not be
 * safe to call from two threads. The bytes read are the target's: wiped
 * before they are freed.
 */
#ifndef FX_READAHEAD_H
#define FX_READAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

#define FX_RA_CHUNK (256u << 10)
#define FX_RA_TAIL (8u << 10)
#define FX_RA_SLOTS 6

/* [lo, hi): an empty one (lo >= hi) is skipped. */
struct fx_ra_range {
	uint64_t lo, hi;
};

struct fx_readahead;

/*
 * Start reading the n ranges (copied) through src (borrowed: keep it
 * alive until fx_ra_free). NULL when memory or a thread cannot be had
 * (errno set): then read without it.
 */
struct fx_readahead *fx_ra_new(struct fx_heap_src *src,
			       const struct fx_ra_range *r, size_t n);

/* Stop the thread, wipe and free. NULL does nothing. */
void fx_ra_free(struct fx_readahead *ra);

/*
 * The walker is at a in range i (it moves forward only: range by range,
 * and forward in each) and wants the len bytes at a: the bytes of the
 * chunk that holds them all, from *lo on, *n of them (valid until the
 * next call), or NULL when the read-ahead has none (a chunk that could
 * not be read, a read at a range's end past the tail, a range not in the
 * list): read them yourself, between fx_ra_lock and fx_ra_unlock.
 * Chunks before a are dropped.
 */
const unsigned char *fx_ra_get(struct fx_readahead *ra, size_t i, uint64_t a,
			       size_t len, uint64_t *lo, size_t *n);

/* Hold the read lock around any other read through src (or through a
 * source that reads through it) while ra lives. */
void fx_ra_lock(struct fx_readahead *ra);
void fx_ra_unlock(struct fx_readahead *ra);

#endif
