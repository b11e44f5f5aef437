/*
 * kerndat: one probe of the kernel's features (see kerndat.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "kerndat.h"
#include "pagemap.h"

static struct fx_kerndat kd;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The fallbacks asked for in the environment. */
static unsigned forced_from_env(void)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "pagemap_scan", FX_FB_PAGEMAP_SCAN },
		{ "zero_pfn", FX_FB_ZERO_PFN },
		{ "vm_readv", FX_FB_VM_READV },
		{ "map_files", FX_FB_MAP_FILES },
		{ "swap", FX_FB_SWAP },
		{ "openat2", FX_FB_OPENAT2 },
		{ "walk_fast", FX_FB_WALK_FAST },
	};
	const char *e = getenv("MEMFORENSIC_FALLBACK"), *p;
	unsigned f = 0;
	size_t i, n;

	if (getenv("MEMFORENSIC_NO_PAGEMAP_SCAN"))
		f |= FX_FB_PAGEMAP_SCAN;
	for (p = e; p && *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n == 3 && !strncmp(p, "all", 3))
			f = ~0u;
		for (i = 0; i < FX_ARRAY_SIZE(names); i++)
			if (strlen(names[i].name) == n &&
			    !strncmp(p, names[i].name, n))
				f |= names[i].bit;
	}
	return f;
}

/* Can we read our own memory with process_vm_readv? */
static int probe_vm_readv(void)
{
	static const char src[8] = "kerndat";
	char dst[8] = "";
	struct iovec l = { dst, sizeof(dst) };
	struct iovec r = { (void *)src, sizeof(src) };

	return process_vm_readv(getpid(), &l, 1, &r, 1, 0) ==
		       (ssize_t)sizeof(dst) &&
	       !memcmp(dst, src, sizeof(dst));
}

/* Does /proc/self/map_files open? (A memfd of ours, mapped: we know its
 * range without reading our maps.) */
static int probe_map_files(void)
{
	size_t ps = fx_page_size();
	char path[80];
	void *p;
	int fd, mf, ok = 0;

	fd = memfd_create("kerndat", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	p = ftruncate(fd, (off_t)ps) ? MAP_FAILED :
		mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)(uintptr_t)p, (unsigned long)(uintptr_t)p + ps);
	mf = open(path, O_RDONLY | O_CLOEXEC);
	if (mf >= 0) {
		ok = 1;
		close(mf);
	}
	munmap(p, ps);
	return ok;
}

/* Does openat2 resolve beneath a directory? (Linux 5.6+; a seccomp
 * filter that does not know it answers ENOSYS or EPERM, as Docker's did
 * before 20.10.) */
static int probe_openat2(void)
{
	struct open_how h;
	long fd;

	memset(&h, 0, sizeof(h));
	h.flags = O_PATH | O_CLOEXEC;
	h.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, ".", &h, sizeof(h));
	if (fd < 0)
		return 0;
	close((int)fd);
	return 1;
}

/* Is a swap area configured? (/proc/swaps: a header, a line per area.) */
static int probe_swap(void)
{
	char buf[256];
	ssize_t n;
	int fd, yes = 1;	/* in doubt: never read a "swapped" page */

	fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n >= 0) {
			buf[n] = 0;
			yes = strchr(buf, '\n') && strchr(buf, '\n')[1];
		}
		close(fd);
	}
	return yes;
}

static void probe(void)
{
	kd.forced = forced_from_env();
	kd.pagemap_scan = !(kd.forced & FX_FB_PAGEMAP_SCAN) &&
			  fx_pagemap_probe_scan();
	kd.zero_pfn = kd.forced & FX_FB_ZERO_PFN ? 0 :
						   fx_pagemap_probe_zero_pfn();
	kd.swap = kd.forced & FX_FB_SWAP ? 1 : probe_swap();
	kd.vm_readv = !(kd.forced & FX_FB_VM_READV) && probe_vm_readv();
	kd.map_files = !(kd.forced & FX_FB_MAP_FILES) && probe_map_files();
	kd.openat2 = !(kd.forced & FX_FB_OPENAT2) && probe_openat2();
}

const struct fx_kerndat *fx_kerndat(void)
{
	pthread_once(&once, probe);
	return &kd;
}
