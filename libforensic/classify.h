/*
 * classify: what every region of a process is (the `class` and `detail`
 * columns), from /proc, the ELF files it maps, the glibc malloc
 * structures in its memory (heap.h) and its threads' stack pointers
 * (threads.h). The engine of the `classify` command.
 *
 * Reading a live process goes through fx_livesrc (livesrc.h): every read
 * is checked against /proc/PID/pagemap first (a page not present is never
 * touched, so the target's RSS does not grow), regions whose VmFlags say
 * io, pf, um, uw or ui, [vvar*] and /secretmem are never read, and
 * nothing is written or stopped.
 */
#ifndef FX_CLASSIFY_H
#define FX_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "heap.h"
#include "jvm.h"

struct fx_maps;
struct fx_region;
struct fx_proc;
struct fx_thread;
struct fx_mallocng;
struct fx_pymalloc;

enum fx_class {
	FX_C_ANON,
	FX_C_HEAP,
	FX_C_ARENA,
	FX_C_ARENA_RESERVE,
	FX_C_STACK,
	FX_C_THREAD_STACK,
	FX_C_GUARD,
	FX_C_MMAP_CHUNK,
	FX_C_MUSL_HEAP,
	FX_C_PYMALLOC,
	FX_C_JVM_HEAP,
	FX_C_JVM_METASPACE,
	FX_C_JVM_CODECACHE,
	FX_C_JIT,
	FX_C_CODE,
	FX_C_RODATA,
	FX_C_DATA,
	FX_C_BSS,
	FX_C_FILE,
	FX_C_SHM,
	FX_C_VDSO,
	FX_C_VVAR,
	FX_C_VSYSCALL,
	FX_C_JEMALLOC,		/* other allocators' labelled memory (alloc.h) */
	FX_C_TCMALLOC,
	FX_C_MIMALLOC,
	FX_NCLASSES
};

/* The `class` column text of c (DESIGN.md), or "-". */
const char *fx_class_name(enum fx_class c);

/*
 * fx_file_fn for a live process (ctx: its struct fx_proc): reads
 * /proc/PID/map_files/START-END (when kerndat.h says it opens), else
 * /proc/PID/root/NAME, each opened by
 * fx_safe_open (a regular file only; never blocks). What is at NAME may
 * not be what was mapped: it is read only when its dev:inode are the
 * maps line's, else -ESTALE.
 */
long fx_proc_file_read(void *ctx, const struct fx_region *r, uint64_t off,
		       void *buf, size_t len);

/* The class of one region, and a line of detail. */
struct fx_regclass {
	enum fx_class cls;
	int tid;		/* thread-stack or its guard: the owner */
	int heap;		/* heap or arena: index in hs.heaps, or -1 */
	char detail[200];
};

/* What classify learnt about a process. Embed, fx_classify_init(). */
struct fx_classify {
	const struct fx_maps *m;	/* borrowed */
	struct fx_regclass *rc;		/* one per region of m */
	struct fx_heapscan hs;
	int have_glibc;			/* hs is usable */
	char glibc_note[160];		/* why not, or the version found */
	const struct fx_thread *t;	/* borrowed */
	size_t nt;
	struct fx_typetab *types;	/* C++ type names (private) */
	struct fx_jvm jvm;		/* a HotSpot JVM's layout, if any */
	struct fx_mallocng *mng;	/* musl's mallocng walked, or NULL */
	struct fx_pymalloc *pym;	/* CPython's pymalloc, or NULL */
	char **stacks;			/* per thread of t: its stack
					 * (fx_classify_stacks), or NULL */
	struct fx_alloc alloc;		/* the allocator serving malloc */
	size_t nlabelled;		/* regions alloc labelled */
	int label_cut;			/* labelling hit its bound */
	unsigned long long starttime;	/* the process's start time for
					 * the records' starttime column
					 * (stat field 22), 0 unknown: the
					 * caller sets it */
	int changed;			/* the caller's: a live heap looked
					 * at again and again stopped at
					 * another place each time (in use,
					 * not corrupt): fx_classify_notes
					 * says so */
};

void fx_classify_init(struct fx_classify *c);
void fx_classify_release(struct fx_classify *c);

/*
 * Classify every region of m. src (may be NULL: /proc-level classes only)
 * reads the process's memory; file (may be NULL) its mapped files; t, nt
 * its threads (may be NULL, 0). Fills c->rc, and c->hs when the glibc
 * malloc structures were found; without glibc's arenas, c->mng when a
 * musl mallocng heap is (mallocng.h); c->pym when a python is mapped
 * (pymalloc.h). Returns 0 or -ENOMEM.
 */
int fx_classify_run(struct fx_classify *c, const struct fx_maps *m,
		    struct fx_heap_src *src, fx_file_fn file, void *file_ctx,
		    const struct fx_thread *t, size_t nt);

/*
 * One line on the allocator: its name, the evidence, what was labelled
 * ("malloc: jemalloc 5.3.0 (malloc from libjemalloc.so.2...); 3 regions
 * labelled jemalloc").
 */
void fx_classify_alloc_note(const struct fx_classify *c, char *out,
			    size_t len);

/*
 * Can --chunks not count this process's malloc heap (an allocator it
 * does not walk, or musl's heap not found)? 1 with msg the one line to
 * say, else 0.
 */
int fx_classify_unwalked(const struct fx_classify *c, char *msg,
			 size_t len);

/*
 * Walk the heaps found by fx_classify_run: c->hs.hist and c->hs.bad.
 * In-use chunks whose first word is a vtable pointer get a type id;
 * fx_classify_type_name gives its name. 0 or -ENOMEM.
 */
int fx_classify_chunks(struct fx_classify *c, struct fx_heap_src *src);

/* The name of a type id from the chunk histogram ("-" for 0). */
const char *fx_classify_type_name(const struct fx_classify *c, uint32_t id);

struct fx_memsrc;
struct fx_proc;
struct fx_freeze_opts;
struct fx_buf;

/*
 * Looks at a live heap that a walk found corrupt (the tool looks again,
 * map and memory afresh): where each stopped, and in which map. A heap
 * whose every look stopped at another place, or in another map, is in
 * use, not corrupt (c->changed). Zero it before the first look.
 */
struct fx_classify_looks {
	unsigned n;		/* looks taken */
	int moved;		/* each one unlike the one before it */
	uint64_t place, map;	/* where the last stopped (0: it did not),
				 * its map's bounds hashed */
};

/* Record the look c just took over m. */
void fx_classify_looked(struct fx_classify_looks *l,
			const struct fx_classify *c, const struct fx_maps *m);

/*
 * What the user should hear about c (pid's), one line each appended to
 * out: a JVM whose tables could not be read, corrupt heap metadata
 * (glibc's, musl mallocng's), and with verbose the JVM, mallocng and
 * pymalloc notes. 1 when a line tells of a problem (exit 1), 0, or
 * -ENOMEM.
 */
int fx_classify_notes(const struct fx_classify *c, int pid, int verbose,
		      struct fx_buf *out);

/*
 * Unwind the call stack of every thread of c (c run over ms) that has
 * registers (stack.h: libdwfl over ms's memory and mapped files):
 * c->stacks, which fx_classify_write_threads writes in its stack column
 * ("-" for a thread without registers). With fo, on a live ms (p its
 * process), the registers are read first in a freeze (fo's checks), the
 * stop as short as the reads (fx_stack_regs_frozen). Lines for the user
 * go to msg: the pause, why the freeze was refused, why there are no
 * stacks. 0; -EIO no stacks (libdwfl could not be set up); the freeze's
 * negative errno (refused: -ECANCELED); -ENOMEM.
 */
int fx_classify_stacks(struct fx_classify *c, struct fx_memsrc *ms,
		       struct fx_proc *p, const struct fx_freeze_opts *fo,
		       struct fx_buf *msg);

/* The stack region of thread t (index in c->m), or -1. */
long fx_classify_thread_stack(const struct fx_classify *c,
			      const struct fx_thread *t);

struct fx_writer;

/*
 * Write the region records of c->m with `class` and `detail` added
 * before `name` (sets w's columns). 0 or a negative errno.
 */
int fx_classify_write_regions(const struct fx_classify *c,
			      struct fx_writer *w, int pid);

/*
 * Write the chunk histogram (pid arena size inuse free inuse_bytes
 * free_bytes type): glibc's chunks, musl mallocng's slots (arena: the
 * malloc context; type '-', or 'mallocng-group' for slots holding a
 * nested group), pymalloc's blocks (arena '-', type 'pymalloc'); then
 * one record per corruption found, its type "corrupt at ADDR: reason".
 * Sorts c->hs.hist. 0 or a negative errno.
 */
int fx_classify_write_chunks(struct fx_classify *c, struct fx_writer *w,
			     int pid);

/* Write the thread records (pid tid comm stack_start stack_end
 * stack_size stack_rss). 0 or a negative errno. */
int fx_classify_write_threads(const struct fx_classify *c,
			      struct fx_writer *w, int pid);

/*
 * Does the capture ms (not a live process) lack libc's bytes or file, so
 * that c (run over it) found no malloc heaps? 1 with msg saying so in
 * one line (the reason, then where it failed), else 0.
 */
struct fx_memsrc;
int fx_classify_libc_missing(const struct fx_classify *c,
			     struct fx_memsrc *ms, char *msg, size_t len);

/* Write totals per class (pid regions size rss inuse_bytes free_bytes
 * class); in-use and free bytes for heap and arena after a chunk walk.
 * 0 or a negative errno. */
int fx_classify_write_summary(const struct fx_classify *c,
			      struct fx_writer *w, int pid);

#endif
