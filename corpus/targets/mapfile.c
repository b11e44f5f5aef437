/*
 * mapfile: map files read-only, so that a test can change what is at
 * their paths afterwards.
 *
 *   mapfile FILE...
 *
 * Maps each FILE whole (PROT_READ, MAP_PRIVATE, at offset 0) and closes
 * it. Reports: ready pid=N map0=ADDR map1=ADDR ... (ADDR as maps
 * writes it, lowercase hex without 0x).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "target.h"

int main(int argc, char **argv)
{
	char line[4096] = "", *p = line;
	struct stat st;
	void *a;
	int i, fd;

	if (argc < 2)
		target_die("usage: mapfile FILE...");
	for (i = 1; i < argc && i < 64; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || st.st_size == 0)
			target_die(argv[i]);
		a = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		if (a == MAP_FAILED)
			target_die(argv[i]);
		close(fd);
		p += snprintf(p, sizeof(line) - (size_t)(p - line),
			      "%smap%d=%lx", i > 1 ? " " : "", i - 1,
			      (unsigned long)a);
	}
	target_ready("%s", line);
	target_wait();
	return 0;
}
