/*
 * fuzz_jobjects: the Java heap walker (jobjects.h) over hostile memory:
 * the collector's structures, the class list, class names, layout
 * helpers, object headers, array lengths, TLABs, all from the input.
 *
 * The harness gives the vmStructs tables (struct fx_vmstructs, built
 * here: fixed offsets, statics in the image's first 256 bytes) and the
 * JVM flags (its own memory). Input byte 0 picks the collector (0 G1,
 * 1 Parallel, 2 Serial, 3 Z), byte 1 the flags (bit 0: no compressed
 * class pointers; bit 1: 16-byte object alignment; bit 2: the holders
 * of class Foo (jholders.h) rather than the histogram: oop maps, object
 * arrays, mirrors' statics, a thread's stack, cycles, all hostile; bit 3:
 * no compressed oops; bit 4: the histogram's spaces walked in two
 * threads, their counts added); the rest is the JVM's
 * memory at IMG, read as a live reader serves it (whole pages, zeros past
 * the input). fuzz/seeds/jobjects/ holds small well-formed heaps of each
 * collector, and one with references (corpus/gen-jobjects-seeds.py
 * makes them). Whatever the walk finds must add up: counts and bytes
 * summed over classes equal the totals, every size believed, every place
 * said; a chain goes down no deeper than its cap, level after level, and
 * no level holds more objects or bytes than the heap's.
 *
 * To see how far a seed leads: FUZZ_SHOW=1 fuzz_jobjects SEED
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensic.h"
#include "image.h"
#include "jholders.h"
#include "vmstructs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FLAGS 0x40000000ull

/* Statics: IMG + 8 * index. */
static const struct {
	const char *type, *field;
} statics[] = {
	{ "Universe", "_collectedHeap" },
	{ "ClassLoaderDataGraph", "_head" },
	{ "ThreadsSMRSupport", "_java_thread_list" },
	{ "ParallelScavengeHeap", "_young_gen" },
	{ "ParallelScavengeHeap", "_old_gen" },
	{ "HeapRegion", "GrainBytes" },
	{ "CompressedKlassPointers", "_narrow_klass._base" },
	{ "CompressedKlassPointers", "_narrow_klass._shift" },
	{ "java_lang_Class", "_oop_size_offset" },
	{ "ThreadLocalAllocBuffer", "_reserve_for_allocation_prefetch" },
	{ "CompressedOops", "_narrow_oop._base" },
	{ "CompressedOops", "_narrow_oop._shift" },
	{ "java_lang_Class", "_klass_offset" },
	{ "java_lang_Class", "_static_oop_field_count_offset" },
	{ "JVMFlag", "flags" },		/* harness memory */
	{ "JVMFlag", "numFlags" },	/* harness memory */
};

static const struct {
	const char *type, *field;
	uint64_t off;
} fields[] = {
	{ "CollectedHeap", "_reserved", 16 },
	{ "MemRegion", "_start", 0 },
	{ "MemRegion", "_word_size", 8 },
	{ "ClassLoaderData", "_next", 0 },
	{ "ClassLoaderData", "_klasses", 8 },
	{ "Klass", "_next_link", 0 },
	{ "Klass", "_layout_helper", 8 },
	{ "Klass", "_name", 16 },
	{ "Symbol", "_length", 4 },
	{ "Symbol", "_body", 6 },
	{ "ThreadsList", "_length", 0 },
	{ "ThreadsList", "_threads", 8 },
	{ "Thread", "_tlab", 0 },
	{ "ThreadLocalAllocBuffer", "_start", 0 },
	{ "ThreadLocalAllocBuffer", "_top", 8 },
	{ "ThreadLocalAllocBuffer", "_end", 16 },
	{ "G1CollectedHeap", "_hrm", 32 },
	{ "HeapRegionManager", "_regions", 0 },
	{ "G1HeapRegionTable", "_base", 0 },
	{ "G1HeapRegionTable", "_length", 8 },
	{ "HeapRegion", "_type", 24 },
	{ "HeapRegionType", "_tag", 0 },
	{ "HeapRegion", "_bottom", 0 },
	{ "HeapRegion", "_end", 8 },
	{ "HeapRegion", "_top", 16 },
	{ "PSOldGen", "_object_space", 0 },
	{ "PSYoungGen", "_eden_space", 0 },
	{ "PSYoungGen", "_from_space", 8 },
	{ "PSYoungGen", "_to_space", 16 },
	{ "MutableSpace", "_bottom", 0 },
	{ "MutableSpace", "_top", 8 },
	{ "MutableSpace", "_end", 16 },
	{ "GenCollectedHeap", "_young_gen", 32 },
	{ "GenCollectedHeap", "_old_gen", 40 },
	{ "TenuredGeneration", "_the_space", 0 },
	{ "DefNewGeneration", "_eden_space", 0 },
	{ "DefNewGeneration", "_from_space", 8 },
	{ "DefNewGeneration", "_to_space", 16 },
	{ "Space", "_bottom", 0 },
	{ "Space", "_end", 8 },
	{ "ContiguousSpace", "_top", 16 },
	{ "JVMFlag", "_name", 0 },
	{ "JVMFlag", "_addr", 8 },
	{ "CollectedHeap", "_total_collections", 8 },
	{ "Klass", "_vtable_len", 24 },
	{ "InstanceKlass", "_itable_len", 28 },
	{ "InstanceKlass", "_nonstatic_oop_map_size", 32 },
	{ "InstanceKlass", "_reference_type", 36 },
	{ "JavaThread", "_stack_base", 32 },
	{ "JavaThread", "_stack_size", 40 },
	{ "JavaThread", "_anchor", 48 },
	{ "JavaFrameAnchor", "_last_Java_sp", 0 },
};

#define NSTATICS (sizeof(statics) / sizeof(statics[0]))
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const flag_names[] = {
	"UseG1GC", "UseParallelGC", "UseSerialGC", "UseZGC",
	"UseCompressedClassPointers", "ObjectAlignmentInBytes",
	"UseCompressedOops",
};
#define NFLAGS 7

/* The harness's memory: the flags, their names and values. */
struct flagmem {
	uint64_t entry[NFLAGS][2];	/* _name, _addr */
	uint64_t value[NFLAGS];
	char names[NFLAGS][32];
	uint64_t array, count;		/* what the statics point to */
};

static void check(const struct fx_jobjects *o)
{
	uint64_t n = 0, b = 0;
	size_t i;

	for (i = 0; i < o->nc; i++) {
		if (!o->c[i].count || !o->c[i].name)
			abort();
		if (i && o->c[i].bytes > o->c[i - 1].bytes)
			abort();
		n += o->c[i].count;
		b += o->c[i].bytes;
	}
	if (o->ok && (n != o->objects || b != o->bytes))
		abort();
	/* Every object counted lies in a space walked. */
	if (o->bytes > o->space_bytes || o->objects * 12 > o->space_bytes)
		abort();
	for (i = 0; i < o->nbad && i < FX_JOBJ_NBAD; i++)
		if (strlen(o->bad[i].why) >= sizeof(o->bad[i].why))
			abort();
	if (strlen(o->note) >= sizeof(o->note) || (!o->ok && !o->note[0]))
		abort();
}

/* The chain of Foo's holders, as a walk leaves it. */
/* Two walks of one image (fast path and not) found the same. */
static void same(const struct fx_jobjects *a, const struct fx_jobjects *b)
{
	size_t i;

	if (a->ok != b->ok || a->objects != b->objects ||
	    a->bytes != b->bytes || a->spaces != b->spaces ||
	    a->space_bytes != b->space_bytes || a->tlabs != b->tlabs ||
	    a->tlab_bytes != b->tlab_bytes || a->unfinished != b->unfinished ||
	    a->nbad != b->nbad || a->bad_bytes != b->bad_bytes ||
	    a->nc != b->nc || strcmp(a->note, b->note))
		abort();
	for (i = 0; i < a->nc; i++)
		if (a->c[i].count != b->c[i].count ||
		    a->c[i].bytes != b->c[i].bytes ||
		    strcmp(a->c[i].name, b->c[i].name))
			abort();
	for (i = 0; i < a->nbad && i < FX_JOBJ_NBAD; i++)
		if (a->bad[i].addr != b->bad[i].addr ||
		    a->bad[i].left != b->bad[i].left ||
		    strcmp(a->bad[i].why, b->bad[i].why))
			abort();
}

static void check_holders(const struct fx_jholders *h)
{
	size_t i;

	check(&h->o);
	if (!h->o.ok && h->nr)
		abort();
	for (i = 0; i < h->nr; i++) {
		const struct fx_jholders_rec *r = &h->r[i];

		if (r->depth > FX_JH_MAX_DEPTH || !r->name ||
		    (i && r->depth < h->r[i - 1].depth) ||
		    (!i && (r->depth || strcmp(r->name, "Foo"))) ||
		    (i && !r->count) || (r->root && r->bytes) ||
		    (!r->root && r->count > h->o.objects) ||
		    (!r->root && r->bytes > h->o.bytes))
			abort();
	}
	if (getenv("FUZZ_SHOW")) {
		fprintf(stderr, "holders: end %d depth %u noref %llu stacks "
			"%llu\n", (int)h->end, h->depth,
			(unsigned long long)h->noref,
			(unsigned long long)h->stacks);
		for (i = 0; i < h->nr; i++)
			fprintf(stderr, "  %u %llu %llu %s\n", h->r[i].depth,
				(unsigned long long)h->r[i].count,
				(unsigned long long)h->r[i].bytes, h->r[i].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flagmem fm;
	struct fx_vms_field f[NSTATICS + NFIELDS + 1];
	struct fx_vms_type t[2] = { { "JVMFlag", NULL, 16 },
				    { "InstanceKlass", "Klass", 40 } };
	struct fx_vms_const c[4] = {
		{ "HeapRegionType::FreeTag", 0 },
		{ "HeapRegionType::StartsHumongousTag", 12 },
		{ "HeapRegionType::ContinuesHumongousTag", 13 },
	};
	struct image mem = { NULL, 0, &fm, sizeof(fm), FLAGS };
	struct fx_heap_src src = { image_read, &mem };
	struct fx_vmstructs v;
	struct fx_jobjects o, slow;
	size_t i, k = 0;
	uint8_t gc, fl;

	if (size < 2)
		return 0;
	gc = data[0] % 4;
	fl = data[1];
	mem.img = data + 2;
	mem.len = size - 2;
	memset(&fm, 0, sizeof(fm));
	for (i = 0; i < NFLAGS; i++) {
		snprintf(fm.names[i], sizeof(fm.names[i]), "%s", flag_names[i]);
		fm.entry[i][0] = FLAGS + offsetof(struct flagmem, names) + 32 * i;
		fm.entry[i][1] = FLAGS + offsetof(struct flagmem, value) + 8 * i;
	}
	fm.value[gc] = 1;
	fm.value[4] = !(fl & 1);
	fm.value[5] = fl & 2 ? 16 : 8;
	fm.value[6] = !(fl & 8);
	fm.array = FLAGS + offsetof(struct flagmem, entry);
	fm.count = NFLAGS;
	memset(f, 0, sizeof(f));
	for (i = 0; i < NSTATICS; i++, k++) {
		f[k].type = statics[i].type;
		f[k].name = statics[i].field;
		f[k].is_static = 1;
		f[k].addr = IMG + 8 * i;
	}
	f[k - 2].addr = FLAGS + offsetof(struct flagmem, array);
	f[k - 1].addr = FLAGS + offsetof(struct flagmem, count);
	for (i = 0; i < NFIELDS; i++, k++) {
		f[k].type = fields[i].type;
		f[k].name = fields[i].field;
		f[k].offset = fields[i].off;
	}
	memset(&v, 0, sizeof(v));
	v.f = f;
	v.nf = k;
	v.t = t;
	v.nt = 2;
	v.c = c;
	v.nc = 3;
	if (fl & 4) {
		struct fx_jholders h;

		fx_jholders_init(&h, "Foo");
		if (fx_jholders_walk_tables(&h, &v, &src, &src) == 0)
			check_holders(&h);
		fx_jholders_release(&h);
		return 0;
	}
	fx_jobjects_init(&o);
	/* bit 4: the spaces split between two threads (the image's reader
	 * keeps no state: safe from both). */
	if (fl & 16) {
		o.hooks.heap2 = &src;
		setenv("MEMFORENSIC_WALK_THREADS", "2", 1);
	} else {
		unsetenv("MEMFORENSIC_WALK_THREADS");
	}
	if (fx_jobjects_walk_tables(&o, &v, &src, &src) == 0) {
		check(&o);
		/* The walk's fast path counts what the long way counts. */
		fx_jobjects_init(&slow);
		slow.hooks = o.hooks;
		slow.hooks.slow = 1;
		if (fx_jobjects_walk_tables(&slow, &v, &src, &src) == 0)
			same(&o, &slow);
		else
			abort();
		fx_jobjects_release(&slow);
		if (getenv("FUZZ_SHOW")) {
			fprintf(stderr, "ok %d gc %s note '%s' objects %llu "
				"bytes %llu spaces %llu tlabs %llu bad %llu\n",
				o.ok, o.gc, o.note,
				(unsigned long long)o.objects,
				(unsigned long long)o.bytes,
				(unsigned long long)o.spaces,
				(unsigned long long)o.tlabs,
				(unsigned long long)o.nbad);
			for (i = 0; i < o.nc; i++)
				fprintf(stderr, "  %llu %llu %s\n",
					(unsigned long long)o.c[i].count,
					(unsigned long long)o.c[i].bytes,
					o.c[i].name);
			for (i = 0; i < o.nbad && i < FX_JOBJ_NBAD; i++)
				fprintf(stderr, "  bad at %llx: %s\n",
					(unsigned long long)o.bad[i].addr,
					o.bad[i].why);
		}
	}
	fx_jobjects_release(&o);
	return 0;
}
