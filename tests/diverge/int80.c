/* int80: a 32-bit syscall through int 0x80 cannot be recorded: rec must say
 * so and stop, and the trace up to it must replay. */
#include <stdio.h>

int main(void)
{
	long r;
	printf("before\n");
	fflush(stdout);
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* getpid, i386 */
	printf("getpid32 %ld\n", r);
	return 0;
}
