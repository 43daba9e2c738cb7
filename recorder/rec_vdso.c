/* rec_vdso.c - the vDSO of a recorded process makes real syscalls. rec
 * hides the vDSO from libc (the auxv has no AT_SYSINFO_EHDR: rec_exec.c),
 * but a program may find it by itself (/proc/self/maps) and call its time
 * functions, which read the clock from kernel pages no syscall returns:
 * nothing replay could give back. So at each exec rec overwrites the entry
 * of every function of the vDSO that answers a syscall's question with
 * that syscall (mov $nr, %eax; syscall; ret): its result is recorded like
 * any other, and the vDSO's patched bytes, in the exec snapshot, are where
 * the program finds them in replay. */
#include "rec.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

#define VDSO_MAX (64 * 1024) /* a vDSO is 8 KiB: anything larger is not one */

/* The vDSO functions that answer a syscall, with its number (glibc and Go
 * look them up under these names; the unprefixed ones are aliases). */
static const struct {
	const char *name;
	int nr;
} vdso_calls[] = {
	{"__vdso_clock_gettime", SYS_clock_gettime}, {"__vdso_gettimeofday", SYS_gettimeofday},
	{"__vdso_time", SYS_time},                   {"__vdso_clock_getres", SYS_clock_getres},
	{"__vdso_getcpu", SYS_getcpu},               {"__vdso_getrandom", SYS_getrandom},
};

/* The ELF dynamic symbol name's value (an offset in the image), or 0. */
static uint64_t dynsym(const uint8_t *img, size_t len, const char *name)
{
	const Elf64_Ehdr *eh = (const void *)img;
	if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff >= len ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		return 0;
	const Elf64_Shdr *sh = (const void *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset || st->sh_offset > len ||
		    st->sh_size > len - st->sh_offset || sh[i].sh_entsize != sizeof(Elf64_Sym))
			return 0;
		const Elf64_Sym *sym = (const void *)(img + sh[i].sh_offset);
		const char *str = (const char *)img + st->sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
			if (sym[k].st_name < st->sh_size && !strncmp(str + sym[k].st_name, name, st->sh_size - sym[k].st_name) &&
			    ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC && sym[k].st_size >= 8)
				return sym[k].st_value;
	}
	return 0;
}

int rec_vdso_patch(pid_t tid)
{
	struct map_range m;
	/* the mapping named [vdso] */
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", tid);
	FILE *mf = fopen(path, "re");
	if (!mf)
		return -errno;
	memset(&m, 0, sizeof m);
	while (fgets(line, sizeof line, mf))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &m.start, &m.end) == 2)
			break;
	fclose(mf);
	if (!m.end || m.end - m.start > VDSO_MAX)
		return 0; /* none (vdso=0), or not one */
	size_t len = (size_t)(m.end - m.start);
	uint8_t *img = malloc(len);
	int r = img ? 0 : -ENOMEM, fd = -1;
	if (!r && mem_read(tid, m.start, img, len) != (long)len)
		r = -EFAULT;
	if (!r && (fd = mem_open(tid)) < 0)
		r = fd;
	for (size_t i = 0; !r && i < sizeof vdso_calls / sizeof vdso_calls[0]; i++) {
		uint64_t off = dynsym(img, len, vdso_calls[i].name);
		if (!off || off > len - 8)
			continue;
		/* (the image's vaddrs start at 0: a symbol's value is its offset) */
		uint8_t code[8] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0xc3}; /* mov $nr, %eax; syscall; ret */
		uint32_t nr = (uint32_t)vdso_calls[i].nr;
		memcpy(code + 1, &nr, 4);
		r = mem_write(fd, m.start + off, code, sizeof code);
	}
	if (fd >= 0)
		close(fd);
	free(img);
	return r;
}
