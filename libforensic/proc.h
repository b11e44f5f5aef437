/*
 * proc: one live process, seen through its /proc/PID directory.
 *
 * The directory is opened once (fx_proc_open) and every file is read whole
 * through that descriptor with openat + read into a caller's reusable
 * buffer. The process is pinned by its start time (field 22 of stat): a pid
 * reused by another process is detected by fx_proc_check().
 */
#ifndef FX_PROC_H
#define FX_PROC_H

#include <stdint.h>

#include "buf.h"

struct fx_proc {
	int pid;
	int dirfd;			/* /proc/PID, O_DIRECTORY */
	unsigned long long starttime;	/* clock ticks after boot */
	char state;			/* stat field 3 when opened */
	int had_mm;			/* not a kernel thread when opened */
};

/*
 * Time spent inside read() on one file. For smaps the kernel holds the
 * target's mm lock for the whole of each read() call while it walks page
 * tables, so total_ns is the time the target's mm lock was held on our
 * behalf and max_ns the longest single hold.
 */
struct fx_readstat {
	unsigned long nreads;
	uint64_t total_ns;
	uint64_t max_ns;
	uint64_t bytes;
};

/*
 * Read size for smaps that avoids the kernel's double walk: seq_file
 * fills a 4 KiB kernel buffer and, when a read asks for more than that
 * buffer holds, formats one record too many, throws it away and formats it
 * again on the next read. That record's page-table walk (seconds on a
 * 200 GiB region) is then done twice. A read smaller than the kernel
 * buffer minus one record stops the kernel before the overflow. See
 * bench/memmap.sh for the measurements.
 */
#define FX_SMAPS_READ_SIZE 2048

/*
 * Open /proc/PID and read its start time. Returns 0, -ESRCH (no such
 * process), -EACCES, or another negative errno.
 */
int fx_proc_open(struct fx_proc *p, int pid);

/* Close what fx_proc_open opened; safe on a zeroed or released struct. */
void fx_proc_release(struct fx_proc *p);

/*
 * Read the file `name` (relative to /proc/PID, e.g. "smaps" or
 * "task/43/maps") whole into b, replacing its contents, with read() calls of
 * at most chunk bytes (0: 64 KiB). st, when not NULL, receives timings.
 * Returns 0, -ESRCH when the process is gone, -EACCES, -ENOENT, or another
 * negative errno. EINTR and short reads are handled.
 */
int fx_proc_read(struct fx_proc *p, const char *name, struct fx_buf *b,
		 size_t chunk, struct fx_readstat *st);

/*
 * Read a per-mm file ("maps", "smaps", "smaps_rollup") like fx_proc_read.
 * When the thread-group leader has exited while other threads live, its
 * own file is empty: the first live thread's task/TID/NAME is read
 * instead. An empty b afterwards means the process has no memory map (a
 * kernel thread or a zombie; see p->state).
 */
int fx_proc_read_map(struct fx_proc *p, const char *name, struct fx_buf *b,
		     size_t chunk, struct fx_readstat *st);

struct fx_maps;

/*
 * The kernel appends " (deleted)" to the path of an unlinked file, but a
 * file may also be named so. For each region of kind deleted, look the
 * name up in the process's own root (/proc/PID/root): when a file of that
 * very name exists with the region's device and inode, the region is a
 * plain file after all. Returns how many regions were relabelled.
 */
int fx_proc_check_deleted(struct fx_proc *p, struct fx_maps *m);

/*
 * Is this still the process that was opened? 0 when it is alive with the
 * same start time (a leader that exited while its threads run counts as
 * alive), -ESRCH when it is gone, a zombie, or the pid now names another
 * process.
 */
int fx_proc_check(struct fx_proc *p);

/*
 * Parse the text of /proc/PID/stat: the state letter and start time.
 * comm may hold spaces and parentheses, so the parser starts after the
 * last ')'. Returns 0 or -EBADMSG.
 */
int fx_stat_parse(const char *buf, size_t len, char *state,
		  unsigned long long *starttime);

#endif
