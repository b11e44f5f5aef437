/*
 * elfseg: ELF program headers through libelf, and type-name demangling
 * (see elfseg.h).
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
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
