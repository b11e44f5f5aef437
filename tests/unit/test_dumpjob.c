/*
 * The dump job (dumpjob.h) as a state machine: the events it reports, in
 * order, for a live copy, a freeze, a core, a process that cannot be
 * opened and a freeze refused (a thread in epoll_wait), against a child
 * of the test; and the messages it words from a job's state.
 */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "dumpjob.h"
#include "internal.h"
#include "select.h"
#include "unit.h"

/* The events a job reported, repeated PROGRESS events as one. */
struct seen {
	int ev[64];
	int n;
};

static void record(struct fx_dumpjob *j, enum fx_dumpjob_event ev)
{
	struct seen *s = j->arg;
	int info;

	if (ev == FX_DJ_PROGRESS && s->n && s->ev[s->n - 1] == (int)ev)
		return;
	ck_assert_int_lt(s->n, 64);
	s->ev[s->n++] = ev;
	/* Every event words without a crash, whatever the state. */
	fx_dumpjob_message(j, ev, &info);
}

/* The events, without PROGRESS (how many batches a copy takes varies). */
static void expect(const struct seen *s, const int *want, int n)
{
	int i, k = 0;

	for (i = 0; i < s->n; i++) {
		if (s->ev[i] == FX_DJ_PROGRESS)
			continue;
		ck_assert_msg(k < n, "event %d: %d, none expected", k,
			      s->ev[i]);
		ck_assert_msg(s->ev[i] == want[k], "event %d: %d, expected %d",
			      k, s->ev[i], want[k]);
		k++;
	}
	ck_assert_msg(k == n, "%d events, expected %d", k, n);
}

/* In the child: ready, then wait in epoll_wait for good. */
static void epoll_forever(int ready, void *arg)
{
	struct epoll_event ev;
	int e = epoll_create1(0);

	(void)arg;
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		if (e >= 0)
			epoll_wait(e, &ev, 1, -1);
		else
			pause();
	}
}

/* A child that waits (in epoll_wait when epoll is set), ready on return. */
static pid_t child_start(int epoll)
{
	return unit_child(epoll ? epoll_forever : NULL, NULL);
}

/* Until the child sleeps in a system call (2 s at most). */
static void child_sleeping(pid_t child)
{
	char st[256] = "";
	int i;

	for (i = 0; i < 200; i++) {
		unit_proc_read(child, "stat", st, sizeof(st));
		if (strstr(st, ") S "))
			return;
		usleep(10000);
	}
	ck_abort_msg("child %d never slept: %s", (int)child, st);
}

static int traced(pid_t child)
{
	char buf[4096], *t;

	ck_assert(unit_proc_read(child, "status", buf, sizeof(buf)) >= 0);
	t = strstr(buf, "TracerPid:");
	ck_assert(t != NULL);
	return atoi(t + 10);
}

static void child_end(pid_t child)
{
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* A job over selection sel, output in a new temporary directory. */
static void job_setup(struct fx_dumpjob *j, struct fx_selection *sel,
		      struct seen *s, char *tmp, char *out, size_t outlen,
		      int core)
{
	strcpy(tmp, "/tmp/test_dumpjob.XXXXXX");
	ck_assert(mkdtemp(tmp) != NULL);
	chmod(tmp, 0700);
	snprintf(out, outlen, "%s/%s", tmp, core ? "core" : "dump");
	fx_dumpjob_init(j);
	j->sel = sel;
	if (core)
		j->core = out;
	else
		j->dir = out;
	j->tool = "test";
	j->report = record;
	j->arg = s;
	memset(s, 0, sizeof(*s));
}

static void rm_rf(const char *tmp)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

static int exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void select_stack(struct fx_selection *sel, pid_t child)
{
	char pid[16], stack[] = "[stack]";
	char *argv[] = { pid, stack };

	snprintf(pid, sizeof(pid), "%d", (int)child);
	fx_selection_init(sel);
	ck_assert_int_eq(fx_selection_args(sel, 2, argv), 0);
}

START_TEST(test_job_live)
{
	static const int want[] = { FX_DJ_START, FX_DJ_PLAN, FX_DJ_COPYING,
				    FX_DJ_COPIED, FX_DJ_DIR_DONE };
	pid_t child = child_start(0);
	struct fx_selection sel;
	struct fx_dumpjob j;
	struct seen s;
	char tmp[64], out[96];

	select_stack(&sel, child);
	job_setup(&j, &sel, &s, tmp, out, sizeof(out), 0);
	ck_assert_int_eq(fx_dumpjob_run(&j), FX_DUMPJOB_DONE);
	expect(&s, want, (int)FX_ARRAY_SIZE(want));
	ck_assert_int_eq(j.discarded, 0);
	ck_assert(exists(out, "regions.tsv") && exists(out, "process.json"));
	ck_assert_int_eq(traced(child), 0);
	child_end(child);
	fx_selection_release(&sel);
	rm_rf(tmp);
}
END_TEST

START_TEST(test_job_freeze)
{
	static const int want[] = { FX_DJ_START,   FX_DJ_PLAN,   FX_DJ_FREEZING,
				    FX_DJ_FROZEN,  FX_DJ_COPYING, FX_DJ_COPIED,
				    FX_DJ_THAWING, FX_DJ_THAWED,  FX_DJ_PAUSE,
				    FX_DJ_DIR_DONE };
	pid_t child = child_start(0);
	struct fx_selection sel;
	struct fx_dumpjob j;
	struct seen s;
	char tmp[64], out[96];

	child_sleeping(child);
	select_stack(&sel, child);
	job_setup(&j, &sel, &s, tmp, out, sizeof(out), 0);
	j.freeze = 1;
	ck_assert_int_eq(fx_dumpjob_run(&j), FX_DUMPJOB_DONE);
	expect(&s, want, (int)FX_ARRAY_SIZE(want));
	ck_assert(exists(out, "regions.tsv") && exists(out, "process.json"));
	ck_assert_int_eq(traced(child), 0);
	child_end(child);
	fx_selection_release(&sel);
	rm_rf(tmp);
}
END_TEST

START_TEST(test_job_core)
{
	static const int want[] = { FX_DJ_START,   FX_DJ_PLAN,   FX_DJ_FREEZING,
				    FX_DJ_FROZEN,  FX_DJ_THAWING, FX_DJ_THAWED,
				    FX_DJ_PAUSE,   FX_DJ_CORE_DONE };
	pid_t child = child_start(0);
	struct fx_selection sel;
	struct fx_dumpjob j;
	struct seen s;
	char tmp[64], out[96];
	struct stat st;

	child_sleeping(child);
	select_stack(&sel, child);
	job_setup(&j, &sel, &s, tmp, out, sizeof(out), 1);
	ck_assert_int_eq(fx_dumpjob_run(&j), FX_DUMPJOB_DONE);
	expect(&s, want, (int)FX_ARRAY_SIZE(want));
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(j.st.nload, 1);
	ck_assert_int_eq(traced(child), 0);
	child_end(child);
	fx_selection_release(&sel);
	rm_rf(tmp);
}
END_TEST

/* A process gone before the job: told, nothing kept, no directory. */
START_TEST(test_job_open_failed)
{
	static const int want[] = { FX_DJ_START, FX_DJ_OPEN_FAILED };
	static const char text[] = "pid\tstart\tend\n%d\t0x1000\t0x2000\n";
	pid_t child = child_start(0);
	struct fx_selection sel;
	struct fx_dumpjob j;
	struct seen s;
	char tmp[64], out[96];
	struct stat st;
	int fd = unit_memfd();

	child_end(child);	/* reaped: its pid names nothing now */
	dprintf(fd, text, (int)child);
	lseek(fd, 0, SEEK_SET);
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_read(&sel, fd), 0);
	close(fd);
	job_setup(&j, &sel, &s, tmp, out, sizeof(out), 0);
	ck_assert_int_eq(fx_dumpjob_run(&j), FX_DUMPJOB_FAILED);
	expect(&s, want, (int)FX_ARRAY_SIZE(want));
	ck_assert_int_eq(j.err, -ESRCH);
	ck_assert_int_eq(j.discarded, 1);
	ck_assert(stat(out, &st) < 0 && errno == ENOENT);
	fx_selection_release(&sel);
	rm_rf(tmp);
}
END_TEST

/* A thread in epoll_wait: no freeze without accept_eintr, and the
 * target is never traced. */
START_TEST(test_job_refuse_eintr)
{
	static const int want[] = { FX_DJ_START, FX_DJ_PLAN, FX_DJ_FREEZING,
				    FX_DJ_REFUSE_EINTR, FX_DJ_THAWED };
	pid_t child = child_start(1);
	struct fx_selection sel;
	struct fx_dumpjob j;
	struct seen s;
	char tmp[64], out[96];

	child_sleeping(child);
	select_stack(&sel, child);
	job_setup(&j, &sel, &s, tmp, out, sizeof(out), 0);
	j.freeze = 1;
	ck_assert_int_eq(fx_dumpjob_run(&j), FX_DUMPJOB_FAILED);
	expect(&s, want, (int)FX_ARRAY_SIZE(want));
	ck_assert_int_eq(j.risk.eintr, 1);
	ck_assert_int_eq(j.frozen, 0);
	ck_assert_int_eq(traced(child), 0);
	child_end(child);
	fx_selection_release(&sel);
	rm_rf(tmp);
}
END_TEST

START_TEST(test_job_messages)
{
	struct fx_dumpjob j;
	const char *m;
	int info;

	fx_dumpjob_init(&j);
	j.pid = 42;
	j.unmapped = 3;
	m = fx_dumpjob_message(&j, FX_DJ_UNMAPPED, &info);
	ck_assert_str_eq(m, "pid 42: 3 of the regions asked for are no "
			    "longer mapped (records older than the "
			    "process's map?)");
	ck_assert_int_eq(info, 0);
	j.dir = "case-17";
	j.failed = "regions.tsv";
	j.err = -ENOSPC;
	m = fx_dumpjob_message(&j, FX_DJ_WRITE_FAILED, &info);
	ck_assert_str_eq(m, "cannot write 'case-17/regions.tsv': No space "
			    "left on device (the dump is removed)");
	j.core = "c.core";
	j.err = -EINTR;
	m = fx_dumpjob_message(&j, FX_DJ_FAILED, &info);
	ck_assert_str_eq(m, "cannot write 'c.core': Interrupted system call "
			    "(the core is removed)");
	j.pause_ns = 1500000;
	j.fz.n = 2;
	m = fx_dumpjob_message(&j, FX_DJ_PAUSE, &info);
	ck_assert_str_eq(m, "pid 42: stopped for 1.5 ms (2 threads), now "
			    "running again");
	ck_assert_int_eq(info, 1);
	ck_assert(fx_dumpjob_message(&j, FX_DJ_START, &info) == NULL);
	ck_assert(fx_dumpjob_message(&j, FX_DJ_OPEN_FAILED, &info) == NULL);
	ck_assert(fx_dumpjob_message(&j, FX_DJ_FROZEN, &info) == NULL);
}
END_TEST

static Suite *dumpjob_suite(void)
{
	Suite *s = suite_create("dumpjob");
	TCase *tc = tcase_create("dumpjob");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_job_live);
	tcase_add_test(tc, test_job_freeze);
	tcase_add_test(tc, test_job_core);
	tcase_add_test(tc, test_job_open_failed);
	tcase_add_test(tc, test_job_refuse_eintr);
	tcase_add_test(tc, test_job_messages);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(dumpjob_suite());
}
