/*
 * fuzz_scan: the scanner over hostile memory bytes and pattern files.
 *
 * Input: byte 0 flags (bits 0-2: string encodings, 0 meaning ascii; bit 3:
 * a pattern file follows), byte 1 the minimum length (1 + b % 80), byte 2
 * the window size (64 << (b % 8)) and piece size; with bit 3, a pattern
 * file (fx_patset_add_file syntax) up to the first NUL; the rest is the
 * memory, at address 0x1000.
 *
 * Every input is scanned twice: as one buffer, and cut into windows fed
 * in small pieces (as the threaded scan does). The two must report the
 * same hits, the same way: a hit found twice, or lost at a window or
 * piece boundary, aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXH 4096

struct hits {
	uint64_t key[MAXH][3];
	size_t n;
};

static int add(void *arg, const struct fx_hit *h)
{
	struct hits *hs = arg;

	if (h->text_len > h->len || (h->text_len && !h->text))
		abort();
	if (hs->n < MAXH) {
		hs->key[hs->n][0] = h->addr;
		hs->key[hs->n][1] = h->enc | (uint64_t)h->pattern << 8;
		hs->key[hs->n][2] = h->len;
	}
	hs->n++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return memcmp(a, b, 3 * sizeof(uint64_t));
}

static struct hits whole, cut;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fx_scan_conf conf = { 0, 1, NULL, 0 };
	struct fx_patset *ps = NULL;
	struct fx_err err;
	struct fx_scanner *s;
	const uint8_t *mem, *nul;
	size_t len, win, piece, lo, x, p, n;
	uint64_t base = 0x1000, pre;

	if (size < 3)
		return 0;
	conf.enc = data[0] & 7;
	conf.min_len = 1 + data[1] % 80;
	win = (size_t)64 << (data[2] % 8);
	piece = 1 + data[2] / 8;
	mem = data + 3;
	len = size - 3;
	if (data[0] & 8) {
		nul = memchr(mem, 0, len);
		n = nul ? (size_t)(nul - mem) : len;
		ps = fx_patset_new();
		if (!ps)
			return 0;
		if (fx_patset_add_file(ps, (const char *)mem, n, data[0] & 16,
				       &err) == 0 &&
		    fx_patset_count(ps) && fx_patset_compile(ps, &err) == 0)
			conf.pats = ps;
		mem += n + (nul != NULL);
		len -= n + (nul != NULL);
	}
	if (!conf.enc && !conf.pats)
		conf.enc = FX_ENC_ASCII;
	s = fx_scanner_new(&conf);
	if (!s)
		abort();
	whole.n = 0;
	if (fx_scan_buffer(s, base, mem, len, add, &whole))
		abort();
	pre = fx_scanner_pre(s);
	if (pre == UINT64_MAX)
		win = len ? len : 1;
	/*
	 * Each window is fed from pre bytes before it, in pieces of a few
	 * bytes: with a long pattern (pre of tens of KiB) and 64-byte
	 * windows, one input took minutes and held make check's fuzz smoke
	 * far past its time. Fewer, larger windows keep the work near 8 MiB
	 * of feeding per input; the boundaries are still tested.
	 */
	while (pre != UINT64_MAX && win < len &&
	       (len / win + 1) * (pre + 2 * win) / piece > (8u << 20))
		win *= 2;
	cut.n = 0;
	for (lo = 0; lo < len; lo += win) {
		size_t hi = lo + win < len ? lo + win : len;

		x = pre == UINT64_MAX || lo < pre ? 0 : lo - pre;
		fx_scanner_begin(s, base, base + len, base + lo, base + hi, add,
				 &cut);
		while (x < len) {
			p = piece < len - x ? piece : len - x;
			if (fx_scanner_feed(s, base + x, mem + x, p))
				abort();
			x += p;
			if (!fx_scanner_more(s, base + x))
				break;
		}
		if (fx_scanner_end(s))
			abort();
	}
	if (whole.n != cut.n)
		abort();
	if (whole.n <= MAXH) {
		qsort(whole.key, whole.n, sizeof(whole.key[0]), cmp);
		qsort(cut.key, cut.n, sizeof(cut.key[0]), cmp);
		if (memcmp(whole.key, cut.key, whole.n * sizeof(whole.key[0])))
			abort();
	}
	fx_scanner_free(s);
	fx_patset_free(ps);
	return 0;
}
