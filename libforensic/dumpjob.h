/*
 * dumpjob: one dump-region run, from a selection to its output, as one
 * call. For every pid of the selection: open it, plan the copy (the
 * selection against its map), check the free space, freeze it (freeze
 * mode), check the plan under the freeze, copy, thaw, hash, compress,
 * then write the records and process.json. The output is a sink: a dump
 * directory (every pid, layout in dumpdir.h) or one ELF core (one pid,
 * always frozen, layout in core.h). In snapshot mode (a directory) the
 * freeze lasts only while a clone is injected into the target
 * (snapshot.h); the copy is read from that forked child while the target
 * runs, and the child is killed and reaped inside the target afterwards,
 * on every path.
 *
 * The library never prints and never exits: each thing a user must be
 * told (a refusal, a failure, the pause, the target gone) is reported
 * through job->report, in the order it happens, with the job's fields
 * describing it (see enum fx_dumpjob_event); fx_dumpjob_message words it
 * for the caller to print, or not (quiet). The caller also owns the
 * signals: job->stop is its handler's flag (the signal number; SIGALRM
 * is taken for the max_pause alarm), and the FX_DJ_FREEZING,
 * FX_DJ_FROZEN, FX_DJ_THAWING and FX_DJ_THAWED events are where it
 * ignores and restores job-control stops and arms and disarms that
 * alarm. The job always thaws what it froze, on every path.
 */
#ifndef FX_DUMPJOB_H
#define FX_DUMPJOB_H

#include <signal.h>
#include <stdint.h>

#include "core.h"
#include "dumpdir.h"
#include "freeze.h"
#include "plan.h"
#include "proc.h"
#include "snapshot.h"

struct fx_selection;
struct fx_writer;

/* What job->report is told; the fields that describe it. */
enum fx_dumpjob_event {
	FX_DJ_START,		/* the output exists (the dump directory),
				 * or a core job begins: install handlers */
	FX_DJ_CREATE_FAILED,	/* the output cannot be made: err, why */
	FX_DJ_OPEN_FAILED,	/* pid cannot be opened: err (-ESRCH,
				 * -ESTALE: not the pinned one, ...) */
	FX_DJ_PLAN,		/* the plan: pl, free_bytes (0: unknown) */
	FX_DJ_NO_SPACE,		/* refused: fx_dumpplan_need(pl) > free */
	FX_DJ_FREEZING,		/* a freeze begins: ignore job control */
	FX_DJ_REFUSE_EINTR,	/* risk.eintr threads in epoll_wait (and
				 * no accept_eintr): not frozen */
	FX_DJ_REFUSE_VFORK,	/* risk.vfork_tid waits in vfork */
	FX_DJ_FREEZE_FAILED,	/* err -EPERM (ptrace refused) or
				 * -ETIMEDOUT (fz.stuck_tid, fz.stuck_state,
				 * stop_ms); the target was let go */
	FX_DJ_FROZEN,		/* every thread stopped: arm max_pause */
	FX_DJ_COPYING,		/* a directory copy begins */
	FX_DJ_PROGRESS,		/* a directory copy: done of pl.mapped */
	FX_DJ_COPIED,		/* a directory copy ended */
	FX_DJ_THAWING,		/* the copy is over: disarm the alarm */
	FX_DJ_THAW_FAILED,	/* a thread could not be let go cleanly */
	FX_DJ_THAWED,		/* the freeze is over: restore job control */
	FX_DJ_HASH_FAILED,	/* some region files not hashed (sha256 -) */
	FX_DJ_COMPRESS_FAILED,	/* err: a file left uncompressed */
	FX_DJ_COMPRESS_KEPT,	/* kept regions stay sparse .bin files */
	FX_DJ_EINTR,		/* frozen with eintr threads in epoll_wait
				 * (accept_eintr); a directory: note is the
				 * consistency note that says it */
	FX_DJ_PAUSE,		/* the target was frozen: pause_ns, fz.n,
				 * fz.was_stopped */
	FX_DJ_CORE_DONE,	/* the core is written: st */
	FX_DJ_INTERRUPTED,	/* *stop ended a directory copy */
	FX_DJ_GONE,		/* the target went during a directory copy:
				 * execed says how (1 execve, 0 exit) */
	FX_DJ_WRITE_FAILED,	/* the dump cannot be written whole (it is
				 * removed): failed names the file, err why;
				 * told once per job */
	FX_DJ_FAILED,		/* the pid's dump failed otherwise: err
				 * (a core: also -EPERM not told before) */
	FX_DJ_UNMAPPED,		/* unmapped items asked for are no longer
				 * mapped */
	FX_DJ_DIR_DONE,		/* a pid's directory dump is written:
				 * files, captured, holes, copy_ns */
	FX_DJ_SNAPSHOT_FAILED,	/* no fork made (err, snap); the target was
				 * let go as it was */
	FX_DJ_SNAPSHOT,		/* the copy is over and the child reaped:
				 * pause_ns, snap's windows */
	FX_DJ_REAP_FAILED,	/* the child is killed, not reaped: err */
	FX_DJ_NO_MEMORY,	/* snapshot refused: cow_bytes > mem_free */
	FX_DJ_NO_SHA256,	/* refused before anything: SHA-256 asked
				 * for, libcrypto cannot be loaded (why) */
};

/* The outcome, in exit-status order: the worst of every pid's. */
enum fx_dumpjob_status {
	FX_DUMPJOB_DONE,	/* everything asked for */
	FX_DUMPJOB_PARTIAL,	/* some pid or region missing, or stopped
				 * early: the output lists what it holds */
	FX_DUMPJOB_FAILED,	/* nothing kept */
};

struct fx_dumpjob {
	/* Set by the caller (fx_dumpjob_init gives the defaults). */
	const struct fx_selection *sel;
	const char *dir;	/* the dump directory to create, or */
	const char *core;	/* the core file (then sel has one pid) */
	int freeze;		/* stop the target for the copy (a core
				 * always does) */
	int snapshot;		/* stop it only for a fork (a directory) */
	unsigned long max_pause;	/* seconds: the caller's alarm */
	int accept_eintr, include_dd, force, zstd;
	int no_hash;		/* no SHA-256 (the default) */
	int use_scan;		/* 0 forces pagemap entries (tests) */
	const char *tool;	/* process.json's "tool" */
	struct fx_writer *records;	/* records out, or NULL */
	volatile sig_atomic_t *stop;	/* set by a signal handler: stop */
	void (*report)(struct fx_dumpjob *job, enum fx_dumpjob_event ev);
	void *arg;		/* the caller's, for report */

	/* The current pid's state, valid during report. */
	int pid;
	unsigned long long pin;	/* the start time it must have, 0 any
				 * (fx_selection_pin) */
	int err;		/* the errno of the event, negative */
	const char *why;	/* FX_DJ_CREATE_FAILED: the parent's rule;
				 * FX_DJ_NO_SHA256: the loader's reason */
	struct fx_proc p;
	struct fx_dumpplan pl;
	uint64_t free_bytes;
	struct fx_freeze_risk risk;
	int stop_ms;		/* how long threads had to stop */
	struct fx_freeze fz;
	int frozen;		/* 1 frozen, 2 frozen then let go */
	int thawed;		/* FX_DJ_THAWED told */
	struct fx_snapshot snap;	/* snapshot mode: the fork */
	uint64_t cow_bytes, mem_free;	/* what it may cost, what is free
					 * (mem_free 0: unknown) */
	struct fx_proc cp;	/* the forked child, read by the copy */
	int told;		/* FX_DJ_FREEZE_FAILED was reported */
	uint64_t done, pause_ns;
	size_t kept, unmapped;
	size_t files;		/* FX_DJ_DIR_DONE: region files written */
	uint64_t captured, holes, copy_ns; /* their bytes; the copy's time */
	int execed;
	const char *note;	/* FX_DJ_EINTR in a directory */
	const char *failed;	/* FX_DJ_WRITE_FAILED */
	struct fx_core_stats st;
	struct fx_capture cap;
	char note_buf[400];
	char msg[1024];		/* fx_dumpjob_message's */

	/* The job's output and result. */
	struct fx_dumpdir dd;
	struct fx_writer idx;	/* regions.tsv */
	int werr;		/* the dump could not be written whole */
	int discarded;		/* nothing kept: records must not be used */
	enum fx_dumpjob_status status;
};

/*
 * The message that tells event ev of job (its state as reported), as
 * dump-region words it, naming its options; valid until the next call.
 * NULL for events that are no message (FX_DJ_START, the freeze and
 * progress steps) and for FX_DJ_OPEN_FAILED (the caller's own wording
 * of a process that cannot be opened). *info is set for what is news
 * rather than a problem (the plan, the pause, the core written, regions
 * kept uncompressed): a quiet caller drops those.
 */
const char *fx_dumpjob_message(struct fx_dumpjob *job,
			       enum fx_dumpjob_event ev, int *info);

/* Defaults: live, max_pause 30, use_scan, no_hash. */
void fx_dumpjob_init(struct fx_dumpjob *job);

/*
 * Run the job (see above): the status also goes to job->status. Records
 * go to job->records as they are made; when job->discarded is set after
 * the run, nothing was kept and the caller should drop what it has not
 * written of them. Frees everything it made.
 */
enum fx_dumpjob_status fx_dumpjob_run(struct fx_dumpjob *job);

#endif
