/*
 * held: records held back until their source is known whole, then
 * copied out or dropped. A process that exits while its map is read ends
 * the text early, and half a map must never be printed; the records are
 * still written while the text is read (formatting overlaps the kernel's
 * work), to an anonymous memory file, and copied to the output (sendfile,
 * in large gulps into a pipe) only once the read is checked.
 */
#ifndef FX_HELD_H
#define FX_HELD_H

#include <stddef.h>

#include "rec.h"

struct fx_held {
	int fd;			/* the memory file, or -1: not held */
	struct fx_writer w;	/* writes to fd */
	int shown;		/* records went out, and with them the header */
	const char *const *cols; /* borrowed, for the header after a drop */
	size_t ncols;
};

/*
 * Hold records of columns cols (borrowed: valid while h is) in format
 * fmt. A table is never held (it is rendered whole at the end), nor is
 * anything when no memory file can be made: h->fd is then -1 and the
 * caller keeps what it needs itself.
 */
void fx_held_init(struct fx_held *h, enum fx_format fmt,
		  const char *const *cols, size_t ncols);

/*
 * Copy the records held so far to out (ok set) or drop them, and hold
 * anew. The header goes with the first records copied. 0 or a negative
 * errno from either file.
 */
int fx_held_end(struct fx_held *h, int out, int ok);

/* Free what h holds; nothing is copied. */
void fx_held_release(struct fx_held *h);

#endif
