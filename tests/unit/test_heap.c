/*
 * Unit tests of the glibc heap walker over synthetic heaps (no process),
 * and of classify's small parsers.
 *
 * The 2.36 layout figures below are glibc's own, printed by gdb from
 * Debian's libc6-dbg symbols (2.36-9+deb12u14):
 *   sizeof(struct malloc_state) 2200, fastbinsY at 0x10, top at 0x60,
 *   bins at 0x70, next at 0x870, system_mem at 0x888; sizeof(heap_info)
 *   48; sizeof(struct tcache_perthread_struct) 640.
 */
#include <dlfcn.h>

#include "unit.h"

#include "classify.h"
#include "elfseg.h"
#include "heap.h"
#include "threads.h"

#define H 0x555555600000ULL
#define HSIZE 0x21000ULL
#define L 0x7ffff7e00000ULL
#define A (L + 0xc60)

static const char maps_text[] =
	"555555600000-555555621000 rw-p 00000000 00:00 0          [heap]\n"
	"7ffff7dff000-7ffff7e00000 r--p 00000000 08:01 7          /lib/libc.so.6\n"
	"7ffff7e00000-7ffff7e02000 rw-p 00001000 08:01 7          /lib/libc.so.6\n";

static unsigned char heap[HSIZE], lib[0x2000];

static int rd(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr >= H && addr + len <= H + HSIZE && addr + len >= addr) {
		memcpy(buf, heap + (addr - H), len);
		return 0;
	}
	if (addr >= L && addr + len <= L + sizeof(lib) && addr + len >= addr) {
		memcpy(buf, lib + (addr - L), len);
		return 0;
	}
	return -EFAULT;
}

static void put(uint64_t addr, uint64_t v)
{
	if (addr >= H && addr < H + HSIZE)
		memcpy(heap + (addr - H), &v, 8);
	else
		memcpy(lib + (addr - L), &v, 8);
}

/* Chunks: tcache struct, three 48 in use, 64 free (unsorted), 48 in the
 * tcache, top. */
#define C0 H
#define C1 (C0 + 656)
#define C2 (C1 + 48)
#define C3 (C2 + 48)
#define C4 (C3 + 48)
#define C5 (C4 + 64)
#define C6 (C5 + 48)

static void build(void)
{
	struct fx_glibc g;
	unsigned i;

	fx_glibc_layout(&g, 2, 36);
	memset(heap, 0, sizeof(heap));
	memset(lib, 0, sizeof(lib));
	put(C0 + 8, 656 | 1);
	/* counts[1] = 1 (uint16), entries[1] = user pointer of C5 */
	heap[16 + 2] = 1;
	put(C0 + 16 + 128 + 8, C5 + 16);
	put(C1 + 8, 48 | 1);
	put(C2 + 8, 48 | 1);
	put(C3 + 8, 48 | 1);
	put(C4 + 8, 64 | 1);
	put(C4 + 16, A + g.off_bins - 16);
	put(C4 + 24, A + g.off_bins - 16);
	put(C5, 64);
	put(C5 + 8, 48);		/* PREV_INUSE clear: C4 is free */
	put(C5 + 16, (C5 + 16) >> 12);	/* safe-linked NULL */
	put(C6 + 8, (H + HSIZE - C6) | 1);
	for (i = 1; i < 128; i++) {
		uint64_t self = A + g.off_bins + (i - 1) * 16 - 16;

		put(A + g.off_bins + (i - 1) * 16, i == 1 ? C4 : self);
		put(A + g.off_bins + (i - 1) * 16 + 8, i == 1 ? C4 : self);
	}
	put(A + g.off_top, C6);
	put(A + g.off_next, A);
	put(A + g.off_system_mem, HSIZE);
}

static void scan(struct fx_heapscan *hs, struct fx_maps *m)
{
	struct fx_heap_src src = { rd, NULL };
	struct fx_err err = { 0, "" };
	struct fx_glibc g;

	fx_maps_init(m);
	ck_assert_int_eq(fx_maps_parse(m, maps_text, strlen(maps_text), &err),
			 0);
	ck_assert_int_eq(fx_glibc_layout(&g, 2, 36), 0);
	fx_heapscan_init(hs, &g);
	ck_assert_int_eq(fx_heapscan_find(hs, m, &src, NULL), 0);
	ck_assert_int_eq(fx_heapscan_chunks(hs, &src, NULL, NULL), 0);
}

static const struct fx_chunk_hist *hist(const struct fx_heapscan *hs,
					uint64_t size)
{
	size_t i;

	for (i = 0; i < hs->nhist; i++)
		if (hs->hist[i].size == size)
			return &hs->hist[i];
	ck_abort_msg("no chunks of size %llu", (unsigned long long)size);
	return NULL;
}

START_TEST(layout_236)
{
	struct fx_glibc g;

	ck_assert_int_eq(fx_glibc_layout(&g, 2, 36), 0);
	ck_assert_uint_eq(g.arena_size, 2200);
	ck_assert_uint_eq(g.off_fastbins, 0x10);
	ck_assert_uint_eq(g.off_top, 0x60);
	ck_assert_uint_eq(g.off_bins, 0x70);
	ck_assert_uint_eq(g.off_next, 0x870);
	ck_assert_uint_eq(g.off_system_mem, 0x888);
	ck_assert_uint_eq(g.info_size, 48);
	ck_assert_uint_eq(g.tcache_size, 640 + 16);
	ck_assert_int_eq(g.safe_linking, 1);
	ck_assert_int_eq(fx_glibc_layout(&g, 2, 25), -ENOTSUP);
	ck_assert_int_eq(fx_glibc_layout(&g, 3, 0), -ENOTSUP);
}
END_TEST

START_TEST(version)
{
	static const char banner[] = "xx GNU C Library (Debian GLIBC "
		"2.36-9+deb12u14) stable release version 2.36.\n";
	static const char names[] = "GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.4\0";
	int a = 0, b = 0;

	ck_assert_int_eq(fx_glibc_version(banner, sizeof(banner), &a, &b), 0);
	ck_assert_int_eq(a * 100 + b, 236);
	ck_assert_int_eq(fx_glibc_version(names, sizeof(names), &a, &b), 0);
	ck_assert_int_eq(a * 100 + b, 234);
	ck_assert_int_eq(fx_glibc_version("GLIBC_", 6, &a, &b), -ENOENT);
}
END_TEST

START_TEST(walk_sound)
{
	struct fx_heapscan hs;
	struct fx_maps m;

	build();
	scan(&hs, &m);
	ck_assert_uint_eq(hs.narenas, 1);
	ck_assert_int_eq(hs.arenas[0].is_main, 1);
	ck_assert_uint_eq(hs.arenas[0].addr, A);
	ck_assert_uint_eq(hs.nheaps, 1);
	ck_assert_uint_eq(hs.nbad, 0);
	ck_assert_uint_eq(hist(&hs, 656)->inuse, 1);
	ck_assert_uint_eq(hist(&hs, 48)->inuse, 3);
	ck_assert_uint_eq(hist(&hs, 48)->free, 1);	/* the tcache one */
	ck_assert_uint_eq(hist(&hs, 48)->inuse_bytes, 144);
	ck_assert_uint_eq(hist(&hs, 64)->free, 1);
	ck_assert_uint_eq(hist(&hs, H + HSIZE - C6)->free, 1);	/* top */
	ck_assert_uint_eq(hs.chunks, 7);
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
}
END_TEST

START_TEST(size_zero)
{
	struct fx_heapscan hs;
	struct fx_maps m;

	build();
	put(C2 + 8, 0);
	scan(&hs, &m);
	ck_assert_uint_eq(hs.nbad, 1);
	ck_assert_uint_eq(hs.bad[0].addr, C2);
	/* C1, whose successor is C2, cannot be told in use or free: the
	 * walk stops before it; the tcache member after the stop is not
	 * moved (no negative counts). */
	ck_assert_uint_eq(hs.nhist, 1);
	ck_assert_uint_eq(hist(&hs, 656)->inuse, 1);
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
}
END_TEST

START_TEST(tcache_loop)
{
	struct fx_heapscan hs;
	struct fx_maps m;

	build();
	heap[16 + 2] = 5;			/* count 5 */
	put(C5 + 16, ((C5 + 16) >> 12) ^ (C5 + 16));	/* next: itself */
	scan(&hs, &m);
	ck_assert_uint_eq(hs.nbad, 1);
	ck_assert_uint_eq(hs.bad[0].addr, C5);
	ck_assert_str_eq(hs.bad[0].why, "free list loops");
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
}
END_TEST

START_TEST(fastbin_wild)
{
	struct fx_heapscan hs;
	struct fx_maps m;
	struct fx_glibc g;

	build();
	fx_glibc_layout(&g, 2, 36);
	heap[16 + 2] = 0;			/* empty tcache */
	put(C0 + 16 + 128 + 8, 0);
	put(A + g.off_fastbins + 8, C5);	/* fastbin of 48 */
	put(C5 + 16, ((C5 + 16) >> 12) ^ 0x4141414141414140ULL);
	scan(&hs, &m);
	ck_assert_uint_eq(hs.nbad, 1);
	ck_assert_uint_eq(hs.bad[0].addr, C5);
	ck_assert_str_eq(hs.bad[0].why, "free list pointer outside every heap");
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
}
END_TEST

START_TEST(not_an_arena)
{
	struct fx_heapscan hs;
	struct fx_maps m;
	struct fx_glibc g;

	build();
	fx_glibc_layout(&g, 2, 36);
	/* One bin pointing to itself in fd only: not a malloc_state. */
	put(A + g.off_bins + 16 * 5, 0x10);
	scan(&hs, &m);
	ck_assert_uint_eq(hs.narenas, 0);
	ck_assert_uint_eq(hs.nhist, 0);
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
}
END_TEST

START_TEST(parsers)
{
	static const char sys[] = "34 0x0 0x0 0x2 0x7f4aef54ffe8 0x0 0x64 "
				  "0x7ffec72ebd10 0x7f4aef615df2\n";
	static const char stat[] = "42 (a b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 "
		"13 14 15 16 17 18 19 20 21 22 23 24 25 1234 27 28\n";
	char comm[16], out[64];
	uint64_t sp = 0, esp = 0;
	long nr = 0;

	ck_assert_int_eq(fx_syscall_sp_parse(sys, sizeof(sys) - 1, &sp), 0);
	ck_assert_uint_eq(sp, 0x7ffec72ebd10ULL);
	ck_assert_int_eq(fx_syscall_sp_parse("-1 0x7ffd0 0x4011\n", 18, &sp), 0);
	ck_assert_uint_eq(sp, 0x7ffd0);
	ck_assert_int_eq(fx_syscall_sp_parse("running\n", 8, &sp), -EAGAIN);
	ck_assert_int_eq(fx_syscall_sp_parse("1 2\n", 4, &sp), -EBADMSG);
	ck_assert_int_eq(fx_syscall_parse(sys, sizeof(sys) - 1, &nr, &sp), 0);
	ck_assert_int_eq(nr, 34);
	ck_assert_int_eq(fx_syscall_parse("-1 0x7ffd0 0x4011\n", 18, &nr,
					  &sp), 0);
	ck_assert_int_eq(nr, -1);
	ck_assert_int_eq(fx_syscall_parse("2x 0 0 0 0 0 0 0x1 0x2\n", 24, &nr,
					  &sp), -EBADMSG);
	ck_assert_int_eq(fx_task_stat_parse(stat, sizeof(stat) - 1, comm,
					    sizeof(comm), &esp), 0);
	ck_assert_str_eq(comm, "a b) c");
	ck_assert_uint_eq(esp, 1234);
	ck_assert_int_eq(fx_type_name("N3sip17SipSubscribeEventE", out,
				      sizeof(out)), 0);
	ck_assert_str_eq(out, "sip::SipSubscribeEvent");
	ck_assert_int_eq(fx_type_name("5Timer", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "Timer");
	ck_assert_int_eq(fx_type_name("St9exception", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "std::exception");
	ck_assert_int_eq(fx_type_name("7TimeoutIiE", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "Timeout<int>");
	ck_assert_int_eq(fx_type_name("St23_Sp_counted_ptr_inplaceI7SessionSaI"
				      "vELN9__gnu_cxx12_Lock_policyE2EE", out,
				      sizeof(out)), 0);
	ck_assert_str_eq(out, "Session (make_shared)");
	ck_assert_int_eq(fx_type_name("NSt6thread11_State_implINS_8_InvokerISt5"
				      "tupleIJPFvvEEEEEEE", out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "void (*)() (std::thread)");
	ck_assert_int_eq(fx_type_name("St23_Sp_counted_ptr_inplaceI7SessionSaI"
				      "vELN9__gnu_cxx12_Lock_policyE2EE", out,
				      8), -ENOSPC);
	ck_assert_int_eq(fx_type_name("9Timer", out, sizeof(out)), -EBADMSG);
	ck_assert_int_eq(fx_type_name("", out, sizeof(out)), -EBADMSG);
}
END_TEST

START_TEST(elf_loads)
{
	struct fx_elf_load ld[8];
	struct fx_buf b;
	size_t n = 0;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	fx_buf_init(&b);
	ck_assert_int_eq(fx_buf_read_fd(&b, fd), 0);
	close(fd);
	ck_assert_int_eq(fx_elf_loads(b.data, b.len < 65536 ? b.len : 65536, ld,
				      8, &n), 0);
	ck_assert_uint_ge(n, 2);
	ck_assert_int_eq(fx_elf_loads(b.data, 10, ld, 8, &n), -EBADMSG);
	ck_assert_int_eq(fx_elf_loads("not an elf at all, really", 25, ld, 8,
				      &n), -EBADMSG);
	fx_buf_release(&b);
}
END_TEST

static long fd_pread(void *ctx, uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(*(int *)ctx, buf, len, (off_t)off);

	return n < 0 ? -errno : n;
}

/* fx_elf_dynsyms (libelf) on libc: malloc's st_value is where the dynamic
 * linker put malloc less libc's base (dladdr). */
START_TEST(elf_dynsyms)
{
	const char *names[] = { "malloc", "no_such_symbol_at_all" };
	uint64_t v[2];
	Dl_info di;
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	int fd;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_ne(dladdr(m, &di), 0);
	fd = open(di.dli_fname, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fx_elf_dynsyms(fd_pread, &fd, names, 2, v), 1);
	ck_assert_uint_eq(v[0], (uintptr_t)m - (uintptr_t)di.dli_fbase);
	ck_assert_uint_eq(v[1], 0);
	close(fd);
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(fx_elf_dynsyms(fd_pread, &fd, names, 2, v), -EBADMSG);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, layout_236);
	tcase_add_test(tc, version);
	tcase_add_test(tc, walk_sound);
	tcase_add_test(tc, size_zero);
	tcase_add_test(tc, tcache_loop);
	tcase_add_test(tc, fastbin_wild);
	tcase_add_test(tc, not_an_arena);
	tcase_add_test(tc, parsers);
	tcase_add_test(tc, elf_loads);
	tcase_add_test(tc, elf_dynsyms);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
