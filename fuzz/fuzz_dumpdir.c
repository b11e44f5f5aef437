/*
 * fuzz_dumpdir: a dump directory someone sent (RELIABILITY T45), read as
 * scan reads it: fx_source_add_path, then the threaded scan of what it
 * added (classify has no offline reader yet).
 *
 * The input is a list of entries, each
 *   byte     kind: bits 0-1 what it is: 0 a regular file, 1 a symbolic
 *            link, 2 a FIFO, 3 a directory; bit 2: also name it to scan
 *            as a PATH (a raw file at 0x1000, or an ELF core)
 *   byte     N, then N bytes: its name inside the dump directory
 *            ("regions.tsv", "1-0x1000-0x3000.bin", "sub/x.bin.zst")
 *   2 bytes  L (little-endian), then L bytes: a file's contents, a link's
 *            target (a leading "@/" stands for the directory the dump
 *            directory is in, which holds outside.txt and outside.fifo)
 * in a fresh directory under a private one made once per process
 * (/tmp/fuzz_dumpdir.XXXXXX): nothing is made anywhere else. Names with
 * '..', a leading '/' or a symbolic link on the way are not made.
 * corpus/gen-dumpdir-seed.py encodes a real directory this way.
 *
 * Beyond ASan and UBSan, the harness aborts when the scan finds the text
 * of outside.txt (a random token, unknown to the input and never
 * compared in instrumented code: a file outside the dump was read), or when a dump directory asked for live memory. A
 * FIFO that blocks is libFuzzer's timeout. A .zst entry that unpacks to
 * more than 64 MiB is not tried: scan holds a .zst region unpacked in
 * memory, by design, and the RSS limit would call that a leak.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zstd.h>

#include "scan.h"
#include "memsrc.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXENT 32
#define ZST_MAX (64u << 20)

static char base[64], run[80], token[48];
static struct fx_patset *ps;

/* Remove everything in directory fd (closed here), links not followed. */
static void empty(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int sub;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(fd, e->d_name, 0) == 0)
			continue;
		sub = openat(fd, e->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			empty(sub);
		unlinkat(fd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

static void cleanup(void)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		empty(fd);
	rmdir(base);
}

static void setup(void)
{
	unsigned char r[16];
	char path[128];
	struct fx_err err;
	size_t i;
	int fd;

	snprintf(base, sizeof(base), "/tmp/fuzz_dumpdir.XXXXXX");
	if (!mkdtemp(base) || getrandom(r, sizeof(r), 0) != sizeof(r))
		abort();
	atexit(cleanup);
	strcpy(token, "OUTSIDE-");
	for (i = 0; i < sizeof(r); i++)
		sprintf(token + 8 + 2 * i, "%02x", r[i]);
	snprintf(path, sizeof(path), "%s/outside.txt", base);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, token, strlen(token)) != (ssize_t)strlen(token))
		abort();
	close(fd);
	snprintf(path, sizeof(path), "%s/outside.fifo", base);
	if (mkfifo(path, 0600))
		abort();
	snprintf(run, sizeof(run), "%s/d", base);
	ps = fx_patset_new();
	if (!ps ||
	    fx_patset_add(ps, FX_ENC_LITERAL, token, strlen(token), 0, &err) ||
	    fx_patset_compile(ps, &err))
		abort();
}

/* The bytes a zstd file unpacks to, stopping past max. */
static size_t zst_size(const uint8_t *p, size_t n, size_t max)
{
	static char out[1 << 20];
	ZSTD_DCtx *z = ZSTD_createDCtx();
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_outBuffer o;
	size_t total = 0, rem;

	while (z && in.pos < in.size && total <= max) {
		o.dst = out;
		o.size = sizeof(out);
		o.pos = 0;
		rem = ZSTD_decompressStream(z, &o, &in);
		if (ZSTD_isError(rem))
			break;
		total += o.pos;
		if (!o.pos && in.pos == in.size)
			break;
	}
	ZSTD_freeDCtx(z);
	return total;
}

/* The directory that will hold name (inside dirfd, no link on the way):
 * an O_PATH fd, and *leaf its last component; -1 when there is none. */
static int parent_of(int dirfd, char *name, const char **leaf)
{
	struct open_how h;
	char *slash = strrchr(name, '/');
	long fd;

	*leaf = slash ? slash + 1 : name;
	if (!slash)
		return dup(dirfd);
	*slash = '\0';
	memset(&h, 0, sizeof(h));
	h.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	h.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dirfd, name, &h, sizeof(h));
	*slash = '/';
	return (int)fd;
}

static int name_ok(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return 0;
	for (; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return 0;
	return 1;
}

static int hit(void *arg, const struct fx_hit *h)
{
	(void)arg;
	/* The only pattern is the token: a file outside the dump was read.
	 * (No comparison with the token here: libFuzzer would learn it
	 * from one, and write it into the dump itself.) */
	if (h->enc == FX_ENC_LITERAL)
		abort();
	return 0;
}

/* Open path as classify does and read a little of every region. */
static void memsrc_read(const char *path)
{
	struct fx_memsrc ms;
	unsigned char buf[64];
	size_t i;

	if (fx_memsrc_open_path(&ms, path) == 0) {
		for (i = 0; i < ms.maps.n && i < 64; i++) {
			const struct fx_region *r = &ms.maps.r[i];
			uint64_t n = r->end - r->start;

			fx_memsrc_read(&ms, r->start, buf,
				       n < sizeof(buf) ? (size_t)n : sizeof(buf));
		}
		(void)fx_memsrc_warnings(&ms);
	}
	fx_memsrc_release(&ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_scan_conf conf = { FX_ENC_ASCII, 4, NULL, 0 };
	char paths[MAXENT][300], name[256], target[400];
	const uint8_t *p = data, *end = data + size;
	struct fx_scan_stats st;
	struct fx_source src;
	size_t npaths = 0, i, n, len;
	const char *leaf;
	int dirfd, pfd, fd, kind, nent = 0;

	if (!ps)
		setup();
	if (mkdir(run, 0700))
		abort();
	dirfd = open(run, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	while (end - p >= 4 && nent++ < MAXENT) {
		kind = p[0];
		n = p[1];
		if ((size_t)(end - p) < 2 + n + 2)
			break;
		memcpy(name, p + 2, n);
		name[n] = '\0';
		p += 2 + n;
		len = p[0] | (size_t)p[1] << 8;
		p += 2;
		if ((size_t)(end - p) < len)
			len = (size_t)(end - p);
		if (strlen(name) != n || !name_ok(name)) {
			p += len;
			continue;
		}
		pfd = parent_of(dirfd, name, &leaf);
		if (pfd < 0) {
			p += len;
			continue;
		}
		switch (kind & 3) {
		case 0:
			if (n > 4 && !strcmp(name + n - 4, ".zst") &&
			    zst_size(p, len, ZST_MAX) > ZST_MAX)
				goto skip;
			fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL |
					       O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd >= 0) {
				if (len && write(fd, p, len) != (ssize_t)len)
					abort();
				close(fd);
			}
			break;
		case 1:
			if (len >= 2 && p[0] == '@' && p[1] == '/')
				snprintf(target, sizeof(target), "%s/%.*s",
					 base, (int)(len - 2), p + 2);
			else
				snprintf(target, sizeof(target), "%.*s",
					 (int)len, p);
			if (strlen(target))
				symlinkat(target, pfd, leaf);
			break;
		case 2:
			mkfifoat(pfd, leaf, 0600);
			break;
		case 3:
			mkdirat(pfd, leaf, 0700);
			break;
		}
		if ((kind & 4) && (kind & 3) != 1 && (kind & 3) != 3 &&
		    npaths < MAXENT)
			snprintf(paths[npaths++], sizeof(paths[0]), "%s/%s", run,
				 name);
skip:
		close(pfd);
		p += len;
	}

	fx_source_init(&src);
	/* Half the inputs as scan --top reads them: code and read-only
	 * file regions skipped (a core's NT_FILE ranges read for it). */
	src.skip_code = size & 1;
	fx_source_add_path(&src, run, 0);
	for (i = 0; i < npaths; i++)
		fx_source_add_path(&src, paths[i], 0x1000);
	/* A dump directory or a core never asks for a live process. */
	if (src.nreq)
		abort();
	conf.pats = ps;
	if (fx_source_scan(&src, &conf, 1, hit, NULL, NULL, NULL, &st) ==
	    -ENOMEM)
		abort();
	fx_source_release(&src);
	/* The same capture as classify reads it: the one memory source
	 * (memsrc.c: regions.tsv turned back into a map, holes.tsv,
	 * process.json's threads, a core's notes), then a few bytes from
	 * every region through its read callback. */
	memsrc_read(run);
	for (i = 0; i < npaths; i++)
		memsrc_read(paths[i]);
	empty(dirfd);
	rmdir(run);
	return 0;
}
