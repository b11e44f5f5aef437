/*
 * diff: what changed between two captures of one record kind. The engine
 * behind `snapdiff`.
 *
 * Both captures are read through fx_reader (rec.h). The kind of record is
 * told from the header, and gives the key that matches a record of the
 * old capture with one of the new, and the value compared by default
 * (schema.c holds them):
 *
 *   kind     made by                  key                    default value
 *   region   memmap, classify         pid start              rss
 *   chunk    classify --chunks        pid arena size type    inuse
 *   top      scan --top               enc text               count
 *   thread   classify --threads       pid tid                stack_rss
 *   summary  classify --summary       pid class category     rss
 *   object   classify --objects       pid class              bytes
 *   holders  classify --holders       pid depth class        count
 *
 * A region that is not matched by pid and start is matched by pid and end
 * (a stack grows down: its start moves); a matched region whose bounds
 * moved counts as grown or shrunk even when the value did not change.
 * Records with the same key in one capture (or, with a group column, the
 * same value of it) are summed, so splits and merges still add up.
 *
 * The delta record written (DESIGN.md):
 *
 *   delta<TAB>old<TAB>new<TAB>status<TAB>key and context columns...<LF>
 *
 * delta is the size of the change |new - old|, a decimal number (records
 * begin with a number that fx_reader accepts: no sign); its direction is
 * status: new (only in the new capture), gone (only in the old), grown,
 * shrunk, same. old and new are "-" for a side without the record, or
 * where the value was "-". Then the kind's columns, its free-text column
 * last: region `pid start end [class] name` (end from the newer side;
 * class when a capture has it), chunk `pid arena size type`, top `enc
 * text`, thread `pid tid comm`, summary `pid class [category]`, object
 * `pid class`, holders `pid depth class`; with a group column,
 * that column alone. Records come biggest growth first (new - old,
 * largest first), ties by key. In a terminal table the delta carries its
 * sign, sizes are human, counts grouped by thousands, and a last row with
 * status `total` sums the records shown.
 */
#ifndef FX_DIFF_H
#define FX_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "schema.h"

struct fx_writer;


enum fx_delta_status {
	FX_DELTA_NEW,
	FX_DELTA_GROWN,
	FX_DELTA_SAME,
	FX_DELTA_SHRUNK,
	FX_DELTA_GONE,
	FX_DELTA_NSTATUS
};

/* Which captures hold the record. */
enum fx_diff_side { FX_DIFF_OLD, FX_DIFF_NEW };

struct fx_diff_ent;
struct fx_strtab;

#define FX_DIFF_PIDS 16

/* What fx_diff_write shows, and what it counted (all matched keys). */
struct fx_diff_show {
	uint64_t min_delta;	/* leave out records with |delta| below */
	int same;		/* also show records whose status is same */
	size_t limit;		/* at most this many records; 0: all */
	/* Filled by fx_diff_write: records per status, over every key. */
	size_t count[FX_DELTA_NSTATUS];
	size_t shown;
};

struct fx_diff {
	char *by;		/* compared column; NULL before the first
				 * header: the kind's default */
	char *group;		/* group column, or NULL */
	enum fx_rec_kind kind;	/* FX_REC_UNKNOWN before a header */
	int has_class;		/* a region capture has `class`, a summary
				 * `category` */
	struct fx_diff_ent *e;
	size_t n, cap;
	struct fx_strtab *keys;	/* key -> index into e */
	struct fx_buf key;	/* scratch */
	/* Columns of the current header (private). */
	int col[8];
	int by_idx, group_idx, end_idx, start_idx, pid_idx, st_idx;
	/* The pids each capture holds (the first FX_DIFF_PIDS, sorted);
	 * pids_more: more than that. starts: each one's start time (the
	 * first record's `starttime`), 0 unknown. */
	long pids[2][FX_DIFF_PIDS];
	unsigned long long starts[2][FX_DIFF_PIDS];
	size_t npids[2];
	int pids_more[2];
};

/* The name of a kind ("region", "chunk histogram", ...). */
const char *fx_diff_kind_name(enum fx_rec_kind k);

/*
 * The kind of records a header of n column names holds, or
 * FX_REC_UNKNOWN (a kind the schema knows but snapdiff does not compare
 * is unknown here).
 */
enum fx_rec_kind fx_diff_kind_of(char *const *hdr, size_t n);

/*
 * Set up a comparison of column by (NULL: the kind's default) with an
 * optional group column (both copied). 0 or -ENOMEM.
 */
int fx_diff_init(struct fx_diff *d, const char *by, const char *group);

/*
 * Read one capture from fd to its end as side `side` (read OLD first).
 * Returns 0, or a negative errno with err set to a one-line reason:
 * -EBADMSG a malformed or truncated line (err->line is its number);
 * -EDOM a value of the compared column that is not a number; -EINVAL
 * records of a kind snapdiff does not compare, a capture that mixes
 * kinds, or a new capture of another kind than the old; -ENOENT the compared or group
 * column is missing; -ENODATA no header and no record; -ENOMEM; or the
 * read error.
 */
int fx_diff_load(struct fx_diff *d, enum fx_diff_side side, int fd,
		 struct fx_err *err);

/*
 * Write the delta records to w (sets its columns), biggest growth first,
 * filtered by show, and fill show's counts. The table format gets signed,
 * human figures and a total row. Returns 0 or a negative errno (the
 * writer's error, or -ENOMEM).
 */
int fx_diff_write(struct fx_diff *d, struct fx_writer *w,
		  struct fx_diff_show *show);

/*
 * After both loads: 1 when the captures are of different processes (the
 * pids of their records differ: records match by pid, so nothing would
 * match; or a pid's records in both have different `starttime`s: the pid
 * was reused by another process, and its records match although they
 * are another process's), with a one-line note in msg saying which; else
 * 0. Captures of a kind without pid (scan --top) are never different;
 * nor is a pid whose start time either capture does not know.
 */
int fx_diff_other_process(const struct fx_diff *d, char *msg, size_t len);

/* The status name ("new", "gone", "grown", "shrunk", "same"). */
const char *fx_delta_status_name(enum fx_delta_status s);

void fx_diff_release(struct fx_diff *d);

#endif
