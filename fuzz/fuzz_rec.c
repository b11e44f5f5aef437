/*
 * fuzz_rec: the record reader over hostile bytes, each row written back
 * through writers in TSV and JSON; fx_escape/fx_unescape round trip.
 *
 * The input goes into a memfd read by fx_reader with the canonical region
 * columns (so headerless input is taken too). Every row is written to two
 * fx_writers (TSV and JSON Lines) on /dev/null with the reader's current
 * header as columns. The input is also escaped and unescaped and must
 * come back byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "forensic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1;

static void roundtrip(const uint8_t *data, size_t size)
{
	struct fx_buf e, u;
	size_t i;

	fx_buf_init(&e);
	fx_buf_init(&u);
	if (fx_escape(&e, (const char *)data, size) ||
	    fx_unescape(&u, e.data ? e.data : "", e.len))
		abort();
	for (i = 0; i < e.len; i++)
		if ((unsigned char)e.data[i] < 0x20 || e.data[i] == 0x7f)
			abort();
	if (u.len != size || (size && memcmp(u.data, data, size)))
		abort();
	/* Unescaping arbitrary text never grows it. */
	fx_buf_reset(&u);
	if (fx_unescape(&u, (const char *)data, size) || u.len > size)
		abort();
	fx_buf_release(&e);
	fx_buf_release(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_writer tsv, json;
	struct fx_reader rd;
	size_t i;
	int fd, r, rows = 0;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	roundtrip(data, size);
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (fx_reader_init(&rd, fd, fx_region_cols, fx_region_ncols))
		abort();
	fx_writer_init(&tsv, devnull, FX_FMT_TSV);
	fx_writer_init(&json, devnull, FX_FMT_JSON);
	while ((r = fx_reader_next(&rd)) != 0 && rows < 10000) {
		rows++;
		if (r == -EBADMSG) {
			if (rd.err.line == 0)
				abort();
			continue;
		}
		if (r < 0)
			abort();
		if (rd.nf != rd.nhdr || rd.nf == 0)
			abort();
		if (rd.hdr_changed || rows == 1) {
			if (fx_writer_columns(&tsv,
					      (const char *const *)rd.hdr,
					      rd.nhdr) ||
			    fx_writer_columns(&json,
					      (const char *const *)rd.hdr,
					      rd.nhdr))
				abort();
		}
		for (i = 0; i < rd.nf; i++) {
			fx_writer_field(&tsv, rd.f[i], strlen(rd.f[i]));
			fx_writer_field(&json, rd.f[i], strlen(rd.f[i]));
		}
		if (fx_writer_end(&tsv) || fx_writer_end(&json))
			abort();
		if (fx_reader_col(&rd, rd.hdr[rd.nhdr - 1]) < 0)
			abort();
	}
	if (fx_writer_flush(&tsv) || fx_writer_flush(&json))
		abort();
	fx_writer_release(&tsv);
	fx_writer_release(&json);
	fx_reader_release(&rd);
	close(fd);
	return 0;
}
