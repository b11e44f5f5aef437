/*
 * safeopen: opening a file whose name comes from input we do not trust
 * (DESIGN.md "Input that arrives from outside our process is hostile";
 * RELIABILITY T26, T27, T45): the files a dump directory's regions.tsv
 * names, a core or dump someone sent, the files a target names in its
 * maps. Every reader of such a name opens it here, and only here.
 *
 * Whatever is at the name, opening it never blocks (a FIFO) and never
 * has a device's side effects (a tape that rewinds, a watchdog that
 * starts): the name is first resolved to an O_PATH descriptor, which
 * opens nothing, and checked with fstat; only a regular file (or, when
 * asked, a directory) is then opened for reading, through
 * /proc/self/fd/N, that is the very inode checked.
 *
 * FX_OPEN_BENEATH: the name must stay inside dirfd: a relative path
 * without '..' and without a symbolic link anywhere on it (not only the
 * last component). Linux 5.6+ resolves it with openat2(2)
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS; where
 * openat2 is missing (kerndat.h: older kernels, some seccomp filters;
 * MEMFORENSIC_FALLBACK=openat2 forces it), one component at a time with
 * O_NOFOLLOW.
 *
 * FX_OPEN_IN_ROOT: dirfd is a process's root (/proc/PID/root): the name
 * (absolute) is resolved as if that were "/", absolute symbolic links
 * included (openat2 RESOLVE_IN_ROOT; without openat2, as openat does,
 * where an absolute link leaves that root: the caller must then check
 * which file it got, e.g. its dev:inode).
 */
#ifndef FX_SAFEOPEN_H
#define FX_SAFEOPEN_H

#include <sys/stat.h>

#define FX_OPEN_BENEATH 1	/* inside dirfd: no '..', '/', symlink */
#define FX_OPEN_IN_ROOT 2	/* dirfd is a root directory */
#define FX_OPEN_DIR 4		/* a directory too (an O_PATH fd for *at) */

/*
 * Open name, relative to dirfd (or AT_FDCWD), for reading, as above;
 * *st is its fstat. Returns the descriptor (O_RDONLY, O_CLOEXEC; for a
 * directory with FX_OPEN_DIR an O_PATH descriptor) or a negative errno:
 *   -EXDEV    FX_OPEN_BENEATH: an absolute name, or a '..' in it
 *   -ELOOP    a symbolic link (FX_OPEN_BENEATH: anywhere on the way;
 *             otherwise only a last component that is still one)
 *   -EISDIR   a directory (without FX_OPEN_DIR)
 *   -EINVAL   not a regular file: a FIFO, socket or device
 *   -ENOENT   an empty name; and open(2)'s own errors (-ENOENT,
 *             -EACCES, -ENAMETOOLONG...)
 * fx_safe_open_why() says each in words.
 */
int fx_safe_open(int dirfd, const char *name, unsigned int how,
		 struct stat *st);

/* A phrase for an error of fx_safe_open ("a symbolic link", "not a
 * regular file (a FIFO, socket or device)", strerror's for the rest). */
const char *fx_safe_open_why(int err);

#endif
