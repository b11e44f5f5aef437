/*
 * memsrc: one memory source for the readers that walk a process's
 * memory (classify and its heap and JVM walkers today): the process's
 * map, its threads, its bytes and its mapped files, whether the process
 * is live or was captured (issue 13's fx_memsrc, first step).
 *
 * Backends:
 *  - a live pid: the map from /proc/PID/smaps, threads from /proc
 *    (threads.h), bytes through fx_livesrc (livesrc.h: pagemap gated,
 *    windowed), mapped files through fx_proc_file_read;
 *  - a dump directory (dumpdir.h): the map from regions.tsv, whose
 *    records carry every smaps column (turned back into smaps text and
 *    parsed by fx_maps_parse, so the map is the one the live run saw);
 *    bytes from the region files (.bin, .bin.zst) as scan reads them
 *    (source.h: every name through fx_safe_open, beneath the
 *    directory), the runs holes.tsv lists failing as they did live
 *    (-ENODATA swapped, -EFAULT the others; zero-page runs read as
 *    zeros); threads from process.json (fx_threads_json), or none,
 *    said in threads_note;
 *  - an ELF core (ours, gcore's, the kernel's): the map from PT_LOAD
 *    (ranges, permissions) and NT_FILE (file offsets and paths), [vdso]
 *    from NT_AUXV's AT_SYSINFO_EHDR, [stack] where the first thread's
 *    stack pointer lies; threads and stack pointers from NT_PRSTATUS
 *    (x86-64), comm from NT_PRPSINFO. The core has no smaps figures:
 *    rss and the like are missing ("-"), never zero.
 *
 * Offline, a mapped file is read from this machine, at the path the map
 * names, only when it is still the file that was mapped: a regular file
 * opened by fx_safe_open, whose dev:inode are the map's (a dump), or
 * (a core, which holds no dev:inode) whose first page equals the core's
 * copy of it when the core holds one, and which is long enough for the
 * mapping's offset. Otherwise it is not available (-ESTALE). A core's
 * file mapping takes the dev:inode of the file now at its path (a core
 * holds none), so that it reads as a file mapping even when that file
 * changed (then its bytes are not read); with no file there, inode 0.
 * A core's file-backed range without bytes (gcore leaves read-only ones
 * out) is read from that file, when it is the mapped one.
 */
#ifndef FX_MEMSRC_H
#define FX_MEMSRC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <libelf.h>

#include "buf.h"
#include "classify.h"
#include "heap.h"
#include "livesrc.h"
#include "maps.h"
#include "source.h"

struct fx_proc;
struct fx_thread;

enum fx_memsrc_kind { FX_MS_LIVE, FX_MS_DUMP, FX_MS_CORE };

struct fx_msfile;
struct fx_mshole;

struct fx_memsrc {
	enum fx_memsrc_kind kind;
	long pid;			/* the process's pid, -1 unknown */
	unsigned long long starttime;	/* its start, clock ticks after boot
					 * (stat field 22), 0 unknown: live
					 * from /proc, a dump from its
					 * regions.tsv or process.json, a
					 * core none */
	struct fx_maps maps;		/* its regions */
	struct fx_thread *t;		/* its threads (malloc'd), or NULL */
	size_t nt;
	char threads_note[120];		/* why there are none, or "" */
	struct fx_heap_src heap;	/* { fx_memsrc_read, this } */
	fx_file_fn file;		/* its mapped files, ctx file_ctx */
	void *file_ctx;
	struct fx_err err;		/* why open failed */
	uint64_t pages_read, pages_absent; /* live: fx_livesrc's counts
					    * (absent: not present, swapped
					    * included) */
	int gone;			/* live: the process exited */
	/* private */
	struct fx_proc *p;
	struct fx_livesrc ls;
	int have_ls;
	struct fx_livesrc ls2;		/* fx_memsrc_heap2's */
	int have_ls2;
	struct fx_heap_src heap2;
	struct fx_buf text;
	struct fx_source src;
	struct fx_msfile *files;	/* per region of maps */
	struct fx_mshole *holes;	/* a dump's, sorted, merged */
	size_t nholes;
	int threads_failed;
	/* FX_MS_LATE_SMAPS: smaps read by late_th while the reads are
	 * gated by the map of /proc/PID/maps, until fx_memsrc_settle. */
	int late;			/* late_th started, not joined */
	pthread_t late_th;
	int late_r;			/* its read's and parse's result */
	struct fx_buf late_text;
	struct fx_maps late_maps;	/* smaps' map, parsed by late_th */
	struct fx_err late_err;		/* why not, when -EBADMSG */
	struct fx_maps early;		/* the map before the settle, kept:
					 * regions pointed at stay valid */
};

/*
 * What path is, opened safely (never blocking on a FIFO): 1 a dump
 * directory (a directory holding regions.tsv), 2 an ELF core (a regular
 * file starting with the ELF magic, e_type ET_CORE), 0 neither, or a
 * negative errno when it cannot be opened.
 */
int fx_memsrc_probe(const char *path);

/*
 * Open the live process p (borrowed: keep it open): read its map and
 * threads. 0, or a negative errno (-ESRCH gone, -EACCES, -EBADMSG). A
 * thread list that cannot be read leaves nt 0 and threads_note set.
 *
 * flags FX_MS_LATE_SMAPS: the map's VmFlags come late. smaps costs a walk
 * of every page table of the process (about 8 ms for a JVM with 200 MB of
 * heap), so it is read in a thread while the caller starts on
 * /proc/PID/maps' map, which has the regions and names but no VmFlags.
 * Until fx_memsrc_settle, reads go through process_vm_readv only, never
 * /proc/PID/mem: the kernel refuses process_vm_readv on device mappings
 * (VM_IO, VM_PFNMAP), the one harm a read gated without VmFlags could
 * do; [vvar] and secret memory are refused by name as always. Without
 * process_vm_readv, smaps is read at once.
 */
#define FX_MS_LATE_SMAPS 1
/* FX_MS_NO_THREADS: the caller reads no thread list (nt 0, no note): a
 * Java heap walk, whose threads are the JVM's own structures. About 1 ms
 * for a JVM's 22 threads (each thread's stat and syscall). */
#define FX_MS_NO_THREADS 2
int fx_memsrc_open_live(struct fx_memsrc *ms, struct fx_proc *p, int flags);

/*
 * Late smaps: wait for it and gate the reads by it from now on (ms->maps
 * becomes smaps' map; regions of the earlier one stay valid until
 * release). 0 (also when there was nothing to wait for) or -errno (-ESRCH
 * the process is gone, -EBADMSG with ms->err: smaps made no sense).
 */
int fx_memsrc_settle(struct fx_memsrc *ms);

/* Live: read the map afresh (the reads then follow it). 0 or -errno. */
int fx_memsrc_reload(struct fx_memsrc *ms);

/*
 * Open a dump directory or an ELF core (fx_memsrc_probe). 0, or a
 * negative errno with ms->err saying what is wrong.
 */
int fx_memsrc_open_path(struct fx_memsrc *ms, const char *path);

/*
 * Live: a second reader of the process's memory, with its own
 * descriptors and windows, that one other thread may use while this
 * thread reads through ms->heap (a reader is not safe from two threads):
 * the reader, or NULL (not live, or it cannot be opened). Its counts
 * join ms's at fx_memsrc_heap2_done, once that thread is done with it.
 */
struct fx_heap_src *fx_memsrc_heap2(struct fx_memsrc *ms);
void fx_memsrc_heap2_done(struct fx_memsrc *ms);

/* Warnings met while reading a capture (one line each), or "". */
const char *fx_memsrc_warnings(struct fx_memsrc *ms);

/* Close and free everything (also after a failed open). */
void fx_memsrc_release(struct fx_memsrc *ms);

/*
 * The fx_heap_src read callback (ctx: the struct fx_memsrc), with
 * fx_livesrc_read's contract: 0, -EFAULT (outside what the source holds:
 * a page not present, not captured, a file not available), -ENODATA
 * (live: swapped out), -ESRCH (live: the process is gone).
 */
int fx_memsrc_read(void *ctx, uint64_t addr, void *buf, size_t len);

/*
 * An fx_file_fn for a captured process (ctx: the struct fx_memsrc; r a
 * region of ms->maps): the bytes of the mapped file, read on this
 * machine (see above); bytes read, or -ESTALE (not the mapped file, or
 * none), or a negative errno.
 */
long fx_memsrc_file_read(void *ctx, const struct fx_region *r, uint64_t off,
			 void *buf, size_t len);

/*
 * ELF core parsing shared with source.c (scan), for a core someone sent
 * (untrusted input). fx_core_elf_open: the libelf handle of the core
 * mapped at base (len bytes) and its program header count, checked to lie
 * inside the file; 0, or -EBADMSG with err saying "'PATH': not an ELF
 * core (why)". elf_end() it.
 */
int fx_core_elf_open(const unsigned char *base, uint64_t len, const char *path,
		     struct fx_err *err, Elf **e, size_t *nphdr);

/*
 * Call fn(arg, type, desc, descsz) for every "CORE" note of note segment
 * ph of e (a core of len bytes), in order; stops at fn's nonzero return
 * and returns it. -EBADMSG when the notes cannot be trusted (the segment
 * lies past the file's end, a note's sizes run past the segment), after
 * calling fn for the notes before; else 0.
 */
int fx_core_notes(Elf *e, const GElf_Phdr *ph, uint64_t len,
		  int (*fn)(void *arg, uint32_t type, const unsigned char *d,
			    size_t n),
		  void *arg);

#endif
