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

#include "elfseg.h"
#include "internal.h"

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

/* libstdc++'s demangler (cxxabi.h, for C). */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);

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
	d = __cxa_demangle(mangled, NULL, NULL, &status);
	if (!d)
		return status == -1 ? -ENOMEM : -EBADMSG;
	r = unwrap(d, out, outlen);
	free(d);
	return r;
}

/* Read exactly len bytes at off into a new buffer; NULL on failure. */
static void *read_all(fx_pread_fn rd, void *ctx, uint64_t off, uint64_t len)
{
	void *p;

	if (len > (64u << 20))
		return NULL;
	p = malloc(len ? len : 1);
	if (p && rd(ctx, off, p, len) != (long)len) {
		free(p);
		p = NULL;
	}
	return p;
}

int fx_elf_dynsyms(fx_pread_fn rd, void *ctx, const char *const *names,
		   size_t n, uint64_t *vals)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *ds = NULL, *ss;
	Elf64_Sym *sym = NULL;
	char *str = NULL;
	size_t i, k, nsym, found = 0;
	int r = -EBADMSG;

	for (k = 0; k < n; k++)
		vals[k] = 0;
	if (rd(ctx, 0, &eh, sizeof(eh)) != (long)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum)
		return -EBADMSG;
	sh = read_all(rd, ctx, eh.e_shoff,
		      (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr));
	if (!sh)
		return -EBADMSG;
	for (i = 0; i < eh.e_shnum && !ds; i++)
		if (sh[i].sh_type == SHT_DYNSYM)
			ds = &sh[i];
	if (!ds) {
		r = -ENOENT;
		goto out;
	}
	if (ds->sh_link >= eh.e_shnum || ds->sh_entsize != sizeof(Elf64_Sym))
		goto out;
	ss = &sh[ds->sh_link];
	sym = read_all(rd, ctx, ds->sh_offset, ds->sh_size);
	str = read_all(rd, ctx, ss->sh_offset, ss->sh_size);
	if (!sym || !str || !ss->sh_size)
		goto out;
	str[ss->sh_size - 1] = '\0';
	nsym = ds->sh_size / sizeof(Elf64_Sym);
	for (i = 0; i < nsym; i++) {
		const char *nm;

		if (sym[i].st_name >= ss->sh_size ||
		    sym[i].st_shndx == SHN_UNDEF)
			continue;
		nm = str + sym[i].st_name;
		for (k = 0; k < n; k++)
			if (!vals[k] && strcmp(nm, names[k]) == 0) {
				vals[k] = sym[i].st_value;
				found++;
			}
	}
	r = (int)found;
out:
	free(sym);
	free(str);
	free(sh);
	return r;
}
