/*
 * dumpcheck: every refusal of a dump, asked ahead (dumpcheck.h). Not
 * check.h: that name is the Check unit framework's header.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dumpcheck.h"
#include "core.h"
#include "dump.h"
#include "dumpdir.h"
#include "freeze.h"
#include "internal.h"
#include "mem.h"
#include "plan.h"
#include "proc.h"
#include "rec.h"
#include "select.h"

static int add(struct fx_checks *cs, int pid, const char *name, int refused,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add(struct fx_checks *cs, int pid, const char *name, int refused,
	       const char *fmt, ...)
{
	struct fx_check *c;
	va_list ap;

	if (FX_GROW(cs->c, cs->n + 1, cs->cap, 8))
		return -ENOMEM;
	c = &cs->c[cs->n++];
	c->pid = pid;
	c->name = name;
	c->refused = refused;
	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	return 0;
}

#define S(n) ((n) > 1 ? "s" : "")

/* What a freeze of p would meet: a tracer, epoll_wait, vfork. */
static int freeze_checks(struct fx_checks *cs, struct fx_proc *p,
			 unsigned int flags)
{
	struct fx_freeze_risk k = { 0, 0, 0, 0 };
	int t = fx_proc_tracer(p), r;

	if (t > 0)
		r = add(cs, p->pid, "tracer", 1, "it is traced by pid %d "
			"already (a debugger or strace: detach it, or copy "
			"live, without a stop)", t);
	else
		r = add(cs, p->pid, "tracer", 0, "not traced");
	if (r)
		return r;
	fx_freeze_risks(p, &k);	/* unreadable: no risk known */
	/* RELIABILITY T9: a stop ends epoll_wait with EINTR. */
	if (k.eintr && !(flags & FX_CHECK_EINTR))
		r = add(cs, p->pid, "epoll", 1, "%d thread%s (thread %d...) "
			"wait%s in epoll_wait, which a ptrace stop ends with "
			"EINTR (ptrace(2), BUGS): a program that takes that "
			"for an error would fail; --accept-eintr to freeze "
			"anyway, or copy live (no stop)", k.eintr, S(k.eintr),
			k.eintr_tid, k.eintr > 1 ? "" : "s");
	else if (k.eintr)
		r = add(cs, p->pid, "epoll", 0, "%d thread%s in epoll_wait "
			"will get EINTR (--accept-eintr)", k.eintr,
			S(k.eintr));
	else
		r = add(cs, p->pid, "epoll", 0, "no thread in epoll_wait");
	if (r)
		return r;
	/* RELIABILITY T13: a vfork parent cannot be stopped. */
	if (k.vfork)
		return add(cs, p->pid, "vfork", 1, "thread %d waits in vfork "
			   "for its child to exec or exit (state D): no "
			   "ptrace stop reaches it until then; try again, or "
			   "copy live (no stop)", k.vfork_tid);
	return add(cs, p->pid, "vfork", 0, "no thread waiting in vfork");
}

/* One process: open, access, freeze risks, plan; *need grows. */
static int pid_checks(struct fx_checks *cs, const struct fx_selection *sel,
		      int pid, unsigned int flags)
{
	struct fx_dumpplan pl;
	struct fx_proc p;
	char h[16];
	int r, fd;

	r = fx_proc_open_pinned(&p, pid, fx_selection_pin(sel, pid));
	if (r)
		return add(cs, pid, "process", 1, "%s",
			   r == -ESRCH ? "no such process" :
			   r == -ESTALE ? "it is not the process meant (that "
					  "one exited; its pid was reused)" :
					  strerror(-r));
	fd = fx_mem_openat(&p, "mem");
	if (fd >= 0) {
		close(fd);
		r = add(cs, pid, "access", 0, "its memory is readable "
			"(ptrace access)");
	} else {
		r = add(cs, pid, "access", 1, "cannot read its memory: %s%s",
			strerror(-fd), fd == -EACCES || fd == -EPERM ?
			" (ptrace access: run as its owner or root, check "
			"Yama's kernel.yama.ptrace_scope)" : "");
	}
	if (!r && fd >= 0 && (flags & FX_CHECK_FREEZE))
		r = freeze_checks(cs, &p, flags);
	memset(&pl, 0, sizeof(pl));
	if (!r && fd >= 0) {
		int e = fx_dumpplan_make(&pl, &p, sel,
					 !!(flags & FX_CHECK_DONTDUMP));

		if (!e && (flags & FX_CHECK_CORE))
			fx_core_plan(&pl);
		if (e) {
			r = add(cs, pid, "process", 1, "cannot read its map: "
				"%s", strerror(-e));
		} else {
			cs->need += fx_dumpplan_need(&pl);
			fx_human_size(pl.present + pl.fill, h, sizeof(h));
			r = add(cs, pid, "plan", 0, "%zu region%s, %s to copy",
				pl.n, S(pl.n), h);
		}
	}
	fx_dumpplan_release(&pl);
	fx_proc_release(&p);
	return r;
}

/* Where the output goes: the directory's rule, the name, free space. */
static int out_checks(struct fx_checks *cs, const char *out)
{
	const char *why, *shown = out ? out : ".";
	char base[256], need[16], avail[16];
	struct statvfs sv;
	struct stat st;
	int fd, r;

	fd = fx_dump_parent(out ? out : "new", base, sizeof(base), &why);
	if (fd < 0)
		return add(cs, 0, "output", 1, "'%s' cannot be made: %s", shown,
			   why ? why : strerror(-fd));
	if (out && !fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW))
		r = add(cs, 0, "output", 1, "'%s' exists (never written "
			"over: pick a new name)", out);
	else
		r = add(cs, 0, "output", 0, "'%s' can be created there",
			shown);
	if (!r && !fstatvfs(fd, &sv)) {
		cs->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		fx_human_size(cs->need, need, sizeof(need));
		fx_human_size(cs->avail, avail, sizeof(avail));
		r = add(cs, 0, "space", cs->need > cs->avail, "%s to write, "
			"%s free for '%s'%s", need, avail, shown,
			cs->need > cs->avail ? " (free space, or pick another "
					       "place)" : "");
	}
	close(fd);
	return r;
}

int fx_dump_check(struct fx_checks *cs, const struct fx_selection *sel,
		  const char *out, unsigned int flags)
{
	size_t i;
	int r = 0;

	for (i = 0; i < sel->npids && !r; i++)
		r = pid_checks(cs, sel, (int)sel->pid[i], flags);
	if (!r)
		r = out_checks(cs, out);
	/* libcrypto is opened on demand (lazylib.h): the dump would load
	 * it for --sha256 and refuse where it cannot. */
	if (!r && (flags & FX_CHECK_SHA256)) {
		const char *why;

		if (fx_dump_hash_load(&why))
			r = add(cs, 0, "sha256", 1, "%s (dump without "
				"--sha256)", why);
		else
			r = add(cs, 0, "sha256", 0, "libcrypto is loaded");
	}
	if (r)
		return r;
	for (i = 0; i < cs->n; i++)
		if (cs->c[i].refused)
			return 1;
	return 0;
}

void fx_checks_release(struct fx_checks *cs)
{
	free(cs->c);
	cs->c = NULL;
	cs->n = cs->cap = 0;
}
