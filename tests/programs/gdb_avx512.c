// gdb_avx512: what tests/suite-gdb.sh reads in gdb's AVX-512 registers: on a
// CPU with AVX-512F, zmm0 holds 0x11111111 in each 32-bit lane, zmm17
// 0x22222222 and k1 0x5a5a when avx_done() is called; elsewhere it says so.
// Its output is deterministic on one machine.
#include <stdio.h>

__attribute__((noinline)) void avx_done(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline, target("avx512f"))) static void avx_set(void)
{
	__asm__ volatile("mov $0x11111111, %%eax\n\t"
			 "vpbroadcastd %%eax, %%zmm0\n\t"
			 "mov $0x22222222, %%eax\n\t"
			 "vpbroadcastd %%eax, %%zmm17\n\t"
			 "mov $0x5a5a, %%eax\n\t"
			 "kmovw %%eax, %%k1\n\t"
			 "call avx_done\n\t"
			 "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
			 "vzeroupper"
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm17", "k1",
			   "memory", "cc");
}

int main(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f")) {
		printf("no avx512f\n");
		return 0;
	}
	avx_set();
	printf("avx512 set\n");
	return 0;
}
