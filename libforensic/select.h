/*
 * select: which ranges of which processes a command should work on, from
 * region records (any stream with pid, start and end columns) or from a
 * PID and selectors on the command line. Every other column of a record is
 * kept, still escaped, so that it can be passed through unchanged.
 */
#ifndef FX_SELECT_H
#define FX_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fx_sel {
	long pid;
	uint64_t start, end;
	char **f;		/* fields in fx_selection.cols order, owned */
};

struct fx_strtab;

struct fx_selection {
	char **cols;		/* input columns, less file/sha256/holes;
				 * starttime added before name when the
				 * input lacks it ("-": filled by
				 * dump-region) */
	size_t ncols;
	struct fx_sel *s;
	size_t n, cap;
	long *pid;		/* distinct pids, in order of appearance */
	size_t npids, pidcap;
	unsigned long long pin;	/* PID@STARTTIME given: the start time of
				 * the process meant (fx_proc_open_pinned) */
	struct fx_strtab *pidtab; /* private: pid -> index in pid */
	struct fx_err err;	/* why the last call failed */
	/* fx_selection_args: the smaps text it read, for a plan to reuse
	 * (one page-table walk of the target instead of two) */
	struct fx_buf smaps;
	long smaps_pid;		/* its process, 0: none */
};

void fx_selection_init(struct fx_selection *sel);
void fx_selection_release(struct fx_selection *sel);

/*
 * Read region records from fd (headerless input in the canonical region
 * columns). Columns are those of the first header; file, sha256 and holes
 * are dropped (they are recomputed). 0, -EBADMSG (err says which line),
 * -EINVAL (no pid/start/end column), or a negative errno.
 */
int fx_selection_read(struct fx_selection *sel, int fd);

/*
 * argv[0] is a PID; each further argument selects regions of its live
 * map: "0x..." the region holding that address, "START-END" (hex) exactly
 * that range (clipped to each region it overlaps), anything else a name:
 * the regions whose name is that, or whose path ends in "/" that. No
 * selector: every region. 0, -EINVAL (bad pid), -ENOENT (a selector
 * matched nothing; err says which), or an errno of reading the process.
 */
int fx_selection_args(struct fx_selection *sel, int argc, char **argv);

/*
 * The start time process pid must have: PID@STARTTIME's (sel->pin), else
 * the `starttime` of the first record of pid, else 0 (any).
 */
unsigned long long fx_selection_pin(const struct fx_selection *sel, long pid);

/* Index of column name in sel->cols, or -1. */
int fx_selection_col(const struct fx_selection *sel, const char *name);

#endif
