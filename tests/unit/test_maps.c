/*
 * test_maps: the maps/smaps/smaps_rollup parser over corpus/proc fixtures
 * (see corpus/README.md for how each was made).
 */
#include <signal.h>
#include <sys/wait.h>

#include "unit.h"

#define KB 1024ULL

/*
 * Ground truth for the real captures, computed at capture time from the
 * fixture files, not by this library:
 *
 *   LC_ALL=C awk -f kinds.awk corpus/proc/NAME.smaps
 *
 * where kinds.awk counts header lines, sums the kB of the Rss:, Pss:,
 * Swap:, Size: and Private_Dirty: lines, counts VmFlags lines holding
 * " dd", " io", " nr", " pf", and labels each region from its name (the
 * bytes from column 74) and perms by the rules of DESIGN.md, e.g.
 *
 *   awk '/^Rss:/ {r += $2} END {print r}' corpus/proc/jvm.smaps   -> 76224
 */
static const struct real {
	const char *file;
	size_t n;
	uint64_t size_kb, rss_kb, pss_kb, swap_kb, pdirty_kb;
	unsigned dd, io, nr, pf;
	/* file anon heap stack vdso vvar vsyscall shm memfd deleted guard */
	unsigned kinds[11];
} reals[] = {
	{ "proc/jvm.smaps", 206, 2641120, 76224, 74433, 0, 44492, 2, 2, 41, 2,
	  { 88, 64, 1, 1, 1, 2, 1, 0, 0, 0, 48 } },
	{ "proc/python3.smaps", 105, 16572, 13576, 12098, 0, 6868, 2, 2, 0, 2,
	  { 92, 7, 1, 1, 1, 2, 1, 0, 0, 0, 0 } },
	{ "proc/threads.smaps", 56, 592336, 9788, 8516, 0, 8336, 2, 2, 16, 2,
	  { 15, 19, 1, 1, 1, 2, 1, 0, 0, 0, 16 } },
	{ "proc/bash.smaps", 43, 4364, 3036, 605, 0, 280, 2, 2, 0, 2,
	  { 33, 4, 1, 1, 1, 2, 1, 0, 0, 0, 0 } },
	{ "proc/oddnames.smaps", 36, 2628, 1400, 244, 0, 104, 2, 2, 0, 2,
	  { 20, 4, 1, 1, 1, 2, 1, 2, 1, 2, 1 } },
};

/* The fields every region of a 6.18 smaps carries. */
static const enum fx_field fields618[] = {
	FX_F_SIZE, FX_F_KERNEL_PAGE_SIZE, FX_F_MMU_PAGE_SIZE, FX_F_RSS,
	FX_F_PSS, FX_F_PSS_DIRTY, FX_F_SHARED_CLEAN, FX_F_SHARED_DIRTY,
	FX_F_PRIVATE_CLEAN, FX_F_PRIVATE_DIRTY, FX_F_REFERENCED,
	FX_F_ANONYMOUS, FX_F_KSM, FX_F_LAZYFREE, FX_F_ANON_HUGE,
	FX_F_SHMEM_PMD, FX_F_FILE_PMD, FX_F_SHARED_HUGETLB,
	FX_F_PRIVATE_HUGETLB, FX_F_SWAP, FX_F_SWAP_PSS, FX_F_LOCKED,
	FX_F_THP_ELIGIBLE,
};

START_TEST(test_real_smaps)
{
	const struct real *t = &reals[_i];
	uint64_t size = 0, rss = 0, pss = 0, swap = 0, pd = 0;
	unsigned kinds[11] = { 0 }, dd = 0, io = 0, nr = 0, pf = 0, k;
	struct fx_maps m;
	size_t i, j;

	unit_parse(t->file, &m);
	ck_assert_uint_eq(m.n, t->n);
	ck_assert_int_eq(m.is_smaps, 1);
	ck_assert_uint_eq(m.overlaps, 0);
	for (i = 0; i < m.n; i++) {
		const struct fx_region *r = &m.r[i];

		ck_assert_msg(r->start < r->end, "%s region %zu", t->file, i);
		if (i)
			ck_assert(r->start >= m.r[i - 1].end);
		for (j = 0; j < sizeof(fields618) / sizeof(fields618[0]); j++)
			ck_assert_msg(unit_have(r, fields618[j]),
				      "%s region %zu lacks field %d", t->file,
				      i, fields618[j]);
		/* Not in a 6.18 per-region smaps (only in smaps_rollup). */
		ck_assert(!unit_have(r, FX_F_PSS_ANON));
		ck_assert(!unit_have(r, FX_F_PSS_FILE));
		ck_assert(!unit_have(r, FX_F_PROTECTION_KEY));
		/* 4 KiB pages throughout: Size is the span. */
		ck_assert_uint_eq(r->v[FX_F_SIZE], r->end - r->start);
		ck_assert_uint_eq(r->v[FX_F_KERNEL_PAGE_SIZE], 4096);
		ck_assert_uint_eq(r->v[FX_F_SIZE] % 4096, 0);
		ck_assert(r->v[FX_F_RSS] <= r->v[FX_F_SIZE]);
		ck_assert(r->v[FX_F_THP_ELIGIBLE] <= 1);
		ck_assert_int_eq(r->has_vmflags, 1);
		ck_assert_ptr_nonnull(r->vmflags_text);
		ck_assert_uint_eq(strlen(r->name), strcspn(r->name, "\n") +
				  strlen(r->name + strcspn(r->name, "\n")));
		size += r->v[FX_F_SIZE];
		rss += r->v[FX_F_RSS];
		pss += r->v[FX_F_PSS];
		swap += r->v[FX_F_SWAP];
		pd += r->v[FX_F_PRIVATE_DIRTY];
		dd += !!(r->vmflags & FX_VM_DD);
		io += !!(r->vmflags & FX_VM_IO);
		nr += !!(r->vmflags & FX_VM_NR);
		pf += !!(r->vmflags & FX_VM_PF);
		ck_assert_uint_lt(r->kind, 11);
		kinds[r->kind]++;
		/* Readable regions never carry the flags that forbid it. */
		if (r->vmflags & FX_VM_IO)
			ck_assert(r->kind == FX_KIND_VVAR ||
				  r->kind == FX_KIND_VDSO ||
				  r->kind == FX_KIND_VSYSCALL);
	}
	ck_assert_uint_eq(size, t->size_kb * KB);
	ck_assert_uint_eq(rss, t->rss_kb * KB);
	ck_assert_uint_eq(pss, t->pss_kb * KB);
	ck_assert_uint_eq(swap, t->swap_kb * KB);
	ck_assert_uint_eq(pd, t->pdirty_kb * KB);
	ck_assert_uint_eq(dd, t->dd);
	ck_assert_uint_eq(io, t->io);
	ck_assert_uint_eq(nr, t->nr);
	ck_assert_uint_eq(pf, t->pf);
	for (k = 0; k < 11; k++)
		ck_assert_msg(kinds[k] == t->kinds[k], "%s: %u regions of kind "
			      "%s, expected %u", t->file, kinds[k],
			      fx_kind_name(k), t->kinds[k]);
	fx_maps_release(&m);
}
END_TEST

/* maps and smaps of one process, read one after the other: same regions. */
START_TEST(test_maps_vs_smaps)
{
	static const char *const pairs[][2] = {
		{ "proc/threads.maps", "proc/threads.smaps" },
		{ "proc/bash.maps", "proc/bash.smaps" },
	};
	struct fx_maps a, b;
	size_t i;

	unit_parse(pairs[_i][0], &a);
	unit_parse(pairs[_i][1], &b);
	ck_assert_int_eq(a.is_smaps, 0);
	ck_assert_uint_eq(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		ck_assert_uint_eq(a.r[i].start, b.r[i].start);
		ck_assert_uint_eq(a.r[i].end, b.r[i].end);
		ck_assert_uint_eq(a.r[i].offset, b.r[i].offset);
		ck_assert_uint_eq(a.r[i].inode, b.r[i].inode);
		ck_assert_str_eq(a.r[i].perms, b.r[i].perms);
		ck_assert_uint_eq(a.r[i].name_len, b.r[i].name_len);
		ck_assert_mem_eq(a.r[i].name, b.r[i].name, a.r[i].name_len);
		ck_assert_int_eq(a.r[i].kind, b.r[i].kind);
		/* maps text has no figures and no flags: all missing. */
		ck_assert_uint_eq(a.r[i].have, 0);
		ck_assert_int_eq(a.r[i].has_vmflags, 0);
		ck_assert_ptr_null(a.r[i].vmflags_text);
	}
	fx_maps_release(&a);
	fx_maps_release(&b);
}
END_TEST

/* Specific lines of threads.maps, checked against `grep` of the file. */
START_TEST(test_threads_lines)
{
	struct fx_maps m;
	const struct fx_region *r;

	unit_parse("proc/threads.maps", &m);
	/* 55a07d39b000-55a07d39c000 r-xp 00001000 fe:00 5308581 .../threads */
	r = &m.r[1];
	ck_assert_uint_eq(r->start, 0x55a07d39b000ULL);
	ck_assert_uint_eq(r->end, 0x55a07d39c000ULL);
	ck_assert_str_eq(r->perms, "r-xp");
	ck_assert_uint_eq(r->offset, 0x1000);
	ck_assert_uint_eq(r->dev_major, 0xfe);
	ck_assert_uint_eq(r->dev_minor, 0);
	ck_assert_uint_eq(r->inode, 5308581);
	ck_assert_str_eq(r->name, "/work/main/build/targets/threads");
	ck_assert_uint_eq(r->name_len, 32);
	ck_assert_int_eq(r->kind, FX_KIND_FILE);
	/* 55a098ce9000-55a098d0a000 rw-p 00000000 00:00 0 [heap] */
	r = unit_region(&m, 0x55a098ce9000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_HEAP);
	ck_assert_uint_eq(r->end, 0x55a098d0a000ULL);
	/* 7f6d10d32000-7f6d10d34000 r--p 00000000 00:00 0 [vvar_vclock] */
	r = unit_region(&m, 0x7f6d10d32000ULL);
	ck_assert_str_eq(r->name, "[vvar_vclock]");
	ck_assert_int_eq(r->kind, FX_KIND_VVAR);
	r = unit_region(&m, 0x7f6d10d2e000ULL);
	ck_assert_str_eq(r->name, "[vvar]");
	ck_assert_int_eq(r->kind, FX_KIND_VVAR);
	r = unit_region(&m, 0x7f6d10d34000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_VDSO);
	r = unit_region(&m, 0x7ffcea7ef000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_STACK);
	r = &m.r[m.n - 1];
	ck_assert_uint_eq(r->start, 0xffffffffff600000ULL);
	ck_assert_uint_eq(r->end, 0xffffffffff601000ULL);
	ck_assert_str_eq(r->perms, "--xp");
	ck_assert_int_eq(r->kind, FX_KIND_VSYSCALL);
	ck_assert_str_eq(r->name, "[vsyscall]");
	fx_maps_release(&m);
}
END_TEST

/* Values are bytes, the VmFlags text is kept, flags map to bits. */
START_TEST(test_smaps_values)
{
	struct fx_maps m;
	const struct fx_region *r;

	unit_parse("proc/jvm.smaps", &m);
	/* grep -A25 '^55f5a5bdb000' corpus/proc/jvm.smaps: the [heap]. */
	r = unit_region(&m, 0x55f5a5bdb000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_HEAP);
	ck_assert_uint_eq(r->v[FX_F_SIZE], 284 * KB);
	ck_assert_uint_eq(r->v[FX_F_RSS], 104 * KB);
	ck_assert_uint_eq(r->v[FX_F_PRIVATE_DIRTY], 104 * KB);
	ck_assert_uint_eq(r->v[FX_F_THP_ELIGIBLE], 0);
	ck_assert_str_eq(r->vmflags_text, "rd wr mr mw me ac");
	ck_assert_uint_eq(r->vmflags, 0);
	/* The [vvar] of the JVM: "VmFlags: rd mr pf io de dd". */
	r = unit_region(&m, 0x7fe921d20000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_VVAR);
	ck_assert_uint_eq(r->vmflags, FX_VM_DD | FX_VM_IO | FX_VM_PF);
	fx_maps_release(&m);
}
END_TEST

START_TEST(test_names)
{
	struct fx_maps m;
	const struct fx_region *r;
	size_t i;

	unit_parse("proc/names.maps", &m);
	ck_assert_uint_eq(m.n, 22);
	ck_assert_uint_eq(m.overlaps, 0);
	r = &m.r[0];
	ck_assert_str_eq(r->name, "/opt/my app/bin/two  spaces and trailing ");
	ck_assert_uint_eq(r->name_len, 41);
	ck_assert_uint_eq(r->dev_major, 8);
	ck_assert_uint_eq(r->dev_minor, 1);
	ck_assert_uint_eq(r->inode, 1234);
	ck_assert_int_eq(r->kind, FX_KIND_FILE);
	/* From the text alone both look unlinked; fx_proc_check_deleted
	 * tells a file really so named apart on a live system. */
	ck_assert_str_eq(m.r[1].name, "/srv/x (deleted)");
	ck_assert_int_eq(m.r[1].kind, FX_KIND_DELETED);
	ck_assert_uint_eq(m.r[1].offset, 0x1000);
	ck_assert_str_eq(m.r[2].name, "/srv/x (deleted) (deleted)");
	ck_assert_int_eq(m.r[2].kind, FX_KIND_DELETED);
	ck_assert_str_eq(m.r[3].name, "/srv/ (deleted)");
	ck_assert_int_eq(m.r[3].kind, FX_KIND_DELETED);
	/* "\012" is the kernel's newline. */
	r = &m.r[4];
	ck_assert_uint_eq(r->name_len, 14);
	ck_assert_mem_eq(r->name, "/srv/new\nline\n", 15);
	ck_assert_uint_eq(r->dev_major, 0xfd);
	ck_assert_uint_eq(r->dev_minor, 2);
	/* A 4095-byte path, a 3-digit major, an inode over 2^32. */
	r = &m.r[5];
	ck_assert_uint_eq(r->name_len, 4095);
	ck_assert_uint_eq(strlen(r->name), 4095);
	ck_assert_mem_eq(r->name, "/aaaa", 5);
	ck_assert_str_eq(r->name + 4090, "/file");
	for (i = 1; i < 4090; i++)
		ck_assert(r->name[i] == '/' || (r->name[i] >= 'a' &&
						 r->name[i] <= 'z'));
	ck_assert_uint_eq(r->dev_major, 0x103);
	ck_assert_uint_eq(r->dev_minor, 5);
	ck_assert_uint_eq(r->inode, 4294967296ULL);
	ck_assert_uint_eq(r->offset, 0x1c000);
	ck_assert_int_eq(m.r[6].kind, FX_KIND_HEAP);
	ck_assert_str_eq(m.r[7].name, "[anon:some name]");
	ck_assert_int_eq(m.r[7].kind, FX_KIND_ANON);
	ck_assert_int_eq(m.r[8].kind, FX_KIND_GUARD);
	ck_assert_str_eq(m.r[9].name, "[anon_shmem:x]");
	ck_assert_str_eq(m.r[9].perms, "rw-s");
	ck_assert_int_eq(m.r[9].kind, FX_KIND_SHM);
	ck_assert_int_eq(m.r[10].kind, FX_KIND_GUARD);
	ck_assert_uint_eq(m.r[10].name_len, 0);
	ck_assert_str_eq(m.r[10].name, "");
	ck_assert_str_eq(m.r[10].perms, "---p");
	ck_assert_int_eq(m.r[11].kind, FX_KIND_STACK);
	ck_assert_str_eq(m.r[11].name, "[stack:1234]");
	ck_assert_int_eq(m.r[12].kind, FX_KIND_MEMFD);
	ck_assert_str_eq(m.r[12].name, "/memfd:x (deleted)");
	ck_assert_int_eq(m.r[13].kind, FX_KIND_SHM);
	ck_assert_str_eq(m.r[13].name, "/SYSV00000000 (deleted)");
	ck_assert_int_eq(m.r[14].kind, FX_KIND_SHM);
	ck_assert_int_eq(m.r[15].kind, FX_KIND_SHM);
	ck_assert_int_eq(m.r[16].kind, FX_KIND_ANON);
	ck_assert_uint_eq(m.r[16].name_len, 0);
	ck_assert_int_eq(m.r[17].kind, FX_KIND_VVAR);
	ck_assert_int_eq(m.r[18].kind, FX_KIND_VVAR);
	ck_assert_int_eq(m.r[19].kind, FX_KIND_VDSO);
	ck_assert_int_eq(m.r[20].kind, FX_KIND_STACK);
	ck_assert_uint_eq(m.r[21].start, 0xffffffffff600000ULL);
	ck_assert_int_eq(m.r[21].kind, FX_KIND_VSYSCALL);
	fx_maps_release(&m);
}
END_TEST

/* The names of the real oddnames target, as its kernel wrote them. */
START_TEST(test_oddnames)
{
	struct fx_maps m;
	const struct fx_region *r;
	int seen = 0;
	size_t i;

	unit_parse("proc/oddnames.smaps", &m);
	for (i = 0; i < m.n; i++) {
		r = &m.r[i];
		if (r->name_len > 13 &&
		    memcmp(r->name, "/tmp/cap/odd/", 13) == 0) {
			const char *b = r->name + 13;
			size_t n = r->name_len - 13;

			seen++;
			if (n == 10 && !memcmp(b, "with space", 10))
				ck_assert_int_eq(r->kind, FX_KIND_FILE);
			else if (n == 8 && !memcmp(b, "new\nline", 8))
				ck_assert_uint_eq(strlen(r->name), 21);
			else if (n == 13 && !memcmp(b, "tab\there\\back", 13))
				ck_assert_int_eq(r->kind, FX_KIND_FILE);
			else if (n == 14 && !memcmp(b, "real (deleted)", 14))
				ck_assert_int_eq(r->kind, FX_KIND_DELETED);
			else if (n == 18 && !memcmp(b, "unlinked (deleted)", 18))
				ck_assert_int_eq(r->kind, FX_KIND_DELETED);
			else if (n == 11 && !memcmp(b, "not-utf8-\xff\xfe", 11))
				ck_assert_int_eq(r->kind, FX_KIND_FILE);
			else if (n == 15 * 251 + 9)
				ck_assert_str_eq(b + 15 * 251, "deep-file");
			else
				ck_abort_msg("unexpected name '%s'", r->name);
		}
	}
	ck_assert_int_eq(seen, 7);
	r = unit_region(&m, 0x7f5b539ca000ULL);
	ck_assert_str_eq(r->name, "/SYSV00000000 (deleted)");
	ck_assert_int_eq(r->kind, FX_KIND_SHM);
	ck_assert_uint_eq(r->v[FX_F_SIZE], 64 * KB);
	r = unit_region(&m, 0x7f5b539c7000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_SHM);		/* /dev/zero (deleted) */
	r = unit_region(&m, 0x7f5b53bc3000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_MEMFD);
	ck_assert_str_eq(r->name, "/memfd:memfd-test (deleted)");
	r = unit_region(&m, 0x7f5b539c6000ULL);
	ck_assert_int_eq(r->kind, FX_KIND_GUARD);
	fx_maps_release(&m);
}
END_TEST

static void check_rollup(const char *file, uint64_t start, uint64_t end,
			 uint64_t rss, uint64_t pss, uint64_t anon_pss)
{
	struct fx_maps m;
	const struct fx_region *r;

	unit_parse(file, &m);
	ck_assert_uint_eq(m.n, 1);
	r = &m.r[0];
	ck_assert_int_eq(r->kind, FX_KIND_NONE);
	ck_assert_str_eq(fx_kind_name(r->kind), "-");
	ck_assert_str_eq(r->name, "[rollup]");
	ck_assert_str_eq(r->perms, "---p");
	ck_assert_uint_eq(r->start, start);
	ck_assert_uint_eq(r->end, end);
	ck_assert(!unit_have(r, FX_F_SIZE));
	ck_assert(!unit_have(r, FX_F_KERNEL_PAGE_SIZE));
	ck_assert(!unit_have(r, FX_F_THP_ELIGIBLE));
	ck_assert(unit_have(r, FX_F_PSS_ANON));
	ck_assert(unit_have(r, FX_F_PSS_SHMEM));
	ck_assert_uint_eq(r->v[FX_F_RSS], rss * KB);
	ck_assert_uint_eq(r->v[FX_F_PSS], pss * KB);
	ck_assert_uint_eq(r->v[FX_F_PSS_ANON], anon_pss * KB);
	ck_assert_int_eq(r->has_vmflags, 0);
	fx_maps_release(&m);
}

START_TEST(test_rollup)
{
	/* head -4 corpus/proc/jvm.smaps_rollup; grep Pss_Anon ... */
	check_rollup("proc/jvm.smaps_rollup", 0xfc000000ULL, 0x7ffeb3b87000ULL,
		     76224, 74446, 44460);
}
END_TEST

START_TEST(test_rollup_python)
{
	struct fx_buf b;
	unsigned long long s, e, rss, pss, pa;
	char *p;

	/* Read the expected numbers with sscanf of the text, not the parser. */
	fx_buf_init(&b);
	unit_load("proc/python3.smaps_rollup", &b);
	ck_assert_int_eq(sscanf(b.data, "%llx-%llx", &s, &e), 2);
	ck_assert_ptr_nonnull(p = strstr(b.data, "\nRss:"));
	ck_assert_int_eq(sscanf(p, "\nRss: %llu kB", &rss), 1);
	ck_assert_ptr_nonnull(p = strstr(b.data, "\nPss:"));
	ck_assert_int_eq(sscanf(p, "\nPss: %llu kB", &pss), 1);
	ck_assert_ptr_nonnull(p = strstr(b.data, "\nPss_Anon:"));
	ck_assert_int_eq(sscanf(p, "\nPss_Anon: %llu kB", &pa), 1);
	ck_assert(rss > 1000);
	fx_buf_release(&b);
	check_rollup("proc/python3.smaps_rollup", s, e, rss, pss, pa);
}
END_TEST

START_TEST(test_old_kernel)
{
	static const enum fx_field absent[] = {
		FX_F_PSS_DIRTY, FX_F_SWAP_PSS, FX_F_LAZYFREE, FX_F_THP_ELIGIBLE,
		FX_F_SHARED_HUGETLB, FX_F_PRIVATE_HUGETLB, FX_F_KSM,
		FX_F_SHMEM_PMD, FX_F_FILE_PMD, FX_F_PSS_ANON,
		FX_F_PROTECTION_KEY,
	};
	static const enum fx_field present[] = {
		FX_F_SIZE, FX_F_RSS, FX_F_PSS, FX_F_SHARED_CLEAN,
		FX_F_PRIVATE_DIRTY, FX_F_ANONYMOUS, FX_F_ANON_HUGE, FX_F_SWAP,
		FX_F_KERNEL_PAGE_SIZE, FX_F_MMU_PAGE_SIZE, FX_F_LOCKED,
	};
	struct fx_maps m;
	const struct fx_region *r;
	size_t i, j;

	unit_parse("proc/old-4.1.smaps", &m);
	ck_assert_uint_eq(m.n, 6);
	for (i = 0; i < m.n; i++) {
		for (j = 0; j < sizeof(absent) / sizeof(absent[0]); j++)
			ck_assert_msg(!unit_have(&m.r[i], absent[j]),
				      "region %zu has field %d", i, absent[j]);
		for (j = 0; j < sizeof(present) / sizeof(present[0]); j++)
			ck_assert_msg(unit_have(&m.r[i], present[j]),
				      "region %zu lacks field %d", i,
				      present[j]);
		/* Missing means missing: nothing was stored. */
		ck_assert_uint_eq(m.r[i].v[FX_F_PSS_DIRTY], 0);
		ck_assert_uint_eq(m.r[i].v[FX_F_KERNEL_PAGE_SIZE], 4096);
	}
	r = &m.r[0];
	ck_assert_str_eq(r->name, "/bin/bash");
	ck_assert_uint_eq(r->v[FX_F_SIZE], 976 * KB);
	ck_assert_uint_eq(r->v[FX_F_RSS], 900 * KB);
	ck_assert_uint_eq(r->v[FX_F_PSS], 300 * KB);
	ck_assert_uint_eq(r->v[FX_F_SHARED_CLEAN], 600 * KB);
	ck_assert_str_eq(r->vmflags_text, "rd ex mr mw me dw");
	r = &m.r[1];
	ck_assert_int_eq(r->kind, FX_KIND_HEAP);
	ck_assert_uint_eq(r->v[FX_F_SWAP], 64 * KB);
	ck_assert_int_eq(m.r[2].kind, FX_KIND_STACK);
	ck_assert_str_eq(m.r[2].name, "[stack:1234]");
	ck_assert_int_eq(m.r[3].kind, FX_KIND_STACK);
	ck_assert_int_eq(m.r[4].kind, FX_KIND_VDSO);
	ck_assert_int_eq(m.r[5].kind, FX_KIND_VSYSCALL);
	ck_assert_str_eq(m.r[5].perms, "r-xp");
	fx_maps_release(&m);
}
END_TEST

START_TEST(test_future_kernel)
{
	struct fx_maps m;
	const struct fx_region *r;

	unit_parse("proc/future.smaps", &m);
	ck_assert_uint_eq(m.n, 2);
	r = &m.r[0];
	ck_assert_uint_eq(r->v[FX_F_SIZE], 2048 * KB);
	ck_assert_uint_eq(r->v[FX_F_ANON_HUGE], 2048 * KB);
	ck_assert_uint_eq(r->v[FX_F_LOCKED], 0);
	ck_assert(unit_have(r, FX_F_LOCKED));
	/* Counts, not kB. */
	ck_assert_uint_eq(r->v[FX_F_THP_ELIGIBLE], 1);
	ck_assert_uint_eq(r->v[FX_F_PROTECTION_KEY], 5);
	ck_assert(unit_have(r, FX_F_PROTECTION_KEY));
	ck_assert_uint_eq(r->vmflags, FX_VM_DD | FX_VM_IO | FX_VM_PF |
				       FX_VM_UM | FX_VM_UW | FX_VM_UI |
				       FX_VM_HT | FX_VM_NR);
	ck_assert_str_eq(r->vmflags_text,
			 "rd wr mr mw me ac dd io pf um uw ui ht nr zz");
	/* An unknown key before Size does not disturb the rest. */
	r = &m.r[1];
	ck_assert_str_eq(r->name, "/usr/lib/future.so");
	ck_assert_uint_eq(r->v[FX_F_SIZE], 4 * KB);
	ck_assert_uint_eq(r->v[FX_F_PRIVATE_CLEAN], 4 * KB);
	ck_assert_uint_eq(r->v[FX_F_PROTECTION_KEY], 0);
	ck_assert(unit_have(r, FX_F_PROTECTION_KEY));
	ck_assert(unit_have(r, FX_F_THP_ELIGIBLE));
	ck_assert_uint_eq(r->vmflags, 0);
	ck_assert_str_eq(r->vmflags_text, "rd mr mw me");
	fx_maps_release(&m);
}
END_TEST

START_TEST(test_no_final_newline)
{
	struct fx_maps m;

	unit_parse("proc/nonl.maps", &m);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_uint_eq(m.r[2].name_len, 14);
	ck_assert_mem_eq(m.r[2].name, "/srv/new\nline\n", 15);
	fx_maps_release(&m);
	unit_parse("proc/nonl.smaps", &m);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_int_eq(m.r[1].kind, FX_KIND_STACK);
	ck_assert_uint_eq(m.r[1].v[FX_F_RSS], 12 * KB);
	ck_assert_str_eq(m.r[1].vmflags_text, "rd wr mr mw me gd ac");
	ck_assert_uint_eq(m.r[1].vmflags, 0);
	ck_assert(unit_have(&m.r[1], FX_F_THP_ELIGIBLE));
	fx_maps_release(&m);
}
END_TEST

/* A last field line without '\n' still counts. */
START_TEST(test_last_field_no_newline)
{
	static const char t[] =
		"00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n"
		"Rss:   8 kB";
	struct fx_maps m;
	struct fx_err err = { 0 };

	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, t, sizeof(t) - 1, &err), 0);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(m.r[0].v[FX_F_RSS], 8 * KB);
	ck_assert_str_eq(m.r[0].name, "/bin/x");
	/* Bounded by len: a line cut short is parsed as what it is. */
	fx_maps_release(&m);
	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, t, 43, &err), 0);
	ck_assert_str_eq(m.r[0].name, "/b");
	fx_maps_release(&m);
}
END_TEST

/* 64-bit numbers up to UINT64_MAX itself, and one past it. */
START_TEST(test_u64_limits)
{
	static const char ok[] =
		"00400000-00401000 r--p 00000000 08:01 18446744073709551615 /x\n"
		"Rss: 18014398509481983 kB\n";
	static const char bad[] =
		"00400000-00401000 r--p 00000000 08:01 18446744073709551616 /x\n";
	struct fx_maps m;
	struct fx_err err = { 0 };

	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, ok, sizeof(ok) - 1, &err), 0);
	ck_assert_uint_eq(m.r[0].inode, UINT64_MAX);
	ck_assert_uint_eq(m.r[0].v[FX_F_RSS], UINT64_MAX - 1023);
	ck_assert_int_eq(fx_maps_parse(&m, bad, sizeof(bad) - 1, &err),
			 -EBADMSG);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(m.n, 1);
	fx_maps_release(&m);
}
END_TEST

static const struct bad {
	const char *file;
	unsigned long line;
	size_t n;		/* regions parsed before the error */
} bads[] = {
	{ "proc/bad/end-before-start-L3.maps", 3, 2 },
	{ "proc/bad/perms-L2.maps", 2, 1 },
	{ "proc/bad/field-first-L1.smaps", 1, 0 },
	{ "proc/bad/not-a-number-L30.smaps", 30, 2 },
	{ "proc/bad/nul-L4.smaps", 4, 1 },
	{ "proc/bad/nul-name-L1.maps", 1, 0 },
	{ "proc/bad/overflow-L21.smaps", 21, 1 },
	{ "proc/bad/overflow-kb-L5.smaps", 5, 1 },
	{ "proc/bad/long-address-L2.maps", 2, 1 },
	{ "proc/bad/empty-line-L26.smaps", 26, 1 },
	{ "proc/bad/no-kb-L4.smaps", 4, 1 },
};

START_TEST(test_bad)
{
	const struct bad *t = &bads[_i];
	struct fx_maps m;
	struct fx_buf b;
	struct fx_err err = { 0 };
	size_t i;
	int r;

	fx_buf_init(&b);
	unit_load(t->file, &b);
	fx_maps_init(&m);
	r = fx_maps_parse(&m, b.data, b.len, &err);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_msg(err.line == t->line, "%s: error on line %lu (%s)",
		      t->file, err.line, err.msg);
	ck_assert_uint_eq(m.n, t->n);
	ck_assert(err.msg[0] != '\0');
	ck_assert(strlen(err.msg) < sizeof(err.msg));
	/* The message is printable: hostile bytes come out escaped. */
	for (i = 0; err.msg[i]; i++)
		ck_assert((unsigned char)err.msg[i] >= 0x20 &&
			  (unsigned char)err.msg[i] < 0x7f);
	/* What was parsed before stays usable. */
	for (i = 0; i < m.n; i++)
		ck_assert_ptr_nonnull(m.r[i].name);
	fx_maps_release(&m);
	fx_buf_release(&b);
}
END_TEST

/* Several calls append to one fx_maps; names survive the pool moving. */
START_TEST(test_append)
{
	struct fx_buf a, b;
	struct fx_maps m, ref1, ref2;
	struct fx_err err = { 0 };
	size_t i;

	fx_buf_init(&a);
	fx_buf_init(&b);
	unit_load("proc/bash.maps", &a);
	unit_load("proc/names.maps", &b);
	unit_parse("proc/bash.maps", &ref1);
	unit_parse("proc/names.maps", &ref2);
	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, a.data, a.len, &err), 0);
	ck_assert_int_eq(fx_maps_parse(&m, b.data, b.len, &err), 0);
	ck_assert_uint_eq(m.n, ref1.n + ref2.n);
	/* names.maps starts below bash's [vsyscall]: one overlap. */
	ck_assert_uint_eq(m.overlaps, 1);
	for (i = 0; i < m.n; i++) {
		const struct fx_region *x = &m.r[i];
		const struct fx_region *y = i < ref1.n ? &ref1.r[i] :
							 &ref2.r[i - ref1.n];

		ck_assert_uint_eq(x->start, y->start);
		ck_assert_uint_eq(x->name_len, y->name_len);
		ck_assert_mem_eq(x->name, y->name, x->name_len + 1);
	}
	fx_maps_release(&m);
	fx_maps_release(&ref1);
	fx_maps_release(&ref2);
	fx_buf_release(&a);
	fx_buf_release(&b);
}
END_TEST

/* smaps fed line group by line group gives what the whole text gives. */
START_TEST(test_chunked)
{
	struct fx_buf b;
	struct fx_maps whole, part;
	struct fx_err err = { 0 };
	size_t i, pos = 0, step = 1 + (size_t)_i * 7, lines;

	fx_buf_init(&b);
	unit_load("proc/threads.smaps", &b);
	unit_parse("proc/threads.smaps", &whole);
	fx_maps_init(&part);
	while (pos < b.len) {
		size_t end = pos;

		for (lines = 0; lines < step && end < b.len; lines++) {
			char *nl = memchr(b.data + end, '\n', b.len - end);

			end = nl ? (size_t)(nl - b.data) + 1 : b.len;
		}
		ck_assert_int_eq(fx_maps_parse(&part, b.data + pos, end - pos,
					       &err), 0);
		pos = end;
	}
	ck_assert_uint_eq(part.n, whole.n);
	for (i = 0; i < whole.n; i++) {
		ck_assert_uint_eq(part.r[i].have, whole.r[i].have);
		ck_assert_mem_eq(part.r[i].v, whole.r[i].v,
				 sizeof(whole.r[i].v));
		ck_assert_uint_eq(part.r[i].vmflags, whole.r[i].vmflags);
		ck_assert_str_eq(part.r[i].vmflags_text,
				 whole.r[i].vmflags_text);
		ck_assert_str_eq(part.r[i].name, whole.r[i].name);
	}
	fx_maps_release(&whole);
	fx_maps_release(&part);
	fx_buf_release(&b);
}
END_TEST

/* Two regions are the same, field for field (names byte for byte). */
static void same_region(const struct fx_region *x, const struct fx_region *y)
{
	ck_assert_uint_eq(x->start, y->start);
	ck_assert_uint_eq(x->end, y->end);
	ck_assert_uint_eq(x->offset, y->offset);
	ck_assert_uint_eq(x->inode, y->inode);
	ck_assert_uint_eq(x->dev_major, y->dev_major);
	ck_assert_uint_eq(x->dev_minor, y->dev_minor);
	ck_assert_str_eq(x->perms, y->perms);
	ck_assert_int_eq(x->kind, y->kind);
	ck_assert_uint_eq(x->have, y->have);
	ck_assert_mem_eq(x->v, y->v, sizeof(x->v));
	ck_assert_uint_eq(x->vmflags, y->vmflags);
	ck_assert_int_eq(x->has_vmflags, y->has_vmflags);
	if (y->vmflags_text)
		ck_assert_str_eq(x->vmflags_text, y->vmflags_text);
	else
		ck_assert_ptr_null(x->vmflags_text);
	ck_assert_uint_eq(x->name_len, y->name_len);
	ck_assert_mem_eq(x->name, y->name, y->name_len + 1);
}

/*
 * Fixtures fed through fx_maps_feed in pieces cut anywhere (1 byte, odd
 * sizes, the kernel's read sizes), complete regions taken and dropped as
 * they come: the regions, their order, the overlap count and the error
 * line are those of fx_maps_parse on the whole text.
 */
static const char *const feed_files[] = {
	"proc/jvm.smaps", "proc/threads.smaps", "proc/oddnames.smaps",
	"proc/old-4.1.smaps", "proc/future.smaps", "proc/nonl.smaps",
	"proc/nonl.maps", "proc/names.maps", "proc/jvm.smaps_rollup",
	"proc/bad/not-a-number-L30.smaps", "proc/bad/nul-L4.smaps",
	"proc/bad/empty-line-L26.smaps", "proc/bad/field-first-L1.smaps",
	"proc/bad/end-before-start-L3.maps",
};
static const size_t feed_steps[] = { 1, 3, 7, 100, 2048, 3072, 65536 };
#define NSTEPS (sizeof(feed_steps) / sizeof(feed_steps[0]))
#define NFEEDS (sizeof(feed_files) / sizeof(feed_files[0]))

START_TEST(test_feed)
{
	const char *file = feed_files[_i / NSTEPS];
	size_t step = feed_steps[_i % NSTEPS];
	struct fx_err werr = { 0 }, err = { 0 };
	struct fx_maps whole, m;
	struct fx_buf b;
	size_t pos = 0, seen = 0, k, i;
	int wr, r = 0;

	fx_buf_init(&b);
	unit_load(file, &b);
	fx_maps_init(&whole);
	wr = fx_maps_parse(&whole, b.data, b.len, &werr);
	fx_maps_init(&m);
	while (pos < b.len && r == 0) {
		size_t n = b.len - pos < step ? b.len - pos : step;

		r = fx_maps_feed(&m, b.data + pos, n, &err);
		pos += n;
		/* Take what is complete; the last region may still grow. */
		k = fx_maps_complete(&m);
		ck_assert_uint_le(k, m.n);
		ck_assert_uint_ge(k + 1, m.n);
		for (i = 0; i < k; i++) {
			ck_assert_uint_lt(seen, whole.n);
			same_region(&m.r[i], &whole.r[seen++]);
		}
		fx_maps_drop(&m, k);
	}
	if (r == 0)
		r = fx_maps_feed_end(&m, &err);
	ck_assert_int_eq(r, wr);
	if (r == 0)
		ck_assert_uint_eq(fx_maps_complete(&m), m.n);
	/* After an error the regions parsed before it are all there. */
	for (i = 0; i < m.n; i++) {
		ck_assert_uint_lt(seen, whole.n);
		same_region(&m.r[i], &whole.r[seen++]);
	}
	ck_assert_uint_eq(seen, whole.n);
	ck_assert_uint_eq(m.overlaps, whole.overlaps);
	ck_assert_int_eq(m.is_smaps, whole.is_smaps);
	ck_assert_uint_eq(err.line, werr.line);
	ck_assert_str_eq(err.msg, werr.msg);
	fx_maps_release(&whole);
	fx_maps_release(&m);
	fx_buf_release(&b);
}
END_TEST

/* Dropping keeps the rest usable; a fed text ends and another begins. */
START_TEST(test_feed_drop)
{
	static const char t[] =
		"00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n"
		"Rss:   8 kB\n"
		"VmFlags: rd ex\n"
		"00500000-00501000 rw-p 00000000 00:00 0 [heap]\n"
		"Rss:   4 kB\n"
		"00600000-00601000 rw-p 00000000 00:00 0\n"
		"VmFlags: rd wr dd\n"
		"Rss:   12 kB";
	static const char bad[] = "00700000-00701000 rw-p 0 00:00 0\n\nx";
	struct fx_maps m;
	struct fx_err err = { 0 };

	fx_maps_init(&m);
	ck_assert_uint_eq(fx_maps_complete(&m), 0);
	fx_maps_drop(&m, 5);	/* nothing to drop: no harm */
	ck_assert_int_eq(fx_maps_feed(&m, t, 60, &err), 0);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(fx_maps_complete(&m), 0);
	ck_assert_int_eq(fx_maps_feed(&m, t + 60, 100, &err), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(fx_maps_complete(&m), 1);
	ck_assert_str_eq(m.r[0].vmflags_text, "rd ex");
	fx_maps_drop(&m, 1);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_str_eq(m.r[0].name, "[heap]");
	ck_assert_int_eq(m.r[0].kind, FX_KIND_HEAP);
	ck_assert_int_eq(fx_maps_feed(&m, t + 160, sizeof(t) - 161, &err), 0);
	/* "Rss:   12 kB" has no '\n' yet: the region is not complete. */
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(fx_maps_complete(&m), 1);
	ck_assert(!unit_have(&m.r[1], FX_F_RSS));
	ck_assert_int_eq(fx_maps_feed_end(&m, &err), 0);
	ck_assert_uint_eq(fx_maps_complete(&m), 2);
	ck_assert_uint_eq(m.r[1].v[FX_F_RSS], 12 * KB);
	ck_assert_uint_eq(m.r[1].vmflags, FX_VM_DD);
	ck_assert_str_eq(m.r[1].vmflags_text, "rd wr dd");
	ck_assert_uint_eq(m.r[1].name_len, 0);
	ck_assert_str_eq(m.r[1].name, "");
	fx_maps_drop(&m, 2);
	ck_assert_uint_eq(m.n, 0);
	ck_assert_uint_eq(m.pool.len, 0);
	/* A new text: line numbers start again; a region below the last
	 * one of the previous text is an overlap. */
	ck_assert_int_eq(fx_maps_feed(&m, bad, sizeof(bad) - 1, &err),
			 -EBADMSG);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_uint_eq(m.overlaps, 0);
	fx_maps_release(&m);
	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_feed(&m, t, sizeof(t) - 1, &err), 0);
	ck_assert_int_eq(fx_maps_feed_end(&m, &err), 0);
	ck_assert_int_eq(fx_maps_feed(&m, t, 48, &err), 0);
	ck_assert_int_eq(fx_maps_feed_end(&m, &err), 0);
	ck_assert_uint_eq(m.n, 4);
	ck_assert_uint_eq(m.overlaps, 1);
	ck_assert_str_eq(m.r[3].name, "/bin/x");
	fx_maps_release(&m);
}
END_TEST

/* In the child: *arg one-page mappings. */
static void map_pages(int ready, void *arg)
{
	unsigned int n = *(unsigned int *)arg, i;
	long pg = sysconf(_SC_PAGESIZE);
	char *b = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)ready;
	if (b == MAP_FAILED)
		_exit(1);
	for (i = 0; i < n; i++)
		b[i * pg] = 1;
	/* Alternating protections: no two neighbours merge. */
	for (i = 0; i < n; i += 2)
		mprotect(b + i * pg, pg, PROT_READ);
}

/* A child with n one-page mappings that waits; its pid. */
static pid_t still_child(unsigned int n)
{
	return unit_child(map_pages, &n);
}

struct collect {
	struct fx_buf text;
	unsigned long pieces;
	int bad_end;		/* a piece that did not end a line */
	int stop_after;		/* return -EIO after this many pieces */
};

static int collect(void *arg, const char *text, size_t len)
{
	struct collect *c = arg;

	ck_assert_uint_gt(len, 0);
	if (c->pieces++ && c->bad_end)
		ck_abort_msg("a piece before the last cut a line");
	c->bad_end = text[len - 1] != '\n';
	c->text.data = realloc(c->text.data, c->text.len + len + 1);
	ck_assert_ptr_nonnull(c->text.data);
	memcpy(c->text.data + c->text.len, text, len);
	c->text.len += len;
	if (c->stop_after && c->pieces == (unsigned long)c->stop_after)
		return -EIO;
	return 0;
}

/*
 * fx_proc_stream_map hands over the very text fx_proc_read_map reads, in
 * pieces that end lines, with the reads made as asked; fn can stop it.
 */
START_TEST(test_stream_map)
{
	static const size_t chunks[] = { 64, 2048, FX_SMAPS_READ_SIZE, 3072, 0 };
	struct fx_readstat st, st2;
	struct collect c;
	struct fx_buf whole;
	struct fx_maps a, b;
	struct fx_err err = { 0 };
	struct fx_proc p;
	pid_t pid = still_child(3000);
	size_t i;

	fx_buf_init(&whole);
	ck_assert_int_eq(fx_proc_open(&p, pid), 0);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		/* maps holds still in a child that waits: byte for byte. */
		memset(&c, 0, sizeof(c));
		fx_buf_init(&c.text);
		ck_assert_int_eq(fx_proc_read_map(&p, "maps", &whole, 0, NULL),
				 0);
		ck_assert_int_eq(fx_proc_stream_map(&p, "maps", chunks[i], &st,
						    collect, &c), 0);
		ck_assert_uint_eq(c.text.len, whole.len);
		ck_assert_mem_eq(c.text.data, whole.data, whole.len);
		ck_assert_uint_eq(st.bytes, whole.len);
		ck_assert_uint_gt(c.pieces, 1);
		ck_assert(!c.bad_end);
		/* Every read but the last two (the end, and 0) was full. */
		if (chunks[i])
			ck_assert_uint_le(st.nreads,
					  whole.len / chunks[i] + 2);
		fx_buf_release(&c.text);
	}
	/* smaps: its figures may move (shared pages), its regions not. */
	memset(&c, 0, sizeof(c));
	fx_buf_init(&c.text);
	ck_assert_int_eq(fx_proc_stream_map(&p, "smaps", 2048, &st, collect,
					    &c), 0);
	ck_assert_int_eq(fx_proc_read_map(&p, "smaps", &whole, 2048, &st2), 0);
	ck_assert_uint_ge(st.nreads, c.text.len / 2048);
	ck_assert_uint_gt(st.total_ns, 0);
	ck_assert_uint_le(st.max_ns, st.total_ns);
	fx_maps_init(&a);
	fx_maps_init(&b);
	ck_assert_int_eq(fx_maps_parse(&a, c.text.data, c.text.len, &err), 0);
	ck_assert_int_eq(fx_maps_parse(&b, whole.data, whole.len, &err), 0);
	ck_assert_uint_ge(a.n, 3000);
	ck_assert_uint_eq(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		ck_assert_uint_eq(a.r[i].start, b.r[i].start);
		ck_assert_uint_eq(a.r[i].v[FX_F_SIZE], b.r[i].v[FX_F_SIZE]);
	}
	fx_maps_release(&a);
	fx_maps_release(&b);
	fx_buf_release(&c.text);
	/* fn stops the read: its error comes back, no more pieces. */
	memset(&c, 0, sizeof(c));
	fx_buf_init(&c.text);
	c.stop_after = 2;
	ck_assert_int_eq(fx_proc_stream_map(&p, "smaps", 2048, NULL, collect,
					    &c), -EIO);
	ck_assert_uint_eq(c.pieces, 2);
	fx_buf_release(&c.text);
	/* A file that is not there. */
	ck_assert_int_eq(fx_proc_stream_map(&p, "no-such-file", 0, &st,
					    collect, &c), -ENOENT);
	/* A process that is gone. */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(fx_proc_stream_map(&p, "maps", 0, &st, collect, &c),
			 -ESRCH);
	fx_proc_release(&p);
	fx_buf_release(&whole);
}
END_TEST

START_TEST(test_region_kind)
{
	ck_assert_int_eq(fx_region_kind("", 0, "rw-p"), FX_KIND_ANON);
	ck_assert_int_eq(fx_region_kind("", 0, "rw-s"), FX_KIND_SHM);
	ck_assert_int_eq(fx_region_kind("", 0, "---p"), FX_KIND_GUARD);
	ck_assert_int_eq(fx_region_kind("[anon:x]", 8, "---p"), FX_KIND_GUARD);
	ck_assert_int_eq(fx_region_kind("[stack]", 7, "---p"), FX_KIND_STACK);
	ck_assert_int_eq(fx_region_kind("[stackx]", 8, "rw-p"), FX_KIND_ANON);
	ck_assert_int_eq(fx_region_kind("[heap]x", 7, "rw-p"), FX_KIND_ANON);
	ck_assert_int_eq(fx_region_kind("/a (deleted)", 12, "r--p"),
			 FX_KIND_DELETED);
	ck_assert_int_eq(fx_region_kind("/a (deleted)", 11, "r--p"),
			 FX_KIND_FILE);
	ck_assert_int_eq(fx_region_kind("/dev/zero (deleted)", 19, "rw-p"),
			 FX_KIND_DELETED);
	ck_assert_int_eq(fx_region_kind("/SYSV0000002a", 13, "rw-s"),
			 FX_KIND_FILE);
	ck_assert_int_eq(fx_region_kind("[rollup]", 8, "---p"), FX_KIND_NONE);
	ck_assert_str_eq(fx_kind_name(FX_KIND_VSYSCALL), "vsyscall");
	ck_assert_str_eq(fx_kind_name(FX_KIND_GUARD), "guard");
	ck_assert_str_eq(fx_kind_name((enum fx_kind)99), "-");
}
END_TEST

/* Region records: every column, missing values, escaping of the name. */
START_TEST(test_region_write)
{
	static const char hdr[] =
		"pid\tstart\tend\tperms\toffset\tdev\tinode\tsize\trss\tpss\t"
		"pss_dirty\tshared_clean\tshared_dirty\tprivate_clean\t"
		"private_dirty\treferenced\tanonymous\tswap\tswap_pss\tlocked\t"
		"anon_huge\tvmflags\tkind\tstarttime\tname\n";
	static const char *const want[] = {
		/* names.maps line 5: maps text, so every figure is "-". */
		"-\t0x55d0c8805000\t0x55d0c8806000\tr--p\t0x000000000000\tfd:02"
		"\t2004\t4096\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t"
		"file\t-\t/srv/new\\nline\\n\n",
		"-\t0x7f0000006000\t0x7f0000007000\t---p\t0x000000000000\t00:00"
		"\t0\t4096\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\tguard\t-\t-\n",
	};
	struct fx_maps m, old, roll;
	struct fx_writer w;
	struct fx_buf out;
	char line[512];
	int fd = unit_memfd();

	unit_parse("proc/names.maps", &m);
	unit_parse("proc/old-4.1.smaps", &old);
	unit_parse("proc/jvm.smaps_rollup", &roll);
	fx_buf_init(&out);
	fx_writer_init(&w, fd, FX_FMT_TSV);
	ck_assert_int_eq(fx_writer_columns(&w, fx_region_cols,
					   fx_region_ncols), 0);
	ck_assert_int_eq(fx_region_write(&w, -1, 0, &m.r[4]), 0);
	ck_assert_int_eq(fx_region_write(&w, -1, 0, &m.r[10]), 0);
	ck_assert_int_eq(fx_region_write(&w, 4242, 98765, &old.r[1]), 0);
	ck_assert_int_eq(fx_region_write(&w, 7, 0, &roll.r[0]), 0);
	ck_assert_int_eq(fx_region_write(&w, 8, 0, &m.r[5]), 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	unit_slurp(fd, &out);
	ck_assert(strncmp(out.data, hdr, sizeof(hdr) - 1) == 0);
	ck_assert(strncmp(strchr(out.data, '\n') + 1, want[0],
			  strlen(want[0])) == 0);
	ck_assert_ptr_nonnull(strstr(out.data, want[1]));
	/* Linux 4.1: pss_dirty and swap_pss missing, swap 64 KiB. */
	snprintf(line, sizeof(line),
		 "4242\t0x000001a55000\t0x000001c1f000\trw-p\t0x000000000000"
		 "\t00:00\t0\t%llu\t%llu\t%llu\t-\t0\t0\t0\t%llu\t%llu\t%llu\t"
		 "65536\t-\t0\t0\trd wr mr mw me ac\theap\t98765\t[heap]\n",
		 1832 * KB, 1700 * KB, 1700 * KB, 1700 * KB, 1700 * KB,
		 1700 * KB);
	ck_assert_msg(strstr(out.data, line), "no line\n%s\nin\n%s", line,
		      out.data);
	/* The rollup: no size, kind "-". */
	ck_assert_ptr_nonnull(strstr(out.data, "7\t0x0000fc000000\t"
				     "0x7ffeb3b87000\t---p\t0x000000000000\t"
				     "00:00\t0\t-\t78053376\t"));
	ck_assert_ptr_nonnull(strstr(out.data, "\t-\t-\t-\t[rollup]\n"));
	/* The 4095-byte name comes out whole, and a 3-digit major. */
	ck_assert_ptr_nonnull(strstr(out.data, "\t103:05\t4294967296\t"));
	ck_assert_ptr_nonnull(strstr(out.data, "/file\n"));
	ck_assert_uint_gt(out.len, 4095 + 5 * 60);
	fx_writer_release(&w);
	fx_buf_release(&out);
	fx_maps_release(&m);
	fx_maps_release(&old);
	fx_maps_release(&roll);
	close(fd);
}
END_TEST

START_TEST(test_stat_parse)
{
	/* A comm with spaces and ") " in it: fields count after the last ')'. */
	static const char s[] =
		"4242 (a) b) S (c) R 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 "
		"0 20 0 9 0 123456789 10000000 500 18446744073709551615 1 1 0 "
		"0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
	char state = 0;
	unsigned long long st = 0;
	struct fx_buf b;

	ck_assert_int_eq(fx_stat_parse(s, sizeof(s) - 1, &state, &st), 0);
	ck_assert_int_eq(state, 'R');
	ck_assert_uint_eq(st, 123456789ULL);
	ck_assert_int_eq(fx_stat_parse("1 (x)", 5, &state, &st), -EBADMSG);
	ck_assert_int_eq(fx_stat_parse("1 x S 1 2", 9, &state, &st), -EBADMSG);
	ck_assert_int_eq(fx_stat_parse("1 (x) S 1 2 3", 13, &state, &st),
			 -EBADMSG);
	ck_assert_int_eq(fx_stat_parse("", 0, &state, &st), -EBADMSG);
	/* Our own stat: state R, start time as the 22nd field says. */
	fx_buf_init(&b);
	{
		int fd = open("/proc/self/stat", O_RDONLY);
		unsigned long long want = 0;
		char *p;
		int i;

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(fx_buf_read_fd(&b, fd), 0);
		close(fd);
		p = strrchr(b.data, ')');
		for (i = 2; i < 22; i++)
			p = strchr(p + 1, ' ');
		want = strtoull(p + 1, NULL, 10);
		ck_assert_int_eq(fx_stat_parse(b.data, b.len, &state, &st), 0);
		ck_assert_int_eq(state, 'R');
		ck_assert_uint_eq(st, want);
	}
	fx_buf_release(&b);
}
END_TEST

static Suite *maps_suite(void)
{
	Suite *s = suite_create("maps");
	TCase *tc = tcase_create("fixtures");

	tcase_add_loop_test(tc, test_real_smaps, 0,
			    sizeof(reals) / sizeof(reals[0]));
	tcase_add_loop_test(tc, test_maps_vs_smaps, 0, 2);
	tcase_add_test(tc, test_threads_lines);
	tcase_add_test(tc, test_smaps_values);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_oddnames);
	tcase_add_test(tc, test_rollup);
	tcase_add_test(tc, test_rollup_python);
	tcase_add_test(tc, test_old_kernel);
	tcase_add_test(tc, test_future_kernel);
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_test(tc, test_last_field_no_newline);
	tcase_add_test(tc, test_u64_limits);
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(tc, test_append);
	tcase_add_loop_test(tc, test_chunked, 0, 4);
	tcase_add_loop_test(tc, test_feed, 0, NFEEDS * NSTEPS);
	tcase_add_test(tc, test_feed_drop);
	tcase_add_test(tc, test_stream_map);
	tcase_add_test(tc, test_region_kind);
	tcase_add_test(tc, test_region_write);
	tcase_add_test(tc, test_stat_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(maps_suite());
}
