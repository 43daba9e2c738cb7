/* test_patch.c - the conditional-breakpoint trampolines of common/patch.c,
 * run for real: small functions are written into an executable page,
 * patched with a jump to a trampoline built near them, and called; they
 * must return what they returned unpatched (the relocated instruction, the
 * flags and the registers come through). The trap on a full register
 * match is seen by a SIGTRAP handler, which checks it stopped at the
 * trampoline's hit address and resumes at the relocated instruction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "../../common/patch.h"

#define PAGE 4096

struct pages {
	uint8_t *code, *tramp;
};

static int setup(void **state)
{
	static struct pages p;
	p.code = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p.code == MAP_FAILED)
		return -1;
	p.tramp = p.code + PAGE; /* within rel32 reach */
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pages *p = *state;
	munmap(p->code, 2 * PAGE);
	return 0;
}

/* Patches the instruction of len bytes at site into a jump to a trampoline
 * wanting *want; returns the trampoline. */
static struct patch_tramp patch(struct pages *p, uint8_t *site, size_t len, const struct user_regs_struct *want)
{
	struct patch_tramp t;
	uint8_t jump[PATCH_JMP_LEN];
	assert_int_equal(patch_site_len(site, 16, (uint64_t)(uintptr_t)site), len);
	assert_int_equal(patch_tramp_build(&t, (uint64_t)(uintptr_t)p->tramp, (uint64_t)(uintptr_t)site, site, len, want), 0);
	assert_int_equal(patch_jump(jump, (uint64_t)(uintptr_t)site, (uint64_t)(uintptr_t)p->tramp), 0);
	memcpy(p->tramp, t.code, t.len);
	memcpy(site, jump, sizeof jump);
	return t;
}

static const struct user_regs_struct never = {.rax = 0x1111111111111111ull, .rsp = 1};

static void test_site_len(void **state)
{
	(void)state;
	static const uint8_t call[] = {0xe8, 0, 0, 0, 0, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t sys[] = {0x0f, 0x05, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t add3[] = {0x83, 0xc0, 0x01, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t add3_ret[] = {0x83, 0xc0, 0x01, 0xc3, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t add3_jne[] = {0x83, 0xc0, 0x01, 0x75, 0xfb, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t jmp_self[] = {0xeb, 0xfe, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t mov5[] = {0xb8, 1, 0, 0, 0, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	static const uint8_t rdtscp[] = {0x0f, 0x01, 0xf9, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	assert_int_equal(patch_site_len(call, 16, 0x1000), 0);
	assert_int_equal(patch_site_len(sys, 16, 0x1000), 0);
	assert_int_equal(patch_site_len(add3, 16, 0x1000), 5);     /* add + two nops: a run */
	assert_int_equal(patch_site_len(add3_ret, 16, 0x1000), 0); /* a ret cannot move */
	assert_int_equal(patch_site_len(add3_jne, 16, 0x1000), 5); /* a short jcc last */
	assert_int_equal(patch_site_len(jmp_self, 16, 0x1000), 0); /* 2 bytes, and a branch ends a run */
	assert_int_equal(patch_site_len(mov5, 16, 0x1000), 5);
	assert_int_equal(patch_site_len(rdtscp, 16, 0x1000), 0);
	assert_int_equal(patch_insn_steppable(sys, 16, 0x1000), 0);
	assert_int_equal(patch_insn_steppable(rdtscp, 16, 0x1000), 0);
	assert_int_equal(patch_insn_steppable(add3, 16, 0x1000), 1);
}

/* mov rax, [rip+d] (7 bytes, patched); ret: the relocated load still reads 42. */
static void test_rip_relative(void **state)
{
	struct pages *p = *state;
	uint8_t *f = p->code;
	static const uint8_t code[] = {0x48, 0x8b, 0x05, 0xf9, 0x07, 0x00, 0x00, 0xc3}; /* data at f + 0x800 */
	memcpy(f, code, sizeof code);
	*(uint64_t *)(f + 0x800) = 42;
	assert_int_equal(((uint64_t (*)(void))f)(), 42);
	patch(p, f, 7, &never);
	assert_int_equal(((uint64_t (*)(void))f)(), 42);
	*(uint64_t *)(f + 0x800) = 43;
	assert_int_equal(((uint64_t (*)(void))f)(), 43);
}

/* stc; mov rax,[rip+d] (patched); sbb rax,rax; ret: -1 only if CF came through. */
static void test_flags_kept(void **state)
{
	struct pages *p = *state;
	uint8_t *f = p->code + 0x100;
	static const uint8_t code[] = {0xf9, 0x48, 0x8b, 0x05, 0xf8, 0x06, 0x00, 0x00, 0x48, 0x19, 0xc0, 0xc3};
	memcpy(f, code, sizeof code);
	patch(p, f + 1, 7, &never);
	assert_int_equal(((int64_t (*)(void))f)(), -1);
}

/* xor eax,eax; je L (rel32, patched); mov eax,1; ret; L: mov eax,2; ret. */
static void test_branch_relocated(void **state)
{
	struct pages *p = *state;
	uint8_t *f = p->code + 0x200;
	static const uint8_t code[] = {0x31, 0xc0, 0x0f, 0x84, 0x06, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00,
				       0x00, 0xc3, 0xb8, 0x02, 0x00, 0x00, 0x00, 0xc3};
	memcpy(f, code, sizeof code);
	assert_int_equal(((int (*)(void))f)(), 2);
	patch(p, f + 2, 6, &never);
	assert_int_equal(((int (*)(void))f)(), 2);
}

/* xor eax,eax; L: add eax,1; cmp eax,1000; jne L (rel8); ret: a loop of
 * short instructions, patched as a run (add + cmp) at L; and mov eax,1000;
 * L: sub eax,1; jne L; ret, patched as a run ending in the short jne,
 * re-encoded rel32. Both still loop to the end. */
static void test_short_run(void **state)
{
	struct pages *p = *state;
	uint8_t *f = p->code + 0x300, *g = p->code + 0x340;
	static const uint8_t code[] = {0x31, 0xc0, 0x83, 0xc0, 0x01, 0x3d, 0xe8, 0x03, 0x00, 0x00, 0x75, 0xf6, 0xc3};
	static const uint8_t down[] = {0xb8, 0xe8, 0x03, 0x00, 0x00, 0x83, 0xe8, 0x01, 0x75, 0xfb, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3};
	memcpy(f, code, sizeof code);
	memcpy(g, down, sizeof down);
	assert_int_equal(((int (*)(void))f)(), 1000);
	assert_int_equal(((int (*)(void))g)(), 7);
	patch(p, f + 2, 8, &never);
	assert_int_equal(((int (*)(void))f)(), 1000);
	patch(p, g + 5, 5, &never);
	assert_int_equal(((int (*)(void))g)(), 7);
}

static uint64_t trap_rip;
static struct patch_tramp *trap_tramp;

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	trap_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)trap_tramp->reloc; /* a false match: go on */
}

/* A trampoline wanting the registers the function has at the site: it
 * traps at its hit address. The function sets every register but rsp, and
 * the test knows rsp from a first run that stores it. */
static void test_match_traps(void **state)
{
	struct pages *p = *state;
	uint8_t *f = p->code + 0x300;
	/* push rbx; push rbp; push r12..r15; mov each register, imm32;
	 * mov [rip+d], rsp (7 bytes: the site); pops; ret */
	uint8_t code[192];
	size_t n = 0;
	static const uint8_t pushes[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57};
	memcpy(code + n, pushes, sizeof pushes);
	n += sizeof pushes;
	for (int r = 0; r < 16; r++) {
		if (r == 4)
			continue; /* rsp */
		code[n++] = (uint8_t)(0x48 | (r >= 8 ? 1 : 0));
		code[n++] = 0xc7;
		code[n++] = (uint8_t)(0xc0 | (r & 7));
		uint32_t v = 0x1000u + (uint32_t)r;
		memcpy(code + n, &v, 4);
		n += 4;
	}
	size_t site = n;
	code[n++] = 0x48; /* mov [rip+d], rsp */
	code[n++] = 0x89;
	code[n++] = 0x25;
	int32_t d = (int32_t)(0x800 - 0x300 - (int)(site + 7));
	memcpy(code + n, &d, 4);
	n += 4;
	static const uint8_t pops[] = {0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3};
	memcpy(code + n, pops, sizeof pops);
	n += sizeof pops;
	memcpy(f, code, n);
	((void (*)(void))f)();
	uint64_t rsp = *(uint64_t *)(p->code + 0x800);
	struct user_regs_struct want = {.rax = 0x1000, .rcx = 0x1001, .rdx = 0x1002, .rbx = 0x1003, .rsp = rsp,
					.rbp = 0x1005, .rsi = 0x1006, .rdi = 0x1007, .r8 = 0x1008, .r9 = 0x1009,
					.r10 = 0x100a, .r11 = 0x100b, .r12 = 0x100c, .r13 = 0x100d, .r14 = 0x100e,
					.r15 = 0x100f};
	struct patch_tramp t = patch(p, f + site, 7, &want);
	struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO}, old;
	sigaction(SIGTRAP, &sa, &old);
	trap_tramp = &t;
	trap_rip = 0;
	*(uint64_t *)(p->code + 0x800) = 0;
	((void (*)(void))f)();
	assert_int_equal(trap_rip, t.hit);
	assert_int_equal(*(uint64_t *)(p->code + 0x800), rsp); /* the store ran after the trap */
	/* With a word to compare too (here one in the code page): a trap only
	 * when it holds the wanted value. One call site, in a loop: rsp is
	 * the same at each call (its first stores it). */
	uint64_t *word = (uint64_t *)(p->code + 0x900), at = (uint64_t)(uintptr_t)word, trapped[3];
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			want.rsp = *(uint64_t *)(p->code + 0x800);
			*word = 6 + (uint64_t)i; /* 7: no trap; 8: the wanted value */
			/* two words: the moving one, and one that holds (0x55) */
			*(uint64_t *)(p->code + 0x908) = 0x55;
			const struct patch_word w[2] = {{at + 8, 0x55}, {at, 8}};
			assert_int_equal(patch_tramp_build_words(&t, (uint64_t)(uintptr_t)p->tramp,
								 (uint64_t)(uintptr_t)(f + site), code + site, 7, &want,
								 w, 2),
					 0);
			memcpy(p->tramp, t.code, t.len);
		}
		trap_rip = 0;
		((void (*)(void))f)();
		trapped[i] = trap_rip;
	}
	assert_int_equal(trapped[1], 0);
	assert_int_equal(trapped[2], t.hit);
	want.r15 = 0x2000; /* one register off: no trap */
	patch_tramp_build(&t, (uint64_t)(uintptr_t)p->tramp, (uint64_t)(uintptr_t)(f + site), code + site, 7, &want);
	memcpy(p->tramp, t.code, t.len);
	trap_rip = 0;
	((void (*)(void))f)();
	assert_int_equal(trap_rip, 0);
	sigaction(SIGTRAP, &old, NULL);
}

/* rep string instructions (an interrupt may stop them between
 * iterations) are told from others, a mandatory f3 prefix included. */
static void test_rep_string(void **state)
{
	(void)state;
	static const struct {
		uint8_t code[8];
		size_t want;
	} cases[] = {
		{{0xf3, 0xaa}, 2},             /* rep stosb */
		{{0xf3, 0x48, 0xab}, 3},       /* rep stosq */
		{{0xf3, 0xa4}, 2},             /* rep movsb */
		{{0xf2, 0xae}, 2},             /* repne scasb */
		{{0xaa}, 0},                   /* stosb, no rep */
		{{0xf3, 0x0f, 0x10, 0xc1}, 0}, /* movss: f3 is its opcode's */
		{{0xf3, 0xc3}, 0},             /* rep ret */
		{{0x48, 0x89, 0xd1}, 0},       /* mov */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint8_t code[16];
		memset(code, 0x90, sizeof code);
		memcpy(code, cases[i].code, sizeof cases[i].code);
		for (size_t k = sizeof cases[i].code; k > 0 && !cases[i].code[k - 1]; k--)
			code[k - 1] = 0x90; /* the case's unused bytes: nops */
		assert_int_equal(patch_rep_string_len(code, sizeof code, 0x401000), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_string),
		cmocka_unit_test(test_site_len),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_flags_kept),
		cmocka_unit_test(test_branch_relocated),
		cmocka_unit_test(test_short_run),
		cmocka_unit_test(test_match_traps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
