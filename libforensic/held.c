/*
 * held: records held until their source is known whole (held.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "held.h"

void fx_held_init(struct fx_held *h, enum fx_format fmt,
		  const char *const *cols, size_t ncols)
{
	h->shown = 0;
	h->cols = cols;
	h->ncols = ncols;
	h->fd = fmt == FX_FMT_TABLE ? -1 : memfd_create("held", MFD_CLOEXEC);
	if (h->fd < 0)
		return;
	fx_writer_init(&h->w, h->fd, fmt);
	if (fx_writer_columns(&h->w, cols, ncols)) {
		fx_writer_release(&h->w);
		close(h->fd);
		h->fd = -1;
	}
}

int fx_held_end(struct fx_held *h, int out, int ok)
{
	int r = fx_writer_flush(&h->w);
	off_t len = lseek(h->fd, 0, SEEK_CUR), off = 0;
	char buf[65536];
	ssize_t n;

	/* Into a pipe, in a few large gulps rather than 64 KiB at a time:
	 * each refill wakes the reader (F_SETPIPE_SZ fails harmlessly
	 * on other files, or above /proc/sys/fs/pipe-max-size). */
	if (ok && len > 65536)
		fcntl(out, F_SETPIPE_SZ,
		      (int)(len < (1 << 20) ? len : (1 << 20)));
	while (!r && ok && off < len) {
		n = sendfile(out, h->fd, &off, (size_t)(len - off));
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		/* An output sendfile cannot write to (O_APPEND...). */
		n = pread(h->fd, buf, sizeof(buf), off);
		if (n > 0)
			n = write(out, buf, (size_t)n);
		if (n > 0)
			off += n;
		else if (n == 0 || errno != EINTR)
			r = n ? -errno : -EIO;
	}
	if (ok && len > 0)
		h->shown = 1;
	else if (!ok && !h->shown)	/* the header went with the rest */
		r = r ? r : fx_writer_columns(&h->w, h->cols, h->ncols);
	if (ftruncate(h->fd, 0) || lseek(h->fd, 0, SEEK_SET))
		r = r ? r : -errno;
	return r;
}

void fx_held_release(struct fx_held *h)
{
	if (h->fd < 0)
		return;
	fx_writer_release(&h->w);
	close(h->fd);
	h->fd = -1;
}
