/*
 * threads: the tasks of a process and where their stacks are, read from
 * /proc alone, without stopping them.
 *
 * /proc/PID/task/TID/syscall (Linux 2.6.27+, needs ptrace-attach access)
 * holds, for a thread blocked in a system call,
 *   "NR ARG1 ARG2 ARG3 ARG4 ARG5 ARG6 SP PC"
 * (NR decimal, the rest 0x-hex), for a thread blocked outside one
 *   "-1 SP PC"
 * and for a thread on a CPU just "running": its stack pointer is then not
 * known. The kernel reads these from the saved user registers of the
 * sleeping task, so reading them does not disturb it.
 * /proc/PID/task/TID/stat field 29 (kstkesp) used to give the same; since
 * Linux 4.9 it reads 0 except for a task being core-dumped, so it is only
 * a fallback.
 */
#ifndef FX_THREADS_H
#define FX_THREADS_H

#include <stddef.h>
#include <stdint.h>

struct fx_proc;

struct fx_thread {
	int tid;
	char comm[64];		/* raw bytes of comm, NUL-terminated */
	uint64_t sp;		/* stack pointer, when have_sp */
	int have_sp;
	int running;		/* "running": on a CPU when read */
	long nr;		/* system call it is blocked in, or -1 */
	int nstid;		/* tid in the process's own pid namespace (a
				 * container's); tid when that is ours */
	uint64_t regs[17];	/* x86-64 DWARF registers 0..16 (stack.h),
				 * when have_regs: a core's NT_PRSTATUS, a
				 * freeze's PTRACE_GETREGS */
	int have_regs;
};

/*
 * Parse the text of /proc/PID/task/TID/syscall. 0 with *sp set, and *nr
 * the system call the thread is blocked in (-1: blocked outside one),
 * -EAGAIN for "running" (no stack pointer to be had), -EBADMSG otherwise.
 */
int fx_syscall_parse(const char *buf, size_t len, long *nr, uint64_t *sp);

/* fx_syscall_parse without the system call number. */
int fx_syscall_sp_parse(const char *buf, size_t len, uint64_t *sp);

/*
 * Parse the text of /proc/PID/task/TID/stat: comm (between the first '('
 * and the last ')', copied NUL-terminated into comm, truncated to
 * commlen - 1) and field 29, kstkesp. 0 or -EBADMSG.
 */
int fx_task_stat_parse(const char *buf, size_t len, char *comm,
		       size_t commlen, uint64_t *kstkesp);

/*
 * List the tasks of p with their stack pointers. *out is allocated (free
 * it with free()), *n set. A thread found running is read again a few
 * times (no sleep) in case it blocks; one that exits meanwhile is left
 * out. Returns 0, -ESRCH (process gone), -ENOMEM or another negative
 * errno.
 */
int fx_threads_read(struct fx_proc *p, struct fx_thread **out, size_t *n);

struct fx_buf;

/*
 * Append the threads of p as process.json's member (dumpdir.h), so that
 * a dump directory keeps them: `,"threads":[{"tid":N,"sp":"0x..."|null,
 * "comm":"..."[,"regs":["0x...",...]]}...]` (sp null: the thread was
 * running; comm as fx_json_bytes writes it; regs, the 17 DWARF registers
 * of stack.h, for a thread whose tid has registers in regs[0..nregs):
 * its sp is then theirs, the capture's instant).
 * Nothing is appended when the threads cannot be read. 0 or -ENOMEM.
 */
int fx_threads_json(struct fx_buf *out, struct fx_proc *p,
		    const struct fx_thread *regs, size_t nregs);

/*
 * The threads member of a process.json text (buf, len), as
 * fx_threads_json writes it: *out allocated (free()), *n set; comm a
 * JSON string's ASCII bytes ('?' for others), "-" for a non-string;
 * regs and have_regs from a "regs" array.
 * 0, -ENOENT (no threads member), -EBADMSG (one that is malformed), or
 * -ENOMEM.
 */
int fx_threads_json_parse(const char *buf, size_t len, struct fx_thread **out,
			  size_t *n);

#endif
