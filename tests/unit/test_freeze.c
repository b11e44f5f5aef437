/*
 * Unit tests of freeze's bookkeeping, on children of this test (a
 * process of three threads): every thread listed and stopped, then let
 * go as it was (a running target runs, a stopped one stays stopped, one
 * stopped during the freeze stops after it), a signal sent during the
 * freeze delivered once, the pause measured, a target traced by someone
 * else or already a zombie refused with nothing left behind.
 * test_dump.c checks a freeze whose allocations fail.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "freeze.h"
#include "proc.h"
#include "unit.h"

#define NTHREADS 3

static int usr1_fd;

static void on_usr1(int sig)
{
	(void)sig;
	if (write(usr1_fd, "u", 1) != 1)
		_exit(3);
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

struct child {
	pid_t pid;
	int usr1;	/* reads one 'u' per SIGUSR1 the child handled */
	struct fx_proc p;
	int tid[NTHREADS];	/* as the freeze listed them (a thaw
				 * forgets them) */
	size_t n;
};

/* Note the threads f froze, before a thaw forgets them. */
static void note(struct child *c, const struct fx_freeze *f)
{
	size_t i;

	ck_assert_uint_le(f->n, NTHREADS);
	for (i = 0; i < f->n; i++)
		c->tid[i] = f->t[i].tid;
	c->n = f->n;
}

/* In the child: a SIGUSR1 handler writing to *arg, NTHREADS threads. */
static void setup(int ready, void *arg)
{
	pthread_t t;
	int i;

	(void)ready;
	usr1_fd = *(int *)arg;
	signal(SIGUSR1, on_usr1);
	for (i = 1; i < NTHREADS; i++)
		if (pthread_create(&t, NULL, idle, NULL))
			_exit(2);
}

/* A child of NTHREADS threads, all in pause(), opened in c->p. */
static void start_child(struct child *c)
{
	int usr1[2];

	ck_assert_int_eq(pipe(usr1), 0);
	c->pid = unit_child(setup, &usr1[1]);
	close(usr1[1]);
	c->usr1 = usr1[0];
	ck_assert_int_eq(fx_proc_open(&c->p, c->pid), 0);
}

static void end_child(struct child *c)
{
	fx_proc_release(&c->p);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->usr1);
}

/* Every thread noted in state `want` (one of its letters), within a
 * bounded number of yields (a thread let go needs an instant to get back
 * into its call or its stop). */
static void threads_in(struct child *c, const char *want)
{
	size_t i;
	int tries;
	char st = 0;

	ck_assert_uint_eq(c->n, NTHREADS);
	for (i = 0; i < c->n; i++) {
		for (tries = 0; tries < 100000; tries++) {
			st = fx_proc_task_state(&c->p, c->tid[i]);
			if (st && strchr(want, st))
				break;
			sched_yield();
		}
		ck_assert_msg(st && strchr(want, st),
			      "thread %d in state %c, want one of %s",
			      c->tid[i], st ? st : '0', want);
	}
}

START_TEST(test_running_runs)
{
	struct fx_freeze f;
	struct child c;
	uint64_t pause;
	size_t i;

	start_child(&c);
	ck_assert_int_eq(fx_freeze(&f, &c.p, 2000, NULL), 0);
	ck_assert_uint_eq(f.n, NTHREADS);
	note(&c, &f);
	ck_assert_int_eq(f.pid, c.pid);
	ck_assert_int_eq(f.was_stopped, 0);
	/* A second pass found no one new. */
	ck_assert_uint_ge(f.passes, 2);
	for (i = 0; i < f.n; i++) {
		ck_assert_int_eq(f.t[i].stopped, 1);
		ck_assert_int_eq(f.t[i].group_stop, 0);
		ck_assert_int_eq(f.t[i].gone, 0);
		/* Not stopped before: running or asleep, D too (a thread
		 * may wait a moment on the mm's lock while another faults,
		 * as under ASan in CI). */
		ck_assert_msg(f.t[i].state_before &&
			      strchr("RSD", f.t[i].state_before),
			      "state before %c", f.t[i].state_before);
	}
	threads_in(&c, "t");
	ck_assert_int_eq(fx_proc_tracer(&c.p), getpid());
	ck_assert_uint_gt(fx_freeze_pause_ns(&f), 0);

	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	pause = fx_freeze_pause_ns(&f);
	ck_assert_uint_eq(pause, f.t_thaw - f.t_stop);
	/* Twice: nothing more, the pause as it was. */
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	ck_assert_uint_eq(fx_freeze_pause_ns(&f), pause);
	threads_in(&c, "RS");
	ck_assert_int_eq(fx_proc_tracer(&c.p), 0);
	fx_freeze_release(&f);
	ck_assert_ptr_null(f.t);
	end_child(&c);
}
END_TEST

START_TEST(test_stopped_stays_stopped)
{
	struct fx_freeze f;
	struct child c;
	size_t i;
	int st;

	start_child(&c);
	kill(c.pid, SIGSTOP);
	ck_assert_int_eq(waitpid(c.pid, &st, WUNTRACED), c.pid);
	ck_assert(WIFSTOPPED(st));
	ck_assert_int_eq(fx_freeze(&f, &c.p, 2000, NULL), 0);
	ck_assert_int_eq(f.was_stopped, 1);
	note(&c, &f);
	for (i = 0; i < f.n; i++) {
		ck_assert_int_eq(f.t[i].state_before, 'T');
		ck_assert_int_eq(f.t[i].group_stop, 1);
	}
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	threads_in(&c, "T");
	ck_assert_int_eq(fx_proc_tracer(&c.p), 0);
	/* And it runs again when told to. */
	kill(c.pid, SIGCONT);
	threads_in(&c, "RS");
	fx_freeze_release(&f);
	end_child(&c);
}
END_TEST

START_TEST(test_signals_during_freeze)
{
	struct fx_freeze f;
	struct child c;
	char u[2];
	int st;

	start_child(&c);
	ck_assert_int_eq(fx_freeze(&f, &c.p, 2000, NULL), 0);
	note(&c, &f);
	/* A stop and a signal sent to the frozen target take effect after
	 * the thaw, each once: neither lost nor doubled. */
	kill(c.pid, SIGUSR1);
	kill(c.pid, SIGSTOP);
	ck_assert_int_eq(fx_freeze_thaw(&f), 0);
	ck_assert_int_eq(waitpid(c.pid, &st, WUNTRACED), c.pid);
	ck_assert(WIFSTOPPED(st));
	threads_in(&c, "T");
	kill(c.pid, SIGCONT);
	ck_assert_int_eq(read(c.usr1, u, 1), 1);
	/* No second 'u': the pipe stays empty until the child is gone. */
	fx_proc_release(&c.p);
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	ck_assert_int_eq(read(c.usr1, u, 2), 0);
	close(c.usr1);
	fx_freeze_release(&f);
}
END_TEST

START_TEST(test_refused)
{
	struct fx_freeze f;
	struct child c;
	siginfo_t si;

	/* Traced by someone else (us, here): -EPERM, their trace kept. */
	start_child(&c);
	ck_assert_int_eq(ptrace(PTRACE_SEIZE, c.pid, 0, 0), 0);
	ck_assert_int_eq(fx_freeze(&f, &c.p, 2000, NULL), -EPERM);
	ck_assert_int_eq(fx_proc_tracer(&c.p), getpid());
	fx_freeze_release(&f);
	end_child(&c);

	/* A zombie: nothing to stop. */
	start_child(&c);
	kill(c.pid, SIGKILL);
	ck_assert_int_eq(waitid(P_PID, c.pid, &si, WEXITED | WNOWAIT), 0);
	ck_assert_int_eq(fx_freeze(&f, &c.p, 2000, NULL), -ESRCH);
	ck_assert_uint_eq(f.n, 0);
	fx_freeze_release(&f);
	end_child(&c);
}
END_TEST

START_TEST(test_stop_signals)
{
	ck_assert(fx_is_stop_signal(SIGSTOP));
	ck_assert(fx_is_stop_signal(SIGTSTP));
	ck_assert(fx_is_stop_signal(SIGTTIN));
	ck_assert(fx_is_stop_signal(SIGTTOU));
	ck_assert(!fx_is_stop_signal(SIGCONT));
	ck_assert(!fx_is_stop_signal(SIGTRAP));
	ck_assert(!fx_is_stop_signal(SIGUSR1));
	ck_assert(!fx_is_stop_signal(0));
}
END_TEST

UNIT_MAIN("freeze", test_running_runs, test_stopped_stays_stopped,
	  test_signals_during_freeze, test_refused, test_stop_signals)
