/*
 * Unit tests of dump-region's library: which regions are never read, the
 * selection read from records, and the copy itself, run on this very
 * process (a buffer with known present, absent and zero-page pages);
 * which holes of a core take a file's bytes; a freeze whose allocations
 * fail (realloc made to fail below).
 */
#include <openssl/evp.h>
#include <signal.h>
#include <sys/wait.h>

#include "core.h"
#include "dump.h"
#include "freeze.h"
#include "plan.h"
#include "select.h"
#include "unit.h"

#ifndef __SANITIZE_ADDRESS__
#define FAULT_REALLOC 1
/*
 * Fault injection: from its realloc_fail_at-th call on (0: never),
 * realloc fails with ENOMEM. The library is linked into this program, so
 * its calls come here; glibc's own allocator does the work otherwise.
 * (Not under ASan, which brings its own realloc.)
 */
extern void *__libc_realloc(void *p, size_t n);
static int realloc_fail_at, realloc_calls;

void *realloc(void *p, size_t n)
{
	if (realloc_fail_at && ++realloc_calls >= realloc_fail_at) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
#endif

static struct fx_region region(const char *perms, unsigned int flags,
			       const char *name, enum fx_kind kind)
{
	struct fx_region r;

	memset(&r, 0, sizeof(r));
	r.start = 0x10000;
	r.end = 0x20000;
	snprintf(r.perms, sizeof(r.perms), "%s", perms);
	r.vmflags = flags;
	r.name = name;
	r.name_len = name ? strlen(name) : 0;
	r.kind = kind;
	return r;
}

START_TEST(test_skip_reasons)
{
	static const struct {
		const char *perms;
		unsigned int flags;
		const char *name;
		enum fx_kind kind;
		int dd;
		const char *want;
	} t[] = {
		{ "rw-p", 0, "[heap]", FX_KIND_HEAP, 0, NULL },
		{ "rw-s", FX_VM_IO | FX_VM_PF, "/dev/mem", FX_KIND_FILE, 0, "io" },
		{ "rw-p", FX_VM_PF, NULL, FX_KIND_ANON, 0, "pfnmap" },
		{ "rw-p", FX_VM_UM, NULL, FX_KIND_ANON, 0, "uffd" },
		{ "rw-p", FX_VM_UW, NULL, FX_KIND_ANON, 1, "uffd" },
		{ "r--p", FX_VM_IO | FX_VM_PF, "[vvar]", FX_KIND_VVAR, 0, "vvar" },
		{ "r--p", 0, "[vvar_vclock]", FX_KIND_VVAR, 0, "vvar" },
		{ "rw-s", 0, "/secretmem (deleted)", FX_KIND_DELETED, 0, "secretmem" },
		{ "---p", 0, NULL, FX_KIND_GUARD, 0, "guard" },
		{ "--xp", 0, "[vsyscall]", FX_KIND_VSYSCALL, 0, "no-read" },
		{ "rw-p", FX_VM_DD, NULL, FX_KIND_ANON, 0, "dontdump" },
		{ "rw-p", FX_VM_DD, NULL, FX_KIND_ANON, 1, NULL },
		{ "r-xp", 0, "/usr/lib/libc.so.6", FX_KIND_FILE, 0, NULL },
	};
	struct fx_region r;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = region(t[i].perms, t[i].flags, t[i].name, t[i].kind);
		got = fx_dump_skip_reason(&r, t[i].dd);
		ck_assert_msg((!got && !t[i].want) ||
				      (got && t[i].want && !strcmp(got, t[i].want)),
			      "case %zu (%s): got %s, want %s", i,
			      t[i].name ? t[i].name : "-", got ? got : "NULL",
			      t[i].want ? t[i].want : "NULL");
	}
}
END_TEST

START_TEST(test_selection_records)
{
	static const char in[] =
		"pid\tstart\tend\tfile\tsha256\tholes\tclass\tname\n"
		"42\t0x7f0000000000\t0x7f0000200000\told.bin\tab\t0\tarena\tx\\ty\n"
		"# a comment\n"
		"43\t0x000000400000\t0x000000401000\t-\t-\t-\t-\t-\n";
	struct fx_selection sel;
	int fd = unit_memfd_with(in, sizeof(in) - 1);

	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), 0);
	ck_assert_uint_eq(sel.n, 2);
	ck_assert_uint_eq(sel.npids, 2);
	/* file, sha256, holes are recomputed: dropped; class passes;
	 * starttime, missing, is added before name ("-": dump-region
	 * fills it). */
	ck_assert_uint_eq(sel.ncols, 6);
	ck_assert_int_eq(fx_selection_col(&sel, "file"), -1);
	ck_assert_int_eq(fx_selection_col(&sel, "class"), 3);
	ck_assert_int_eq(fx_selection_col(&sel, "starttime"), 4);
	ck_assert_str_eq(sel.s[0].f[3], "arena");
	ck_assert_str_eq(sel.s[0].f[4], "-");
	ck_assert_str_eq(sel.s[0].f[5], "x\\ty");	/* still escaped */
	ck_assert_uint_eq(sel.s[0].start, 0x7f0000000000ULL);
	ck_assert_uint_eq(sel.s[1].end, 0x401000);
	fx_selection_release(&sel);
	close(fd);
}
END_TEST

START_TEST(test_selection_headerless_and_bad)
{
	static const char bad[] = "pid\tstart\tend\n42\t0x1000\t0x1800\n";
	static const char nocols[] = "a\tb\n1\t2\n";
	struct fx_selection sel;
	char line[600];
	int fd, i;

	/* Headerless: the canonical region columns. */
	snprintf(line, sizeof(line), "7\t0x000000001000\t0x000000003000");
	for (i = 3; i < (int)fx_region_ncols; i++)
		strcat(line, "\t-");
	strcat(line, "\n");
	fd = unit_memfd_with(line, strlen(line));
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), 0);
	ck_assert_uint_eq(sel.n, 1);
	ck_assert_uint_eq(sel.s[0].end - sel.s[0].start, 0x2000);
	fx_selection_release(&sel);
	close(fd);

	/* An end that is not page aligned: a bad record, with its line. */
	fd = unit_memfd_with(bad, sizeof(bad) - 1);
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), -EBADMSG);
	ck_assert_msg(strstr(sel.err.msg, "line 2"), "msg: %s", sel.err.msg);
	fx_selection_release(&sel);
	close(fd);

	/* A second header without start (after cat a b): a bad record, not
	 * a read before the fields (found by fuzz_dump). */
	{
		static const char two[] = "pid\tstart\tend\n1\t0x1000\t0x2000\n"
					  "pid\tend\n1\t0x2000\n";

		fd = unit_memfd_with(two, sizeof(two) - 1);
		fx_selection_init(&sel);
		ck_assert_int_eq(fx_selection_read(&sel, fd), -EBADMSG);
		ck_assert_uint_eq(sel.n, 1);
		fx_selection_release(&sel);
		close(fd);
	}

	fd = unit_memfd_with(nocols, sizeof(nocols) - 1);
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), -EINVAL);
	fx_selection_release(&sel);
	close(fd);
}
END_TEST

struct holes {
	uint64_t s[16], e[16];
	enum fx_hole why[16];
	int n;
};

static int on_hole(void *arg, uint64_t s, uint64_t e, enum fx_hole why)
{
	struct holes *h = arg;

	ck_assert_int_lt(h->n, 16);
	h->s[h->n] = s;
	h->e[h->n] = e;
	h->why[h->n++] = why;
	return 0;
}

/* Copy [p, p + 64 pages) of this process; check everything about it. */
static void copy_self(int use_scan, int defer)
{
	size_t ps = fx_page_size(), i, len = 64 * ps;
	unsigned char want[32], *got;
	struct fx_dump_res res;
	struct fx_dumper d;
	struct holes h = { 0 };
	struct fx_proc p;
	EVP_MD_CTX *md;
	uint64_t base;
	volatile char c;
	unsigned int wl = 32;
	char hex[65], *mem;
	int fd;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(mem != MAP_FAILED);
	madvise(mem, len, MADV_NOHUGEPAGE);
	base = (uint64_t)(uintptr_t)mem;
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; i < 64; i++) {
		if (i < 10 || (i >= 20 && i < 30)) {
			memset(mem + i * ps, 'a' + (int)(i % 26), ps);
			EVP_DigestUpdate(md, mem + i * ps, ps);
		}
	}
	EVP_DigestFinal_ex(md, want, &wl);
	EVP_MD_CTX_free(md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", want[i]);
	c = mem[40 * ps];	/* a read: maps the zero page */
	(void)c;

	ck_assert_int_eq(fx_proc_open(&p, getpid()), 0);
	ck_assert_int_eq(fx_dumper_init(&d, &p, use_scan, NULL), 0);
	d.defer_hash = defer;
	fd = unit_memfd();
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	ck_assert_int_eq(fx_dump_res_init(&res), 0);
	ck_assert_int_eq(fx_dumper_copy(&d, base, base + len, fd, 0, on_hole,
					&h, &res),
			 0);
	fx_dump_res_finish(&res);
	if (defer)
		ck_assert_int_eq(fx_dump_res_rehash(&res, fd), 0);
	ck_assert_uint_eq(res.captured, 20 * ps);
	ck_assert_uint_eq(res.holes, 44 * ps);
	ck_assert_str_eq(res.sha256, hex);
	/* Holes: [10,20) absent, [30,64) absent but 40 (zero page, when the
	 * zero page can be told: PAGEMAP_SCAN, or PFNs visible). */
	ck_assert_int_ge(h.n, 2);
	ck_assert_uint_eq(h.s[0], base + 10 * ps);
	ck_assert_uint_eq(h.e[0], base + 20 * ps);
	ck_assert_int_eq(h.why[0], FX_HOLE_ABSENT);
	ck_assert_uint_eq(h.s[1], base + 30 * ps);
	if (h.n == 4) {
		ck_assert_uint_eq(h.s[2], base + 40 * ps);
		ck_assert_int_eq(h.why[2], FX_HOLE_ZERO);
		ck_assert_uint_eq(h.e[3], base + len);
	} else {
		ck_assert_int_eq(h.n, 2);
		ck_assert_msg(!use_scan, "PAGEMAP_SCAN did not report the zero page");
		ck_assert_uint_eq(h.e[1], base + len);
	}
	/* The file: captured pages as they are, holes zero. */
	got = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(got != MAP_FAILED);
	for (i = 0; i < 64; i++)
		ck_assert_msg(got[i * ps + ps / 2] ==
				      ((i < 10 || (i >= 20 && i < 30)) ?
					       'a' + (int)(i % 26) :
					       0),
			      "page %zu", i);
	munmap(got, len);
	close(fd);
	fx_dumper_release(&d);
	fx_proc_release(&p);
	munmap(mem, len);
}

START_TEST(test_copy_self_scan)
{
	copy_self(1, 0);
}
END_TEST

START_TEST(test_copy_self_entries)
{
	copy_self(0, 0);
}
END_TEST

START_TEST(test_copy_self_deferred)
{
	copy_self(1, 1);
}
END_TEST

/* read_end's calls, and what had been read at the first. */
struct read_ends {
	int calls;
	const struct fx_dump_res *res;
	uint64_t captured;
};

static void on_read_end(void *arg)
{
	struct read_ends *re = arg;

	if (!re->calls++)
		re->captured = re->res->captured;
}

/*
 * A copy of several batches (the writer and hasher threads take them
 * round the ring of buffers): a page in 97 absent. Every byte in place,
 * the digest that of the present pages in order, read_end called once,
 * every byte read by then; then the same to a pipe (pwrite fails:
 * -ESPIPE), where nothing counts as captured and read_end is not called
 * (the copy stopped early).
 */
START_TEST(test_copy_self_batches)
{
	size_t ps = fx_page_size(), i;
	size_t np = 2 * FX_DUMP_SLOTS * (FX_DUMP_BATCH / ps) + 5;
	size_t len = np * ps, nwant = 0;
	unsigned char want[32], *got;
	struct fx_dump_res res;
	struct fx_dumper d;
	struct fx_proc p;
	EVP_MD_CTX *md;
	unsigned int wl = 32;
	char hex[65], *mem;
	uint64_t base;
	struct read_ends re = { .res = &res };
	int fd, pfd[2];

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(mem != MAP_FAILED);
	madvise(mem, len, MADV_NOHUGEPAGE);
	base = (uint64_t)(uintptr_t)mem;
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (i = 0; i < np; i++) {
		if (i % 97 == 3)
			continue;
		memset(mem + i * ps, 1 + (int)(i % 251), ps);
		EVP_DigestUpdate(md, mem + i * ps, ps);
		nwant++;
	}
	EVP_DigestFinal_ex(md, want, &wl);
	EVP_MD_CTX_free(md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", want[i]);

	ck_assert_int_eq(fx_proc_open(&p, getpid()), 0);
	ck_assert_int_eq(fx_dumper_init(&d, &p, 1, NULL), 0);
	fd = unit_memfd();
	ck_assert_int_eq(fx_dump_res_init(&res), 0);
	d.read_end = on_read_end;
	d.read_end_arg = &re;
	ck_assert_int_eq(fx_dumper_copy(&d, base, base + len, fd, 0, NULL,
					NULL, &res),
			 0);
	fx_dump_res_finish(&res);
	ck_assert_int_eq(re.calls, 1);
	ck_assert_uint_eq(re.captured, nwant * ps);
	ck_assert_ptr_null(d.read_end);
	ck_assert_uint_eq(res.captured, nwant * ps);
	ck_assert_uint_eq(res.holes, (np - nwant) * ps);
	ck_assert_str_eq(res.sha256, hex);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	got = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert(got != MAP_FAILED);
	for (i = 0; i < np; i++)
		ck_assert_msg(got[i * ps] == (i % 97 == 3 ? 0 : 1 + i % 251) &&
				      got[i * ps + ps - 1] == got[i * ps],
			      "page %zu", i);
	munmap(got, len);
	close(fd);

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(fx_dump_res_init(&res), 0);
	re.calls = 0;
	d.read_end = on_read_end;
	ck_assert_int_eq(fx_dumper_copy(&d, base, base + len, pfd[1], 0, NULL,
					NULL, &res),
			 -ESPIPE);
	fx_dump_res_finish(&res);
	ck_assert_int_eq(re.calls, 0);
	ck_assert_uint_eq(res.captured, 0);
	close(pfd[0]);
	close(pfd[1]);
	fx_dumper_release(&d);
	fx_proc_release(&p);
	munmap(mem, len);
}
END_TEST

/*
 * Which holes of a core fx_core_fill fills from the mapped file: a page
 * absent (neither present nor swapped) in a readable file mapping, and
 * nothing else: not a swapped page (in a private mapping, the target's
 * own data, written then swapped out), nor a zero or unreadable one, nor
 * an anonymous or MADV_DONTDUMP region, nor outside the map.
 */
START_TEST(test_core_fill_decision)
{
	static const char text[] =
		"7f0000000000-7f0000100000 rw-p 00000000 fe:00 1234      "
		"/data/file.dat\n"
		"VmFlags: rd wr mr mw me ac\n"
		"7f0000100000-7f0000200000 rw-p 00000000 00:00 0 \n"
		"VmFlags: rd wr mr mw me ac\n"
		"7f0000200000-7f0000300000 r--p 00000000 fe:00 99        "
		"/data/secret.dat\n"
		"VmFlags: rd mr mw me dd\n"
		"7f0000400000-7f0000500000 r--s 00001000 fe:00 77        "
		"/dev/shm/seg\n"
		"VmFlags: rd mr mw me ms sd\n";
	struct fx_dumpplan pl;
	struct fx_err err;
	uint64_t f = 0x7f0000000000ULL, a = 0x7f0000100000ULL;
	uint64_t dd = 0x7f0000200000ULL, sh = 0x7f0000400000ULL;

	memset(&pl, 0, sizeof(pl));
	fx_maps_init(&pl.maps);
	ck_assert_int_eq(fx_maps_parse(&pl.maps, text, strlen(text), &err),
			 0);
	ck_assert_uint_eq(pl.maps.n, 4);
	ck_assert(fx_core_fills(&pl, f + 0x3000, FX_HOLE_ABSENT));
	ck_assert(fx_core_fills(&pl, sh + 0x5000, FX_HOLE_ABSENT));
	ck_assert(!fx_core_fills(&pl, f + 0x3000, FX_HOLE_SWAPPED));
	ck_assert(!fx_core_fills(&pl, f + 0x3000, FX_HOLE_ZERO));
	ck_assert(!fx_core_fills(&pl, f + 0x3000, FX_HOLE_UNREADABLE));
	ck_assert(!fx_core_fills(&pl, f + 0x3000, FX_HOLE_GONE));
	ck_assert(!fx_core_fills(&pl, a + 0x3000, FX_HOLE_ABSENT));
	ck_assert(!fx_core_fills(&pl, dd + 0x3000, FX_HOLE_ABSENT));
	ck_assert(!fx_core_fills(&pl, 0x7f0000300000ULL, FX_HOLE_ABSENT));
	ck_assert(!fx_core_fills(&pl, 0x7f0000600000ULL, FX_HOLE_ABSENT));
	pl.include_dd = 1;	/* --include-dontdump: read, so filled */
	ck_assert(fx_core_fills(&pl, dd + 0x3000, FX_HOLE_ABSENT));
	fx_maps_release(&pl.maps);
}
END_TEST

#ifdef FAULT_REALLOC
/* The TracerPid of process pid (0: untraced). */
static int tracer_of(int pid)
{
	char buf[4096];
	const char *t;

	ck_assert(unit_proc_read(pid, "status", buf, sizeof(buf)) >= 0);
	t = strstr(buf, "\nTracerPid:");
	return t ? atoi(t + 11) : -1;
}
#endif

/*
 * A freeze whose allocations fail, each in turn (the k-th realloc call
 * and every later one, for k = 1...): it either freezes or fails, and a
 * thread it seized is never lost: the child is untraced afterwards,
 * every time. (A thread seized before there was room for it in the list
 * stayed traced, and stopped, after the failed freeze let the others go.)
 */
START_TEST(test_freeze_enomem)
{
#ifdef FAULT_REALLOC
	struct fx_freeze fz;
	struct fx_proc p;
	int k, r, failed = 0, froze = 0;
	pid_t child = unit_child(NULL, NULL);

	ck_assert_int_eq(fx_proc_open(&p, child), 0);
	for (k = 1; k <= 40; k++) {
		realloc_calls = 0;
		realloc_fail_at = k;
		r = fx_freeze(&fz, &p, 2000, NULL);
		realloc_fail_at = 0;
		ck_assert_msg(r == 0 || r == -ENOMEM || r == -ESRCH,
			      "realloc #%d failing: fx_freeze %d", k, r);
		if (r == 0) {
			froze++;
			ck_assert_int_eq(fx_freeze_thaw(&fz), 0);
		} else {
			failed++;
		}
		fx_freeze_release(&fz);
		ck_assert_msg(tracer_of(child) == 0,
			      "realloc #%d failing (fx_freeze %d): the child "
			      "is still traced", k, r);
	}
	ck_assert_int_gt(failed, 0);
	ck_assert_int_gt(froze, 0);
	fx_proc_release(&p);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
#endif
}
END_TEST

static Suite *dump_suite(void)
{
	Suite *s = suite_create("dump");
	TCase *tc = tcase_create("dump");

	tcase_add_test(tc, test_skip_reasons);
	tcase_add_test(tc, test_selection_records);
	tcase_add_test(tc, test_selection_headerless_and_bad);
	tcase_add_test(tc, test_copy_self_scan);
	tcase_add_test(tc, test_copy_self_entries);
	tcase_add_test(tc, test_copy_self_deferred);
	tcase_add_test(tc, test_copy_self_batches);
	tcase_add_test(tc, test_core_fill_decision);
	tcase_add_test(tc, test_freeze_enomem);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(dump_suite());
}
