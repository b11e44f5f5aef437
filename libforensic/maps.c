/*
 * maps: parsing maps/smaps/smaps_rollup text (format at the top of maps.h)
 * and writing region records.
 *
 * The parser treats the text as hostile: it is bounded by len (no NUL
 * needed, NULs rejected), allocates in proportion to the input, and stops
 * at the first malformed line with its number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "maps.h"
#include "rec.h"

/* The smaps keys, indexed by enum fx_field. */
static const struct {
	const char *key;
	unsigned char len;
	unsigned char kb;	/* value carries a " kB" unit */
} fields[FX_NFIELDS] = {
#define F(k, kb) { k, sizeof(k) - 1, kb }
	[FX_F_SIZE] = F("Size", 1),
	[FX_F_KERNEL_PAGE_SIZE] = F("KernelPageSize", 1),
	[FX_F_MMU_PAGE_SIZE] = F("MMUPageSize", 1),
	[FX_F_RSS] = F("Rss", 1),
	[FX_F_PSS] = F("Pss", 1),
	[FX_F_PSS_DIRTY] = F("Pss_Dirty", 1),
	[FX_F_PSS_ANON] = F("Pss_Anon", 1),
	[FX_F_PSS_FILE] = F("Pss_File", 1),
	[FX_F_PSS_SHMEM] = F("Pss_Shmem", 1),
	[FX_F_SHARED_CLEAN] = F("Shared_Clean", 1),
	[FX_F_SHARED_DIRTY] = F("Shared_Dirty", 1),
	[FX_F_PRIVATE_CLEAN] = F("Private_Clean", 1),
	[FX_F_PRIVATE_DIRTY] = F("Private_Dirty", 1),
	[FX_F_REFERENCED] = F("Referenced", 1),
	[FX_F_ANONYMOUS] = F("Anonymous", 1),
	[FX_F_KSM] = F("KSM", 1),
	[FX_F_LAZYFREE] = F("LazyFree", 1),
	[FX_F_ANON_HUGE] = F("AnonHugePages", 1),
	[FX_F_SHMEM_PMD] = F("ShmemPmdMapped", 1),
	[FX_F_FILE_PMD] = F("FilePmdMapped", 1),
	[FX_F_SHARED_HUGETLB] = F("Shared_Hugetlb", 1),
	[FX_F_PRIVATE_HUGETLB] = F("Private_Hugetlb", 1),
	[FX_F_SWAP] = F("Swap", 1),
	[FX_F_SWAP_PSS] = F("SwapPss", 1),
	[FX_F_LOCKED] = F("Locked", 1),
	[FX_F_THP_ELIGIBLE] = F("THPeligible", 0),
	[FX_F_PROTECTION_KEY] = F("ProtectionKey", 0),
#undef F
};

static const struct {
	char name[3];
	unsigned int bit;
} vmflag_bits[] = {
	{ "dd", FX_VM_DD }, { "io", FX_VM_IO }, { "pf", FX_VM_PF },
	{ "um", FX_VM_UM }, { "uw", FX_VM_UW }, { "ui", FX_VM_UI },
	{ "ht", FX_VM_HT }, { "nr", FX_VM_NR }, { "dc", FX_VM_DC },
	{ "wf", FX_VM_WF },
};

void fx_maps_init(struct fx_maps *m)
{
	m->r = NULL;
	m->n = 0;
	m->cap = 0;
	m->is_smaps = 0;
	m->overlaps = 0;
	fx_buf_init(&m->pool);
	m->prev_end = 0;
	m->lineno = 0;
	m->hint = FX_NFIELDS - 1;
	m->ended = 0;
	fx_buf_init(&m->part);
	m->pointed = 0;
	m->pointed_pool = NULL;
}

void fx_maps_release(struct fx_maps *m)
{
	free(m->r);
	fx_buf_release(&m->pool);
	fx_buf_release(&m->part);
	fx_maps_init(m);
}

static const char *const kind_names[] = {
	[FX_KIND_FILE] = "file",     [FX_KIND_ANON] = "anon",
	[FX_KIND_HEAP] = "heap",     [FX_KIND_STACK] = "stack",
	[FX_KIND_VDSO] = "vdso",     [FX_KIND_VVAR] = "vvar",
	[FX_KIND_VSYSCALL] = "vsyscall", [FX_KIND_SHM] = "shm",
	[FX_KIND_MEMFD] = "memfd",   [FX_KIND_DELETED] = "deleted",
	[FX_KIND_GUARD] = "guard",   [FX_KIND_NONE] = "-",
};

const char *fx_kind_name(enum fx_kind k)
{
	if ((unsigned int)k >= FX_ARRAY_SIZE(kind_names))
		return "-";
	return kind_names[k];
}

static int rollup_name(const char *name, size_t n)
{
	return n == 8 && memcmp(name, "[rollup]", 8) == 0;
}

static int starts(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);

	return n >= l && memcmp(s, pre, l) == 0;
}

static int ends(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

enum fx_kind fx_region_kind(const char *name, size_t n, const char *perms)
{
	int noperm = perms[0] == '-' && perms[1] == '-' && perms[2] == '-';
	int shared = perms[3] == 's';

	if (n && name[0] == '[') {
		if (n == 6 && memcmp(name, "[heap]", 6) == 0)
			return FX_KIND_HEAP;
		/* "[stack:TID]" named thread stacks before Linux 4.5. */
		if (starts(name, n, "[stack]") || starts(name, n, "[stack:"))
			return FX_KIND_STACK;
		if (n == 6 && memcmp(name, "[vdso]", 6) == 0)
			return FX_KIND_VDSO;
		/* "[vvar]", and "[vvar_vclock]" since Linux 6.13. */
		if (starts(name, n, "[vvar"))
			return FX_KIND_VVAR;
		if (n == 10 && memcmp(name, "[vsyscall]", 10) == 0)
			return FX_KIND_VSYSCALL;
		if (starts(name, n, "[anon_shmem:"))
			return FX_KIND_SHM;
		if (rollup_name(name, n))
			return FX_KIND_NONE;
		/* "[anon:NAME]" (PR_SET_VMA_ANON_NAME) and the rest. */
		return noperm ? FX_KIND_GUARD : FX_KIND_ANON;
	}
	if (noperm)
		return FX_KIND_GUARD;
	if (n == 0)
		return shared ? FX_KIND_SHM : FX_KIND_ANON;
	if (starts(name, n, "/memfd:"))
		return FX_KIND_MEMFD;
	/* SysV shm segments are unlinked files of the shm mount. */
	if (starts(name, n, "/SYSV") && ends(name, n, " (deleted)"))
		return FX_KIND_SHM;
	/* MAP_SHARED|MAP_ANONYMOUS is backed by an unlinked /dev/zero. */
	if (shared && n == 19 && memcmp(name, "/dev/zero (deleted)", 19) == 0)
		return FX_KIND_SHM;
	if (starts(name, n, "/dev/shm/"))
		return FX_KIND_SHM;
	if (ends(name, n, " (deleted)"))
		return FX_KIND_DELETED;
	return FX_KIND_FILE;
}

/* Parse hex at *p (at most 16 digits) up to e; 0 or -1. */
static int parse_hex(const char **p, const char *e, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d, n = 0;

	while (s < e && (d = fx_hexval(*s)) >= 0) {
		if (++n > 16)
			return -1;
		x = x << 4 | (uint64_t)d;
		s++;
	}
	if (n == 0)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

static int parse_dec(const char **p, const char *e, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (s >= e || *s < '0' || *s > '9')
		return -1;
	while (s < e && *s >= '0' && *s <= '9') {
		uint64_t d = (uint64_t)(*s - '0');

		/* Exact, so that an inode of UINT64_MAX still parses; no
		 * division (a hot path: every figure of every region). */
		if (x > UINT64_MAX / 10 ||
		    (x == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return -1;
		x = x * 10 + d;
		s++;
	}
	*p = s;
	*v = x;
	return 0;
}

static int expect(const char **p, const char *e, char c)
{
	if (*p >= e || **p != c)
		return -1;
	(*p)++;
	return 0;
}

static int add_region(struct fx_maps *m)
{
	return FX_GROW(m->r, m->n, m->cap, 64);
}

/* Append the name, unescaping the kernel's "\012" for '\n'. */
static int pool_name(struct fx_buf *pool, const char *s, size_t n,
		     size_t *out_len)
{
	size_t i, start = pool->len;

	if (fx_buf_reserve(pool, n + 1))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && n - i >= 4 &&
		    memcmp(s + i, "\\012", 4) == 0) {
			pool->data[pool->len++] = '\n';
			i += 3;
		} else {
			pool->data[pool->len++] = s[i];
		}
	}
	*out_len = pool->len - start;
	pool->data[pool->len++] = '\0';
	return 0;
}

static int parse_header(struct fx_maps *m, const char *p, const char *e,
			unsigned long lineno, struct fx_err *err)
{
	struct fx_region *r;
	uint64_t major, minor;
	const char *line = p;
	int i;

	if (add_region(m))
		return -ENOMEM;
	r = &m->r[m->n];
	memset(r, 0, sizeof(*r));
	if (parse_hex(&p, e, &r->start) || expect(&p, e, '-') ||
	    parse_hex(&p, e, &r->end) || expect(&p, e, ' '))
		goto bad;
	if (e - p < 5)
		goto bad;
	for (i = 0; i < 4; i++) {
		static const char allowed[4][3] = {
			{ 'r', '-', 0 }, { 'w', '-', 0 }, { 'x', '-', 0 },
			{ 'p', 's', 0 } };
		if (p[i] != allowed[i][0] && p[i] != allowed[i][1])
			goto bad;
		r->perms[i] = p[i];
	}
	r->perms[4] = '\0';
	p += 4;
	if (expect(&p, e, ' ') || parse_hex(&p, e, &r->offset) ||
	    expect(&p, e, ' ') || parse_hex(&p, e, &major) ||
	    expect(&p, e, ':') || parse_hex(&p, e, &minor) ||
	    expect(&p, e, ' ') || parse_dec(&p, e, &r->inode))
		goto bad;
	if (p < e && *p != ' ')
		goto bad;
	if (major > 0xfff || minor > 0xfffff)
		goto bad;
	r->dev_major = (unsigned int)major;
	r->dev_minor = (unsigned int)minor;
	while (p < e && *p == ' ')
		p++;
	if (r->end <= r->start) {
		fx_err_set(err, lineno, "region ends before it starts");
		fx_err_quote(err, line, (size_t)(e - line));
		return -EBADMSG;
	}
	r->name_off = m->pool.len;
	if (pool_name(&m->pool, p, (size_t)(e - p), &r->name_len))
		return -ENOMEM;
	r->vmflags_off = (size_t)-1;
	r->kind = fx_region_kind(m->pool.data + r->name_off, r->name_len,
				 r->perms);
	/* prev_end outlives regions dropped by fx_maps_drop. */
	if (r->start < m->prev_end && r->kind != FX_KIND_NONE)
		m->overlaps++;
	m->prev_end = r->end;
	m->n++;
	return 0;
bad:
	fx_err_set(err, lineno, "malformed region line");
	fx_err_quote(err, line, (size_t)(e - line));
	return -EBADMSG;
}

static int parse_vmflags(struct fx_maps *m, struct fx_region *r,
			 const char *p, const char *e)
{
	const char *s;
	size_t i;

	while (p < e && *p == ' ')
		p++;
	while (e > p && e[-1] == ' ')
		e--;
	r->has_vmflags = 1;
	r->vmflags = 0;
	for (s = p; s + 2 <= e; s += 3) {
		for (i = 0; i < FX_ARRAY_SIZE(vmflag_bits); i++)
			if (s[0] == vmflag_bits[i].name[0] &&
			    s[1] == vmflag_bits[i].name[1])
				r->vmflags |= vmflag_bits[i].bit;
	}
	r->vmflags_off = m->pool.len;
	if (fx_buf_add(&m->pool, p, (size_t)(e - p)) || fx_buf_addc(&m->pool, 0))
		return -ENOMEM;
	return 0;
}

/* The bytes of a smaps key: [A-Za-z0-9_]. */
static const unsigned char key_char[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['_'] = 1,
};

/*
 * A "Key: value" line. *hint is where the previous key matched: keys come
 * in kernel order, so the next one is almost always the next entry.
 */
static int parse_field(struct fx_maps *m, const char *p, const char *e,
		       unsigned long lineno, int *hint, struct fx_err *err)
{
	const char *line = p, *k = p;
	struct fx_region *r;
	size_t klen, i;
	int f = -1, j;
	uint64_t v;

	/* The common case first: the key that follows the previous one. */
	j = *hint + 1 < FX_NFIELDS ? *hint + 1 : 0;
	klen = fields[j].len;
	if (m->n && (size_t)(e - p) > klen && p[klen] == ':' &&
	    memcmp(p, fields[j].key, klen) == 0) {
		r = &m->r[m->n - 1];
		m->is_smaps = 1;
		f = j;
		p += klen + 1;
		goto value;
	}
	while (p < e && key_char[(unsigned char)*p])
		p++;
	if (p >= e || *p != ':' || p == k)
		goto bad;
	klen = (size_t)(p - k);
	p++;
	if (m->n == 0) {
		fx_err_set(err, lineno, "field before any region line");
		fx_err_quote(err, line, (size_t)(e - line));
		return -EBADMSG;
	}
	r = &m->r[m->n - 1];
	m->is_smaps = 1;
	if (klen == 7 && memcmp(k, "VmFlags", 7) == 0)
		return parse_vmflags(m, r, p, e);
	for (i = 0, j = *hint; i < FX_NFIELDS; i++) {
		j = j + 1 < FX_NFIELDS ? j + 1 : 0;
		if (fields[j].len == klen && fields[j].key[0] == k[0] &&
		    memcmp(fields[j].key, k, klen) == 0) {
			f = j;
			break;
		}
	}
	if (f < 0)
		return 0;	/* a key from a newer kernel: ignore it */
value:
	*hint = f;
	/* Values are right-aligned in a wide column: skip 8 spaces at once. */
	while (e - p >= 8 && memcmp(p, "        ", 8) == 0)
		p += 8;
	while (p < e && *p == ' ')
		p++;
	if (parse_dec(&p, e, &v))
		goto bad;
	if (fields[f].kb) {
		if (e - p != 3 || p[0] != ' ' || p[1] != 'k' || p[2] != 'B')
			goto bad;
		if (v > UINT64_MAX / 1024)
			goto bad;
		v *= 1024;
	} else {
		while (p < e && *p == ' ')
			p++;
		if (p != e)
			goto bad;
	}
	r->v[f] = v;
	r->have |= 1ULL << f;
	return 0;
bad:
	fx_err_set(err, lineno, "malformed field line");
	fx_err_quote(err, line, (size_t)(e - line));
	return -EBADMSG;
}

/* One line [p, nl) without its '\n', number lineno; 0 or -errno. */
static int parse_line(struct fx_maps *m, const char *p, const char *nl,
		      unsigned long lineno, int *hint, struct fx_err *err)
{
	int r;

	if (memchr(p, '\0', (size_t)(nl - p))) {
		fx_err_set(err, lineno, "NUL byte in line");
		return -EBADMSG;
	}
	if (nl == p) {
		fx_err_set(err, lineno, "empty line");
		return -EBADMSG;
	}
	if (fx_hexval(*p) >= 0 && !(*p >= 'A' && *p <= 'F')) {
		r = parse_header(m, p, nl, lineno, err);
		*hint = FX_NFIELDS - 1;
		return r;
	}
	return parse_field(m, p, nl, lineno, hint, err);
}

/*
 * Point the regions' strings into the pool, which may have moved: all of
 * them when it did, else those parsed since the last call (and the one
 * before them, which may have got its VmFlags since).
 */
static void point_names(struct fx_maps *m)
{
	size_t i = 0;

	if (m->pool.data == m->pointed_pool && m->pointed)
		i = m->pointed - 1;
	for (; i < m->n; i++) {
		struct fx_region *rg = &m->r[i];

		rg->name = m->pool.data + rg->name_off;
		rg->vmflags_text = rg->vmflags_off == (size_t)-1 ?
					   NULL :
					   m->pool.data + rg->vmflags_off;
	}
	m->pointed = m->n;
	m->pointed_pool = m->pool.data;
}

int fx_maps_parse(struct fx_maps *m, const char *buf, size_t len,
		  struct fx_err *err)
{
	/* (NULL, 0), an empty text, is no region: no arithmetic on NULL. */
	const char *p = buf, *end = len ? buf + len : buf, *nl;
	unsigned long lineno = 0;
	int hint = FX_NFIELDS - 1, r = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;	/* a last line without '\n' */
		r = parse_line(m, p, nl, ++lineno, &hint, err);
		if (r)
			break;
		p = nl + 1;
	}
	point_names(m);
	return r;
}

int fx_maps_feed(struct fx_maps *m, const char *buf, size_t len,
		 struct fx_err *err)
{
	const char *p = buf, *end = buf + len, *nl;
	int r = 0;

	if (m->ended) {		/* a new text */
		m->ended = 0;
		m->lineno = 0;
		m->hint = FX_NFIELDS - 1;
	}
	if (m->part.len) {
		/* The end of the line cut at the end of the last piece. */
		nl = memchr(p, '\n', len);
		if (fx_buf_add(&m->part, p, (size_t)((nl ? nl : end) - p)))
			return -ENOMEM;
		if (!nl)
			return 0;
		r = parse_line(m, m->part.data, m->part.data + m->part.len,
			       ++m->lineno, &m->hint, err);
		fx_buf_reset(&m->part);
		p = nl + 1;
	}
	while (!r && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			if (fx_buf_add(&m->part, p, (size_t)(end - p)))
				r = -ENOMEM;
			break;
		}
		r = parse_line(m, p, nl, ++m->lineno, &m->hint, err);
		p = nl + 1;
	}
	point_names(m);
	return r;
}

int fx_maps_feed_end(struct fx_maps *m, struct fx_err *err)
{
	int r = 0;

	if (m->part.len) {
		r = parse_line(m, m->part.data, m->part.data + m->part.len,
			       ++m->lineno, &m->hint, err);
		fx_buf_reset(&m->part);
		point_names(m);
	}
	m->ended = 1;
	return r;
}

size_t fx_maps_complete(const struct fx_maps *m)
{
	if (m->ended || m->n == 0)
		return m->n;
	return m->n - 1;
}

void fx_maps_drop(struct fx_maps *m, size_t k)
{
	size_t i, base;

	if (k > m->n)
		k = m->n;
	if (k == 0)
		return;
	m->n -= k;
	memmove(m->r, m->r + k, m->n * sizeof(*m->r));
	if (m->n == 0) {
		fx_buf_reset(&m->pool);
	} else {
		/* Strings are pooled in parse order: the first remaining
		 * region's name is the oldest string still needed. */
		base = m->r[0].name_off;
		memmove(m->pool.data, m->pool.data + base, m->pool.len - base);
		m->pool.len -= base;
		for (i = 0; i < m->n; i++) {
			m->r[i].name_off -= base;
			if (m->r[i].vmflags_off != (size_t)-1)
				m->r[i].vmflags_off -= base;
		}
	}
	m->pointed = 0;
	point_names(m);
}

/* The value of field f, or "-" when the kernel did not give it. */
static int put_field(struct fx_writer *w, const struct fx_region *r,
		     enum fx_field f)
{
	if (!(r->have & (1ULL << f)))
		return fx_writer_missing(w);
	return fx_writer_u64(w, r->v[f]);
}

/* Write x in lowercase hex, at least 2 digits, ending at end; the start. */
static char *hex_min2(char *end, unsigned int x)
{
	static const char hex[] = "0123456789abcdef";
	char *d = end;

	do {
		*--d = hex[x & 15];
		x >>= 4;
	} while (x || end - d < 2);
	return d;
}

size_t fx_region_after(const struct fx_maps *m, uint64_t addr)
{
	return fx_range_after(m->r, m->n, sizeof(*m->r),
			      offsetof(struct fx_region, start), addr);
}

void fx_region_colidx(struct fx_region_colidx *c, const struct fx_reader *r)
{
	c->pid = fx_reader_col(r, "pid");
	c->start = fx_reader_col(r, "start");
	c->end = fx_reader_col(r, "end");
	c->perms = fx_reader_col(r, "perms");
	c->offset = fx_reader_col(r, "offset");
	c->dev = fx_reader_col(r, "dev");
	c->inode = fx_reader_col(r, "inode");
	c->vmflags = fx_reader_col(r, "vmflags");
	c->name = fx_reader_col(r, "name");
	c->file = fx_reader_col(r, "file");
}

int fx_region_write(struct fx_writer *w, long pid, unsigned long long starttime,
		    const struct fx_region *r)
{
	return fx_region_write_with(w, pid, starttime, r, NULL, 0);
}

int fx_region_columns_with(struct fx_writer *w, const char *const *names,
			   size_t n)
{
	const char **cols = calloc(fx_region_ncols + n, sizeof(*cols));
	size_t i, k = 0;
	int r;

	if (!cols)
		return -ENOMEM;
	for (i = 0; i + 1 < fx_region_ncols; i++)
		cols[k++] = fx_region_cols[i];
	for (i = 0; i < n; i++)
		cols[k++] = names[i];
	cols[k++] = fx_region_cols[fx_region_ncols - 1];
	r = fx_writer_columns(w, cols, k);
	free(cols);
	return r;
}

int fx_region_write_with(struct fx_writer *w, long pid,
			 unsigned long long starttime,
			 const struct fx_region *r, const char *const *extra,
			 size_t n)
{
	static const enum fx_field figures[] = {
		FX_F_RSS, FX_F_PSS, FX_F_PSS_DIRTY, FX_F_SHARED_CLEAN,
		FX_F_SHARED_DIRTY, FX_F_PRIVATE_CLEAN, FX_F_PRIVATE_DIRTY,
		FX_F_REFERENCED, FX_F_ANONYMOUS, FX_F_SWAP, FX_F_SWAP_PSS,
		FX_F_LOCKED, FX_F_ANON_HUGE,
	};
	char dev[24], *d;
	size_t i;
	int rollup = r->kind == FX_KIND_NONE;

	if (pid < 0)
		fx_writer_missing(w);
	else
		fx_writer_u64(w, (uint64_t)pid);
	fx_writer_addr(w, r->start);
	fx_writer_addr(w, r->end);
	fx_writer_field(w, r->perms, 4);
	fx_writer_addr(w, r->offset);
	/* "%02x:%02x" of major and minor, without printf's cost. */
	d = hex_min2(dev + sizeof(dev), r->dev_minor);
	*--d = ':';
	d = hex_min2(d, r->dev_major);
	fx_writer_field(w, d, (size_t)(dev + sizeof(dev) - d));
	fx_writer_u64(w, r->inode);
	/* smaps_rollup has no Size: its span is not a size. */
	if (r->have & (1ULL << FX_F_SIZE))
		fx_writer_u64(w, r->v[FX_F_SIZE]);
	else if (rollup)
		fx_writer_missing(w);
	else
		fx_writer_u64(w, r->end - r->start);
	for (i = 0; i < FX_ARRAY_SIZE(figures); i++)
		put_field(w, r, figures[i]);
	if (r->vmflags_text && r->vmflags_text[0])
		fx_writer_text(w, r->vmflags_text, strlen(r->vmflags_text));
	else
		fx_writer_missing(w);
	fx_writer_field(w, fx_kind_name(r->kind), strlen(fx_kind_name(r->kind)));
	fx_writer_u64_known(w, starttime);
	for (i = 0; i < n; i++)
		fx_writer_text(w, extra[i], strlen(extra[i]));
	/* An anonymous region has no name: the missing value. No real name
	 * is "-": paths are absolute and the kernel's own names bracketed. */
	if (r->name_len)
		fx_writer_text(w, r->name, r->name_len);
	else
		fx_writer_missing(w);
	return fx_writer_end(w);
}
