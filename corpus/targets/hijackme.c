/*
 * hijackme: a main thread that checks its own system call or loop never
 * sees a trace of a stop, for dump-region --mode snapshot, whose clone
 * borrows the first thread's registers (issue 15: the hijacked thread's
 * system call resumes or restarts as if never interrupted).
 *
 *   hijackme MODE FILE      MODE: read, nanosleep, futex or busy
 *
 * The main thread blocks every signal (a handler never interrupts it:
 * only a stop can) and, in a loop:
 *   read       read()s one byte from a pipe that a feeder thread writes
 *              every 20 ms, bytes 1, 2, 3...: each read returns 1 byte,
 *              the next one in sequence;
 *   nanosleep  nanosleep(50 ms): returns 0, after at least 50 ms;
 *   futex      FUTEX_WAIT on a word the feeder increments every 20 ms,
 *              then FUTEX_WAKEs: returns 0 or EAGAIN, never EINTR;
 *   busy       a multiply-add chain in registers, checked against the
 *              same chain kept in memory (and in a double), every turn.
 * Anything else (EINTR, a short or early return, a wrong value) counts
 * as an error. SIGUSR2 (handled by the feeder) writes
 * "ok=N err=M why=TEXT\n" into FILE (created 0600): N good turns, M
 * errors, the first error's text ("-" for none).
 * Prints "ready pid=N mode=MODE" after the first good turn.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "target.h"

static int pfd[2];
static volatile uint32_t word;
static volatile unsigned long ok, err;
static volatile char why[64] = "-";
static const char *path;
static int reading;

static void bad(const char *what, int e)
{
	if (!err)
		snprintf((char *)why, sizeof(why), "%s:%s", what,
			 e ? strerror(e) : "wrong");
	err++;
}

static void report(int sig)
{
	char line[128];
	int n;

	(void)sig;
	n = snprintf(line, sizeof(line), "ok=%lu err=%lu why=%s\n", ok, err,
		     (const char *)why);
	target_report(path, line, n);
}

static void *feeder(void *arg)
{
	struct timespec ms20 = { 0, 20000000 };
	unsigned char c = 0;

	(void)arg;
	for (;;) {
		nanosleep(&ms20, NULL);
		c = c == 255 ? 1 : c + 1;
		if (reading && write(pfd[1], &c, 1) != 1)
			_exit(2);
		__atomic_add_fetch(&word, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static uint64_t ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void turn(const char *mode)
{
	static unsigned char want = 1;
	static volatile uint64_t mem = 1;
	static volatile double dmem = 1;
	struct timespec ms50 = { 0, 50000000 };
	unsigned char c;
	uint64_t t0, x, i;
	uint32_t v;
	double d;
	ssize_t n;
	long r;

	if (!strcmp(mode, "read")) {
		n = read(pfd[0], &c, 1);
		if (n != 1)
			return bad("read", n < 0 ? errno : 0);
		if (c != want)
			return bad("read-sequence", 0);
		want = want == 255 ? 1 : want + 1;
	} else if (!strcmp(mode, "nanosleep")) {
		t0 = ns();
		if (nanosleep(&ms50, NULL))
			return bad("nanosleep", errno);
		if (ns() - t0 < 50000000)
			return bad("nanosleep-early", 0);
	} else if (!strcmp(mode, "futex")) {
		v = word;
		r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, v, NULL,
			    NULL, 0);
		if (r && errno != EAGAIN)
			return bad("futex", errno);
	} else {
		x = mem;
		d = dmem;
		for (i = 0; i < 1000000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			mem = mem * 6364136223846793005ull +
			      1442695040888963407ull;
			d = d * 1.0000001 + 1;
			dmem = dmem * 1.0000001 + 1;
			if (x != mem || d != dmem)
				return bad("busy-registers", 0);
		}
	}
	ok++;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t t;
	sigset_t all;

	if (argc != 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "nanosleep") &&
			  strcmp(argv[1], "futex") && strcmp(argv[1], "busy"))) {
		fprintf(stderr, "usage: hijackme read|nanosleep|futex|busy FILE\n");
		return 64;
	}
	path = argv[2];
	reading = !strcmp(argv[1], "read");
	if (pipe(pfd))
		target_die("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = report;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
	/* The feeder takes the signals; the main thread none. */
	if (pthread_create(&t, NULL, feeder, NULL))
		target_die("pthread_create");
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	turn(argv[1]);
	target_ready("mode=%s", argv[1]);
	for (;;)
		turn(argv[1]);
	return 0;
}
