/*
 * scan_mix: memory that looks like a server's heap, for bench/scan.sh.
 *
 *   scan_mix [MIB] [SEED]    (default 1024 MiB, seed 1)
 *
 * One anonymous region of MIB MiB, every page written (resident), each
 * 4 KiB page one of, by a seeded generator:
 *   30% text: NUL-separated log lines, URLs, headers, JSON (from 512
 *       prepared pages, each copy stamped with a counter);
 *   25% pointers and small integers (8-byte words);
 *   20% random bytes;
 *   25% zeros.
 * One of ten keywords (the bench's literal patterns) is written in about
 * every 16th text page. Reports: ready pid=N start=0x... size=BYTES
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "target.h"

#define PAGE 4096
#define NTEXT 512

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static const char *const words[] = {
	"user", "order", "session", "cart", "item", "price", "status",
	"customer", "payment", "invoice", "gateway", "timeout", "retry",
	"cache", "queue", "message", "worker", "shard", "replica", "index",
};

static const char *const keywords[] = {
	"$UNKNOWN", "connection reset", "password=", "Authorization: Bearer",
	"java/lang/String", "SELECT * FROM", "ERROR", "deadbeef", "session_id",
	"X-Forwarded-For",
};

static void text_page(char *p)
{
	size_t off = 0;
	int n;

	while (off < PAGE - 200) {
		const char *w1 = words[rnd() % 20], *w2 = words[rnd() % 20];

		switch (rnd() % 4) {
		case 0:
			n = sprintf(p + off, "2026-11-25T08:%02d:%02d.%03d INFO "
				    "[worker-%d] %s %s id=%08x took %d ms",
				    (int)(rnd() % 60), (int)(rnd() % 60),
				    (int)(rnd() % 1000), (int)(rnd() % 32), w1,
				    w2, (unsigned)rnd(), (int)(rnd() % 5000));
			break;
		case 1:
			n = sprintf(p + off, "https://api.example.com/v1/%s/%u/%s",
				    w1, (unsigned)(rnd() % 100000), w2);
			break;
		case 2:
			n = sprintf(p + off, "{\"%s\":%u,\"%s\":\"%s\"}", w1,
				    (unsigned)(rnd() % 1000), w2, w1);
			break;
		default:
			n = sprintf(p + off, "Content-Type: application/json");
		}
		off += (size_t)n + 1 + rnd() % 24;	/* NULs between */
	}
}

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	size_t size = mib << 20, i, k;
	static char text[NTEXT][PAGE];
	uint64_t r, *w;
	char *base, *p;

	rnd_state = (argc > 2 ? strtoull(argv[2], NULL, 0) : 1) * 88172645463325252ULL + 1;
	for (i = 0; i < NTEXT; i++)
		text_page(text[i]);
	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		target_die("mmap");
	madvise(base, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size / PAGE; i++) {
		p = base + i * PAGE;
		r = rnd() % 100;
		if (r < 30) {
			memcpy(p, text[rnd() % NTEXT], PAGE);
			sprintf(p, "request-%zu", i);
			if (rnd() % 16 == 0)
				strcpy(p + 2048, keywords[rnd() % 10]);
		} else if (r < 55) {
			w = (uint64_t *)p;
			for (k = 0; k < PAGE / 8; k++)
				w[k] = rnd() % 3 ? 0x00007f0000000000ULL |
							   (rnd() & 0xfffffffff8ULL) :
						   rnd() % 4096;
		} else if (r < 75) {
			w = (uint64_t *)p;
			for (k = 0; k < PAGE / 8; k++)
				w[k] = rnd();
		} else {
			/* A zero page, but resident. */
			p[0] = 1;
			p[0] = 0;
		}
	}
	target_ready("start=%p size=%zu", (void *)base, size);
	target_wait();
	return 0;
}
