/*
 * dumpcheck: would a dump be refused? Every check dump-region makes before or
 * while it copies (ptrace access, a tracer, threads a freeze would hurt
 * or could not stop, the output's directory, free space), made ahead and
 * dumping nothing, so that a watcher (scripts/dump-on) refuses when it
 * starts instead of hours later when its threshold is crossed.
 */
#ifndef FX_DUMPCHECK_H
#define FX_DUMPCHECK_H

#include <stddef.h>
#include <stdint.h>

struct fx_selection;

/* fx_dump_check's flags: the dump that would be made. */
#define FX_CHECK_FREEZE 1	/* --mode freeze or --core: a ptrace stop */
#define FX_CHECK_EINTR 2	/* --accept-eintr: epoll_wait threads are no
				 * refusal */
#define FX_CHECK_CORE 4		/* a core: file holes are filled too */
#define FX_CHECK_DONTDUMP 8	/* --include-dontdump */
#define FX_CHECK_SHA256 16	/* --sha256: libcrypto must load */

/* One check: what was checked, refused or not, a phrase saying it. */
struct fx_check {
	int pid;		/* 0: not about one process (output, space) */
	const char *name;	/* process, access, tracer, epoll, vfork,
				 * output, space, sha256 */
	int refused;
	char text[400];		/* without the pid; sizes in human units */
};

struct fx_checks {
	struct fx_check *c;
	size_t n, cap;
	uint64_t need, avail;	/* bytes to write (every pid), free there */
};

/*
 * Check a dump of sel's regions into out (a dump directory or, with
 * FX_CHECK_CORE, a core file; NULL: a new directory in the current one),
 * with flags as above; append one fx_check per check to cs (zeroed by the
 * caller). 0 when none refuses, 1 when one does, a negative errno when
 * the checks could not be made (-ENOMEM).
 */
int fx_dump_check(struct fx_checks *cs, const struct fx_selection *sel,
		  const char *out, unsigned int flags);

/* Free cs's memory. */
void fx_checks_release(struct fx_checks *cs);

#endif
