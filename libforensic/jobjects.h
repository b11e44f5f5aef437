/*
 * jobjects: a HotSpot JVM's Java heap walked object by object from
 * outside, as its collector lays it out, into a class histogram (what
 * `jmap -histo` prints) with no attach, no agent and no safepoint: the
 * JVM's memory is only read (a live pid through the pagemap-gated reader,
 * a dump directory or a core alike: memsrc.h), through the vmStructs
 * tables libjvm.so exports (vmstructs.h), as the JDK's serviceability
 * agent reads a JVM.
 *
 * The walk, step by step (JDK 17 names):
 *  - the known classes: every Klass of every ClassLoaderData on
 *    ClassLoaderDataGraph::_head's list (ClassLoaderData::_klasses,
 *    Klass::_next_link; instance and array classes alike), each with its
 *    Klass::_layout_helper and Klass::_name. Only these are believed: an
 *    object header naming any other address is not parsed.
 *  - the spaces: G1: the regions of G1CollectedHeap::_hrm (its
 *    G1HeapRegionTable), by HeapRegionType tag: free and continues-
 *    humongous regions are skipped, a starts-humongous region holds one
 *    object (checked to fit the region and its continues-humongous
 *    successors), every other region is walked from _bottom to _top.
 *    Parallel: ParallelScavengeHeap::_old_gen's object space, then the
 *    young generation's eden, from and to MutableSpaces. Serial:
 *    GenCollectedHeap::_old_gen's space, then the DefNewGeneration's
 *    eden, from and to ContiguousSpaces. Each walked from bottom to top.
 *    ZGC, Shenandoah and Epsilon: not supported (said, nothing counted).
 *  - TLABs: each Java thread's ThreadLocalAllocBuffer (Thread::_tlab)
 *    between _top and its hard end (_end plus the alignment reserve:
 *    the larger of an int[] header and
 *    ThreadLocalAllocBuffer::_reserve_for_allocation_prefetch words,
 *    rounded up to the object alignment) holds no object yet: skipped.
 *  - an object: the mark word, then the class pointer (narrow: decoded
 *    with CompressedKlassPointers::_narrow_klass._base and _shift, when
 *    UseCompressedClassPointers; else a full pointer), looked up in the
 *    known classes. Its size: an instance's layout helper (bytes); a
 *    java.lang.Class mirror's oop_size field
 *    (java_lang_Class::_oop_size_offset, words); an array's header size
 *    from its layout helper plus its length (after the class pointer)
 *    shifted by the element size's log, rounded up to
 *    ObjectAlignmentInBytes. A size smaller than a header, misaligned,
 *    or running past the space's top is not believed.
 * What cannot be parsed (an unknown class pointer, a size not believed,
 * bytes not readable) ends the walk of that space: the bytes left are
 * counted and the place and reason kept, never guessed over. A live JVM
 * allocates and collects while it is read: a torn space shows there.
 *
 * Class names are jmap's: the Klass's name with '/' turned into '.'
 * ("java.util.HashMap$Node", "[B", "[Ljava.lang.Object;"), a hidden
 * class's "+0x..." suffix as "/0x...". Classes of one name from several
 * loaders are summed into one record.
 */
#ifndef FX_JOBJECTS_H
#define FX_JOBJECTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "jvm.h"

struct fx_maps;
struct fx_writer;

/* One class of the histogram. */
struct fx_jobj_class {
	char *name;		/* as jmap -histo names it (owned) */
	uint64_t count, bytes;
};

/* A place the walk stopped at, and why. */
struct fx_jobj_bad {
	uint64_t addr;		/* where */
	uint64_t left;		/* bytes of the space left unwalked */
	char why[120];
};

#define FX_JOBJ_NBAD 8

struct fx_jobj_visit;

/* What a caller may set before a walk (kept by fx_jobjects_release). */
struct fx_jobj_hooks {
	/* When set (by a signal handler), the walk ends early: o->interrupted. */
	volatile sig_atomic_t *stop;
	/* Called every few thousand objects with what was counted so far. */
	void (*progress)(void *arg, uint64_t objects, uint64_t bytes);
	void *arg;
	/* A visitor of every object counted (jholders.h), or NULL. */
	const struct fx_jobj_visit *visit;
	/* A second reader of the heap's bytes that another thread may use
	 * beside the walk's (fx_memsrc_heap2), or NULL: without a visitor,
	 * a big heap's spaces are then counted in two threads. */
	struct fx_heap_src *heap2;
	/* Called once after the JVM's classes and threads are read and
	 * before the first byte of the heap is (fx_jobjects_walk_src: the
	 * live map's late VmFlags, fx_memsrc_settle), or NULL: 0, or a
	 * negative errno that ends the walk (not ok, note said). */
	int (*settle)(void *ctx);
	void *settle_ctx;
	/* 1: every object counted the long way, without the walk's fast
	 * path (the tests compare; MEMFORENSIC_FALLBACK=walk_fast too). */
	int slow;
};

/* What the walk found. Embed, fx_jobjects_init(). */
struct fx_jobjects {
	struct fx_jobj_hooks hooks;	/* set by the caller */
	int interrupted;	/* hooks.stop ended the walk: partial */
	int ok;			/* the heap was walked (maybe in part) */
	int unsupported;	/* the collector cannot be walked (note) */
	char gc[16];		/* "G1", "Parallel", "Serial"... or "" */
	char note[240];		/* why not walked, when !ok */
	struct fx_jobj_class *c;	/* most bytes first */
	size_t nc;
	uint64_t klasses;	/* known classes */
	uint64_t objects, bytes;	/* counted */
	uint64_t spaces, space_bytes;	/* spaces walked, their used bytes */
	uint64_t tlabs, tlab_bytes;	/* TLAB unfilled parts skipped */
	/* space ends handed out but still all zero (no object yet) */
	uint64_t unfinished, unfinished_bytes;
	uint64_t nbad, bad_bytes;	/* walks cut short, bytes not walked */
	struct fx_jobj_bad bad[FX_JOBJ_NBAD];	/* the lowest addresses */
};

void fx_jobjects_init(struct fx_jobjects *o);
void fx_jobjects_release(struct fx_jobjects *o);

/*
 * Walk the Java heap of the JVM whose map is m, reading memory through
 * src and mapped files (libjvm.so's symbols) through file (fctx). o->ok
 * says whether it was walked, o->note why not (no libjvm.so, tables not
 * readable, a collector not supported: o->unsupported). 0, or -ENOMEM.
 */
int fx_jobjects_walk(struct fx_jobjects *o, const struct fx_maps *m,
		     struct fx_heap_src *src, fx_file_fn file, void *fctx);

/*
 * The walk with the vmStructs tables already read: v, and rs (the reader
 * of the JVM's structures: fx_jvm_reader_open) for the classes and the
 * collector's structures, heap for the objects' bytes. For tests and
 * fuzzing. 0 or -ENOMEM.
 */
struct fx_vmstructs;
int fx_jobjects_walk_tables(struct fx_jobjects *o,
			    const struct fx_vmstructs *v,
			    struct fx_heap_src *rs, struct fx_heap_src *heap);

/*
 * fx_jobjects_walk over ms; with fo on a live ms, under a freeze of p
 * (its process): stopped as fo says (fx_freeze_checked: refused where
 * dump-region would be), the map read again, walked, and let go before
 * this returns. msg gets what to say, one line each: a refusal, a thread not let go, the pause. 0 walked (o as
 * fx_jobjects_walk leaves it); the freeze's errors (nothing walked);
 * -ENOMEM.
 */
struct fx_memsrc;
struct fx_proc;
struct fx_freeze_opts;
struct fx_buf;
int fx_jobjects_walk_src(struct fx_jobjects *o, struct fx_memsrc *ms,
			 struct fx_proc *p, const struct fx_freeze_opts *fo,
			 struct fx_buf *msg);

/*
 * Write the histogram as object records (`pid count bytes class`),
 * most bytes first. 0 or the writer's error.
 */
int fx_jobjects_write(const struct fx_jobjects *o, struct fx_writer *w,
		      int pid, unsigned long long starttime);

/*
 * What the walk could not do, for a person: lines appended to b (none
 * when every space was walked; with verbose also the totals). 0 or
 * -ENOMEM.
 */
struct fx_buf;
int fx_jobjects_report(const struct fx_jobjects *o, int verbose,
		       struct fx_buf *b);

/* ---- a visitor of the walk (what jholders builds on) ---- */

/* The walk under way (opaque), as a visitor sees it. */
struct fx_jobj_walk;

/* An object the walk counted. */
struct fx_jobj_obj {
	uint64_t addr, size;
	uint64_t lim;		/* its space's end: its bytes lie below */
	long klass;		/* its class: index among the known classes */
	long cls;		/* its class name: index among the names */
	int32_t lh;		/* its class's layout helper */
	int mirror;		/* a java.lang.Class */
};

/*
 * What a visitor gives (fx_jobj_hooks.visit): begin, once the classes
 * and TLABs are known and before the spaces are walked: 0 walk, > 0 do
 * not (o->note said why by the visitor), < 0 -errno; object, for every
 * object counted: 0 go on, else (-errno) end the walk with that error;
 * pass, every time the spaces were walked: > 0 walk them all again (the
 * counts go on adding up), 0 done, < 0 -errno. Each may be NULL.
 */
struct fx_jobj_visit {
	int (*begin)(void *arg, struct fx_jobj_walk *w);
	int (*object)(void *arg, struct fx_jobj_walk *w,
		      const struct fx_jobj_obj *ob);
	int (*pass)(void *arg, struct fx_jobj_walk *w);
	void *arg;
};

/* What a visitor may know of the JVM walked (borrowed from the walk). */
struct fx_jobj_layout {
	const struct fx_vmstructs *v;
	struct fx_heap_src *rs;		/* the JVM's structures */
	struct fx_heap_src *heap;	/* the objects' bytes */
	uint64_t heap_lo, heap_hi;	/* the reserved heap */
	uint64_t ohdr, len_off, hdr;	/* header, array length, elements */
	uint64_t align;
	int ccp;			/* compressed class pointers */
	size_t nklass, nnames;		/* known classes, class names */
	int32_t mirror_size_off;	/* java_lang_Class::_oop_size_offset */
	const uint64_t *jt;		/* the JavaThreads */
	size_t njt;
};

void fx_jobj_layout(struct fx_jobj_walk *w, struct fx_jobj_layout *l);

/*
 * n bytes at a of the heap (a + n <= lim, lim the end of a's space, n up
 * to 64 KiB), through the walk's window: valid until the next call on
 * w; NULL with *err set when not readable.
 */
const unsigned char *fx_jobj_bytes(struct fx_jobj_walk *w, uint64_t a,
				   size_t n, uint64_t lim, int *err);

/* Known class k (< nklass): its Klass address and name index. */
uint64_t fx_jobj_klass_addr(struct fx_jobj_walk *w, long k);
long fx_jobj_klass_cls(struct fx_jobj_walk *w, long k);

/* The known class at Klass address a: its index, or -1. */
long fx_jobj_klass_find(struct fx_jobj_walk *w, uint64_t a);

/* The class name of index cls (< nnames). */
const char *fx_jobj_class_name(struct fx_jobj_walk *w, long cls);

/* The index of the class name name (jmap's spelling), or -1. */
long fx_jobj_class_find(struct fx_jobj_walk *w, const char *name);

#endif
