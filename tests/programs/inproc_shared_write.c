// inproc_shared_write: a write() to a file mapped MAP_SHARED shows in the
// mapping in replay as in the recording (rec sees such writes: the
// in-process library makes them traced), for the first files mapped shared
// (named in the library's control area) and past them (every file write
// traced then). Each file is written once before it is mapped (the library
// has then learnt it is a regular file), then three times from one call
// site after, and the mappings are printed; a file never mapped is written
// in between.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define NF 6

static void put(int fd, const char *s)
{
	CK(write(fd, s, strlen(s)));
}

int main(void)
{
	char dir[] = "/tmp/heisen-isw-XXXXXX", path[64], line[32];
	int fd[NF + 1];
	char *map[NF];
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	for (int k = 0; k <= NF; k++) {
		snprintf(path, sizeof path, "%s/f%d", dir, k);
		fd[k] = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
		CK(fd[k]);
		memset(line, '.', 31);
		line[31] = 0;
		for (int i = 0; i < 4; i++)
			put(fd[k], line);
	}
	for (int k = 0; k < NF; k++) {
		map[k] = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd[k], 0);
		CK(map[k] == MAP_FAILED ? -1 : 0);
		CK(lseek(fd[k], 0, SEEK_SET));
		for (int i = 0; i < 3; i++) {
			snprintf(line, sizeof line, "file %d write %d|", k, i);
			put(fd[k], line);
			put(fd[NF], line); /* never mapped */
		}
		for (int j = 0; j <= k; j++)
			printf("after file %d: map %d: %.60s\n", k, j, map[j]);
	}
	for (int k = 0; k <= NF; k++) {
		snprintf(path, sizeof path, "%s/f%d", dir, k);
		CK(unlink(path));
	}
	CK(rmdir(dir));
	printf("done\n");
	return 0;
}
