/*
 * heap: the glibc malloc structures of another process, read through a
 * bounded reader, without debug symbols.
 *
 * What is read (x86_64, glibc 2.26 to 2.39; the layout is chosen by
 * version and then checked against the bytes, never assumed):
 *
 *   chunk          prev_size (8) | size (8, low bits PREV_INUSE 1,
 *                  IS_MMAPPED 2, NON_MAIN_ARENA 4) | user data...
 *                  A chunk is free when the next chunk's PREV_INUSE bit
 *                  is clear, or when it sits in a tcache or fastbin list
 *                  (those keep PREV_INUSE set).
 *   malloc_state   mutex (4) flags (4) have_fastchunks (4, 2.27+) pad,
 *                  fastbinsY[10] at 16, top at 96, last_remainder at 104,
 *                  bins[254] at 112, binmap[4] at 2144, next at 2160,
 *                  next_free, attached_threads, system_mem at 2184,
 *                  max_system_mem: 2200 bytes. An empty bin i points to
 *                  itself: bins[2i-2] == bins[2i-1] == &bins[2i-2] - 16.
 *                  That self-reference over 127 bins is the signature that
 *                  checks the layout and tells an arena from other bytes.
 *   heap_info      ar_ptr, prev, size, mprotect_size, pagesize (2.35+),
 *                  pad: 48 bytes (32 before 2.35), at the start of every
 *                  non-main heap, which is aligned to HEAP_MAX_SIZE (64
 *                  MiB) and followed by its PROT_NONE reserve. The first
 *                  heap of an arena holds the malloc_state right after the
 *                  heap_info, then the first chunk (16-aligned).
 *   tcache         tcache_perthread_struct: counts[64] (uint16_t since
 *                  2.30, char before), entries[64]: one in-use chunk per
 *                  thread. Its lists and the fastbin lists are singly
 *                  linked through the first word of the user data,
 *                  mangled since 2.32 (safe-linking): stored =
 *                  (address of the word >> 12) ^ pointer.
 *
 * main_arena has no exported symbol: it is the arena list member that is
 * not inside a heap, or, in a process with no other arena, found in libc's
 * writable data by its signature (next == itself, bins self-referencing,
 * top inside [heap]).
 *
 * Every byte comes through fx_heap_src (hostile input: the target may
 * have corrupted its heap), every walk has a step budget, and corruption
 * is reported as data: a struct fx_heap_bad with the address.
 */
#ifndef FX_HEAP_H
#define FX_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct fx_maps;
struct fx_region;

/* The layout of one glibc version's malloc structures (64-bit). */
struct fx_glibc {
	int major, minor;
	unsigned info_size;	/* sizeof(heap_info) */
	unsigned arena_size;	/* sizeof(struct malloc_state) */
	unsigned off_fastbins, nfastbins, off_top, off_bins, off_next;
	unsigned off_system_mem;
	unsigned tcache_size;	/* chunk size of tcache_perthread_struct */
	unsigned tcache_count_size; /* 1 or 2 bytes per count */
	int safe_linking;
	uint64_t heap_max;	/* HEAP_MAX_SIZE */
};

/*
 * Fill g with the layout of glibc major.minor. 0, or -ENOTSUP for a
 * version outside the checked range (2.26 to 2.39).
 */
int fx_glibc_layout(struct fx_glibc *g, int major, int minor);

/*
 * Find the glibc version in the bytes of a libc file (buf, len): the
 * banner "release version X.Y" or, failing that, the highest "GLIBC_X.Y"
 * version name. 0 with *major, *minor set, or -ENOENT.
 */
int fx_glibc_version(const char *buf, size_t len, int *major, int *minor);

/*
 * Where the walker's bytes come from. read copies len bytes of the target
 * at addr into buf and returns 0, or a negative errno when any of them is
 * unreadable (-EFAULT: outside what the source holds, or a page not
 * present). It must never fault a page in.
 */
struct fx_heap_src {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/*
 * Read len bytes at addr into buf a page (4096 bytes) at a time; a page
 * that cannot be read is zeros. The number of pages read.
 */
size_t fx_heap_read_pages(struct fx_heap_src *src, uint64_t addr, void *buf,
			  size_t len);

/* One arena (struct malloc_state) as read. */
struct fx_arena {
	uint64_t addr;
	uint64_t top, top_size;
	uint64_t next;
	uint64_t system_mem;
	uint64_t fastbins[10];
	int is_main;
	unsigned nheaps;
};

/* One stretch of chunks: the main [heap], or one non-main heap. */
struct fx_heap {
	uint64_t start, end;	/* the rw region */
	uint64_t reserve_end;	/* end of its PROT_NONE tail (= end if none) */
	uint64_t first;		/* first chunk */
	uint64_t size;		/* heap_info.size (main: end - start) */
	uint64_t ar_ptr;	/* heap_info.ar_ptr (main: the arena) */
	uint64_t walked;	/* how far the chunk walk got */
	int arena;		/* index in fx_heapscan.arenas */
	unsigned seq;		/* 1 = the arena's first heap */
};

/* Corruption found: where, and what (a short constant string). */
struct fx_heap_bad {
	uint64_t addr;
	int arena;		/* index, or -1 */
	const char *why;
};

/* One line of the chunk histogram. */
struct fx_chunk_hist {
	int arena;
	uint64_t size;
	uint32_t type;		/* 0: none; else the resolver's id */
	uint64_t inuse, free, inuse_bytes, free_bytes;
};

/*
 * Names the type of an in-use chunk from the first word of its user data
 * (a vtable pointer, for a C++ object): an id > 0, or 0 for none. Called
 * once per in-use chunk: keep it cheap (cache by word).
 */
typedef uint32_t (*fx_type_fn)(void *ctx, uint64_t word);

/*
 * The malloc state of one process. Embed, fx_heapscan_init(), run
 * fx_heapscan_find(), then fx_heapscan_chunks() if wanted, then
 * fx_heapscan_release().
 */
struct fx_heapscan {
	struct fx_glibc g;
	struct fx_arena *arenas;	/* main arena (if found) first */
	size_t narenas;
	struct fx_heap *heaps;		/* sorted by start */
	size_t nheaps;
	struct fx_heap_bad *bad;
	size_t nbad;
	struct fx_chunk_hist *hist;	/* after fx_heapscan_chunks */
	size_t nhist;
	uint64_t chunks;		/* chunks walked */
	uint64_t budget;		/* max list steps (default 1 << 22) */
	void *priv;
};

/* Prepare an empty scan with layout g (copied). */
void fx_heapscan_init(struct fx_heapscan *hs, const struct fx_glibc *g);

/* Free everything the scan holds. */
void fx_heapscan_release(struct fx_heapscan *hs);

/*
 * Find the arenas and heaps among the regions of m (a parsed maps or
 * smaps text of the process src reads): non-main heaps by their heap_info
 * at 64 MiB-aligned anonymous regions, the arena list through next, and
 * the main arena by that list or by its signature in the writable data
 * of the mapping whose name contains libc_hint (NULL: "libc"). Returns
 * 0 (possibly with no arena: not a glibc malloc process, or one that
 * never called malloc), -ENOMEM. Corruption found goes to hs->bad.
 */
int fx_heapscan_find(struct fx_heapscan *hs, const struct fx_maps *m,
		     struct fx_heap_src *src, const char *libc_hint);

/*
 * Walk every heap's chunks and build hs->hist (in-use and free per arena,
 * size and type), counting tcache and fastbin members as free. type_fn
 * (may be NULL) names in-use chunks. A heap whose walk meets corrupt
 * metadata stops there with an entry in hs->bad; so does a list. Returns
 * 0 or -ENOMEM.
 */
int fx_heapscan_chunks(struct fx_heapscan *hs, struct fx_heap_src *src,
		       fx_type_fn type_fn, void *type_ctx);

/* The region of m holding addr (m sorted by address, as the kernel
 * lists them), or NULL. */
const struct fx_region *fx_region_at(const struct fx_maps *m, uint64_t addr);

/* The index in hs->heaps of the heap holding addr, or -1. */
int fx_heapscan_heap_at(const struct fx_heapscan *hs, uint64_t addr);

/*
 * Count the glibc mmapped chunks that tile [start, end) from its start
 * (the kernel merges adjacent anonymous mappings: a region may hold
 * several, and other memory after them). Returns their number (0: the
 * region does not start with one) and sets *bytes to the span they
 * cover.
 */
long fx_mmap_chunks(struct fx_heap_src *src, uint64_t start, uint64_t end,
		    uint64_t *bytes);

#endif
