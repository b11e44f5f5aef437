/*
 * scan_sparse: text at known addresses, in memory that is mostly never
 * touched, for the tests of `scan`.
 *
 *   scan_sparse [churn]
 *
 * - big: 1 GiB anonymous, MAP_NORESERVE, never touched except:
 *   page 100 holds "SCAN-CANARY-PAGE-ONE-HUNDRED" at its start (canary=);
 *   "CROSS-PAGE-BOUNDARY-MARKER" straddles pages 200 and 201 (cross=);
 *   "WINDOW-EDGE-MARKER" straddles big + 4 MiB, where scan cuts its first
 *   job (window=);
 *   "JAVA-UTF16-CANARY" in UTF-16LE on page 300 (utf16=);
 *   "价格-UTF8-CANARY" (UTF-8) on page 400 (utf8=).
 * - last: two pages, then a PROT_NONE page (a separate region), with
 *   "LAST-BYTE-MARKER" ending at the region's last byte (last=,
 *   last_region=, last_end=).
 * - churn: a thread maps a 64 KiB region holding "CHURN-CANARY", unmaps
 *   it and maps it again, for ever (a region that vanishes mid-scan).
 * Reports every address on its ready line.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "target.h"

#define BIG (1UL << 30)
#define PAGE 4096UL

static void *churn(void *arg)
{
	char *p;

	(void)arg;
	for (;;) {
		p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			continue;
		memcpy(p + 8 * PAGE - 6, "CHURN-CANARY", 12);
		munmap(p, 16 * PAGE);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char u16[] = "JAVA-UTF16-CANARY";
	char *big, *last;
	pthread_t th;
	size_t i;

	big = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	last = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED || last == MAP_FAILED)
		target_die("mmap");
	/* No huge pages: touching one page must make one page resident. */
	madvise(big, BIG, MADV_NOHUGEPAGE);
	if (mprotect(last + 2 * PAGE, PAGE, PROT_NONE))
		target_die("mprotect");
	strcpy(big + 100 * PAGE, "SCAN-CANARY-PAGE-ONE-HUNDRED");
	memcpy(big + 201 * PAGE - 10, "CROSS-PAGE-BOUNDARY-MARKER", 26);
	memcpy(big + (4UL << 20) - 7, "WINDOW-EDGE-MARKER", 18);
	for (i = 0; i < sizeof(u16) - 1; i++)
		big[300 * PAGE + 2 * i] = u16[i];
	strcpy(big + 400 * PAGE, "价格-UTF8-CANARY");
	memcpy(last + 2 * PAGE - 16, "LAST-BYTE-MARKER", 16);
	if (argc > 1 && strcmp(argv[1], "churn") == 0 &&
	    pthread_create(&th, NULL, churn, NULL))
		target_die("pthread_create");
	target_ready("big=%p big_size=%lu canary=%p cross=%p window=%p "
		     "utf16=%p utf8=%p last=%p last_region=%p last_end=%p",
		     (void *)big, BIG, (void *)(big + 100 * PAGE),
		     (void *)(big + 201 * PAGE - 10),
		     (void *)(big + (4UL << 20) - 7), (void *)(big + 300 * PAGE),
		     (void *)(big + 400 * PAGE), (void *)(last + 2 * PAGE - 16),
		     (void *)last, (void *)(last + 2 * PAGE));
	target_wait();
	return 0;
}
