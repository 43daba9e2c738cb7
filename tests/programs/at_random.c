// at_random: the auxiliary vector: AT_RANDOM bytes (the kernel's per-exec
// random seed, also the stack protector canary), and other entries.
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int main(void)
{
	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
	printf("AT_RANDOM:");
	for (int i = 0; r && i < 16; i++)
		printf("%02x", r[i]);
	printf("\n");
	printf("AT_PAGESZ %lu AT_CLKTCK %lu AT_UID %lu AT_SECURE %lu\n", getauxval(AT_PAGESZ),
	       getauxval(AT_CLKTCK), getauxval(AT_UID), getauxval(AT_SECURE));
	printf("AT_HWCAP %lx AT_HWCAP2 %lx\n", getauxval(AT_HWCAP), getauxval(AT_HWCAP2));
	printf("AT_SYSINFO_EHDR %lx\n", getauxval(AT_SYSINFO_EHDR));
	const char *p = (const char *)getauxval(AT_PLATFORM);
	const char *fn = (const char *)getauxval(AT_EXECFN);
	printf("AT_PLATFORM %s\n", p ? p : "(none)");
	printf("AT_EXECFN %s\n", fn ? fn : "(none)");
	printf("AT_ENTRY %lx AT_PHDR %lx AT_BASE %lx\n", getauxval(AT_ENTRY), getauxval(AT_PHDR), getauxval(AT_BASE));
	int local = 0;
	printf("stack %p\n", (void *)&local);
	return 0;
}
