/*
 * test_kerndat: the one probe of kernel features, against what the
 * machine says of itself (/proc/swaps, the kernel version, our own
 * privileges), and every fallback forced from the environment. Check
 * runs each test in its own process: the probe is made afresh in each.
 */
#include <sys/utsname.h>

#include "unit.h"
#include "kerndat.h"

/* Does /proc/swaps list an area (a line after its header)? */
static int swaps_listed(void)
{
	struct fx_buf b;
	char *nl;
	int fd, r;

	fx_buf_init(&b);
	fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fx_buf_read_fd(&b, fd), 0);
	close(fd);
	nl = b.data ? strchr(b.data, '\n') : NULL;
	r = nl && nl[1];
	fx_buf_release(&b);
	return r;
}

START_TEST(test_probe)
{
	const struct fx_kerndat *kd;
	struct utsname u;
	int major = 0, minor = 0;

	unsetenv("MEMFORENSIC_FALLBACK");
	unsetenv("MEMFORENSIC_NO_PAGEMAP_SCAN");
	kd = fx_kerndat();
	ck_assert_ptr_eq(kd, fx_kerndat());	/* once */
	ck_assert_uint_eq(kd->forced, 0);
	ck_assert_int_eq(kd->swap, swaps_listed());
	ck_assert_int_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &major, &minor);
	/* PAGEMAP_SCAN came with Linux 6.7. */
	ck_assert_int_eq(kd->pagemap_scan, major > 6 || (major == 6 && minor >= 7));
	if (geteuid() == 0) {
		/* root: process_vm_readv on ourselves, map_files, PFNs. */
		ck_assert_int_eq(kd->vm_readv, 1);
		ck_assert_int_eq(kd->map_files, 1);
		ck_assert_uint_ne(kd->zero_pfn, 0);
	}
}
END_TEST

START_TEST(test_forced_all)
{
	const struct fx_kerndat *kd;

	setenv("MEMFORENSIC_FALLBACK", "all", 1);
	kd = fx_kerndat();
	ck_assert_int_eq(kd->pagemap_scan, 0);
	ck_assert_uint_eq(kd->zero_pfn, 0);
	ck_assert_int_eq(kd->vm_readv, 0);
	ck_assert_int_eq(kd->map_files, 0);
	ck_assert_int_eq(kd->swap, 1);
}
END_TEST

START_TEST(test_forced_some)
{
	const struct fx_kerndat *kd;

	setenv("MEMFORENSIC_FALLBACK", "vm_readv,bogus,map_files", 1);
	setenv("MEMFORENSIC_NO_PAGEMAP_SCAN", "1", 1);
	kd = fx_kerndat();
	ck_assert_uint_eq(kd->forced, FX_FB_VM_READV | FX_FB_MAP_FILES |
					     FX_FB_PAGEMAP_SCAN);
	ck_assert_int_eq(kd->vm_readv, 0);
	ck_assert_int_eq(kd->map_files, 0);
	ck_assert_int_eq(kd->pagemap_scan, 0);
	ck_assert_int_eq(kd->swap, swaps_listed());
}
END_TEST

static Suite *kerndat_suite(void)
{
	Suite *s = suite_create("kerndat");
	TCase *tc = tcase_create("kerndat");

	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_forced_all);
	tcase_add_test(tc, test_forced_some);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(kerndat_suite());
}
