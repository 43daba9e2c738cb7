// fd_transfer: kernel-side data movement: sendfile, copy_file_range, splice,
// tee between a temp file, pipes and stdout. What reaches stdout through
// sendfile must show in replay too.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char path[] = "/tmp/heisen-xfer-XXXXXX", path2[] = "/tmp/heisen-xfer2-XXXXXX";
	int fd = mkstemp(path), fd2 = mkstemp(path2);
	CK(fd); CK(fd2);
	unsigned char r[8];
	CK(getrandom(r, sizeof r, 0));
	char text[128];
	int len = snprintf(text, sizeof text, "line sent with sendfile, random %02x%02x%02x%02x%02x%02x%02x%02x\n",
			   r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
	CK(write(fd, text, len));

	off_t off = 0;
	ssize_t n = sendfile(1, fd, &off, len);
	printf("sendfile to stdout -> %zd off %ld\n", n, (long)off);

	loff_t in = 0, out = 0;
	n = copy_file_range(fd, &in, fd2, &out, len, 0);
	printf("copy_file_range -> %zd in %ld out %ld\n", n, (long)in, (long)out);
	char buf[256] = {0};
	n = pread(fd2, buf, sizeof buf - 1, 0);
	printf("copy reads back %zd: %s", n, buf);

	int p[2], q[2];
	CK(pipe(p)); CK(pipe(q));
	off = 5;
	n = sendfile(p[1], fd, &off, 10);
	printf("sendfile to pipe -> %zd\n", n);
	n = tee(p[0], q[1], 10, 0);
	printf("tee -> %zd\n", n);
	loff_t o2 = 0;
	n = splice(p[0], NULL, fd2, &o2, 10, 0);
	printf("splice pipe->file -> %zd\n", n);
	memset(buf, 0, sizeof buf);
	n = read(q[0], buf, sizeof buf - 1);
	printf("tee copy %zd '%s'\n", n, buf);
	memset(buf, 0, sizeof buf);
	n = pread(fd2, buf, 20, 0);
	printf("file after splice %zd '%.20s'\n", n, buf);
	CK(lseek(fd, 0, SEEK_SET));
	n = splice(fd, NULL, q[1], NULL, 12, 0);
	printf("splice file->pipe -> %zd\n", n);
	n = splice(q[0], NULL, 1, NULL, 12, 0);
	printf("\nsplice pipe->stdout -> %zd\n", n);
	close(fd); close(fd2);
	unlink(path); unlink(path2);
	return 0;
}
