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
 *                     present are left as sparse zeros (see dump.h),
 *                     except the pages of a file mapping that were
 *                     absent (fx_core_fill) and the vDSO's
 *
 * Registers come from PTRACE_GETREGS/GETFPREGS, so every thread must be
 * stopped (fx_freeze) and the caller must be the tracer thread.
 *
 * The order: fx_core_create and fx_core_plan before the freeze (the file,
 * and the bytes it will take, for the free-space check), fx_core_write
 * during it (memory and registers: the pause lasts that long), then
 * fx_core_fill after the thaw (bytes read from files, outside the pause).
 */
#ifndef FX_CORE_H
#define FX_CORE_H

#include <stdint.h>

#include <signal.h>

#include "buf.h"
#include "dump.h"

struct fx_dumpplan;
struct fx_dumper;
struct fx_freeze;
struct fx_core_fills;

struct fx_core_stats {
	uint64_t size;		/* the core file's length */
	uint64_t captured;	/* bytes of memory written */
	uint64_t holes;		/* bytes of memory not captured */
	uint64_t filled;	/* of those, bytes written from mapped files
				 * (fx_core_fill) */
	size_t nload;		/* PT_LOAD headers */
	size_t nthreads;	/* NT_PRSTATUS notes */
	struct fx_core_fills *fills; /* private: for fx_core_fill */
};

/*
 * Create the core file path: new (O_EXCL, never over an existing file,
 * never through a symlink), mode 0600, in a directory that
 * fx_dump_parent accepts (else -EPERM with *why set). An fd open for
 * reading and writing, or a negative errno.
 */
int fx_core_create(const char *path, const char **why);

/*
 * Before the freeze: set pl->fill to the most bytes fx_core_fill may
 * write: for each file mapping it may fill, its pages within the file's
 * end less those resident or swapped (smaps), at most the bytes the file
 * has allocated (its holes, and zero pages, are never written).
 */
void fx_core_plan(struct fx_dumpplan *pl);

/*
 * Write a core of the process of plan pl to fd (empty, fresh): every item
 * of pl is one PT_LOAD, copied through d; threads and their registers
 * from fz. The pages of file mappings found absent (not present, not
 * swapped) are remembered in st for fx_core_fill. Returns 0 or a negative
 * errno (-ESRCH gone, -ENOSPC, -EFBIG, -EINTR...; st holds nothing to
 * fill then). Item results (sha256, holes) are filled as for a dump.
 */
int fx_core_write(int fd, struct fx_dumpplan *pl, const struct fx_freeze *fz,
		  struct fx_dumper *d, struct fx_core_stats *st);

/* The notes of a core (registers of every thread...), built apart from
 * the memory: a snapshot takes them from the target while it is frozen,
 * and writes the core from the fork's copy after the thaw. */
struct fx_core_regs {
	struct fx_buf b;
	size_t nthreads;	/* NT_PRSTATUS notes in b */
};

/*
 * Under freeze fz (the caller the tracer): build the notes of the core of
 * pl's process (pl->p, pl->maps) into cn: NT_PRSTATUS and NT_FPREGSET of
 * every thread of fz, NT_PRPSINFO, NT_AUXV, NT_FILE. 0 or a negative
 * errno (cn then holds nothing). Free with fx_core_regs_release.
 */
int fx_core_regs(struct fx_core_regs *cn, struct fx_dumpplan *pl,
		  const struct fx_freeze *fz);
void fx_core_regs_release(struct fx_core_regs *cn);

/*
 * fx_core_write with notes made earlier (fx_core_regs), needing no
 * freeze: the memory through d, or through dl (may be NULL) for the items
 * fx_dumpplan_from_live names (snapshot: d reads the fork, dl the target).
 */
int fx_core_write_notes(int fd, struct fx_dumpplan *pl,
			const struct fx_core_regs *cn, struct fx_dumper *d,
			struct fx_dumper *dl, struct fx_core_stats *st);

/*
 * Does fx_core_fill fill a hole of reason why at addr of pl's map? Only
 * where the page was absent (FX_HOLE_ABSENT: neither present nor swapped)
 * in a file mapping that may be read: a swapped page of a private file
 * mapping holds anonymous data (written by the target, then swapped out),
 * never the file's bytes.
 */
int fx_core_fills(const struct fx_dumpplan *pl, uint64_t addr,
		  enum fx_hole why);

/*
 * After fx_core_write returned 0, and after the thaw: a page of a file
 * mapping that was absent is not zeros but the file's bytes (the target
 * would fault them in from it), and gdb trusts a core's bytes over the
 * file's, so those holes are filled from the file, read through
 * /proc/PID/map_files (root only; else they stay holes) when what opens
 * there is still the file the map named (same device and inode). Only
 * absent pages are filled: a page swapped out of a private mapping is
 * the target's own (anonymous) data, never the file's, and stays a hole.
 * Bytes past the file's end, the file's own holes and zero pages stay
 * holes. The file is read as it is now, not as it was in the freeze.
 * stop: see fx_dumper_init. 0, -EINTR, or a write error (-EFBIG...);
 * st->filled counts the bytes written. Frees what st held in any case.
 */
int fx_core_fill(int fd, const struct fx_dumpplan *pl, struct fx_core_stats *st,
		 volatile sig_atomic_t *stop);

#endif
