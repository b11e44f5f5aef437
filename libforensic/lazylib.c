/*
 * lazylib: the heavy shared libraries opened on first use (see lazylib.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "lazylib.h"

/* The Makefile passes each SONAME as read from the library it found
 * (scripts/lib-sonames); a guess here would open a library other than
 * the one whose headers the code was compiled against. */
#if !defined(FX_SONAME_HS) || !defined(FX_SONAME_CRYPTO) ||                \
	!defined(FX_SONAME_CAPSTONE) || !defined(FX_SONAME_DW) ||          \
	!defined(FX_SONAME_STDCXX)
#error "FX_SONAME_*: build through the Makefile (scripts/lib-sonames)"
#endif

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
	       "a function pointer is stored from dlsym()'s void *");

static const char *const sonames[FX_LIB_N] = {
	[FX_LIB_HS] = FX_SONAME_HS,
	[FX_LIB_CRYPTO] = FX_SONAME_CRYPTO,
	[FX_LIB_CAPSTONE] = FX_SONAME_CAPSTONE,
	[FX_LIB_DW] = FX_SONAME_DW,
	[FX_LIB_STDCXX] = FX_SONAME_STDCXX,
};

/* Every load is under one lock: they are a handful per run. The handles
 * are never closed: the tables point into the libraries until exit. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle[FX_LIB_N];
static char open_why[FX_LIB_N][200];	/* dlopen's error, when it failed */

const char *fx_lazy_soname(enum fx_lib lib)
{
	return (unsigned)lib < FX_LIB_N ? sonames[lib] : "-";
}

/* Open lib, once; its handle, or NULL with open_why[lib] set. Under lock. */
static void *open_lib(enum fx_lib lib)
{
	const char *e, *so = sonames[lib];
	size_t n = strlen(so);

	if (handle[lib] || open_why[lib][0])
		return handle[lib];
	handle[lib] = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!handle[lib]) {
		e = dlerror();
		if (!e)
			e = "unknown error";
		/* dlerror() begins with the name ("libhs.so.5: cannot open
		 * ..."), already said. */
		if (!strncmp(e, so, n) && e[n] == ':' && e[n + 1] == ' ')
			e += n + 2;
		snprintf(open_why[lib], sizeof(open_why[lib]), "%s", e);
	}
	return handle[lib];
}

/* Fill f's table; 0 or -ELIBACC with f->why set. Under lock. */
static int resolve(struct fx_lazyfns *f)
{
	void *h = open_lib(f->lib), *p;
	const char *so = sonames[f->lib];
	size_t i;

	if (!h) {
		snprintf(f->why, sizeof(f->why), "cannot load '%s': %s", so,
			 open_why[f->lib]);
		return -ELIBACC;
	}
	for (i = 0; i < f->nsyms; i++) {
		p = dlsym(h, f->syms[i].name);
		if (!p) {
			snprintf(f->why, sizeof(f->why), "cannot load '%s': it "
				 "has no function '%s' (another version than "
				 "the one built against?)", so,
				 f->syms[i].name);
			return -ELIBACC;
		}
		/* POSIX's way to store dlsym()'s object pointer into a
		 * function pointer (dlsym(3)): the bytes, same size. */
		memcpy((char *)f->fns + f->syms[i].off, &p, sizeof(p));
	}
	return 0;
}

int fx_lazy_load(struct fx_lazyfns *f)
{
	int s = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);

	if (!s) {
		pthread_mutex_lock(&lock);
		s = f->state;
		if (!s) {
			s = resolve(f) ? -1 : 1;
			/* Release: a thread that reads the state sees the
			 * table (or why) written before it. */
			__atomic_store_n(&f->state, s, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lock);
	}
	return s > 0 ? 0 : -ELIBACC;
}

const char *fx_lazy_why(const struct fx_lazyfns *f)
{
	return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) < 0 ? f->why : "";
}
