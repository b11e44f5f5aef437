/*
 * safeopen: names from untrusted input, with openat2 and with the
 * component walk that replaces it on older kernels, over a directory
 * tree made here (a private temporary directory):
 *
 *   T/dump/ok.bin          "ok" (a regular file)
 *   T/dump/sub/deep.bin    "deep"
 *   T/dump/link -> ../secret, T/dump/abslink -> T/secret
 *   T/dump/dirlink -> ..   (a directory link: dirlink/secret is outside)
 *   T/dump/fifo            a FIFO;  T/dump/dir  a directory
 *   T/secret               "secret"
 *   T/root/etc/f           "in root";  T/root/lnk -> /etc/f  (absolute,
 *                          inside root only when resolved in it)
 */
#include <limits.h>
#include <sys/stat.h>

#include "kerndat.h"
#include "safeopen.h"
#include "unit.h"

static char top[64];

static void put(const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

static void tree(void)
{
	char path[PATH_MAX], target[PATH_MAX];

	snprintf(top, sizeof(top), "/tmp/test_safeopen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
#define SUB(name) (snprintf(path, sizeof(path), "%s/%s", top, name), path)
	ck_assert_int_eq(mkdir(SUB("dump"), 0700), 0);
	ck_assert_int_eq(mkdir(SUB("dump/sub"), 0700), 0);
	ck_assert_int_eq(mkdir(SUB("dump/dir"), 0700), 0);
	ck_assert_int_eq(mkdir(SUB("root"), 0700), 0);
	ck_assert_int_eq(mkdir(SUB("root/etc"), 0700), 0);
	put("dump/ok.bin", "ok");
	put("dump/sub/deep.bin", "deep");
	put("secret", "secret");
	put("root/etc/f", "in root");
	ck_assert_int_eq(symlink("../secret", SUB("dump/link")), 0);
	snprintf(target, sizeof(target), "%s/secret", top);
	ck_assert_int_eq(symlink(target, SUB("dump/abslink")), 0);
	ck_assert_int_eq(symlink("..", SUB("dump/dirlink")), 0);
	ck_assert_int_eq(symlink("/etc/f", SUB("root/lnk")), 0);
	ck_assert_int_eq(mkfifo(SUB("dump/fifo"), 0600), 0);
#undef SUB
}

static void untree(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ck_assert_int_eq(system(cmd), 0);
}

static int opendir_at(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", top, name);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	return fd;
}

/* Open name beneath dirfd: its text, or the error. */
static void expect(int dirfd, const char *name, unsigned int how,
		   int err, const char *text)
{
	struct stat st;
	char buf[64] = "";
	int fd = fx_safe_open(dirfd, name, how, &st);

	if (err) {
		ck_assert_msg(fd == err, "%s: got %d (%s), wanted %d", name,
			      fd, fd < 0 ? strerror(-fd) : "an fd", err);
		return;
	}
	ck_assert_msg(fd >= 0, "%s: %s", name, strerror(-fd));
	ck_assert_int_ge(read(fd, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, text);
	ck_assert(S_ISREG(st.st_mode));
	/* Opened for reading, never for writing. */
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
}

static void beneath(void)
{
	int d = opendir_at("dump");

	expect(d, "ok.bin", FX_OPEN_BENEATH, 0, "ok");
	expect(d, "sub/deep.bin", FX_OPEN_BENEATH, 0, "deep");
	expect(d, "./sub//deep.bin", FX_OPEN_BENEATH, 0, "deep");
	expect(d, "", FX_OPEN_BENEATH, -ENOENT, NULL);
	expect(d, "nothere", FX_OPEN_BENEATH, -ENOENT, NULL);
	expect(d, "../secret", FX_OPEN_BENEATH, -EXDEV, NULL);
	expect(d, "sub/../../secret", FX_OPEN_BENEATH, -EXDEV, NULL);
	expect(d, "sub/../ok.bin", FX_OPEN_BENEATH, -EXDEV, NULL);
	expect(d, "..", FX_OPEN_BENEATH, -EXDEV, NULL);
	expect(d, "/etc/passwd", FX_OPEN_BENEATH, -EXDEV, NULL);
	expect(d, "link", FX_OPEN_BENEATH, -ELOOP, NULL);
	expect(d, "abslink", FX_OPEN_BENEATH, -ELOOP, NULL);
	expect(d, "dirlink/secret", FX_OPEN_BENEATH, -ELOOP, NULL);
	expect(d, "fifo", FX_OPEN_BENEATH, -EINVAL, NULL);
	expect(d, "dir", FX_OPEN_BENEATH, -EISDIR, NULL);
	expect(d, "ok.bin/x", FX_OPEN_BENEATH, -ENOTDIR, NULL);
	close(d);
}

static void in_root(void)
{
	int d = opendir_at("root");

	expect(d, "/etc/f", FX_OPEN_IN_ROOT, 0, "in root");
	expect(d, "/", FX_OPEN_IN_ROOT, -EISDIR, NULL);
	/* The last component is never followed: a maps name is the file. */
	expect(d, "/lnk", FX_OPEN_IN_ROOT, -ELOOP, NULL);
	close(d);
}

static void user_path(void)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	/* A name the user gave: a link is followed, a FIFO still refused,
	 * a directory only when asked for. */
	snprintf(path, sizeof(path), "%s/dump/link", top);
	expect(AT_FDCWD, path, 0, 0, "secret");
	snprintf(path, sizeof(path), "%s/dump/fifo", top);
	expect(AT_FDCWD, path, 0, -EINVAL, NULL);
	expect(AT_FDCWD, "/dev/null", 0, -EINVAL, NULL);
	snprintf(path, sizeof(path), "%s/dump", top);
	expect(AT_FDCWD, path, 0, -EISDIR, NULL);
	fd = fx_safe_open(AT_FDCWD, path, FX_OPEN_DIR, &st);
	ck_assert_int_ge(fd, 0);
	ck_assert(S_ISDIR(st.st_mode));
	expect(fd, "ok.bin", FX_OPEN_BENEATH, 0, "ok");
	close(fd);
}

/* Each test runs in its own process (CK_FORK=yes, as make unit runs
 * them): kerndat probes once per process, after the environment is set. */
START_TEST(test_openat2)
{
	unsetenv("MEMFORENSIC_FALLBACK");
	unsetenv("MEMFORENSIC_NO_PAGEMAP_SCAN");
	tree();
	beneath();
	in_root();
	user_path();
	untree();
}
END_TEST

START_TEST(test_walk)
{
	setenv("MEMFORENSIC_FALLBACK", "openat2", 1);
	ck_assert_msg(!fx_kerndat()->openat2, "kerndat probed before the "
		      "environment was set: run with CK_FORK=yes");
	tree();
	beneath();
	in_root();
	user_path();
	untree();
}
END_TEST

START_TEST(test_why)
{
	ck_assert_str_eq(fx_safe_open_why(-ELOOP), "a symbolic link");
	ck_assert_ptr_nonnull(strstr(fx_safe_open_why(-EINVAL), "FIFO"));
	ck_assert_ptr_nonnull(strstr(fx_safe_open_why(-EXDEV), "'..'"));
	ck_assert_str_eq(fx_safe_open_why(-ENOENT), strerror(ENOENT));
}
END_TEST

static Suite *safeopen_suite(void)
{
	Suite *s = suite_create("safeopen");
	TCase *tc = tcase_create("safeopen");

	tcase_add_test(tc, test_openat2);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_why);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(safeopen_suite());
}
