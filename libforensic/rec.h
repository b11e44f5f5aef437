/*
 * rec: the record format every memforensic command speaks (DESIGN.md).
 *
 *   pid<TAB>start<TAB>end ... <TAB>name<LF>        header: column names
 *   4242<TAB>0x55d0c8a00000<TAB>... <TAB>[heap]<LF>   one record a line
 *
 * Fields are separated by one TAB. The first line is a header of column
 * names; a record's first field is numeric (or "-"), a header's a name, so
 * the two are told apart by the first field. A later line equal to the
 * header is skipped (after `cat a b`); a different header replaces it.
 * Lines starting with '#' are comments. Input without a header (after
 * `grep`) is read in the producer's canonical column order. The last column
 * is free text: TAB, LF, CR and backslash in it are written as \t \n \r \\
 * and other control bytes as \xHH. Addresses are "0x" and at least 12
 * lowercase hex digits; sizes decimal bytes; a missing value is "-".
 *
 * The writer takes every field in that escaped TSV form and renders TSV,
 * JSON Lines (same keys; numbers as numbers, "-" as null, text that is not
 * UTF-8 as {"bytes": "<base64>"}) or a terminal table (aligned, sizes in
 * human units, a totals line).
 */
#ifndef FX_REC_H
#define FX_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fx_strtab;

enum fx_format { FX_FMT_TSV, FX_FMT_JSON, FX_FMT_TABLE };

struct fx_writer {
	int fd;
	enum fx_format fmt;
	int err;		/* first write error (negative errno), sticky */
	char **cols;		/* owned copies of the column names */
	size_t ncols;
	int header_done;
	struct fx_buf out;	/* pending output bytes */
	struct fx_buf row;	/* the fields of the row being built */
	size_t *foff;		/* start of each field in row */
	size_t nf, fcap;
	/* table mode: every row is kept to align the columns at the end */
	struct fx_buf tab;
	size_t *tab_off;
	size_t tab_n, tab_cap;
	int no_totals;		/* set: no totals line (the caller has one) */
	int shown;		/* a table, JSON or a terminal: column names
				 * and passed-through fields made safe to
				 * show (fx_escape_term) */
};

/* Prepare a writer to fd in format fmt (no I/O yet). */
void fx_writer_init(struct fx_writer *w, int fd, enum fx_format fmt);

/*
 * Set the columns (copied). Must come before the first field; may be
 * called again to start a new kind of record (TSV writes a new header).
 * 0 or -ENOMEM.
 */
int fx_writer_columns(struct fx_writer *w, const char *const *cols, size_t n);

/* Append one field given in escaped TSV form (no TAB or LF in it). */
int fx_writer_field(struct fx_writer *w, const char *s, size_t len);

/* Append a decimal number, an address, or the missing value "-". */
int fx_writer_u64(struct fx_writer *w, uint64_t v);
int fx_writer_addr(struct fx_writer *w, uint64_t v);
int fx_writer_missing(struct fx_writer *w);

/* A decimal number, or "-" when v is 0 (unknown: a start time). */
int fx_writer_u64_known(struct fx_writer *w, uint64_t v);

/* Append raw bytes as a text field, escaping them. */
int fx_writer_text(struct fx_writer *w, const char *s, size_t len);

/*
 * End the row: it is rendered into the output, which is written out when
 * large. Returns 0, or the sticky write error (-EPIPE, -ENOSPC, ...).
 * A row whose field count differs from the columns gives -EINVAL.
 */
int fx_writer_end(struct fx_writer *w);

/*
 * Write everything out (the table and its totals in table mode). Returns 0
 * or the first write error. The writer stays usable.
 */
int fx_writer_flush(struct fx_writer *w);

/* Free the writer's memory (does not flush, does not close fd). */
void fx_writer_release(struct fx_writer *w);

/*
 * Escape len raw bytes for a TSV text field, appending to b: TAB, LF, CR
 * and backslash as \t \n \r \\, other control bytes, the UTF-8 C1
 * controls (c2 80..c2 9f) and bytes that are not valid UTF-8 as \xHH. The
 * result is valid UTF-8 that a terminal shows as text. 0 or -ENOMEM.
 */
int fx_escape(struct fx_buf *b, const char *s, size_t len);

/*
 * The same for text that is already escaped, or a message: backslashes
 * are kept. For what goes to a terminal: fields a reader passed through,
 * column names, diagnostics. 0 or -ENOMEM.
 */
int fx_escape_term(struct fx_buf *b, const char *s, size_t len);

/*
 * Undo fx_escape: append the raw bytes of escaped field s to b. Unknown
 * escapes are kept as they are. 0 or -ENOMEM.
 */
int fx_unescape(struct fx_buf *b, const char *s, size_t len);

/*
 * Parse a number field: decimal or 0x-hex, with an optional binary unit
 * suffix K, M, G, T (KiB...) when units is set. 0, or -EINVAL (includes
 * "-" and overflow).
 */
int fx_parse_u64(const char *s, uint64_t *v, int units);

/* Format n bytes for people ("4.0K", "1.2G") into out (>= 16 bytes). */
void fx_human_size(uint64_t n, char *out, size_t outlen);


/*
 * A streaming record reader over one file descriptor. Fields of the
 * current row are NUL-terminated, still escaped, and valid until the next
 * call to fx_reader_next().
 */
struct fx_reader {
	int fd;
	char *buf;
	size_t cap, pos, end;
	int eof;
	unsigned long lineno;
	const char *const *canon;	/* columns of headerless input */
	size_t ncanon;
	char **hdr;			/* current header, owned */
	size_t nhdr;
	int hdr_changed;		/* a new header came with this row
					 * (since the last row returned) */
	int row_out;			/* private: last call gave a row */
	int headerless;
	int bad_header;			/* private: the last header named a
					 * column twice; rows refused */
	struct fx_strtab *names;	/* private: column name -> index */
	char **f;			/* fields of the current row */
	size_t nf, fcap;
	struct fx_err err;
};

/*
 * Prepare a reader over fd. canon (borrowed, may be NULL) names the columns
 * of input that comes without a header; when a headerless row has more
 * fields than canon, the extra ones are taken as unknown columns placed
 * before canon's last (free-text) column. 0 or -ENOMEM.
 */
int fx_reader_init(struct fx_reader *r, int fd, const char *const *canon,
		   size_t ncanon);

/*
 * Read the next record. Returns 1 with r->f/r->nf set, 0 at end of input,
 * -EBADMSG with r->err set for a malformed line (the reader may be called
 * again to go on after it), or another negative errno for a read error.
 */
int fx_reader_next(struct fx_reader *r);

/* Index of column name in the current header, or -1 (a hash lookup; -1
 * too when r is NULL). */
int fx_reader_col(const struct fx_reader *r, const char *name);

/* Free the reader's memory (does not close fd). */
void fx_reader_release(struct fx_reader *r);

/*
 * Is the current row of r memmap --rollup's record (named "[rollup]"): a
 * process's totals, its span the whole address space, not a region? Then
 * err (line r->lineno) says so, naming process pid ((uint64_t)-1: none
 * known), and 1 is returned; else 0. The commands that take region records
 * refuse it by this (dump-region, scan), in the same words.
 */
int fx_reader_rollup(const struct fx_reader *r, uint64_t pid,
		     struct fx_err *err);

#endif
