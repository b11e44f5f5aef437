/*
 * elfseg: ELF program headers through libelf, and C++ type names through
 * libstdc++'s demangler (see elfseg.h).
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elfseg.h"
#include "internal.h"
#include "lazylib.h"

int fx_elf_loads(const void *buf, size_t len, struct fx_elf_load *out,
		 size_t max, size_t *n)
{
	GElf_Ehdr eh;
	GElf_Phdr ph;
	Elf *e;
	size_t i, np;
	int r = 0;

	*n = 0;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) ||
	    ((const unsigned char *)buf)[EI_CLASS] != ELFCLASS64)
		return -EBADMSG;
	elf_version(EV_CURRENT);
	/* libelf does not write through the pointer for ELF_C_READ. */
	e = elf_memory((char *)(uintptr_t)buf, len);
	if (!e)
		return -EBADMSG;
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &np) ||
	    eh.e_phoff > len || np > (len - eh.e_phoff) / sizeof(Elf64_Phdr)) {
		r = -EBADMSG;
		goto out;
	}
	for (i = 0; i < np; i++) {
		if (!gelf_getphdr(e, (int)i, &ph)) {
			r = -EBADMSG;
			break;
		}
		if (ph.p_type != PT_LOAD || *n >= max)
			continue;
		out[*n].vaddr = ph.p_vaddr;
		out[*n].memsz = ph.p_memsz;
		out[*n].offset = ph.p_offset;
		out[*n].filesz = ph.p_filesz;
		out[*n].align = ph.p_align;
		out[*n].flags = ph.p_flags;
		(*n)++;
	}
out:
	elf_end(e);
	return r;
}

int fx_elf_bias(fx_pread_fn rd, void *ctx, uint64_t start, uint64_t *bias)
{
	struct fx_elf_load ld[16];
	unsigned char *hdr;
	size_t n, i;
	long got;
	int r;

	hdr = malloc(65536);
	if (!hdr)
		return -ENOMEM;
	got = rd(ctx, 0, hdr, 65536);
	r = got > 0 ? fx_elf_loads(hdr, (size_t)got, ld, 16, &n) : -EIO;
	free(hdr);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		if (ld[i].offset == 0) {
			*bias = start - (ld[i].vaddr & ~(uint64_t)4095);
			return 0;
		}
	return -EBADMSG;
}

/* libstdc++'s demangler (cxxabi.h, for C), opened on the first name to
 * demangle (lazylib.h): libstdc++ alone cost every run 1 ms to load. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);
#define CXA_FNS(X, T) X(T, __cxa_demangle)
FX_LAZY_DEFINE(cxa, FX_LIB_STDCXX, CXA_FNS);

char *fx_demangle(const char *mangled, int *status)
{
	int st = -3;
	char *d = NULL;

	if (!fx_lazy_load(&cxa_lazy))
		d = cxa.__cxa_demangle(mangled, NULL, NULL, &st);
	if (status)
		*status = st;
	return d;
}

const char *fx_demangle_why(void)
{
	return fx_lazy_why(&cxa_lazy);
}

/*
 * Template argument k of the demangled type s whose name (up to its '<')
 * is prefix: its bytes [*a, *b), or -1. Brackets nest; a lambda's
 * "{lambda(...)#1}" and a function type's parentheses hold no separator.
 */
static int template_arg(const char *s, const char *prefix, int k,
			const char **a, const char **b)
{
	size_t n = strlen(prefix);
	const char *p;
	int depth = 0, idx = 0;

	if (strncmp(s, prefix, n) || s[n] != '<')
		return -1;
	*a = p = s + n + 1;
	for (; *p; p++) {
		if (*p == '<' || *p == '(' || *p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '>' || *p == ')' || *p == '}' ||
			    *p == ']') && depth) {
			depth--;
		} else if ((*p == ',' || *p == '>') && !depth) {
			if (idx == k) {
				*b = p;
				return p > *a ? 0 : -1;
			}
			if (*p == '>')
				return -1;
			idx++;
			*a = p + 1;
			while (**a == ' ')
				(*a)++;
		}
	}
	return -1;
}

/*
 * The standard library's polymorphic blocks that hold what the program
 * allocated as a template argument: the chunk is named by that.
 */
static const struct {
	const char *prefix;	/* the block's demangled name up to '<' */
	const char *inner;	/* a wrapper inside it to look through */
	const char *label;
} wrappers[] = {
	{ "std::_Sp_counted_ptr_inplace", NULL, "make_shared" },
	{ "std::thread::_State_impl", "std::thread::_Invoker<std::tuple",
	  "std::thread" },
	{ "std::__future_base::_Task_state", NULL, "packaged_task" },
	{ "std::__future_base::_Deferred_state",
	  "std::thread::_Invoker<std::tuple", "std::async" },
	{ "std::__future_base::_Async_state_impl",
	  "std::thread::_Invoker<std::tuple", "std::async" },
	{ "std::_Sp_counted_deleter", NULL, "shared_ptr deleter" },
};

/* out = "ARG (LABEL)" when s is one of the wrappers above, else s. */
static int unwrap(const char *s, char *out, size_t outlen)
{
	const char *a, *b, *c, *d;
	size_t i;
	int n;

	for (i = 0; i < FX_ARRAY_SIZE(wrappers); i++) {
		if (template_arg(s, wrappers[i].prefix, 0, &a, &b))
			continue;
		if (wrappers[i].inner) {
			char tmp[1024];

			if ((size_t)(b - a) >= sizeof(tmp))
				break;
			memcpy(tmp, a, (size_t)(b - a));
			tmp[b - a] = '\0';
			/* _Invoker<tuple<F, Args...>>: F. */
			if (template_arg(tmp, wrappers[i].inner, 0, &c, &d))
				break;
			n = snprintf(out, outlen, "%.*s (%s)", (int)(d - c), c,
				     wrappers[i].label);
		} else {
			n = snprintf(out, outlen, "%.*s (%s)", (int)(b - a), a,
				     wrappers[i].label);
		}
		return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
	}
	n = snprintf(out, outlen, "%s", s);
	return n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
}

int fx_type_name(const char *mangled, char *out, size_t outlen)
{
	char *d;
	int status = 0, r;

	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	if (!*mangled || strlen(mangled) > 4096)
		return -EBADMSG;
	d = fx_demangle(mangled, &status);
	if (!d)
		return status == -1 ? -ENOMEM : -EBADMSG;
	r = unwrap(d, out, outlen);
	free(d);
	return r;
}

/*
 * libelf parses a memory image; the file may be large (a JVM's libjvm.so:
 * 20 MiB) and only a few parts of it matter. The image is a sparse
 * anonymous mapping of IMAGE_MAX bytes (untouched pages cost nothing)
 * into which the parts libelf will look at are read before it looks:
 * the ELF header, then the section headers where the header (parsed by
 * libelf) says they are, then the symbol table and its strings.
 */
#define IMAGE_MAX (512ull << 20)
#define TABLE_MAX (64ull << 20)

/* Read [off, off + len) of the file into the image. 0 or -EBADMSG. */
static int fill(fx_pread_fn rd, void *ctx, unsigned char *img, uint64_t off,
		uint64_t len)
{
	long got;

	if (off > IMAGE_MAX || len > IMAGE_MAX - off)
		return -EBADMSG;
	while (len) {
		got = rd(ctx, off, img + off, len);
		if (got <= 0)
			return -EBADMSG;
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

int fx_elf_dynsyms(fx_pread_fn rd, void *ctx, const char *const *names,
		   size_t n, uint64_t *vals)
{
	return fx_elf_syms(rd, ctx, SHT_DYNSYM, names, n, vals);
}

int fx_elf_syms(fx_pread_fn rd, void *ctx, unsigned type,
		const char *const *names, size_t n, uint64_t *vals)
{
	unsigned char *img;
	Elf_Scn *scn = NULL, *str;
	Elf_Data *data;
	GElf_Ehdr eh;
	GElf_Shdr sh, ss;
	GElf_Sym sym;
	size_t i, k, found = 0;
	const char *nm;
	Elf *e = NULL;
	int r = -EBADMSG;

	for (k = 0; k < n; k++)
		vals[k] = 0;
	img = mmap(NULL, IMAGE_MAX, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (img == MAP_FAILED)
		return -ENOMEM;
	elf_version(EV_CURRENT);
	if (fill(rd, ctx, img, 0, sizeof(Elf64_Ehdr)) ||
	    !(e = elf_memory((char *)img, IMAGE_MAX)) ||
	    elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 ||
	    !gelf_getehdr(e, &eh) || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    fill(rd, ctx, img, eh.e_shoff,
		 (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		goto out;
	/* Again, the section headers in the image now. */
	elf_end(e);
	e = elf_memory((char *)img, IMAGE_MAX);
	r = e ? -ENOENT : -EBADMSG;
	while (e && (scn = elf_nextscn(e, scn)) != NULL) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		r = -EBADMSG;
		str = elf_getscn(e, sh.sh_link);
		/* Tables over 64 MiB are refused. */
		if (!sh.sh_entsize || !str || !gelf_getshdr(str, &ss) ||
		    ss.sh_type != SHT_STRTAB || sh.sh_size > TABLE_MAX ||
		    ss.sh_size > TABLE_MAX ||
		    fill(rd, ctx, img, sh.sh_offset, sh.sh_size) ||
		    fill(rd, ctx, img, ss.sh_offset, ss.sh_size) ||
		    !(data = elf_getdata(scn, NULL)))
			break;
		for (i = 0; i < data->d_size / sh.sh_entsize; i++) {
			if (!gelf_getsym(data, (int)i, &sym) ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			nm = elf_strptr(e, sh.sh_link, sym.st_name);
			for (k = 0; nm && k < n; k++)
				if (!vals[k] && strcmp(nm, names[k]) == 0) {
					vals[k] = sym.st_value;
					found++;
				}
		}
		r = (int)found;
		break;
	}
out:
	if (e)
		elf_end(e);
	munmap(img, IMAGE_MAX);
	return r;
}
