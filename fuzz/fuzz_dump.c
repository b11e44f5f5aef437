/*
 * fuzz_dump: what dump-region parses that others control.
 *
 * The input is read two ways:
 *   - as region records (stdin of dump-region: from pipes, files, grep)
 *     by fx_selection_read, through a memfd; every selection must have
 *     start < end, page aligned, and as many fields as columns;
 *   - as an ELF file by fx_build_id (the target's own executable, which
 *     its owner controls): any result is fine, a crash or a read out of
 *     bounds is not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dumpdir.h"
#include "select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_selection sel;
	char hex[129];
	size_t i, k;
	int fd;

	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	fx_selection_init(&sel);
	fx_selection_read(&sel, fd);
	for (i = 0; i < sel.n; i++) {
		if (sel.s[i].start >= sel.s[i].end || sel.s[i].start % 4096 ||
		    sel.s[i].end % 4096 || sel.s[i].pid <= 0)
			abort();
		for (k = 0; k < sel.ncols; k++)
			if (!sel.s[i].f[k])
				abort();
	}
	fx_selection_release(&sel);
	lseek(fd, 0, SEEK_SET);
	if (fx_build_id(fd, hex, sizeof(hex)) == 0 &&
	    strlen(hex) >= sizeof(hex))
		abort();
	close(fd);
	return 0;
}
