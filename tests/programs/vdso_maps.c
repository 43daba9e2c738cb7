// vdso_maps.c - a program that finds the vDSO by itself (reading
// /proc/self/maps, as some runtimes do when the auxv has no
// AT_SYSINFO_EHDR), looks up __vdso_clock_gettime and __vdso_time in its
// ELF dynamic symbols and calls them. Under rec their answers must be
// recorded (replay gives the same times back), and replay must have the
// vDSO's code where the program looks for it.
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void *vdso_sym(uintptr_t base, const char *name)
{
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
	uintptr_t load = 0;
	const Elf64_Dyn *dyn = NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !load)
			load = base + ph[i].p_offset - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const void *)(base + ph[i].p_offset);
	}
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	uint32_t nsym = 0;
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)(load + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB)
			str = (const void *)(load + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_HASH)
			nsym = ((const uint32_t *)(load + dyn->d_un.d_ptr))[1];
	}
	for (uint32_t i = 0; sym && str && i < nsym; i++)
		if (!strcmp(str + sym[i].st_name, name))
			return (void *)(load + sym[i].st_value);
	return NULL;
}

int main(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t base = 0;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "[vdso]"))
			sscanf(line, "%lx", &base);
	if (f)
		fclose(f);
	if (!base) {
		printf("no vDSO\n");
		return 0;
	}
	int (*cg)(clockid_t, struct timespec *) = (int (*)(clockid_t, struct timespec *))vdso_sym(base, "__vdso_clock_gettime");
	time_t (*tm)(time_t *) = (time_t(*)(time_t *))vdso_sym(base, "__vdso_time");
	if (!cg || !tm) {
		printf("no __vdso_clock_gettime or __vdso_time\n");
		return 1;
	}
	struct timespec a, b;
	int r1 = cg(CLOCK_MONOTONIC, &a), r2 = cg(CLOCK_MONOTONIC, &b);
	time_t t = tm(NULL);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int ok = !r1 && !r2 && (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)) &&
		 t >= rt.tv_sec - 2 && t <= rt.tv_sec + 2;
	printf("vDSO clock_gettime %s, time %s; monotonic %ld.%09ld\n", ok ? "ok" : "WRONG", ok ? "ok" : "WRONG",
	       (long)b.tv_sec, b.tv_nsec);
	return ok ? 0 : 1;
}
