// stat_family: stat/fstat/lstat/fstatat(newfstatat)/statx on a fresh file, a
// symlink, a directory and system files; prints inode numbers and times.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void show(const char *what, const struct stat *st)
{
	printf("%-16s dev %lu ino %lu mode %o nlink %lu uid %u gid %u size %ld blocks %ld blksize %ld\n",
	       what, (unsigned long)st->st_dev, (unsigned long)st->st_ino, st->st_mode,
	       (unsigned long)st->st_nlink, st->st_uid, st->st_gid, (long)st->st_size,
	       (long)st->st_blocks, (long)st->st_blksize);
	printf("%-16s atime %ld.%09ld mtime %ld.%09ld ctime %ld.%09ld\n", what,
	       (long)st->st_atim.tv_sec, st->st_atim.tv_nsec, (long)st->st_mtim.tv_sec,
	       st->st_mtim.tv_nsec, (long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

int main(void)
{
	char dir[] = "/tmp/heisen-stat-XXXXXX", file[64], link[64];
	struct stat st;
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	snprintf(file, sizeof file, "%s/f", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	CK(fd);
	CK(write(fd, "0123456789", 10));
	CK(symlink("f", link));

	CK(stat(file, &st)); show("stat file", &st);
	CK(fstat(fd, &st)); show("fstat file", &st);
	CK(lstat(link, &st)); show("lstat link", &st);
	CK(stat(link, &st)); show("stat link", &st);
	CK(fstatat(AT_FDCWD, dir, &st, 0)); show("fstatat dir", &st);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CK(dfd);
	CK(fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW)); show("fstatat nofollow", &st);
	CK(fstatat(fd, "", &st, AT_EMPTY_PATH)); show("fstatat empty", &st);
	CK(stat("/", &st)); show("stat /", &st);
	CK(stat("/etc/passwd", &st)); show("stat passwd", &st);
	CK(fstat(1, &st)); printf("fstat stdout mode %o\n", st.st_mode);

	struct statx sx;
	memset(&sx, 0, sizeof sx);
	CK(statx(AT_FDCWD, file, 0, STATX_ALL, &sx));
	printf("statx mask %x ino %llu size %llu mode %o btime %lld.%09u mtime %lld.%09u dev %u:%u\n",
	       sx.stx_mask, (unsigned long long)sx.stx_ino, (unsigned long long)sx.stx_size,
	       sx.stx_mode, (long long)sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec,
	       (long long)sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec, sx.stx_dev_major, sx.stx_dev_minor);
	CK(statx(dfd, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
	printf("statx link ino %llu mode %o\n", (unsigned long long)sx.stx_ino, sx.stx_mode);

	errno = 0;
	int r = stat("/nonexistent/heisen", &st);
	printf("stat nonexistent -> %d errno %d\n", r, errno);

	CK(close(fd));
	CK(close(dfd));
	CK(unlink(link));
	CK(unlink(file));
	CK(rmdir(dir));
	printf("done\n");
	return 0;
}
