/*
 * freeze: stopping every thread of a process for a consistent copy, and
 * restoring each exactly as it was.
 *
 * Every thread is attached with PTRACE_SEIZE (no signal sent, unlike
 * PTRACE_ATTACH's SIGSTOP, which a tracer killed at the wrong moment leaves
 * pending: the target then stops for good) and stopped with
 * PTRACE_INTERRUPT. /proc/PID/task is scanned again after every thread
 * has stopped, until a pass finds no new thread (a thread may clone while
 * its INTERRUPT is on its way). Each stop is classified:
 *   - PTRACE_EVENT_STOP with SIGTRAP: our interrupt; the thread was running;
 *   - PTRACE_EVENT_STOP with a stop signal: group-stop; the process was (or
 *     just got) stopped by SIGSTOP/SIGTSTP/...;
 *   - any other stop: a signal on its way to the thread; it is held and
 *     handed back on detach, never dropped (a SIGSTOP detached with 0 would
 *     leave the target running when it should be stopped).
 * fx_freeze_thaw detaches every thread, injecting held signals. The
 * kernel then puts a thread of a group-stopped process back into
 * group-stop, and a thread whose SIGSTOP arrived during the freeze takes
 * it on resuming: a stopped target stays stopped, a running one runs.
 * If our process dies (SIGKILL) the kernel detaches every tracee the same
 * way, so no state is left behind. PTRACE_O_EXITKILL is never set.
 *
 * All ptrace calls must come from the thread that called fx_freeze (the
 * kernel ties tracees to the tracer thread); waits never block without a
 * deadline.
 */
#ifndef FX_FREEZE_H
#define FX_FREEZE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct fx_proc;

struct fx_frozen_thread {
	int tid;
	char state_before;	/* /proc state letter when first seen */
	int stopped;		/* in a ptrace-stop now */
	int group_stop;		/* the stop was a group-stop */
	int inject;		/* signal to hand back on detach, or 0 */
	int gone;		/* exited while seized */
};

struct fx_freeze {
	int pid;
	struct fx_frozen_thread *t;
	size_t n, cap;
	uint64_t t_stop;	/* when the first INTERRUPT was sent */
	uint64_t t_thaw;	/* when the last thread was let go */
	int was_stopped;	/* the process was stopped before (T) */
	unsigned int passes;	/* /proc/PID/task scans it took */
	int stuck_tid;		/* -ETIMEDOUT: a thread that did not stop */
	char stuck_state;	/* and its /proc state letter then */
};

/*
 * Stop every thread of p; wait at most timeout_ms for all to stop.
 * stop (may be NULL) aborts the wait when set by a signal handler.
 * Returns 0 with every thread stopped, or a negative errno after undoing
 * everything (its thread list freed; stuck_tid, stuck_state kept): -EPERM (already traced, e.g. by gdb, or not permitted),
 * -ESRCH (gone), -ETIMEDOUT, -EINTR (*stop set), -ENOMEM.
 */
int fx_freeze(struct fx_freeze *f, struct fx_proc *p, int timeout_ms,
	      volatile sig_atomic_t *stop);

/* What in a process a freeze would hurt or could not stop. */
struct fx_freeze_risk {
	/* Threads in epoll_wait, epoll_pwait or epoll_pwait2, which a
	 * ptrace stop ends with EINTR (ptrace(2), BUGS; never restarted):
	 * a program that takes EINTR for an error fails after a freeze. */
	int eintr, eintr_tid;
	/* Threads waiting in vfork (vfork, or clone/clone3 in state D:
	 * posix_spawn, system()) for a child to exec or exit: no ptrace stop
	 * reaches them until then (RELIABILITY T13), and once seized they
	 * would stop when it happens, whoever is still tracing. */
	int vfork, vfork_tid;
};

/* Look at p's threads for those risks (counts, one tid of each): 0 or a
 * negative errno. */
int fx_freeze_risks(struct fx_proc *p, struct fx_freeze_risk *risk);

/*
 * Let every thread go as it was (see above); safe to call twice. Returns 0
 * or the first error (a thread that vanished is not an error).
 */
int fx_freeze_thaw(struct fx_freeze *f);

/* How fx_freeze_checked freezes. */
struct fx_freeze_opts {
	int accept_eintr;	/* freeze threads in epoll_wait anyway */
	int timeout_ms;		/* for every thread to stop */
	volatile sig_atomic_t *stop;	/* aborts the wait when set */
	const char *instead;	/* the option that avoids the stop */
};

/*
 * Freeze p as dump-region's freeze mode does, refusing where it would
 * (fx_freeze_risks): threads in epoll_wait unless o->accept_eintr, a
 * thread waiting in vfork. 0 with every thread stopped; -ECANCELED
 * refused, else fx_freeze's errors, nothing left frozen; msg then holds
 * one line saying why (empty for -EINTR).
 */
int fx_freeze_checked(struct fx_freeze *f, struct fx_proc *p,
		      const struct fx_freeze_opts *o, char *msg, size_t len);

/*
 * The one line refusing to freeze pid for risk's threads in epoll_wait
 * (vfork 0) or its thread waiting in vfork (vfork 1); instead names what
 * copies without a stop ("--mode live").
 */
void fx_freeze_say_refusal(char *msg, size_t len, int pid,
			   const struct fx_freeze_risk *risk, int vfork,
			   const char *instead);

/* The pause, in one line: "pid N: stopped for X ms (K threads, running
 * before), now running again". */
void fx_freeze_say_pause(const struct fx_freeze *f, char *msg, size_t len);

/* Free f's memory (after fx_freeze_thaw). */
void fx_freeze_release(struct fx_freeze *f);

/* How long the target has been stopped, in ns (so far, or in all). */
uint64_t fx_freeze_pause_ns(const struct fx_freeze *f);

/* Stop signals, in group-stop terms. */
int fx_is_stop_signal(int sig);

#endif
