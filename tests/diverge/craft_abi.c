/* craft_abi.c - the program behind the crafted-ABI attacks on replay
 * (tests/suite-confine.sh). Its syscall instruction after the marker
 * "HEISEN-CRAFT-SYSCALL" is turned into `int $0x80` in a copy of its
 * trace; replay must never run it (it answers it -ENOSYS, unrun, as rec's
 * filter does) and stop at the next syscall, which is not the recorded one.
 *   craft_abi exit PATH      x86-64 exit(0) (60); as i386 that is umask,
 *                            after which the code creates PATH
 *   craft_abi mprotect PATH  x86-64 mprotect (10) with rbx pointing at PATH;
 *                            as i386 that is unlink(PATH) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CRAFT_SYSCALL "jmp 1f\n.ascii \"HEISEN-CRAFT-SYSCALL\"\n1: syscall\n"

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	/* i386 syscalls see 32-bit pointers: the path goes below 4 GiB. */
	char *low = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (low == MAP_FAILED || page == MAP_FAILED || strlen(argv[2]) >= 4096)
		return 3;
	strcpy(low, argv[2]);
	long ret;
	if (!strcmp(argv[1], "exit")) {
		printf("exiting\n");
		fflush(stdout);
		__asm__ volatile(CRAFT_SYSCALL : "=a"(ret) : "a"(60L), "D"(0L), "b"(0L) : "rcx", "r11", "memory");
		/* Never reached when recorded: what an attacker's code would do next. */
		int fd = open(low, O_CREAT | O_WRONLY, 0644);
		return fd < 0 ? 4 : 0;
	}
	__asm__ volatile(CRAFT_SYSCALL
			 : "=a"(ret)
			 : "a"(10L), "D"(page), "S"(4096L), "d"((long)PROT_READ), "b"(low)
			 : "rcx", "r11", "memory");
	printf("mprotect returned %ld\n", ret);
	return ret == 0 ? 0 : 5;
}
