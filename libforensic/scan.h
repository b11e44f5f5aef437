/*
 * scan: finding text and byte patterns in memory, and counting what
 * repeats. The engine behind the `scan` command.
 *
 * A scanner is fed the bytes of one region (live memory, a dump file, a
 * core segment) in address order, in pieces of any size; it reports hits
 * (struct fx_hit) through a callback. Pieces may be separated by gaps
 * (pages not present, unreadable ranges): nothing is found across a gap.
 *
 * Strings (enc ascii, utf8, utf16le), MIN characters or more:
 *  - ascii: exactly GNU `strings -a -n MIN`: maximal runs of bytes
 *    0x20-0x7e or TAB (isprint in the C locale, plus TAB);
 *  - utf16le: exactly GNU `strings -a -e l -n MIN`: maximal runs of 16-bit
 *    little-endian units whose high byte is 0 and low byte is as above, at
 *    either byte alignment (runs of the two alignments cannot overlap);
 *  - utf8: maximal runs of the ascii characters above and of valid UTF-8
 *    multi-byte sequences (no overlongs, surrogates or C1 controls); MIN
 *    counts characters. When ascii is asked for too, a run with at least
 *    one multi-byte character is reported once as utf8 (not also its ascii
 *    pieces), and a run without one as ascii.
 *
 * Patterns (enc literal, hex, regex) are compiled together into one
 * Vectorscan (Hyperscan) database and matched in a single pass. A pattern
 * of fixed width (a literal, hex) is reported at every occurrence,
 * overlapping ones too (the same hits for any split into windows); a
 * variable-width match that starts inside the previous reported match of
 * the same pattern is dropped, like `grep -o`.
 *
 * Windows. To scan one region with several threads, split it: the scanner
 * of window [lo, hi) is fed from fx_scanner_pre() bytes before lo (or from
 * the region start) and reports only hits that START in [lo, hi); it is
 * fed past hi while fx_scanner_more() says a hit that started inside may
 * still be going on. Every hit is thus reported by exactly one window, and
 * a hit crossing a window or read boundary is found once.
 */
#ifndef FX_SCAN_H
#define FX_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fx_writer;

/* Encodings: string kinds, then pattern kinds (the `enc` column). */
#define FX_ENC_ASCII (1u << 0)
#define FX_ENC_UTF8 (1u << 1)
#define FX_ENC_UTF16LE (1u << 2)
#define FX_ENC_LITERAL (1u << 3)
#define FX_ENC_HEX (1u << 4)
#define FX_ENC_REGEX (1u << 5)
#define FX_ENC_STRINGS (FX_ENC_ASCII | FX_ENC_UTF8 | FX_ENC_UTF16LE)

/* The `enc` column text of one FX_ENC_* bit ("ascii", ...), or "-". */
const char *fx_enc_name(unsigned int enc);

/*
 * Parse a comma-separated list of string encodings ("ascii,utf16le") into
 * a mask of FX_ENC_* bits. 0, or -EINVAL for an unknown name.
 */
int fx_enc_parse(const char *list, unsigned int *mask);

/* ---- patterns ---- */

struct fx_patset;

/* A new, empty pattern set; NULL with errno ENOMEM. */
struct fx_patset *fx_patset_new(void);

/* Free a pattern set; NULL does nothing. */
void fx_patset_free(struct fx_patset *ps);

/*
 * Add one pattern of kind enc (FX_ENC_LITERAL: the bytes themselves;
 * FX_ENC_HEX: hex bytes "de ad ?? ef", spaces optional, "??" any byte, "4?"
 * or "?4" one nibble; FX_ENC_REGEX: a Vectorscan/PCRE regular expression).
 * caseless applies to literals and regexes. Returns 0, -ENOMEM, or
 * -EINVAL with err->msg saying what is wrong (a hex pattern that does not
 * parse, an empty pattern).
 */
int fx_patset_add(struct fx_patset *ps, unsigned int enc, const char *pat,
		  size_t len, int caseless, struct fx_err *err);

/*
 * Add the patterns of a pattern file's text (buf, len): one a line, a
 * literal unless it starts with "hex:" or "re:" ("lit:" forces a literal,
 * so a literal may start with those words or with '#'); empty lines and
 * lines starting with '#' are skipped. err->line says where an error is.
 */
int fx_patset_add_file(struct fx_patset *ps, const char *buf, size_t len,
		       int caseless, struct fx_err *err);

/* The number of patterns added. */
size_t fx_patset_count(const struct fx_patset *ps);

/*
 * Compile the set (after the last add). 0, or -EINVAL with err->msg naming
 * the pattern the engine refused and why (e.g. a regex that can match the
 * empty string, or uses back-references), -ELIBACC with err->msg saying
 * why when Vectorscan's library cannot be loaded (lazylib.h), or -ENOMEM.
 */
int fx_patset_compile(struct fx_patset *ps, struct fx_err *err);

/* ---- hits ---- */

/*
 * A hit's text holds at most this many bytes: the start of a longer
 * string or match, whose len still gives its whole length. The target
 * chooses its memory: one 2.3 GB run of a byte was a 2.3 GB text, kept
 * while it grew and again as a key of --top (33 s, 7 GB).
 */
#define FX_TEXT_MAX (64 * 1024)

struct fx_hit {
	long pid;		/* the process (-1 unknown; set by
				 * fx_source_scan, not by the scanner) */
	unsigned long long starttime; /* its start time (stat field 22),
				 * 0 unknown; set with pid */
	uint64_t addr;		/* virtual address of the first byte */
	uint64_t region_start;
	uint64_t len;		/* bytes covered in memory */
	unsigned int enc;	/* one FX_ENC_* bit */
	unsigned int pattern;	/* pattern index (patterns only) */
	const char *text;	/* the text: bytes for ascii/utf8/patterns, the
				 * characters (low bytes) for utf16le */
	size_t text_len;
	const char *before, *after; /* --context bytes (may be shorter, cut
				 * at the edge of the bytes fed together) */
	size_t before_len, after_len;
};

/*
 * Called for each hit; text and context are valid only during the call.
 * A non-zero return (a negative errno) stops the scanner, which returns it.
 */
typedef int (*fx_hit_fn)(void *arg, const struct fx_hit *h);

/* What to look for. */
struct fx_scan_conf {
	unsigned int enc;	/* FX_ENC_ASCII | ...: strings to find, or 0 */
	size_t min_len;		/* characters, at least 1 */
	const struct fx_patset *pats; /* compiled, or NULL */
	size_t context;		/* bytes of context around each hit */
};

struct fx_scanner;

/*
 * A scanner for one thread (conf and its pattern set must outlive it).
 * NULL with errno set (ENOMEM, or EINVAL for a bad conf).
 */
struct fx_scanner *fx_scanner_new(const struct fx_scan_conf *conf);

/* Free a scanner; NULL does nothing. */
void fx_scanner_free(struct fx_scanner *s);

/*
 * How many bytes before a window's lo the scanner must be fed from so that
 * hits starting at lo or later are found right, or UINT64_MAX when windows
 * cannot be used (a pattern of unbounded width): scan whole regions then.
 */
uint64_t fx_scanner_pre(const struct fx_scanner *s);

/*
 * Start the window [lo, hi) of the region [region_start, region_end):
 * hits that start inside are reported to fn(arg, hit). Data must then be
 * fed from max(region_start, lo - fx_scanner_pre()). 0 or -ENOMEM.
 */
int fx_scanner_begin(struct fx_scanner *s, uint64_t region_start,
		     uint64_t region_end, uint64_t lo, uint64_t hi,
		     fx_hit_fn fn, void *arg);

/*
 * Feed the len bytes at addr. When addr is past the end of the previous
 * piece, the bytes between are a gap. Returns 0 or the hit callback's
 * error (or -ENOMEM).
 */
int fx_scanner_feed(struct fx_scanner *s, uint64_t addr, const void *buf,
		    size_t len);

/*
 * Does the window still need bytes at pos and after (pos being where the
 * fed bytes end)? True before hi, and after hi while a hit that started in
 * the window may go on.
 */
int fx_scanner_more(const struct fx_scanner *s, uint64_t pos);

/* The data ends here (region end, or the window needs no more): report
 * what was still open. 0 or the callback's error. */
int fx_scanner_end(struct fx_scanner *s);

/*
 * Convenience: scan one buffer that is a whole region starting at addr.
 * 0 or the callback's error.
 */
int fx_scan_buffer(struct fx_scanner *s, uint64_t addr, const void *buf,
		   size_t len, fx_hit_fn fn, void *arg);

/*
 * Append h to out as one hit record in TSV (DESIGN.md): pid addr
 * region_start enc len [before after] text, the context columns when
 * context is set; text escaped. 0 or -ENOMEM. A fast path for output
 * made in worker threads; fx_writer gives the same bytes.
 */
int fx_hit_tsv(struct fx_buf *out, const struct fx_hit *h, int context);

/*
 * Write h to w as one hit record, in the columns of FX_REC_HIT (or
 * FX_REC_HIT_CONTEXT when context is set). 0 or the writer's error.
 */
int fx_hit_write(struct fx_writer *w, const struct fx_hit *h, int context);

/* ---- what repeats ---- */

/* A histogram of identical texts per encoding, for --top. */
struct fx_top;

struct fx_top_ent {
	uint64_t count;
	uint64_t bytes;		/* memory the occurrences cover */
	unsigned int enc;
	const char *text;
	size_t text_len;
};

/* A new, empty histogram; NULL with errno ENOMEM. */
struct fx_top *fx_top_new(void);

/* Free a histogram; NULL does nothing. */
void fx_top_free(struct fx_top *t);

/* Count one hit. 0 or -ENOMEM. */
int fx_top_add(struct fx_top *t, const struct fx_hit *h);

/* Add every count of src to dst (src unchanged). 0 or -ENOMEM. */
int fx_top_merge(struct fx_top *dst, const struct fx_top *src);

/* The number of distinct texts. */
size_t fx_top_count(const struct fx_top *t);

/*
 * The entries counted at least min_count times, most frequent first (then
 * most bytes, then by text), at most limit of them (0: all), into a new
 * array *out (free() it; texts point into t, valid until t changes).
 * Returns the number of entries, or -ENOMEM.
 */
long fx_top_sorted(const struct fx_top *t, uint64_t min_count, size_t limit,
		   struct fx_top_ent **out);

struct fx_writer;

/*
 * Write fx_top_sorted's entries as top records (count bytes enc text) to
 * w, whose columns are set. 0, -ENOMEM or the writer's error.
 */
int fx_top_write(const struct fx_top *t, struct fx_writer *w,
		 uint64_t min_count, size_t limit);

#endif
