/*
 * pymalloc: CPython's small-object allocator (obmalloc), its arenas and
 * pools found in another process's memory without debug symbols.
 *
 * What is read (64-bit CPython 3.8 and later):
 *
 *   arena          ARENA_SIZE bytes mmapped anonymous, read-write (1 MiB
 *                  since 3.10 on 64-bit, 256 KiB before); its pools start
 *                  at the first POOL_SIZE boundary in it (the kernel
 *                  merges neighbouring arenas into one mapping).
 *   pool           POOL_SIZE bytes (16 KiB since 3.10 on 64-bit, 4 KiB
 *                  before), aligned to POOL_SIZE, starting with its
 *                  48-byte header: ref.count (4: blocks in use; the
 *                  union is 8) | freeblock (8: the first free block, a
 *                  list through the blocks, NULL when the pool is full)
 *                  | nextpool (8) prevpool (8) | arenaindex (4: the
 *                  arena's index in the interpreter's arenas array, the
 *                  same for every pool of an arena) | szidx (4: block
 *                  size (szidx + 1) * 16, 32 classes) | nextoffset (4:
 *                  the first block never handed out) | maxnextoffset (4:
 *                  POOL_SIZE - block size). A pool with count 0 is empty
 *                  (on its arena's freepools list: any class may take it).
 *
 * A header is taken for a pool only when all of these agree: szidx <
 * 32, maxnextoffset == POOL_SIZE - size, nextoffset a whole number of
 * blocks past the header and at most POOL_SIZE, count no more than the
 * blocks handed out, freeblock NULL (then the pool is full) or a block
 * of this pool, and the arenaindex the same as the other pools' of its
 * arena. The blocks of a pool: (POOL_SIZE - 48) / size; in use: count;
 * free: the rest (as sys._debugmallocstats() counts "avail blocks").
 *
 * CPython's arenas table (struct arena_object[]: address (8),
 * pool_address (8), nfreepools (4), ntotalpools (4), freepools,
 * nextarena, prevarena (8 each): 48 bytes; a static pointer in 3.11,
 * in _PyRuntime's obmalloc state since 3.12) is then looked for: a word
 * of the python's data or bss pointing to an array whose entries at the
 * first and last arenas' indexes describe them. When found, every arena
 * takes its exact bounds from its entry, and the pools of an arena with
 * no matching entry are not counted.
 *
 * Only processes that map a python or libpython file are searched, in
 * their anonymous read-write regions, one header read per pool. The
 * version comes from that file's name (python3.11, libpython3.11.so),
 * or, from 3.13 on, from _Py_DebugOffsets (cookie "xdebugpy", then
 * PY_VERSION_HEX) in its data.
 */
#ifndef FX_PYMALLOC_H
#define FX_PYMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct fx_maps;

/*
 * One arena as found: its bounds from CPython's arenas table (exact), or
 * else from the first pool seen in it to the end of the last, or, when
 * more, as far as an arena reaches past its first pool (ARENA_SIZE -
 * POOL_SIZE), short of the next arena found.
 */
struct fx_pym_arena {
	uint64_t start, end;
	uint32_t index;		/* arenaindex */
	uint32_t pools, empty;	/* pools seen; of them empty */
	int exact;		/* start and end from CPython's arenas table */
};

/*
 * The pymalloc state of one process. fx_pymalloc_init(),
 * fx_pymalloc_walk(), read, fx_pymalloc_release().
 */
struct fx_pymalloc {
	int found_python;		/* a python file is mapped */
	int major, minor;		/* 0.0: not known */
	uint64_t debug_offsets;		/* _Py_DebugOffsets' address, or 0 */
	uint64_t table;			/* CPython's arenas table, or 0 */
	unsigned pool_size, arena_size;	/* as found (0: no pool) */
	struct fx_pym_arena *arenas;	/* sorted by start */
	size_t narenas;
	struct fx_chunk_hist *hist;	/* per block size; arena 0, type 0 */
	size_t nhist;
	uint64_t pools, empty_pools;	/* empty: count 0, free to any class */
	uint64_t budget;		/* header reads (default 1 << 24) */
	char note[320];			/* version, what cannot be named */
	/* private */
	size_t acap;
};

void fx_pymalloc_init(struct fx_pymalloc *pm);
void fx_pymalloc_release(struct fx_pymalloc *pm);

/*
 * Find the pymalloc pools of the process src reads (m: its map) and
 * count their blocks: pm->hist, pm->arenas. 0 (no arena: pm->note says
 * why) or -ENOMEM.
 */
int fx_pymalloc_walk(struct fx_pymalloc *pm, const struct fx_maps *m,
		     struct fx_heap_src *src);

/*
 * Check the 48-byte pool header h of a pool of pool_size bytes (4096 or
 * 16384) at address addr: 1 when it is a pool in use or empty, with
 * *size, *inuse and *free (blocks) set, else 0.
 */
int fx_pymalloc_pool(const unsigned char *h, uint64_t addr,
		     unsigned pool_size, unsigned *size, unsigned *inuse,
		     unsigned *free);

#endif
