/*
 * elfseg: the loadable segments of an ELF file, to tell which part of a
 * file mapping is code, read-only data, data or bss; and the names of C++
 * types their RTTI gives, demangled.
 *
 * A PT_LOAD segment maps file bytes [p_offset, p_offset + p_filesz) at
 * p_vaddr + bias; memory past p_filesz up to p_memsz is zero-filled: the
 * part of it beyond the last file page is an anonymous mapping (bss).
 * Segments that are executable are code; writable ones data (even once
 * RELRO made their first pages read-only); the others rodata.
 */
#ifndef FX_ELFSEG_H
#define FX_ELFSEG_H

#include <stddef.h>
#include <stdint.h>

struct fx_elf_load {
	uint64_t vaddr, memsz, offset, filesz, align;
	unsigned flags;		/* PF_X 1, PF_W 2, PF_R 4 */
};

/*
 * Parse the ELF header and program headers in the first len bytes of a
 * file (buf; 64 KiB is plenty for any real file). Fills up to max
 * PT_LOAD entries of out and sets *n. 0, or -EBADMSG (not a 64-bit ELF,
 * or its program headers lie beyond len).
 */
int fx_elf_loads(const void *buf, size_t len, struct fx_elf_load *out,
		 size_t max, size_t *n);

/* Reads len bytes at offset off of a file: bytes read, or -errno. */
typedef long (*fx_pread_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/*
 * Look up names[0..n) in the dynamic symbol table (.dynsym) of the
 * 64-bit ELF file that rd reads, through libelf: vals[i] is the symbol's
 * st_value (0 when absent or undefined). The number found, -EBADMSG for
 * a file that is not such an ELF or whose tables lie outside it (or
 * past 512 MiB, or over 64 MiB), -ENOENT without .dynsym, -ENOMEM. Only
 * the ELF header, the section headers, .dynsym and its strings are read.
 */
int fx_elf_dynsyms(fx_pread_fn rd, void *ctx, const char *const *names,
		   size_t n, uint64_t *vals);

/*
 * fx_elf_dynsyms over the section of type `type` (SHT_DYNSYM, or
 * SHT_SYMTAB: the full symbol table a static or unstripped file keeps).
 * -ENOENT without such a section.
 */
int fx_elf_syms(fx_pread_fn rd, void *ctx, unsigned type,
		const char *const *names, size_t n, uint64_t *vals);

/*
 * The load bias of the ELF file rd reads, mapped from offset 0 at start:
 * start minus the page of its load segment at file offset 0. 0, -EIO
 * (unreadable), -EBADMSG (not ELF, no such segment), -ENOMEM.
 */
int fx_elf_bias(fx_pread_fn rd, void *ctx, uint64_t start, uint64_t *bias);

/*
 * A C++ mangled name (a symbol "_ZN3foo3barEv", a type "7TimeoutIiE")
 * demangled by libstdc++'s __cxa_demangle: malloc'd (free() it), or NULL
 * with *status (may be NULL) -2 not a mangled name, -1 out of memory, -3
 * libstdc++ cannot be loaded (lazylib.h; the name stays mangled).
 */
char *fx_demangle(const char *mangled, int *status);

/* Why the demangler cannot be loaded ("cannot load 'libstdc++.so.6':
 * ..."), or "" when it is loaded or was never needed. */
const char *fx_demangle_why(void);

/*
 * The C++ type whose typeinfo name (Itanium C++ ABI: "3Foo",
 * "N3sip17SipSubscribeEventE", "7TimeoutIiE") is mangled, as the source
 * spells it, through libstdc++'s __cxa_demangle ("Foo",
 * "sip::SipSubscribeEvent", "Timeout<int>"), into out. The standard
 * library's polymorphic blocks around what the program allocated are
 * named by it: a make_shared/allocate_shared control block
 * (std::_Sp_counted_ptr_inplace<T, ...>) "T (make_shared)", a
 * std::thread's state (std::thread::_State_impl) "F (std::thread)", F the
 * callable it runs; likewise packaged_task, std::async and shared_ptr
 * deleter blocks. 0, -EBADMSG (not a mangled name), -ENOSPC (out too
 * short), -ENOMEM.
 */
int fx_type_name(const char *mangled, char *out, size_t outlen);

#endif
