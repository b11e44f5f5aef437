/*
 * dumpdir: the dump directory (layout in dumpdir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "dumpdir.h"
#include "internal.h"
#include "proc.h"
#include "threads.h"

static const char *const hole_cols[] = { "pid", "start", "end", "reason" };

int fx_dump_parent(const char *path, char *base, size_t baselen,
		   const char **why)
{
	size_t len = strlen(path);
	char dir[4096], *slash;
	struct stat st;
	int fd, r;

	*why = NULL;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = 0;
	slash = strrchr(dir, '/');
	if (snprintf(base, baselen, "%s", slash ? slash + 1 : dir) >=
	    (int)baselen)
		return -ENAMETOOLONG;
	if (!slash)
		strcpy(dir, ".");
	else
		slash[slash == dir] = 0;	/* "/x": the root */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0)
		*why = "the directory it goes in is not owned by you or root "
		       "(its owner could replace the dump: pick another place)";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		*why = "the directory it goes in is writable by group or "
		       "others and not sticky (they could replace the dump: "
		       "pick another place)";
	if (*why) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int fx_dumpdir_create(struct fx_dumpdir *dd, const char *path)
{
	char base[256];
	int pfd, r;

	memset(dd, 0, sizeof(*dd));
	dd->dirfd = dd->holes_fd = dd->index_fd = -1;
	fx_buf_init(&dd->made);
	pfd = fx_dump_parent(path, base, sizeof(base), &dd->why);
	if (pfd < 0)
		return pfd;
	/* mkdirat never follows a symlink and fails on any existing name;
	 * made and opened through the parent that was checked. */
	if (mkdirat(pfd, base, 0700) < 0) {
		r = -errno;
		close(pfd);
		return r;
	}
	dd->dirfd = openat(pfd, base,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = dd->dirfd < 0 ? -errno : 0;
	if (!r && !(dd->path = realpath(path, NULL)))
		r = -errno;
	if (!r && (r = fx_dumpdir_file(dd, "holes.tsv", 0)) >= 0) {
		dd->holes_fd = r;
		fx_writer_init(&dd->holes, r, FX_FMT_TSV);
		r = fx_writer_columns(&dd->holes, hole_cols,
				      FX_ARRAY_SIZE(hole_cols));
	}
	if (!r && (r = fx_dumpdir_file(dd, "regions.tsv", 0)) >= 0) {
		dd->index_fd = r;
		r = 0;
	}
	if (r) {
		/* Out of descriptors, say: leave nothing behind. */
		free(dd->path);
		dd->path = NULL;
		fx_dumpdir_discard(dd);
		unlinkat(pfd, base, AT_REMOVEDIR);
	}
	close(pfd);
	return r;
}

int fx_dumpdir_file(struct fx_dumpdir *dd, const char *name, uint64_t size)
{
	int fd = openat(dd->dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0600), r;

	if (fd < 0)
		return -errno;
	/* Remembered, to be removed with the dump if it fails. */
	r = fx_buf_add(&dd->made, name, strlen(name) + 1);
	if (!r && size && ftruncate(fd, (off_t)size) < 0)
		r = -errno;
	if (r) {
		close(fd);
		unlinkat(dd->dirfd, name, 0);
		return r;
	}
	return fd;
}

int fx_dumpdir_hole_reason(struct fx_dumpdir *dd, uint64_t start,
			   uint64_t end, const char *reason)
{
	fx_writer_u64(&dd->holes, (uint64_t)dd->pid);
	fx_writer_addr(&dd->holes, start);
	fx_writer_addr(&dd->holes, end);
	fx_writer_text(&dd->holes, reason, strlen(reason));
	dd->nholes++;
	return fx_writer_end(&dd->holes);
}

int fx_dumpdir_hole(void *arg, uint64_t start, uint64_t end, enum fx_hole why)
{
	return fx_dumpdir_hole_reason(arg, start, end, fx_hole_name(why));
}

int fx_dumpdir_write(struct fx_dumpdir *dd, const char *name, const char *buf,
		     size_t len)
{
	int fd = fx_dumpdir_file(dd, name, 0), r;

	if (fd < 0)
		return fd;
	r = fx_pwrite_all(fd, buf, len, 0);
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

void fx_dumpdir_discard(struct fx_dumpdir *dd)
{
	char *path = dd->path;
	size_t i;

	/* Through the directory's own descriptor, before it is closed: no
	 * new descriptor is needed (the discard may follow EMFILE). */
	for (i = 0; dd->dirfd >= 0 && i < dd->made.len;
	     i += strlen(dd->made.data + i) + 1)
		unlinkat(dd->dirfd, dd->made.data + i, 0);
	dd->path = NULL;
	if (dd->holes_fd >= 0) {
		/* Whatever it still holds is not to be written. */
		fx_writer_release(&dd->holes);
		close(dd->holes_fd);
		dd->holes_fd = -1;
	}
	if (dd->index_fd >= 0)
		close(dd->index_fd);
	dd->index_fd = -1;
	fx_dumpdir_close(dd);
	if (path)
		rmdir(path);	/* fails, rightly, if anything else is in it */
	free(path);
}

/* Feed n bytes (or n zeros when p is NULL) to the compressor. */
static int zfeed(ZSTD_CCtx *z, int out, uint64_t *at, const char *p,
		 size_t n, char *obuf, size_t ocap, ZSTD_EndDirective end)
{
	static const char zeros[65536];
	ZSTD_outBuffer o;
	ZSTD_inBuffer in;
	size_t left, chunk, rem;
	int r;

	do {
		chunk = p ? n : (n < sizeof(zeros) ? n : sizeof(zeros));
		in.src = p ? p : zeros;
		in.size = chunk;
		in.pos = 0;
		left = n - chunk;
		do {
			o.dst = obuf;
			o.size = ocap;
			o.pos = 0;
			rem = ZSTD_compressStream2(z, &o, &in,
						   left ? ZSTD_e_continue : end);
			if (ZSTD_isError(rem))
				return -EIO;
			r = fx_pwrite_all(out, obuf, o.pos, *at);
			if (r)
				return r;
			*at += o.pos;
		} while (in.pos < in.size ||
			 (!left && end == ZSTD_e_end && rem));
		n = left;
	} while (n);
	return 0;
}

int fx_dumpdir_compress(struct fx_dumpdir *dd, const char *name, int level)
{
	size_t icap = 4 << 20, ocap = ZSTD_CStreamOutSize(), n;
	char zname[300], *ibuf = NULL, *obuf = NULL;
	off_t size, pos = 0, data, hole;
	uint64_t at = 0;
	ZSTD_CCtx *z = NULL;
	struct stat st;
	int in, out = -1, r = 0;
	ssize_t got;

	snprintf(zname, sizeof(zname), "%s.zst", name);
	in = openat(dd->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st) < 0) {
		r = -errno;
		goto out;
	}
	size = st.st_size;
	out = fx_dumpdir_file(dd, zname, 0);
	z = ZSTD_createCCtx();
	ibuf = malloc(icap);
	obuf = malloc(ocap);
	if (out < 0 || !z || !ibuf || !obuf) {
		r = out < 0 ? out : -ENOMEM;
		goto out;
	}
	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setPledgedSrcSize(z, (unsigned long long)size);
	while (pos < size && !r) {
		data = lseek(in, pos, SEEK_DATA);
		if (data < 0)
			data = size;	/* no data after pos: a tail hole */
		if (data > pos) {
			r = zfeed(z, out, &at, NULL, (size_t)(data - pos), obuf,
				  ocap, data == size ? ZSTD_e_end :
						       ZSTD_e_continue);
			pos = data;
			continue;
		}
		hole = lseek(in, pos, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		while (pos < hole && !r) {
			n = (size_t)(hole - pos) < icap ? (size_t)(hole - pos) :
							   icap;
			got = pread(in, ibuf, n, pos);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				r = got < 0 ? -errno : -EIO;
				break;
			}
			pos += got;
			r = zfeed(z, out, &at, ibuf, (size_t)got, obuf, ocap,
				  pos == size ? ZSTD_e_end : ZSTD_e_continue);
		}
	}
	if (!r && size == 0)
		r = zfeed(z, out, &at, "", 0, obuf, ocap, ZSTD_e_end);
	if (!r && close(out) < 0)
		r = -errno;
	out = -1;
out:
	if (out >= 0)
		close(out);
	close(in);
	ZSTD_freeCCtx(z);
	if (ibuf)
		explicit_bzero(ibuf, icap);
	free(ibuf);
	free(obuf);
	if (r)
		unlinkat(dd->dirfd, zname, 0);
	else
		unlinkat(dd->dirfd, name, 0);
	return r;
}

long fx_zstd_unpack(int fd, unsigned char *dst, uint64_t len)
{
	size_t icap = ZSTD_DStreamInSize(), ocap = 4 << 20, k, ps = 4096;
	unsigned char *ibuf, *obuf;
	ZSTD_DCtx *z = ZSTD_createDCtx();
	uint64_t at = 0;
	ZSTD_outBuffer o;
	ZSTD_inBuffer in;
	size_t rem = 1;
	ssize_t got;
	long r = 0;

	ibuf = malloc(icap);
	obuf = malloc(ocap);
	if (!z || !ibuf || !obuf) {
		r = -ENOMEM;
		goto out;
	}
	while (!r) {
		got = read(fd, ibuf, icap);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0) {
			if (rem)
				r = -EBADMSG;	/* truncated frame */
			break;
		}
		in.src = ibuf;
		in.size = (size_t)got;
		in.pos = 0;
		while (in.pos < in.size && !r) {
			o.dst = obuf;
			o.size = ocap;
			o.pos = 0;
			rem = ZSTD_decompressStream(z, &o, &in);
			if (ZSTD_isError(rem)) {
				r = -EBADMSG;
				break;
			}
			/* Only pages with a nonzero byte are written. */
			for (k = 0; k < o.pos && at + k < len; k += ps) {
				size_t n = o.pos - k < ps ? o.pos - k : ps;
				size_t i = 0;

				if (at + k + n > len)
					n = (size_t)(len - at - k);
				while (i < n && !obuf[k + i])
					i++;
				if (i < n)
					memcpy(dst + at + k, obuf + k, n);
			}
			at += o.pos;
			/* More than len: the rest is not unpacked (a small
			 * file can hold terabytes of zeros). */
			if (at > len)
				goto out;
		}
	}
out:
	ZSTD_freeDCtx(z);
	free(ibuf);
	free(obuf);
	if (r)
		return r;
	return (long)(at > len ? len + 1 : at);
}

int fx_dumpdir_close(struct fx_dumpdir *dd)
{
	int r = 0;

	if (dd->holes_fd >= 0) {
		r = fx_writer_flush(&dd->holes);
		fx_writer_release(&dd->holes);
		if (close(dd->holes_fd) < 0 && !r)
			r = -errno;
		dd->holes_fd = -1;
		dd->failed = r ? "holes.tsv" : NULL;
	}
	if (dd->index_fd >= 0 && close(dd->index_fd) < 0 && !r) {
		r = -errno;
		dd->failed = "regions.tsv";
	}
	dd->index_fd = -1;
	if (r) {
		fx_dumpdir_discard(dd);	/* a dump not whole */
		return r;
	}
	if (dd->dirfd >= 0)
		close(dd->dirfd);
	free(dd->path);
	fx_buf_release(&dd->made);
	dd->path = NULL;
	dd->dirfd = dd->holes_fd = -1;
	return r;
}

int fx_build_id(int fd, char *hex, size_t hexlen)
{
	size_t i, nph, off, noff, doff;
	Elf_Data *data;
	GElf_Phdr ph;
	GElf_Nhdr nh;
	Elf *e;
	int r = -ENOENT;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -ENOENT;
	if (elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &nph)) {
		elf_end(e);
		return -ENOENT;
	}
	for (i = 0; i < nph && r; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(e, (int64_t)ph.p_offset,
					    ph.p_filesz, ELF_T_NHDR);
		if (!data)
			continue;
		off = 0;
		while (r && (off = gelf_getnote(data, off, &nh, &noff,
						&doff)) > 0) {
			const unsigned char *d =
				(const unsigned char *)data->d_buf + doff;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + noff, "GNU", 4) ||
			    nh.n_descsz * 2 + 1 > hexlen || !nh.n_descsz)
				continue;
			fx_hex(hex, d, nh.n_descsz);
			r = 0;
		}
	}
	elf_end(e);
	return r;
}

int fx_capture_skip(struct fx_capture *c, uint64_t start, uint64_t end,
		    const char *reason, const char *name, size_t name_len)
{
	struct fx_buf *o = &c->skipped;
	int r = 0;

	if (o->len)
		r |= fx_buf_addc(o, ',');
	r |= fx_buf_adds(o, "{\"start\":\"");
	r |= fx_buf_add_addr(o, start);
	r |= fx_buf_adds(o, "\",\"end\":\"");
	r |= fx_buf_add_addr(o, end);
	r |= fx_buf_adds(o, "\",\"reason\":");
	r |= fx_json_bytes(o, reason, strlen(reason));
	r |= fx_buf_adds(o, ",\"name\":");
	if (name_len)
		r |= fx_json_bytes(o, name, name_len);
	else
		r |= fx_buf_adds(o, "null");
	r |= fx_buf_addc(o, '}');
	return r ? -ENOMEM : 0;
}

/* "key": then a JSON value of raw bytes, or null when len is 0. */
static int jkey(struct fx_buf *o, const char *key, const char *v, size_t len)
{
	int r = 0;

	r |= fx_buf_adds(o, o->len > 1 ? ",\"" : "\"");
	r |= fx_buf_adds(o, key);
	r |= fx_buf_adds(o, "\":");
	if (v)
		r |= fx_json_bytes(o, v, len);
	else
		r |= fx_buf_adds(o, "null");
	return r;
}

static int jnum(struct fx_buf *o, const char *key, uint64_t v)
{
	int r = 0;

	r |= fx_buf_adds(o, o->len > 1 ? ",\"" : "\"");
	r |= fx_buf_adds(o, key);
	r |= fx_buf_adds(o, "\":");
	r |= fx_buf_add_u64(o, v);
	return r;
}

int fx_capture_json(struct fx_buf *out, struct fx_proc *p,
		    const struct fx_capture *c)
{
	char exe[4096], id[129], when[32];
	struct fx_buf b, o;
	struct utsname u;
	struct tm tm;
	time_t now = time(NULL);
	ssize_t n;
	size_t i, s;
	int r = 0, fd;

	fx_buf_init(&b);
	fx_buf_init(&o);
	r |= fx_buf_addc(&o, '{');
	r |= jnum(&o, "pid", (uint64_t)p->pid);
	/* In a container: its own pid there; exe and the NT_FILE paths are
	 * that namespace's. */
	r |= jnum(&o, "ns_pid", (uint64_t)fx_proc_nstid(p, p->pid));
	r |= jnum(&o, "starttime", p->starttime);
	n = readlinkat(p->dirfd, "exe", exe, sizeof(exe));
	r |= jkey(&o, "exe", n > 0 ? exe : NULL, n > 0 ? (size_t)n : 0);
	fd = openat(p->dirfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fx_build_id(fd, id, sizeof(id)))
		r |= jkey(&o, "build_id", id, strlen(id));
	else
		r |= jkey(&o, "build_id", NULL, 0);
	if (fd >= 0)
		close(fd);
	r |= fx_buf_adds(&o, ",\"cmdline\":[");
	if (!fx_proc_read(p, "cmdline", &b, 0, NULL)) {
		for (i = 0, s = 0; i < b.len; i++) {
			if (b.data[i])
				continue;
			if (s)
				r |= fx_buf_addc(&o, ',');
			r |= fx_json_bytes(&o, b.data + s, i - s);
			s = i + 1;
		}
	}
	r |= fx_buf_addc(&o, ']');
	if (!uname(&u)) {
		fx_buf_reset(&b);
		r |= fx_buf_adds(&b, u.release);
		r |= fx_buf_addc(&b, ' ');
		r |= fx_buf_adds(&b, u.version);
		r |= jkey(&o, "kernel", b.data, b.len);
	}
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	fx_buf_reset(&b);
	if (fd >= 0 && !fx_buf_read_fd(&b, fd) && b.len >= 36)
		r |= jkey(&o, "boot_id", b.data, 36);
	else
		r |= jkey(&o, "boot_id", NULL, 0);
	if (fd >= 0)
		close(fd);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r |= jkey(&o, "captured_at", when, strlen(when));
	r |= jkey(&o, "mode", c->mode, strlen(c->mode));
	r |= jnum(&o, "pause_ns", c->pause_ns);
	if (c->site) {
		/* The windows of snapshot.h, in microseconds. */
		char w[256];

		snprintf(w, sizeof(w), ",\"snapshot\":{\"regs_borrowed_us\":"
			 "%.1f,\"clone_syscall_us\":%.1f,\"clone_to_hold_us\":"
			 "%.1f,\"reap_regs_borrowed_us\":%.1f,\"reap_pause_ns\":"
			 "%llu,\"syscall_site\":", c->regs_ns / 1e3,
			 c->clone_ns / 1e3, c->hold_ns / 1e3,
			 c->reap_regs_ns / 1e3,
			 (unsigned long long)c->reap_pause_ns);
		r |= fx_buf_adds(&o, w);
		r |= fx_json_bytes(&o, c->site, strlen(c->site));
		/* Off the OOM killer's list inside the windows? */
		r |= fx_buf_adds(&o, c->oom_refused ? ",\"oom_shielded\":false}" :
						      ",\"oom_shielded\":true}");
	}
	r |= fx_buf_adds(&o, c->interrupted ? ",\"interrupted\":true" :
					      ",\"interrupted\":false");
	r |= jkey(&o, "consistency", c->note, c->note ? strlen(c->note) : 0);
	r |= jkey(&o, "tool", c->tool, strlen(c->tool));
	r |= jkey(&o, "compression", c->compression,
		  c->compression ? strlen(c->compression) : 0);
	/* The threads, so that classify finds their stacks offline. */
	r |= fx_threads_json(&o, p, c->regs, c->nregs);
	r |= fx_buf_adds(&o, ",\"skipped\":[");
	r |= fx_buf_add(&o, c->skipped.data ? c->skipped.data : "",
			c->skipped.len);
	r |= fx_buf_adds(&o, "]}\n");
	r |= fx_buf_add(out, o.data, o.len);
	fx_buf_release(&b);
	fx_buf_release(&o);
	return r ? -ENOMEM : 0;
}
