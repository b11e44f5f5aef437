/*
 * maps: the parser of /proc/PID/maps, /proc/PID/smaps and
 * /proc/PID/smaps_rollup text, and the region record.
 *
 * The text, as Linux 6.x writes it (fs/proc/task_mmu.c):
 *
 *   55d0c8a00000-55d0c8a21000 rw-p 00000000 00:00 0          [heap]
 *   Size:                132 kB
 *   KernelPageSize:        4 kB
 *   ...
 *   VmFlags: rd wr mr mw me ac sd
 *
 * A header line is "start-end perms offset major:minor inode", then, when
 * the region has a name, spaces up to column 73 and the name: a path (a
 * newline in it escaped as "\012", " (deleted)" appended when the file was
 * unlinked), or "[heap]", "[stack]", "[vdso]", "[anon:NAME]"... The smaps
 * text follows each header with "Key: value [kB]" lines; keys come and go
 * with kernel versions (Pss_Dirty 6.0, SwapPss 4.3, ...), so a missing key
 * is reported as missing, never as zero. maps text is headers alone.
 * smaps_rollup is one header (named "[rollup]") with summed fields.
 */
#ifndef FX_MAPS_H
#define FX_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The smaps fields, in kernel order. Values are stored in bytes. */
enum fx_field {
	FX_F_SIZE,
	FX_F_KERNEL_PAGE_SIZE,
	FX_F_MMU_PAGE_SIZE,
	FX_F_RSS,
	FX_F_PSS,
	FX_F_PSS_DIRTY,
	FX_F_PSS_ANON,
	FX_F_PSS_FILE,
	FX_F_PSS_SHMEM,
	FX_F_SHARED_CLEAN,
	FX_F_SHARED_DIRTY,
	FX_F_PRIVATE_CLEAN,
	FX_F_PRIVATE_DIRTY,
	FX_F_REFERENCED,
	FX_F_ANONYMOUS,
	FX_F_KSM,
	FX_F_LAZYFREE,
	FX_F_ANON_HUGE,
	FX_F_SHMEM_PMD,
	FX_F_FILE_PMD,
	FX_F_SHARED_HUGETLB,
	FX_F_PRIVATE_HUGETLB,
	FX_F_SWAP,
	FX_F_SWAP_PSS,
	FX_F_LOCKED,
	FX_F_THP_ELIGIBLE,	/* a count, not kB */
	FX_F_PROTECTION_KEY,	/* a number, not kB */
	FX_NFIELDS
};

/* The cheap, /proc-only label of a region (the `kind` column). */
enum fx_kind {
	FX_KIND_FILE,
	FX_KIND_ANON,
	FX_KIND_HEAP,
	FX_KIND_STACK,
	FX_KIND_VDSO,
	FX_KIND_VVAR,
	FX_KIND_VSYSCALL,
	FX_KIND_SHM,
	FX_KIND_MEMFD,
	FX_KIND_DELETED,
	FX_KIND_GUARD,
	FX_KIND_NONE,		/* a [rollup] record */
};

/* VmFlags worth a bit: those that decide whether a region may be read. */
#define FX_VM_DD (1u << 0)	/* MADV_DONTDUMP */
#define FX_VM_IO (1u << 1)	/* I/O mapping: never read */
#define FX_VM_PF (1u << 2)	/* pure PFN range */
#define FX_VM_UM (1u << 3)	/* userfaultfd missing */
#define FX_VM_UW (1u << 4)	/* userfaultfd wr-protect */
#define FX_VM_UI (1u << 5)	/* userfaultfd minor */
#define FX_VM_HT (1u << 6)	/* hugetlb */
#define FX_VM_NR (1u << 7)	/* MAP_NORESERVE */
#define FX_VM_DC (1u << 8)	/* MADV_DONTFORK: not in a fork */
#define FX_VM_WF (1u << 9)	/* MADV_WIPEONFORK: empty in a fork */

struct fx_region {
	uint64_t start, end, offset, inode;
	unsigned int dev_major, dev_minor;
	char perms[5];
	enum fx_kind kind;
	uint64_t v[FX_NFIELDS];	/* bytes (counts for THP/pkey) */
	uint64_t have;		/* bit i set when field i was present */
	unsigned int vmflags;	/* FX_VM_* bits */
	int has_vmflags;
	const char *vmflags_text; /* as the kernel wrote it, NUL-terminated */
	const char *name;	/* unescaped bytes, NUL-terminated */
	size_t name_off, vmflags_off; /* private: offsets in the pool */
	size_t name_len;	/* may hold '\n', so use this, not strlen */
};

/*
 * Does r map a file? Its inode says so; a core's mapping whose file is
 * not on this machine has none (NT_FILE holds only the path), but its
 * kind (a path) still says so: such a region is not anonymous memory.
 */
static inline int fx_region_is_file(const struct fx_region *r)
{
	return r->inode || r->kind == FX_KIND_FILE ||
	       r->kind == FX_KIND_DELETED;
}

/*
 * A parsed maps/smaps text. Embed, fx_maps_init(), parse, then
 * fx_maps_release(). Region strings live in the struct's own pool.
 */
struct fx_maps {
	struct fx_region *r;
	size_t n, cap;
	int is_smaps;		/* any "Key:" line seen */
	unsigned long overlaps;	/* regions starting before the previous end */
	struct fx_buf pool;
	/* private: the state of fx_maps_feed between calls */
	uint64_t prev_end;	/* end of the last region parsed, 0: none */
	unsigned long lineno;	/* lines fed so far */
	int hint, ended;
	struct fx_buf part;	/* a line cut at the end of the last piece */
	size_t pointed;		/* regions whose name pointers are set... */
	const char *pointed_pool; /* ...into this pool.data */
};

void fx_maps_init(struct fx_maps *m);
void fx_maps_release(struct fx_maps *m);

/*
 * Parse maps, smaps or smaps_rollup text (buf, len; no NUL needed) and
 * append its regions to m. Returns 0, -ENOMEM, or -EBADMSG with err set to
 * the line number and what is wrong with it. Regions appended before the
 * error stay in m.
 */
int fx_maps_parse(struct fx_maps *m, const char *buf, size_t len,
		  struct fx_err *err);

/*
 * Streaming: parse a text that arrives in pieces (as it is read), cut
 * anywhere, even inside a line. Complete lines are parsed at once, a cut
 * line when its end arrives; line numbers run on across calls, and the
 * result is that of fx_maps_parse on the whole text. Regions are appended
 * to m as with fx_maps_parse (do not mix the two on one m). Returns 0,
 * -ENOMEM, or -EBADMSG with err set (then feed no more of this text).
 */
int fx_maps_feed(struct fx_maps *m, const char *buf, size_t len,
		 struct fx_err *err);

/*
 * The end of a text fed with fx_maps_feed: a last line without '\n' is
 * parsed, and every region is complete. A later fx_maps_feed starts a new
 * text (line 1). Returns like fx_maps_feed.
 */
int fx_maps_feed_end(struct fx_maps *m, struct fx_err *err);

/*
 * How many regions at the front of m are complete: all of them after
 * fx_maps_feed_end, else all but the last (more of its "Key:" lines may
 * come with the next piece).
 */
size_t fx_maps_complete(const struct fx_maps *m);

/*
 * Forget the first k regions (at most m->n), e.g. once written out, so
 * that a text of any size is parsed in bounded memory. The others move to
 * the front of m->r; their name and vmflags_text pointers stay valid.
 */
void fx_maps_drop(struct fx_maps *m, size_t k);

/* The kind of a region from its name, perms and numbers alone. */
enum fx_kind fx_region_kind(const char *name, size_t name_len,
			    const char *perms);

/* The `kind` column text of k ("file", "anon", ... or "-"). */
const char *fx_kind_name(enum fx_kind k);

/* The canonical region columns, in order (DESIGN.md), and their count. */
extern const char *const fx_region_cols[];
extern const size_t fx_region_ncols;

/* The index of the first region of m (sorted) ending after addr, or m->n. */
size_t fx_region_after(const struct fx_maps *m, uint64_t addr);

struct fx_reader;
struct fx_writer;

/*
 * Where the region columns stand in the header of region records r reads
 * (dump-region's `file` too): their indexes in r's fields, -1 for one the
 * header lacks, and every one -1 when r is NULL (no header yet). For the
 * readers of region records; look them up again when r->hdr_changed.
 */
struct fx_region_colidx {
	int pid, start, end, perms, offset, dev, inode, vmflags, name, file;
};
void fx_region_colidx(struct fx_region_colidx *c, const struct fx_reader *r);

/*
 * Write r as one region record of pid (pid < 0 writes "-") to w, whose
 * columns must be fx_region_cols; starttime is the process's start time
 * in clock ticks after boot (stat field 22), 0 when unknown ("-"). 0 or a
 * negative errno.
 */
int fx_region_write(struct fx_writer *w, long pid, unsigned long long starttime,
		    const struct fx_region *r);

/*
 * Region records with n more columns before `name` (classify's `class
 * detail`, schema.h): fx_region_columns_with sets w's columns,
 * fx_region_write_with writes r with the raw texts extra[0..n) in them.
 * 0 or a negative errno.
 */
int fx_region_columns_with(struct fx_writer *w, const char *const *names,
			   size_t n);
int fx_region_write_with(struct fx_writer *w, long pid,
			 unsigned long long starttime,
			 const struct fx_region *r, const char *const *extra,
			 size_t n);

#endif
