// spin_on_input: reads one byte from stdin; on 'L' it computes forever
// without a syscall, else it prints it and exits. Recorded with "x", then
// the trace edited to hand it 'L': replay must give up waiting, not hang.
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char c = 0;
	if (read(0, &c, 1) != 1)
		return 1;
	volatile unsigned long n = 0;
	while (c == 'L')
		n++;
	printf("got %c\n", c);
	return 0;
}
