/*
 * fuzz_stack: the unwinder (stack.h) over hostile registers and stack
 * bytes: the stack of a thread, its registers and the bytes it points
 * to, all come from the input.
 *
 * The map is this process's own libc (its file mappings, read through a
 * file reader from the path, as a capture's would be) and a 64 KiB stack
 * region at STACK whose bytes are the input's (after the registers,
 * repeated). The first 17 words are the DWARF registers; with the low bit
 * of the first byte set, rip is moved into libc's code and rsp into the
 * stack, and stack words tagged 0xaa or 0xbb in their top byte point
 * into libc's code or the stack (so CFI, the frame-pointer fallback and
 * the symbol lookup all run, frame after frame, on what the input
 * chose). Every stack must be bounded: at most
 * FX_STACK_MAX_FRAMES frames and one reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "forensic.h"
#include "heap.h"
#include "maps.h"
#include "stack.h"
#include "threads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STACK 0x7000000000ull
#define STACK_LEN 0x10000ull

static struct fx_maps maps;
static struct fx_unwinder *unw;
static uint64_t text_lo, text_hi;
static const uint8_t *cur;
static size_t curlen;

static int mem(void *ctx, uint64_t a, void *buf, size_t len)
{
	size_t i;

	(void)ctx;
	if (a < STACK || a + len > STACK + STACK_LEN || a + len < a || !curlen)
		return -EFAULT;
	for (i = 0; i < len; i++)
		((uint8_t *)buf)[i] = cur[(a - STACK + i) % curlen];
	/* Words tagged 0xaa.. point into libc's code, 0xbb.. into the
	 * stack: return addresses and saved frame pointers the unwinder
	 * can follow. */
	if (len == 8) {
		uint64_t v;

		memcpy(&v, buf, 8);
		if (v >> 56 == 0xaa)
			v = text_lo + (v & 0xffffffffu) % (text_hi - text_lo);
		else if (v >> 56 == 0xbb)
			v = STACK + ((v & 0xffffffffu) % STACK_LEN & ~7ull);
		memcpy(buf, &v, 8);
	}
	return 0;
}

static long file(void *ctx, const struct fx_region *r, uint64_t off,
		 void *buf, size_t len)
{
	int fd = open(r->name, O_RDONLY | O_CLOEXEC);
	long n;

	(void)ctx;
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	return n < 0 ? -errno : n;
}

static struct fx_heap_src src = { mem, NULL };

/* The map: libc's lines of /proc/self/maps, and the stack. */
static void setup(void)
{
	char line[512], text[8192];
	size_t n = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	struct fx_err err;
	unsigned long lo, hi;

	if (!f)
		abort();
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libc.so") && n + strlen(line) < 4096) {
			memcpy(text + n, line, strlen(line));
			n += strlen(line);
			if (strstr(line, " r-xp ") &&
			    sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
				text_lo = lo;
				text_hi = hi;
			}
		}
	fclose(f);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "%llx-%llx rw-p 00000000 00:00 0\n",
			      (unsigned long long)STACK,
			      (unsigned long long)(STACK + STACK_LEN));
	fx_maps_init(&maps);
	if (fx_maps_parse(&maps, text, n, &err) || !text_hi ||
	    fx_unwinder_new(&unw, &maps, &src, file, NULL, NULL, 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_thread t;
	struct fx_buf b;
	size_t i, semis = 0, brackets = 0;

	if (!unw)
		setup();
	if (size < 17 * 8)
		return 0;
	memset(&t, 0, sizeof(t));
	t.tid = 1;
	t.have_regs = 1;
	memcpy(t.regs, data, sizeof(t.regs));
	if (data[0] & 1) {
		t.regs[16] = text_lo + t.regs[16] % (text_hi - text_lo);
		t.regs[7] = STACK + (t.regs[7] % STACK_LEN & ~7ull);
		t.regs[6] = STACK + (t.regs[6] % STACK_LEN & ~7ull);
	}
	cur = data + 17 * 8;
	curlen = size - 17 * 8;
	fx_buf_init(&b);
	if (fx_unwind(unw, &t, &b))
		abort();
	for (i = 0; i < b.len; i++) {
		semis += b.data[i] == ';';
		brackets += b.data[i] == '[' && (!i || b.data[i - 1] == ';');
	}
	if (!b.len || semis > FX_STACK_MAX_FRAMES || brackets > 1)
		abort();
	fx_buf_release(&b);
	return 0;
}
