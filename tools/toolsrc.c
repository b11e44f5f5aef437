/*
 * toolsrc: opening a live process, a dump directory or a core as one
 * memory source, for the tools that read memory (classify). Apart from
 * tool.c so that the tools that do not (memmap, rank, snapdiff...) link
 * none of the readers and their libraries (libdw, capstone...): build/
 * libtool.a gives each tool only the objects it calls.
 */
#include <errno.h>
#include <string.h>

#include "memsrc.h"
#include "proc.h"
#include "tool.h"

int tool_memsrc_open(struct fx_memsrc *ms, struct fx_proc *p, const char *arg,
		     int msflags)
{
	unsigned long long start;
	int r, pid;

	if (fx_pid_parse(arg, &pid, &start) == 0) {
		if (tool_proc_open(p, pid, start))
			return 2;
		r = fx_memsrc_open_live(ms, p, msflags);
		if (r) {
			tool_warn("cannot read process %d: %s%s", pid,
				  strerror(-r), r == -EACCES || r == -EPERM ?
				  " (run as the process owner or root)" : "");
			fx_memsrc_release(ms);
			fx_proc_release(p);
			return 2;
		}
		return 0;
	}
	p->dirfd = -1;
	r = fx_memsrc_open_path(ms, arg);
	if (r) {
		tool_warn("%s", ms->err.msg[0] ? ms->err.msg : strerror(-r));
		fx_memsrc_release(ms);
		return 2;
	}
	return 0;
}
