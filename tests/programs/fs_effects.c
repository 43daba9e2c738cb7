// fs_effects: creates, writes, renames, chmods and deletes files and
// directories in DIR (argv[1]; default: a mkdtemp directory, removed at the
// end). suite-isolation.sh replays it and checks that replay leaves DIR alone.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void put(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CK(fd);
	CK(write(fd, data, n));
	CK(close(fd));
	printf("wrote %s (%zu bytes)\n", path, n);
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/heisen-fx-XXXXXX";
	const char *dir = argc > 1 ? argv[1] : mkdtemp(tmp);
	if (!dir || chdir(dir) < 0) { perror("dir"); return 1; }
	unsigned char rnd[4096];
	CK(getrandom(rnd, sizeof rnd, 0));
	printf("random starts %02x%02x%02x%02x\n", rnd[0], rnd[1], rnd[2], rnd[3]);

	put("a.bin", rnd, sizeof rnd);
	put("b.txt", "to be deleted\n", 14);
	put("keep.txt", "kept\n", 5);
	CK(mkdir("sub", 0755));
	put("sub/inner.txt", "inner\n", 6);
	CK(rename("a.bin", "renamed.bin"));
	CK(rename("sub", "sub2"));
	CK(unlink("b.txt"));
	CK(mkdir("gone", 0700));
	CK(rmdir("gone"));
	int fd = open("keep.txt", O_WRONLY | O_APPEND);
	CK(fd);
	CK(write(fd, "appended\n", 9));
	CK(ftruncate(fd, 12));
	CK(close(fd));
	CK(chmod("keep.txt", 0600));
	CK(symlink("renamed.bin", "link"));
	CK(link("keep.txt", "hardlink.txt"));
	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 123456789 } };
	CK(utimensat(AT_FDCWD, "sub2/inner.txt", ts, 0));
	CK(truncate("renamed.bin", 3000));
	struct stat st;
	CK(stat("renamed.bin", &st));
	printf("renamed.bin size %ld ino %lu\n", (long)st.st_size, (unsigned long)st.st_ino);
	if (argc <= 1) {
		CK(unlink("link"));
		CK(unlink("hardlink.txt"));
		CK(unlink("renamed.bin"));
		CK(unlink("keep.txt"));
		CK(unlink("sub2/inner.txt"));
		CK(rmdir("sub2"));
		CK(chdir("/"));
		CK(rmdir(dir));
		printf("cleaned up\n");
	}
	return 0;
}
