// refused: syscalls the recorder refuses (io_uring_setup, rseq) must come
// back as the same error in replay; glibc's own rseq registration state.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/rseq.h>

int main(void)
{
	unsigned char params[120];
	memset(params, 0, sizeof params);
	errno = 0;
	long r = syscall(SYS_io_uring_setup, 4, params);
	printf("io_uring_setup -> %ld errno %d\n", r, r < 0 ? errno : 0);
	if (r >= 0)
		close((int)r);
	printf("glibc __rseq_size %u __rseq_offset %ld\n", __rseq_size, (long)__rseq_offset);
	errno = 0;
	r = syscall(SYS_rseq, NULL, 0, 0, 0);
	printf("rseq(NULL) -> %ld errno %d\n", r, r < 0 ? errno : 0);
	return 0;
}
