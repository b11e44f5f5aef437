/*
 * vmstructs: HotSpot's vmStructs tables read from a JVM's memory (see
 * vmstructs.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"
#include "vmstructs.h"

const char *const fx_vms_symbols[FX_VMS_NSYMS] = {
	[FX_VMS_STRUCTS] = "gHotSpotVMStructs",
	[FX_VMS_S_TYPE] = "gHotSpotVMStructEntryTypeNameOffset",
	[FX_VMS_S_FIELD] = "gHotSpotVMStructEntryFieldNameOffset",
	[FX_VMS_S_TSTRING] = "gHotSpotVMStructEntryTypeStringOffset",
	[FX_VMS_S_STATIC] = "gHotSpotVMStructEntryIsStaticOffset",
	[FX_VMS_S_OFFSET] = "gHotSpotVMStructEntryOffsetOffset",
	[FX_VMS_S_ADDRESS] = "gHotSpotVMStructEntryAddressOffset",
	[FX_VMS_S_STRIDE] = "gHotSpotVMStructEntryArrayStride",
	[FX_VMS_TYPES] = "gHotSpotVMTypes",
	[FX_VMS_T_TYPE] = "gHotSpotVMTypeEntryTypeNameOffset",
	[FX_VMS_T_SUPER] = "gHotSpotVMTypeEntrySuperclassNameOffset",
	[FX_VMS_T_SIZE] = "gHotSpotVMTypeEntrySizeOffset",
	[FX_VMS_T_STRIDE] = "gHotSpotVMTypeEntryArrayStride",
	[FX_VMS_INTS] = "gHotSpotVMIntConstants",
	[FX_VMS_I_NAME] = "gHotSpotVMIntConstantEntryNameOffset",
	[FX_VMS_I_VALUE] = "gHotSpotVMIntConstantEntryValueOffset",
	[FX_VMS_I_STRIDE] = "gHotSpotVMIntConstantEntryArrayStride",
	[FX_VMS_LONGS] = "gHotSpotVMLongConstants",
	[FX_VMS_L_NAME] = "gHotSpotVMLongConstantEntryNameOffset",
	[FX_VMS_L_VALUE] = "gHotSpotVMLongConstantEntryValueOffset",
	[FX_VMS_L_STRIDE] = "gHotSpotVMLongConstantEntryArrayStride",
};

/* Bounds on what a real table holds (JDK 17: 2,040 entries in all, names
 * under 100 bytes): a corrupt table costs at most a few MiB. */
#define MAX_ENTRIES 20000
#define MAX_STRIDE 4096
#define MAX_NAME 256
#define MAX_POOL (4u << 20)

void fx_vmstructs_init(struct fx_vmstructs *v)
{
	memset(v, 0, sizeof(*v));
}

void fx_vmstructs_release(struct fx_vmstructs *v)
{
	free(v->f);
	free(v->t);
	free(v->c);
	free(v->pool);
	memset(v, 0, sizeof(*v));
}

static int rd64(struct fx_heap_src *src, uint64_t a, uint64_t *out)
{
	return src->read(src->ctx, a, out, sizeof(*out));
}

/*
 * Append the NUL-terminated string at a to pool; *off gets its offset
 * plus one (0: a NULL pointer). Reads stop at page ends so that a string
 * near the end of a mapping is not refused for bytes after it.
 */
static int rdstr(struct fx_heap_src *src, uint64_t a, struct fx_buf *pool,
		 size_t *off)
{
	char chunk[64];
	size_t got = 0, n, k;
	int r;

	*off = 0;
	if (!a)
		return 0;
	*off = pool->len + 1;
	while (got < MAX_NAME) {
		n = sizeof(chunk) - (a + got) % sizeof(chunk);
		r = src->read(src->ctx, a + got, chunk, n);
		if (r)
			return r;
		for (k = 0; k < n && chunk[k]; k++)
			;
		if (pool->len + k > MAX_POOL)
			return -EBADMSG;
		if (fx_buf_add(pool, chunk, k))
			return -ENOMEM;
		got += k;
		if (k < n)
			return fx_buf_addc(pool, '\0') ? -ENOMEM : 0;
	}
	return -EBADMSG;
}

/* One table: its base, stride and the offsets of up to 4 members. */
struct layout {
	uint64_t base, stride, off[6];
	size_t noff;
};

static int get_layout(struct fx_heap_src *src, const uint64_t *sym,
		      int table, int stride, const int *offs, size_t noff,
		      struct layout *l)
{
	size_t i;
	int r;

	if (!sym[table] || !sym[stride])
		return -ENOENT;
	for (i = 0; i < noff; i++)
		if (!sym[offs[i]])
			return -ENOENT;
	r = rd64(src, sym[table], &l->base);
	if (!r)
		r = rd64(src, sym[stride], &l->stride);
	for (i = 0; !r && i < noff; i++)
		r = rd64(src, sym[offs[i]], &l->off[i]);
	if (r)
		return r;
	if (!l->base)
		return -ENOENT;
	if (l->stride < 8 || l->stride > MAX_STRIDE)
		return -EBADMSG;
	for (i = 0; i < noff; i++)
		if (l->off[i] > l->stride - 4)
			return -EBADMSG;
	l->noff = noff;
	return 0;
}

/* Grow *arr (element size sz) to hold n + 1; 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 256;
	p = realloc(*arr, nc * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

/* Entries hold string offsets (plus one) until the pool stops moving. */
struct rawf {
	size_t type, name, tstring;
	int is_static;
	uint64_t offset, addr;
};

struct rawt {
	size_t name, super;
	uint64_t size;
};

struct rawc {
	size_t name;
	int64_t value;
};

struct raw {
	struct rawf *f;
	size_t nf, capf;
	struct rawt *t;
	size_t nt, capt;
	struct rawc *c;
	size_t nc, capc;
	struct fx_buf pool;
};

static int read_fields(struct raw *w, struct fx_heap_src *src,
		       const uint64_t *sym)
{
	static const int offs[] = { FX_VMS_S_TYPE, FX_VMS_S_FIELD,
				    FX_VMS_S_TSTRING, FX_VMS_S_STATIC,
				    FX_VMS_S_OFFSET, FX_VMS_S_ADDRESS };
	struct layout l;
	uint64_t e, p[3];
	uint32_t st;
	size_t i;
	int r;

	r = get_layout(src, sym, FX_VMS_STRUCTS, FX_VMS_S_STRIDE, offs, 6, &l);
	if (r)
		return r;
	for (i = 0; i < MAX_ENTRIES; i++) {
		struct rawf *f;

		e = l.base + i * l.stride;
		r = rd64(src, e + l.off[0], &p[0]);
		if (r || !p[0])
			return r;
		if (grow((void **)&w->f, &w->capf, w->nf, sizeof(*w->f)))
			return -ENOMEM;
		f = &w->f[w->nf];
		r = rd64(src, e + l.off[1], &p[1]);
		if (!r)
			r = rd64(src, e + l.off[2], &p[2]);
		if (!r)
			r = src->read(src->ctx, e + l.off[3], &st, sizeof(st));
		if (!r)
			r = rd64(src, e + l.off[4], &f->offset);
		if (!r)
			r = rd64(src, e + l.off[5], &f->addr);
		if (!r)
			r = rdstr(src, p[0], &w->pool, &f->type);
		if (!r)
			r = rdstr(src, p[1], &w->pool, &f->name);
		if (!r)
			r = rdstr(src, p[2], &w->pool, &f->tstring);
		if (r)
			return r;
		f->is_static = st != 0;
		w->nf++;
	}
	return -EBADMSG;
}

static int read_types(struct raw *w, struct fx_heap_src *src,
		      const uint64_t *sym)
{
	static const int offs[] = { FX_VMS_T_TYPE, FX_VMS_T_SUPER,
				    FX_VMS_T_SIZE };
	struct layout l;
	uint64_t e, p[2];
	size_t i;
	int r;

	r = get_layout(src, sym, FX_VMS_TYPES, FX_VMS_T_STRIDE, offs, 3, &l);
	if (r)
		return r;
	for (i = 0; i < MAX_ENTRIES; i++) {
		struct rawt *t;

		e = l.base + i * l.stride;
		r = rd64(src, e + l.off[0], &p[0]);
		if (r || !p[0])
			return r;
		if (grow((void **)&w->t, &w->capt, w->nt, sizeof(*w->t)))
			return -ENOMEM;
		t = &w->t[w->nt];
		r = rd64(src, e + l.off[1], &p[1]);
		if (!r)
			r = rd64(src, e + l.off[2], &t->size);
		if (!r)
			r = rdstr(src, p[0], &w->pool, &t->name);
		if (!r)
			r = rdstr(src, p[1], &w->pool, &t->super);
		if (r)
			return r;
		w->nt++;
	}
	return -EBADMSG;
}

static int read_consts(struct raw *w, struct fx_heap_src *src,
		       const uint64_t *sym, int is_long)
{
	static const int ioffs[] = { FX_VMS_I_NAME, FX_VMS_I_VALUE };
	static const int loffs[] = { FX_VMS_L_NAME, FX_VMS_L_VALUE };
	struct layout l;
	uint64_t e, p, v64;
	int32_t v32;
	size_t i;
	int r;

	r = is_long ? get_layout(src, sym, FX_VMS_LONGS, FX_VMS_L_STRIDE,
				 loffs, 2, &l) :
		      get_layout(src, sym, FX_VMS_INTS, FX_VMS_I_STRIDE, ioffs,
				 2, &l);
	if (r)
		return r;
	if (is_long && l.off[1] > l.stride - 8)
		return -EBADMSG;
	for (i = 0; i < MAX_ENTRIES; i++) {
		struct rawc *c;

		e = l.base + i * l.stride;
		r = rd64(src, e + l.off[0], &p);
		if (r || !p)
			return r;
		if (grow((void **)&w->c, &w->capc, w->nc, sizeof(*w->c)))
			return -ENOMEM;
		c = &w->c[w->nc];
		if (is_long) {
			r = rd64(src, e + l.off[1], &v64);
			c->value = (int64_t)v64;
		} else {
			r = src->read(src->ctx, e + l.off[1], &v32,
				      sizeof(v32));
			c->value = v32;
		}
		if (!r)
			r = rdstr(src, p, &w->pool, &c->name);
		if (r)
			return r;
		w->nc++;
	}
	return -EBADMSG;
}

static const char *str_at(const struct fx_vmstructs *v, size_t off)
{
	return off ? v->pool + off - 1 : NULL;
}

/* Move the raw entries into v with real string pointers. */
static int publish(struct fx_vmstructs *v, struct raw *w)
{
	size_t i;

	v->pool = w->pool.data;
	w->pool.data = NULL;
	v->f = calloc(w->nf + 1, sizeof(*v->f));
	v->t = calloc(w->nt + 1, sizeof(*v->t));
	v->c = calloc(w->nc + 1, sizeof(*v->c));
	if (!v->f || !v->t || !v->c || !v->pool)
		return -ENOMEM;
	for (i = 0; i < w->nf; i++) {
		v->f[i].type = str_at(v, w->f[i].type);
		v->f[i].name = str_at(v, w->f[i].name);
		v->f[i].tstring = str_at(v, w->f[i].tstring);
		v->f[i].is_static = w->f[i].is_static;
		v->f[i].offset = w->f[i].offset;
		v->f[i].addr = w->f[i].addr;
	}
	for (i = 0; i < w->nt; i++) {
		v->t[i].name = str_at(v, w->t[i].name);
		v->t[i].super = str_at(v, w->t[i].super);
		v->t[i].size = w->t[i].size;
	}
	for (i = 0; i < w->nc; i++) {
		v->c[i].name = str_at(v, w->c[i].name);
		v->c[i].value = w->c[i].value;
	}
	v->nf = w->nf;
	v->nt = w->nt;
	v->nc = w->nc;
	return 0;
}

int fx_vmstructs_read(struct fx_vmstructs *v, struct fx_heap_src *src,
		      const uint64_t *sym)
{
	struct raw w;
	int r;

	fx_vmstructs_release(v);
	memset(&w, 0, sizeof(w));
	fx_buf_init(&w.pool);
	r = read_fields(&w, src, sym);
	if (!r)
		r = read_types(&w, src, sym);
	if (!r)
		r = read_consts(&w, src, sym, 0);
	if (!r)
		r = read_consts(&w, src, sym, 1);
	if (!r && (!w.nf || !w.nt))
		r = -EBADMSG;
	if (!r && !w.pool.data && fx_buf_addc(&w.pool, '\0'))
		r = -ENOMEM;
	if (!r)
		r = publish(v, &w);
	if (r)
		fx_vmstructs_release(v);
	free(w.f);
	free(w.t);
	free(w.c);
	fx_buf_release(&w.pool);
	return r;
}

static int eq(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

const struct fx_vms_field *fx_vms_field(const struct fx_vmstructs *v,
					const char *type, const char *name)
{
	size_t i;

	for (i = 0; i < v->nf; i++)
		if (eq(v->f[i].name, name) && eq(v->f[i].type, type))
			return &v->f[i];
	return NULL;
}

int fx_vms_offset(const struct fx_vmstructs *v, const char *type,
		  const char *name, uint64_t *off)
{
	const struct fx_vms_field *f = fx_vms_field(v, type, name);

	if (!f || f->is_static || f->offset > 1u << 20)
		return -ENOENT;
	*off = f->offset;
	return 0;
}

int fx_vms_static(const struct fx_vmstructs *v, const char *type,
		  const char *name, uint64_t *addr)
{
	const struct fx_vms_field *f = fx_vms_field(v, type, name);

	if (!f || !f->is_static || !f->addr)
		return -ENOENT;
	*addr = f->addr;
	return 0;
}

int fx_vms_size(const struct fx_vmstructs *v, const char *type,
		uint64_t *size)
{
	size_t i;

	for (i = 0; i < v->nt; i++)
		if (eq(v->t[i].name, type)) {
			*size = v->t[i].size;
			return 0;
		}
	return -ENOENT;
}

int fx_vms_const(const struct fx_vmstructs *v, const char *name,
		 int64_t *value)
{
	size_t i;

	for (i = 0; i < v->nc; i++)
		if (eq(v->c[i].name, name)) {
			*value = v->c[i].value;
			return 0;
		}
	return -ENOENT;
}

void fx_vms_flags(const struct fx_vmstructs *v, struct fx_heap_src *src,
		  struct fx_vms_flag *fl, size_t n)
{
	uint64_t fa, arr, na, nflags, esz, oname, oaddr, e, p, a;
	char name[64];
	size_t i, k, got;
	int r;

	if (fx_vms_offset(v, "JVMFlag", "_name", &oname) ||
	    fx_vms_offset(v, "JVMFlag", "_addr", &oaddr) ||
	    fx_vms_size(v, "JVMFlag", &esz) || !esz || esz > 4096 ||
	    fx_vms_static(v, "JVMFlag", "flags", &fa) ||
	    fx_vms_static(v, "JVMFlag", "numFlags", &na) ||
	    rd64(src, fa, &arr) || rd64(src, na, &nflags) || nflags > 100000)
		return;
	for (i = 0; i < nflags; i++) {
		e = arr + i * esz;
		if (rd64(src, e + oname, &p) || !p || rd64(src, e + oaddr, &a))
			continue;
		/* The name, read in pieces that stop at 16-byte boundaries
		 * (never past the page its NUL is on). */
		for (got = 0, r = 1; r == 1 && got + 16 < sizeof(name);) {
			size_t m = 16 - (p + got) % 16;

			if (src->read(src->ctx, p + got, name + got, m)) {
				r = -1;
				break;
			}
			name[got + m] = '\0';
			r = strlen(name + got) < m ? 0 : 1;
			got += m;
		}
		if (r)
			continue;
		for (k = 0; k < n; k++) {
			uint8_t b;

			if (fl[k].found || strcmp(name, fl[k].name))
				continue;
			if (fl[k].size == 1 && !src->read(src->ctx, a, &b, 1)) {
				fl[k].value = b;
				fl[k].found = 1;
			} else if (fl[k].size == 8 &&
				   !rd64(src, a, &fl[k].value)) {
				fl[k].found = 1;
			} else if (fl[k].size == 4) {
				uint32_t u;

				if (!src->read(src->ctx, a, &u, 4)) {
					fl[k].value = u;
					fl[k].found = 1;
				}
			}
		}
	}
}

const char *fx_vms_collector(const struct fx_vmstructs *v,
			     struct fx_heap_src *src)
{
	static const char *const names[] = { "G1", "Parallel", "Serial", "Z",
					     "Shenandoah", "Epsilon" };
	struct fx_vms_flag fl[] = {
		{ "UseG1GC", 1, 0, 0 },	     { "UseParallelGC", 1, 0, 0 },
		{ "UseSerialGC", 1, 0, 0 },	     { "UseZGC", 1, 0, 0 },
		{ "UseShenandoahGC", 1, 0, 0 }, { "UseEpsilonGC", 1, 0, 0 },
	};
	size_t i;

	fx_vms_flags(v, src, fl, sizeof(fl) / sizeof(fl[0]));
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (fl[i].found && fl[i].value)
			return names[i];
	return "";
}
