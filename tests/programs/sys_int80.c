// sys_int80: 32-bit syscalls (int 0x80) made by a 64-bit program. Natively
// they run if the kernel has IA32 emulation; under rec they are refused
// with ENOSYS, as a kernel without it answers, and replay answers the same.
// Exits 0 either way and prints what it got, so rec and replay compare.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long int80(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11");
	return r;
}

int main(void)
{
	static const char text[] = "int80 write\n";
	/* int 0x80 takes 32-bit pointers: the buffer below 4 GiB */
	char *msg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (msg == MAP_FAILED)
		return 1;
	memcpy(msg, text, sizeof text);
	fflush(stdout);
	for (int i = 0; i < 3; i++) {
		long pid = int80(20, 0, 0, 0); /* i386 getpid */
		long w = int80(4, 1, (long)(unsigned long)msg, sizeof text - 1); /* i386 write to stdout */
		printf("getpid: %s, write: %ld\n", pid == -38 ? "ENOSYS" : pid == getpid() ? "our pid" : "other", w);
		fflush(stdout);
	}
	printf("64-bit getpid works: %d\n", (int)syscall(SYS_getpid) == getpid());
	return 0;
}
