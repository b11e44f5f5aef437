/*
 * Helpers shared by the Check unit suites. Each suite is one file
 * tests/unit/test_X.c built into build/unit/test_X and run from the top of
 * the tree; fixtures are read from the directory in $CORPUS (`make unit`
 * sets it to "corpus"), so corpus/proc/bash.smaps is "proc/bash.smaps".
 */
#ifndef FX_UNIT_H
#define FX_UNIT_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "forensic.h"

/* Read fixture `name` (relative to $CORPUS) whole into b (replacing it). */
static inline void unit_load(const char *name, struct fx_buf *b)
{
	const char *dir = getenv("CORPUS");
	char path[4096];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "corpus", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "cannot open fixture '%s': %s (run from the "
		      "top of the tree, CORPUS=corpus)", path, strerror(errno));
	fx_buf_reset(b);
	r = fx_buf_read_fd(b, fd);
	close(fd);
	ck_assert_msg(r == 0, "cannot read fixture '%s'", path);
}

/* Parse fixture `name` into m (initialised here); the parse must succeed. */
static inline void unit_parse(const char *name, struct fx_maps *m)
{
	struct fx_buf b;
	struct fx_err err = { 0 };
	int r;

	fx_buf_init(&b);
	unit_load(name, &b);
	fx_maps_init(m);
	r = fx_maps_parse(m, b.data, b.len, &err);
	ck_assert_msg(r == 0, "%s: parse failed (%d) at line %lu: %s", name, r,
		      err.line, err.msg);
	fx_buf_release(&b);
}

/* An anonymous file to write records to and read them back from. */
static inline int unit_memfd(void)
{
	int fd = memfd_create("unit", MFD_CLOEXEC);

	ck_assert_msg(fd >= 0, "memfd_create: %s", strerror(errno));
	return fd;
}

/* Everything written to fd so far, into b (NUL-terminated); rewinds fd. */
static inline void unit_slurp(int fd, struct fx_buf *b)
{
	ck_assert(lseek(fd, 0, SEEK_SET) == 0);
	fx_buf_reset(b);
	ck_assert_int_eq(fx_buf_read_fd(b, fd), 0);
	if (!b->data) {
		/* Nothing written: an empty, still NUL-terminated string. */
		ck_assert_int_eq(fx_buf_read_fd(b, fd), 0);
	}
	ck_assert(lseek(fd, 0, SEEK_SET) == 0);
}

/* A memfd holding exactly len bytes of s, positioned at its start. */
static inline int unit_memfd_with(const void *s, size_t len)
{
	int fd = unit_memfd();

	ck_assert(write(fd, s, len) == (ssize_t)len);
	ck_assert(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* The region of m that starts at start, or fail. */
static inline const struct fx_region *unit_region(const struct fx_maps *m,
						  uint64_t start)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->r[i].start == start)
			return &m->r[i];
	ck_abort_msg("no region starts at 0x%llx", (unsigned long long)start);
	return NULL;
}

/* Is field f present in r? */
static inline int unit_have(const struct fx_region *r, enum fx_field f)
{
	return (r->have >> f) & 1;
}

/*
 * Fork a child of this test, ready on return. The child calls run(ready,
 * arg) (unless run is NULL) to set itself up, then writes one byte to
 * ready and waits in pause() for good; a run that waits otherwise writes
 * the byte itself and never returns. Kill it by pid (and reap it) when
 * done.
 */
static inline pid_t unit_child(void (*run)(int ready, void *arg), void *arg)
{
	int pfd[2];
	pid_t child;
	char c;

	ck_assert_int_eq(pipe(pfd), 0);
	child = fork();
	ck_assert(child >= 0);
	if (child == 0) {
		close(pfd[0]);
		if (run)
			run(pfd[1], arg);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return child;
}

/*
 * The main() of a suite file: the suite `name` of one test case holding
 * the tests listed (START_TEST names).
 */
#define UNIT_MAIN(name, ...)                                             \
	int main(void)                                                   \
	{                                                                \
		const TTest *const tests[] = { __VA_ARGS__ };            \
		Suite *s = suite_create(name);                           \
		TCase *tc = tcase_create(name);                          \
		size_t i;                                                \
									 \
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)  \
			tcase_add_test(tc, tests[i]);                    \
		suite_add_tcase(s, tc);                                  \
		return unit_run(s);                                      \
	}

/*
 * /proc/PID/NAME ("stat", "status", "syscall") into buf, NUL-terminated
 * (len - 1 bytes at most): the bytes read, or -1 when it cannot be read
 * (the process is gone); buf is "" then.
 */
static inline ssize_t unit_proc_read(pid_t pid, const char *name, char *buf,
				     size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Run one suite; the exit status of a unit binary. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
