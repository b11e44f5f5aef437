/*
 * worstheap: bigheap, laid out so that reads of 4 KiB or more make the
 * kernel walk the big region twice. For bench/memmap.sh.
 *
 *   worstheap [MIB]   (default 4096)
 *
 * seq_file formats smaps records into a 4 KiB buffer; a read() that asks
 * for at least that much makes it format records until one does not fit,
 * and that one is thrown away and formatted again by the next read(). For
 * smaps, formatting a record is walking its page tables. Whether the big
 * region is the record that does not fit depends on the sizes of the
 * records before it (path lengths, how many mappings), so a plain bigheap
 * may or may not show the double walk. worstheap maps MIB MiB (anonymous,
 * no THP, every page written), then adds one-page mappings just below it
 * (which come before it in smaps), re-reading its own smaps and simulating
 * the kernel's 4 KiB fill each time, until the big region is the record
 * thrown away. Reports:
 *
 *   ready pid=N start=0x... size=BYTES pads=P
 *
 * Exit status 2 when no layout within 64 pads does it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEQ_BUF 4096
#define MAX_PADS 64

static char text[1 << 20];	/* this process's own smaps: a few KiB */

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static size_t read_smaps(void)
{
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/smaps");
	for (;;) {
		n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read /proc/self/smaps");
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= sizeof(text) - 1) {
			fprintf(stderr, "worstheap: smaps too big\n");
			exit(2);
		}
	}
	close(fd);
	return len;
}

static int is_header(const char *line)
{
	return (*line >= '0' && *line <= '9') || (*line >= 'a' && *line <= 'f');
}

/*
 * Is the record starting at address big the one the kernel formats and
 * throws away when reads are >= 4 KiB? A record fits while the buffer's
 * count stays below its size (seq_has_overflowed is count == size).
 */
static int big_is_thrown_away(size_t len, unsigned long big)
{
	size_t fill = 0, rec_len = 0;
	unsigned long rec_start = 0;
	int have = 0, first = 1;
	char *p = text, *e = text + len, *nl;

	for (;;) {
		nl = p < e ? memchr(p, '\n', (size_t)(e - p)) : NULL;
		if (!nl || is_header(p)) {
			if (have) {
				if (first) {
					fill = rec_len;
					first = 0;
				} else if (fill + rec_len < SEQ_BUF) {
					fill += rec_len;
				} else {
					if (rec_start == big)
						return 1;
					/* the next read() starts with it */
					fill = rec_len;
				}
			}
			if (!nl)
				return 0;
			rec_start = strtoul(p, NULL, 16);
			rec_len = 0;
			have = 1;
		}
		rec_len += (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
	size_t size = mib << 20;
	long pg = sysconf(_SC_PAGESIZE);
	char line[128], *p, *q;
	int pads, n;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	for (pads = 0;; pads++) {
		if (big_is_thrown_away(read_smaps(), (unsigned long)p))
			break;
		if (pads == MAX_PADS) {
			fprintf(stderr, "worstheap: no layout found\n");
			return 2;
		}
		/* Alternate protections: neighbours must not merge. */
		q = mmap(p - (pads + 1) * pg, (size_t)pg,
			 pads % 2 ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
		if (q == MAP_FAILED)
			die("mmap pad");
	}
	/* No stdio: a malloc'ed stdout buffer would add a [heap] record
	 * and move the boundaries just computed. */
	n = snprintf(line, sizeof(line), "ready pid=%d start=%p size=%zu pads=%d\n",
		     (int)getpid(), (void *)p, size, pads);
	if (write(STDOUT_FILENO, line, (size_t)n) != n)
		die("write");
	close(STDOUT_FILENO);
	for (;;)
		pause();
}
