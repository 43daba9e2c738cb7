/* ring_scribble N: writes over the in-process library's ring
 * (docs/inprocess.md section 6) after N buffered 4 KiB reads that rec has
 * not drained yet: first 4 MiB of reads (rec shares the ring past 1 MiB),
 * then "before", the N reads, 0xff over the whole ring, sched_yield (a
 * stop where rec drains: N = 3 in rec's own loop, N = 20 past 64 KiB on
 * the trace writer's thread). rec must stop the recording, naming the
 * thread. Without the library (rec --no-inprocess) it prints "no library". */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING 0x560000100000ULL /* IL_BASE + IL_BUF_OFF (common/inproc.h) */

int main(int argc, char **argv)
{
	char b[4096], line[256], path[64];
	int n = argc > 1 ? atoi(argv[1]) : 3, lib = 0;
	FILE *m = fopen("/proc/self/maps", "r");
	while (m && fgets(line, sizeof line, m))
		lib |= strncmp(line, "560000000000-", 13) == 0; /* IL_BASE: its text */
	if (m)
		fclose(m);
	if (!lib) {
		puts("no library");
		return 0;
	}
	snprintf(path, sizeof path, "/tmp/ring_scribble.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	unlink(path);
	memset(b, 'x', sizeof b);
	for (int i = 0; i < 256; i++)
		if (write(fd, b, sizeof b) != sizeof b)
			return 1;
	for (int k = 0; k < 4; k++) {
		lseek(fd, 0, SEEK_SET);
		for (int i = 0; i < 256; i++)
			read(fd, b, sizeof b);
	}
	lseek(fd, 0, SEEK_SET);
	printf("before");
	fflush(stdout);
	for (int i = 0; i < n; i++)
		read(fd, b, sizeof b);
	memset((void *)RING, 0xff, 1 << 20);
	sched_yield();
	for (int i = 0; i < 100; i++)
		read(fd, b, sizeof b);
	puts("after");
	return 0;
}
