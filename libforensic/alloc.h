/*
 * alloc: which malloc serves a process, and the big reservations of the
 * allocators whose heaps we do not walk, labelled by signatures that are
 * validated before a region is given to them.
 *
 * Naming. The dynamic linker resolves malloc to the first object of its
 * search list that defines it: the executable, then LD_PRELOAD's
 * libraries, then the DT_NEEDED ones breadth first. That list is the
 * link map, read from the target's memory: glibc's ld.so exports
 * _r_debug, musl's libc.so _dl_debug_addr (a pointer to the same
 * struct); r_debug.r_map (at 8) heads a chain of link_map { l_addr,
 * l_name, l_ld, l_next... } whose l_ld (the object's dynamic section)
 * falls in one of its mappings. Each object's .dynsym (from its file)
 * says whether it defines malloc, and the definer's symbols say what it
 * is: gnu_get_libc_version (glibc), mallctl, je_mallctl or
 * _rjem_mallctl (jemalloc), tc_malloc (gperftools' tcmalloc),
 * MallocExtension_Internal_GetStats (Google's tcmalloc), mi_malloc
 * (mimalloc), _dl_debug_addr or __malloc_context (musl). A first definer
 * that is none of these (a wrapper passing the call on: a profiler,
 * glibc's libc_malloc_debug) yields to the next definer that is one. A
 * static executable is read through its .symtab; a Go program by its
 * .go.buildinfo section ("\xff Go buildinf:"), a Rust one by its
 * .comment ("rustc version X.Y.Z") or its symbols (__rust_alloc,
 * rust_begin_unwind; __rg_alloc: its own #[global_allocator]). Without
 * the link map (a capture without ld.so's pages) objects are taken in
 * address order, an allocator library before libc, and the name says
 * the order was guessed.
 *
 * Versions: jemalloc's "X.Y.Z-N-g<40 hex>" string, gperftools'
 * "gperftools X.Y", mimalloc's mi_version() (its code is "mov eax, V;
 * ret": V = major*100 + minor*10 + patch), musl's "X.Y.Z" beside the
 * "Version %s" of its ldd mode, Go's buildinfo version; all read from the
 * mapped file, never from the target's memory. A Go program whose
 * malloc is libc's (cgo) is said to keep its objects in the Go runtime's
 * heap.
 *
 * Labelling (nothing is walked: what is validated is said):
 *   jemalloc 5   base blocks (metadata), mapped at 2 MiB (HUGEPAGE)
 *                alignment: base_block_t { size (a multiple of 2 MiB),
 *                next (0 or 2 MiB aligned), edata_t { e_bits, e_addr,
 *                e_bsize } } whose e_addr + e_bsize is the block's end;
 *                then the edata_t records in the blocks' used part:
 *                { e_bits, e_addr (page aligned, or a cache line into
 *                its first page: a large extent's random offset),
 *                e_size_esn (size in the page bits, a serial below) },
 *                each naming an extent inside one mapping.
 *   tcmalloc     (gperftools, 8 KiB pages) Span { start (page number:
 *                address >> 13), length (pages), next, prev (0 or
 *                pointers into mapped memory) } records anywhere in its
 *                memory; each names the pages of a span.
 *   mimalloc 2   segments at 32 MiB alignment whose mi_segment_t
 *                validates: used (208) <= slice_entries (248) <=
 *                segment_slices (224) (512 for a normal segment, kind
 *                (240) 0; more for a huge one, kind 1), segment_info_
 *                slices (232) in 1..segment_slices, thread_id (256) 0 or
 *                inside a mapping. A segment is segment_slices * 64 KiB.
 *   musl         (where mallocng.c's walk finds no context: a capture
 *                missing its data) mallocng's meta areas, page aligned
 *                { check, next, nslots, struct meta[nslots] of 40
 *                bytes { prev, next,
 *                mem, avail_mask, freed_mask, last_idx:5 freeable:1
 *                sizeclass:6 maplen:52 } }: a meta whose group points
 *                back at it (group->meta, the group's first word) names
 *                the group's bytes (maplen pages, or its slots); the brk
 *                heap holding the meta areas is musl's.
 * A region is the allocator's when at least half of it is covered.
 */
#ifndef FX_ALLOC_H
#define FX_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "jvm.h"

struct fx_maps;

enum fx_alloc_id {
	FX_ALLOC_UNKNOWN,	/* no definer of malloc found */
	FX_ALLOC_GLIBC,
	FX_ALLOC_JEMALLOC,
	FX_ALLOC_TCMALLOC,	/* gperftools */
	FX_ALLOC_TCMALLOC_GOOGLE,
	FX_ALLOC_MIMALLOC,
	FX_ALLOC_MUSL_OLD,	/* musl's oldmalloc (before 1.2.1) */
	FX_ALLOC_MUSL_NG,	/* musl's mallocng (1.2.1 on) */
	FX_ALLOC_MUSL,		/* musl, which malloc not told */
	FX_ALLOC_GO,		/* the Go runtime's own heap */
	FX_ALLOC_OTHER,		/* malloc from an object not recognised */
	FX_ALLOC_NIDS
};

/* What fx_alloc_identify found. */
struct fx_alloc {
	enum fx_alloc_id id;
	char version[48];	/* "5.3.0", "" when not read */
	char name[96];		/* "jemalloc 5.3.0", "musl 1.2.3 mallocng" */
	char how[240];		/* the evidence, one line */
	char lib[64];		/* base name of the object defining malloc */
	int preloaded;		/* it comes before libc in the load order */
	int rust;		/* a Rust program */
};

/*
 * Say which allocator serves the process of m: src (may be NULL) reads
 * its memory (the link map), file (may be NULL) its mapped files. Fills
 * a (always: FX_ALLOC_UNKNOWN with how saying why). 0 or -ENOMEM.
 */
int fx_alloc_identify(struct fx_alloc *a, const struct fx_maps *m,
		      struct fx_heap_src *src, fx_file_fn file, void *fctx);

/* Set a->version and a->name after the fact (glibc's version is read by
 * classify); version may be "". */
void fx_alloc_set_version(struct fx_alloc *a, const char *version);

/*
 * THE ONE PLACE that says whether `classify --chunks` can walk the heap
 * of allocator a: 1 for glibc (heap.c) and musl mallocng (mallocng.c).
 * Anything else: 0, and --chunks says so (fx_alloc_unwalkable) instead
 * of printing an empty histogram.
 */
int fx_alloc_walkable(const struct fx_alloc *a);

/* Is glibc's malloc the one to look for (glibc named, or nothing
 * named: as before, its heaps are looked for)? */
int fx_alloc_is_glibc(const struct fx_alloc *a);

/* The one line --chunks prints for an allocator it cannot walk. */
void fx_alloc_unwalkable(const struct fx_alloc *a, char *msg, size_t len);

/* The `class` of a's labelled regions ("jemalloc"...), or NULL when a's
 * regions are not labelled (glibc has its own classes). */
const char *fx_alloc_class(const struct fx_alloc *a);

/* What labelling found in one region. */
struct fx_alloc_label {
	uint64_t bytes;		/* bytes validated as the allocator's */
	uint32_t items;		/* extents, spans, segments, groups */
	uint32_t meta;		/* metadata blocks: base blocks, meta areas */
};

/*
 * Label the regions of m that cand[i] (non-zero) allows: out[i] (m->n
 * entries, zeroed here) gets the bytes of region i the allocator's
 * validated records cover. Reads only through src, at most 1 GiB of
 * whole pages (a tcmalloc process's are all scanned): 0, 1 when that
 * bound left regions unscanned, or -ENOMEM.
 */
int fx_alloc_label(const struct fx_alloc *a, const struct fx_maps *m,
		   struct fx_heap_src *src, const unsigned char *cand,
		   struct fx_alloc_label *out);

/* What a's labelled items are called ("extents", "spans"...), and its
 * metadata blocks ("base blocks", "meta areas"). */
const char *fx_alloc_items(const struct fx_alloc *a);
const char *fx_alloc_meta(const struct fx_alloc *a);

/*
 * The version string of allocator id in len bytes of its file (buf):
 * jemalloc, gperftools, musl (see above). 0 with out set, or -ENOENT.
 */
int fx_alloc_version_in(enum fx_alloc_id id, const char *buf, size_t len,
			char *out, size_t outlen);

/* Go's version from the bytes of a .go.buildinfo header (at buf); 0 or
 * -ENOENT. */
int fx_go_buildinfo(const char *buf, size_t len, char *out, size_t outlen);

#endif
