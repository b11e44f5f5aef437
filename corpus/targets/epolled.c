/*
 * epolled: a program that takes EINTR from epoll_wait for a fatal error,
 * as some do (RELIABILITY T9): a ptrace stop ends epoll_wait with EINTR.
 *
 *   epolled
 *
 * A second thread waits in epoll_wait on an epoll set that never fires;
 * on EINTR the process writes "epolled: EINTR" to stderr and exits 3.
 * Prints "ready pid=N heap=0x.. waiter=TID" once /proc says the thread is
 * in epoll_wait, and waits.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "target.h"

static int ep;
static volatile pid_t waiter_tid;

static void *waiter(void *arg)
{
	struct epoll_event ev;

	(void)arg;
	waiter_tid = (pid_t)syscall(SYS_gettid);
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR) {
				fputs("epolled: EINTR\n", stderr);
				_exit(3);
			}
			target_die("epoll_wait");
		}
	}
	return NULL;
}

int main(void)
{
	char *heap = malloc(1 << 16);
	pthread_t t;

	if (!heap)
		target_die("malloc");
	memset(heap, 'E', 1 << 16);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		target_die("epoll_create1");
	if (pthread_create(&t, NULL, waiter, NULL))
		target_die("pthread_create");
	/* Ready once the waiter is inside epoll_wait, as the kernel says. */
	for (;;) {
		char path[64], buf[64];
		long nr = -1;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
			 (int)waiter_tid);
		f = waiter_tid ? fopen(path, "r") : NULL;
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				nr = strtol(buf, NULL, 10);
			fclose(f);
		}
		if (nr == SYS_epoll_wait || nr == SYS_epoll_pwait)
			break;
		usleep(1000);
	}
	target_ready("heap=%p waiter=%d", (void *)heap, (int)waiter_tid);
	target_wait();
	return 0;
}
