/*
 * elfseg: ELF program headers through libelf, and type-name demangling
 * (see elfseg.h).
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
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

/* Append a <source-name> (decimal length, then that many bytes). */
static int source_name(const char **p, const char *e, char *out,
		       size_t outlen, size_t *o)
{
	size_t n = 0, i;

	if (*p >= e || **p < '1' || **p > '9')
		return -EBADMSG;
	while (*p < e && **p >= '0' && **p <= '9') {
		n = n * 10 + (size_t)(**p - '0');
		if (n > 4096)
			return -EBADMSG;
		(*p)++;
	}
	if ((size_t)(e - *p) < n)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '$' ||
		      c == '.'))
			return -EBADMSG;
	}
	if (*o + n + 1 > outlen)
		return -ENOSPC;
	memcpy(out + *o, *p, n);
	*o += n;
	out[*o] = '\0';
	*p += n;
	return 0;
}

static int add_str(const char *s, char *out, size_t outlen, size_t *o)
{
	size_t n = strlen(s);

	if (*o + n + 1 > outlen)
		return -ENOSPC;
	memcpy(out + *o, s, n + 1);
	*o += n;
	return 0;
}

int fx_demangle_type(const char *s, size_t len, char *out, size_t outlen)
{
	const char *p = s, *e = s + len;
	size_t o = 0;
	int r, first = 1;

	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	if (p < e && *p == 'N') {
		p++;
		/* Qualifiers of a member function type have no business in a
		 * class name. */
		while (p < e && *p != 'E') {
			if (!first && (r = add_str("::", out, outlen, &o)))
				return r;
			if (e - p >= 2 && p[0] == 'S' && p[1] == 't' && first) {
				if ((r = add_str("std", out, outlen, &o)))
					return r;
				p += 2;
			} else if (*p == 'I' || *p == 'S') {
				return -ENOTSUP;
			} else if ((r = source_name(&p, e, out, outlen, &o))) {
				return r == -EBADMSG && p < e &&
						       (*p < '0' || *p > '9') ?
					       -ENOTSUP : r;
			}
			first = 0;
		}
		if (p >= e || first)
			return -EBADMSG;
		p++;
	} else if (e - p >= 2 && p[0] == 'S' && p[1] == 't') {
		p += 2;
		if ((r = add_str("std::", out, outlen, &o)))
			return r;
		if ((r = source_name(&p, e, out, outlen, &o)))
			return r;
	} else {
		if ((r = source_name(&p, e, out, outlen, &o)))
			return r;
	}
	if (p < e && *p == 'I')
		return -ENOTSUP;
	return p == e ? 0 : -EBADMSG;
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
	return fx_elf_syms(rd, ctx, SHT_DYNSYM, names, n, vals);
}

int fx_elf_syms(fx_pread_fn rd, void *ctx, unsigned type,
		const char *const *names, size_t n, uint64_t *vals)
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
		if (sh[i].sh_type == type)
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
