/*
 * fakejvm: a process that maps a shared library named libjvm.so which is
 * not HotSpot (no vmStructs tables): classify must say so, not guess.
 *   fakejvm PATH/libjvm.so
 * dlopens the file, prints "ready pid=N" and waits.
 */
#include <dlfcn.h>

#include "target.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fakejvm PATH/libjvm.so\n");
		return 64;
	}
	if (!dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) {
		fprintf(stderr, "fakejvm: %s\n", dlerror());
		return 2;
	}
	target_ready(NULL);
	target_wait();
}
