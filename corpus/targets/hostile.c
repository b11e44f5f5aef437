/*
 * hostile: a process whose names are attacks on whoever examines it
 * (RELIABILITY T44), for the runbook scripts.
 *
 *   hostile DIR [ARGS...]   (DIR: an empty directory the test owns;
 *                            ARGS: whatever the test wants in cmdline)
 *
 * Names itself (PR_SET_NAME) HOSTILE_COMM: a shell command in backquotes
 * that creates the file "pwned" in the current directory when a gnuplot
 * or shell script runs it, then ") " (a stat parser that stops at the
 * first ')' is misled), a newline, ESC and the C1 control CSI in UTF-8.
 * Maps two regions whose names hold backquoted commands, $(...), quotes,
 * a newline, ESC and C1 bytes (HOSTILE_NAME):
 *   - a memfd named HOSTILE_NAME, 64 MiB, shared, every page written with
 *     the text HOSTILE_TEXT repeated (what a strings scan finds most);
 *   - a file DIR/HOSTILE_NAME, 32 MiB, mapped shared and read through
 *     (its pages resident).
 * Each command, if run, creates a file named pwned* in the current
 * directory. Reports: ready pid=N memfd=0x... file=0x...
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "target.h"

/* 14 bytes: the kernel keeps 15. */
#define HOSTILE_COMM "`>pwned`) \n\033\302\233"
#define HOSTILE_NAME "`>pwned-name` $(>pwned-sub) \"q' \n\033[31m\302\233x"
#define HOSTILE_TEXT "HOSTILE `>pwned-text` $(>pwned-mem) 'q\"\033[2J\302\233\n"

static void fill(char *p, size_t size)
{
	size_t n = sizeof(HOSTILE_TEXT) - 1, i;

	for (i = 0; i + n <= size; i += n)
		memcpy(p + i, HOSTILE_TEXT, n);
	memset(p + i, 0, size - i);
}

int main(int argc, char **argv)
{
	size_t msize = 64 << 20, fsize = 32 << 20, i;
	volatile char sum = 0;
	char *m, *f;
	int fd;

	if (argc < 2 || chdir(argv[1]))
		target_die("hostile DIR");
	if (prctl(PR_SET_NAME, HOSTILE_COMM))
		target_die("PR_SET_NAME");
	fd = memfd_create(HOSTILE_NAME, 0);
	if (fd < 0 || ftruncate(fd, msize))
		target_die("memfd");
	m = mmap(NULL, msize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		target_die("memfd mmap");
	close(fd);
	fill(m, msize);
	fd = open(HOSTILE_NAME, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, fsize))
		target_die("file");
	f = mmap(NULL, fsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		target_die("file mmap");
	close(fd);
	fill(f, fsize);
	for (i = 0; i < fsize; i += 4096)
		sum += f[i];
	target_ready("memfd=%p file=%p", (void *)m, (void *)f);
	target_wait();
	return 0;
}
