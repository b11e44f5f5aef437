/*
 * alloc: the allocator serving a process, and its reservations labelled
 * by validated signatures (see alloc.h).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "elfseg.h"
#include "internal.h"
#include "maps.h"

/* ---- mapped files ---- */

static const char *base_name(const struct fx_region *r)
{
	const char *s = strrchr(r->name, '/');

	return s ? s + 1 : r->name;
}

/* One ELF object of the process: its first mapping (offset 0). */
struct obj {
	const struct fx_region *r;
};

/* The symbols that tell allocators apart. */
enum {
	S_MALLOC,
	S_GLIBC,
	S_JE, S_JE2, S_JE3,
	S_TC, S_TC_GOOGLE,
	S_MI, S_MI_VERSION,
	S_MUSL_NG, S_MUSL_OLD, S_MUSL_DONATE, S_MUSL_DEBUG,
	S_GO,
	S_RUST, S_RUST2, S_RUST3,
	S_R_DEBUG,
	S_N
};

static const char *const sym_names[S_N] = {
	[S_MALLOC] = "malloc",
	[S_GLIBC] = "gnu_get_libc_version",
	[S_JE] = "mallctl",
	[S_JE2] = "je_mallctl",
	[S_JE3] = "_rjem_mallctl",
	[S_TC] = "tc_malloc",
	[S_TC_GOOGLE] = "MallocExtension_Internal_GetStats",
	[S_MI] = "mi_malloc",
	[S_MI_VERSION] = "mi_version",
	[S_MUSL_NG] = "__malloc_context",
	[S_MUSL_OLD] = "__bin_chunk",
	[S_MUSL_DONATE] = "__malloc_donate",
	[S_MUSL_DEBUG] = "_dl_debug_addr",
	[S_GO] = "runtime.mallocgc",
	[S_RUST] = "__rust_alloc",
	[S_RUST2] = "rust_begin_unwind",
	[S_RUST3] = "__rg_alloc",
	[S_R_DEBUG] = "_r_debug",
};

/* The probe symbols of the object at r: .dynsym, and .symtab when
 * full (static or unstripped). 0 when either table was read. */
static int probe(fx_file_fn file, void *fctx, const struct fx_region *r,
		 int symtab, uint64_t *v)
{
	struct fx_fileread fr = { file, fctx, r };
	uint64_t s[S_N];
	int a, b = -ENOENT, k;

	a = fx_elf_dynsyms(fx_file_pread, &fr, sym_names, S_N, v);
	if (a < 0)
		memset(v, 0, sizeof(*v) * S_N);
	if (symtab) {
		b = fx_elf_syms(fx_file_pread, &fr, SHT_SYMTAB, sym_names,
				S_N, s);
		for (k = 0; b >= 0 && k < S_N; k++)
			if (!v[k])
				v[k] = s[k];
	}
	return a >= 0 || b >= 0 ? 0 : a;
}

/* ---- the link map ---- */

/* The object whose mapping holds addr: its offset-0 mapping. */
static const struct fx_region *obj_at(const struct fx_maps *m, uint64_t addr)
{
	const struct fx_region *r = fx_region_at(m, addr);
	size_t i;

	if (!r || !r->inode)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (m->r[i].inode == r->inode &&
		    m->r[i].dev_major == r->dev_major &&
		    m->r[i].dev_minor == r->dev_minor && m->r[i].offset == 0)
			return &m->r[i];
	return NULL;
}

#define MAX_OBJS 4096

/*
 * The objects in the dynamic linker's order, from the link map in
 * memory. *n objects into o (MAX_OBJS room); 0, or -ENOENT (no dynamic
 * linker, or its map unreadable: why in *why).
 */
static int link_order(const struct fx_maps *m, struct fx_heap_src *src,
		      fx_file_fn file, void *fctx, struct obj *o, size_t *n,
		      const char **why)
{
	const struct fx_region *ld = NULL;
	struct fx_fileread fr;
	uint64_t v[S_N], bias, dbg = 0, lm, w[4];
	size_t i, k, steps = 0;
	int musl = 0;

	*n = 0;
	for (i = 0; i < m->n && !ld; i++) {
		const char *b = base_name(&m->r[i]);

		if (!m->r[i].inode || m->r[i].offset)
			continue;
		if (strncmp(b, "ld-linux", 8) == 0 ||
		    strncmp(b, "ld-2.", 5) == 0 || strncmp(b, "ld.so", 5) == 0)
			ld = &m->r[i];
		else if (strncmp(b, "ld-musl", 7) == 0 ||
			 (strcmp(b, "libc.so") == 0 &&
			  strstr(m->r[i].name, "musl")))
			ld = &m->r[i], musl = 1;
	}
	if (!ld) {
		*why = "no dynamic linker mapped";
		return -ENOENT;
	}
	fr = (struct fx_fileread){ file, fctx, ld };
	if (!src || !file ||
	    fx_elf_bias(fx_file_pread, &fr, ld->start, &bias) ||
	    probe(file, fctx, ld, 0, v)) {
		*why = "the dynamic linker's file not read";
		return -ENOENT;
	}
	if (musl && v[S_MUSL_DEBUG]) {
		if (src->read(src->ctx, bias + v[S_MUSL_DEBUG], &dbg, 8))
			dbg = 0;
	} else if (v[S_R_DEBUG]) {
		dbg = bias + v[S_R_DEBUG];
	}
	if (!dbg || src->read(src->ctx, dbg + 8, &lm, 8)) {
		*why = "the dynamic linker's r_debug not readable";
		return -ENOENT;
	}
	/* link_map: l_addr, l_name, l_ld, l_next; a bounded chain. */
	while (lm && steps++ < MAX_OBJS && *n < MAX_OBJS) {
		const struct fx_region *r;

		if (src->read(src->ctx, lm, w, sizeof(w))) {
			*why = "a link_map entry not readable";
			return *n ? 0 : -ENOENT;
		}
		r = obj_at(m, w[2]);
		for (k = 0; r && k < *n; k++)
			if (o[k].r == r)
				r = NULL;
		if (r) {
			o[(*n)++].r = r;
		}
		lm = w[3];
	}
	if (!*n) {
		*why = "an empty link map";
		return -ENOENT;
	}
	return 0;
}

/* Is the object at r an allocator library (by name)? */
static int alloc_lib(const struct fx_region *r)
{
	const char *b = base_name(r);

	return strstr(b, "jemalloc") || strstr(b, "tcmalloc") ||
	       strstr(b, "mimalloc");
}

/* Objects without the link map: address order, allocator libraries
 * first (a preloaded or linked one resolves before libc). */
static size_t guess_order(const struct fx_maps *m, struct obj *o)
{
	size_t i, n = 0, k;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < m->n && n < MAX_OBJS; i++) {
			const struct fx_region *r = &m->r[i];

			if (!r->inode || r->offset || r->kind != FX_KIND_FILE ||
			    alloc_lib(r) != !pass)
				continue;
			for (k = 0; k < n; k++)
				if (o[k].r->inode == r->inode &&
				    o[k].r->dev_major == r->dev_major &&
				    o[k].r->dev_minor == r->dev_minor)
					break;
			if (k == n)
				o[n++].r = r;
		}
	return n;
}

/* ---- versions ---- */

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits and dots backwards from e (exclusive) to a start that follows
 * a NUL: the start, or NULL. */
static const char *version_start(const char *buf, const char *e)
{
	const char *p = e;
	int dots = 0;

	while (p > buf && (is_digit(p[-1]) || p[-1] == '.') && e - p < 24)
		dots += *--p == '.';
	if (p == e || !is_digit(*p) || dots < 1 || (p > buf && p[-1] != '\0'))
		return NULL;
	return p;
}

int fx_alloc_version_in(enum fx_alloc_id id, const char *buf, size_t len,
			char *out, size_t outlen)
{
	const char *p = buf, *e = buf + len, *s, *q;
	size_t k;

	if (id == FX_ALLOC_JEMALLOC) {
		/* "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c" */
		while ((q = memmem(p, (size_t)(e - p), "-g", 2))) {
			p = q + 2;
			for (k = 0; k < 40 && p + k < e && is_hex(p[k]); k++)
				;
			if (k != 40 || p + 40 >= e || p[40] != '\0')
				continue;
			s = q;
			while (s > buf && is_digit(s[-1]))
				s--;
			if (s == q || s == buf || s[-1] != '-')
				continue;
			s = version_start(buf, s - 1);
			if (!s)
				continue;
			snprintf(out, outlen, "%.*s", (int)(q - s), s);
			/* "5.3.0-0": keep X.Y.Z when it is release 0. */
			q = strchr(out, '-');
			if (q && strcmp(q, "-0") == 0)
				out[q - out] = '\0';
			return 0;
		}
		return -ENOENT;
	}
	if (id == FX_ALLOC_TCMALLOC) {
		while ((q = memmem(p, (size_t)(e - p), "gperftools ", 11))) {
			p = q + 11;
			for (k = 0; p + k < e && k < 16 &&
				    (is_digit(p[k]) || p[k] == '.'); k++)
				;
			if (k && is_digit(p[0]) && p + k < e && p[k] == '\0') {
				snprintf(out, outlen, "%.*s", (int)k, p);
				return 0;
			}
		}
		return -ENOENT;
	}
	if (id == FX_ALLOC_MUSL || id == FX_ALLOC_MUSL_NG ||
	    id == FX_ALLOC_MUSL_OLD) {
		/* The version is a string of its own: "\0X.Y.Z\0", in the
		 * file that prints "Version %s" (ldd mode). */
		if (!memmem(buf, len, "Version %s", 10))
			return -ENOENT;
		for (q = buf; q < e && (q = memchr(q, '\0', (size_t)(e - q)));
		     q++) {
			s = version_start(buf, q);
			if (s && q - s >= 5 && q - s < 12 &&
			    memchr(s, '.', (size_t)(q - s)) &&
			    strchr(memchr(s, '.', (size_t)(q - s)) + 1, '.')) {
				snprintf(out, outlen, "%.*s", (int)(q - s), s);
				return 0;
			}
		}
		return -ENOENT;
	}
	return -ENOENT;
}

static uint64_t uvarint(const unsigned char **p, const unsigned char *e)
{
	uint64_t v = 0;
	int sh = 0;

	while (*p < e && sh < 63) {
		v |= (uint64_t)(**p & 0x7f) << sh;
		sh += 7;
		if (!(*(*p)++ & 0x80))
			return v;
	}
	return UINT64_MAX;
}

int fx_go_buildinfo(const char *buf, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)buf + 32,
			    *e = (const unsigned char *)buf + len;
	uint64_t n;
	size_t k;

	/* Go 1.18 on: flags (byte 15) bit 2, then the version as a
	 * varint-prefixed string at 32. Older ones point into the data. */
	if (len < 33 || memcmp(buf, "\xff Go buildinf:", 14) ||
	    !(buf[15] & 2))
		return -ENOENT;
	n = uvarint(&p, e);
	if (n < 3 || n > 40 || n > (uint64_t)(e - p) || memcmp(p, "go", 2))
		return -ENOENT;
	for (k = 0; k < n; k++)
		if (p[k] < 0x21 || p[k] > 0x7e)
			return -ENOENT;
	snprintf(out, outlen, "%.*s", (int)n, (const char *)p);
	return 0;
}

/* Scan the file of r, 1 MiB at a time (up to 256 MiB), for what `fn`
 * finds; 0 or -ENOENT. */
static int file_find(fx_file_fn file, void *fctx, const struct fx_region *r,
		     enum fx_alloc_id id, char *out, size_t outlen)
{
	const size_t step = 1 << 20, over = 4096;
	uint64_t off;
	char *buf;
	long got;
	int e = -ENOENT;

	buf = malloc(step + over);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < (256ull << 20) && e; off += step) {
		got = file(fctx, r, off, buf, step + over);
		if (got <= 0)
			break;
		e = fx_alloc_version_in(id, buf, (size_t)got, out, outlen);
		if ((size_t)got < step + over)
			break;
	}
	free(buf);
	return e;
}

/* mimalloc's version from mi_version's code: b8 imm32 c3. */
static void mi_version(fx_file_fn file, void *fctx, const struct fx_region *r,
		       uint64_t sym, char *out, size_t outlen)
{
	struct fx_elf_load ld[16];
	unsigned char *hdr, code[6];
	size_t n, i;
	long got;
	uint32_t v;

	hdr = malloc(65536);
	if (!hdr)
		return;
	got = file(fctx, r, 0, hdr, 65536);
	if (got <= 0 || fx_elf_loads(hdr, (size_t)got, ld, 16, &n))
		n = 0;
	free(hdr);
	for (i = 0; i < n; i++) {
		if (sym < ld[i].vaddr || sym - ld[i].vaddr >= ld[i].filesz)
			continue;
		if (file(fctx, r, ld[i].offset + sym - ld[i].vaddr, code,
			 6) != 6 || code[0] != 0xb8 || code[5] != 0xc3)
			return;
		memcpy(&v, code + 1, 4);
		if (v >= 100 && v < 1000)
			snprintf(out, outlen, "%u.%u.%u", v / 100, v / 10 % 10,
				 v % 10);
		return;
	}
}

/* The first len bytes (at most) of section `name` of the file of r,
 * into buf: the bytes read, or -ENOENT. Through the section headers and
 * their name table (at most 4096 sections, a 1 MiB name table). */
static long section(fx_file_fn file, void *fctx, const struct fx_region *r,
		    const char *name, char *buf, size_t len)
{
	struct fx_fileread fr = { file, fctx, r };
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *ns;
	char *names = NULL;
	size_t nl = strlen(name), i;
	long got = -ENOENT;

	if (fx_file_pread(&fr, 0, &eh, sizeof(eh)) != (long)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum ||
	    eh.e_shnum > 4096 || eh.e_shstrndx >= eh.e_shnum)
		return -ENOENT;
	sh = malloc(eh.e_shnum * sizeof(*sh));
	if (!sh || fx_file_pread(&fr, eh.e_shoff, sh,
				 eh.e_shnum * sizeof(*sh)) !=
			   (long)(eh.e_shnum * sizeof(*sh)))
		goto out;
	ns = &sh[eh.e_shstrndx];
	if (!ns->sh_size || ns->sh_size > (1u << 20))
		goto out;
	names = malloc(ns->sh_size);
	if (!names || fx_file_pread(&fr, ns->sh_offset, names,
				    ns->sh_size) != (long)ns->sh_size)
		goto out;
	for (i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_name >= ns->sh_size ||
		    ns->sh_size - sh[i].sh_name < nl + 1 ||
		    memcmp(names + sh[i].sh_name, name, nl + 1) ||
		    sh[i].sh_type == SHT_NOBITS)
			continue;
		if (len > sh[i].sh_size)
			len = sh[i].sh_size;
		got = fx_file_pread(&fr, sh[i].sh_offset, buf, len);
		if (got < 0)
			got = -ENOENT;
		break;
	}
out:
	free(names);
	free(sh);
	return got;
}

/* A Go program's version from its .go.buildinfo: 0 (*out may be "",
 * an old layout), or -ENOENT when it is no Go program. */
static int go_version(fx_file_fn file, void *fctx, const struct fx_region *r,
		      char *out, size_t outlen)
{
	char b[96];
	long got = section(file, fctx, r, ".go.buildinfo", b, sizeof(b));

	if (got < 16 || memcmp(b, "\xff Go buildinf:", 14))
		return -ENOENT;
	if (fx_go_buildinfo(b, (size_t)got, out, outlen))
		out[0] = '\0';
	return 0;
}

/* A Rust program's compiler, from its .comment ("rustc version 1.95.0
 * (...)"): 0 with "1.95.0" in out, or -ENOENT. */
static int rust_version(fx_file_fn file, void *fctx,
			const struct fx_region *r, char *out, size_t outlen)
{
	char b[1024];
	const char *v;
	long got = section(file, fctx, r, ".comment", b, sizeof(b) - 1);
	size_t k;

	if (got <= 0)
		return -ENOENT;
	b[got] = '\0';
	v = memmem(b, (size_t)got, "rustc version ", 14);
	if (!v)
		return -ENOENT;
	v += 14;
	for (k = 0; v + k < b + got && k < 20 &&
		    (is_digit(v[k]) || v[k] == '.' || v[k] == '-' ||
		     (v[k] >= 'a' && v[k] <= 'z')); k++)
		;
	snprintf(out, outlen, "%.*s", (int)k, v);
	return 0;
}

/* ---- naming ---- */

/* Each allocator: its name with no version, and the class of the regions
 * it labels (classify.h's name), or NULL when it labels none (glibc has
 * its own classes). */
static const struct {
	const char *name, *cls;
} allocs[FX_ALLOC_NIDS] = {
	[FX_ALLOC_UNKNOWN] = { "allocator not recognised", NULL },
	[FX_ALLOC_GLIBC] = { "glibc ptmalloc", NULL },
	[FX_ALLOC_JEMALLOC] = { "jemalloc", "jemalloc" },
	[FX_ALLOC_TCMALLOC] = { "tcmalloc (gperftools)", "tcmalloc" },
	[FX_ALLOC_TCMALLOC_GOOGLE] = { "tcmalloc (Google)", NULL },
	[FX_ALLOC_MIMALLOC] = { "mimalloc", "mimalloc" },
	[FX_ALLOC_MUSL_OLD] = { "musl oldmalloc", NULL },
	[FX_ALLOC_MUSL_NG] = { "musl mallocng", "musl-heap" },
	[FX_ALLOC_MUSL] = { "musl", "musl-heap" },
	[FX_ALLOC_GO] = { "Go runtime", NULL },
	[FX_ALLOC_OTHER] = { "malloc not recognised", NULL },
};

void fx_alloc_set_version(struct fx_alloc *a, const char *version)
{
	const char *b = allocs[a->id].name;

	if (version != a->version)
		snprintf(a->version, sizeof(a->version), "%s", version);
	if (!a->version[0]) {
		snprintf(a->name, sizeof(a->name), "%s", b);
	} else if (a->id == FX_ALLOC_MUSL_NG || a->id == FX_ALLOC_MUSL_OLD) {
		snprintf(a->name, sizeof(a->name), "musl %s %s", a->version,
			 b + 5);
	} else if (a->id == FX_ALLOC_TCMALLOC) {
		snprintf(a->name, sizeof(a->name), "tcmalloc (gperftools %s)",
			 a->version);
	} else if (a->id == FX_ALLOC_GO) {
		snprintf(a->name, sizeof(a->name), "Go runtime %s", a->version);
	} else {
		snprintf(a->name, sizeof(a->name), "%s %s", b, a->version);
	}
}

/* Which allocator the symbols v of an object that defines malloc (or a
 * static executable) say. */
static enum fx_alloc_id which(const uint64_t *v)
{
	if (v[S_JE] || v[S_JE2] || v[S_JE3])
		return FX_ALLOC_JEMALLOC;
	if (v[S_TC])
		return FX_ALLOC_TCMALLOC;
	if (v[S_TC_GOOGLE])
		return FX_ALLOC_TCMALLOC_GOOGLE;
	if (v[S_MI])
		return FX_ALLOC_MIMALLOC;
	if (v[S_MUSL_NG])
		return FX_ALLOC_MUSL_NG;
	if (v[S_MUSL_OLD])
		return FX_ALLOC_MUSL_OLD;
	if (v[S_MUSL_DONATE] || v[S_MUSL_DEBUG])
		return FX_ALLOC_MUSL;
	if (v[S_GLIBC])
		return FX_ALLOC_GLIBC;
	if (v[S_GO])
		return FX_ALLOC_GO;
	return v[S_MALLOC] ? FX_ALLOC_OTHER : FX_ALLOC_UNKNOWN;
}

/* Read the version of a's allocator from the object at r. */
static void read_version(struct fx_alloc *a, fx_file_fn file, void *fctx,
			 const struct fx_region *r, const uint64_t *v)
{
	char ver[48] = "";
	enum fx_alloc_id id = a->id;

	if (id == FX_ALLOC_MIMALLOC && v[S_MI_VERSION])
		mi_version(file, fctx, r, v[S_MI_VERSION], ver, sizeof(ver));
	else if (id == FX_ALLOC_GO)
		go_version(file, fctx, r, ver, sizeof(ver));
	else if (id == FX_ALLOC_JEMALLOC || id == FX_ALLOC_TCMALLOC ||
		 id == FX_ALLOC_MUSL_NG ||
		 id == FX_ALLOC_MUSL_OLD || id == FX_ALLOC_MUSL)
		file_find(file, fctx, r, id, ver, sizeof(ver));
	if (id == FX_ALLOC_MUSL && ver[0]) {
		int maj = 0, min = 0, pat = 0;

		/* mallocng is musl's malloc from 1.2.1 on. */
		sscanf(ver, "%d.%d.%d", &maj, &min, &pat);
		a->id = maj > 1 || (maj == 1 && (min > 2 || (min == 2 &&
							       pat >= 1))) ?
				FX_ALLOC_MUSL_NG : FX_ALLOC_MUSL_OLD;
	}
	fx_alloc_set_version(a, ver);
}

/* The executable: the lowest file mapping at offset 0 that is ELF. */
static const struct fx_region *executable(const struct fx_maps *m,
					  fx_file_fn file, void *fctx)
{
	unsigned char h[4];
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct fx_region *r = &m->r[i];

		if (r->inode && !r->offset && r->kind == FX_KIND_FILE &&
		    file(fctx, r, 0, h, 4) == 4 && memcmp(h, ELFMAG, 4) == 0)
			return r;
	}
	return NULL;
}

int fx_alloc_identify(struct fx_alloc *a, const struct fx_maps *m,
		      struct fx_heap_src *src, fx_file_fn file, void *fctx)
{
	struct obj *o;
	const struct fx_region *def = NULL, *exe, *libc = NULL;
	const struct fx_region *wrapper = NULL;
	uint64_t v[S_N], ev[S_N], dv[S_N];
	const char *why = NULL;
	char rustc[24] = "", gover[48] = "";
	size_t n = 0, i, at = 0, l;
	int linked, go;

	memset(a, 0, sizeof(*a));
	fx_alloc_set_version(a, "");
	if (!file) {
		snprintf(a->how, sizeof(a->how), "no mapped file to read");
		return 0;
	}
	o = calloc(MAX_OBJS, sizeof(*o));
	if (!o)
		return -ENOMEM;
	linked = link_order(m, src, file, fctx, o, &n, &why) == 0;
	if (!linked)
		n = guess_order(m, o);
	memset(dv, 0, sizeof(dv));
	/* The first definer; but one that is no allocator classify knows
	 * (a profiler's or glibc's debugging wrapper, which passes the call
	 * on) yields to the next definer that is one. */
	for (i = 0; i < n && (!def || which(dv) == FX_ALLOC_OTHER); i++) {
		/* The executable's full symbols: a static allocator. */
		if (probe(file, fctx, o[i].r, linked && i == 0, v) ||
		    !v[S_MALLOC] ||
		    (def && which(v) == FX_ALLOC_OTHER))
			continue;
		if (def)
			wrapper = def;
		def = o[i].r;
		at = i;
		memcpy(dv, v, sizeof(v));
	}
	if (wrapper && which(dv) == FX_ALLOC_OTHER) {
		/* No allocator after it: the wrapper is the allocator. */
		def = wrapper;
		wrapper = NULL;
		probe(file, fctx, def, linked && def == o[0].r, dv);
	}
	for (i = 0; i < n && def; i++)
		if (strncmp(base_name(o[i].r), "libc.so", 7) == 0 ||
		    strncmp(base_name(o[i].r), "libc-2.", 7) == 0)
			libc = o[i].r;
	/* The executable's full symbols: a static one's allocator, and
	 * what language it is. */
	exe = linked && n ? o[0].r : executable(m, file, fctx);
	memset(ev, 0, sizeof(ev));
	if (exe)
		probe(file, fctx, exe, 1, ev);
	free(o);
	a->rust = ev[S_RUST] || ev[S_RUST2] || ev[S_RUST3] ||
		  (exe && rust_version(file, fctx, exe, rustc,
				       sizeof(rustc)) == 0);
	go = exe && (ev[S_GO] || go_version(file, fctx, exe, gover,
					     sizeof(gover)) == 0);
	if (def) {
		/* The definer's full symbols say more (a static musl). */
		if (def == exe)
			memcpy(dv, ev, sizeof(ev));
		a->id = which(dv);
		snprintf(a->lib, sizeof(a->lib), "%s", base_name(def));
		a->preloaded = libc && def != libc && at > 0 && def != exe;
		read_version(a, file, fctx, def, dv);
		snprintf(a->how, sizeof(a->how), "malloc from %.60s%s%s%s",
			 a->lib, def == exe ? " (the executable)" :
			 a->preloaded ? ", before libc in the load order" : "",
			 linked ? "" : "; load order not read (",
			 linked ? "" : why);
		if (!linked)
			strncat(a->how, ")",
				sizeof(a->how) - strlen(a->how) - 1);
		l = strlen(a->how);
		if (wrapper)
			snprintf(a->how + l, sizeof(a->how) - l, "; first "
				 "through %.60s, which is no allocator known "
				 "here (a wrapper?)", base_name(wrapper));
	} else if (go) {
		a->id = FX_ALLOC_GO;
		snprintf(a->lib, sizeof(a->lib), "%s", base_name(exe));
		read_version(a, file, fctx, exe, ev);
		snprintf(a->how, sizeof(a->how), "a Go program (%.60s): its "
			 "runtime's own heap", a->lib);
	} else if (exe && (a->id = which(ev)) != FX_ALLOC_UNKNOWN) {
		snprintf(a->lib, sizeof(a->lib), "%s", base_name(exe));
		read_version(a, file, fctx, exe, ev);
		snprintf(a->how, sizeof(a->how), "static executable %.60s",
			 a->lib);
	} else {
		a->id = FX_ALLOC_UNKNOWN;
		snprintf(a->how, sizeof(a->how), "no object defining malloc "
			 "found%s%s", why ? ": " : "", why ? why : "");
	}
	l = strlen(a->how);
	if (a->rust)
		snprintf(a->how + l, sizeof(a->how) - l, "; a Rust program%s%s"
			 "%s", rustc[0] ? " (rustc " : "", rustc,
			 rustc[0] ? ")" : "");
	else if (go && a->id != FX_ALLOC_GO)
		snprintf(a->how + l, sizeof(a->how) - l, "; a Go program%s%s: "
			 "its objects are in the Go runtime's own heap",
			 gover[0] ? " " : "", gover);
	l = strlen(a->how);
	if (a->rust && ev[S_RUST3])
		snprintf(a->how + l, sizeof(a->how) - l, " with its own "
			 "#[global_allocator]");
	return 0;
}

/* ---- what --chunks can do ---- */

int fx_alloc_walkable(const struct fx_alloc *a)
{
	switch (a->id) {
	case FX_ALLOC_GLIBC:
	case FX_ALLOC_UNKNOWN:	/* as before: glibc's heaps are looked for */
		return 1;
	case FX_ALLOC_MUSL_NG:	/* mallocng.c */
	case FX_ALLOC_MUSL:
		return 1;
	default:
		return 0;
	}
}

int fx_alloc_is_glibc(const struct fx_alloc *a)
{
	return a->id == FX_ALLOC_GLIBC || a->id == FX_ALLOC_UNKNOWN;
}

void fx_alloc_unwalkable(const struct fx_alloc *a, char *msg, size_t len)
{
	int labelled = fx_alloc_class(a) != NULL;

	snprintf(msg, len, "%s: its heap cannot be walked from outside; %s, "
		 "counts are not available", a->name,
		 labelled ? "regions are labelled" :
			    "its regions are not labelled either");
}

const char *fx_alloc_class(const struct fx_alloc *a)
{
	return (unsigned)a->id < FX_ALLOC_NIDS ? allocs[a->id].cls : NULL;
}

const char *fx_alloc_meta(const struct fx_alloc *a)
{
	return a->id == FX_ALLOC_JEMALLOC ? "base blocks" : "meta areas";
}

const char *fx_alloc_items(const struct fx_alloc *a)
{
	switch (a->id) {
	case FX_ALLOC_JEMALLOC: return "extents";
	case FX_ALLOC_TCMALLOC: return "spans";
	case FX_ALLOC_MIMALLOC: return "segments";
	default: return "groups";
	}
}

/* ---- labelling ---- */

struct span {
	uint64_t lo, hi;
};

struct lab {
	const struct fx_maps *m;
	struct fx_heap_src *src;
	const unsigned char *cand;
	struct fx_alloc_label *out;
	struct span *s;
	size_t n, cap;
	int err;
	uint64_t budget;	/* pages that may still be read whole */
	uint64_t reads;		/* small reads that may still be made */
	int cut;		/* a budget ran out */
};

/* Pages read whole by one labelling: 1 GiB. A tcmalloc process reads
 * every present page of its candidate regions; past this the rest is
 * left unlabelled, and said. */
#define PAGE_BUDGET (1ull << 18)
#define READ_BUDGET (1ull << 21)	/* headers and back pointers */

/* The candidate region holding [lo, hi) whole, or NULL. */
static const struct fx_region *cand_at(struct lab *l, uint64_t lo, uint64_t hi)
{
	const struct fx_region *r = fx_region_at(l->m, lo);

	if (!r || !l->cand[r - l->m->r] || hi > r->end || hi <= lo)
		return NULL;
	return r;
}

/* Record [lo, hi) as the allocator's: an item, or metadata. */
static void add(struct lab *l, uint64_t lo, uint64_t hi, int meta)
{
	const struct fx_region *r = fx_region_at(l->m, lo);

	if (!r || l->err)
		return;
	if (FX_GROW(l->s, l->n, l->cap, 64)) {
		l->err = -ENOMEM;
		return;
	}
	l->s[l->n++] = (struct span){ lo, hi };
	if (meta)
		l->out[r - l->m->r].meta++;
	else
		l->out[r - l->m->r].items++;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Add the bytes of [lo, hi) to the candidate regions it crosses. */
static void flush(struct lab *l, uint64_t lo, uint64_t hi)
{
	const struct fx_region *r = fx_region_at(l->m, lo);
	size_t k = r ? (size_t)(r - l->m->r) : 0;

	for (; r && k < l->m->n && l->m->r[k].start < hi; k++) {
		uint64_t a = l->m->r[k].start > lo ? l->m->r[k].start : lo;
		uint64_t b = l->m->r[k].end < hi ? l->m->r[k].end : hi;

		if (b > a && l->cand[k])
			l->out[k].bytes += b - a;
	}
}

/* The union of the spans, in bytes per region. */
static void cover(struct lab *l)
{
	uint64_t lo, hi;
	size_t i;

	if (!l->n)
		return;
	qsort(l->s, l->n, sizeof(*l->s), cmp_span);
	lo = l->s[0].lo;
	hi = l->s[0].hi;
	for (i = 1; i <= l->n; i++) {
		if (i < l->n && l->s[i].lo <= hi) {
			if (l->s[i].hi > hi)
				hi = l->s[i].hi;
			continue;
		}
		flush(l, lo, hi);
		if (i < l->n) {
			lo = l->s[i].lo;
			hi = l->s[i].hi;
		}
	}
}

#define MIB (1ull << 20)

/* Read len bytes at a (a header, a pointer): 0, or -1. */
static int small(struct lab *l, uint64_t a, void *buf, size_t len)
{
	if (!l->reads) {
		l->cut = 1;
		return -1;
	}
	l->reads--;
	return l->src->read(l->src->ctx, a, buf, len) ? -1 : 0;
}

/* Read one page at a (0) or not (-1). */
static int page(struct lab *l, uint64_t a, void *buf)
{
	if (!l->budget) {
		l->cut = 1;
		return -1;
	}
	l->budget--;
	return l->src->read(l->src->ctx, a, buf, 4096) ? -1 : 0;
}

/* jemalloc 5: base blocks at 2 MiB alignment, then the edata_t records
 * in their used part. */
static void label_jemalloc(struct lab *l)
{
	uint64_t w[5], e[512], a, end, p, lo, sz;
	size_t i, k;

	for (i = 0; i < l->m->n && !l->err; i++) {
		const struct fx_region *r = &l->m->r[i];

		if (!l->cand[i])
			continue;
		for (a = (r->start + 2 * MIB - 1) & ~(2 * MIB - 1);
		     a + 4096 <= r->end && !l->err && !l->cut;
		     a += 2 * MIB) {
			if (small(l, a, w, sizeof(w)) ||
			    !w[0] || w[0] % (2 * MIB) || w[0] > (1ull << 32) ||
			    w[1] % (2 * MIB) || w[3] <= a + 40 ||
			    w[3] > a + w[0] || w[3] + w[4] != a + w[0] ||
			    !fx_region_at(l->m, a + w[0] - 1))
				continue;
			add(l, a, a + w[0], 1);
			end = w[3];
			/* The used part: edata_t { e_bits, e_addr,
			 * e_size_esn, ... } records among other metadata. */
			for (p = a; p < end && !l->err && !l->cut; p += 4096) {
				if (page(l, p, e))
					continue;
				for (k = p == a ? 5 : 0; k + 3 <= 512; k++) {
					/* A large extent's e_addr has a
					 * random cache-line offset (jemalloc's
					 * cache-oblivious layout). */
					lo = e[k + 1] & ~(uint64_t)4095;
					sz = e[k + 2] & ~(uint64_t)4095;
					if (!lo || e[k + 1] % 64 || !sz ||
					    sz > (1ull << 40) ||
					    !cand_at(l, lo, lo + sz))
						continue;
					add(l, lo, lo + sz, 0);
					k += 2;
				}
			}
		}
	}
}

/* tcmalloc (gperftools): Span records, 8 KiB pages. */
static void label_tcmalloc(struct lab *l)
{
	uint64_t e[512], a, lo, hi;
	const struct fx_region *x;
	size_t i, k;

	for (i = 0; i < l->m->n && !l->err; i++) {
		const struct fx_region *r = &l->m->r[i];

		if (!l->cand[i])
			continue;
		for (a = r->start; a < r->end && !l->err && !l->cut;
		     a += 4096) {
			if (page(l, a, e))
				continue;
			for (k = 0; k + 4 <= 512; k++) {
				if (!e[k] || !e[k + 1] ||
				    e[k + 1] > (1u << 27) ||
				    e[k] > (UINT64_MAX >> 13) - e[k + 1] ||
				    (e[k + 2] & 7) || (e[k + 3] & 7))
					continue;
				lo = e[k] << 13;
				hi = (e[k] + e[k + 1]) << 13;
				if (!cand_at(l, lo, hi))
					continue;
				x = e[k + 2] ? fx_region_at(l->m, e[k + 2]) : r;
				if (!x || (e[k + 3] &&
					   !fx_region_at(l->m, e[k + 3])))
					continue;
				add(l, lo, hi, 0);
				k += 3;
			}
		}
	}
}

/* mimalloc 2: segments at 32 MiB alignment. */
static void label_mimalloc(struct lab *l)
{
	const uint64_t seg = 32 * MIB, slice = 64 * 1024;
	uint64_t h[34], a, slices, info, entries, used, kind, tid;
	const struct fx_region *t;
	size_t i;

	for (i = 0; i < l->m->n && !l->err; i++) {
		const struct fx_region *r = &l->m->r[i];

		if (!l->cand[i])
			continue;
		for (a = (r->start + seg - 1) & ~(seg - 1);
		     a + 4096 <= r->end && !l->err && !l->cut; a += seg) {
			if (small(l, a, h, sizeof(h)))
				continue;
			used = h[26];
			slices = h[28];
			info = h[29];
			kind = h[30] & 0xffffffff;
			entries = h[31];
			tid = h[32];
			t = tid ? fx_region_at(l->m, tid) : r;
			if (kind > 1 || (kind == 0 && slices != 512) ||
			    !slices || slices > (1ull << 26) || !info ||
			    info > slices || !entries || entries > slices + 1 ||
			    entries > 513 || used > entries || !t ||
			    t->perms[1] != 'w')
				continue;
			add(l, a, a + slices * slice, 0);
		}
	}
}

/* musl mallocng's size classes, in 16-byte units. */
static const uint16_t musl_classes[48] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 25, 31,
	36, 42, 50, 63, 72, 84, 102, 127, 146, 170, 204, 255, 292, 340, 409,
	511, 584, 682, 818, 1023, 1169, 1364, 1637, 2047, 2340, 2730, 3276,
	4095, 4680, 5460, 6552, 8191,
};

/* musl mallocng: meta areas (page aligned), their metas validated by
 * the group pointing back. */
static void label_musl(struct lab *l)
{
	uint64_t e[512], a, meta, mem, back, bits, sz;
	uint32_t nslots, k, ok, sc;
	const struct fx_region *g;
	size_t i;

	for (i = 0; i < l->m->n && !l->err; i++) {
		const struct fx_region *r = &l->m->r[i];

		/* Meta areas live in the brk heap, or in small mappings
		 * of their own. */
		if (!l->cand[i] || (r->kind != FX_KIND_HEAP &&
				    r->end - r->start > 1 * MIB))
			continue;
		for (a = r->start; a < r->end && !l->err && !l->cut;
		     a += 4096) {
			if (page(l, a, e))
				continue;
			memcpy(&nslots, &e[2], 4);
			if ((e[1] & 4095) || !nslots || nslots > 101)
				continue;
			for (k = ok = 0; k < nslots; k++) {
				meta = a + 24 + 40ull * k;
				mem = e[(24 + 40 * k) / 8 + 2];
				bits = e[(24 + 40 * k) / 8 + 4];
				if (!mem || (mem & 15) ||
				    small(l, mem, &back, 8) ||
				    back != meta)
					continue;
				sc = (bits >> 6) & 63;
				if (bits >> 12)
					sz = (bits >> 12) * 4096;
				else if (sc < 48)
					sz = 16ull * musl_classes[sc] *
					     ((bits & 31) + 1) + 16;
				else
					continue;
				g = cand_at(l, mem, mem + sz);
				if (!g)
					continue;
				add(l, mem, mem + sz, 0);
				ok++;
			}
			if (ok)
				add(l, a, a + 4096, 1);
		}
	}
}

int fx_alloc_label(const struct fx_alloc *a, const struct fx_maps *m,
		   struct fx_heap_src *src, const unsigned char *cand,
		   struct fx_alloc_label *out)
{
	struct lab l = { m, src, cand, out, NULL, 0, 0, 0, PAGE_BUDGET,
			 READ_BUDGET, 0 };

	memset(out, 0, m->n * sizeof(*out));
	if (!src)
		return 0;
	switch (a->id) {
	case FX_ALLOC_JEMALLOC:
		if (!a->version[0] || a->version[0] == '5')
			label_jemalloc(&l);
		break;
	case FX_ALLOC_TCMALLOC: label_tcmalloc(&l); break;
	case FX_ALLOC_MIMALLOC:
		if (!a->version[0] || a->version[0] == '2')
			label_mimalloc(&l);
		break;
	case FX_ALLOC_MUSL_NG:
	case FX_ALLOC_MUSL: label_musl(&l); break;
	default: break;
	}
	if (!l.err)
		cover(&l);
	free(l.s);
	return l.err ? l.err : l.cut;
}
