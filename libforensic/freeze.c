/*
 * freeze: PTRACE_SEIZE + PTRACE_INTERRUPT on every thread (see freeze.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "freeze.h"
#include "internal.h"
#include "proc.h"
#include "threads.h"

/* A thread bomb (threads that spawn threads) gets this many passes. */
#define FX_FREEZE_PASSES 64

int fx_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

uint64_t fx_freeze_pause_ns(const struct fx_freeze *f)
{
	if (!f->t_stop)
		return 0;
	return (f->t_thaw ? f->t_thaw : fx_now_ns()) - f->t_stop;
}

static struct fx_frozen_thread *find(struct fx_freeze *f, int tid)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->t[i].tid == tid)
			return &f->t[i];
	return NULL;
}

/* The thread ids in /proc/PID/task, into *tids (malloc'd). */
static int list_tasks(struct fx_proc *p, int **tids, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;
	int *t = NULL, r;
	DIR *dir;

	*n = 0;
	dir = fx_proc_tasks(p, &r);
	if (!dir)
		return r;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (FX_GROW(t, *n, cap, 64)) {
			free(t);
			closedir(dir);
			return -ENOMEM;
		}
		t[(*n)++] = atoi(de->d_name);
	}
	closedir(dir);
	*tids = t;
	return 0;
}

/* Take one wait status for a seized thread. */
static void on_status(struct fx_frozen_thread *t, int st)
{
	int event = st >> 16, sig;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		t->gone = 1;
		t->stopped = 0;
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	sig = WSTOPSIG(st);
	t->stopped = 1;
	if (event == PTRACE_EVENT_STOP) {
		t->group_stop = fx_is_stop_signal(sig);
	} else if (event == 0) {
		/* Signal-delivery-stop: hold the signal, give it back. */
		t->inject = sig;
	}
}

/* Wait until every seized thread is stopped or gone (or only thread
 * `only` when it is not 0), polling with a deadline. */
static int wait_stops(struct fx_freeze *f, int only, uint64_t deadline,
		      volatile sig_atomic_t *stop)
{
	struct timespec nap = { 0, 20000 };
	struct fx_frozen_thread *t;
	size_t i, waiting;
	int st, pid;

	for (;;) {
		waiting = 0;
		for (i = 0; i < f->n; i++)
			if (!f->t[i].stopped && !f->t[i].gone &&
			    (!only || f->t[i].tid == only))
				waiting++;
		if (!waiting)
			return 0;
		pid = waitpid(-1, &st, __WALL | WNOHANG);
		if (pid > 0) {
			t = find(f, pid);
			if (t)
				on_status(t, st);
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0 && errno == ECHILD) {
			/* Nothing left to wait for: all gone. */
			for (i = 0; i < f->n; i++)
				if (!f->t[i].stopped)
					f->t[i].gone = 1;
			return 0;
		}
		if (stop && *stop)
			return -EINTR;
		if (fx_now_ns() > deadline)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 1000000)
			nap.tv_nsec *= 2;
	}
}

/*
 * Room for one more thread in f, made before it is seized: a thread
 * seized but not in the list would never be let go (fx_freeze_thaw
 * detaches only the threads it knows). 0 or -ENOMEM.
 */
static int room(struct fx_freeze *f)
{
	return FX_GROW(f->t, f->n, f->cap, 64);
}

/* Add a thread just seized (after room(): cannot fail). */
static void add_thread(struct fx_freeze *f, int tid, char state)
{
	memset(&f->t[f->n], 0, sizeof(f->t[f->n]));
	f->t[f->n].tid = tid;
	f->t[f->n].state_before = state;
	f->n++;
}

/*
 * PTRACE_SEIZE tid. A thread that is exiting refuses with EPERM, the
 * same answer as a real refusal: once a sibling was seized (same
 * credentials, same mm), an EPERM that lasts while the thread goes away
 * is an exit, reported as ESRCH. 0 or -1 with errno set.
 */
static int seize(struct fx_proc *p, int tid, int seized_any)
{
	struct timespec nap = { 0, 200000 };
	char st;
	int i;

	for (i = 0; i < 20; i++) {
		if (ptrace(PTRACE_SEIZE, tid, 0, 0) == 0)
			return 0;
		if (errno != EPERM || !seized_any)
			return -1;
		nanosleep(&nap, NULL);
	}
	/* Still refused after 4 ms: gone, or a zombie awaiting reap? */
	st = fx_proc_task_state(p, tid);
	errno = !st || st == 'Z' || st == 'X' ? ESRCH : EPERM;
	return -1;
}

/* One pass over /proc/PID/task: seize and interrupt new threads. Returns
 * how many were new, or a negative errno. */
static int seize_pass(struct fx_freeze *f, struct fx_proc *p)
{
	int *tids = NULL, added = 0, r;
	size_t n, i;
	char state;

	r = list_tasks(p, &tids, &n);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		if (find(f, tids[i]))
			continue;
		state = fx_proc_task_state(p, tids[i]);
		if (!state || state == 'Z' || state == 'X')
			continue;	/* exited, or a zombie leader */
		r = room(f);
		if (r)
			break;	/* nothing seized that is not listed */
		if (seize(p, tids[i], f->n > 0) < 0) {
			if (errno == ESRCH)
				continue;	/* raced out, or exiting */
			r = -errno;
			break;
		}
		add_thread(f, tids[i], state);
		if (!f->t_stop)
			f->t_stop = fx_now_ns();
		if (ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) < 0 &&
		    errno == ESRCH)
			f->t[f->n - 1].gone = 1;
		added++;
	}
	free(tids);
	return r ? r : added;
}

int fx_freeze(struct fx_freeze *f, struct fx_proc *p, int timeout_ms,
	      volatile sig_atomic_t *stop)
{
	uint64_t deadline = fx_now_ns() + (uint64_t)timeout_ms * 1000000u;
	size_t i, live;
	int r = 0, added;
	char state;

	memset(f, 0, sizeof(*f));
	f->pid = p->pid;
	state = fx_proc_task_state(p, p->pid);
	f->was_stopped = state == 'T';
	for (f->passes = 1;; f->passes++) {
		if (f->passes > FX_FREEZE_PASSES) {
			r = -EAGAIN;
			break;
		}
		added = seize_pass(f, p);
		if (added < 0) {
			r = added;
			break;
		}
		r = wait_stops(f, 0, deadline, stop);
		if (r)
			break;
		/* Every thread seen so far is stopped: none can clone now,
		 * so a pass that finds nobody new ends it. */
		if (!added && f->passes > 1)
			break;
	}
	for (live = 0, i = 0; i < f->n; i++)
		live += !f->t[i].gone;
	if (!r && !live)
		r = -ESRCH;
	/* Still the process that was opened (its start time, through the
	 * /proc/PID directory opened before any pid could be reused)? */
	if (!r && fx_proc_check(p))
		r = -ESRCH;
	for (i = 0; r == -ETIMEDOUT && !f->stuck_tid && i < f->n; i++) {
		if (!f->t[i].stopped && !f->t[i].gone) {
			f->stuck_tid = f->t[i].tid;
			f->stuck_state = fx_proc_task_state(p, f->t[i].tid);
		}
	}
	if (r) {
		fx_freeze_thaw(f);
		fx_freeze_release(f);	/* undone: nothing left to release */
	}
	return r;
}

int fx_freeze_thaw(struct fx_freeze *f)
{
	/* After a freeze that timed out, a thread that did not stop in
	 * all that time is not waited for again. */
	uint64_t deadline = fx_now_ns() + (f->stuck_tid ? 0 : 2000000000u);
	struct fx_frozen_thread *t;
	size_t i;
	int r = 0;

	for (i = 0; i < f->n; i++) {
		t = &f->t[i];
		if (t->gone || t->tid == 0)
			continue;
		/* Detach needs a ptrace-stop: a thread still on its way to
		 * its INTERRUPT is waited for (bounded). */
		if (!t->stopped && wait_stops(f, t->tid, deadline, NULL) &&
		    !r)
			r = -ETIMEDOUT;
		if (!t->gone &&
		    ptrace(PTRACE_DETACH, t->tid, 0, (void *)(long)t->inject) <
			    0 &&
		    errno != ESRCH && !r)
			r = -errno;
		t->tid = 0;	/* let go: never touched again */
	}
	if (f->t_stop && !f->t_thaw)
		f->t_thaw = fx_now_ns();
	return r;
}

void fx_freeze_release(struct fx_freeze *f)
{
	free(f->t);
	f->t = NULL;
	f->n = f->cap = 0;
}

/* Is nr one of the n system calls in set? */
static int nr_in(long nr, const long *set, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (nr == set[k])
			return 1;
	return 0;
}

int fx_freeze_risks(struct fx_proc *p, struct fx_freeze_risk *risk)
{
	static const long eintr[] = {
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait
		SYS_epoll_pwait,
#endif
#ifdef SYS_epoll_pwait2
		SYS_epoll_pwait2,
#else
		441,	/* epoll_pwait2 (Linux 5.11), same on every arch */
#endif
	};
	static const long spawn[] = {
#ifdef SYS_vfork
		SYS_vfork,
#endif
#ifdef SYS_clone
		SYS_clone,
#endif
#ifdef SYS_clone3
		SYS_clone3,
#else
		435,	/* clone3 (Linux 5.3), same on every arch */
#endif
	};
	struct fx_thread *t = NULL;
	size_t n = 0, i;
	int r;

	memset(risk, 0, sizeof(*risk));
	r = fx_threads_read(p, &t, &n);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		if (nr_in(t[i].nr, eintr, FX_ARRAY_SIZE(eintr))) {
			if (!risk->eintr++)
				risk->eintr_tid = t[i].tid;
		} else if (nr_in(t[i].nr, spawn, FX_ARRAY_SIZE(spawn)) &&
			   fx_proc_task_state(p, t[i].tid) == 'D') {
			if (!risk->vfork++)
				risk->vfork_tid = t[i].tid;
		}
	}
	free(t);
	return 0;
}

void fx_freeze_say_refusal(char *msg, size_t len, int pid,
			   const struct fx_freeze_risk *risk, int vfork,
			   const char *instead)
{
	int n = risk->eintr;

	if (vfork)
		snprintf(msg, len, "cannot freeze pid %d: thread %d waits in "
			 "vfork for its child to exec or exit (state D): no "
			 "ptrace stop reaches it until then; try again, or %s "
			 "(no stop)", pid, risk->vfork_tid, instead);
	else
		snprintf(msg, len, "cannot freeze pid %d: %d thread%s (thread "
			 "%d...) wait%s in epoll_wait, which a ptrace stop "
			 "ends with EINTR (ptrace(2), BUGS): a program that "
			 "takes that for an error would fail; --accept-eintr "
			 "to freeze anyway, or %s (no stop)", pid, n,
			 n > 1 ? "s" : "", risk->eintr_tid, n > 1 ? "" : "s",
			 instead);
}

int fx_freeze_checked(struct fx_freeze *f, struct fx_proc *p,
		      const struct fx_freeze_opts *o, char *msg, size_t len)
{
	struct fx_freeze_risk risk;
	int r, n, t;

	msg[0] = '\0';
	fx_freeze_risks(p, &risk);	/* unreadable: no risk known */
	n = risk.eintr;
	/* RELIABILITY T9: a stop ends epoll_wait with EINTR. */
	if (n && !o->accept_eintr) {
		fx_freeze_say_refusal(msg, len, p->pid, &risk, 0, o->instead);
		return -ECANCELED;
	}
	if (risk.vfork) {
		fx_freeze_say_refusal(msg, len, p->pid, &risk, 1, o->instead);
		return -ECANCELED;
	}
	r = fx_freeze(f, p, o->timeout_ms, o->stop);
	t = r == -EPERM ? fx_proc_tracer(p) : 0;
	if (r == -EPERM && t > 0)
		snprintf(msg, len, "cannot freeze pid %d: it is traced by pid "
			 "%d already (a debugger or strace: detach it, or use "
			 "%s)", p->pid, t, o->instead);
	else if (r == -EPERM)
		snprintf(msg, len, "cannot freeze pid %d: %s (ptrace refused: "
			 "run as its owner or root, check Yama's ptrace_scope, "
			 "or use %s)", p->pid, strerror(EPERM), o->instead);
	else if (r == -ETIMEDOUT)
		snprintf(msg, len, "cannot freeze pid %d: thread %d did not "
			 "stop within %d ms (state %c%s); the target was let "
			 "go as it was; %s does without stopping it", p->pid,
			 f->stuck_tid, o->timeout_ms,
			 f->stuck_state ? f->stuck_state : '?',
			 f->stuck_state == 'D' ? ": uninterruptible sleep, as "
						 "a vfork parent waiting for "
						 "its child" : "", o->instead);
	else if (r && r != -EINTR)
		snprintf(msg, len, "cannot freeze pid %d: %s", p->pid,
			 strerror(-r));
	return r;
}

void fx_freeze_say_pause(const struct fx_freeze *f, char *msg, size_t len)
{
	const char *ran = f->was_stopped ? "stopped" : "running";

	snprintf(msg, len, "pid %d: stopped for %.1f ms (%zu threads, %s "
		 "before), now %s again", f->pid, fx_freeze_pause_ns(f) / 1e6,
		 f->n, ran, ran);
}
