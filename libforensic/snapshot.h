/*
 * snapshot: a copy-on-write image of a frozen process, made by the
 * process itself: one of its threads is made to run clone() (no CLONE_VM,
 * exit signal 0) through a `syscall` instruction already in its text, and
 * its registers are restored exactly afterwards. The child, a single
 * thread holding the whole address space as it was at that instant, is
 * auto-attached to us stopped (PTRACE_O_TRACECLONE on the hijacked thread
 * only) and held: PTRACE_O_EXITKILL is set on it (never on the target)
 * the moment it appears, and it is never resumed, so it never runs an
 * instruction of the service. Later it is killed, and reaped inside the
 * target by a second injected system call, wait4(child, NULL, __WALL |
 * WNOHANG, NULL), under a second short freeze: no zombie is left and the
 * target gets no SIGCHLD (exit signal 0).
 *
 * This is the one file of the toolkit that sets another process's
 * registers and signal mask or injects system calls (RELIABILITY.md D4,
 * security rule 9; tests/e2e/t0110 enforces it). Memory is never written.
 *
 * How one system call is injected into a thread T of a freeze (all of its
 * threads in a ptrace-stop), x86-64 only:
 *  1. save T's registers and signal mask; block every signal in T
 *     (PTRACE_SETSIGMASK, as CRIU's compel does: no handler can run and no
 *     signal can make clone return -ERESTARTNOINTR meanwhile);
 *  2. set T's registers: rip at the syscall instruction, rax the number,
 *     the arguments, orig_rax -1 (the stop T is in happened inside
 *     get_signal(): with orig_rax >= 0 and rax -ERESTART* the kernel would
 *     "restart" into our registers);
 *  3. PTRACE_SYSCALL to the syscall-exit stop (through the clone event);
 *     for clone, the child is held (its first stop waited for, exit-kill
 *     set) only after step 4's restore, so that a slow child does not
 *     lengthen the registers' window;
 *  4. restore T's registers and mask, then PTRACE_INTERRUPT and
 *     PTRACE_CONT: T stops again in get_signal() (a PTRACE_EVENT_STOP, the
 *     kind of stop freeze made) before any user instruction runs, so when
 *     it is let go the kernel's own restart logic sees the registers T had
 *     (an interrupted read(), nanosleep() or futex() restarts exactly as
 *     after freeze mode's stop; restoring at the syscall-exit stop instead
 *     would return -ERESTARTSYS to the program).
 *
 * Two windows cannot be closed from outside, and are measured: while T's
 * registers are borrowed (steps 2-4: our death resumes T at the syscall
 * instruction with our arguments), and from the clone to our hold on the
 * child (our death then detaches the child, which would run). During both
 * our own oom_score_adj is -1000 (off the OOM killer's list), back to what
 * it was after.
 */
#ifndef FX_SNAPSHOT_H
#define FX_SNAPSHOT_H

#include <stdint.h>

struct fx_freeze;
struct fx_proc;
struct fx_maps;

struct fx_snapshot {
	int pid;		/* the target */
	int tid;		/* the thread whose registers were borrowed */
	int child;		/* the held copy (traced, stopped), or 0 */
	uint64_t site;		/* the syscall instruction used */
	char site_name[256];	/* its mapping: "[vdso]" or a file name */
	/* The windows, in ns: registers borrowed (the clone's and the
	 * reap's, each; the clone's includes the kernel's fork, clone_ns),
	 * and clone to hold (the clone event, right after the child is
	 * made, to EXITKILL set on it). */
	uint64_t regs_ns, hold_ns, reap_regs_ns, clone_ns;
	uint64_t fork_ns;	/* the whole injection of the clone */
	uint64_t reap_pause_ns;	/* the reap's freeze: the second stop */
	int reaped;		/* the child is gone and reaped */
	int oom_refused;	/* oom_score_adj -1000 refused in a window */
	int guard_fd, guard_pid;	/* the guardian (fx_snapshot_guard);
					 * guard_pid 0: none */
};

/*
 * Before the freeze: start the guardian, a small process of ours that
 * outlives us. If we die (SIGKILL, the OOM killer, a crash) while a
 * child is held, the kernel kills the child (exit-kill) and it becomes a
 * zombie of the target: the guardian then freezes the target, reaps the
 * zombie there with the same injected wait4 and lets the target go.
 * It learns the child's pid the moment the child is held, and is told
 * when all is over (fx_snapshot_unguard). It ignores the terminal's
 * signals (Ctrl-C, hangup); its stdin, stdout and stderr are /dev/null.
 * s is initialised here (call this first). 0 or a negative errno (no
 * guardian: the caller may go on without one).
 */
int fx_snapshot_guard(struct fx_snapshot *s, struct fx_proc *p);

/*
 * Before the freeze (after fx_snapshot_guard): find the syscall
 * instruction the injections will use, outside the stop (a read of the
 * maps, and of the vDSO). Under the freeze it is only checked (two
 * bytes), and looked for again when it no longer holds. Optional. 0, or
 * a negative errno (none found: the fork looks again, and says why).
 */
int fx_snapshot_site(struct fx_snapshot *s, struct fx_proc *p);

/* All is over: tell the guardian to go, and wait for it (bounded). */
void fx_snapshot_unguard(struct fx_snapshot *s);

/*
 * What a snapshot may cost in memory: a page the target writes while its
 * copy is held is copied, so at most its writable private resident bytes
 * (the Rss of its rw-p regions in m, its smaps).
 */
uint64_t fx_snapshot_cow_bytes(const struct fx_maps *m);

/*
 * Memory free for those copies: MemAvailable (/proc/meminfo), or less
 * when a memory cgroup of p (v2 memory.max, v1 memory.limit_in_bytes, at
 * its level or above) has less room under its limit. 0: unknown.
 */
uint64_t fx_snapshot_mem_free(struct fx_proc *p);

/*
 * Under freeze f (every thread of p stopped; s zeroed, or set by
 * fx_snapshot_guard): refuse what a clone would hurt, then inject clone into one thread and hold the child (see above).
 * 0 with s->child held, or a negative errno with the target as it was
 * and no child: -ENOSYS (not x86-64, or a 32-bit target), -EPERM (a
 * seccomp filter or strict mode in the thread: a clone it forbids could
 * kill the target), -ENOENT (no syscall instruction found), -EAGAIN (no
 * thread in a plain stop, or clone failed with a transient error),
 * -ENOMEM (clone's), -ESRCH (the target went), -ETIMEDOUT.
 */
int fx_snapshot_fork(struct fx_snapshot *s, struct fx_freeze *f,
		     struct fx_proc *p);

/*
 * Kill the held child and reap it inside the target: p is frozen again
 * for the injected wait4 and let go. Safe to call twice or without a
 * child. 0, or a negative errno (the child killed but its zombie left to
 * the target: -ESRCH when the target went meanwhile).
 */
int fx_snapshot_reap(struct fx_snapshot *s, struct fx_proc *p);

/*
 * Kill the held child, without the reap (our last resort on a path that
 * cannot freeze again): the child is a zombie of the target until it
 * exits. Safe without a child.
 */
void fx_snapshot_kill(struct fx_snapshot *s);

/*
 * The copy is done with the child: send it SIGKILL now, and wait for
 * nothing. Its exit tears down the page tables of the whole address
 * space (tens of ms per GiB) on another CPU while the caller finishes
 * its output; fx_snapshot_reap then collects it and reaps it in the
 * target. A SIGKILLed process never returns to user space: the child
 * still runs no instruction. Until the reap, our death leaves its zombie
 * to the guardian, as during the reap. Safe to call twice or without a
 * child.
 */
void fx_snapshot_drop(struct fx_snapshot *s);

#endif
