/*
 * mem: reading another process's memory, read-only.
 *
 * process_vm_readv is the fast path (no copy through the page cache of a
 * file, large batches); /proc/PID/mem, opened O_RDONLY, is the fallback
 * and the way to learn why a page cannot be read (EIO at once, where
 * process_vm_readv may block on a userfaultfd page: callers must skip
 * regions with VmFlags um/uw/ui/io/pf before reading). Neither ever writes
 * to the target, and neither stops it.
 *
 * Callers read only pages pagemap reports present: reading an absent page
 * would fault it in and raise the target's RSS.
 */
#ifndef FX_MEM_H
#define FX_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fx_proc;

struct fx_mem {
	int pid;
	int memfd;		/* /proc/PID/mem, O_RDONLY, or -1 */
	int pvr;		/* process_vm_readv still worth trying */
	/* process_vm_readv only, never /proc/PID/mem: set while the map
	 * that gates the reads has no VmFlags yet (fx_memsrc_open_live's
	 * FX_MS_LATE_SMAPS). The kernel refuses process_vm_readv on device
	 * mappings (VM_IO, VM_PFNMAP), which /proc/PID/mem would read. */
	int no_mem;
};

/*
 * A thread through which p's memory can be reached: p's pid, or when the
 * leader has exited while other threads run (its /proc/PID/mem and
 * pagemap then read nothing, and process_vm_readv(pid) fails), the first
 * live thread. A tid, or a negative errno (-ESRCH: no live thread).
 */
int fx_mem_tid(struct fx_proc *p);

/*
 * Open file name ("mem", "pagemap") of the thread fx_mem_tid gives,
 * read-only. An fd, or a negative errno.
 */
int fx_mem_openat(struct fx_proc *p, const char *name);

/* Prepare to read p's memory. 0 or a negative errno. */
int fx_mem_open(struct fx_mem *m, struct fx_proc *p);

void fx_mem_release(struct fx_mem *m);

/* One remote range to read into a local buffer. */
struct fx_mem_seg {
	uint64_t addr;
	size_t len;
	void *buf;
};

/*
 * Read n segments. Returns the number of bytes read, counted from the
 * start of the first segment, before the first byte that could not be
 * read; when that is short of the total, *why is the negative errno for
 * that byte (-EFAULT or -EIO: unmapped or unreadable; -ESRCH: the process
 * is gone). Short reads are retried page by page, never in a loop without
 * progress.
 */
size_t fx_mem_readv(struct fx_mem *m, const struct fx_mem_seg *seg, size_t n,
		    int *why);

#endif
