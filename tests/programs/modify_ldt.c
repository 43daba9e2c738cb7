// modify_ldt: a data segment installed in the process's LDT (as Wine and
// old threading libraries do), read back with modify_ldt, and loaded into
// %gs to read a word through it. Replay sets the same LDT again (the call
// is re-executed) or the load faults.
#include <asm/ldt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	int *data = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (data == MAP_FAILED)
		return 2;
	data[0] = 1234;
	data[1] = 5678;
	struct user_desc d = {0};
	d.entry_number = 3;
	d.base_addr = (unsigned int)(unsigned long)data; /* (a 32-bit base: MAP_32BIT) */
	d.limit = 0xfff;
	d.seg_32bit = 1;
	d.useable = 1;
	long r = syscall(SYS_modify_ldt, 1, &d, sizeof d);
	printf("write entry 3: %ld\n", r);
	unsigned char ldt[8 * 8];
	memset(ldt, 0, sizeof ldt);
	r = syscall(SYS_modify_ldt, 0, ldt, sizeof ldt);
	int set = 0;
	for (int i = 0; i < 8; i++)
		set |= ldt[24 + i];
	printf("read: %ld bytes, entry 3 set: %s\n", r, set ? "yes" : "no");
	unsigned short sel = (3 << 3) | 4 | 3; /* entry 3, the LDT, ring 3 */
	int a, b;
	__asm__ volatile("mov %2, %%gs\n\t"
			 "movl %%gs:0, %0\n\t"
			 "movl %%gs:4, %1\n\t"
			 "mov %3, %%gs"
			 : "=&r"(a), "=&r"(b)
			 : "r"(sel), "r"((unsigned short)0));
	printf("through the LDT segment: %d %d\n", a, b);
	return 0;
}
