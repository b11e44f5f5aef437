/*
 * oddnames: mappings whose names are hard to parse.
 *
 *   oddnames DIR    (DIR: an empty directory the test owns)
 *
 * Maps files named with a space, with a newline (the kernel writes it as
 * "\012"), with a real " (deleted)" suffix, bytes that are not UTF-8, a path of about 4000 bytes, a
 * file then unlinked (a real " (deleted)"), a memfd, a SysV shm segment,
 * a shared anonymous mapping, a named anonymous region ([anon:...], Linux
 * 5.17+ with CONFIG_ANON_VMA_NAME), and a PROT_NONE guard.
 * Reports: ready pid=N anon_name=0|1
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include "target.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void map_file(const char *path, int unlink_it)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		target_die(path);
	if (ftruncate(fd, 8192) || mmap(NULL, 8192, PROT_READ, MAP_PRIVATE,
					fd, 0) == MAP_FAILED)
		target_die(path);
	close(fd);
	if (unlink_it)
		unlink(path);
}

int main(int argc, char **argv)
{
	char path[4200], *p;
	int i, named, fd, id;
	void *a;

	if (argc < 2 || chdir(argv[1]))
		target_die("oddnames DIR");
	map_file("with space", 0);
	map_file("new\nline", 0);
	map_file("real (deleted)", 0);
	map_file("tab\there\\back", 0);
	map_file("unlinked", 1);
	map_file("not-utf8-\xff\xfe", 0);
	/* A long path: 15 directories of 250 bytes, then a file. */
	p = path;
	for (i = 0; i < 15; i++) {
		memset(p, 'd' + i % 20, 250);
		p[250] = '\0';
		if (mkdir(path, 0700))
			target_die("mkdir");
		p += 250;
		*p++ = '/';
	}
	strcpy(p, "deep-file");
	map_file(path, 0);
	fd = memfd_create("memfd-test", 0);
	if (fd < 0 || ftruncate(fd, 4096) ||
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
		    MAP_FAILED)
		target_die("memfd");
	id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
	if (id < 0 || shmat(id, NULL, 0) == (void *)-1)
		target_die("shm");
	shmctl(id, IPC_RMID, NULL);	/* gone when we are */
	if (mmap(NULL, 12288, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		target_die("shared anon");
	a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		target_die("anon");
	named = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)a,
		      2 * 4096, (unsigned long)"memforensic test") == 0;
	mprotect((char *)a + 2 * 4096, 4096, PROT_NONE);
	target_ready("anon_name=%d", named);
	target_wait();
	return 0;
}
