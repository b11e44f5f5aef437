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

/* The four tables, in the order they are read. */
enum { T_FIELDS, T_TYPES, T_INTS, T_LONGS, T_N };

static const struct table {
	int table, stride;	/* symbols: the array, its entry size */
	int offs[6];		/* symbols: member offsets, name 1st */
	unsigned char width[6];	/* each member's bytes: 4 is an int32 */
	unsigned strs;		/* bit i: member i points to a string */
	size_t noff;
	uint64_t last;		/* bytes the last member must have */
} tables[T_N] = {
	[T_FIELDS] = { FX_VMS_STRUCTS, FX_VMS_S_STRIDE,
		       { FX_VMS_S_TYPE, FX_VMS_S_FIELD, FX_VMS_S_TSTRING,
			 FX_VMS_S_STATIC, FX_VMS_S_OFFSET, FX_VMS_S_ADDRESS },
		       { 8, 8, 8, 4, 8, 8 }, 7, 6, 4 },
	[T_TYPES] = { FX_VMS_TYPES, FX_VMS_T_STRIDE,
		      { FX_VMS_T_TYPE, FX_VMS_T_SUPER, FX_VMS_T_SIZE },
		      { 8, 8, 8 }, 3, 3, 4 },
	[T_INTS] = { FX_VMS_INTS, FX_VMS_I_STRIDE,
		     { FX_VMS_I_NAME, FX_VMS_I_VALUE }, { 8, 4 }, 1, 2, 4 },
	[T_LONGS] = { FX_VMS_LONGS, FX_VMS_L_STRIDE,
		      { FX_VMS_L_NAME, FX_VMS_L_VALUE }, { 8, 8 }, 1, 2, 8 },
};

/*
 * The entries as read, each table's members in its order; strings are
 * offsets (plus one, 0 for NULL) into the pool until it stops moving.
 */
struct raw {
	struct {
		uint64_t (*e)[6];
		size_t n, cap;
	} tab[T_N];
	struct fx_buf pool;
};

/* Read table k's entries up to the one whose name is NULL: 0 or -errno. */
static int read_table(struct raw *w, struct fx_heap_src *src,
		      const uint64_t *sym, size_t k)
{
	const struct table *t = &tables[k];
	struct layout l;
	uint64_t e, *m;
	int32_t v32;
	size_t i, j;
	int r;

	r = get_layout(src, sym, t->table, t->stride, t->offs, t->noff, &l);
	if (r)
		return r;
	if (l.off[t->noff - 1] > l.stride - t->last)
		return -EBADMSG;
	for (i = 0; i < MAX_ENTRIES; i++) {
		if (FX_GROW(w->tab[k].e, w->tab[k].n, w->tab[k].cap, 256))
			return -ENOMEM;
		m = w->tab[k].e[w->tab[k].n];
		e = l.base + i * l.stride;
		r = rd64(src, e + l.off[0], &m[0]);
		if (r || !m[0])
			return r;
		for (j = 1; j < t->noff && !r; j++) {
			if (t->width[j] == 8) {
				r = rd64(src, e + l.off[j], &m[j]);
			} else {
				r = src->read(src->ctx, e + l.off[j], &v32,
					      sizeof(v32));
				m[j] = (uint64_t)(int64_t)v32;
			}
		}
		for (j = 0; j < t->noff && !r; j++) {
			size_t off;

			if (!(t->strs >> j & 1))
				continue;
			r = rdstr(src, m[j], &w->pool, &off);
			m[j] = off;
		}
		if (r)
			return r;
		w->tab[k].n++;
	}
	return -EBADMSG;
}

static const char *str_at(const struct fx_vmstructs *v, uint64_t off)
{
	return off ? v->pool + off - 1 : NULL;
}

/* Move the raw entries into v with real string pointers. */
static int publish(struct fx_vmstructs *v, struct raw *w)
{
	size_t nf = w->tab[T_FIELDS].n, nt = w->tab[T_TYPES].n;
	size_t ni = w->tab[T_INTS].n, nl = w->tab[T_LONGS].n, i;
	uint64_t *m;

	v->pool = w->pool.data;
	w->pool.data = NULL;
	v->f = calloc(nf + 1, sizeof(*v->f));
	v->t = calloc(nt + 1, sizeof(*v->t));
	v->c = calloc(ni + nl + 1, sizeof(*v->c));
	if (!v->f || !v->t || !v->c || !v->pool)
		return -ENOMEM;
	for (i = 0; i < nf; i++) {
		m = w->tab[T_FIELDS].e[i];
		v->f[i].type = str_at(v, m[0]);
		v->f[i].name = str_at(v, m[1]);
		v->f[i].tstring = str_at(v, m[2]);
		v->f[i].is_static = m[3] != 0;
		v->f[i].offset = m[4];
		v->f[i].addr = m[5];
	}
	for (i = 0; i < nt; i++) {
		m = w->tab[T_TYPES].e[i];
		v->t[i].name = str_at(v, m[0]);
		v->t[i].super = str_at(v, m[1]);
		v->t[i].size = m[2];
	}
	/* The int constants, then the long ones. */
	for (i = 0; i < ni + nl; i++) {
		m = i < ni ? w->tab[T_INTS].e[i] : w->tab[T_LONGS].e[i - ni];
		v->c[i].name = str_at(v, m[0]);
		v->c[i].value = (int64_t)m[1];
	}
	v->nf = nf;
	v->nt = nt;
	v->nc = ni + nl;
	return 0;
}

int fx_vmstructs_read(struct fx_vmstructs *v, struct fx_heap_src *src,
		      const uint64_t *sym)
{
	struct raw w;
	size_t k;
	int r;

	fx_vmstructs_release(v);
	memset(&w, 0, sizeof(w));
	fx_buf_init(&w.pool);
	for (k = 0, r = 0; k < T_N && !r; k++)
		r = read_table(&w, src, sym, k);
	if (!r && (!w.tab[T_FIELDS].n || !w.tab[T_TYPES].n))
		r = -EBADMSG;
	if (!r && !w.pool.data && fx_buf_addc(&w.pool, '\0'))
		r = -ENOMEM;
	if (!r)
		r = publish(v, &w);
	if (r)
		fx_vmstructs_release(v);
	for (k = 0; k < T_N; k++)
		free(w.tab[k].e);
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

/* The first of n entries of sz bytes, each a name first, named name. */
static const void *named(const void *arr, size_t n, size_t sz,
			 const char *name)
{
	const char *p = arr, *s;
	size_t i;

	for (i = 0; i < n; i++, p += sz) {
		memcpy(&s, p, sizeof(s));
		if (eq(s, name))
			return p;
	}
	return NULL;
}

int fx_vms_size(const struct fx_vmstructs *v, const char *type,
		uint64_t *size)
{
	const struct fx_vms_type *t = named(v->t, v->nt, sizeof(*t), type);

	if (t)
		*size = t->size;
	return t ? 0 : -ENOENT;
}

int fx_vms_const(const struct fx_vmstructs *v, const char *name,
		 int64_t *value)
{
	const struct fx_vms_const *c = named(v->c, v->nc, sizeof(*c), name);

	if (c)
		*value = c->value;
	return c ? 0 : -ENOENT;
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
