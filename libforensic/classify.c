/*
 * classify: region classes from /proc, ELF headers, glibc malloc
 * structures and thread stack pointers (see classify.h).
 */
#include <capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "classify.h"
#include "elfseg.h"
#include "freeze.h"
#include "internal.h"
#include "kerndat.h"
#include "lazylib.h"
#include "mallocng.h"
#include "maps.h"
#include "memsrc.h"
#include "pagemap.h"
#include "proc.h"
#include "pymalloc.h"
#include "rec.h"
#include "safeopen.h"
#include "schema.h"
#include "stack.h"
#include "threads.h"

/* capstone, opened for the first anonymous executable region that has a
 * page to decode (lazylib.h). */
#define CS_FNS(X, T)                                                           \
	X(T, cs_close)                                                         \
	X(T, cs_disasm)                                                        \
	X(T, cs_free)                                                          \
	X(T, cs_open)
FX_LAZY_DEFINE(cs, FX_LIB_CAPSTONE, CS_FNS);

/* Summary categories: NMT's names for the JVM's parts, ours for the rest. */
enum cat {
	CAT_JAVA_HEAP,
	CAT_CLASS,
	CAT_METASPACE,
	CAT_CDS,
	CAT_CODE,
	CAT_THREAD,
	CAT_MAIN_STACK,
	CAT_MALLOC,
	CAT_MMAP_CHUNKS,
	CAT_PYMALLOC,
	CAT_JIT,
	CAT_ELF,
	CAT_FILES,
	CAT_SHM,
	CAT_RESERVED,
	CAT_KERNEL,
	CAT_UNEXPLAINED,
	NCAT
};

/*
 * Each class: its name, and the summary category its regions count under
 * (but for the JVM's parts, by the span they lie in, and a thread's
 * guard: see category()).
 */
static const struct {
	const char *name;
	enum cat cat;
} classes[FX_NCLASSES] = {
	[FX_C_ANON] = { "anon", CAT_UNEXPLAINED },
	[FX_C_HEAP] = { "heap", CAT_MALLOC },
	[FX_C_ARENA] = { "arena", CAT_MALLOC },
	[FX_C_ARENA_RESERVE] = { "arena-reserve", CAT_MALLOC },
	[FX_C_STACK] = { "stack", CAT_MAIN_STACK },
	[FX_C_THREAD_STACK] = { "thread-stack", CAT_THREAD },
	[FX_C_GUARD] = { "guard", CAT_RESERVED },
	[FX_C_MMAP_CHUNK] = { "mmap-chunk", CAT_MMAP_CHUNKS },
	[FX_C_MUSL_HEAP] = { "musl-heap", CAT_MALLOC },
	[FX_C_PYMALLOC] = { "pymalloc", CAT_PYMALLOC },
	[FX_C_JVM_HEAP] = { "jvm-heap", CAT_UNEXPLAINED },
	[FX_C_JVM_METASPACE] = { "jvm-metaspace", CAT_UNEXPLAINED },
	[FX_C_JVM_CODECACHE] = { "jvm-codecache", CAT_UNEXPLAINED },
	[FX_C_JIT] = { "jit", CAT_JIT },
	[FX_C_CODE] = { "code", CAT_ELF },
	[FX_C_RODATA] = { "rodata", CAT_ELF },
	[FX_C_DATA] = { "data", CAT_ELF },
	[FX_C_BSS] = { "bss", CAT_ELF },
	[FX_C_FILE] = { "file", CAT_FILES },
	[FX_C_SHM] = { "shm", CAT_SHM },
	[FX_C_VDSO] = { "vdso", CAT_KERNEL },
	[FX_C_VVAR] = { "vvar", CAT_KERNEL },
	[FX_C_VSYSCALL] = { "vsyscall", CAT_KERNEL },
	[FX_C_JEMALLOC] = { "jemalloc", CAT_MALLOC },
	[FX_C_TCMALLOC] = { "tcmalloc", CAT_MALLOC },
	[FX_C_MIMALLOC] = { "mimalloc", CAT_MALLOC },
};

const char *fx_class_name(enum fx_class c)
{
	return (unsigned)c < FX_NCLASSES ? classes[c].name : "-";
}

/* ---- mapped files ---- */

long fx_proc_file_read(void *ctx, const struct fx_region *r, uint64_t off,
		       void *buf, size_t len)
{
	struct fx_proc *p = ctx;
	char name[64];
	struct stat st;
	size_t got;
	int fd = -EPERM, rootfd, err;

	/* map_files is the mapped file itself (it needs CAP_SYS_ADMIN, or
	 * CAP_CHECKPOINT_RESTORE since Linux 5.9, in the initial user
	 * namespace: kerndat.h); still, only a regular file is opened: a
	 * mapped device is never reopened. */
	if (fx_kerndat()->map_files) {
		snprintf(name, sizeof(name), "map_files/%llx-%llx",
			 (unsigned long long)r->start,
			 (unsigned long long)r->end);
		fd = fx_safe_open(p->dirfd, name, 0, &st);
	}
	if (fd < 0 && fd != -EINVAL && fd != -EISDIR && r->name_len &&
	    r->name[0] == '/' && strlen(r->name) == r->name_len) {
		/* The name the target shows, in its root: whatever is
		 * there now (a FIFO, another file, a link), not
		 * necessarily what was mapped (RELIABILITY T26, T27).
		 * Only the file of the maps line's dev:inode is read.
		 * maps prints the device as major:minor in hex, as
		 * MAJOR()/MINOR() of the kernel's dev_t: compared with
		 * major()/minor() of st_dev, never st_dev itself. */
		rootfd = openat(p->dirfd, "root",
				O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return -errno;
		fd = fx_safe_open(rootfd, r->name, FX_OPEN_IN_ROOT, &st);
		close(rootfd);
		if (fd >= 0 && (st.st_ino != r->inode ||
				major(st.st_dev) != r->dev_major ||
				minor(st.st_dev) != r->dev_minor)) {
			close(fd);
			return -ESTALE;
		}
	}
	if (fd < 0)
		return fd;
	got = fx_read_full(fd, buf, len, off, &err);
	close(fd);
	return (long)got;
}

/* ---- C++ types from vtable pointers (RTTI in the target's memory) ---- */

#define TYPE_CACHE 4096

struct fx_typetab {
	const struct fx_maps *m;
	struct fx_heap_src *src;
	uint64_t key[TYPE_CACHE];
	uint32_t val[TYPE_CACHE];
	char **names;
	size_t n;
	int unnamed;	/* a vtable's type was found, the demangler not */
};

static int in_file_map(const struct fx_maps *m, uint64_t a)
{
	const struct fx_region *r = fx_region_at(m, a);

	return r && r->inode && r->perms[0] == 'r';
}

/*
 * A vtable pointer points 16 bytes into the vtable: offset-to-top (0 for
 * the primary vtable of a complete object) at -16, the typeinfo pointer
 * at -8; typeinfo holds its own vtable pointer then the name pointer. All
 * of these live in mapped ELF files.
 */
static uint32_t resolve_type(struct fx_typetab *tt, uint64_t w)
{
	uint64_t hdr[2], ti[2];
	char name[1025], out[1024], **nn;
	size_t len = 0, i;
	int r;

	if ((w & 7) || !in_file_map(tt->m, w) ||
	    tt->src->read(tt->src->ctx, w - 16, hdr, 16) || hdr[0] != 0 ||
	    !in_file_map(tt->m, hdr[1]) ||
	    tt->src->read(tt->src->ctx, hdr[1], ti, 16) ||
	    !in_file_map(tt->m, ti[0]) || !in_file_map(tt->m, ti[1]))
		return 0;
	/* The name, 16 bytes at a time up to its NUL (page-safe reads). */
	while (len < 1024) {
		if (tt->src->read(tt->src->ctx, ti[1] + len, name + len, 16))
			return 0;
		if (memchr(name + len, '\0', 16))
			break;
		len += 16;
	}
	name[1024] = '\0';
	/* A leading '*' marks a type local to its object file. */
	i = name[0] == '*';
	r = fx_type_name(name + i, out, sizeof(out));
	if (r == -ENOSPC)
		snprintf(out, sizeof(out), "%s", name + i);
	else if (r) {
		tt->unnamed |= fx_demangle_why()[0] != '\0';
		return 0;
	}
	for (i = 0; i < tt->n; i++)
		if (strcmp(tt->names[i], out) == 0)
			return (uint32_t)i + 1;
	nn = realloc(tt->names, (tt->n + 1) * sizeof(*nn));
	if (!nn)
		return 0;
	tt->names = nn;
	nn[tt->n] = strdup(out);
	if (!nn[tt->n])
		return 0;
	return (uint32_t)++tt->n;
}

static uint32_t type_of(void *ctx, uint64_t w)
{
	struct fx_typetab *tt = ctx;
	size_t slot = (size_t)((w >> 3) * 0x9e3779b97f4a7c15ULL >> 52) %
		      TYPE_CACHE;

	if (tt->key[slot] == w)
		return tt->val[slot];
	tt->key[slot] = w;
	tt->val[slot] = resolve_type(tt, w);
	return tt->val[slot];
}

const char *fx_classify_type_name(const struct fx_classify *c, uint32_t id)
{
	if (!id || !c->types || id > c->types->n)
		return "-";
	return c->types->names[id - 1];
}

/* ---- ELF files ---- */

struct elffile {
	uint64_t dev, inode;
	struct fx_elf_load ld[16];
	size_t n;
	int ok;
	long err;		/* the file could not be read: why */
};

struct elfcache {
	struct elffile *f;
	size_t n;
};

/* The ELF file region r maps, or NULL (*err: why it was not read, or 0
 * when it was read and is not ELF). */
static const struct elffile *elf_of(struct elfcache *ec,
				    const struct fx_region *r, fx_file_fn file,
				    void *fctx, long *err)
{
	uint64_t dev = (uint64_t)r->dev_major << 32 | r->dev_minor;
	struct elffile *nf, *f;
	unsigned char *buf;
	long got;
	size_t i;

	*err = 0;
	/* inode 0: a core's file not on this machine, nothing to share. */
	for (i = 0; i < ec->n && r->inode; i++)
		if (ec->f[i].dev == dev && ec->f[i].inode == r->inode) {
			*err = ec->f[i].err;
			return ec->f[i].ok ? &ec->f[i] : NULL;
		}
	nf = realloc(ec->f, (ec->n + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	ec->f = nf;
	f = &nf[ec->n++];
	memset(f, 0, sizeof(*f));
	f->dev = dev;
	f->inode = r->inode;
	if (!file)
		return NULL;
	buf = malloc(65536);
	if (!buf)
		return NULL;
	got = file(fctx, r, 0, buf, 65536);
	if (got > 0 && fx_elf_loads(buf, (size_t)got, f->ld, 16, &f->n) == 0)
		f->ok = 1;
	f->err = got < 0 ? got : 0;
	*err = f->err;
	free(buf);
	return f->ok ? f : NULL;
}

/* The load segment a file mapping at offset off comes from, or NULL. */
static const struct fx_elf_load *load_of(const struct elffile *f,
					 const struct fx_region *r)
{
	size_t ps = fx_page_size(), i;
	const struct fx_elf_load *best = NULL;

	for (i = 0; i < f->n; i++) {
		const struct fx_elf_load *l = &f->ld[i];
		uint64_t lo = l->offset - l->offset % ps;
		uint64_t hi = l->offset + l->filesz;

		if (r->offset < lo || r->offset >= hi + (hi == lo))
			continue;
		/* Two segments may share a page: prefer the one whose
		 * permissions match the mapping's. */
		if (!best || ((l->flags & 1) && r->perms[2] == 'x') ||
		    ((l->flags & 2) && r->perms[1] == 'w'))
			best = l;
	}
	return best;
}

/* ---- the classification ---- */

void fx_classify_init(struct fx_classify *c)
{
	memset(c, 0, sizeof(*c));
}

void fx_classify_release(struct fx_classify *c)
{
	size_t i;

	if (c->have_glibc)
		fx_heapscan_release(&c->hs);
	fx_jvm_release(&c->jvm);
	if (c->mng)
		fx_mallocng_release(c->mng);
	if (c->pym)
		fx_pymalloc_release(c->pym);
	free(c->mng);
	free(c->pym);
	if (c->types) {
		for (i = 0; i < c->types->n; i++)
			free(c->types->names[i]);
		free(c->types->names);
		free(c->types);
	}
	for (i = 0; c->stacks && i < c->nt; i++)
		free(c->stacks[i]);
	free(c->stacks);
	free(c->rc);
	memset(c, 0, sizeof(*c));
}

/* Append a line made as printf makes it to b; 0 or -ENOMEM. */
static int line(struct fx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int line(struct fx_buf *b, const char *fmt, ...)
{
	char l[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l, sizeof(l), fmt, ap);
	va_end(ap);
	return fx_buf_adds(b, l) || fx_buf_adds(b, "\n") ? -ENOMEM : 0;
}

void fx_classify_looked(struct fx_classify_looks *l,
			const struct fx_classify *c, const struct fx_maps *m)
{
	uint64_t place = c->hs.nbad ? c->hs.bad[0].addr :
			 c->mng && c->mng->nbad ? c->mng->bad[0].addr : 0;
	uint64_t map = 0, b[3];
	size_t i;

	for (i = 0; i < m->n; i++) {
		b[0] = map;
		b[1] = m->r[i].start;
		b[2] = m->r[i].end;
		map = fx_hash_bytes((const char *)b, sizeof(b));
	}
	/* The same place twice in the same map: corrupt, not moving. */
	l->moved = place && (!l->n || l->moved) &&
		   !(l->n && place == l->place && map == l->map);
	l->place = place;
	l->map = map;
	l->n++;
}

int fx_classify_notes(const struct fx_classify *c, int pid, int verbose,
		      struct fx_buf *out)
{
	int r = 0, bad = 0;
	size_t i;
	char note[400];

	if (verbose) {
		fx_classify_alloc_note(c, note, sizeof(note));
		r |= line(out, "pid %d: %s", pid, note);
	}
	if (verbose && c->mng && c->mng->ctx)
		r |= line(out, "pid %d: %s", pid, c->mng->note);
	if (verbose && c->pym && c->pym->found_python)
		r |= line(out, "pid %d: %s", pid, c->pym->note);
	if (c->jvm.found && (!c->jvm.ok || strstr(c->jvm.note, "not found"))) {
		r |= line(out, "process %d: %s: its Java heap, metaspace, code "
			  "cache or threads may show as anon", pid,
			  c->jvm.note);
		bad = 1;
	} else if (verbose && c->jvm.ok) {
		r |= line(out, "pid %d: %s; %zu Java threads, %llu classes "
			  "walked", pid, c->jvm.note, c->jvm.nt,
			  (unsigned long long)c->jvm.klasses);
	}
	/* Without libstdc++ every C++ object's type is "-": said, not
	 * silent (the counts stand). */
	if (c->types && c->types->unnamed)
		r |= line(out, "process %d: C++ types not named (type -): %s",
			  pid, fx_demangle_why());
	/* A heap whose looks each stopped at another place, or in another
	 * map, is in use, not corrupt: said once, with where the last look
	 * stopped. */
	if (c->changed && (c->hs.nbad || (c->mng && c->mng->nbad))) {
		const struct fx_heap_bad *hb = c->hs.nbad ? &c->hs.bad[0] :
							    &c->mng->bad[0];

		r |= line(out, "process %d: its %s heap changed under every "
			  "look (3 looks, the last stopped at 0x%llx: %s): a "
			  "heap in use; a still copy reads whole (dump-region "
			  "--mode snapshot, then classify the dump)", pid,
			  c->hs.nbad ? "malloc" : "musl",
			  (unsigned long long)hb->addr, hb->why);
		return r ? -ENOMEM : 1;
	}
	for (i = 0; i < c->hs.nbad; i++, bad = 1)
		r |= line(out, "process %d: corrupt heap metadata at 0x%llx: "
			  "%s", pid, (unsigned long long)c->hs.bad[i].addr,
			  c->hs.bad[i].why);
	for (i = 0; c->mng && i < c->mng->nbad; i++, bad = 1)
		r |= line(out, "process %d: corrupt musl mallocng metadata at "
			  "0x%llx: %s", pid,
			  (unsigned long long)c->mng->bad[i].addr,
			  c->mng->bad[i].why);
	return r ? -ENOMEM : bad;
}

int fx_classify_stacks(struct fx_classify *c, struct fx_memsrc *ms,
		       struct fx_proc *p, const struct fx_freeze_opts *fo,
		       struct fx_buf *msg)
{
	struct fx_unwinder *u = NULL;
	struct fx_buf b;
	char m[512];
	size_t i;
	int r = 0;

	if (!fo || ms->kind != FX_MS_LIVE) {
		for (i = 0; i < c->nt && !c->t[i].have_regs; i++)
			;
		if (i == c->nt)
			return 0;
	}
	r = fx_unwinder_new(&u, c->m, &ms->heap, ms->file, ms->file_ctx, m,
			    sizeof(m));
	if (r) {
		if (r == -ENOMEM || fx_buf_adds(msg, "no stacks: ") ||
		    fx_buf_adds(msg, m) || fx_buf_adds(msg, "\n"))
			return -ENOMEM;
		return -EIO;
	}
	if (fo && ms->kind == FX_MS_LIVE) {
		/* The stacks kept in the stop must be read in it: bytes the
		 * live source's windows hold from before (a thread's TCB at
		 * the top of its stack, read by the walk) are dropped. */
		fx_livesrc_remap(&ms->ls, ms->ls.m);
		r = fx_stack_regs_frozen(ms->t, ms->nt, p, fo, u, m, sizeof(m));
		if (m[0] && (fx_buf_adds(msg, m) || fx_buf_adds(msg, "\n")))
			r = -ENOMEM;
		if (r) {
			fx_unwinder_free(u);
			return r == -EIO ? -ECANCELED : r;
		}
	}
	c->stacks = calloc(c->nt, sizeof(*c->stacks));
	fx_buf_init(&b);
	for (i = 0; c->stacks && i < c->nt && !r; i++) {
		b.len = 0;
		r = fx_unwind(u, &c->t[i], &b);
		if (!r && !(c->stacks[i] = strndup(b.data, b.len)))
			r = -ENOMEM;
	}
	fx_buf_release(&b);
	fx_unwinder_free(u);
	return c->stacks ? r : -ENOMEM;
}

static void set(struct fx_regclass *rc, enum fx_class cls, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static void set(struct fx_regclass *rc, enum fx_class cls, const char *fmt,
		...)
{
	va_list ap;

	rc->cls = cls;
	va_start(ap, fmt);
	vsnprintf(rc->detail, sizeof(rc->detail), fmt, ap);
	va_end(ap);
}

static const char *base_name(const struct fx_region *r)
{
	const char *s = strrchr(r->name, '/');

	return s ? s + 1 : r->name;
}

static int is_libc(const struct fx_region *r)
{
	const char *b = base_name(r);

	return fx_region_is_file(r) && (strncmp(b, "libc.so", 7) == 0 ||
			    strncmp(b, "libc-2.", 7) == 0);
}

/* Find glibc's version in its file and set up c->hs; notes why not. */
static void setup_glibc(struct fx_classify *c, const struct fx_maps *m,
			struct fx_heap_src *src, fx_file_fn file, void *fctx)
{
	const struct fx_region *lib = NULL;
	struct fx_glibc g;
	char *buf;
	long got;
	size_t i;
	int major, minor;

	for (i = 0; i < m->n && !lib; i++)
		if (is_libc(&m->r[i]))
			lib = &m->r[i];
	/* A static binary carries glibc inside itself. */
	for (i = 0; i < m->n && !lib; i++)
		if (m->r[i].kind == FX_KIND_FILE)
			lib = &m->r[i];
	if (!lib || !file || !src) {
		snprintf(c->glibc_note, sizeof(c->glibc_note),
			 "no glibc to read");
		return;
	}
	buf = malloc(8 << 20);
	if (!buf)
		return;
	got = file(fctx, lib, 0, buf, 8 << 20);
	if (got <= 0 || fx_glibc_version(buf, (size_t)got, &major, &minor)) {
		snprintf(c->glibc_note, sizeof(c->glibc_note),
			 "no glibc version in %.100s", lib->name);
		free(buf);
		return;
	}
	free(buf);
	if (fx_glibc_layout(&g, major, minor)) {
		snprintf(c->glibc_note, sizeof(c->glibc_note),
			 "glibc %d.%d: malloc layout not checked for this "
			 "version", major, minor);
		return;
	}
	snprintf(c->glibc_note, sizeof(c->glibc_note), "glibc %d.%d", major,
		 minor);
	fx_heapscan_init(&c->hs, &g);
	c->have_glibc = 1;
}

/* Does this anonymous executable region decode as x86-64 code? */
static void check_jit(struct fx_regclass *rc, const struct fx_region *r,
		      struct fx_heap_src *src)
{
	unsigned char page[4096];
	size_t ps = fx_page_size(), count = 0, used = 0, k;
	uint64_t a;
	cs_insn *insn = NULL;
	csh h;
	int zero = 1;

	for (a = r->start; a < r->end && src; a += ps)
		if (ps <= sizeof(page) && src->read(src->ctx, a, page, ps) == 0)
			break;
	if (!src || a >= r->end || ps > sizeof(page)) {
		set(rc, FX_C_JIT, "anonymous executable, no page present to "
		    "check");
		return;
	}
	for (k = 0; k < ps; k++)
		if (page[k])
			zero = 0;
	if (!zero && fx_lazy_load(&cs_lazy)) {
		set(rc, FX_C_JIT, "anonymous executable, not decoded: %s",
		    fx_lazy_why(&cs_lazy));
		return;
	}
	if (!zero && cs.cs_open(CS_ARCH_X86, CS_MODE_64, &h) == CS_ERR_OK) {
		count = cs.cs_disasm(h, page, ps, a, 0, &insn);
		for (k = 0; k < count; k++)
			used += insn[k].size;
		if (count)
			cs.cs_free(insn, count);
		cs.cs_close(&h);
	}
	if (zero)
		set(rc, FX_C_JIT, "anonymous executable, first present page "
		    "all zero");
	else
		set(rc, FX_C_JIT, "anonymous executable, %zu of %zu bytes "
		    "decode as x86-64 (%zu instructions) at 0x%llx",
		    used, ps, count, (unsigned long long)a);
}

long fx_classify_thread_stack(const struct fx_classify *c,
			      const struct fx_thread *t)
{
	const struct fx_region *r;
	size_t i;

	/* A thread running each time it was looked at: the stack its glibc
	 * TCB named (mark_running_stacks), if any. */
	for (i = 0; !t->have_sp && c->rc && i < c->m->n; i++)
		if (c->rc[i].cls == FX_C_THREAD_STACK && c->rc[i].tid == t->tid)
			return (long)i;
	if (!t->have_sp)
		return -1;
	r = fx_region_at(c->m, t->sp);
	/* A stack pointer at the very top of its stack (nothing pushed). */
	if (!r && t->sp)
		r = fx_region_at(c->m, t->sp - 1);
	return r ? (long)(r - c->m->r) : -1;
}

/* Heaps, arenas and their reserves. */
static void mark_heaps(struct fx_classify *c)
{
	const struct fx_maps *m = c->m;
	size_t i, k;

	for (k = 0; k < c->hs.nheaps; k++) {
		const struct fx_heap *h = &c->hs.heaps[k];
		const struct fx_arena *a = &c->hs.arenas[h->arena];

		for (i = 0; i < m->n; i++) {
			struct fx_regclass *rc = &c->rc[i];

			if (m->r[i].start == h->start) {
				rc->heap = (int)k;
				if (a->is_main)
					set(rc, FX_C_HEAP, "main arena 0x%llx, "
					    "top 0x%llx (%llu bytes), %s",
					    (unsigned long long)a->addr,
					    (unsigned long long)a->top,
					    (unsigned long long)a->top_size,
					    c->glibc_note);
				else
					set(rc, FX_C_ARENA, "arena 0x%llx heap "
					    "%u of %u, heap_info.size %llu, "
					    "system_mem %llu",
					    (unsigned long long)a->addr, h->seq,
					    a->nheaps,
					    (unsigned long long)h->size,
					    (unsigned long long)a->system_mem);
			} else if (m->r[i].start == h->end &&
				   h->reserve_end > h->end) {
				set(rc, FX_C_ARENA_RESERVE, "reserve of arena "
				    "0x%llx heap at 0x%llx",
				    (unsigned long long)a->addr,
				    (unsigned long long)h->start);
			}
		}
	}
}

/* Region k is thread t's stack; the PROT_NONE page below, its guard. */
static void label_stack(struct fx_classify *c, size_t k,
			const struct fx_thread *t)
{
	const struct fx_maps *m = c->m;
	struct fx_regclass *rc = &c->rc[k];

	rc->tid = t->tid;
	if (m->r[k].kind == FX_KIND_STACK)
		set(rc, FX_C_STACK, "thread %d (%.32s)", t->tid, t->comm);
	else
		set(rc, FX_C_THREAD_STACK, "thread %d (%.32s)", t->tid,
		    t->comm);
	if (k > 0 && m->r[k - 1].end == m->r[k].start &&
	    strcmp(m->r[k - 1].perms, "---p") == 0 &&
	    !fx_region_is_file(&m->r[k - 1])) {
		c->rc[k - 1].tid = t->tid;
		set(&c->rc[k - 1], FX_C_GUARD, "guard of thread %d", t->tid);
	}
}

/* Thread stacks from stack pointers, and the guards below them. */
static void mark_stacks(struct fx_classify *c)
{
	size_t i;
	long k;

	for (i = 0; i < c->nt; i++) {
		k = fx_classify_thread_stack(c, &c->t[i]);
		if (k >= 0)
			label_stack(c, (size_t)k, &c->t[i]);
	}
}

/*
 * Where glibc keeps a thread's tid in its struct pthread: the offset the
 * descriptor _thread_db_pthread_tid gives libthread_db (bits 32, count 1,
 * offset; in libc.so's .dynsym since glibc 2.34), read from libc's file.
 * -1 when there is none.
 */
static long pthread_tid_offset(const struct fx_maps *m, fx_file_fn file,
			       void *fctx)
{
	static const char *const name[1] = { "_thread_db_pthread_tid" };
	const struct fx_region *lib = NULL, *r;
	struct fx_fileread fr;
	uint64_t v = 0, bias = 0, a;
	uint32_t d[3];
	size_t i;

	for (i = 0; i < m->n && !lib; i++)
		if (is_libc(&m->r[i]) && m->r[i].offset == 0)
			lib = &m->r[i];
	if (!lib || !file)
		return -1;
	fr = (struct fx_fileread){ file, fctx, lib };
	if (fx_elf_bias(fx_file_pread, &fr, lib->start, &bias) ||
	    fx_elf_dynsyms(fx_file_pread, &fr, name, 1, &v) < 0 || !v)
		return -1;
	a = v + bias;
	r = fx_region_at(m, a);
	if (!r || r->inode != lib->inode || r->dev_major != lib->dev_major ||
	    r->dev_minor != lib->dev_minor || a > r->end - sizeof(d) ||
	    file(fctx, r, r->offset + (a - r->start), d, sizeof(d)) !=
		    (long)sizeof(d))
		return -1;
	return d[0] == 32 && d[1] == 1 && d[2] < 0x4000 && !(d[2] & 3) ?
		       (long)d[2] : -1;
}

#define TCB_LOOK (3 * 4096ull)	/* of a stack's top, where glibc puts it */

/*
 * The stacks of threads that were running each time they were looked at
 * (no stack pointer): glibc puts a thread's struct pthread at the top of
 * the stack it maps, and the struct begins with its TCB, whose first and
 * third words point at itself (x86-64's tcbhead_t: tcb, dtv, self). An
 * unnamed anonymous rw- region whose top pages (present ones only) hold
 * such a TCB, with the tid of one of those threads where glibc keeps it,
 * is that thread's stack. 0 or -ENOMEM.
 */
static int mark_running_stacks(struct fx_classify *c, struct fx_heap_src *src,
			       fx_file_fn file, void *fctx)
{
	const struct fx_maps *m = c->m;
	unsigned char *found;	/* per thread: its stack named here */
	uint64_t *top, a, x;
	size_t i, k, j, lost = 0;
	long off = -1;

	for (i = 0; i < c->nt; i++)
		lost += !c->t[i].have_sp;
	if (!lost || !src || !c->have_glibc)
		return 0;
	off = pthread_tid_offset(m, file, fctx);
	if (off < 0)
		return 0;
	top = malloc(TCB_LOOK);
	found = calloc(c->nt, 1);
	if (!top || !found) {
		free(top);
		free(found);
		return -ENOMEM;
	}
	for (i = 0; i < m->n && lost; i++) {
		const struct fx_region *r = &m->r[i];

		if (c->rc[i].cls != FX_C_ANON || fx_region_is_file(r) ||
		    strcmp(r->perms, "rw-p") != 0 ||
		    r->end - r->start < 4 * TCB_LOOK)
			continue;
		a = r->end - TCB_LOOK;
		for (k = 0; k < TCB_LOOK; k += 4096)
			if (src->read(src->ctx, a + k, (char *)top + k, 4096))
				memset((char *)top + k, 0, 4096);
		for (k = 0; k + 3 <= TCB_LOOK / 8; k++) {
			int32_t tid;

			x = a + k * 8;
			if (top[k] != x || top[k + 2] != x ||
			    (uint64_t)off > r->end - x - 4)
				continue;
			if ((uint64_t)off <= TCB_LOOK - k * 8 - 4)
				memcpy(&tid, (char *)top + k * 8 + off, 4);
			else if (src->read(src->ctx, x + (uint64_t)off, &tid,
					   4))
				continue;
			/* glibc keeps the tid of the target's own pid
			 * namespace (0 once the thread has exited: the
			 * kernel clears it). */
			for (j = 0; j < c->nt; j++)
				if (!c->t[j].have_sp && !found[j] &&
				    (c->t[j].nstid ? c->t[j].nstid :
						     c->t[j].tid) == tid)
					break;
			if (j == c->nt)
				continue;
			label_stack(c, i, &c->t[j]);
			found[j] = 1;
			lost--;
			break;
		}
	}
	free(top);
	free(found);
	return 0;
}

/* File mappings (ELF segments) and the bss after them. */
static void mark_files(struct fx_classify *c, fx_file_fn file, void *fctx)
{
	const struct fx_maps *m = c->m;
	struct elfcache ec = { NULL, 0 };
	const struct elffile *last = NULL;
	uint64_t bss_end = 0;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct fx_region *r = &m->r[i];
		struct fx_regclass *rc = &c->rc[i];
		const struct fx_elf_load *l;
		const struct elffile *f;
		long err;

		if (!fx_region_is_file(r)) {
			if (last && r->start < bss_end && r->kind == FX_KIND_ANON &&
			    rc->cls == FX_C_ANON && i && m->r[i - 1].end == r->start)
				set(rc, FX_C_BSS, "bss of %.160s%s",
				    m->r[i - 1].name, r->end > bss_end ?
				    " (and anonymous memory after it)" : "");
			last = NULL;
			continue;
		}
		last = NULL;
		if (r->kind == FX_KIND_SHM || r->kind == FX_KIND_MEMFD) {
			set(rc, FX_C_SHM, "%s", r->kind == FX_KIND_MEMFD ?
			    "memfd" : "shared memory");
			continue;
		}
		f = elf_of(&ec, r, file, fctx, &err);
		l = f ? load_of(f, r) : NULL;
		if (!l) {
			if (strcmp(r->perms, "---p") == 0)
				set(rc, FX_C_GUARD, "gap in a file mapping");
			else if (f)
				set(rc, FX_C_FILE, "ELF, outside its load "
				    "segments");
			else if (err == -ESTALE && !r->inode)
				set(rc, FX_C_FILE, "not read: the file is not "
				    "on this machine");
			else if (err == -ESTALE)
				set(rc, FX_C_FILE, "not read: another file is "
				    "at its path now (dev:inode differ)");
			else if (err)
				set(rc, FX_C_FILE, "not read: %s",
				    fx_safe_open_why((int)err));
			else
				set(rc, FX_C_FILE, "not ELF");
			continue;
		}
		if (l->flags & 1) {
			set(rc, FX_C_CODE, "ELF text");
		} else if (l->flags & 2) {
			set(rc, FX_C_DATA, "%s", r->perms[1] == 'w' ?
			    "ELF data" : "ELF data, read-only after "
			    "relocation (RELRO)");
			/* File offset o of the load sits at l->vaddr +
			 * o - l->offset plus the load bias. */
			bss_end = r->start - r->offset + l->offset + l->memsz;
			bss_end = (bss_end + fx_page_size() - 1) &
				  ~(uint64_t)(fx_page_size() - 1);
			last = f;
		} else {
			set(rc, FX_C_RODATA, "ELF read-only data");
		}
	}
	free(ec.f);
}

/* What each of the JVM's parts is here: a region's class, a summary's
 * category. */
static const struct {
	enum fx_class cls;
	enum cat cat;
} jvm_part[FX_JVM_NPARTS] = {
	[FX_JVM_HEAP] = { FX_C_JVM_HEAP, CAT_JAVA_HEAP },
	[FX_JVM_CLASS_SPACE] = { FX_C_JVM_METASPACE, CAT_CLASS },
	[FX_JVM_METASPACE] = { FX_C_JVM_METASPACE, CAT_METASPACE },
	[FX_JVM_CDS] = { FX_C_JVM_METASPACE, CAT_CDS },
	[FX_JVM_CODE] = { FX_C_JVM_CODECACHE, CAT_CODE },
	[FX_JVM_SEGMAP] = { FX_C_JVM_CODECACHE, CAT_CODE },
};

/* Bytes of region r inside span s. */
static uint64_t overlap(const struct fx_region *r, const struct fx_jvm_span *s)
{
	uint64_t lo = r->start > s->start ? r->start : s->start;
	uint64_t hi = r->end < s->end ? r->end : s->end;

	return hi > lo ? hi - lo : 0;
}

/* The JVM span holding most of region r, at least half of it, or NULL. */
static const struct fx_jvm_span *main_span(const struct fx_jvm *j,
					   const struct fx_region *r)
{
	const struct fx_jvm_span *best = NULL;
	uint64_t most = 0, o;
	size_t k;

	for (k = 0; k < j->ns; k++) {
		o = overlap(r, &j->s[k]);
		if (o > most) {
			most = o;
			best = &j->s[k];
		}
	}
	return most >= (r->end - r->start + 1) / 2 ? best : NULL;
}

/* The detail of a region inside the JVM's span s. */
static void jvm_region(struct fx_classify *c, struct fx_regclass *rc,
		       const struct fx_region *reg,
		       const struct fx_jvm_span *s)
{
	size_t k;
	const char *state = strcmp(reg->perms, "---p") == 0 ?
				    "reserved, not committed" : "committed";
	char gc[40] = "";

	if (s->part == FX_JVM_HEAP && c->jvm.gc[0])
		snprintf(gc, sizeof(gc), " (%s GC)", c->jvm.gc);
	set(rc, jvm_part[s->part].cls,
	    "%s%s%s %s%.60s; reserved 0x%llx-0x%llx%s",
	    fx_jvm_part_name(s->part), gc, ",",
	    reg->inode ? "mapped from " : state,
	    reg->inode ? base_name(reg) : "",
	    (unsigned long long)s->start, (unsigned long long)s->end,
	    s->exact ? "" : " (bounds inferred)");
	if (s->part == FX_JVM_HEAP && reg->perms[3] == 's' &&
	    strcmp(c->jvm.gc, "Z") == 0) {
		size_t len = strlen(rc->detail);

		snprintf(rc->detail + len, sizeof(rc->detail) - len,
			 "; one of ZGC's three views of the same pages");
	}
	for (k = 0; k < c->jvm.ns; k++) {
		const struct fx_jvm_span *o = &c->jvm.s[k];
		size_t len = strlen(rc->detail);

		if (o != s && overlap(reg, o))
			snprintf(rc->detail + len, sizeof(rc->detail) - len,
				 "; %llu bytes of it are %s (two reservations "
				 "the kernel merged)",
				 (unsigned long long)overlap(reg, o),
				 fx_jvm_part_name(o->part));
	}
}

/* Our tid of the thread the JVM knows as tid (its OSThread holds the
 * number in its own pid namespace: a container's). */
static int host_tid(const struct fx_classify *c, int tid)
{
	size_t i;

	for (i = 0; i < c->nt; i++)
		if (c->t[i].nstid == tid && c->t[i].nstid != c->t[i].tid)
			return c->t[i].tid;
	return tid;
}

/* A HotSpot JVM: its heap, metaspace, code heaps and Java thread stacks
 * from its vmStructs tables (jvm.h). */
static int mark_jvm(struct fx_classify *c, struct fx_heap_src *src,
		    fx_file_fn file, void *fctx)
{
	const struct fx_maps *m = c->m;
	const struct fx_jvm_thread *t;
	const struct fx_jvm_span *s;
	unsigned char *taken;
	size_t i, k;
	int r;

	taken = calloc(m->n ? m->n : 1, 1);
	if (!taken)
		return -ENOMEM;
	for (i = 0; i < m->n; i++)
		taken[i] = (c->rc[i].cls != FX_C_ANON &&
			    c->rc[i].cls != FX_C_GUARD) || c->rc[i].tid;
	r = fx_jvm_inspect(&c->jvm, m, src, file, fctx, taken);
	free(taken);
	if (r || !c->jvm.ok)
		return r;
	for (i = 0; i < m->n; i++) {
		const struct fx_region *reg = &m->r[i];
		struct fx_regclass *rc = &c->rc[i];

		s = main_span(&c->jvm, reg);
		if (s) {
			jvm_region(c, rc, reg, s);
			continue;
		}
		for (k = 0; rc->cls == FX_C_ANON && k < c->jvm.ns; k++) {
			const struct fx_jvm_span *o = &c->jvm.s[k];

			if (overlap(reg, o))
				set(rc, FX_C_ANON, "%llu bytes of it are %s "
				    "0x%llx-0x%llx (two mappings the kernel "
				    "merged)",
				    (unsigned long long)overlap(reg, o),
				    fx_jvm_part_name(o->part),
				    (unsigned long long)o->start,
				    (unsigned long long)o->end);
		}
		t = fx_jvm_thread_at(&c->jvm, reg->start);
		if (!t || fx_region_is_file(reg))
			continue;
		rc->tid = host_tid(c, t->tid);
		if (strcmp(reg->perms, "---p") == 0)
			set(rc, FX_C_GUARD, "stack guard zones of Java thread "
			    "%d '%.96s'", rc->tid, t->name);
		else
			set(rc, FX_C_THREAD_STACK, "Java thread %d '%.96s'",
			    rc->tid, t->name);
	}
	return 0;
}

/* The bytes of spans (sorted, start and end the first two words of
 * elements of sz bytes) in each region of c->m, added to cov. */
static void cover(const struct fx_classify *c, const void *spans, size_t n,
		  size_t sz, uint64_t *cov)
{
	const struct fx_maps *m = c->m;
	size_t i;

	for (i = 0; i < n; i++) {
		const uint64_t *s = (const uint64_t *)((const char *)spans +
						       i * sz);
		const struct fx_region *reg = fx_region_at(m, s[0]);
		uint64_t end;

		if (!reg)
			continue;
		end = s[1] < reg->end ? s[1] : reg->end;
		cov[reg - m->r] += end > s[0] ? end - s[0] : 0;
	}
}

/*
 * The walkers of other allocators (musl's mallocng without glibc's
 * arenas, CPython's pymalloc when a python is mapped): the anonymous
 * regions (and the brk heap) that are mostly theirs get their class.
 */
static int mark_walked(struct fx_classify *c, struct fx_heap_src *src)
{
	const struct fx_maps *m = c->m;
	uint64_t *cov, size;
	size_t i;
	int r = -ENOMEM, k;
	char ver[24];

	c->mng = calloc(1, sizeof(*c->mng));
	c->pym = calloc(1, sizeof(*c->pym));
	cov = calloc(2 * (m->n ? m->n : 1), sizeof(*cov));
	if (!c->mng || !c->pym || !cov)
		goto out;
	fx_mallocng_init(c->mng);
	fx_pymalloc_init(c->pym);
	/* mallocng is looked for where musl, or nothing known, serves
	 * malloc (alloc.h), and glibc's arenas were not found. */
	if ((!c->have_glibc || !c->hs.narenas) &&
	    (c->alloc.id == FX_ALLOC_MUSL_NG || c->alloc.id == FX_ALLOC_MUSL ||
	     c->alloc.id == FX_ALLOC_UNKNOWN) &&
	    (r = fx_mallocng_walk(c->mng, m, src)))
		goto out;
	if ((r = fx_pymalloc_walk(c->pym, m, src)))
		goto out;
	if (c->pym->major)
		snprintf(ver, sizeof(ver), "%d.%d", c->pym->major,
			 c->pym->minor);
	else
		snprintf(ver, sizeof(ver), "(version not known)");
	cover(c, c->mng->spans, c->mng->nspans, sizeof(*c->mng->spans), cov);
	cover(c, c->pym->arenas, c->pym->narenas, sizeof(*c->pym->arenas),
	      cov + m->n);
	for (i = 0; i < m->n; i++) {
		size = m->r[i].end - m->r[i].start;
		k = cov[i] * 2 >= size ? 0 : cov[m->n + i] * 2 >= size ? 1 : -1;
		if (k < 0 || fx_region_is_file(&m->r[i]) ||
		    (c->rc[i].cls != FX_C_ANON &&
						c->rc[i].cls != FX_C_HEAP))
			continue;
		if (k == 0)
			set(&c->rc[i], FX_C_MUSL_HEAP, "%s", c->mng->note);
		else
			set(&c->rc[i], FX_C_PYMALLOC, "pymalloc arenas of "
			    "CPython %s (%zu in the process, %llu pools)%s",
			    ver, c->pym->narenas,
			    (unsigned long long)c->pym->pools, c->pym->table ?
			    ", checked against its arenas table" : "");
	}
	r = 0;
out:
	free(cov);
	return r;
}

static const enum fx_class alloc_cls[] = { FX_C_JEMALLOC, FX_C_TCMALLOC,
					   FX_C_MIMALLOC, FX_C_MUSL_HEAP };

/* The class of the allocator's labelled regions, or FX_C_ANON. */
static enum fx_class alloc_class(const struct fx_alloc *a)
{
	const char *n = fx_alloc_class(a);
	size_t k;

	for (k = 0; n && k < FX_ARRAY_SIZE(alloc_cls); k++)
		if (strcmp(classes[alloc_cls[k]].name, n) == 0)
			return alloc_cls[k];
	return FX_C_ANON;
}

/* Another allocator's reservations (alloc.h): the anonymous writable
 * regions nothing else explains, and the brk heap, labelled when at
 * least half of one is covered by what validated. */
static int mark_alloc(struct fx_classify *c, struct fx_heap_src *src)
{
	const struct fx_maps *m = c->m;
	enum fx_class cls = alloc_class(&c->alloc);
	struct fx_alloc_label *l;
	unsigned char *cand;
	char h[16], what[80];
	size_t i;
	int r, walked;

	if (cls == FX_C_ANON || !src)
		return 0;
	cand = calloc(m->n ? m->n : 1, 1);
	l = calloc(m->n ? m->n : 1, sizeof(*l));
	r = cand && l ? 0 : -ENOMEM;
	/* musl's mallocng walked (mark_walked): its regions are named
	 * from the walk; labels only where the walk found no context. */
	walked = cls == FX_C_MUSL_HEAP && c->mng && c->mng->ctx;
	for (i = 0; i < m->n && !r && !walked; i++)
		cand[i] = !fx_region_is_file(&m->r[i]) &&
			  m->r[i].perms[1] == 'w' &&
			  !c->rc[i].tid &&
			  (c->rc[i].cls == FX_C_ANON ||
			   (c->rc[i].cls == FX_C_HEAP && c->rc[i].heap < 0));
	if (!r && !walked)
		r = fx_alloc_label(&c->alloc, m, src, cand, l);
	c->label_cut = r == 1;
	r = r == 1 ? 0 : r;
	for (i = 0; i < m->n && !r; i++) {
		uint64_t size = m->r[i].end - m->r[i].start;

		if (!cand[i] || !l[i].bytes || l[i].bytes * 2 < size)
			continue;
		fx_human_size(l[i].bytes, h, sizeof(h));
		snprintf(what, sizeof(what), "%u %s", l[i].items,
			 fx_alloc_items(&c->alloc));
		if (l[i].meta)
			snprintf(what + (l[i].items ? strlen(what) : 0),
				 sizeof(what) - (l[i].items ? strlen(what) : 0),
				 "%s%u %s (metadata)", l[i].items ? ", " : "",
				 l[i].meta, fx_alloc_meta(&c->alloc));
		set(&c->rc[i], cls, "%s: %s, %s validated%s%s", c->alloc.name,
		    what, h, m->r[i].kind == FX_KIND_HEAP ? " (brk heap)" : "",
		    l[i].bytes < size ? "; the rest unvalidated" : "");
		c->nlabelled++;
	}
	/* The brk heap is not glibc's here: say whose it is, and that a
	 * PROT_NONE part of it is a guard (musl mallocng's, below its
	 * meta areas). */
	for (i = 0; i < m->n && !r; i++) {
		if (m->r[i].kind != FX_KIND_HEAP || c->rc[i].cls != FX_C_HEAP)
			continue;
		if (strcmp(m->r[i].perms, "---p") == 0)
			set(&c->rc[i], FX_C_GUARD, "PROT_NONE page of the brk "
			    "heap: a guard (%s serves malloc)", c->alloc.name);
		else
			set(&c->rc[i], FX_C_HEAP, "brk heap, not glibc's: %s "
			    "serves malloc; nothing in it validated",
			    c->alloc.name);
	}
	free(cand);
	free(l);
	return r;
}

void fx_classify_alloc_note(const struct fx_classify *c, char *out,
			    size_t len)
{
	const char *cls = fx_alloc_class(&c->alloc);
	int n;

	n = snprintf(out, len, "malloc: %s (%s)", c->alloc.name,
		     c->alloc.how);
	if (cls && c->mng && c->mng->ctx && strcmp(cls, "musl-heap") == 0)
		cls = NULL;	/* walked, not labelled: mallocng's line */
	if (cls && n >= 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, "; %zu region%s labelled "
			 "%s%s", c->nlabelled, c->nlabelled == 1 ? "" : "s",
			 cls, c->label_cut ? " (the scan stopped after 1 GiB "
			 "of pages: the rest not labelled)" : "");
}

int fx_classify_unwalked(const struct fx_classify *c, char *msg,
			 size_t len)
{
	if (!fx_alloc_walkable(&c->alloc)) {
		fx_alloc_unwalkable(&c->alloc, msg, len);
		return 1;
	}
	/* musl named, its walker found no heap: said, not an empty
	 * histogram. */
	if (fx_alloc_class(&c->alloc) && c->mng && !c->mng->ctx) {
		snprintf(msg, len, "%s: its heap was not found (%s); counts "
			 "are not available", c->alloc.name, c->mng->note);
		return 1;
	}
	return 0;
}

int fx_classify_run(struct fx_classify *c, const struct fx_maps *m,
		    struct fx_heap_src *src, fx_file_fn file, void *fctx,
		    const struct fx_thread *t, size_t nt)
{
	uint64_t bytes;
	size_t i;
	long nch;
	int r;

	c->m = m;
	c->t = t;
	c->nt = nt;
	c->rc = calloc(m->n ? m->n : 1, sizeof(*c->rc));
	if (!c->rc)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		const struct fx_region *reg = &m->r[i];
		struct fx_regclass *rc = &c->rc[i];

		rc->heap = -1;
		switch (reg->kind) {
		case FX_KIND_VDSO: set(rc, FX_C_VDSO, "-"); break;
		case FX_KIND_VVAR: set(rc, FX_C_VVAR, "-"); break;
		case FX_KIND_VSYSCALL: set(rc, FX_C_VSYSCALL, "-"); break;
		case FX_KIND_STACK: set(rc, FX_C_STACK, "main thread"); break;
		case FX_KIND_HEAP: set(rc, FX_C_HEAP, "brk heap"); break;
		case FX_KIND_GUARD:
			set(rc, FX_C_GUARD, "PROT_NONE reservation");
			break;
		default: set(rc, FX_C_ANON, "-"); break;
		}
	}
	mark_files(c, file, fctx);
	r = fx_alloc_identify(&c->alloc, m, src, file, fctx);
	if (r)
		return r;
	if (fx_alloc_is_glibc(&c->alloc))
		setup_glibc(c, m, src, file, fctx);
	else
		snprintf(c->glibc_note, sizeof(c->glibc_note),
			 "glibc's malloc not in use");
	if (c->alloc.id == FX_ALLOC_GLIBC &&
	    strncmp(c->glibc_note, "glibc ", 6) == 0)
		fx_alloc_set_version(&c->alloc, c->glibc_note + 6);
	if (c->have_glibc) {
		r = fx_heapscan_find(&c->hs, m, src, NULL);
		if (r)
			return r;
		mark_heaps(c);
	}
	mark_stacks(c);
	r = mark_running_stacks(c, src, file, fctx);
	r = r ? r : mark_jvm(c, src, file, fctx);
	if (!r && src)
		r = mark_walked(c, src);
	if (r)
		return r;
	r = mark_alloc(c, src);
	if (r)
		return r;
	for (i = 0; i < m->n; i++) {
		const struct fx_region *reg = &m->r[i];
		struct fx_regclass *rc = &c->rc[i];

		if (rc->cls != FX_C_ANON || fx_region_is_file(reg))
			continue;
		if (reg->perms[2] == 'x') {
			check_jit(rc, reg, src);
			continue;
		}
		if (!src || !c->have_glibc || reg->perms[1] != 'w')
			continue;
		nch = fx_mmap_chunks(src, reg->start, reg->end, &bytes);
		/* Mostly chunks: the rest is a small mapping merged in. */
		if (nch > 0 && bytes >= (reg->end - reg->start) / 2)
			set(rc, FX_C_MMAP_CHUNK, "%ld glibc mmapped chunk%s, "
			    "%llu bytes%s", nch, nch > 1 ? "s" : "",
			    (unsigned long long)bytes,
			    bytes < reg->end - reg->start ?
				    ", then other anonymous memory" : "");
	}
	return 0;
}

int fx_classify_chunks(struct fx_classify *c, struct fx_heap_src *src)
{
	/* Another walker (musl mallocng's) goes here when alloc.c's
	 * fx_alloc_walkable says its allocator is walked. */
	if (!c->have_glibc || !fx_alloc_walkable(&c->alloc))
		return 0;
	if (!c->types) {
		c->types = calloc(1, sizeof(*c->types));
		if (!c->types)
			return -ENOMEM;
		c->types->m = c->m;
		c->types->src = src;
	}
	return fx_heapscan_chunks(&c->hs, src, type_of, c->types);
}

/* ---- records ---- */

/* Region records with class and detail before name (schema.h). */
int fx_classify_write_regions(const struct fx_classify *c,
			      struct fx_writer *w, int pid)
{
	const struct fx_maps *m = c->m;
	const char *extra[2];
	size_t i;
	int r;

	r = fx_region_columns_with(w, fx_region_class_cols, 2);
	for (i = 0; i < m->n && !r; i++) {
		extra[0] = fx_class_name(c->rc[i].cls);
		extra[1] = c->rc[i].detail;
		r = fx_region_write_with(w, pid, c->starttime, &m->r[i],
					 extra, 2);
	}
	return r;
}

/* The columns of kind id (schema.h) as w's. */
static int kind_columns(struct fx_writer *w, enum fx_rec_kind id)
{
	const struct fx_reckind *k = fx_reckind(id);

	return fx_writer_columns(w, k->cols, k->ncols);
}

static int cmp_hist(const void *a, const void *b)
{
	const struct fx_chunk_hist *x = a, *y = b;

	if (x->arena != y->arena)
		return x->arena - y->arena;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

/* One histogram line of another allocator (arena 0: '-'; e NULL: a
 * corruption record, its counts '-'). */
static int write_hist(struct fx_writer *w, int pid, unsigned long long st,
		      uint64_t arena, const struct fx_chunk_hist *e,
		      const char *type)
{
	int k;

	fx_writer_u64(w, (uint64_t)pid);
	if (arena)
		fx_writer_addr(w, arena);
	else
		fx_writer_missing(w);
	for (k = 0; !e && k < 5; k++)
		fx_writer_missing(w);
	if (e) {
		fx_writer_u64(w, e->size);
		fx_writer_u64(w, e->inuse);
		fx_writer_u64(w, e->free);
		fx_writer_u64(w, e->inuse_bytes);
		fx_writer_u64(w, e->free_bytes);
	}
	fx_writer_u64_known(w, st);
	fx_writer_text(w, type, strlen(type));
	return fx_writer_end(w);
}

/* The histograms of musl's mallocng and pymalloc, then mallocng's
 * corruption records. */
static int write_walked(const struct fx_classify *c, struct fx_writer *w,
			int pid)
{
	const struct fx_mallocng *g = c->mng;
	const char *t;
	char why[160];
	size_t i;
	int r = 0;

	for (i = 0; g && i < g->nhist && !r; i++) {
		t = fx_mallocng_type_name(g->hist[i].type);
		r = write_hist(w, pid, c->starttime, g->ctx, &g->hist[i], t);
	}
	for (i = 0; c->pym && i < c->pym->nhist && !r; i++)
		r = write_hist(w, pid, c->starttime, 0, &c->pym->hist[i],
			       "pymalloc");
	for (i = 0; g && i < g->nbad && !r; i++) {
		snprintf(why, sizeof(why), "corrupt at 0x%012llx: %s",
			 (unsigned long long)g->bad[i].addr, g->bad[i].why);
		r = write_hist(w, pid, c->starttime, g->ctx, NULL, why);
	}
	return r;
}

int fx_classify_write_chunks(struct fx_classify *c, struct fx_writer *w,
			     int pid)
{
	struct fx_heapscan *hs = &c->hs;
	const char *t;
	char why[160];
	size_t i;
	int r;

	r = kind_columns(w, FX_REC_CHUNK);
	if (hs->nhist)
		qsort(hs->hist, hs->nhist, sizeof(*hs->hist), cmp_hist);
	for (i = 0; i < hs->nhist && !r; i++) {
		const struct fx_chunk_hist *e = &hs->hist[i];

		if (!e->inuse && !e->free)
			continue;
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_addr(w, hs->arenas[e->arena].addr);
		fx_writer_u64(w, e->size);
		fx_writer_u64(w, e->inuse);
		fx_writer_u64(w, e->free);
		fx_writer_u64(w, e->inuse_bytes);
		fx_writer_u64(w, e->free_bytes);
		fx_writer_u64_known(w, c->starttime);
		t = fx_classify_type_name(c, e->type);
		fx_writer_text(w, t, strlen(t));
		r = fx_writer_end(w);
	}
	if (!r)
		r = write_walked(c, w, pid);
	for (i = 0; i < hs->nbad && !r; i++) {
		fx_writer_u64(w, (uint64_t)pid);
		if (hs->bad[i].arena >= 0)
			fx_writer_addr(w, hs->arenas[hs->bad[i].arena].addr);
		else
			fx_writer_missing(w);
		for (int k = 0; k < 5; k++)
			fx_writer_missing(w);
		fx_writer_u64_known(w, c->starttime);
		snprintf(why, sizeof(why), "corrupt at 0x%012llx: %s",
			 (unsigned long long)hs->bad[i].addr, hs->bad[i].why);
		fx_writer_text(w, why, strlen(why));
		r = fx_writer_end(w);
	}
	return r;
}

/* The JVM's record of thread tid, or NULL. */
static const struct fx_jvm_thread *jvm_thread(const struct fx_classify *c,
					      int tid)
{
	size_t i;

	for (i = 0; i < c->jvm.nt; i++)
		if (c->jvm.t[i].tid == tid)
			return &c->jvm.t[i];
	return NULL;
}

int fx_classify_write_threads(const struct fx_classify *c,
			      struct fx_writer *w, int pid)
{
	const struct fx_jvm_thread *jt;
	const struct fx_region *reg;
	uint64_t lo, hi, rss;
	size_t i, k;
	long s;
	int r, have_rss;

	r = kind_columns(w, FX_REC_THREAD);
	for (i = 0; i < c->nt && !r; i++) {
		/* A Java thread's stack is what the JVM says, guard zones
		 * included, even while the thread runs (no stack pointer). */
		jt = jvm_thread(c, c->t[i].nstid ? c->t[i].nstid : c->t[i].tid);
		s = fx_classify_thread_stack(c, &c->t[i]);
		reg = s >= 0 ? &c->m->r[s] : NULL;
		lo = jt ? jt->stack_lo : reg ? reg->start : 0;
		hi = jt ? jt->stack_hi : reg ? reg->end : 0;
		rss = 0;
		have_rss = 1;
		for (k = 0; k < c->m->n && hi; k++) {
			const struct fx_region *x = &c->m->r[k];

			if (x->start < lo || x->end > hi)
				continue;
			rss += x->v[FX_F_RSS];
			have_rss &= !!(x->have & (1ULL << FX_F_RSS));
		}
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_u64(w, (uint64_t)c->t[i].tid);
		fx_writer_text(w, c->t[i].comm, strlen(c->t[i].comm));
		if (hi) {
			fx_writer_addr(w, lo);
			fx_writer_addr(w, hi);
			fx_writer_u64(w, hi - lo);
			if (have_rss)
				fx_writer_u64(w, rss);
			else
				fx_writer_missing(w);
		} else {
			for (int j = 0; j < 4; j++)
				fx_writer_missing(w);
		}
		fx_writer_u64_known(w, c->starttime);
		if (c->stacks && c->stacks[i])
			fx_writer_text(w, c->stacks[i], strlen(c->stacks[i]));
		else
			fx_writer_missing(w);
		r = fx_writer_end(w);
	}
	return r;
}

static const char *const cat_names[NCAT] = {
	[CAT_JAVA_HEAP] = "Java Heap",
	[CAT_CLASS] = "Class",
	[CAT_METASPACE] = "Metaspace",
	[CAT_CDS] = "Shared class space",
	[CAT_CODE] = "Code",
	[CAT_THREAD] = "Thread",
	[CAT_MAIN_STACK] = "main stack",
	[CAT_MALLOC] = "malloc arenas",
	[CAT_MMAP_CHUNKS] = "malloc mmapped chunks",
	[CAT_PYMALLOC] = "pymalloc arenas",
	[CAT_JIT] = "jit",
	[CAT_ELF] = "ELF images",
	[CAT_FILES] = "mapped files",
	[CAT_SHM] = "shared memory",
	[CAT_RESERVED] = "inaccessible reservations",
	[CAT_KERNEL] = "kernel",
	[CAT_UNEXPLAINED] = "unexplained",
};

static enum cat category(const struct fx_classify *c, size_t i)
{
	enum fx_class k = c->rc[i].cls;
	const struct fx_jvm_span *s;

	if (k == FX_C_JVM_HEAP || k == FX_C_JVM_CODECACHE ||
	    k == FX_C_JVM_METASPACE) {
		s = main_span(&c->jvm, &c->m->r[i]);
		return s ? jvm_part[s->part].cat : CAT_UNEXPLAINED;
	}
	if (k == FX_C_GUARD && c->rc[i].tid)
		return CAT_THREAD;
	return (unsigned)k < FX_NCLASSES ? classes[k].cat : CAT_UNEXPLAINED;
}

/* Count o bytes of region reg (resident ones in proportion) under class
 * k and category g of v, taken from *left. */
static void move(uint64_t (*v)[NCAT][7], int k, int g,
		 const struct fx_region *reg, uint64_t o, int open,
		 uint64_t *left)
{
	v[k][g][6] |= !(reg->have & (1ULL << FX_F_RSS));
	v[k][g][1] += o;
	v[k][g][2] += open ? o : 0;
	v[k][g][3] += (uint64_t)((double)reg->v[FX_F_RSS] * o /
				 (reg->end - reg->start));
	*left -= o;
}

int fx_classify_write_summary(const struct fx_classify *c,
			      struct fx_writer *w, int pid)
{
	/* per class and category: regions, size, committed, rss, in use,
	 * free, and whether a region's rss is unknown (a core has none) */
	uint64_t(*v)[NCAT][7];
	size_t i;
	int r, k, g, heapc;

	v = calloc(FX_NCLASSES, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->m->n; i++) {
		const struct fx_region *reg = &c->m->r[i];
		uint64_t size = reg->end - reg->start, left = size, o;
		int open = strcmp(reg->perms, "---p") && strcmp(reg->perms,
								"---s");
		const struct fx_jvm_span *main;
		int jvmc;
		size_t x;

		k = c->rc[i].cls;
		g = category(c, i);
		v[k][g][0]++;
		/* A mapping the kernel merged across two of the JVM's
		 * reservations, or one of them and other memory: each gets
		 * its bytes (resident ones in proportion), the rest is
		 * unexplained. */
		jvmc = k == FX_C_JVM_HEAP || k == FX_C_JVM_METASPACE ||
		       k == FX_C_JVM_CODECACHE;
		main = jvmc ? main_span(&c->jvm, reg) : NULL;
		/* Unexplained memory may hold a minority part of a JVM
		 * reservation merged into it: that part is the JVM's. */
		for (x = 0; (jvmc || k == FX_C_ANON) && x < c->jvm.ns; x++) {
			const struct fx_jvm_span *sp = &c->jvm.s[x];

			o = overlap(reg, sp);
			if (sp != main && o && o <= left)
				move(v, jvm_part[sp->part].cls,
				     jvm_part[sp->part].cat, reg, o, open,
				     &left);
		}
		if (main && left > overlap(reg, main))
			move(v, FX_C_ANON, CAT_UNEXPLAINED, reg,
			     left - overlap(reg, main), open, &left);
		v[k][g][6] |= !(reg->have & (1ULL << FX_F_RSS));
		v[k][g][1] += left;
		v[k][g][2] += open ? left : 0;
		v[k][g][3] += left == size ? reg->v[FX_F_RSS] :
			      (uint64_t)((double)reg->v[FX_F_RSS] * left / size);
	}
	for (i = 0; c->have_glibc && i < c->hs.nhist; i++) {
		heapc = c->hs.arenas[c->hs.hist[i].arena].is_main ? FX_C_HEAP :
								    FX_C_ARENA;
		v[heapc][CAT_MALLOC][4] += c->hs.hist[i].inuse_bytes;
		v[heapc][CAT_MALLOC][5] += c->hs.hist[i].free_bytes;
	}
	for (i = 0; c->mng && i < c->mng->nhist; i++) {
		const struct fx_chunk_hist *e = &c->mng->hist[i];

		if (e->type)	/* nested groups: counted inside */
			continue;
		v[FX_C_MUSL_HEAP][CAT_MALLOC][4] += e->inuse_bytes;
		v[FX_C_MUSL_HEAP][CAT_MALLOC][5] += e->free_bytes;
	}
	for (i = 0; c->pym && i < c->pym->nhist; i++) {
		const struct fx_chunk_hist *e = &c->pym->hist[i];

		v[FX_C_PYMALLOC][CAT_PYMALLOC][4] += e->inuse_bytes;
		v[FX_C_PYMALLOC][CAT_PYMALLOC][5] += e->free_bytes;
	}
	if (c->pym)	/* empty pools: free for any class */
		v[FX_C_PYMALLOC][CAT_PYMALLOC][5] += c->pym->empty_pools *
						      c->pym->pool_size;
	r = kind_columns(w, FX_REC_SUMMARY);
	for (k = 0; k < FX_NCLASSES && !r; k++) {
		for (g = 0; g < NCAT && !r; g++) {
			if (!v[k][g][0])
				continue;
			fx_writer_u64(w, (uint64_t)pid);
			for (i = 0; i < 3; i++)
				fx_writer_u64(w, v[k][g][i]);
			if (v[k][g][6])	/* never counted as 0 */
				fx_writer_missing(w);
			else
				fx_writer_u64(w, v[k][g][3]);
			/* Heap bytes only where a walk counted them. */
			if (((k == FX_C_HEAP || k == FX_C_ARENA) &&
			     c->have_glibc) ||
			    (k == FX_C_MUSL_HEAP && c->mng && c->mng->ctx) ||
			    k == FX_C_PYMALLOC) {
				fx_writer_u64(w, v[k][g][4]);
				fx_writer_u64(w, v[k][g][5]);
			} else {
				fx_writer_missing(w);
				fx_writer_missing(w);
			}
			fx_writer_u64_known(w, c->starttime);
			fx_writer_text(w, fx_class_name(k),
				       strlen(fx_class_name(k)));
			fx_writer_text(w, cat_names[g], strlen(cat_names[g]));
			r = fx_writer_end(w);
		}
	}
	free(v);
	return r;
}


int fx_classify_libc_missing(const struct fx_classify *c,
			     struct fx_memsrc *ms, char *msg, size_t len)
{
	size_t i;

	if (ms->kind == FX_MS_LIVE || c->have_glibc ||
	    (c->mng && c->mng->ctx) || !fx_alloc_is_glibc(&c->alloc))
		return 0;
	for (i = 0; i < ms->maps.n; i++) {
		const struct fx_region *r = &ms->maps.r[i];
		const char *b = strrchr(r->name, '/');
		char x;

		if (!b || strncmp(b + 1, "libc.so", 7))
			continue;
		snprintf(msg, len, "%s (%s); its malloc heaps cannot be "
			 "found", c->glibc_note,
			 ms->file(ms->file_ctx, r, 0, &x, 1) == 1 ?
				 "its bytes are not in the capture" :
				 "that file is not on this machine or changed "
				 "since the capture");
		return 1;
	}
	return 0;
}
