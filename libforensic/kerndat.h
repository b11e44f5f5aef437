/*
 * kerndat: what this kernel and our privileges allow, probed once per run
 * (as CRIU's kerndat), so that every reader takes the same fast path or
 * the same fallback, and tests can force each fallback.
 *
 *   pagemap_scan  the PAGEMAP_SCAN ioctl answers (Linux 6.7+): runs of
 *                 present pages without reading an entry per page
 *   zero_pfn      the shared zero page's PFN, so that a never-written
 *                 page read once is known zeros (PFNs need CAP_SYS_ADMIN)
 *   swap          a swap area is configured (a "swapped" pagemap entry is
 *                 then a page not to read; without swap it can only be a
 *                 page under migration)
 *   vm_readv      process_vm_readv works (seccomp in a container may deny
 *                 it); else /proc/PID/mem
 *   map_files     /proc/PID/map_files opens (CAP_SYS_ADMIN): the very
 *                 file mapped, whatever has replaced its path
 *   openat2       openat2(2) with RESOLVE_BENEATH (Linux 5.6+; a seccomp
 *                 filter may deny it): fx_safe_open resolves untrusted
 *                 names with it, else one component at a time
 *
 * MEMFORENSIC_FALLBACK in the environment forces fallbacks: a comma list
 * of pagemap_scan, zero_pfn, vm_readv, map_files, swap (taken as present:
 * swapped entries are always holes), openat2, walk_fast (not a kernel's:
 * the Java heap walker's fast path, jobjects.c), or "all". The older
 * MEMFORENSIC_NO_PAGEMAP_SCAN still forces the first.
 */
#ifndef FX_KERNDAT_H
#define FX_KERNDAT_H

#include <stdint.h>

#define FX_FB_PAGEMAP_SCAN 1u
#define FX_FB_ZERO_PFN 2u
#define FX_FB_VM_READV 4u
#define FX_FB_MAP_FILES 8u
#define FX_FB_SWAP 16u
#define FX_FB_OPENAT2 32u
#define FX_FB_WALK_FAST 64u

struct fx_kerndat {
	int pagemap_scan;
	uint64_t zero_pfn;	/* 0: unknown */
	int swap;
	int vm_readv;
	int map_files;
	int openat2;
	unsigned forced;	/* FX_FB_* forced from the environment */
};

/* The probe's results, made on the first call (thread-safe). */
const struct fx_kerndat *fx_kerndat(void);

#endif
