/*
 * schema: the record kinds every command speaks, in one place (DESIGN.md,
 * "The record format"). For each kind: its columns in canonical order, the
 * columns of its key (what tells two records apart, what snapdiff
 * matches), the columns snapdiff shows, the columns that tell the kind
 * from a header, and the column sorted and compared by default. For each
 * column name: its type (one name, one meaning, in every kind).
 *
 * Writers take their columns from here; rank sums only quantities and
 * sorts by the kind's default; snapdiff keys on the kind's key; the reader
 * takes headerless region input in the canonical order; a table shows a
 * column in human units because its type says bytes.
 */
#ifndef FX_SCHEMA_H
#define FX_SCHEMA_H

#include <stddef.h>

/* What a column holds. */
enum fx_coltype {
	FX_COL_TEXT,		/* a label or free text */
	FX_COL_ID,		/* an identifier: pid, tid, inode (never summed) */
	FX_COL_ADDR,		/* an address: 0x + 12 or more hex digits */
	FX_COL_BYTES,		/* a size in bytes (human units in tables) */
	FX_COL_COUNT,		/* a count of things */
};

enum fx_rec_kind {
	FX_REC_UNKNOWN,
	FX_REC_DELTA,		/* snapdiff: delta old new status, then the
				 * compared kind's shown columns */
	FX_REC_REGION,		/* memmap; dump-region, classify append */
	FX_REC_HIT_CONTEXT,	/* scan --context */
	FX_REC_HIT,		/* scan */
	FX_REC_TOP,		/* scan --top */
	FX_REC_CHUNK,		/* classify --chunks */
	FX_REC_THREAD,		/* classify --threads */
	FX_REC_SUMMARY,		/* classify --summary */
	FX_REC_HOLDERS,		/* classify --holders */
	FX_REC_OBJECT,		/* classify --objects */
	FX_REC_HOLE,		/* a dump directory's holes.tsv */
	FX_REC_NKINDS
};

#define FX_REC_MAXSHOW 6

struct fx_reckind {
	enum fx_rec_kind id;
	const char *name;		/* in messages: "region records" */
	const char *const *cols;	/* canonical order, free text last */
	size_t ncols;
	const char *key[4];		/* the key's columns (NULL-ended) */
	const char *show[FX_REC_MAXSHOW]; /* snapdiff's columns: key and
					 * context, free text last */
	const char *need[3];		/* columns that tell the kind */
	const char *sort;		/* default sort column, or NULL */
};

/* The kind `id` (FX_REC_UNKNOWN gives a kind with no columns). */
const struct fx_reckind *fx_reckind(enum fx_rec_kind id);

/*
 * The kind of records a header of n column names holds: the first kind
 * whose telling columns are all there (appended columns do not change a
 * kind). FX_REC_UNKNOWN's kind when none.
 */
const struct fx_reckind *fx_reckind_of(char *const *hdr, size_t n);

/* Is column `name` part of kind k's key? */
int fx_reckind_is_key(const struct fx_reckind *k, const char *name);

/* Columns appended to region records: dump-region's, classify's. */
extern const char *const fx_region_dump_cols[3];	/* file sha256 holes */
extern const char *const fx_region_class_cols[2];	/* class detail */

/*
 * The type of column `name`: as the schema defines it, FX_COL_BYTES for an
 * unknown name ending in "_bytes", else FX_COL_TEXT.
 */
enum fx_coltype fx_col_type(const char *name);

/* Is this column a size in bytes (shown in human units in tables)? */
int fx_col_is_size(const char *name);

#endif
