/*
 * epolled: a program that takes EINTR from epoll_wait for a fatal error,
 * as some do (RELIABILITY T9): a ptrace stop ends epoll_wait with EINTR.
 *
 *   epolled
 *
 * A second thread waits in epoll_wait on an epoll set that never fires;
 * on EINTR the process writes "epolled: EINTR" to stderr and exits 3.
 * Prints "ready pid=N heap=0x.." once the thread is waiting (its state in
 * /proc is then S) and waits.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>

#include "target.h"

static int ep;

static void *waiter(void *arg)
{
	struct epoll_event ev;

	(void)arg;
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
	target_ready("heap=%p", (void *)heap);
	target_wait();
	return 0;
}
