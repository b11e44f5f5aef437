/*
 * lazylib: the heavy shared libraries opened on first use, not at start.
 *
 * Linked as DT_NEEDED, Vectorscan, libcrypto, capstone, libdw and
 * libstdc++ cost every run of classify, scan and dump-region 2 to 4 ms
 * and up to 600 page faults in the dynamic loader (relocations, symbol
 * lookups), whether the run scans a pattern or prints --help: classify
 * --help took 4.4 ms and 700 faults where memmap, linked with libc alone,
 * took 0.7 ms and 75 (0.9 ms and 100 once they were opened on demand,
 * libelf and libzstd still linked). Each module that needs one of
 * them declares the functions it calls here, and opens the library with
 * dlopen() the first time it needs it: a run that does not need it never
 * loads it.
 *
 * A library is opened by its SONAME (libhs.so.5), read at build time from
 * the library the build would have linked (Makefile, scripts/lib-sonames):
 * the version the headers describe, never a path that comes from outside.
 * libelf and libzstd stay linked as usual: small (0.13 ms and 20 faults
 * together), and libelf is used by most runs (cores, symbols, libjvm.so).
 *
 * Private to the library (tools never include it).
 *
 * A module lists the functions it calls, X(T, name) each, and defines
 * their table once:
 *
 *	#define HS_FNS(X, T) X(T, hs_scan_stream) X(T, hs_free_database)
 *	FX_LAZY_DEFINE(hs, FX_LIB_HS, HS_FNS);
 *
 * then loads before the first call and calls through the table, with the
 * prototypes of the library's own header:
 *
 *	if (fx_lazy_load(&hs_lazy))
 *		return an error saying fx_lazy_why(&hs_lazy);
 *	hs.hs_scan_stream(...);
 */
#ifndef FX_LAZYLIB_H
#define FX_LAZYLIB_H

#include <stddef.h>

/* The libraries opened on demand. */
enum fx_lib {
	FX_LIB_HS,		/* Vectorscan / Hyperscan: scan's patterns */
	FX_LIB_CRYPTO,		/* libcrypto: SHA-256 (dump --sha256) */
	FX_LIB_CAPSTONE,	/* capstone: JIT regions (classify) */
	FX_LIB_DW,		/* libdw: stacks (classify --threads) */
	FX_LIB_STDCXX,		/* libstdc++: __cxa_demangle */
	FX_LIB_N
};

/* One function of a table: its name, where its pointer goes. */
struct fx_lazysym {
	const char *name;
	size_t off;
};

/* One module's functions from one library (FX_LAZY_DEFINE). */
struct fx_lazyfns {
	enum fx_lib lib;
	const struct fx_lazysym *syms;
	size_t nsyms;
	void *fns;		/* the table of function pointers */
	int state;		/* 0 not tried, 1 loaded, -1 failed */
	char why[256];		/* failed: one line saying why */
};

#define FX_LAZY_FN(T, f) __typeof__(f) *f;
#define FX_LAZY_SYM(T, f) { #f, offsetof(T, f) },

/*
 * Define `static struct name##_fns name` (the function pointers, one
 * member per function, named as the function) and `name##_lazy` (what
 * fx_lazy_load fills it from), from LIST(X, T), which applies X(T, f) to
 * each function f.
 */
#define FX_LAZY_DEFINE(name, lib, LIST)                                     \
	static struct name##_fns {                                          \
		LIST(FX_LAZY_FN, )                                          \
	} name;                                                             \
	static const struct fx_lazysym name##_syms[] = {                    \
		LIST(FX_LAZY_SYM, struct name##_fns)                        \
	};                                                                  \
	static struct fx_lazyfns name##_lazy = {                            \
		lib, name##_syms, sizeof(name##_syms) / sizeof(name##_syms[0]), \
		&name, 0, ""                                                \
	}

/*
 * Open f's library (once per process, RTLD_NOW | RTLD_LOCAL) and fill
 * f's table (once per table). Safe from any thread; after the first call
 * a flag read. 0, or -ELIBACC when the library cannot be opened or lacks
 * a function (then always, never retried): fx_lazy_why says why.
 */
int fx_lazy_load(struct fx_lazyfns *f);

/*
 * Why f could not be loaded: "cannot load 'libhs.so.5': libhs.so.5:
 * cannot open shared object file: No such file or directory", or "" when
 * it was.
 */
const char *fx_lazy_why(const struct fx_lazyfns *f);

/* The SONAME opened for lib ("libhs.so.5"). */
const char *fx_lazy_soname(enum fx_lib lib);

#endif
