// dirs: mkdir/rename/unlink/rmdir, opendir/readdir (getdents64), getcwd/chdir,
// symlink/readlink, access/faccessat, umask, in a mkdtemp directory.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void list(const char *path)
{
	DIR *d = opendir(path);
	if (!d) { printf("opendir %s failed\n", path); exit(1); }
	struct dirent *e;
	printf("listing:");
	while ((e = readdir(d)))
		printf(" %s(ino %lu type %d)", e->d_name, (unsigned long)e->d_ino, e->d_type);
	printf("\n");
	closedir(d);
}

static void touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY, 0666);
	CK(fd);
	CK(write(fd, p, strlen(p)));
	CK(close(fd));
}

int main(void)
{
	char dir[] = "/tmp/heisen-dirs-XXXXXX", cwd[PATH_MAX], buf[PATH_MAX];
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	printf("dir %s\n", dir);
	mode_t old = umask(027);
	printf("umask old %03o\n", old);
	printf("umask now %03o\n", umask(027));

	CK(getcwd(cwd, sizeof cwd) ? 0 : -1);
	printf("cwd at start %s\n", cwd);
	CK(chdir(dir));
	CK(getcwd(buf, sizeof buf) ? 0 : -1);
	printf("cwd after chdir %s\n", buf);

	CK(mkdir("sub", 0777));
	CK(mkdir("sub/deeper", 0755));
	touch("a.txt");
	touch("sub/b.txt");
	struct stat st;
	CK(stat("a.txt", &st));
	printf("a.txt mode %o (umask applied) ino %lu\n", st.st_mode, (unsigned long)st.st_ino);
	CK(stat("sub", &st));
	printf("sub mode %o\n", st.st_mode);
	list(".");
	CK(rename("a.txt", "sub/renamed.txt"));
	printf("renamed\n");
	list("sub");
	CK(symlink("sub/renamed.txt", "link"));
	ssize_t n = readlink("link", buf, sizeof buf - 1);
	printf("readlink link -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	printf("readlink /proc/self/exe -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	errno = 0;
	n = readlink("sub", buf, sizeof buf);
	printf("readlink dir -> %zd errno %d\n", n, errno);

	printf("access link R_OK -> %d\n", access("link", R_OK));
	printf("access sub X_OK -> %d\n", access("sub", X_OK));
	errno = 0;
	int rc = access("missing", F_OK);
	printf("access missing F_OK -> %d errno %d\n", rc, errno);
	printf("faccessat /etc/passwd W_OK -> %d\n", faccessat(AT_FDCWD, "/etc/passwd", W_OK, 0));
	int dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CK(dfd);
	printf("faccessat(dfd, b.txt) -> %d\n", faccessat(dfd, "b.txt", R_OK, AT_EACCESS));
	CK(renameat(dfd, "b.txt", AT_FDCWD, "b-moved"));
	CK(close(dfd));
	list(".");

	errno = 0;
	rc = rmdir("sub");
	printf("rmdir non-empty -> %d errno %d\n", rc, errno);
	CK(unlink("link"));
	CK(unlink("b-moved"));
	CK(unlink("sub/renamed.txt"));
	CK(rmdir("sub/deeper"));
	CK(rmdir("sub"));
	list(".");
	CK(chdir(".."));
	CK(getcwd(buf, sizeof buf) ? 0 : -1);
	printf("cwd after chdir .. %s\n", buf);
	CK(fchdir(open(cwd, O_RDONLY | O_DIRECTORY)));
	CK(getcwd(buf, sizeof buf) ? 0 : -1);
	printf("cwd after fchdir %s\n", buf);
	CK(rmdir(dir));
	printf("done\n");
	return 0;
}
