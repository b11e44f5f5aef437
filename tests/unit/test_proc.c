/*
 * Unit tests of proc: the parsers of /proc texts (stat, status) over
 * fixture strings, good and malformed; pid arguments; and a process seen
 * through its /proc directory while it lives, as a zombie and after it is
 * reaped (a pid that vanished is -ESRCH everywhere, never a crash).
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "proc.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fields 3 to 23 of a stat line after comm: state S, 4 threads (field
 * 20), start time 123456 (field 22), vsize 8192 (field 23). */
#define STAT_TAIL "S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 4 0 " \
		  "123456 8192 300"

START_TEST(test_stat_parse)
{
	static const char good[] = "42 (bash) " STAT_TAIL "\n";
	/* comm may hold spaces, parentheses and what looks like fields:
	 * only the last ')' ends it. */
	static const char odd[] = "42 (a) Z 9 9 (b) " STAT_TAIL "\n";
	unsigned long long t = 0;
	char state = 0;

	ck_assert_int_eq(fx_stat_parse(good, strlen(good), &state, &t), 0);
	ck_assert_int_eq(state, 'S');
	ck_assert_uint_eq(t, 123456);
	ck_assert_int_eq(fx_stat_parse(odd, strlen(odd), &state, &t), 0);
	ck_assert_int_eq(state, 'S');
	ck_assert_uint_eq(t, 123456);
	/* Bytes, not a C string: nothing past len is read (the start time
	 * cut after its third digit). */
	ck_assert_int_eq(fx_stat_parse(good, strstr(good, "123456") + 3 - good,
				       &state, &t), 0);
	ck_assert_uint_eq(t, 123);
}
END_TEST

START_TEST(test_stat_malformed)
{
	static const char *const bad[] = {
		"",
		"42 bash S 1",				/* no ')' */
		"42 (bash)",				/* nothing after */
		"42 (bash)S 1 2",			/* no space */
		"42 (bash) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 4 0",
		"42 (bash) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 4 0 "
		"x 8192",				/* not a number */
		"42 (bash) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 4 0 "
		"99999999999999999999999 8192",		/* past 2^64 */
	};
	unsigned long long t;
	char state;
	size_t i;

	for (i = 0; i < N(bad); i++)
		ck_assert_msg(fx_stat_parse(bad[i], strlen(bad[i]), &state,
					    &t) == -EBADMSG,
			      "accepted: '%s'", bad[i]);
}
END_TEST

START_TEST(test_pid_parse)
{
	static const struct {
		const char *s;
		int r, pid;
		unsigned long long start;
	} t[] = {
		{ "42", 0, 42, 0 },
		{ "42@123456", 0, 42, 123456 },
		{ "2147483647", 0, 2147483647, 0 },
		{ "2147483648", -EINVAL, 0, 0 },
		{ "0", -EINVAL, 0, 0 },
		{ "-1", -EINVAL, 0, 0 },
		{ "+1", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "@5", -EINVAL, 0, 0 },
		{ "42@", -EINVAL, 0, 0 },
		{ "42@0", -EINVAL, 0, 0 },
		{ "42@x", -EINVAL, 0, 0 },
		{ "42x", -EINVAL, 0, 0 },
		{ "bash", -EINVAL, 0, 0 },
		{ "0000000000000000000000042", -EINVAL, 0, 0 }, /* too long */
	};
	unsigned long long start;
	size_t i;
	int pid, r;

	for (i = 0; i < N(t); i++) {
		pid = -7;
		start = 7;
		r = fx_pid_parse(t[i].s, &pid, &start);
		ck_assert_msg(r == t[i].r, "'%s': %d, want %d", t[i].s, r,
			      t[i].r);
		if (!r)
			ck_assert_msg(pid == t[i].pid && start == t[i].start,
				      "'%s': pid %d start %llu", t[i].s, pid,
				      start);
	}
}
END_TEST

START_TEST(test_status_parse)
{
	static const char status[] =
		"Name:\tTracerPid: 77\n"	/* a comm is no field */
		"Umask:\t0022\n"
		"State:\tS (sleeping)\n"
		"Tgid:\t4242\n"
		"Pid:\t4243\n"
		"PPid:\t1\n"
		"TracerPid:\t1234\n"
		"NSpid:\t4243\t17\n"
		"NStgid:\t4242\t16\n";
	static const char host[] = "Pid:\t9\nTracerPid:\t0\nNSpid:\t9\n";
	static const char *const no_pid[] = {
		"", "\n\n", "Pid:\t9\n", "TracerPid:\n", "TracerPid:\tx 5\n",
		"TracerPid:\t99999999999\n", "TracerPid:\t2147483647\n",
		"NSpid:\t-3\n", "XTracerPid:\t5\nXNSpid:\t5\n",
	};
	size_t i;

	ck_assert_int_eq(fx_status_tracer(status, strlen(status)), 1234);
	/* The last number: the thread as its own namespace sees it. */
	ck_assert_int_eq(fx_status_nspid(status, strlen(status), 4243), 17);
	ck_assert_int_eq(fx_status_nspid(status, strlen(status), 1), 17);
	ck_assert_int_eq(fx_status_tracer(host, strlen(host)), 0);
	ck_assert_int_eq(fx_status_nspid(host, strlen(host), 9), 9);
	/* Bytes: a line cut by len counts as far as it goes. */
	ck_assert_int_eq(fx_status_tracer(status, strstr(status, "34\n") -
					  status), 12);
	ck_assert_int_eq(fx_status_nspid(status, strstr(status, "\t17") -
					 status, 4243), 4243);
	ck_assert_int_eq(fx_status_tracer(NULL, 0), 0);
	for (i = 0; i < N(no_pid); i++) {
		ck_assert_msg(fx_status_tracer(no_pid[i],
					       strlen(no_pid[i])) == 0,
			      "'%s': a tracer", no_pid[i]);
		ck_assert_msg(fx_status_nspid(no_pid[i], strlen(no_pid[i]),
					      66) == 66,
			      "'%s': a namespace pid", no_pid[i]);
	}
}
END_TEST

START_TEST(test_live_files)
{
	struct fx_readstat st;
	struct fx_buf whole, bytewise;
	struct dirent *de;
	struct fx_proc p;
	pid_t child = unit_child(NULL, NULL);
	int r, seen = 0;
	DIR *d;

	ck_assert_int_eq(fx_proc_open(&p, child), 0);
	ck_assert_int_ne(p.starttime, 0);
	/* Pinned to its start time: itself; to another: not the one. */
	fx_proc_release(&p);
	ck_assert_int_eq(fx_proc_open_pinned(&p, child, p.starttime), 0);
	fx_proc_release(&p);
	ck_assert_int_eq(fx_proc_open_pinned(&p, child, p.starttime + 1),
			 -ESTALE);
	ck_assert_int_eq(fx_proc_open(&p, child), 0);
	ck_assert_int_eq(fx_proc_check(&p), 0);

	/* One byte a read() gives the same text as 64 KiB ones. */
	fx_buf_init(&whole);
	fx_buf_init(&bytewise);
	ck_assert_int_eq(fx_proc_read(&p, "maps", &whole, 0, NULL), 0);
	ck_assert_int_eq(fx_proc_read(&p, "maps", &bytewise, 1, &st), 0);
	ck_assert_uint_gt(whole.len, 0);
	ck_assert_uint_eq(bytewise.len, whole.len);
	ck_assert_mem_eq(bytewise.data, whole.data, whole.len);
	ck_assert_uint_eq(st.bytes, whole.len);
	ck_assert_uint_ge(st.nreads, whole.len);
	ck_assert_int_eq(fx_proc_read(&p, "no-such-file", &whole, 0, NULL),
			 -ENOENT);

	/* Its one thread, and who traces it: nobody, then us. */
	d = fx_proc_tasks(&p, &r);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		seen += atoi(de->d_name) == child;
	closedir(d);
	ck_assert_int_eq(seen, 1);
	/* Running to its pause(), or in it. */
	r = fx_proc_task_state(&p, child);
	ck_assert_msg(r == 'R' || r == 'S', "state %c", r);
	ck_assert_int_eq(fx_proc_nstid(&p, child), child);
	ck_assert_int_eq(fx_proc_tracer(&p), 0);
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, child, 0, 0), 0);
	ck_assert_int_eq(fx_proc_tracer(&p), getpid());

	fx_buf_release(&whole);
	fx_buf_release(&bytewise);
	fx_proc_release(&p);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}
END_TEST

START_TEST(test_vanished)
{
	struct fx_buf b;
	struct fx_proc p;
	siginfo_t si;
	pid_t child = unit_child(NULL, NULL);
	int r;

	fx_buf_init(&b);
	ck_assert_int_eq(fx_proc_open(&p, child), 0);
	kill(child, SIGKILL);
	/* Exited, not yet reaped: a zombie is gone, its map empty. */
	ck_assert_int_eq(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(fx_proc_check(&p), -ESRCH);
	ck_assert_int_eq(fx_proc_task_state(&p, child), 'Z');
	ck_assert_int_eq(fx_proc_read_map(&p, "maps", &b, 0, NULL), 0);
	ck_assert_uint_eq(b.len, 0);

	/* Reaped: every call through the old directory says -ESRCH. */
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_int_eq(fx_proc_check(&p), -ESRCH);
	ck_assert_int_eq(fx_proc_read(&p, "status", &b, 0, NULL), -ESRCH);
	ck_assert_int_eq(fx_proc_read_map(&p, "smaps", &b, 0, NULL), -ESRCH);
	ck_assert_int_eq(fx_proc_task_state(&p, child), 0);
	ck_assert_int_eq(fx_proc_tracer(&p), -ESRCH);
	ck_assert_int_eq(fx_proc_nstid(&p, child), child);
	ck_assert_ptr_null(fx_proc_tasks(&p, &r));
	ck_assert_int_eq(r, -ESRCH);
	fx_proc_release(&p);
	ck_assert_int_eq(p.dirfd, -1);
	fx_proc_release(&p);	/* twice: harmless */
	ck_assert_int_eq(fx_proc_open(&p, 0), -ESRCH);
	fx_buf_release(&b);
}
END_TEST

UNIT_MAIN("proc", test_stat_parse, test_stat_malformed, test_pid_parse,
	  test_status_parse, test_live_files, test_vanished)
