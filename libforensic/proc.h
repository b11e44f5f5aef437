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

#include <dirent.h>
#include <stdint.h>

#include "buf.h"

struct fx_proc {
	int pid;
	int dirfd;			/* /proc/PID, O_DIRECTORY */
	unsigned long long starttime;	/* clock ticks after boot */
	char state;			/* stat field 3 when opened */
	int had_mm;			/* not a kernel thread when opened */
	/* A snapshot's forked copy (snapshot.h), its anonymous pages shared
	 * copy-on-write with the target: read through /proc/PID/mem only.
	 * process_vm_readv pins what it reads (FOLL_PIN), and pinning a
	 * shared anonymous page makes the kernel copy it for the pinner
	 * (gup_must_unshare): every page read would cost a page of RAM
	 * and a copy. Set by the caller after fx_proc_open. */
	int cow_copy;
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
 * buffer minus one record stops the kernel before the overflow: it stops
 * formatting once it holds the size asked, so a record starts before byte
 * N of the buffer and is safe when it is at most 4096 - N + 1 bytes long.
 * On Linux 6.18 a record is about 770 bytes plus its name: 2560-byte reads
 * are safe for names up to about 760 bytes (2048: 1270; 3072: 250, which
 * long container paths exceed), with 20% fewer reads than 2048 and about
 * 2 ms less in the kernel on 30,000 regions. See bench/memmap.sh for the
 * measurements.
 */
#define FX_SMAPS_READ_SIZE 2560

/*
 * Open /proc/PID and read its start time. Returns 0, -ESRCH (no such
 * process), -EACCES, or another negative errno.
 */
int fx_proc_open(struct fx_proc *p, int pid);

/*
 * fx_proc_open of the process meant, not of whatever holds its pid now:
 * with starttime nonzero, a process that started at another time is
 * refused with -ESTALE (the one meant exited and its pid was reused).
 */
int fx_proc_open_pinned(struct fx_proc *p, int pid,
			unsigned long long starttime);

/*
 * Parse a pid argument: "PID", or "PID@STARTTIME" pinning it to the start
 * time of the process meant (stat field 22, clock ticks after boot, as
 * /proc/PID/stat and dump-region's process.json give it); *starttime is 0
 * without one. 0 or -EINVAL.
 */
int fx_pid_parse(const char *s, int *pid, unsigned long long *starttime);

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

/*
 * Read a per-mm file like fx_proc_read_map, without holding it whole, and
 * hand it to fn while it is read: a helper thread makes the read() calls
 * (at most chunk bytes each, 0: 64 KiB, exactly as fx_proc_read does)
 * while fn runs in the calling thread on the text read so far, so that the
 * caller's parsing overlaps the kernel's work. fn(arg, text, len) gets
 * the text in order, in pieces of about 32 KiB that end at a line end
 * ('\n'), the last piece of a text without a final '\n' excepted; a
 * piece is valid during the call only. fn returns 0 to go on, or a
 * negative errno to stop the read. Memory stays bounded by a few pieces
 * (and the longest line). When no thread can be started, the reads are
 * made in the calling thread, between calls to fn. st, when not NULL,
 * receives the timings of the reads. Returns 0, the first non-zero return
 * of fn, or an error of fx_proc_read (-ESRCH, -EACCES, ...; fn may have
 * seen part of the text before a read error). A text of 0 bytes (fn never
 * called) means no memory map, as with fx_proc_read_map.
 */
int fx_proc_stream_map(struct fx_proc *p, const char *name, size_t chunk,
		       struct fx_readstat *st,
		       int (*fn)(void *arg, const char *text, size_t len),
		       void *arg);

#include "maps.h"

/*
 * A per-mm file of a live process parsed while it is read (by
 * fx_proc_parse_map). Embed it, fx_map_parse_init(), parse, then
 * fx_map_parse_release().
 */
struct fx_map_parse {
	struct fx_maps m;	/* the regions not handed to fn */
	struct fx_readstat st;	/* the reads; bytes 0: no memory map */
	int perr;		/* the parser's: 0, -EBADMSG (err), -ENOMEM */
	struct fx_err err;
	/* private */
	int (*fn)(void *arg, struct fx_maps *m, size_t n);
	void *arg;
	struct fx_proc *p;
};

/*
 * Prepare mp. fn, when not NULL, is given the regions as they are parsed:
 * fn(arg, m, n) gets the first n regions of m, complete (their " (deleted)"
 * names settled by fx_proc_check_deleted), and they are dropped from m
 * when it returns 0; a negative errno stops the read. fn NULL keeps every
 * region in mp->m.
 */
void fx_map_parse_init(struct fx_map_parse *mp,
		       int (*fn)(void *arg, struct fx_maps *m, size_t n),
		       void *arg);

/* Free what mp holds. */
void fx_map_parse_release(struct fx_map_parse *mp);

/*
 * Read the per-mm file name of p with fx_proc_stream_map (read() calls of
 * chunk bytes) and parse it as it comes (fx_maps_feed), so that parsing
 * (and fn's work) overlaps the kernel's. A malformed line stops the read:
 * mp->perr and mp->err say why, and the regions before it are handed to
 * fn (or kept) as at the end of a good text. The caller still has to check
 * that the process lived through the read (fx_proc_check): a process that
 * exits mid-read ends its text early. Returns 0 (after a malformed line
 * too), an error of fx_proc_stream_map, or fn's error.
 */
int fx_proc_parse_map(struct fx_proc *p, const char *name, size_t chunk,
		      struct fx_map_parse *mp);

/*
 * The kernel appends " (deleted)" to the path of an unlinked file, but a
 * file may also be named so. For each region of kind deleted, look the
 * name up in the process's own root (/proc/PID/root): when a file of that
 * very name exists with the region's device and inode, the region is a
 * plain file after all. Returns how many regions were relabelled.
 */
int fx_proc_check_deleted(struct fx_proc *p, struct fx_maps *m);

/*
 * Make the calling process the first the OOM killer picks
 * (/proc/self/oom_score_adj = 1000: raising one's own score needs no
 * privilege). 0 or a negative errno (not fatal to anyone).
 */
int fx_oom_first(void);

/*
 * /proc/PID/task as a directory stream (closedir it), or NULL with *err
 * set: -ESRCH when the process is gone, else -errno (-EMFILE...).
 */
DIR *fx_proc_tasks(struct fx_proc *p, int *err);

/*
 * The state letter of thread tid of p (from /proc/PID/task/TID/stat,
 * through p's directory, so a reused tid of another process is not
 * seen), or 0 when it is gone or cannot be read.
 */
char fx_proc_task_state(struct fx_proc *p, int tid);

/*
 * The pid tracing p's main thread (TracerPid of /proc/PID/status), 0
 * when none, or a negative errno.
 */
int fx_proc_tracer(struct fx_proc *p);

/*
 * Thread tid of p as its own pid namespace numbers it (the last NSpid of
 * /proc/PID/task/TID/status: in a container, what the process itself and
 * its thread library see); tid when not in another namespace or
 * unreadable.
 */
int fx_proc_nstid(struct fx_proc *p, int tid);

/*
 * Is this still the process that was opened? 0 when it is alive with the
 * same start time (a leader that exited while its threads run counts as
 * alive), -ESRCH when it is gone, a zombie, or the pid now names another
 * process.
 */
int fx_proc_check(struct fx_proc *p);

/*
 * From the text of /proc/PID/status (or task/TID/status): TracerPid, 0
 * when none; the last pid of NSpid (the thread's number in its own pid
 * namespace), tid when the line is missing or holds no pid.
 */
int fx_status_tracer(const char *buf, size_t len);
int fx_status_nspid(const char *buf, size_t len, int tid);

/*
 * Parse the text of /proc/PID/stat: the state letter and start time.
 * comm may hold spaces and parentheses, so the parser starts after the
 * last ')'. Returns 0 or -EBADMSG.
 */
int fx_stat_parse(const char *buf, size_t len, char *state,
		  unsigned long long *starttime);

#endif
