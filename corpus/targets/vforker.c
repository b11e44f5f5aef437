/*
 * vforker: a process stuck in vfork (RELIABILITY T13): its child neither
 * execs nor exits, so the parent waits for it in uninterruptible sleep
 * (state D), where no PTRACE_INTERRUPT can stop it.
 *
 *   vforker
 *
 * Prints "ready pid=N heap=0x.." before the vfork; the child (found in
 * /proc/N/task/N/children) sleeps in pause() until killed. Kill the child
 * first: the parent then returns from vfork and waits to be killed.
 */
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target.h"

int main(void)
{
	char *heap = malloc(1 << 20);
	pid_t c;

	if (!heap)
		target_die("malloc");
	memset(heap, 'V', 1 << 20);
	target_ready("heap=%p", (void *)heap);
	c = vfork();
	if (c == 0) {
		for (;;)
			pause();
	}
	/* The child was killed (that ended the vfork): reap it. */
	if (c > 0)
		waitpid(c, NULL, 0);
	target_wait();
	return 0;
}
