/*
 * core: an ELF core file of a frozen process, that gdb opens as it opens
 * a core the kernel wrote (`gdb EXE CORE`: info threads, bt, x/s).
 *
 * Layout (ELF64, little-endian, written with libelf for the headers):
 *
 *   ELF header        ET_CORE, the machine of the host; e_phnum = number
 *                     of program headers, or PN_XNUM with the real count
 *                     in section header 0's sh_info when there are 65535
 *                     or more
 *   program headers   PT_NOTE, then one PT_LOAD per selected range in
 *                     address order: p_vaddr/p_memsz the range, p_flags
 *                     from its permissions, p_filesz = p_memsz (or 0 when
 *                     the range was skipped whole), p_offset page aligned
 *   section header 0  only with PN_XNUM
 *   notes             "CORE" notes, as the kernel orders them:
 *                     NT_PRSTATUS (registers) of the leader, NT_PRPSINFO,
 *                     NT_AUXV (/proc/PID/auxv), NT_FILE (file-backed
 *                     ranges and paths), NT_FPREGSET of the leader, then
 *                     NT_PRSTATUS + NT_FPREGSET of every other thread
 *   segment data      each PT_LOAD's bytes at its p_offset; pages not
 *                     present are left as sparse zeros (see dump.h)
 *
 * Registers come from PTRACE_GETREGS/GETFPREGS, so every thread must be
 * stopped (fx_freeze) and the caller must be the tracer thread.
 */
#ifndef FX_CORE_H
#define FX_CORE_H

#include <stdint.h>

struct fx_dumpplan;
struct fx_dumper;
struct fx_freeze;

struct fx_core_stats {
	uint64_t size;		/* the core file's length */
	uint64_t captured;	/* bytes of memory written */
	uint64_t holes;		/* bytes of memory not captured */
	size_t nload;		/* PT_LOAD headers */
	size_t nthreads;	/* NT_PRSTATUS notes */
};

/*
 * Write a core of the process of plan pl to fd (empty, fresh): every item
 * of pl is one PT_LOAD, copied through d; threads and their registers
 * from fz. Returns 0 or a negative errno (-ESRCH gone, -ENOSPC,
 * -EINTR...). Item results (sha256, holes) are filled as for a dump.
 */
int fx_core_write(int fd, struct fx_dumpplan *pl, const struct fx_freeze *fz,
		  struct fx_dumper *d, struct fx_core_stats *st);

#endif
