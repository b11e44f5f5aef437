/*
 * mallocng: musl's malloc (mallocng, musl 1.2.1 and later; Alpine's),
 * walked from outside through a bounded reader, without debug symbols.
 *
 * What is read (x86_64, where musl defines PAGESIZE 4096, so the context
 * has no pagesize field; musl 1.2.1 to 1.2.5 share this layout):
 *
 *   malloc_context (__malloc_context, hidden: in libc's or a static
 *                  executable's data or bss) secret (8) | init_done (4)
 *                  mmap_counter (4) | free_meta_head at 16 | avail_meta
 *                  24 | avail_meta_count 32 | avail_meta_area_count 40 |
 *                  meta_alloc_shift 48 | meta_area_head 56 |
 *                  meta_area_tail 64 | avail_meta_areas 72 | active[48]
 *                  at 80 | usage_by_class[48] at 464 | unmap_seq[32]
 *                  bounces[32] seq | brk at 920: 928 bytes. secret is
 *                  8 bytes of AT_RANDOM.
 *   meta_area      one 4096-aligned page: check (8, == the secret) |
 *                  next (8) | nslots (4, pad 4) | slots: 101 metas of
 *                  40 bytes. The areas form a list from meta_area_head.
 *   meta           prev, next (8 each: a circular list of the class's
 *                  groups) | mem (8: its group, 0 for a meta not in
 *                  use) | avail_mask (4) freed_mask (4) | one word:
 *                  last_idx (5 bits) freeable (1) sizeclass (6)
 *                  maplen (52, pages; 0 for a group nested in another
 *                  group's slot or donated from an ELF's spare data).
 *   group          meta (8, back to its meta) | active_idx (5 bits) | pad
 *                  to 16 | last_idx + 1 slots of one stride: UNIT (16)
 *                  times size_classes[sizeclass], or maplen * 4096 - 16
 *                  for a single-slot mapped group; sizeclass 63: one
 *                  mmapped allocation. A group nested in a slot of a
 *                  bigger class carries 6 in the top 3 bits of the byte
 *                  3 before it (the slot's "reserved" field).
 *
 * A slot is free when its bit is set in avail_mask (never handed out
 * since the group was activated) or freed_mask (freed); else in use.
 *
 * The context has no exported symbol: it is found by scanning the
 * writable data of the ELF files the process maps (and the anonymous bss
 * after them) for a context whose meta_area_head page's check equals its
 * secret. Every meta is then checked against its group (the group's meta
 * pointer back to it), its sizeclass, masks and lengths; what fails goes
 * to bad (an address and a reason), and the walk has a step budget.
 */
#ifndef FX_MALLOCNG_H
#define FX_MALLOCNG_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct fx_maps;

/* Memory mallocng holds: a group mapped on its own, or a meta area. */
struct fx_mng_span {
	uint64_t start, end;
	int meta;		/* 1: a meta area page, 0: a mapped group */
};

/*
 * The mallocng state of one process. Zero it (or fx_mallocng_init),
 * fx_mallocng_walk(), read, fx_mallocng_release().
 */
struct fx_mallocng {
	uint64_t ctx;			/* the context's address, 0: none */
	uint64_t secret;
	uint64_t areas, metas, groups, nested;	/* walked */
	struct fx_chunk_hist *hist;	/* by slot size; arena 0; type 0 a
					 * user slot, 1 a slot holding a
					 * nested group */
	size_t nhist;
	struct fx_mng_span *spans;	/* sorted by start */
	size_t nspans;
	struct fx_heap_bad *bad;	/* arena 0 */
	size_t nbad;
	uint64_t budget;		/* metas and areas (default 1 << 22) */
	char note[160];			/* what was found, or why not */
	/* private */
	size_t hcap, scap, bcap;
};

void fx_mallocng_init(struct fx_mallocng *mg);
void fx_mallocng_release(struct fx_mallocng *mg);

/*
 * Find the malloc context of the process src reads (m: its map) and walk
 * every meta area, meta and group: mg->hist (in-use and free slots per
 * slot size), mg->spans, mg->bad. 0 (mg->ctx 0 when there is no mallocng
 * heap: mg->note says so), or -ENOMEM.
 */
int fx_mallocng_walk(struct fx_mallocng *mg, const struct fx_maps *m,
		     struct fx_heap_src *src);

/* The name of a mallocng histogram type ("-" for user slots). */
const char *fx_mallocng_type_name(uint32_t type);

#endif
