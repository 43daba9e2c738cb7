// proc_mem_jit.c - code written through /proc/self/mem, as JITs and
// runtime patchers do to a page they keep read-only and executable: a
// function is written there with pwrite, called, rewritten with
// lseek + write, called again. Replay must make the same writes (the
// syscall's memory effect is the written bytes in the program's own
// memory) or it would run other code.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/proc/self/mem", O_RDWR);
	if (page == MAP_FAILED || fd < 0) {
		perror("setup");
		return 1;
	}
	/* mov $42, %eax; ret */
	uint8_t f42[] = {0xb8, 42, 0, 0, 0, 0xc3};
	if (pwrite(fd, f42, sizeof f42, (off_t)(uintptr_t)page) != (ssize_t)sizeof f42) {
		perror("pwrite");
		return 1;
	}
	int a = ((int (*)(void))page)();
	/* lea 1(%rdi), %eax; ret: its argument plus one */
	uint8_t inc[] = {0x8d, 0x47, 0x01, 0xc3};
	if (lseek(fd, (off_t)(uintptr_t)page + 64, SEEK_SET) < 0 || write(fd, inc, sizeof inc) != (ssize_t)sizeof inc) {
		perror("write");
		return 1;
	}
	int b = ((int (*)(int))(page + 64))(a);
	printf("first function %d, second %d\n", a, b);
	close(fd);
	return a == 42 && b == 43 ? 0 : 1;
}
