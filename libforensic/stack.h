/*
 * stack: the call stack of each thread, unwound by libdwfl over our own
 * memory source and the registers we captured.
 *
 * libdwfl (elfutils) does the work eu-stack does: CFI from .eh_frame and
 * .debug_frame, x86-64's frame-pointer fallback, symbols from .symtab,
 * .dynsym, .gnu_debugdata (MiniDebugInfo) and the build-id debug files
 * under /usr/lib/debug. It is driven through Dwfl_Thread_Callbacks: the
 * memory it reads is read through the caller's fx_heap_src (a live
 * process's pages, a dump directory, a core), the first frame's
 * registers are the thread's captured ones (fx_thread.regs), and the
 * modules are the ELF files of the caller's map, read through its
 * fx_file_fn (the very file that was mapped, or nothing) and [vdso] from
 * memory. libdwfl never attaches, never opens /proc, never asks the
 * network (DEBUGINFOD_URLS is unset; debug files only by build-id under
 * /usr/lib/debug, never by a name the target's file gives).
 *
 * A stack reads innermost frame first, ';'-separated; a frame is the
 * function's name (demangled) or, where the module has no symbol there,
 * module+0xOFFSET (module: the file's base name; OFFSET the address in
 * the file's own terms, as addr2line -e takes it), or 0xADDR outside every
 * module. An unwind that stops on an error ends with one bracketed
 * reason, never a made-up frame: "[stack unreadable at 0xADDR: not
 * captured]" (or swapped out, the process exited), "[unwind stopped:
 * REASON]" (libdwfl's, or "a frame repeats": the same pc and stack
 * pointer twice), "[more than N frames]".
 */
#ifndef FX_STACK_H
#define FX_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "jvm.h"

struct fx_buf;
struct fx_maps;
struct fx_heap_src;
struct fx_thread;
struct fx_proc;
struct fx_freeze_opts;

/* Frames at most per thread. */
#define FX_STACK_MAX_FRAMES 128

/*
 * x86-64's DWARF registers 0..16 (rax rdx rcx rbx rsi rdi rbp rsp r8..r15
 * rip) into dwarf, from the 27 words of a struct user_regs_struct
 * (PTRACE_GETREGS, NT_PRSTATUS's pr_reg).
 */
void fx_regs_from_user(const uint64_t *user, uint64_t *dwarf);

struct fx_unwinder;

/*
 * An unwinder over the process whose map is m, memory mem and mapped
 * files file (fctx; may be NULL: no file is read, frames then stop at the
 * first module without its bytes), all borrowed for its life. *u NULL on
 * failure. 0, -ENOMEM, or -EIO (libdwfl failed; msg, when not NULL and
 * len, says why).
 */
int fx_unwinder_new(struct fx_unwinder **u, const struct fx_maps *m,
		    struct fx_heap_src *mem, fx_file_fn file, void *fctx,
		    char *msg, size_t len);

/*
 * Append thread t's stack (above) to out, or "-" when t has no registers
 * (t->have_regs 0). 0 or -ENOMEM.
 */
int fx_unwind(struct fx_unwinder *u, const struct fx_thread *t,
	      struct fx_buf *out);

/* Free u and every file image it read (NULL: nothing). */
void fx_unwinder_free(struct fx_unwinder *u);

struct fx_freeze;

/*
 * The registers of every thread f holds stopped (PTRACE_GETREGS; the
 * caller is the tracer thread): *out allocated (free()), one fx_thread
 * per thread read (tid, regs, sp), *n set. 0 or -ENOMEM.
 */
int fx_stack_regs_read(const struct fx_freeze *f, struct fx_thread **out,
		       size_t *n);

/*
 * Keep the stack of a stopped thread whose stack pointer is sp, as it is
 * now: from the red zone below sp up to 64 KiB (within sp's region, up
 * to the first page that cannot be read), read through u's memory; u's
 * unwinds then read those bytes from the copy. 0 or -ENOMEM.
 */
int fx_unwinder_keep(struct fx_unwinder *u, uint64_t sp);

/*
 * The registers of the live process p's threads t[0..n) (matched by tid),
 * read while every thread is stopped (fx_freeze_checked with o), the stop
 * as short as the reads: freeze, PTRACE_GETREGS each, thaw. A thread gone
 * or born meanwhile has none. With u (may be NULL), a thread that was
 * running when the freeze began has its stack kept (fx_unwinder_keep):
 * it moves on once let go, a thread blocked in a call does not. msg
 * gets the pause's line
 * (fx_freeze_say_pause), or why the freeze was refused. 0, the freeze's
 * negative errno, -EIO (a thread not let go cleanly: said), -ENOMEM.
 */
int fx_stack_regs_frozen(struct fx_thread *t, size_t n, struct fx_proc *p,
			 const struct fx_freeze_opts *o,
			 struct fx_unwinder *u, char *msg, size_t len);

#endif
