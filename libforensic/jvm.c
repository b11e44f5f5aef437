/*
 * jvm: a HotSpot JVM's layout from its vmStructs tables (see jvm.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elfseg.h"
#include "internal.h"
#include "jvm.h"
#include "maps.h"
#include "vmstructs.h"

#define MAX_THREADS 200000
#define MAX_KLASSES 4000000
#define MAX_CLDS 1000000
#define MAX_CODE_HEAPS 16
#define MAX_META_REGIONS 4096
#define ROOT_CHUNK (4u << 20)	/* metaspace's largest chunk (JDK 16+) */

void fx_jvm_init(struct fx_jvm *j)
{
	memset(j, 0, sizeof(*j));
}

void fx_jvm_release(struct fx_jvm *j)
{
	free(j->s);
	free(j->t);
	memset(j, 0, sizeof(*j));
}

const char *fx_jvm_part_name(enum fx_jvm_part p)
{
	static const char *const names[FX_JVM_NPARTS] = {
		[FX_JVM_HEAP] = "Java heap",
		[FX_JVM_CLASS_SPACE] = "class space",
		[FX_JVM_METASPACE] = "metaspace",
		[FX_JVM_CDS] = "CDS archive",
		[FX_JVM_CODE] = "code heap",
		[FX_JVM_SEGMAP] = "code heap segment map",
	};

	return (unsigned)p < FX_JVM_NPARTS ? names[p] : "-";
}

const struct fx_jvm_span *fx_jvm_span_at(const struct fx_jvm *j,
					 uint64_t a)
{
	long i = fx_range_find(j->s, j->ns, sizeof(*j->s),
			       offsetof(struct fx_jvm_span, start), a);

	return i < 0 ? NULL : &j->s[i];
}

const struct fx_jvm_thread *fx_jvm_thread_at(const struct fx_jvm *j,
					     uint64_t a)
{
	long i = fx_range_find(j->t, j->nt, sizeof(*j->t),
			       offsetof(struct fx_jvm_thread, stack_lo), a);

	return i < 0 ? NULL : &j->t[i];
}

FX_RANGE_FIELDS(struct fx_jvm_span, start, end);
FX_RANGE_FIELDS(struct fx_jvm_thread, stack_lo, stack_hi);

/* ---- reading: memory first, libjvm.so's read-only pages from its file */

/*
 * Pointers chased through the JVM's structures come back to the same
 * pages again and again (the tables' entries, their names, classes and
 * their symbols): pages read are kept. A page missed is read with the
 * GROUP pages around it in one read, when they are all readable: a JVM's
 * classes and names lie in a few MiB (CDS archive, metaspace, the symbol
 * arena), each touched all over (2,782 classes: 2,224 pages in 213
 * groups), and one read per page cost a system call or three each.
 *
 * A group takes the next free slot of the cache, found again through a
 * hash of its address: those areas start 16 MiB apart, and a cache
 * indexed by address modulo its size put their first pages in the same
 * slots (313 reads of 213 groups, each re-read as the other was used).
 * When every slot is taken, the cache starts afresh.
 */
#define PAGE 4096
#define GROUP 16
#define NCACHE 4096
#define NGROUPS (NCACHE / GROUP)
#define NHASH (2 * NGROUPS)
#define BLOCK 65536

struct jrd {
	struct fx_heap_src *src;
	const struct fx_maps *m;
	fx_file_fn file;
	void *fctx;
	uint64_t tag[NCACHE];		/* page address + 1, 0: not read */
	int state[NCACHE];		/* 0 or the read's -errno */
	uint64_t group[NGROUPS];	/* the group a slot holds */
	uint16_t hash[NHASH];		/* a group's slot + 1, 0: none */
	size_t nslots;			/* taken */
	unsigned char page[NCACHE][PAGE];
	const struct fx_region *breg;	/* the file block's region */
	uint64_t boff;			/* and its file offset */
	size_t blen;
	unsigned char block[BLOCK];
};

/* Bytes of a read-only file mapping whose page is not present. */
static int file_bytes(struct jrd *d, uint64_t a, void *buf, size_t len)
{
	const struct fx_region *r = fx_region_at(d->m, a);
	uint64_t off, b;
	long got;

	if (!d->file || !r || !r->inode || r->perms[1] == 'w' ||
	    a + len > r->end)
		return -EFAULT;
	off = a - r->start + r->offset;
	b = off - off % PAGE;
	if (d->breg != r || off < d->boff || off + len > d->boff + d->blen) {
		d->breg = NULL;
		got = d->file(d->fctx, r, b, d->block, BLOCK);
		if (got <= 0)
			return -EFAULT;
		d->breg = r;
		d->boff = b;
		d->blen = (size_t)got;
		if (off + len > b + d->blen)
			return -EFAULT;
	}
	memcpy(buf, d->block + (off - d->boff), len);
	return 0;
}

/* The slot of group g (its first page's address): found, or taken and
 * read (whole when it can be; else its pages are read one by one). */
static size_t jrd_group(struct jrd *d, uint64_t g)
{
	size_t h = (size_t)(((g / (GROUP * PAGE)) * 0x9e3779b97f4a7c15ull) >>
			    32) % NHASH;
	size_t s, i;
	int whole;

	for (; d->hash[h]; h = (h + 1) % NHASH)
		if (d->group[d->hash[h] - 1] == g)
			return d->hash[h] - 1u;
	if (d->nslots == NGROUPS) {
		memset(d->hash, 0, sizeof(d->hash));
		d->nslots = 0;
		return jrd_group(d, g);
	}
	s = d->nslots++;
	d->hash[h] = (uint16_t)(s + 1);
	d->group[s] = g;
	whole = !d->src->read(d->src->ctx, g, d->page[s * GROUP], GROUP * PAGE);
	for (i = 0; i < GROUP; i++) {
		d->tag[s * GROUP + i] = whole ? g + i * PAGE + 1 : 0;
		d->state[s * GROUP + i] = 0;
	}
	return s;
}

/* The n bytes at a, all in one page, from the cache. */
static int jrd_page(void *ctx, uint64_t a, unsigned char *out, size_t n)
{
	struct jrd *d = ctx;
	uint64_t pg = a - a % PAGE, g = pg - pg % (GROUP * PAGE);
	size_t k = jrd_group(d, g) * GROUP + (size_t)((pg - g) / PAGE);
	int e;

	if (d->tag[k] != pg + 1) {
		/* A group not read whole: this page alone. */
		d->tag[k] = pg + 1;
		d->state[k] = d->src->read(d->src->ctx, pg, d->page[k], PAGE);
	}
	e = d->state[k];
	if (e == -EFAULT)
		e = file_bytes(d, a, out, n);
	else if (!e)
		memcpy(out, d->page[k] + (a - pg), n);
	return e;
}

static int jrd_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	if (a + len < a)
		return -EFAULT;
	return fx_read_pieces(a, buf, len, PAGE, PAGE, jrd_page, ctx);
}

/*
 * The steps of the walk, each taken only when the tables hold every
 * field offset it reads (another JDK's layout may lack some).
 */
enum step {
	S_HEAP = 1 << 1,
	S_CODE = 1 << 2,
	S_META = 1 << 3,
	S_FIELDS = 1 << 4,
	S_THREADS = 1 << 5,
};

/* Every field offset the walk reads: see `wanted` below. */
struct offs {
	uint64_t heap_reserved, mr_start, mr_words;
	uint64_t ch_memory, ch_segmap, vs_low, vs_high, ga_len, ga_data;
	uint64_t cld_next, cld_klasses, k_link, k_lh, ik_cp, ik_methods;
	uint64_t ik_fields, ik_nfields, arr_len, arr_data, sym_len, sym_body;
	uint64_t tl_len, tl_threads, jt_os, os_tid, jt_state, jt_obj;
	uint64_t handle_obj;
};

/* The JVM as being read: tables, reader, what was found so far. */
struct walk {
	struct offs o;
	unsigned steps;			/* enum step: those possible */
	struct fx_jvm *j;
	const struct fx_maps *m;
	const unsigned char *taken;
	struct fx_vmstructs v;
	struct fx_heap_src rs;		/* fx_jvm_reader_open's */
	size_t caps, capt;
	uint64_t cds_lo, cds_hi;
	int coops;			/* UseCompressedOops */
	uint64_t narrow_base;
	int narrow_shift;
	uint64_t ccs_size;		/* 0: no compressed class space */
};

static int rd(struct walk *w, uint64_t a, void *buf, size_t len)
{
	return w->rs.read(w->rs.ctx, a, buf, len);
}

static int rdp(struct walk *w, uint64_t a, uint64_t *v)
{
	return rd(w, a, v, sizeof(*v));
}

static int rdu32(struct walk *w, uint64_t a, uint32_t *v)
{
	return rd(w, a, v, sizeof(*v));
}

/* A NUL-terminated string of at most outlen - 1 bytes: 0 or -errno. */
static int rdstr(struct walk *w, uint64_t a, char *out, size_t outlen)
{
	size_t got = 0, n, k;

	out[0] = '\0';
	while (got + 1 < outlen) {
		n = 16 - (a + got) % 16;
		if (n > outlen - 1 - got)
			n = outlen - 1 - got;
		if (rd(w, a + got, out + got, n)) {
			out[got] = '\0';
			return -EFAULT;
		}
		for (k = 0; k < n; k++)
			if (!out[got + k])
				return 0;
		got += n;
	}
	out[got] = '\0';
	return -ENAMETOOLONG;
}

static uint64_t off_of(struct walk *w, const char *type, const char *name,
		       int *bad)
{
	uint64_t o = 0;

	if (fx_vms_offset(&w->v, type, name, &o))
		*bad = 1;
	return o;
}

#define O(f) offsetof(struct offs, f)
static const struct {
	const char *type, *field;
	size_t at;			/* in struct offs */
	unsigned steps;			/* the steps that read it */
} wanted[] = {
	{ "CollectedHeap", "_reserved", O(heap_reserved), S_HEAP },
	{ "MemRegion", "_start", O(mr_start), S_HEAP },
	{ "MemRegion", "_word_size", O(mr_words), S_HEAP },
	{ "CodeHeap", "_memory", O(ch_memory), S_CODE },
	{ "CodeHeap", "_segmap", O(ch_segmap), S_CODE },
	{ "VirtualSpace", "_low_boundary", O(vs_low), S_CODE },
	{ "VirtualSpace", "_high_boundary", O(vs_high), S_CODE },
	{ "GrowableArrayBase", "_len", O(ga_len), S_CODE },
	{ "GrowableArray<int>", "_data", O(ga_data), S_CODE },
	{ "ClassLoaderData", "_next", O(cld_next), S_META },
	{ "ClassLoaderData", "_klasses", O(cld_klasses), S_META },
	{ "Klass", "_next_link", O(k_link), S_META },
	{ "Klass", "_layout_helper", O(k_lh), S_META },
	{ "InstanceKlass", "_constants", O(ik_cp), S_META | S_FIELDS },
	{ "InstanceKlass", "_methods", O(ik_methods), S_META },
	{ "InstanceKlass", "_fields", O(ik_fields), S_FIELDS },
	{ "InstanceKlass", "_java_fields_count", O(ik_nfields), S_FIELDS },
	{ "Array<Klass*>", "_length", O(arr_len), S_FIELDS },
	{ "Array<u2>", "_data", O(arr_data), S_FIELDS },
	{ "Symbol", "_length", O(sym_len), S_FIELDS },
	{ "Symbol", "_body", O(sym_body), S_FIELDS },
	{ "ThreadsList", "_length", O(tl_len), S_THREADS },
	{ "ThreadsList", "_threads", O(tl_threads), S_THREADS },
	{ "JavaThread", "_osthread", O(jt_os), S_THREADS },
	{ "OSThread", "_thread_id", O(os_tid), S_THREADS },
	{ "JavaThread", "_thread_state", O(jt_state), S_THREADS },
	{ "JavaThread", "_threadObj", O(jt_obj), S_THREADS },
	{ "OopHandle", "_obj", O(handle_obj), S_THREADS },
};
#undef O

/* Look up every wanted offset once; a missing one rules its steps out. */
static void look_up_offsets(struct walk *w)
{
	size_t i;

	w->steps = ~0u;
	for (i = 0; i < FX_ARRAY_SIZE(wanted); i++)
		if (fx_vms_offset(&w->v, wanted[i].type, wanted[i].field,
				  (uint64_t *)((char *)&w->o + wanted[i].at)))
			w->steps &= ~wanted[i].steps;
}

static int add_span(struct walk *w, uint64_t lo, uint64_t hi,
		    enum fx_jvm_part part, int exact)
{
	struct fx_jvm *j = w->j;

	if (hi <= lo)
		return 0;
	if (FX_GROW(j->s, j->ns, w->caps, 16))
		return -ENOMEM;
	j->s[j->ns++] = (struct fx_jvm_span){ lo, hi, part, exact };
	return 0;
}

/* ---- libjvm.so and its symbols ---- */

long fx_file_pread(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fx_fileread *f = ctx;

	return f->file(f->fctx, f->r, off, buf, len);
}

static const struct fx_region *find_libjvm(const struct fx_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct fx_region *r = &m->r[i];
		const char *b = strrchr(r->name, '/');

		/* " (deleted)": the JDK was upgraded under the running JVM;
		 * map_files still reads the file it maps. */
		if (fx_region_is_file(r) && r->offset == 0 && b &&
		    (strcmp(b, "/libjvm.so") == 0 ||
		     strcmp(b, "/libjvm.so (deleted)") == 0))
			return r;
	}
	return NULL;
}

/* Symbol addresses of the tables in the running JVM: 0 or -errno. */
static int table_symbols(const struct fx_region *lib, fx_file_fn file,
			 void *fctx, uint64_t *sym)
{
	struct fx_fileread fr = { file, fctx, lib };
	unsigned char h[4];
	uint64_t bias = 0;
	size_t i;
	long got;
	int r;

	/* The file itself cannot be read (-ESTALE: a capture's file not
	 * on this machine, or another at its path): say that, not that
	 * its ELF makes no sense. */
	got = file ? file(fctx, lib, 0, h, sizeof(h)) : -EINVAL;
	if (got < 0)
		return (int)got;
	r = fx_elf_bias(fx_file_pread, &fr, lib->start, &bias);
	if (r)
		return r;
	r = fx_elf_dynsyms(fx_file_pread, &fr, fx_vms_symbols, FX_VMS_NSYMS,
			   sym);
	if (r < 0)
		return r;
	for (i = 0; i < FX_VMS_NSYMS; i++) {
		if (!sym[i])
			return -ENOENT;
		sym[i] += bias;
	}
	return 0;
}

/* ---- flags ---- */

enum {
	F_CCS_SIZE,
	F_CCP,
	F_COOPS,
	F_MAXHEAP,
	F_N
};

/* ---- the parts ---- */

/* A global of ZGlobalsForVMStructs (each field points to one). */
static int zglobal(struct walk *w, uint64_t inst, const char *name,
		   uint64_t *v)
{
	uint64_t o, p;
	int bad = 0;

	o = off_of(w, "ZGlobalsForVMStructs", name, &bad);
	return bad || rdp(w, inst + o, &p) || !p || rdp(w, p, v) ? -ENOENT : 0;
}

/*
 * ZGC leaves CollectedHeap::_reserved empty: its heap is one memfd
 * ("java_heap") mapped in three views, at the address bits marked0,
 * marked1 and remapped (the metadata bits but finalizable), each view
 * spanning the offset mask. 0, 1 when not found, or -ENOMEM.
 */
static int find_zheap(struct walk *w)
{
	uint64_t a, inst, off, meta, fin, bit;
	int r, n = 0;

	if (fx_vms_static(&w->v, "ZGlobalsForVMStructs", "_instance_p", &a) ||
	    rdp(w, a, &inst) || !inst ||
	    zglobal(w, inst, "_ZAddressOffsetMask", &off) ||
	    zglobal(w, inst, "_ZAddressMetadataMask", &meta) ||
	    zglobal(w, inst, "_ZAddressMetadataFinalizable", &fin) ||
	    !off || (off & (off + 1)) || (meta & off))
		return 1;
	meta &= ~fin;
	for (bit = 1; bit && n < 8; bit <<= 1) {
		if (!(meta & bit))
			continue;
		r = add_span(w, bit, bit + off + 1, FX_JVM_HEAP, 1);
		if (r)
			return r;
		n++;
	}
	return n ? 0 : 1;
}

static int find_heap(struct walk *w)
{
	uint64_t a, ch, start, words, o = w->o.heap_reserved;
	uint64_t os = w->o.mr_start, ow = w->o.mr_words;
	int64_t hws = 8;

	fx_vms_const(&w->v, "HeapWordSize", &hws);
	if (!(w->steps & S_HEAP) ||
	    fx_vms_static(&w->v, "Universe", "_collectedHeap", &a) ||
	    rdp(w, a, &ch) || !ch || rdp(w, ch + o + os, &start) ||
	    rdp(w, ch + o + ow, &words) || hws <= 0 || hws > 64 ||
	    words > (1ull << 50) / (uint64_t)hws)
		return 1;
	if (words)
		return add_span(w, start, start + words * (uint64_t)hws,
				FX_JVM_HEAP, 1);
	return find_zheap(w);
}

static int find_code(struct walk *w)
{
	uint64_t a, ga, data, heap, lo, hi;
	uint64_t omem = w->o.ch_memory, oseg = w->o.ch_segmap;
	uint64_t olo = w->o.vs_low, ohi = w->o.vs_high;
	uint32_t len;
	size_t i;
	int r;

	if (!(w->steps & S_CODE) ||
	    fx_vms_static(&w->v, "CodeCache", "_heaps", &a) ||
	    rdp(w, a, &ga) || !ga || rdu32(w, ga + w->o.ga_len, &len) ||
	    len > MAX_CODE_HEAPS || rdp(w, ga + w->o.ga_data, &data))
		return 1;
	for (i = 0; i < len; i++) {
		if (rdp(w, data + i * 8, &heap) || !heap)
			return 1;
		if (!rdp(w, heap + omem + olo, &lo) &&
		    !rdp(w, heap + omem + ohi, &hi)) {
			r = add_span(w, lo, hi, FX_JVM_CODE, 1);
			if (r)
				return r;
		}
		if (!rdp(w, heap + oseg + olo, &lo) &&
		    !rdp(w, heap + oseg + ohi, &hi)) {
			r = add_span(w, lo, hi, FX_JVM_SEGMAP, 1);
			if (r)
				return r;
		}
	}
	return 0;
}

static int in_cds(struct walk *w, uint64_t a)
{
	return a >= w->cds_lo && a < w->cds_hi;
}

/* The anonymous private mappings around region k that belong to one
 * reservation: rw or inaccessible, unnamed, not explained otherwise. */
static int anon_part(struct walk *w, size_t k)
{
	const struct fx_region *r = &w->m->r[k];

	return !r->inode && !r->name[0] && r->perms[3] == 'p' &&
	       (strcmp(r->perms, "rw-p") == 0 ||
		strcmp(r->perms, "---p") == 0) &&
	       (!w->taken || !w->taken[k]) &&
	       !fx_jvm_span_at(w->j, r->start);
}

static int add_meta_run(struct walk *w, size_t k)
{
	const struct fx_maps *m = w->m;
	size_t lo = k, hi = k;
	uint64_t s, e;

	if (!anon_part(w, k))
		return 0;
	while (lo > 0 && m->r[lo - 1].end == m->r[lo].start &&
	       anon_part(w, lo - 1))
		lo--;
	while (hi + 1 < m->n && m->r[hi].end == m->r[hi + 1].start &&
	       anon_part(w, hi + 1))
		hi++;
	/* A reservation starts and ends on a root chunk boundary: what the
	 * run holds beyond them is another mapping's (the kernel merges
	 * neighbours of the same protection). A run with no whole root
	 * chunk around the metadata is not a metaspace reservation, or not
	 * one that can be bounded: nothing is claimed (claiming the whole
	 * run counted a neighbour's 4.4 MB as metaspace: t0306, 71,684,096
	 * bytes reserved where the JVM says 64 MB). */
	s = (m->r[lo].start + ROOT_CHUNK - 1) & ~(uint64_t)(ROOT_CHUNK - 1);
	e = m->r[hi].end & ~(uint64_t)(ROOT_CHUNK - 1);
	if (s >= e || s >= m->r[k].end || e <= m->r[k].start)
		return 0;
	return add_span(w, s, e, FX_JVM_METASPACE, 0);
}

/* Metadata at p (outside the archive): its mapping, once, in meta. */
static void note_meta(struct walk *w, uint64_t p, size_t *meta, size_t *n)
{
	const struct fx_region *rg;
	size_t x, idx;

	if (!p || in_cds(w, p) || !(rg = fx_region_at(w->m, p)))
		return;
	idx = (size_t)(rg - w->m->r);
	for (x = 0; x < *n; x++)
		if (meta[x] == idx)
			return;
	if (*n < MAX_META_REGIONS)
		meta[(*n)++] = idx;
}

/*
 * Walk every class of every class loader: the lowest Klass outside the
 * CDS archive gives the class space; constant pools and method arrays
 * give the metaspace mappings.
 */
static int find_metaspace(struct walk *w)
{
	const struct offs *o = &w->o;
	uint64_t a, cld, k, kmin = UINT64_MAX, p;
	size_t *meta = NULL, nmeta = 0, nclds = 0, i;
	int32_t lh;
	int r = 0;

	if (!(w->steps & S_META) ||
	    fx_vms_static(&w->v, "ClassLoaderDataGraph", "_head", &a) ||
	    rdp(w, a, &cld))
		return 1;
	meta = calloc(MAX_META_REGIONS, sizeof(*meta));
	if (!meta)
		return -ENOMEM;
	for (; cld && nclds < MAX_CLDS && w->j->klasses < MAX_KLASSES;
	     nclds++) {
		if (rdp(w, cld + o->cld_klasses, &k))
			break;
		while (k && w->j->klasses < MAX_KLASSES) {
			w->j->klasses++;
			if (!in_cds(w, k) && k < kmin)
				kmin = k;
			/* Instance classes have a positive layout helper;
			 * arrays a negative one. */
			if (!in_cds(w, k) && !rd(w, k + o->k_lh, &lh, 4) &&
			    lh > 0) {
				if (!rdp(w, k + o->ik_cp, &p))
					note_meta(w, p, meta, &nmeta);
				if (!rdp(w, k + o->ik_methods, &p))
					note_meta(w, p, meta, &nmeta);
			}
			if (rdp(w, k + o->k_link, &k))
				break;
		}
		if (rdp(w, cld + o->cld_next, &cld))
			break;
	}
	/* Classes are carved from the class space's bottom up, in root
	 * chunks of 4 MiB to which the space is aligned: the first class
	 * outside the archive lies in its first root chunk. */
	if (w->ccs_size && kmin != UINT64_MAX) {
		uint64_t s = kmin & ~(uint64_t)(ROOT_CHUNK - 1);

		r = add_span(w, s, s + w->ccs_size, FX_JVM_CLASS_SPACE, 0);
		/* The archive's reservation runs up to the class space
		 * that follows it. */
		if (!r && w->cds_hi && s >= w->cds_hi &&
		    s - w->cds_hi < (64u << 20)) {
			for (i = 0; i < w->j->ns; i++)
				if (w->j->s[i].part == FX_JVM_CDS)
					w->j->s[i].end = s;
		}
	}
	for (i = 0; i < nmeta && !r; i++)
		r = add_meta_run(w, meta[i]);
	free(meta);
	return r;
}

static int add_thread(struct walk *w, const struct fx_jvm_thread *t)
{
	struct fx_jvm *j = w->j;

	if (FX_GROW(j->t, j->nt, w->capt, 64))
		return -ENOMEM;
	j->t[j->nt++] = *t;
	return 0;
}

/* ---- Java thread names: java.lang.Thread.name, a String ---- */

struct strlayout {
	uint64_t thread_name;	/* Thread.name offset in the object */
	uint64_t value, coder;	/* String.value, String.coder */
	uint64_t len_off, base_off; /* byte[]: length and first byte */
	int ok;
};

/* The offset of field fname in InstanceKlass ik: 0 or -ENOENT. */
static int field_offset(struct walk *w, uint64_t ik, const char *fname,
			uint64_t *out)
{
	const struct offs *o = &w->o;
	int64_t slots = 6, name_i = 1, lo_i = 4, hi_i = 5, tag = 2;
	uint64_t cpsize, fields, cp, sym;
	uint16_t count, u[8];
	int32_t alen;
	char name[64];
	uint16_t slen;
	size_t i;

	fx_vms_const(&w->v, "FieldInfo::field_slots", &slots);
	fx_vms_const(&w->v, "FieldInfo::name_index_offset", &name_i);
	fx_vms_const(&w->v, "FieldInfo::low_packed_offset", &lo_i);
	fx_vms_const(&w->v, "FieldInfo::high_packed_offset", &hi_i);
	fx_vms_const(&w->v, "FIELDINFO_TAG_SIZE", &tag);
	if (!(w->steps & S_FIELDS) ||
	    fx_vms_size(&w->v, "ConstantPool", &cpsize) ||
	    slots < 1 || slots > 8 || name_i < 0 || name_i >= slots ||
	    lo_i < 0 || lo_i >= slots || hi_i < 0 || hi_i >= slots ||
	    tag < 0 || tag > 8 || rdp(w, ik + o->ik_fields, &fields) ||
	    rd(w, ik + o->ik_nfields, &count, 2) ||
	    rdp(w, ik + o->ik_cp, &cp) ||
	    rd(w, fields + o->arr_len, &alen, 4) || alen < count * slots)
		return -ENOENT;
	for (i = 0; i < count; i++) {
		if (rd(w, fields + o->arr_data + i * (uint64_t)slots * 2, u,
		       (size_t)slots * 2) ||
		    rdp(w, cp + cpsize + u[name_i] * 8ull, &sym) ||
		    rd(w, sym + o->sym_len, &slen, 2) || slen >= sizeof(name) ||
		    rd(w, sym + o->sym_body, name, slen))
			continue;
		name[slen] = '\0';
		if (strcmp(name, fname) == 0) {
			*out = ((uint64_t)u[hi_i] << 16 | u[lo_i]) >> tag;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * A well-known class (cname "Thread", "String"): the static
 * vmClasses::_klasses[...Thread_klass_knum] (JDK 16+) or
 * SystemDictionary::_well_known_klasses[...] (before). 0 or -ENOENT.
 */
static int known_class(struct walk *w, const char *cname, uint64_t *out)
{
	char want[64];
	size_t i;

	snprintf(want, sizeof(want), "::%s_klass_knum", cname);
	for (i = 0; i < w->v.nf; i++) {
		const struct fx_vms_field *f = &w->v.f[i];

		if (f->is_static && f->name && f->type &&
		    (strcmp(f->type, "vmClasses") == 0 ||
		     strcmp(f->type, "SystemDictionary") == 0) &&
		    strstr(f->name, want))
			return rdp(w, f->addr, out) || !*out ? -ENOENT : 0;
	}
	return -ENOENT;
}

static void name_layout(struct walk *w, struct strlayout *sl)
{
	uint64_t thread_k, string_k;
	int ccp;

	memset(sl, 0, sizeof(*sl));
	if (known_class(w, "Thread", &thread_k) ||
	    known_class(w, "String", &string_k) ||
	    field_offset(w, thread_k, "name", &sl->thread_name) ||
	    field_offset(w, string_k, "value", &sl->value) ||
	    field_offset(w, string_k, "coder", &sl->coder))
		return;
	/* An array's length follows the mark word and the class pointer
	 * (4 bytes compressed, else 8); its elements start 8-aligned. */
	ccp = w->ccs_size != 0;
	sl->len_off = ccp ? 12 : 16;
	sl->base_off = ccp ? 16 : 24;
	sl->ok = 1;
}

static int rd_oop(struct walk *w, uint64_t a, uint64_t *oop)
{
	uint32_t n;

	if (w->coops < 0)
		return -EFAULT;
	if (!w->coops)
		return rdp(w, a, oop);
	if (rdu32(w, a, &n))
		return -EFAULT;
	*oop = n ? w->narrow_base + ((uint64_t)n << w->narrow_shift) : 0;
	return 0;
}

/* The name of the java.lang.Thread at obj into out ("" if unreadable). */
static void thread_name(struct walk *w, const struct strlayout *sl,
			uint64_t obj, char *out, size_t outlen)
{
	uint64_t s, arr;
	int32_t len;
	uint8_t coder;
	unsigned char b[2 * 95];
	size_t i, n;

	out[0] = '\0';
	if (!sl->ok || rd_oop(w, obj + sl->thread_name, &s) || !s ||
	    rd_oop(w, s + sl->value, &arr) || !arr ||
	    rd(w, s + sl->coder, &coder, 1) || coder > 1 ||
	    rd(w, arr + sl->len_off, &len, 4) || len < 0)
		return;
	n = (size_t)len;
	if (n > sizeof(b))
		n = sizeof(b);
	if (coder)
		n &= ~(size_t)1;
	if (rd(w, arr + sl->base_off, b, n))
		return;
	/* LATIN1 bytes, or UTF-16LE units: kept when they are ASCII. */
	for (i = 0; i < (coder ? n / 2 : n) && i + 1 < outlen; i++) {
		unsigned c = coder ? (unsigned)(b[2 * i] | b[2 * i + 1] << 8) :
				     b[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

static int find_threads(struct walk *w)
{
	const struct offs *o = &w->o;
	uint64_t a, list, arr, jt, osth, base, size, obj, handle;
	uint64_t o_base, o_size;
	uint32_t n, state;
	struct strlayout sl;
	size_t i;
	int32_t tid;
	int bad = !(w->steps & S_THREADS), r;

	if (fx_vms_offset(&w->v, "JavaThread", "_stack_base", &o_base) &&
	    fx_vms_offset(&w->v, "Thread", "_stack_base", &o_base))
		bad = 1;
	if (fx_vms_offset(&w->v, "JavaThread", "_stack_size", &o_size) &&
	    fx_vms_offset(&w->v, "Thread", "_stack_size", &o_size))
		bad = 1;
	if (bad || fx_vms_static(&w->v, "ThreadsSMRSupport",
				 "_java_thread_list", &a) ||
	    rdp(w, a, &list) || !list || rdu32(w, list + o->tl_len, &n) ||
	    n > MAX_THREADS || rdp(w, list + o->tl_threads, &arr))
		return 1;
	name_layout(w, &sl);
	for (i = 0; i < n; i++) {
		struct fx_jvm_thread t;

		memset(&t, 0, sizeof(t));
		if (rdp(w, arr + i * 8, &jt) || !jt ||
		    rdp(w, jt + o->jt_os, &osth) || !osth ||
		    rd(w, osth + o->os_tid, &tid, 4) || tid <= 0 ||
		    rdp(w, jt + o_base, &base) || rdp(w, jt + o_size, &size) ||
		    size > base)
			continue;
		t.tid = tid;
		t.stack_lo = base - size;
		t.stack_hi = base;
		t.state = rdu32(w, jt + o->jt_state, &state) ? -1 : (int)state;
		if (!rdp(w, jt + o->jt_obj + o->handle_obj, &handle) &&
		    handle &&
		    !rdp(w, handle, &obj) && obj)
			thread_name(w, &sl, obj, t.name, sizeof(t.name));
		r = add_thread(w, &t);
		if (r)
			return r;
	}
	return 0;
}

static int walk_jvm(struct walk *w)
{
	struct fx_vms_flag fl[F_N] = {
		[F_CCS_SIZE] = { "CompressedClassSpaceSize", 8, 0, 0 },
		[F_CCP] = { "UseCompressedClassPointers", 1, 0, 0 },
		[F_COOPS] = { "UseCompressedOops", 1, 0, 0 },
		[F_MAXHEAP] = { "MaxHeapSize", 8, 0, 0 },
	};
	static const struct {
		int (*find)(struct walk *w);
		const char *name;
	} parts[] = { { find_heap, " heap" }, { find_code, " code" },
		      { find_metaspace, " metaspace" },
		      { find_threads, " threads" } };
	struct fx_jvm *j = w->j;
	uint64_t a, p;
	int r, have_ccs, miss = 0;
	char missing[120] = "";
	size_t k;

	if (!fx_vms_static(&w->v, "Abstract_VM_Version", "_s_vm_release",
			   &a) && !rdp(w, a, &p)) {
		char *c;

		rdstr(w, p, j->version, sizeof(j->version));
		/* The target's bytes reach a terminal: printable only. */
		for (c = j->version; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
	}
	fx_vms_flags(&w->v, &w->rs, fl, F_N);
	snprintf(j->gc, sizeof(j->gc), "%s", fx_vms_collector(&w->v, &w->rs));
	j->heap_max = fl[F_MAXHEAP].found ? fl[F_MAXHEAP].value : 0;
	have_ccs = fl[F_CCP].found && fl[F_CCP].value &&
		   fl[F_CCS_SIZE].found && fl[F_CCS_SIZE].value;
	w->ccs_size = have_ccs ? fl[F_CCS_SIZE].value : 0;
	w->coops = fl[F_COOPS].found && fl[F_COOPS].value;
	if (w->coops) {
		int32_t sh = 0;

		if (fx_vms_static(&w->v, "CompressedOops", "_narrow_oop._base",
				  &a) || rdp(w, a, &w->narrow_base) ||
		    fx_vms_static(&w->v, "CompressedOops",
				  "_narrow_oop._shift", &a) ||
		    rd(w, a, &sh, 4) || sh < 0 || sh > 8)
			w->coops = -1;	/* unusable: no oop is decoded */
		else
			w->narrow_shift = sh;
	}
	if (!fx_vms_static(&w->v, "MetaspaceObj", "_shared_metaspace_base",
			   &a) && !rdp(w, a, &w->cds_lo) &&
	    !fx_vms_static(&w->v, "MetaspaceObj", "_shared_metaspace_top",
			   &a) && !rdp(w, a, &w->cds_hi) &&
	    w->cds_hi > w->cds_lo && w->cds_lo) {
		r = add_span(w, w->cds_lo, w->cds_hi, FX_JVM_CDS, 1);
		if (r)
			return r;
	}
	/* Each part: 0 found, 1 not found (named in the note), or -errno. */
	for (k = 0; k < FX_ARRAY_SIZE(parts); k++) {
		r = parts[k].find(w);
		if (r < 0)
			return r;
		if (r > 0) {
			miss++;
			strcat(missing, parts[k].name);
		}
	}
	snprintf(j->note, sizeof(j->note), "HotSpot %s%s%s%s%s",
		 j->version[0] ? j->version : "(version unread)",
		 j->gc[0] ? ", " : "", j->gc, j->gc[0] ? " GC" : "",
		 miss ? "; not found:" : "");
	if (miss)
		snprintf(j->note + strlen(j->note),
			 sizeof(j->note) - strlen(j->note), "%s", missing);
	return 0;
}

int fx_jvm_inspect_tables(struct fx_jvm *j, const struct fx_maps *m,
			  struct fx_heap_src *src, const uint64_t *sym,
			  fx_file_fn file, void *fctx,
			  const unsigned char *taken)
{
	struct walk w;
	int r;

	/* The spans and threads arrays grow from empty. */
	free(j->s);
	free(j->t);
	j->s = NULL;
	j->t = NULL;
	j->ns = j->nt = 0;
	memset(&w, 0, sizeof(w));
	w.j = j;
	w.m = m;
	w.taken = taken;
	if (fx_jvm_reader_open(&w.rs, m, src, file, fctx))
		return -ENOMEM;
	fx_vmstructs_init(&w.v);
	r = fx_vmstructs_read(&w.v, &w.rs, sym);
	if (r == -ENOMEM)
		goto out;
	if (r) {
		snprintf(j->note, sizeof(j->note), "HotSpot vmStructs tables "
			 "%s", r == -ENOENT ? "not yet set up (a JVM still "
			 "starting?)" : r == -EFAULT ? "unreadable (pages not "
			 "present)" : "make no sense");
		r = 0;
		goto out;
	}
	j->ok = 1;
	look_up_offsets(&w);
	r = walk_jvm(&w);
out:
	fx_vmstructs_release(&w.v);
	fx_jvm_reader_close(&w.rs);
	return r;
}

int fx_jvm_inspect(struct fx_jvm *j, const struct fx_maps *m,
		   struct fx_heap_src *src, fx_file_fn file, void *fctx,
		   const unsigned char *taken)
{
	uint64_t sym[FX_VMS_NSYMS];
	const struct fx_region *lib;
	int r;

	fx_jvm_release(j);
	lib = find_libjvm(m);
	if (!lib)
		return 0;
	j->found = 1;
	if (!src || !file) {
		snprintf(j->note, sizeof(j->note), "libjvm.so: memory not read");
		return 0;
	}
	r = table_symbols(lib, file, fctx, sym);
	if (r == -ENOMEM)
		return r;
	if (r) {
		snprintf(j->note, sizeof(j->note), "%.120s: %s", lib->name,
			 r == -ENOENT ? "no HotSpot vmStructs tables (not a "
					"HotSpot JVM, or stripped of them)" :
					"cannot read its ELF symbols");
		return 0;
	}
	return fx_jvm_inspect_tables(j, m, src, sym, file, fctx, taken);
}

/* ---- the tables and the cached reader, for other walkers (jobjects) ---- */

/* The reader's 16 MiB, mapped in 2 MiB pages where free ones are at hand
 * (fx_map_huge): a JVM's classes touch about 3,000 of its 4 KiB pages, a
 * first-touch fault each otherwise. */
#define JRD_MAP ((sizeof(struct jrd) + FX_HUGE - 1) / FX_HUGE * FX_HUGE)

static struct jrd *jrd_alloc(void)
{
	return fx_map_huge(JRD_MAP);
}

int fx_jvm_reader_open(struct fx_heap_src *rs, const struct fx_maps *m,
		       struct fx_heap_src *src, fx_file_fn file, void *fctx)
{
	struct jrd *d = jrd_alloc();

	if (!d)
		return -ENOMEM;
	memset(d->hash, 0, sizeof(d->hash));
	d->nslots = 0;
	d->src = src;
	d->m = m;
	d->file = file;
	d->fctx = fctx;
	d->breg = NULL;
	rs->read = jrd_read;
	rs->ctx = d;
	return 0;
}

void fx_jvm_reader_close(struct fx_heap_src *rs)
{
	if (rs->ctx)
		munmap(rs->ctx, JRD_MAP);
	rs->ctx = NULL;
}

int fx_jvm_tables(struct fx_vmstructs *v, const struct fx_maps *m,
		  struct fx_heap_src *rs, fx_file_fn file, void *fctx)
{
	uint64_t sym[FX_VMS_NSYMS];
	const struct fx_region *lib = find_libjvm(m);
	int r;

	if (!lib)
		return -ENOENT;
	r = table_symbols(lib, file, fctx, sym);
	if (r == -ENOENT || r == -EBADMSG || r == -EIO)
		return r == -ENOENT ? -ENODEV : -EBADMSG;
	if (r)
		return r;
	r = fx_vmstructs_read(v, rs, sym);
	return r == -ENOENT ? -ENODEV : r;
}
