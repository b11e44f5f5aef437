/*
 * lazylib: a library opened on first use, its functions called through
 * the table (libstdc++'s __cxa_demangle, which this test does not link:
 * only the tools' libforensic.a and Check are linked); a function the
 * library lacks fails the load with one line naming it, for good; many
 * threads loading at once all get the same table.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "lazylib.h"
#include "unit.h"

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
			    int *status);
/* Declared only for its type: no library defines it. */
extern int fx_unit_no_such_function(void);

#define GOOD_FNS(X, T) X(T, __cxa_demangle)
FX_LAZY_DEFINE(good, FX_LIB_STDCXX, GOOD_FNS);

#define BAD_FNS(X, T) X(T, __cxa_demangle) X(T, fx_unit_no_such_function)
FX_LAZY_DEFINE(bad, FX_LIB_STDCXX, BAD_FNS);

START_TEST(test_load_and_call)
{
	int st = 1;
	char *d;

	ck_assert_ptr_null(good.__cxa_demangle);
	ck_assert_int_eq(fx_lazy_load(&good_lazy), 0);
	ck_assert_str_eq(fx_lazy_why(&good_lazy), "");
	ck_assert_ptr_nonnull(good.__cxa_demangle);
	d = good.__cxa_demangle("7TimeoutIiE", NULL, NULL, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_str_eq(d, "Timeout<int>");
	free(d);
	/* Opened by the SONAME the Makefile read. */
	ck_assert_ptr_nonnull(dlopen(fx_lazy_soname(FX_LIB_STDCXX),
				     RTLD_NOW | RTLD_NOLOAD));
}
END_TEST

START_TEST(test_missing_function)
{
	ck_assert_int_eq(fx_lazy_load(&bad_lazy), -ELIBACC);
	ck_assert_msg(strstr(fx_lazy_why(&bad_lazy),
			     "has no function 'fx_unit_no_such_function'") &&
			      !strncmp(fx_lazy_why(&bad_lazy), "cannot load '",
				       13),
		      "why: %s", fx_lazy_why(&bad_lazy));
	ck_assert(!strchr(fx_lazy_why(&bad_lazy), '\n'));
	/* Not retried: the same answer. */
	ck_assert_int_eq(fx_lazy_load(&bad_lazy), -ELIBACC);
	/* The library itself opened fine: another table of it loads. */
	ck_assert_int_eq(fx_lazy_load(&good_lazy), 0);
}
END_TEST

static void *load_in_thread(void *arg)
{
	(void)arg;
	return fx_lazy_load(&good_lazy) ? NULL : (void *)good.__cxa_demangle;
}

START_TEST(test_threads)
{
	pthread_t t[8];
	void *got[8];
	int i;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, load_in_thread,
						NULL), 0);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(t[i], &got[i]), 0);
		ck_assert_ptr_nonnull(got[i]);
		ck_assert_ptr_eq(got[i], got[0]);
	}
}
END_TEST

UNIT_MAIN("lazylib", test_load_and_call, test_missing_function, test_threads)
