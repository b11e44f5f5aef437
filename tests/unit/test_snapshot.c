/*
 * The injected clone and wait4 (snapshot.h), against a child of the test
 * caught in a busy loop, in read() on a pipe, in nanosleep() and in a
 * futex wait (RELIABILITY T42): after a snapshot the thread has exactly
 * its registers and signal mask back, its system call completes or
 * restarts as if never interrupted, it got no SIGCHLD, the copy holds
 * the memory of the instant of the fork (not later), and once reaped no
 * process is left: no copy, no zombie. In a process of three threads
 * every thread's registers are unchanged and the copy has one thread. A
 * thread under seccomp is refused untouched.
 */
#include <dirent.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include "freeze.h"
#include "proc.h"
#include "snapshot.h"
#include "unit.h"

enum state { BUSY, READ, SLEEP, FUTEX };

static volatile long gen;		/* the busy loop's counter */
static volatile sig_atomic_t chld;	/* SIGCHLD seen */
static int *word;			/* shared with the child: the futex */

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* The child: enter state, then report "rc errno sigchld elapsed_ms
 * byte" on out when it comes back (busy: on SIGUSR1). */
static volatile sig_atomic_t done;

static void on_usr1(int sig)
{
	(void)sig;
	done = 1;
}

static void child_run(enum state s, int in, int out)
{
	struct sigaction sa;
	struct timespec ts = { 0, 400000000 };
	char line[128], c = '-';
	long rc = 0, t0 = mono_ms();
	int e = 0, n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;	/* no SA_RESTART: EINTR would show */
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	switch (s) {
	case BUSY:
		while (!done)
			gen++;
		break;
	case READ:
		rc = read(in, &c, 1);
		break;
	case SLEEP:
		rc = syscall(SYS_nanosleep, &ts, NULL);
		break;
	case FUTEX:
		while (!__atomic_load_n(word, __ATOMIC_SEQ_CST) && !rc)
			rc = syscall(SYS_futex, word, FUTEX_WAIT, 0, NULL,
				     NULL, 0);
		break;
	}
	e = rc < 0 ? errno : 0;
	n = snprintf(line, sizeof(line), "%ld %d %d %ld %c\n", rc, e,
		     (int)chld, mono_ms() - t0, c);
	if (write(out, line, (size_t)n) != n)
		_exit(3);
	_exit(0);
}

static int in_syscall(pid_t pid, long nr)
{
	char buf[256];

	if (unit_proc_read(pid, "syscall", buf, sizeof(buf)) < 0)
		return 0;
	return atol(buf) == nr && buf[0] != 'r';
}

static int exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}

/* The state letter of pid (/proc/PID/stat), or 0: none. */
static char state_of(pid_t pid)
{
	char buf[512], *rp;

	if (unit_proc_read(pid, "stat", buf, sizeof(buf)) < 0)
		return 0;
	rp = strrchr(buf, ')');
	return rp && rp[1] && rp[2] ? rp[2] : 0;
}

/* gen in process pid's memory. */
static long gen_of(pid_t pid)
{
	char path[64];
	long v = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY);
	ck_assert(fd >= 0);
	ck_assert_int_eq(pread(fd, &v, sizeof(v), (off_t)(uintptr_t)&gen),
			 sizeof(v));
	close(fd);
	return v;
}

/* Our own oom_score_adj, as text. */
static void own_oom(char *buf, size_t len)
{
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);
	ssize_t n;

	ck_assert(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
}

static void one(enum state s)
{
	static const long nrs[] = { [READ] = SYS_read,
				    [SLEEP] = SYS_nanosleep,
				    [FUTEX] = SYS_futex };
	struct user_regs_struct before, after;
	uint64_t mask0, mask1;
	struct fx_snapshot snap;
	struct fx_freeze f;
	struct fx_proc p;
	int in[2], out[2], i, r, err, sigs;
	long rc, ms, g0, g1;
	char line[128] = "", c, oom0[16], oom1[16];
	pid_t pid, copy;
	ssize_t n;

	word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(word != MAP_FAILED);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		child_run(s, in[0], out[1]);
	}
	close(in[0]);
	close(out[1]);
	for (i = 0; i < 500; i++) {
		if (s == BUSY ? gen_of(pid) > 1000 : in_syscall(pid, nrs[s]))
			break;
		usleep(2000);
	}
	ck_assert_msg(i < 500, "the child never got into its state");
	ck_assert_int_eq(fx_proc_open(&p, pid), 0);
	ck_assert_int_eq(fx_freeze(&f, &p, 2000, NULL), 0);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, pid, 0, &before), 0);
	ck_assert_int_eq(ptrace(0x420a, pid, sizeof(mask0), &mask0), 0);
	g0 = gen_of(pid);
	memset(&snap, 0, sizeof(snap));
	own_oom(oom0, sizeof(oom0));
	r = fx_snapshot_fork(&snap, &f, &p);
	ck_assert_msg(r == 0, "fx_snapshot_fork: %s", strerror(-r));
	/* -1000 inside the windows only: back to what it was. */
	own_oom(oom1, sizeof(oom1));
	ck_assert_str_eq(oom0, oom1);
	ck_assert(snap.child > 0);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, pid, 0, &after), 0);
	ck_assert_int_eq(ptrace(0x420a, pid, sizeof(mask1), &mask1), 0);
	ck_assert_msg(!memcmp(&before, &after, sizeof(before)),
		      "registers changed: rip %llx -> %llx, rax %llx -> %llx, "
		      "orig_rax %llx -> %llx", before.rip, after.rip,
		      before.rax, after.rax, before.orig_rax, after.orig_rax);
	ck_assert(mask0 == mask1);
	ck_assert(snap.regs_ns > 0 && snap.hold_ns > 0);
	ck_assert(snap.clone_ns > 0 && snap.clone_ns <= snap.regs_ns);
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	fx_freeze_release(&f);
	/* The copy holds the instant of the fork; the target goes on. */
	if (s == BUSY) {
		for (i = 0; i < 500 && gen_of(pid) == g0; i++)
			usleep(1000);
		g1 = gen_of(snap.child);
		ck_assert_msg(g1 == g0, "the copy has gen %ld, the fork's "
			      "instant %ld", g1, g0);
		ck_assert(gen_of(pid) != g0);
	}
	copy = snap.child;
	ck_assert(exists(copy));
	r = fx_snapshot_reap(&snap, &p);
	ck_assert_msg(r == 0, "fx_snapshot_reap: %s", strerror(-r));
	ck_assert(snap.reaped && snap.reap_regs_ns > 0);
	ck_assert_msg(!exists(copy), "the copy %d is still there", copy);
	fx_proc_release(&p);
	/* Back in its call (a futex woken before it is back in its wait
	 * would say EAGAIN, as after any stop), then it goes on. */
	for (i = 0; s != BUSY && i < 500 && !in_syscall(pid, nrs[s]); i++)
		usleep(2000);
	switch (s) {
	case BUSY: kill(pid, SIGUSR1); break;
	case READ: ck_assert_int_eq(write(in[1], "x", 1), 1); break;
	case SLEEP: break;
	case FUTEX:
		__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
		break;
	}
	n = read(out[0], line, sizeof(line) - 1);
	ck_assert(n > 0);
	line[n] = 0;
	ck_assert_int_eq(sscanf(line, "%ld %d %d %ld %c", &rc, &err, &sigs,
				&ms, &c), 5);
	ck_assert_msg(err == 0, "the system call failed: %s (%s)",
		      strerror(err), line);
	ck_assert_msg(sigs == 0, "%d SIGCHLD", sigs);
	if (s == READ)
		ck_assert(rc == 1 && c == 'x');
	if (s == SLEEP)
		ck_assert_msg(rc == 0 && ms >= 400, "nanosleep %ld after %ld "
			      "ms", rc, ms);
	ck_assert_int_eq(waitpid(pid, &r, 0), pid);
	ck_assert(WIFEXITED(r) && WEXITSTATUS(r) == 0);
	close(in[1]);
	close(out[0]);
	munmap(word, 4096);
}

/* A thread under a seccomp filter (here one that allows everything: what
 * a filter does with clone cannot be known without running it) is
 * refused before anything is touched (RELIABILITY T43). */
START_TEST(test_seccomp)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { 1, allow };
	struct user_regs_struct before, after;
	struct fx_snapshot snap;
	struct fx_freeze f;
	struct fx_proc p;
	int pfd[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(2);
		if (write(pfd[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	ck_assert_int_eq(fx_proc_open(&p, pid), 0);
	ck_assert_int_eq(fx_freeze(&f, &p, 2000, NULL), 0);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, pid, 0, &before), 0);
	memset(&snap, 0, sizeof(snap));
	ck_assert_int_eq(fx_snapshot_fork(&snap, &f, &p), -EPERM);
	ck_assert_int_eq(snap.child, 0);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, pid, 0, &after), 0);
	ck_assert(!memcmp(&before, &after, sizeof(before)));
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	fx_freeze_release(&f);
	fx_proc_release(&p);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		gen++;
	return NULL;
}

static void *doze(void *arg)
{
	(void)arg;
	for (;;)
		sleep(10);
	return NULL;
}

/* A process of three threads (the leader in read(), one spinning, one
 * in nanosleep): every thread's registers are the same after the fork
 * as before, not only the borrowed one's; the copy is one thread. The
 * copy dropped (killed at once, nothing waited for) dies, a zombie for
 * us, still held; the reap then collects it and reaps it in the
 * target. */
START_TEST(test_threads)
{
	struct user_regs_struct before[3], after[3];
	struct fx_snapshot snap;
	struct fx_freeze f;
	struct fx_proc p;
	int pfd[2], in[2], st, tasks;
	struct dirent *de;
	DIR *dir;
	size_t i, n;
	pthread_t t;
	pid_t pid, copy;
	char c, path[64];

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(pipe(in), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		if (pthread_create(&t, NULL, spin, NULL) ||
		    pthread_create(&t, NULL, doze, NULL) ||
		    write(pfd[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			if (read(in[0], &c, 1) == 1)
				_exit(c == 'x' ? 0 : 4);
	}
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	for (i = 0; i < 500 && !in_syscall(pid, SYS_read); i++)
		usleep(2000);
	ck_assert_int_eq(fx_proc_open(&p, pid), 0);
	ck_assert_int_eq(fx_freeze(&f, &p, 2000, NULL), 0);
	n = f.n;
	ck_assert_int_eq(n, 3);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ptrace(PTRACE_GETREGS, f.t[i].tid, 0,
					&before[i]), 0);
	memset(&snap, 0, sizeof(snap));
	ck_assert_int_eq(fx_snapshot_fork(&snap, &f, &p), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ptrace(PTRACE_GETREGS, f.t[i].tid, 0,
					&after[i]), 0);
		ck_assert_msg(!memcmp(&before[i], &after[i], sizeof(before[i])),
			      "thread %d's registers changed", f.t[i].tid);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", snap.child);
	dir = opendir(path);
	ck_assert(dir != NULL);
	for (tasks = 0; (de = readdir(dir));)
		tasks += de->d_name[0] != '.';
	closedir(dir);
	ck_assert_int_eq(tasks, 1);
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	fx_freeze_release(&f);
	copy = snap.child;
	fx_snapshot_drop(&snap);
	for (i = 0; i < 500 && state_of(copy) != 'Z'; i++)
		usleep(2000);
	ck_assert_int_eq(state_of(copy), 'Z');
	ck_assert_int_eq(snap.child, copy);
	ck_assert_int_eq(fx_snapshot_reap(&snap, &p), 0);
	ck_assert(snap.reaped && !snap.child);
	ck_assert_msg(!exists(copy), "the copy %d is still there", copy);
	fx_proc_release(&p);
	ck_assert_int_eq(write(in[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

START_TEST(test_busy) { one(BUSY); }
END_TEST

START_TEST(test_read) { one(READ); }
END_TEST

START_TEST(test_sleep) { one(SLEEP); }
END_TEST

START_TEST(test_futex) { one(FUTEX); }
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_busy);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_sleep);
	tcase_add_test(tc, test_futex);
	tcase_add_test(tc, test_seccomp);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(snapshot_suite());
}
