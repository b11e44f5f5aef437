/*
 * leaky: a service that leaked connection contexts, the demo's patient.
 *
 *   leaky [COUNT]     (default 262144)
 *
 * Allocates COUNT contexts of 96 bytes with malloc (112-byte chunks in the
 * main arena's [heap]), each holding the peer address "$UNKNOWN", as the
 * never-cleaned map of the incident in DESIGN.md. Also a 16 MiB buffer
 * (an mmapped chunk of its own) and a small working set. Reports:
 *   ready pid=N contexts=COUNT context_size=96 heap_start=0x... heap_end=0x...
 *         buffer=0x... buffer_size=16777216
 */
#include <stdint.h>
#include <string.h>

#include "target.h"

struct ctx {
	uint64_t id;
	uint32_t state, flags;
	char peer[32];
	struct ctx *next;
	char pad[40];
};

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 262144;
	struct ctx *head = NULL, *c;
	char *buffer;
	unsigned long i;
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	_Static_assert(sizeof(struct ctx) == 96, "context is 96 bytes");
	for (i = 0; i < n; i++) {
		c = malloc(sizeof(*c));
		if (!c)
			target_die("malloc");
		memset(c, 0, sizeof(*c));
		c->id = i;
		strcpy(c->peer, "$UNKNOWN");
		c->next = head;
		head = c;
		if ((uintptr_t)c < lo)
			lo = (uintptr_t)c;
		if ((uintptr_t)c > hi)
			hi = (uintptr_t)c + sizeof(*c);
	}
	buffer = malloc(16 << 20);
	if (!buffer)
		target_die("malloc");
	memset(buffer, 'B', 16 << 20);
	target_ready("contexts=%lu context_size=96 first=%p last=%p buffer=%p "
		     "buffer_size=%d",
		     n, (void *)lo, (void *)hi, (void *)buffer, 16 << 20);
	target_wait();
	return 0;
}
