/*
 * safeopen: opening files named by untrusted input (see safeopen.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kerndat.h"
#include "safeopen.h"

static long sys_openat2(int dirfd, const char *name, struct open_how *h)
{
	return syscall(SYS_openat2, dirfd, name, h, sizeof(*h));
}

/* A name that leaves its directory before any lookup: absolute, or a
 * '..' component. */
static int lexical_escape(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return 1;
	while (*p) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return 1;
		p = strchr(p, '/');
		if (!p)
			break;
		while (*p == '/')
			p++;
	}
	return 0;
}

/*
 * Without openat2: one component at a time, each with O_NOFOLLOW, every
 * one but the last a directory. A symbolic link in the middle is an
 * error (ELOOP); one at the end is returned (O_PATH|O_NOFOLLOW opens the
 * link itself) for the caller's fstat to refuse. An O_PATH fd or -errno.
 */
static int walk_beneath(int dirfd, const char *name)
{
	char buf[PATH_MAX], *s = buf, *comp;
	int cur = dirfd, fd, last, e;
	struct stat st;

	if (strlen(name) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, name);
	while (*s) {
		comp = s;
		while (*s && *s != '/')
			s++;
		if (*s) {
			*s++ = '\0';
			while (*s == '/')
				s++;
		}
		last = !*s;
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC |
					       (last ? 0 : O_DIRECTORY));
		if (fd < 0) {
			e = errno;
			if (e == ENOTDIR &&
			    !fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) &&
			    S_ISLNK(st.st_mode))
				e = ELOOP;
			if (cur != dirfd)
				close(cur);
			return -e;
		}
		if (cur != dirfd)
			close(cur);
		cur = fd;
	}
	return cur == dirfd ? -ENOENT : cur;
}

/* name resolved to an O_PATH descriptor, as how asks. */
static int resolve(int dirfd, const char *name, unsigned int how)
{
	struct open_how h;
	long fd;

	if (fx_kerndat()->openat2) {
		memset(&h, 0, sizeof(h));
		h.flags = O_PATH | O_CLOEXEC;
		if (how & FX_OPEN_BENEATH) {
			h.flags |= O_NOFOLLOW;
			h.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				    RESOLVE_NO_MAGICLINKS;
		} else if (how & FX_OPEN_IN_ROOT) {
			h.flags |= O_NOFOLLOW;
			h.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		}
		fd = sys_openat2(dirfd, name, &h);
		return fd < 0 ? -errno : (int)fd;
	}
	if (how & FX_OPEN_BENEATH)
		return walk_beneath(dirfd, name);
	if (how & FX_OPEN_IN_ROOT) {
		while (*name == '/')
			name++;
		fd = openat(dirfd, *name ? name : ".",
			    O_PATH | O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = openat(dirfd, name, O_PATH | O_CLOEXEC);
	}
	return fd < 0 ? -errno : (int)fd;
}

int fx_safe_open(int dirfd, const char *name, unsigned int how,
		 struct stat *st)
{
	char self[64];
	struct stat st2;
	int pfd, fd, e;

	memset(st, 0, sizeof(*st));
	if (!name[0])
		return -ENOENT;
	if ((how & FX_OPEN_BENEATH) && lexical_escape(name))
		return -EXDEV;
	pfd = resolve(dirfd, name, how);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, st) < 0) {
		e = errno;
		close(pfd);
		return -e;
	}
	if (S_ISDIR(st->st_mode) && (how & FX_OPEN_DIR))
		return pfd;
	if (!S_ISREG(st->st_mode)) {
		close(pfd);
		return S_ISLNK(st->st_mode) ? -ELOOP :
		       S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	/* The very inode checked, opened for reading. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		/* No /proc: the name once more, refused if another file
		 * is there now. */
		while ((how & FX_OPEN_IN_ROOT) && *name == '/')
			name++;
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
			    O_NONBLOCK | (how ? O_NOFOLLOW : 0));
		if (fd >= 0 && (fstat(fd, &st2) || st2.st_dev != st->st_dev ||
				st2.st_ino != st->st_ino)) {
			close(fd);
			close(pfd);
			return -ESTALE;
		}
	}
	e = errno;
	close(pfd);
	return fd < 0 ? -e : fd;
}

const char *fx_safe_open_why(int err)
{
	switch (err < 0 ? -err : err) {
	case EXDEV:
		return "outside its directory (an absolute name or '..')";
	case ELOOP:
		return "a symbolic link";
	case EISDIR:
		return "a directory";
	case EINVAL:
		return "not a regular file (a FIFO, socket or device)";
	case ESTALE:
		return "changed while it was opened";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
