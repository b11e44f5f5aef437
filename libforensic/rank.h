/*
 * rank: filtering, ranking and grouping records of any kind, by column
 * name. The engine behind the `rank` command.
 *
 * Records are handled in their escaped TSV form (see rec.h), so columns this
 * module knows nothing about pass through byte for byte.
 */
#ifndef FX_RANK_H
#define FX_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fx_writer;

enum fx_op { FX_OP_EQ, FX_OP_NE, FX_OP_SUB, FX_OP_GT, FX_OP_LT };

/* One --where condition: `col=val`, `col!=val`, `col~sub`, `col>n`, `col<n`. */
struct fx_filter {
	char *col;
	enum fx_op op;
	char *val;		/* raw (unescaped) value */
	uint64_t num;		/* val as a number, when is_num */
	int is_num;
	int idx;		/* column index in the current header, or -1 */
};

/*
 * Parse expr into f (allocates; fx_filter_release frees). Numbers may carry
 * K, M, G, T units (binary). Returns 0 or -EINVAL (bad syntax, or a
 * non-number after > or <).
 */
int fx_filter_parse(struct fx_filter *f, const char *expr);

void fx_filter_release(struct fx_filter *f);

/*
 * Does the row (escaped fields in header order) satisfy f? scratch is a
 * buffer the function may use. A missing value "-" satisfies only `!=` and
 * a `~` or `=` on "-" itself. f->idx < 0 never matches.
 */
int fx_filter_match(const struct fx_filter *f, char *const *fields,
		    struct fx_buf *scratch);

/*
 * The ranking: keeps the `limit` best records (0: all) by the numeric
 * column `by`, biggest first unless asc. In group mode, records are first
 * summed per value of the group column.
 */
struct fx_rank_ent;
struct fx_group_tab;

struct fx_rank {
	char *by;
	int asc;
	size_t limit;
	char *group;		/* group column, or NULL */
	char **cols;		/* output columns */
	size_t ncols;
	int *map;		/* output column -> current input column */
	size_t nmap;
	int by_idx, group_idx;
	struct fx_rank_ent *e;
	size_t n, cap;
	uint64_t seq;
	uint64_t valued;	/* records offered with a number to sort by */
	struct fx_group_tab *groups;
	struct fx_buf line;
};

/* Set up a ranking (copies the strings). 0 or -ENOMEM. */
int fx_rank_init(struct fx_rank *k, const char *by, int asc, size_t limit,
		 const char *group);

/*
 * Declare the columns of the records that follow. The first call fixes the
 * output columns; later headers are mapped onto them by name (a column the
 * output lacks is dropped, one the input lacks becomes "-"). Returns 0,
 * -ENOENT when `by` or the group column is not a column (err names it),
 * or -ENOMEM.
 */
int fx_rank_columns(struct fx_rank *k, char *const *hdr, size_t n,
		    struct fx_err *err);

/*
 * Offer one record (escaped fields in the last declared header's order).
 * Returns 0, -EINVAL when its `by` value is not a number (the record is
 * left out), or -ENOMEM.
 */
int fx_rank_add(struct fx_rank *k, char *const *fields, size_t n);

/*
 * Sort what was kept and write it to w: sets w's columns (the input's, or
 * in group mode `count`, the summed columns and the group column) and
 * writes the records, best first. In group mode, -ENOENT when `by` is not
 * a summable column; -ENODATA when records came and none had a value in
 * `by` (err says so). Returns 0 or a negative errno.
 */
int fx_rank_write(struct fx_rank *k, struct fx_writer *w, struct fx_err *err);

void fx_rank_release(struct fx_rank *k);

#endif
