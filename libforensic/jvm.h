/*
 * jvm: a HotSpot JVM explained from outside, through the vmStructs
 * tables libjvm.so exports (vmstructs.h): where its Java heap, class
 * space, metaspace, CDS archive, code heaps and Java thread stacks lie,
 * which collector runs, and each Java thread's name. Nothing is asked of
 * the JVM (no attach, no agent, no safepoint); its memory is only read,
 * through the caller's pagemap-gated reader, and bytes of libjvm.so that
 * are not present in memory are read from the file (never for a
 * writable mapping, whose pages may differ from the file).
 *
 * Figures come from the JVM's own structures:
 *   Java heap     CollectedHeap::_reserved (exact);
 *   code heaps    CodeCache::_heaps, each CodeHeap's _memory and _segmap
 *                 VirtualSpace (exact);
 *   CDS archive   MetaspaceObj::_shared_metaspace_base/_top;
 *   class space   from the 4 MiB root chunk that holds the lowest Klass
 *                 outside the archive (classes walked from
 *                 ClassLoaderDataGraph), CompressedClassSpaceSize bytes
 *                 long (JDK 17 exports no metaspace bounds: this start
 *                 is inferred);
 *   metaspace     the mappings holding the classes' ConstantPools and
 *                 method arrays, with the adjacent anonymous mappings of
 *                 the same reservation (bounds inferred from the maps);
 *   threads       ThreadsSMRSupport::_java_thread_list: each JavaThread's
 *                 tid, stack base and size, state and java.lang.Thread
 *                 name.
 * A JVM still starting, or one whose tables are absent or make no sense,
 * gives a note saying so, never figures from size guesses.
 */
#ifndef FX_JVM_H
#define FX_JVM_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

struct fx_maps;
struct fx_region;

/*
 * Reads len bytes at file offset off of the file that region r maps,
 * into buf: the number of bytes read (short at the end of the file), or
 * a negative errno.
 */
typedef long (*fx_file_fn)(void *ctx, const struct fx_region *r,
			   uint64_t off, void *buf, size_t len);

/* One mapped file as an fx_pread_fn (elfseg.h): fx_file_pread's ctx. */
struct fx_fileread {
	fx_file_fn file;
	void *fctx;
	const struct fx_region *r;
};

/* fx_pread_fn over a struct fx_fileread (ctx). */
long fx_file_pread(void *ctx, uint64_t off, void *buf, size_t len);

enum fx_jvm_part {
	FX_JVM_HEAP,		/* the reserved Java heap */
	FX_JVM_CLASS_SPACE,	/* the compressed class space */
	FX_JVM_METASPACE,	/* a non-class metaspace reservation */
	FX_JVM_CDS,		/* the CDS archive (shared class space) */
	FX_JVM_CODE,		/* a code heap */
	FX_JVM_SEGMAP,		/* a code heap's segment map */
	FX_JVM_NPARTS
};

/* A range of the JVM's address space and what it is. */
struct fx_jvm_span {
	uint64_t start, end;
	enum fx_jvm_part part;
	int exact;		/* bounds from the JVM's own structures */
};

struct fx_jvm_thread {
	int tid;
	uint64_t stack_lo, stack_hi;	/* [base - size, base) */
	int state;			/* JavaThreadState */
	char name[96];			/* the Java name, or "" */
};

/* What was learnt. Embed, fx_jvm_init(). */
struct fx_jvm {
	int found;		/* libjvm.so is mapped */
	int ok;			/* its vmStructs tables were read */
	char note[240];		/* version and collector, or why not */
	char gc[16];		/* "G1", "Parallel", "Serial"... or "" */
	char version[64];	/* Abstract_VM_Version::_s_vm_release */
	struct fx_jvm_span *s;
	size_t ns;
	struct fx_jvm_thread *t;
	size_t nt;
	uint64_t klasses;	/* classes walked */
	uint64_t heap_max;	/* MaxHeapSize, 0 if unread */
};

void fx_jvm_init(struct fx_jvm *j);
void fx_jvm_release(struct fx_jvm *j);

/*
 * Look for libjvm.so in m and read the JVM's layout through src (memory)
 * and file (its libjvm.so). taken (may be NULL) marks, per region of m,
 * regions already explained (glibc heaps, thread stacks): a metaspace
 * reservation is never extended over them. j->found and j->ok say how far
 * it got, j->note why. 0, or -ENOMEM.
 */
int fx_jvm_inspect(struct fx_jvm *j, const struct fx_maps *m,
		   struct fx_heap_src *src, fx_file_fn file, void *fctx,
		   const unsigned char *taken);

/*
 * The same once libjvm.so's symbols are known: sym[i] is the run-time
 * address of fx_vms_symbols[i] (vmstructs.h). j->ok says whether the
 * tables were read. 0, or -ENOMEM.
 */
int fx_jvm_inspect_tables(struct fx_jvm *j, const struct fx_maps *m,
			  struct fx_heap_src *src, const uint64_t *sym,
			  fx_file_fn file, void *fctx,
			  const unsigned char *taken);

/* The span holding address a, or NULL. */
const struct fx_jvm_span *fx_jvm_span_at(const struct fx_jvm *j,
					 uint64_t a);

/* The thread whose stack holds a, or NULL. */
const struct fx_jvm_thread *fx_jvm_thread_at(const struct fx_jvm *j,
					     uint64_t a);

/* "Java heap", "class space", "metaspace", "CDS archive", "code heap",
 * "code heap segment map". */
const char *fx_jvm_part_name(enum fx_jvm_part p);

/*
 * The reader fx_jvm_inspect reads the JVM's structures with, for other
 * walkers of them (jobjects.h): src's bytes, pages kept in a cache, and
 * the bytes of read-only file mappings (libjvm.so, the CDS archive)
 * whose pages are not present read through file. rs gets { read, ctx };
 * m, src and fctx are borrowed. 0 or -ENOMEM; fx_jvm_reader_close(rs).
 * Cached pages are not read again: open a new reader to see changes.
 */
int fx_jvm_reader_open(struct fx_heap_src *rs, const struct fx_maps *m,
		       struct fx_heap_src *src, fx_file_fn file, void *fctx);
void fx_jvm_reader_close(struct fx_heap_src *rs);

struct fx_vmstructs;

/*
 * Read the vmStructs tables of the JVM in m into v (fx_vmstructs_init'd)
 * through rs (fx_jvm_reader_open), libjvm.so's symbols through file. 0;
 * -ENOENT no libjvm.so mapped, -ENODEV no tables (not HotSpot, or a JVM
 * still starting), -EBADMSG tables or ELF that make no sense, -EFAULT
 * bytes not readable, -ENOMEM.
 */
int fx_jvm_tables(struct fx_vmstructs *v, const struct fx_maps *m,
		  struct fx_heap_src *rs, fx_file_fn file, void *fctx);

#endif
