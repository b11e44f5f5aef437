/*
 * jholders: who holds a Java class's instances, level by level, as a
 * visitor of the jobjects walk (see jholders.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"
#include "jholders.h"
#include "jvm.h"
#include "memsrc.h"
#include "rec.h"
#include "schema.h"
#include "threads.h"
#include "vmstructs.h"

#define MAX_HEAP (256ull << 30)	/* bitmaps' block tables of 1/2^21 of it */
#define MAX_MAPS 512		/* oop map blocks of one class */
#define MAX_TABLE (1 << 20)	/* vtable, itable words */
#define CHUNK (64u << 10)	/* bytes of an array read at once */
#define PAGE 4096u
#define MAX_STACK (256ull << 20)
#define ACC_STATIC 0x0008

/* A class's nonstatic oop map, read at its first object. */
struct kinfo {
	uint32_t first;		/* in blocks */
	uint16_t n;
	uint8_t state;		/* 0 not read, 1 read, 2 not readable */
	uint8_t weak;		/* a Reference whose referent is no hold */
	uint32_t end;		/* past the last oop */
};

struct blk {
	uint32_t off, count;
};

/* A bitmap over the heap's 8-byte words, in blocks of BM_BITS made on
 * first use: memory in proportion to where its objects lie. */
#define BM_SHIFT 18
#define BM_BITS (1u << BM_SHIFT)
struct bmap {
	uint64_t **blk;
	size_t n;
};

struct jthread {
	uint64_t lo, hi;	/* what is scanned */
	char name[112];		/* the root's name */
};

/* Everything a walk needs; reset by begin (a walk may be tried again). */
struct hs {
	struct fx_jholders *h;
	struct fx_memsrc *ms;	/* for the threads' names; may be NULL */
	struct fx_jobj_visit vi;
	struct fx_jobj_layout l;
	long target;		/* the class name's index */
	unsigned depth;		/* the level being built */
	struct bmap lv[FX_JH_MAX_DEPTH + 1];	/* each level's objects */
	uint64_t lv_n[FX_JH_MAX_DEPTH + 1];	/* how many */
	const struct bmap *cur;		/* the level under look */
	struct bmap next, seen;		/* the level built, every object met */
	struct bmap conf;		/* held from a root, down the levels */
	unsigned down;			/* confirming level down (> 0) */
	size_t nwords;			/* the heap's words */
	uint64_t *cnt, *byt;	/* per class name, the level being built */
	uint64_t prev_n;	/* objects of the level before */
	struct kinfo *ki;
	struct blk *blk;
	size_t nblk, capblk;
	struct fx_strtab roots;	/* the level's roots */
	uint64_t nstatic;	/* of them static fields */
	size_t nbad;		/* places not parsed kept, passes before */
	uint64_t *rcount;
	size_t caprc;
	struct jthread *t;
	size_t nt, capt;
	/* the layout */
	int coops;
	uint64_t nbase;
	int nshift;
	size_t oopsz;
	uint64_t o_vtlen, o_itlen, o_omsize, o_reftype, iksize;
	int has_reftype;
	int32_t o_mklass, o_msoops;	/* java_lang_Class's klass, count */
	int names;		/* field names readable */
	uint64_t o_fields, o_nfields, o_cp, cpsize, o_alen, o_adata;
	uint64_t o_slen, o_sbody;
	int64_t slots, name_i, lo_i, hi_i, tag;
	uint64_t referent;	/* Reference.referent's offset, 0 unknown */
	uint64_t gc_at;		/* CollectedHeap::_total_collections, or 0 */
	/* the caller's progress, told the pass's figures */
	void (*progress)(void *arg, uint64_t objects, uint64_t bytes);
	void *parg;
	uint64_t obj0, bytes0;	/* the walk's counts when the pass began */
	uint32_t gc0;
};

/* ---- bitmaps ---- */

/* For n words: 0 or -ENOMEM. */
static int bm_init(struct bmap *m, size_t n)
{
	m->n = (n + BM_BITS - 1) >> BM_SHIFT;
	m->blk = calloc(m->n + 1, sizeof(*m->blk));
	return m->blk ? 0 : -ENOMEM;
}

static void bm_free(struct bmap *m)
{
	size_t i;

	for (i = 0; m->blk && i < m->n; i++)
		free(m->blk[i]);
	free(m->blk);
	m->blk = NULL;
	m->n = 0;
}

static int bit(const struct bmap *m, uint64_t i)
{
	const uint64_t *b = m->blk[i >> BM_SHIFT];

	return b && (b[(i & (BM_BITS - 1)) >> 6] >> (i & 63) & 1);
}

static int set_bit(struct bmap *m, uint64_t i)
{
	uint64_t **b = &m->blk[i >> BM_SHIFT];

	if (!*b && !(*b = calloc(BM_BITS / 64, 8)))
		return -ENOMEM;
	(*b)[(i & (BM_BITS - 1)) >> 6] |= 1ull << (i & 63);
	return 0;
}

void fx_jholders_init(struct fx_jholders *h, const char *cls)
{
	memset(h, 0, sizeof(*h));
	fx_jobjects_init(&h->o);
	snprintf(h->cls, sizeof(h->cls), "%s", cls);
}

static void free_recs(struct fx_jholders *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++)
		free(h->r[i].name);
	free(h->r);
	h->r = NULL;
	h->nr = h->capr = 0;
}

void fx_jholders_release(struct fx_jholders *h)
{
	free_recs(h);
	fx_jobjects_release(&h->o);
}

static void hs_free(struct hs *s)
{
	size_t i;

	for (i = 0; i <= FX_JH_MAX_DEPTH; i++)
		bm_free(&s->lv[i]);
	bm_free(&s->next);
	bm_free(&s->seen);
	bm_free(&s->conf);
	s->cur = NULL;
	free(s->cnt);
	free(s->byt);
	free(s->ki);
	free(s->blk);
	free(s->rcount);
	free(s->t);
	fx_strtab_release(&s->roots);
	s->cnt = s->byt = s->rcount = NULL;
	s->ki = NULL;
	s->blk = NULL;
	s->t = NULL;
	s->nblk = s->capblk = s->caprc = s->nt = s->capt = 0;
}

static int rd(struct hs *s, uint64_t a, void *buf, size_t n)
{
	return s->l.rs->read(s->l.rs->ctx, a, buf, n);
}

/* Read afresh (not through the structures' cache): what changes. */
static int rd_fresh(struct hs *s, uint64_t a, void *buf, size_t n)
{
	return s->l.heap->read(s->l.heap->ctx, a, buf, n);
}

static int off_of(struct hs *s, const char *type, const char *name,
		  uint64_t *off)
{
	return fx_vms_offset(s->l.v, type, name, off);
}

/* The int a static type::name holds: 0 or -ENOENT. */
static int static_int(struct hs *s, const char *type, const char *name,
		      int32_t *v)
{
	uint64_t a;

	return fx_vms_static(s->l.v, type, name, &a) || rd(s, a, v, 4) ?
		       -ENOENT : 0;
}

/* Is the reference at p (an oop as the heap holds it) to an object of
 * m? Its word index + 1, or 0. */
static uint64_t hit(const struct hs *s, const unsigned char *p,
		    const struct bmap *m)
{
	uint64_t a;
	uint32_t n;

	if (s->coops) {
		memcpy(&n, p, 4);
		if (!n)
			return 0;
		a = s->nbase + ((uint64_t)n << s->nshift);
	} else {
		memcpy(&a, p, 8);
	}
	if (a < s->l.heap_lo || a >= s->l.heap_hi || (a & 7) ||
	    !bit(m, (a - s->l.heap_lo) >> 3))
		return 0;
	return ((a - s->l.heap_lo) >> 3) + 1;
}

/* An object whose references cannot be read: counted once (the first
 * pass up meets every object). */
static void not_read(struct hs *s)
{
	if (s->depth == 1 && !s->down)
		s->h->noref++;
}

/* ---- class layouts ---- */

/*
 * The field of InstanceKlass ik whose offset is *off (name NULL: its
 * name into out) or whose name is name (its offset into *off), static
 * or not as stat says. 0 or -ENOENT.
 */
static int field_find(struct hs *s, uint64_t ik, int want_static, const char *name,
		      uint64_t *off, char *out, size_t outlen)
{
	uint64_t fields, cp, sym, o;
	uint16_t count, u[8], slen;
	int32_t alen;
	char nm[256];
	size_t i;

	if (!s->names || rd(s, ik + s->o_fields, &fields, 8) ||
	    rd(s, ik + s->o_nfields, &count, 2) ||
	    rd(s, ik + s->o_cp, &cp, 8) ||
	    rd(s, fields + s->o_alen, &alen, 4) ||
	    alen < (int64_t)count * s->slots)
		return -ENOENT;
	for (i = 0; i < count; i++) {
		if (rd(s, fields + s->o_adata + i * (uint64_t)s->slots * 2, u,
		       (size_t)s->slots * 2) ||
		    !(u[0] & ACC_STATIC) != !want_static || (u[0] & 0x400) ||
		    !(u[s->lo_i] & 1))
			continue;
		o = ((uint64_t)u[s->hi_i] << 16 | u[s->lo_i]) >> s->tag;
		if (!name && o != *off)
			continue;
		if (rd(s, cp + s->cpsize + u[s->name_i] * 8ull, &sym, 8) ||
		    rd(s, sym + s->o_slen, &slen, 2) || slen >= sizeof(nm) ||
		    rd(s, sym + s->o_sbody, nm, slen))
			continue;
		nm[slen] = '\0';
		if (!name) {
			snprintf(out, outlen, "%s", nm);
			return 0;
		}
		if (strcmp(nm, name) == 0) {
			*off = o;
			return 0;
		}
	}
	return -ENOENT;
}

/* The offsets of the layout: 0, or 1 (o.note says what is missing). */
static int layout(struct hs *s, struct fx_jobj_walk *w)
{
	struct fx_vms_flag fl = { "UseCompressedOops", 1, 0, 0 };
	uint64_t a;
	int32_t shift = 0;
	long ref, k;
	int bad = 0;

	fx_vms_flags(s->l.v, s->l.rs, &fl, 1);
	s->coops = fl.found && fl.value;
	s->oopsz = s->coops ? 4 : 8;
	if (s->coops &&
	    (fx_vms_static(s->l.v, "CompressedOops", "_narrow_oop._base", &a) ||
	     rd(s, a, &s->nbase, 8) ||
	     static_int(s, "CompressedOops", "_narrow_oop._shift", &shift) ||
	     shift < 0 || shift > 8))
		bad = 1;
	s->nshift = s->coops ? shift : 0;
	bad |= off_of(s, "Klass", "_vtable_len", &s->o_vtlen) ||
	       off_of(s, "InstanceKlass", "_itable_len", &s->o_itlen) ||
	       off_of(s, "InstanceKlass", "_nonstatic_oop_map_size",
		      &s->o_omsize) ||
	       fx_vms_size(s->l.v, "InstanceKlass", &s->iksize) ||
	       static_int(s, "java_lang_Class", "_klass_offset", &s->o_mklass) ||
	       static_int(s, "java_lang_Class", "_static_oop_field_count_offset",
			  &s->o_msoops) ||
	       s->o_mklass < 8 || s->o_mklass > 4096 || s->o_msoops < 8 ||
	       s->o_msoops > 4096 || s->iksize > 65536;
	if (bad) {
		snprintf(s->h->o.note, sizeof(s->h->o.note), "the JVM's class "
			 "layouts (oop maps, compressed oops, mirrors) cannot "
			 "be read");
		return 1;
	}
	s->has_reftype = !off_of(s, "InstanceKlass", "_reference_type",
				 &s->o_reftype);
	/* Field names: optional (a root then says its offset). */
	s->slots = 6;
	s->name_i = 1;
	s->lo_i = 4;
	s->hi_i = 5;
	s->tag = 2;
	fx_vms_const(s->l.v, "FieldInfo::field_slots", &s->slots);
	fx_vms_const(s->l.v, "FieldInfo::name_index_offset", &s->name_i);
	fx_vms_const(s->l.v, "FieldInfo::low_packed_offset", &s->lo_i);
	fx_vms_const(s->l.v, "FieldInfo::high_packed_offset", &s->hi_i);
	fx_vms_const(s->l.v, "FIELDINFO_TAG_SIZE", &s->tag);
	s->names = !(off_of(s, "InstanceKlass", "_fields", &s->o_fields) ||
		     off_of(s, "InstanceKlass", "_java_fields_count",
			    &s->o_nfields) ||
		     off_of(s, "InstanceKlass", "_constants", &s->o_cp) ||
		     fx_vms_size(s->l.v, "ConstantPool", &s->cpsize) ||
		     off_of(s, "Array<Klass*>", "_length", &s->o_alen) ||
		     off_of(s, "Array<u2>", "_data", &s->o_adata) ||
		     off_of(s, "Symbol", "_length", &s->o_slen) ||
		     off_of(s, "Symbol", "_body", &s->o_sbody) ||
		     s->slots < 1 || s->slots > 8 || s->name_i < 0 ||
		     s->name_i >= s->slots || s->lo_i < 0 ||
		     s->lo_i >= s->slots || s->hi_i < 0 ||
		     s->hi_i >= s->slots || s->tag < 0 || s->tag > 8);
	/* java.lang.ref.Reference.referent: a weak hold, not followed. */
	ref = fx_jobj_class_find(w, "java.lang.ref.Reference");
	for (k = 0; ref >= 0 && k < (long)s->l.nklass && !s->referent; k++)
		if (fx_jobj_klass_cls(w, k) == ref &&
		    field_find(s, fx_jobj_klass_addr(w, k), 0, "referent",
			       &s->referent, NULL, 0))
			s->referent = 0;
	return 0;
}

/* The oop map of ob's class, read at its first object; NULL when it
 * cannot be read. */
static struct kinfo *kinfo(struct hs *s, struct fx_jobj_walk *w,
			   const struct fx_jobj_obj *ob)
{
	struct kinfo *k = &s->ki[ob->klass];
	uint32_t b[2 * MAX_MAPS];
	uint64_t ik, size = (uint64_t)ob->lh & ~(uint64_t)1, end;
	int32_t vt, it, nm;
	uint8_t rt = 0;
	int i;

	if (k->state)
		return k->state == 1 ? k : NULL;
	k->state = 2;
	ik = fx_jobj_klass_addr(w, ob->klass);
	if (rd(s, ik + s->o_vtlen, &vt, 4) || rd(s, ik + s->o_itlen, &it, 4) ||
	    rd(s, ik + s->o_omsize, &nm, 4) || vt < 0 || vt > MAX_TABLE ||
	    it < 0 || it > MAX_TABLE || nm < 0 || nm > MAX_MAPS ||
	    (nm && rd(s, ik + s->iksize + ((uint64_t)vt + (uint64_t)it) * 8, b,
		      (size_t)nm * 8)))
		return NULL;
	if (FX_GROW(s->blk, s->nblk + (size_t)nm, s->capblk, 256))
		return NULL;
	k->first = (uint32_t)s->nblk;
	k->end = 0;
	for (i = 0; i < nm; i++) {
		uint64_t off = b[2 * i], count = b[2 * i + 1];

		if (off < s->l.ohdr || off % s->oopsz || !count ||
		    off > size || count > (size - off) / s->oopsz)
			return NULL;
		end = off + count * s->oopsz;
		if (end > k->end)
			k->end = (uint32_t)end;
		s->blk[s->nblk].off = (uint32_t)off;
		s->blk[s->nblk++].count = (uint32_t)count;
	}
	k->n = (uint16_t)nm;
	/* REF_SOFT, REF_WEAK, REF_FINAL, REF_PHANTOM */
	if (s->has_reftype && s->referent && !rd(s, ik + s->o_reftype, &rt, 1))
		k->weak = rt >= 2 && rt <= 5;
	k->state = 1;
	return k;
}

/* ---- the references of an object ---- */

/*
 * Does ob hold one of the level's objects? 1, 0 (or not read: counted).
 * With mark, going down: every object of the level below that ob holds
 * is held from a root too (conf): 0 or -ENOMEM.
 */
static int holds(struct hs *s, struct fx_jobj_walk *w,
		 const struct fx_jobj_obj *ob, int mark)
{
	const struct bmap *m = mark ? &s->lv[s->down - 1] : s->cur;
	const unsigned char *p;
	const struct kinfo *k;
	uint64_t n, done, i, c, off, t;
	int32_t len;
	int err = 0;
	size_t j;

	if (ob->lh > 0) {
		k = kinfo(s, w, ob);
		if (!k) {
			not_read(s);
			return 0;
		}
		if (!k->n)
			return 0;
		p = fx_jobj_bytes(w, ob->addr, k->end, ob->lim, &err);
		if (!p) {
			not_read(s);
			return 0;
		}
		for (j = k->first; j < k->first + k->n; j++)
			for (c = 0; c < s->blk[j].count; c++) {
				off = s->blk[j].off + c * s->oopsz;
				t = hit(s, p + off, m);
				if (!t || (k->weak && off == s->referent))
					continue;
				if (!mark)
					return 1;
				if (set_bit(&s->conf, t - 1))
					return -ENOMEM;
			}
		return 0;
	}
	if ((ob->lh >> 30) != -2)
		return 0;	/* an array of primitives */
	p = fx_jobj_bytes(w, ob->addr, s->l.hdr, ob->lim, &err);
	if (!p) {
		not_read(s);
		return 0;
	}
	memcpy(&len, p + s->l.len_off, 4);
	if (len < 0 || s->l.hdr + (uint64_t)len * s->oopsz > ob->size) {
		not_read(s);
		return 0;
	}
	for (done = 0; done < (uint64_t)len; done += n) {
		n = (uint64_t)len - done;
		if (n > CHUNK / s->oopsz)
			n = CHUNK / s->oopsz;
		p = fx_jobj_bytes(w, ob->addr + s->l.hdr + done * s->oopsz,
				  (size_t)(n * s->oopsz), ob->lim, &err);
		if (!p) {
			not_read(s);
			return 0;
		}
		for (i = 0; i < n; i++) {
			t = hit(s, p + i * s->oopsz, m);
			if (t && !mark)
				return 1;
			if (t && set_bit(&s->conf, t - 1))
				return -ENOMEM;
		}
	}
	return 0;
}

/* A root of the level met: name, one more reference. 0 or -ENOMEM. */
static int add_root(struct hs *s, const char *name)
{
	long i = fx_strtab_add(&s->roots, name, strlen(name), NULL);
	size_t cap = s->caprc;

	if (i < 0)
		return -ENOMEM;
	if ((size_t)i >= cap) {
		if (FX_GROW(s->rcount, (size_t)i, s->caprc, 16))
			return -ENOMEM;
		memset(s->rcount + cap, 0, (s->caprc - cap) * 8);
	}
	s->rcount[i]++;
	return 0;
}

/* The static oop fields of the mirror ob: a root for each one holding
 * the level's objects. 0 or -ENOMEM. */
static int statics(struct hs *s, struct fx_jobj_walk *w,
		   const struct fx_jobj_obj *ob)
{
	uint64_t start = (uint64_t)ob->lh & ~(uint64_t)1, kp, i, off;
	const unsigned char *p;
	char name[700], field[256];
	int32_t n;
	long k;
	int err = 0;

	p = fx_jobj_bytes(w, ob->addr, (size_t)start, ob->lim, &err);
	if (!p || (uint64_t)s->o_msoops + 4 > start ||
	    (uint64_t)s->o_mklass + 8 > start) {
		not_read(s);
		return 0;
	}
	memcpy(&n, p + s->o_msoops, 4);
	memcpy(&kp, p + s->o_mklass, 8);
	if (n <= 0)
		return 0;
	if (ob->size < start || (uint64_t)n > (ob->size - start) / s->oopsz ||
	    (uint64_t)n * s->oopsz > CHUNK) {
		not_read(s);
		return 0;
	}
	p = fx_jobj_bytes(w, ob->addr + start, (size_t)n * s->oopsz, ob->lim,
			  &err);
	if (!p) {
		not_read(s);
		return 0;
	}
	for (i = 0; i < (uint64_t)n; i++) {
		uint64_t t = hit(s, p + i * s->oopsz, s->cur);

		if (!t)
			continue;
		if (set_bit(&s->conf, t - 1))
			return -ENOMEM;
		off = start + i * s->oopsz;
		k = fx_jobj_klass_find(w, kp);
		if (k < 0 || field_find(s, kp, 1, NULL, &off, field,
					sizeof(field)))
			snprintf(field, sizeof(field), "<static oop +%llu>",
				 (unsigned long long)off);
		if (k >= 0)
			snprintf(name, sizeof(name), "static %s.%s",
				 fx_jobj_class_name(w, fx_jobj_klass_cls(w, k)),
				 field);
		else
			snprintf(name, sizeof(name), "static 0x%llx.%s",
				 (unsigned long long)kp, field);
		if (add_root(s, name))
			return -ENOMEM;
		s->nstatic++;
	}
	return 0;
}

/* ---- the Java threads' stacks ---- */

/* The Java threads: what of their stacks is scanned, their names. */
static int find_threads(struct hs *s)
{
	uint64_t o_base, o_size, o_anchor, o_sp, base, size, sp;
	const struct fx_jvm_thread *jt;
	struct fx_jvm j;
	size_t i;
	int r = 0;

	if ((off_of(s, "JavaThread", "_stack_base", &o_base) &&
	     off_of(s, "Thread", "_stack_base", &o_base)) ||
	    (off_of(s, "JavaThread", "_stack_size", &o_size) &&
	     off_of(s, "Thread", "_stack_size", &o_size)) ||
	    off_of(s, "JavaThread", "_anchor", &o_anchor) ||
	    off_of(s, "JavaFrameAnchor", "_last_Java_sp", &o_sp))
		return 0;
	fx_jvm_init(&j);
	if (s->ms && fx_jvm_inspect(&j, &s->ms->maps, &s->ms->heap,
				    s->ms->file, s->ms->file_ctx, NULL)) {
		fx_jvm_release(&j);
		return -ENOMEM;
	}
	for (i = 0; i < s->l.njt && !r; i++) {
		struct jthread *t;

		if (rd_fresh(s, s->l.jt[i] + o_base, &base, 8) ||
		    rd_fresh(s, s->l.jt[i] + o_size, &size, 8) ||
		    rd_fresh(s, s->l.jt[i] + o_anchor + o_sp, &sp, 8) ||
		    size > base || !size || size > MAX_STACK)
			continue;
		if (FX_GROW(s->t, s->nt, s->capt, 16)) {
			r = -ENOMEM;
			break;
		}
		t = &s->t[s->nt++];
		/* From the last Java frame; all of it when running Java. */
		t->lo = sp > base - size && sp < base ? sp & ~7ull : base - size;
		t->hi = base;
		jt = fx_jvm_thread_at(&j, base - 1);
		if (jt && jt->name[0])
			snprintf(t->name, sizeof(t->name), "thread %s",
				 jt->name);
		else if (jt)
			snprintf(t->name, sizeof(t->name), "thread tid %d",
				 jt->tid);
		else
			snprintf(t->name, sizeof(t->name), "thread 0x%llx",
				 (unsigned long long)s->l.jt[i]);
	}
	fx_jvm_release(&j);
	return r;
}

/* Stack words holding the level's objects: roots. 0 or -ENOMEM. */
static int scan_stacks(struct hs *s)
{
	unsigned char page[PAGE];
	uint64_t a, n, i;
	size_t k;

	for (k = 0; k < s->nt; k++) {
		struct jthread *t = &s->t[k];

		s->h->stacks++;
		for (a = t->lo; a < t->hi; a += n) {
			n = PAGE - (a & (PAGE - 1));
			if (n > t->hi - a)
				n = t->hi - a;
			/* A page never touched holds nothing. */
			if (rd_fresh(s, a, page, (size_t)n))
				continue;
			s->h->stack_bytes += n;
			for (i = 0; i + 8 <= n; i += 8) {
				uint64_t v;

				memcpy(&v, page + i, 8);
				if (v < s->l.heap_lo || v >= s->l.heap_hi ||
				    (v & 7) ||
				    !bit(s->cur, (v - s->l.heap_lo) >> 3))
					continue;
				if (add_root(s, t->name) ||
				    set_bit(&s->conf, (v - s->l.heap_lo) >> 3))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* ---- the visitor ---- */

static int begin(void *arg, struct fx_jobj_walk *w)
{
	struct hs *s = arg;
	struct fx_jholders *h = s->h;
	uint64_t ch, o_gc;
	int r;

	hs_free(s);
	free_recs(h);
	h->end = FX_JH_NOT_WALKED;
	h->depth = 0;
	h->last_n = h->noref = h->stacks = h->stack_bytes = h->pruned = 0;
	h->gc_ran = 0;
	s->depth = 0;
	s->down = 0;
	s->obj0 = s->bytes0 = 0;
	s->prev_n = 0;
	s->nstatic = 0;
	s->nbad = 0;
	fx_jobj_layout(w, &s->l);
	s->target = fx_jobj_class_find(w, h->cls);
	if (s->target < 0) {
		h->end = FX_JH_NO_CLASS;
		snprintf(h->o.note, sizeof(h->o.note), "no class named '%.150s' "
			 "is loaded (names as classify --objects gives them)",
			 h->cls);
		return 1;
	}
	if (s->l.heap_hi - s->l.heap_lo > MAX_HEAP) {
		snprintf(h->o.note, sizeof(h->o.note), "a Java heap of over "
			 "256 GiB: not walked for holders");
		return 1;
	}
	if (layout(s, w))
		return 1;
	s->nwords = (size_t)((s->l.heap_hi - s->l.heap_lo) / 8);
	s->cnt = calloc(s->l.nnames + 1, 8);
	s->byt = calloc(s->l.nnames + 1, 8);
	s->ki = calloc(s->l.nklass + 1, sizeof(*s->ki));
	if (bm_init(&s->next, s->nwords) || bm_init(&s->conf, s->nwords) ||
	    bm_init(&s->seen, s->nwords) || !s->cnt || !s->byt || !s->ki)
		return -ENOMEM;
	r = find_threads(s);
	if (r)
		return r;
	/* A collection between two passes moves what the bitmaps say. */
	if (!fx_vms_static(s->l.v, "Universe", "_collectedHeap", &ch) &&
	    !rd(s, ch, &ch, 8) &&
	    !off_of(s, "CollectedHeap", "_total_collections", &o_gc) &&
	    !rd_fresh(s, ch + o_gc, &s->gc0, 4))
		s->gc_at = ch + o_gc;
	return 0;
}

static int object(void *arg, struct fx_jobj_walk *w,
		  const struct fx_jobj_obj *ob)
{
	struct hs *s = arg;
	uint64_t i = (ob->addr - s->l.heap_lo) >> 3;
	int r;

	if (s->down) {
		/* Going down: an object of the level held from a root. */
		if (!bit(&s->lv[s->down], i) || !bit(&s->conf, i))
			return 0;
		s->cnt[ob->cls]++;
		s->byt[ob->cls] += ob->size;
		return s->down > 1 ? holds(s, w, ob, 1) : 0;
	}
	if (s->depth == 0) {
		if (ob->cls != s->target)
			return 0;
	} else {
		if (ob->mirror && (r = statics(s, w, ob)))
			return r;
		if (bit(&s->seen, i))
			return 0;
		r = holds(s, w, ob, 0);
		if (r <= 0)
			return r;
	}
	if (set_bit(&s->next, i) || set_bit(&s->seen, i))
		return -ENOMEM;
	s->cnt[ob->cls]++;
	s->byt[ob->cls] += ob->size;
	return 0;
}

/* By depth, the heap's objects before the roots, most first. */
static int cmp_rec(const void *a, const void *b)
{
	const struct fx_jholders_rec *x = a, *y = b;
	int c = fx_cmp_u64(x->depth, y->depth);

	c = c ? c : x->root - y->root;
	c = c ? c : fx_cmp_u64(y->count, x->count);
	c = c ? c : fx_cmp_u64(y->bytes, x->bytes);
	return c ? c : strcmp(x->name, y->name);
}

static int add_rec(struct fx_jholders *h, unsigned depth, uint64_t count,
		   uint64_t bytes, const char *name, int root)
{
	struct fx_jholders_rec *r;

	if (FX_GROW(h->r, h->nr, h->capr, 16))
		return -ENOMEM;
	r = &h->r[h->nr];
	r->name = strdup(name);
	if (!r->name)
		return -ENOMEM;
	r->depth = depth;
	r->count = count;
	r->bytes = bytes;
	r->root = root;
	h->nr++;
	return 0;
}

/* The records of depth's classes counted; *n their objects. 0 or
 * -ENOMEM. */
static int emit_classes(struct hs *s, struct fx_jobj_walk *w, unsigned depth,
			uint64_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < s->l.nnames; i++) {
		if (!s->cnt[i])
			continue;
		*n += s->cnt[i];
		if (add_rec(s->h, depth, s->cnt[i], s->byt[i],
			    fx_jobj_class_name(w, (long)i), 0))
			return -ENOMEM;
	}
	memset(s->cnt, 0, s->l.nnames * 8);
	memset(s->byt, 0, s->l.nnames * 8);
	return 0;
}

/* The level's records; *n its heap objects. 0 or -ENOMEM. */
static int emit(struct hs *s, struct fx_jobj_walk *w, uint64_t *n)
{
	struct fx_jholders *h = s->h;
	size_t i;

	if (s->depth == 0) {
		*n = s->cnt[s->target];
		return add_rec(h, 0, *n, s->byt[s->target], h->cls, 0);
	}
	if (emit_classes(s, w, s->depth, n))
		return -ENOMEM;
	for (i = 0; i < s->roots.n; i++)
		if (add_rec(h, s->depth, s->rcount[i], 0, s->roots.e[i].key, 1))
			return -ENOMEM;
	return 0;
}

/*
 * The chain ended in roots: keep, of every level, only the objects held
 * from them (a dead object G1 left in place holds stale references but
 * nothing live holds it): the levels' records are made again going down
 * from the top, one pass each. 1 walk again, 0 done.
 */
static int go_down(struct hs *s)
{
	struct fx_jholders *h = s->h;
	size_t i, n = 0;

	if (s->depth < 2)
		return 0;
	for (i = 0; i < h->nr; i++) {
		if (h->r[i].depth && !h->r[i].root)
			free(h->r[i].name);
		else
			h->r[n++] = h->r[i];
	}
	h->nr = n;
	s->down = s->depth - 1;
	memset(s->cnt, 0, s->l.nnames * 8);
	memset(s->byt, 0, s->l.nnames * 8);
	return 1;
}

/* A place not parsed that an earlier pass met too is said once: the
 * walk's list and totals keep the first. */
static void dedupe_bad(struct hs *s)
{
	struct fx_jobjects *o = &s->h->o;
	size_t i, j, n = o->nbad < FX_JOBJ_NBAD ? (size_t)o->nbad : FX_JOBJ_NBAD;

	for (i = s->nbad; i < n;) {
		for (j = 0; j < s->nbad; j++)
			if (o->bad[j].addr == o->bad[i].addr &&
			    strcmp(o->bad[j].why, o->bad[i].why) == 0)
				break;
		if (j == s->nbad) {
			i++;
			continue;
		}
		o->bad_bytes -= o->bad[i].left;
		memmove(&o->bad[i], &o->bad[i + 1], (n - i - 1) * sizeof(*o->bad));
		n--;
		o->nbad--;
	}
	s->nbad = n;
}

/* A pass ended: the level's records, then the next level or the end. */
static int pass(void *arg, struct fx_jobj_walk *w)
{
	struct hs *s = arg;
	struct fx_jholders *h = s->h;
	uint64_t n;
	uint32_t gc;
	int r;

	dedupe_bad(s);
	s->obj0 = h->o.objects;
	s->bytes0 = h->o.bytes;
	if (s->gc_at && (rd_fresh(s, s->gc_at, &gc, 4) || gc != s->gc0))
		h->gc_ran = 1;
	if (s->down) {
		/* Going down: the level's objects held from a root. */
		r = emit_classes(s, w, s->down, &n);
		if (r)
			return r;
		h->pruned += s->lv_n[s->down] - n;
		return --s->down > 0;
	}
	if (s->depth && (r = scan_stacks(s)))
		return r;
	r = emit(s, w, &n);
	if (r)
		return r;
	h->depth = s->depth;
	h->last_n = s->prev_n;
	if (!s->depth && !n) {
		h->end = FX_JH_NO_INSTANCES;
		return 0;
	}
	if (s->depth && (!n || s->nstatic)) {
		h->end = s->roots.n ? FX_JH_ROOTS : FX_JH_NOTHING;
		return h->end == FX_JH_ROOTS ? go_down(s) : 0;
	}
	if (s->depth >= FX_JH_MAX_DEPTH) {
		h->end = FX_JH_CAP;
		return 0;
	}
	s->prev_n = n;
	s->lv[s->depth] = s->next;
	s->lv_n[s->depth] = n;
	s->cur = &s->lv[s->depth];
	if (bm_init(&s->next, s->nwords))
		return -ENOMEM;
	memset(s->cnt, 0, s->l.nnames * 8);
	memset(s->byt, 0, s->l.nnames * 8);
	if (s->caprc)
		memset(s->rcount, 0, s->caprc * 8);
	s->nstatic = 0;
	fx_strtab_reset(&s->roots);
	s->depth++;
	return 1;
}

/* The caller's progress, with what this pass counted so far. */
static void hs_progress(void *arg, uint64_t objects, uint64_t bytes)
{
	struct hs *s = arg;

	s->progress(s->parg, objects - s->obj0, bytes - s->bytes0);
}

static void hs_init(struct hs *s, struct fx_jholders *h, struct fx_memsrc *ms)
{
	memset(s, 0, sizeof(*s));
	s->h = h;
	s->ms = ms;
	fx_strtab_init(&s->roots);
	s->vi.begin = begin;
	s->vi.object = object;
	s->vi.pass = pass;
	s->vi.arg = s;
	h->o.hooks.visit = &s->vi;
	s->progress = h->o.hooks.progress;
	s->parg = h->o.hooks.arg;
	if (s->progress) {
		h->o.hooks.progress = hs_progress;
		h->o.hooks.arg = s;
	}
}

static int hs_done(struct hs *s, int r)
{
	s->h->o.hooks.visit = NULL;
	s->h->o.hooks.progress = s->progress;
	s->h->o.hooks.arg = s->parg;
	hs_free(s);
	if (r || !s->h->o.ok)
		free_recs(s->h);
	else if (s->h->nr)
		qsort(s->h->r, s->h->nr, sizeof(*s->h->r), cmp_rec);
	return r;
}

int fx_jholders_walk_src(struct fx_jholders *h, struct fx_memsrc *ms,
			 struct fx_proc *p, const struct fx_freeze_opts *fo,
			 struct fx_buf *msg)
{
	struct hs s;

	if (!h->cls[0])
		return fx_jobjects_walk_src(&h->o, ms, p, fo, msg);
	hs_init(&s, h, ms);
	return hs_done(&s, fx_jobjects_walk_src(&h->o, ms, p, fo, msg));
}

int fx_jholders_walk_tables(struct fx_jholders *h,
			    const struct fx_vmstructs *v,
			    struct fx_heap_src *rs, struct fx_heap_src *heap)
{
	struct hs s;

	hs_init(&s, h, NULL);
	return hs_done(&s, fx_jobjects_walk_tables(&h->o, v, rs, heap));
}

/* ---- out ---- */

int fx_jholders_write(const struct fx_jholders *h, struct fx_writer *w,
		      int pid, unsigned long long starttime)
{
	const struct fx_reckind *k = fx_reckind(FX_REC_HOLDERS);
	size_t i;
	int r;

	if (!h->cls[0])
		return fx_jobjects_write(&h->o, w, pid, starttime);
	r = fx_writer_columns(w, k->cols, k->ncols);
	for (i = 0; i < h->nr && !r; i++) {
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_u64(w, h->r[i].depth);
		fx_writer_u64(w, h->r[i].count);
		if (h->r[i].root)
			fx_writer_missing(w);
		else
			fx_writer_u64(w, h->r[i].bytes);
		fx_writer_u64_known(w, starttime);
		fx_writer_text(w, h->r[i].name, strlen(h->r[i].name));
		r = fx_writer_end(w);
	}
	return r;
}

int fx_jholders_partial(const struct fx_jholders *h)
{
	return h->o.nbad || (h->cls[0] && (h->noref || h->gc_ran));
}

int fx_jholders_report(const struct fx_jholders *h, int verbose,
		       struct fx_buf *b)
{
	char line[640];
	int r = 0;

	line[0] = '\0';
	if (!h->cls[0])
		return fx_jobjects_report(&h->o, verbose, b);
	if (h->end == FX_JH_NO_INSTANCES)
		snprintf(line, sizeof(line), "no instance of %.200s in the "
			 "Java heap: nothing holds it\n", h->cls);
	else if (h->end == FX_JH_NOTHING)
		snprintf(line, sizeof(line), "nothing in the heap or the Java "
			 "stacks holds the %llu object%s of depth %u: held "
			 "from outside them (JNI global references, not read; "
			 "the JVM's own), or garbage not collected yet\n",
			 (unsigned long long)h->last_n,
			 h->last_n == 1 ? "" : "s", h->depth - 1);
	else if (h->end == FX_JH_CAP)
		snprintf(line, sizeof(line), "the chain stops at depth %u (the "
			 "most walked): it goes on\n", h->depth);
	else if (h->end == FX_JH_ROOTS && verbose)
		snprintf(line, sizeof(line), "the chain ends in roots at depth "
			 "%u\n", h->depth);
	r = fx_buf_adds(b, line);
	if (!r && h->noref) {
		snprintf(line, sizeof(line), "%llu objects' references not "
			 "read (their class's layout or their bytes not "
			 "readable): not followed\n",
			 (unsigned long long)h->noref);
		r = fx_buf_adds(b, line);
	}
	if (!r && h->gc_ran) {
		snprintf(line, sizeof(line), "a collection ran during the "
			 "walk's %u passes: objects moved, the chain may be cut "
			 "(--freeze holds the heap still)\n", h->depth + 1);
		r = fx_buf_adds(b, line);
	}
	if (!r && verbose) {
		snprintf(line, sizeof(line), "%u passes over the heap; %llu "
			 "Java thread stack scans (%llu bytes); %llu objects "
			 "met that no root holds, left out\n",
			 h->depth + (h->depth > 1 && h->end == FX_JH_ROOTS ?
				     h->depth : 1),
			 (unsigned long long)h->stacks,
			 (unsigned long long)h->stack_bytes,
			 (unsigned long long)h->pruned);
		r = fx_buf_adds(b, line);
	}
	if (!r)
		r = fx_jobjects_report(&h->o, verbose, b);
	return r ? -ENOMEM : 0;
}
