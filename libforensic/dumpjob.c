/*
 * dumpjob: a dump-region run as one library call (dumpjob.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dumpjob.h"
#include "internal.h"
#include "rec.h"
#include "select.h"
#include "stack.h"

void fx_dumpjob_init(struct fx_dumpjob *job)
{
	memset(job, 0, sizeof(*job));
	job->max_pause = 30;
	job->use_scan = 1;
	/* No hash unless asked: on a production host, a second core busy
	 * for seconds is a cost the copy does not need. */
	job->no_hash = 1;
	job->dd.dirfd = -1;
}

static void tell(struct fx_dumpjob *j, enum fx_dumpjob_event ev)
{
	if (j->report)
		j->report(j, ev);
}

/* An output file could not be written whole: told once per job. */
static void write_failed(struct fx_dumpjob *j, const char *file, int err)
{
	if (j->werr++)
		return;
	j->failed = file;
	j->err = err;
	tell(j, FX_DJ_WRITE_FAILED);
}

/* The plan and the free-space check, where fd writes. 0 or -ECANCELED. */
static int check_space(struct fx_dumpjob *j, int fd)
{
	struct statvfs sv;

	j->free_bytes = fstatvfs(fd, &sv) ? 0 : sv.f_bavail * sv.f_frsize;
	tell(j, FX_DJ_PLAN);
	if (j->free_bytes && fx_dumpplan_need(&j->pl) > j->free_bytes &&
	    !j->force) {
		tell(j, FX_DJ_NO_SPACE);
		return -ECANCELED;
	}
	return 0;
}

/*
 * Freeze the pid: its threads get STOP_MS to stop (or max_pause, if
 * shorter). A thread in uninterruptible sleep may never stop (a vfork
 * parent waits for its child: RELIABILITY T13); the others must not wait
 * for it.
 */
#define STOP_MS 2000

static int freeze_pid(struct fx_dumpjob *j)
{
	int ms = j->max_pause * 1000 < STOP_MS ? (int)j->max_pause * 1000 :
						 STOP_MS;
	int r;

	fx_freeze_risks(&j->p, &j->risk);	/* unreadable: no risk known */
	/* RELIABILITY T9: a stop ends epoll_wait with EINTR. */
	if (j->risk.eintr && !j->accept_eintr) {
		tell(j, FX_DJ_REFUSE_EINTR);
		return -ECANCELED;
	}
	if (j->risk.vfork) {
		tell(j, FX_DJ_REFUSE_VFORK);
		return -ECANCELED;
	}
	j->stop_ms = ms;
	r = fx_freeze(&j->fz, &j->p, ms, j->stop);
	if (r == -EPERM || r == -ETIMEDOUT) {
		j->err = r;
		j->told = 1;
		tell(j, FX_DJ_FREEZE_FAILED);
	}
	return r;
}

static void progress(void *arg, uint64_t done)
{
	struct fx_dumpjob *j = arg;

	j->done = done;
	tell(j, FX_DJ_PROGRESS);
}

/* The copy into the dump directory: live, or under the freeze. */
static int dir_copy(struct fx_dumpjob *j)
{
	int r;

	tell(j, FX_DJ_COPYING);
	j->pl.progress = progress;
	j->pl.progress_arg = j;
	j->dd.pid = j->pid;
	j->copy_ns = fx_now_ns();
	r = fx_dumpplan_run(&j->pl, &j->dd, j->use_scan, j->stop, &j->cap);
	j->copy_ns = fx_now_ns() - j->copy_ns;
	tell(j, FX_DJ_COPIED);
	return r;
}

/* The summary of a pid's directory dump: files, bytes, holes, time. */
static void dir_done(struct fx_dumpjob *j)
{
	const struct fx_planitem *it;
	size_t i;

	j->files = 0;
	j->captured = j->holes = 0;
	for (i = 0; i < j->pl.n; i++) {
		it = &j->pl.it[i];
		if (it->state != 1 || !strcmp(it->file, "-"))
			continue;
		j->files++;
		j->captured += it->res.captured;
		j->holes += it->res.holes;
	}
	if (j->files)	/* else nothing was copied (a refused freeze) */
		tell(j, FX_DJ_DIR_DONE);
}

/* Snapshot mode: the copy has read the fork's last byte (plan.h,
 * p_done). Killed now, it dies while the copy's last buffers are
 * written and the output is finished: its exit frees the page tables of
 * the whole address space (tens of ms per GiB), on another CPU. */
static void snap_read_done(void *arg)
{
	struct fx_dumpjob *j = arg;

	fx_snapshot_drop(&j->snap);
}

/* Snapshot mode, under the freeze: fork the target, and have the copy
 * read the child. 0 or a negative errno (told). */
static int snap_fork(struct fx_dumpjob *j)
{
	int r = fx_snapshot_fork(&j->snap, &j->fz, &j->p);

	if (!r && (r = fx_proc_open(&j->cp, j->snap.child)))
		fx_snapshot_kill(&j->snap);	/* reaped after the thaw */
	j->cp.cow_copy = 1;	/* never pinned: proc.h */
	if (r) {
		j->err = r;
		tell(j, FX_DJ_SNAPSHOT_FAILED);
		return -ECANCELED;
	}
	j->pl.p = &j->cp;
	j->pl.live_p = &j->p;
	fx_dumpplan_p_done(&j->pl, snap_read_done, j);
	return 0;
}

/* Snapshot mode, right after the copy, on every path: the child is read
 * no more, and killed (if the copy did not at its last byte); the plan
 * reads the target again (a core's holes are filled from its mapped
 * files). */
static void snap_copied(struct fx_dumpjob *j)
{
	fx_snapshot_drop(&j->snap);
	j->pl.p = &j->p;
	j->pl.live_p = NULL;
	j->pl.p_done = NULL;
	fx_proc_release(&j->cp);
}

/* Snapshot mode, after snap_copied and what needs no target (hashes,
 * compression, a core's fill), before anything tells the reap's figures,
 * on every path: the child, dead by then or nearly, collected and reaped
 * inside the target; the windows told. */
static void snap_end(struct fx_dumpjob *j)
{
	int r;

	if (j->snap.child && (r = fx_snapshot_reap(&j->snap, &j->p))) {
		j->err = r;
		tell(j, FX_DJ_REAP_FAILED);
	}
	fx_snapshot_unguard(&j->snap);
	j->cap.regs_ns = j->snap.regs_ns;
	j->cap.hold_ns = j->snap.hold_ns;
	j->cap.clone_ns = j->snap.clone_ns;
	j->cap.reap_regs_ns = j->snap.reap_regs_ns;
	j->cap.reap_pause_ns = j->snap.reap_pause_ns;
	j->cap.site = j->snap.site_name;
	j->cap.oom_refused = j->snap.oom_refused;
}

/* After the copy (and the thaw): hash, compress, tell, records out,
 * process.json. r: how the copy ended. The pid's status. */
static enum fx_dumpjob_status dir_finish(struct fx_dumpjob *j, int r)
{
	struct fx_dumpplan *pl = &j->pl;
	struct fx_capture *cap = &j->cap;
	enum fx_dumpjob_status status = FX_DUMPJOB_DONE;
	char name[64];
	int zr;

	if (pl->defer_hash && fx_dumpplan_rehash(pl, j->dd.dirfd, -1))
		tell(j, FX_DJ_HASH_FAILED);
	if (j->zstd && pl->n) {
		zr = fx_dumpplan_compress(pl, &j->dd, 3, &j->kept);
		if (zr) {
			j->err = zr;
			tell(j, FX_DJ_COMPRESS_FAILED);
		}
		if (j->kept)
			tell(j, FX_DJ_COMPRESS_KEPT);
	}
	/* Snapshot: the fork died meanwhile; reaped before the figures are
	 * told and written. */
	if (j->snapshot && j->snap.guard_pid)
		snap_end(j);
	cap->mode = j->snapshot ? "snapshot" : j->freeze ? "freeze" : "live";
	cap->pause_ns = j->pause_ns = fx_freeze_pause_ns(&j->fz);
	cap->tool = j->tool;
	cap->compression = j->zstd ? "zstd" : NULL;
	cap->note = j->snapshot ? "consistent: a copy-on-write fork of the "
				  "process at one instant, read while it ran; "
				  "shared mappings and files mapped without "
				  "write (not copied by a fork) read from the "
				  "target; pages of a writable file mapping never "
				  "written before the fork are holes" :
		    j->freeze ? (j->frozen && !r ? "consistent: every thread "
						   "stopped during the copy" :
						   "not consistent: the freeze "
						   "did not hold") :
				"live: the target ran during the copy; "
				"pages may differ in time";
	if (j->frozen && j->risk.eintr) {
		snprintf(j->note_buf, sizeof(j->note_buf), "%s; %d thread%s in "
			 "epoll_wait got EINTR from the freeze "
			 "(--accept-eintr)", cap->note, j->risk.eintr,
			 j->risk.eintr > 1 ? "s" : "");
		cap->note = j->note = j->note_buf;
		tell(j, FX_DJ_EINTR);
	}
	cap->interrupted = r == -EINTR;
	if (j->frozen && j->cap.site)
		tell(j, FX_DJ_SNAPSHOT);
	else if (j->frozen)
		tell(j, FX_DJ_PAUSE);
	if (r == -EINTR) {
		tell(j, FX_DJ_INTERRUPTED);
	} else if (r == -ESRCH) {
		/* Its /proc directory, opened first, still reads after an
		 * execve, not after an exit. */
		char st = fx_proc_task_state(&j->p, j->pid);

		j->execed = st && st != 'Z' && st != 'X';
		tell(j, FX_DJ_GONE);
	} else if (pl->failed) {
		write_failed(j, pl->failed, r);
	} else if (r && r != -ETIMEDOUT && r != -ECANCELED) {
		j->err = r;
		tell(j, FX_DJ_FAILED);
	}
	if (r)
		status = pl->n && fx_dumpplan_done(pl) ? FX_DUMPJOB_PARTIAL :
							 FX_DUMPJOB_FAILED;
	if (!r && (j->unmapped = fx_dumpplan_unmapped(pl))) {
		tell(j, FX_DJ_UNMAPPED);
		status = FX_DUMPJOB_PARTIAL;
	}
	fx_dumpplan_skipped(pl, cap);
	/* Written after the thaw: a slow reader never lengthens a pause. */
	if (fx_dumpplan_write(pl, &j->idx, j->records, j->dd.path) && !status)
		status = FX_DUMPJOB_PARTIAL;
	if (j->idx.err)
		write_failed(j, "regions.tsv", j->idx.err);
	if (pl->n && !j->werr) {
		struct fx_buf js;

		fx_buf_init(&js);
		/* The first process is process.json, others process-PID. */
		if (j->dd.nprocs++)
			snprintf(name, sizeof(name), "process-%d.json", j->pid);
		else
			snprintf(name, sizeof(name), "process.json");
		r = fx_capture_json(&js, &j->p, cap);
		if (r || (r = fx_dumpdir_write(&j->dd, name, js.data, js.len)))
			write_failed(j, name, r);
		fx_buf_release(&js);
	}
	if (pl->n && !j->werr)
		dir_done(j);
	return status;
}

/* Let the frozen target go; told once, even when no freeze held. */
static void thaw(struct fx_dumpjob *j)
{
	if (j->frozen == 1) {
		tell(j, FX_DJ_THAWING);
		if (fx_freeze_thaw(&j->fz))
			tell(j, FX_DJ_THAW_FAILED);
		j->frozen = 2;	/* still true: it was frozen */
	}
	if ((j->freeze || j->snapshot) && !j->thawed) {
		j->thawed = 1;
		tell(j, FX_DJ_THAWED);
	}
}

/* One pid into the dump directory. */
static enum fx_dumpjob_status dir_pid(struct fx_dumpjob *j)
{
	int r, remade = 0;

	r = fx_dumpplan_make(&j->pl, &j->p, j->sel, j->include_dd);
	j->pl.no_hash = j->no_hash;
	if (!r && j->snapshot) {
		j->cow_bytes = fx_snapshot_cow_bytes(&j->pl.maps);
		j->mem_free = fx_snapshot_mem_free(&j->p);
	}
	if (!r && check_space(j, j->dd.dirfd))
		return FX_DUMPJOB_FAILED;
	/* The fork costs a page for each page the target writes while the
	 * copy runs: at most its writable resident memory. */
	if (!r && j->snapshot && j->mem_free && j->cow_bytes > j->mem_free &&
	    !j->force) {
		tell(j, FX_DJ_NO_MEMORY);
		return FX_DUMPJOB_FAILED;
	}
	/* Snapshot: the guardian first (snapshot.h), outside the stop; a
	 * machine that cannot fork it cannot fork the target either. */
	if (!r && j->snapshot && (r = fx_snapshot_guard(&j->snap, &j->p))) {
		j->err = r;
		tell(j, FX_DJ_SNAPSHOT_FAILED);
		r = -ECANCELED;
	}
	if (!r && j->snapshot)
		fx_snapshot_site(&j->snap, &j->p);	/* outside the stop */
	if (!r && (j->freeze || j->snapshot)) {
		tell(j, FX_DJ_FREEZING);
		r = freeze_pid(j);
		if (!r) {
			j->frozen = 1;
			tell(j, FX_DJ_FROZEN);
			/* Every thread's registers, for process.json (a
			 * microsecond each): classify unwinds their stacks. */
			free(j->cap.regs);
			if (fx_stack_regs_read(&j->fz, &j->cap.regs,
					       &j->cap.nregs))
				j->cap.nregs = 0;
			/* Under the freeze the map holds still: check it. */
			r = fx_dumpplan_refresh(&j->pl, &remade);
			/* Hash after the thaw: the pause is the copy alone. */
			j->pl.defer_hash = 1;
		}
		if (!r && j->snapshot && !(r = snap_fork(j)))
			thaw(j);	/* the copy reads the child */
	}
	if (!r)
		r = dir_copy(j);
	thaw(j);
	if (j->snapshot && j->snap.guard_pid)
		snap_copied(j);
	return dir_finish(j, r);
}

/*
 * Snapshot mode, before the freeze (j->cow_bytes and mem_free set):
 * refuse when the fork's copies may not fit, and start the guardian. 0,
 * or -ECANCELED (told).
 */
static int snap_prepare(struct fx_dumpjob *j)
{
	int r;

	/* The fork costs a page for each page the target writes while the
	 * copy runs: at most its writable resident memory. */
	if (j->mem_free && j->cow_bytes > j->mem_free && !j->force) {
		tell(j, FX_DJ_NO_MEMORY);
		return -ECANCELED;
	}
	/* The guardian first (snapshot.h), outside the stop; a machine
	 * that cannot fork it cannot fork the target either. */
	if ((r = fx_snapshot_guard(&j->snap, &j->p))) {
		j->err = r;
		tell(j, FX_DJ_SNAPSHOT_FAILED);
		return -ECANCELED;
	}
	fx_snapshot_site(&j->snap, &j->p);	/* outside the stop */
	return 0;
}

/*
 * The core's memory: under the freeze, or (snapshot) from the fork after
 * the thaw, with the notes taken in the freeze. Shared and read-only file
 * mappings of a snapshot are read from the target (plan.h, live_p).
 */
static int core_copy(struct fx_dumpjob *j, int fd, struct fx_core_regs *cn)
{
	struct fx_dumper d, dl;
	int r, live = fx_dumpplan_needs_live(&j->pl);

	r = fx_dumper_init(&d, j->pl.p, j->use_scan, j->stop);
	if (r)
		return r;
	d.no_hash = j->no_hash;
	d.defer_hash = j->pl.defer_hash = 1;
	if (live) {
		r = fx_dumper_init(&dl, j->pl.live_p, j->use_scan, j->stop);
		if (r) {
			fx_dumper_release(&d);
			return r;
		}
		dl.no_hash = j->no_hash;
		dl.defer_hash = 1;
	}
	if (!j->snapshot)
		r = fx_core_write(fd, &j->pl, &j->fz, &d, &j->st);
	else
		r = fx_core_write_notes(fd, &j->pl, cn, &d,
					live ? &dl : NULL, &j->st);
	fx_dumper_release(&d);
	if (live)
		fx_dumper_release(&dl);
	return r;
}

/*
 * One pid into the core: frozen for the memory and the registers; or,
 * snapshot, frozen for the registers and the fork, the memory copied from
 * the fork after the thaw, the fork then killed and reaped (every path).
 */
static enum fx_dumpjob_status core_pid(struct fx_dumpjob *j, int fd)
{
	struct fx_core_regs cn = { 0 };
	int r, remade = 0;

	r = fx_dumpplan_make(&j->pl, &j->p, j->sel, j->include_dd);
	fx_core_plan(&j->pl);
	if (!r && j->snapshot) {	/* for the plan's line */
		j->cow_bytes = fx_snapshot_cow_bytes(&j->pl.maps);
		j->mem_free = fx_snapshot_mem_free(&j->p);
	}
	if (!r && check_space(j, fd)) {
		r = -ECANCELED;	/* said */
		goto out;
	}
	if (!r && j->snapshot)
		r = snap_prepare(j);
	tell(j, FX_DJ_FREEZING);
	if (!r)
		r = freeze_pid(j);
	if (!r) {
		j->frozen = 1;
		tell(j, FX_DJ_FROZEN);
		r = fx_dumpplan_refresh(&j->pl, &remade);
		/* Snapshot: every thread's registers now, while the target
		 * is stopped (the fork has one thread), then the fork. */
		if (!r && j->snapshot && !(r = fx_core_regs(&cn, &j->pl,
							      &j->fz)))
			r = snap_fork(j);
		if (!r && j->snapshot)
			thaw(j);	/* the copy reads the child */
		if (!r)
			r = core_copy(j, fd, &cn);
	}
	thaw(j);
	/* Every path: the fork killed, then (while it dies) the files read
	 * and the hashes computed outside the pause, then the fork reaped
	 * and the guardian gone. */
	if (j->snapshot && j->snap.guard_pid)
		snap_copied(j);
	fx_core_regs_release(&cn);
	if (!r && !(r = fx_core_fill(fd, &j->pl, &j->st, j->stop)))
		fx_dumpplan_rehash(&j->pl, -1, fd);
	if (j->snapshot && j->snap.guard_pid)
		snap_end(j);
	if (j->frozen && j->risk.eintr)
		tell(j, FX_DJ_EINTR);
	j->pause_ns = fx_freeze_pause_ns(&j->fz);
	if (j->frozen && j->cap.site)
		tell(j, FX_DJ_SNAPSHOT);
	else if (j->frozen)
		tell(j, FX_DJ_PAUSE);
	if (!r)
		tell(j, FX_DJ_CORE_DONE);
out:
	if (close(fd) < 0 && !r)
		r = -errno;
	if ((r == -EPERM && !j->told) ||
	    (r && r != -EPERM && r != -ETIMEDOUT && r != -ECANCELED)) {
		j->err = r;
		tell(j, FX_DJ_FAILED);
	}
	if (r)
		unlink(j->core); /* ours (O_EXCL): a broken core helps nobody */
	return r ? FX_DUMPJOB_FAILED : FX_DUMPJOB_DONE;
}

/* Open pid, make its output (a core), dump it, let it go. */
static enum fx_dumpjob_status run_pid(struct fx_dumpjob *j, int pid)
{
	enum fx_dumpjob_status status;
	int r, fd;

	j->pid = pid;
	j->err = 0;
	j->why = NULL;
	j->told = j->frozen = j->thawed = 0;
	j->done = j->pause_ns = j->copy_ns = 0;
	j->kept = j->unmapped = 0;
	j->cow_bytes = j->mem_free = 0;
	memset(&j->pl, 0, sizeof(j->pl));
	memset(&j->fz, 0, sizeof(j->fz));
	memset(&j->risk, 0, sizeof(j->risk));
	memset(&j->st, 0, sizeof(j->st));
	memset(&j->cap, 0, sizeof(j->cap));
	memset(&j->snap, 0, sizeof(j->snap));
	memset(&j->cp, 0, sizeof(j->cp));
	j->cp.dirfd = -1;
	j->pin = fx_selection_pin(j->sel, pid);
	r = fx_proc_open_pinned(&j->p, pid, j->pin);
	if (r) {
		j->err = r;
		tell(j, FX_DJ_OPEN_FAILED);
		return j->core ? FX_DUMPJOB_FAILED : FX_DUMPJOB_PARTIAL;
	}
	if (j->core) {
		fd = fx_core_create(j->core, &j->why);
		if (fd < 0) {
			j->err = fd;
			tell(j, FX_DJ_CREATE_FAILED);
			fx_proc_release(&j->p);
			return FX_DUMPJOB_FAILED;
		}
		status = core_pid(j, fd);
	} else {
		status = dir_pid(j);
	}
	fx_buf_release(&j->cap.skipped);
	free(j->cap.regs);
	j->cap.regs = NULL;
	fx_freeze_release(&j->fz);
	fx_dumpplan_release(&j->pl);
	fx_proc_release(&j->p);
	return status;
}

/* Every pid of the selection into a new dump directory. */
static enum fx_dumpjob_status run_dir(struct fx_dumpjob *j)
{
	enum fx_dumpjob_status status = FX_DUMPJOB_DONE, s;
	size_t i;
	int r;

	r = fx_dumpdir_create(&j->dd, j->dir);
	if (r) {
		j->err = r;
		j->why = j->dd.why;
		j->discarded = 1;
		tell(j, FX_DJ_CREATE_FAILED);
		return FX_DUMPJOB_FAILED;
	}
	fx_writer_init(&j->idx, j->dd.index_fd, FX_FMT_TSV);
	tell(j, FX_DJ_START);
	for (i = 0; i < j->sel->npids && !(j->stop && *j->stop) && !j->werr;
	     i++) {
		s = run_pid(j, (int)j->sel->pid[i]);
		if (s > status)
			status = s;
	}
	if (j->idx.header_done && !j->werr && (r = fx_writer_flush(&j->idx)))
		write_failed(j, "regions.tsv", r);
	/* Nothing dumped (T40: out of descriptors), or not whole (a full
	 * disk, RLIMIT_FSIZE): nothing is kept, no record is given. */
	if (!j->idx.header_done || j->werr)
		fx_dumpdir_discard(&j->dd);
	else if ((r = fx_dumpdir_close(&j->dd)))
		write_failed(j, j->dd.failed, r);	/* and removed */
	j->discarded = !j->idx.header_done || j->werr;
	if (j->discarded)
		status = FX_DUMPJOB_FAILED;
	fx_writer_release(&j->idx);
	return status;
}

enum fx_dumpjob_status fx_dumpjob_run(struct fx_dumpjob *job)
{
	/* libcrypto is opened on demand (lazylib.h): a machine without it
	 * is refused now, before any target is stopped or file made. */
	if (!job->no_hash && (job->err = fx_dump_hash_load(&job->why))) {
		job->discarded = 1;
		tell(job, FX_DJ_NO_SHA256);
		return job->status = FX_DUMPJOB_FAILED;
	}
	if (job->core) {
		job->freeze = 1;
		tell(job, FX_DJ_START);
		job->status = run_pid(job, (int)job->sel->pid[0]);
	} else {
		job->status = run_dir(job);
	}
	return job->status;
}

/* Why PTRACE_SEIZE was refused, as precisely as /proc tells. */
static void say_eperm(struct fx_dumpjob *j, char *m, size_t len)
{
	int t = fx_proc_tracer(&j->p);

	if (t > 0)
		snprintf(m, len, "cannot freeze pid %d: it is traced by pid %d "
			 "already (a debugger or strace: detach it, or use "
			 "--mode live)", j->pid, t);
	else
		snprintf(m, len, "cannot freeze pid %d: %s (ptrace refused: "
			 "run as its owner or root, check Yama's ptrace_scope, "
			 "or use --mode live)", j->pid, strerror(EPERM));
}

/* The plan, or its refusal when it will not fit. */
static void say_plan(struct fx_dumpjob *j, int refused, char *m, size_t len)
{
	const struct fx_dumpplan *pl = &j->pl;
	const char *where = j->core ? j->core : j->dd.path, *core = j->core;
	uint64_t v[5] = { pl->present, pl->mapped, j->free_bytes, pl->fill,
			  pl->present + pl->fill };
	char h[5][16];
	int i;

	for (i = 0; i < 5; i++)
		fx_human_size(v[i], h[i], 16);
	char snap[160] = "";

	if (j->snapshot) {
		char c[16], f[16];

		fx_human_size(j->cow_bytes, c, sizeof(c));
		fx_human_size(j->mem_free, f, sizeof(f));
		snprintf(snap, sizeof(snap), "; snapshot: the target's writes "
			 "during the copy may take up to %s of memory, %s "
			 "free", c, j->mem_free ? f : "unknown");
	}
	if (refused)
		snprintf(m, len, "cannot dump pid %d: %s to write, %s free on "
			 "'%s' (free space, pick another -o, or --force)",
			 pl->pid, h[4], h[2], where);
	else
		snprintf(m, len, "plan: pid %d, %zu regions (%zu skipped), %s "
			 "mapped, %s present to copy%s%s%s; %s free for '%s'%s",
			 pl->pid, pl->n, pl->nskip, h[1], h[0],
			 core ? ", at most " : "", core ? h[3] : "",
			 core ? " from mapped files after the thaw" : "", h[2],
			 where, snap);
}

static void say(char *m, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *m, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, len, fmt, ap);
	va_end(ap);
}

/* Why no fork was made. */
static void say_snap_failed(struct fx_dumpjob *j, char *m, size_t len)
{
	const char *why;

	switch (j->err) {
	case -EPERM:
		why = "a seccomp filter (or strict mode) guards its threads, "
		      "and a clone it forbids could kill the process";
		break;
	case -ENOSYS:
		why = "snapshot needs an x86-64 (64-bit) target";
		break;
	case -ENOENT:
		why = "no syscall instruction found in its vDSO or code";
		break;
	case -ENOMEM:
		why = "its clone failed: out of memory";
		break;
	default:
		why = strerror(-j->err);
	}
	say(m, len, "cannot snapshot pid %d: %s; the target was let go as it "
	    "was (--mode freeze copies it stopped instead)", j->pid, why);
}

const char *fx_dumpjob_message(struct fx_dumpjob *j,
			       enum fx_dumpjob_event ev, int *info)
{
	char *m = j->msg;
	size_t len = sizeof(j->msg);
	const struct fx_core_stats *st = &j->st;
	int pid = j->pid, n = j->risk.eintr, stop = j->stop ? *j->stop : 0;
	const char *path = j->dd.path, *ran = j->fz.was_stopped ? "stopped" :
								  "running";
	char h[2][16];

	*info = ev == FX_DJ_PLAN || ev == FX_DJ_COMPRESS_KEPT ||
		ev == FX_DJ_PAUSE || ev == FX_DJ_CORE_DONE ||
		ev == FX_DJ_DIR_DONE || ev == FX_DJ_SNAPSHOT;
	switch (ev) {
	case FX_DJ_SNAPSHOT_FAILED:
		say_snap_failed(j, m, len);
		return m;
	case FX_DJ_SNAPSHOT:
		say(m, len, "pid %d: snapshot: stopped %.1f ms for the fork "
		    "(%zu threads) and %.1f ms for the reap, now %s again; "
		    "registers of thread %d borrowed %.1f us (%.1f us of them "
		    "the kernel's clone; reap %.1f us), clone to hold %.1f us%s",
		    pid, j->pause_ns / 1e6, j->fz.n,
		    j->snap.reap_pause_ns / 1e6, ran, j->snap.tid,
		    j->snap.regs_ns / 1e3, j->snap.clone_ns / 1e3,
		    j->snap.reap_regs_ns / 1e3, j->snap.hold_ns / 1e3,
		    j->snap.oom_refused ? "; not off the OOM killer's list "
					  "meanwhile (oom_score_adj -1000 "
					  "refused: no CAP_SYS_RESOURCE)" : "");
		return m;
	case FX_DJ_NO_MEMORY:
		fx_human_size(j->cow_bytes, h[0], sizeof(h[0]));
		fx_human_size(j->mem_free, h[1], sizeof(h[1]));
		say(m, len, "cannot snapshot pid %d: its writes during the copy "
		    "may take up to %s of memory (its writable resident "
		    "memory, copied on write), only %s free for it (machine "
		    "or cgroup); --mode freeze, or --force", pid, h[0], h[1]);
		return m;
	case FX_DJ_REAP_FAILED:
		say(m, len, "pid %d: the snapshot's copy was killed but not "
		    "reaped inside the target (%s): a zombie child of pid %d "
		    "is left until it exits or waits for it", pid,
		    strerror(-j->err), pid);
		return m;
	case FX_DJ_CREATE_FAILED:
		if (j->core)
			say(m, len, "cannot create core '%s': %s%s", j->core,
			    j->why ? j->why : strerror(-j->err),
			    j->err == -EEXIST ? " (never written over: pick a "
						"new name)" : "");
		else
			say(m, len, "cannot create dump directory '%s': %s%s",
			    j->dir, j->why ? j->why : strerror(-j->err),
			    j->err == -EEXIST ? " (dumps are never written "
						"over an existing path: pick a "
						"new -o)" : "");
		return m;
	case FX_DJ_PLAN:
	case FX_DJ_NO_SPACE:
		say_plan(j, ev == FX_DJ_NO_SPACE, m, len);
		return m;
	case FX_DJ_REFUSE_EINTR:
	case FX_DJ_REFUSE_VFORK:
		fx_freeze_say_refusal(m, len, pid, &j->risk,
				      ev == FX_DJ_REFUSE_VFORK, "--mode live");
		return m;
	case FX_DJ_FREEZE_FAILED:
		if (j->err == -EPERM)
			say_eperm(j, m, len);
		else
			say(m, len, "cannot freeze pid %d: thread %d did not "
			    "stop within %d ms (state %c%s); the target was let "
			    "go as it was; --mode live copies without stopping "
			    "it", pid, j->fz.stuck_tid, j->stop_ms,
			    j->fz.stuck_state ? j->fz.stuck_state : '?',
			    j->fz.stuck_state == 'D' ?
				    ": uninterruptible sleep, as a vfork "
				    "parent waiting for its child" : "");
		return m;
	case FX_DJ_THAW_FAILED:
		say(m, len, "pid %d: a thread could not be let go cleanly; "
		    "check its state", pid);
		return m;
	case FX_DJ_HASH_FAILED:
		say(m, len, "pid %d: cannot hash some region files: their "
		    "sha256 is '-'", pid);
		return m;
	case FX_DJ_COMPRESS_FAILED:
		say(m, len, "pid %d: cannot compress a region file: %s (left "
		    "uncompressed)", pid, strerror(-j->err));
		return m;
	case FX_DJ_COMPRESS_KEPT:
		say(m, len, "pid %d: %zu regions with more than 16 GiB of holes "
		    "stay sparse .bin files", pid, j->kept);
		return m;
	case FX_DJ_EINTR:
		if (j->core)
			say(m, len, "pid %d: %d thread%s in epoll_wait got EINTR "
			    "from the freeze (--accept-eintr)", pid, n,
			    n > 1 ? "s" : "");
		else
			say(m, len, "pid %d: %s", pid, j->note);
		return m;
	case FX_DJ_PAUSE:
		if (j->core)
			say(m, len, "pid %d: stopped for %.1f ms (%zu threads), "
			    "now %s again", pid, j->pause_ns / 1e6, j->fz.n,
			    ran);
		else
			say(m, len, "pid %d: stopped for %.1f ms (%zu threads, "
			    "%s before), now %s again", pid, j->pause_ns / 1e6,
			    j->fz.n, ran, ran);
		return m;
	case FX_DJ_CORE_DONE:
		say(m, len, "core '%s': %zu threads, %zu segments, %.1f MiB "
		    "captured, %.1f MiB from mapped files, %.1f MiB of holes "
		    "(sparse)", j->core, st->nthreads, st->nload,
		    st->captured / 1048576.0, st->filled / 1048576.0,
		    (st->holes - st->filled) / 1048576.0);
		return m;
	case FX_DJ_DIR_DONE:
		fx_human_size(j->captured, h[0], sizeof(h[0]));
		fx_human_size(j->holes, h[1], sizeof(h[1]));
		say(m, len, "pid %d: %s captured in %zu region file%s in '%s', "
		    "%s of holes (not present, skipped or unreadable: "
		    "holes.tsv), copied in %.1f s", pid, h[0], j->files,
		    j->files == 1 ? "" : "s", path, h[1], j->copy_ns / 1e9);
		return m;
	case FX_DJ_INTERRUPTED:
		say(m, len, "pid %d: %s: the dump stopped early, the target was "
		    "let go; '%s' lists what was captured", pid,
		    stop == SIGALRM ? "--max-pause reached" : strsignal(stop),
		    path);
		return m;
	case FX_DJ_GONE:
		say(m, len, "pid %d %s during the dump; '%s' holds what was "
		    "copied before", pid, j->execed ? "ran execve (the old "
		    "program's memory is gone; none of the new one's was "
		    "taken)" : "exited", path);
		return m;
	case FX_DJ_WRITE_FAILED:
		say(m, len, "cannot write '%s/%s': %s (the dump is removed)",
		    j->dir, j->failed, strerror(-j->err));
		return m;
	case FX_DJ_FAILED:
		if (!j->core)
			say(m, len, "cannot dump pid %d: %s", pid,
			    strerror(-j->err));
		else if (j->err == -EPERM)
			say_eperm(j, m, len);
		else
			say(m, len, "cannot write '%s': %s%s (the core is "
			    "removed)", j->core, strerror(-j->err),
			    j->err == -EINTR && stop == SIGALRM ?
				    " (--max-pause reached)" : "");
		return m;
	case FX_DJ_NO_SHA256:
		say(m, len, "cannot hash (--sha256): %s; nothing dumped (dump "
		    "without --sha256)", j->why);
		return m;
	case FX_DJ_UNMAPPED:
		say(m, len, "pid %d: %zu of the regions asked for are no longer "
		    "mapped (records older than the process's map?)", pid,
		    j->unmapped);
		return m;
	default:
		return NULL;
	}
}
