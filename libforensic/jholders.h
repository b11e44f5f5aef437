/*
 * jholders: who holds a Java class's instances, found from outside as
 * jobjects walks the heap (jobjects.h: no attach, no safepoint; a live
 * pid, a freeze, a dump directory or a core alike), as a chain of
 * levels: depth 0 is the class's instances; depth N+1 the objects, not
 * met at a lower depth, holding a reference to one of depth N's, grouped
 * by class; and the roots holding depth N's objects:
 *   "static Owner.field"  a static field of class Owner (the field's name
 *                         read from Owner's fields and constant pool;
 *                         "static Owner.<static oop +OFF>" when it cannot
 *                         be read);
 *   "thread NAME"         a word of a Java thread's stack, from its last
 *                         Java frame (JavaFrameAnchor::_last_Java_sp; the
 *                         whole stack for a thread running Java code) to
 *                         its base, equal to the address of one of depth
 *                         N's objects: a conservative scan, as a debugger
 *                         looks, so a slot a frame no longer uses may
 *                         still name its thread.
 * JNI global references are not read: JDK 17 exports no layout of the
 * OopStorage they live in (an object held only by one shows no holder).
 *
 * References are the JVM's own: an instance's nonstatic oop map blocks
 * (OopMapBlock {offset, count} after the InstanceKlass, its vtable and
 * itable: Klass::_vtable_len, InstanceKlass::_itable_len and
 * _nonstatic_oop_map_size words), an object array's elements, a mirror's
 * static oop fields (java_lang_Class::_static_oop_field_count_offset of
 * them, from the end of java.lang.Class's own fields); a weak, soft,
 * final or phantom Reference's referent is not a hold. Compressed oops
 * are decoded with CompressedOops::_narrow_oop._base and _shift.
 *
 * The walk is level by level, one pass over the heap per depth, with a
 * membership bitmap of 1 bit per 8-byte heap word for each level (kept
 * for the way down), one for the level being built, one for every object
 * met and one for what a root holds: each made in blocks of 2 MiB of heap
 * where its objects lie (a level is a set of distinct objects: the bits
 * set are no more than the heap's objects). It ends at the first level a
 * static field holds (the owning class found), when a level holds no
 * heap object (only roots, or nothing: then what holds the last level
 * lies outside the heap and the stacks), or at FX_JH_MAX_DEPTH (an owner
 * held by no static field: the levels above it widen to the rest of the
 * heap).  No level stops it for being small: G1's dead objects (below)
 * may add a few holders to any level. An object is met once: cycles end.
 * A chain that ends in roots is then walked down, one pass per level
 * from the top: of each level only the objects held from a root (or from
 * an object so held, a level up) are kept, the others counted in
 * pruned. G1 may keep dead objects in place (a full collection leaves a
 * region almost all live uncompacted; jmap leaves them out through G1's
 * mark bitmap, which vmStructs does not export): their stale references
 * make them seem holders, but nothing live holds them. A chain that ends
 * otherwise keeps every object met.
 * Live, every pass sees the heap of its moment: a collection between two
 * passes may cut the chain (said: gc_ran); --freeze holds it still.
 */
#ifndef FX_JHOLDERS_H
#define FX_JHOLDERS_H

#include "jobjects.h"

#define FX_JH_MAX_DEPTH 12

/* One record of the chain. */
struct fx_jholders_rec {
	unsigned depth;
	uint64_t count;		/* objects; for a root, references */
	uint64_t bytes;		/* of the objects; 0 for a root */
	char *name;		/* a class, or a root as above (owned) */
	int root;
};

/* How the chain ended. */
enum fx_jh_end {
	FX_JH_NOT_WALKED,	/* o.note says why */
	FX_JH_NO_CLASS,		/* no class of that name is loaded */
	FX_JH_NO_INSTANCES,	/* loaded, no instance in the heap */
	FX_JH_ROOTS,		/* a static field holds the last level, or
				 * only roots do */
	FX_JH_NOTHING,		/* nothing found holding the last level */
	FX_JH_CAP,		/* FX_JH_MAX_DEPTH reached */
};

/* The chain. Embed, fx_jholders_init(). */
struct fx_jholders {
	struct fx_jobjects o;	/* the walk (o.hooks set by the caller) */
	char cls[512];		/* the class asked about */
	struct fx_jholders_rec *r;	/* by depth, most objects first */
	size_t nr, capr;
	enum fx_jh_end end;
	unsigned depth;		/* the last depth written */
	uint64_t last_n;	/* objects of the depth before the end */
	uint64_t noref;		/* objects whose references were not read */
	uint64_t stacks, stack_bytes;	/* Java thread stacks scanned */
	uint64_t pruned;	/* objects met that no root holds, left out */
	int gc_ran;		/* a collection ran between two passes */
};

/* cls: a class name as classify --objects names it; "": no chain, the
 * histogram alone (each call below then does what jobjects' does). */
void fx_jholders_init(struct fx_jholders *h, const char *cls);
void fx_jholders_release(struct fx_jholders *h);

/*
 * Find the chain in the JVM of ms (fo, p: under a freeze, as
 * fx_jobjects_walk_src). h->o.ok says whether the heap was walked,
 * h->o.note why not (an unknown class among them: h->end FX_JH_NO_CLASS).
 * 0, or as fx_jobjects_walk_src.
 */
struct fx_memsrc;
struct fx_proc;
struct fx_freeze_opts;
struct fx_buf;
int fx_jholders_walk_src(struct fx_jholders *h, struct fx_memsrc *ms,
			 struct fx_proc *p, const struct fx_freeze_opts *fo,
			 struct fx_buf *msg);

/* The same with the tables already read (no threads): for fuzzing. */
struct fx_vmstructs;
int fx_jholders_walk_tables(struct fx_jholders *h,
			    const struct fx_vmstructs *v,
			    struct fx_heap_src *rs, struct fx_heap_src *heap);

/* The chain as holders records (`pid depth count bytes class`). */
int fx_jholders_write(const struct fx_jholders *h, struct fx_writer *w,
		      int pid, unsigned long long starttime);

/*
 * For a person, lines appended to b: how the chain ended, what was not
 * read, the walk's own report (fx_jobjects_report). 0 or -ENOMEM.
 */
int fx_jholders_report(const struct fx_jholders *h, int verbose,
		       struct fx_buf *b);

/* Was something not read that a whole answer needs (exit 1)? */
int fx_jholders_partial(const struct fx_jholders *h);

#endif
