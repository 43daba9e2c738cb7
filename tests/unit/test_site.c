/* test_site.c - counting sites (common/site.c), run for real: a loop of
 * short instructions in an executable page gets a site whose slot lives
 * in a site page within reach; the loop must still compute what it did,
 * the page's counter must count its passes, and with the counter set to
 * N the slot must trap (SIGTRAP, seen by a handler) at the N-th pass, with
 * the loop's registers as they are before that pass. */
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
#include "../../common/site.h"

#define PAGE 4096

/* mov eax,1000; L: sub eax,1; jne L; mov eax,7; ret (L at offset 5) */
static const uint8_t down[] = {0xb8, 0xe8, 0x03, 0x00, 0x00, 0x83, 0xe8, 0x01, 0x75, 0xfb, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3};

static uint64_t trap_rip, trap_rax;
static int traps;

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	trap_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	trap_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	traps++; /* resumes after the int3: the slot's copy of the run */
}

/* Makes the run of len bytes at site (code f, a PAGE window) a site of
 * tab whose slot (built with flags) lives in the site page at page, the
 * page's counter fresh: the code then runs through the slot. Returns the
 * slot number. */
static int install(struct site_table *tab, uint8_t *f, uint8_t *page, uint64_t site, size_t len, int flags)
{
	const uint64_t w = (uint64_t)(uintptr_t)f, base = (uint64_t)(uintptr_t)page;
	int k = site_add(tab, -1, base, site, f + (site - w), len);
	uint8_t slot[SITE_SLOT], jump[SITE_CODE];
	assert_int_equal(site_slot_build(slot, base, k, site, len, f, PAGE, w, flags), 0);
	assert_int_equal(site_jump(jump, site, len, base + SITE_SLOT), 0);
	*(uint64_t *)page = SITE_REM_INIT;
	memcpy(page + SITE_SLOT, slot, sizeof slot);
	memcpy(f + (site - w), jump, len);
	return k;
}

static void test_slot_counts_and_traps(void **state)
{
	(void)state;
	uint8_t *mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	uint8_t *f = mem, *page = mem + 2 * PAGE;
	const uint64_t L = (uint64_t)(uintptr_t)(f + 5);
	memcpy(f, down, sizeof down);
	size_t len = site_patchable(f, PAGE, (uint64_t)(uintptr_t)f, L, 1);
	assert_int_equal(len, 5); /* sub + jne, flags dead (sub writes them all) */
	struct site_table tab = {0};
	assert_int_equal(install(&tab, f, page, L, len, 0), 0);
	assert_int_equal(((int (*)(void))f)(), 7);
	assert_int_equal(SITE_REM_INIT - *(uint64_t *)page, 1000); /* every pass counted */
	/* the 500th pass traps, before its sub: eax is 1000 - 499 */
	struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO}, old;
	sigaction(SIGTRAP, &sa, &old);
	*(uint64_t *)page = 500;
	assert_int_equal(((int (*)(void))f)(), 7);
	sigaction(SIGTRAP, &old, NULL);
	assert_int_equal(traps, 1);
	assert_int_equal(trap_rax, 501);
	int pg;
	uint64_t site;
	assert_true(site_is_trap(&tab, trap_rip, &pg, &site));
	assert_int_equal(pg, 0);
	assert_int_equal(site, L);
	assert_false(site_is_trap(&tab, trap_rip - 1, &pg, &site));
	munmap(mem, 3 * PAGE);
}

/* mov eax,1000; xor ecx,ecx; T: add ecx,3; S: sub eax,1; jne T; mov eax,ecx;
 * ret: the site at S, inside the loop T..ret */
static const uint8_t mid[] = {0xb8, 0xe8, 0x03, 0x00, 0x00, 0x31, 0xc9, 0x83, 0xc1, 0x03,
			      0x83, 0xe8, 0x01, 0x75, 0xf8, 0x89, 0xc8, 0xc3};

/* The slot runs the loop around its site (SITE_LOOP): the loop computes
 * what it did, every count is a pass of the slot's start (SITE_UNROLL
 * turns of the loop each), and a trap comes at the count set, in the
 * state the loop has at the site. Without the loop in the slot the same
 * code counts every turn. */
static void test_slot_runs_the_loop(void **state)
{
	(void)state;
	uint8_t *mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	uint8_t *f = mem, *page = mem + 2 * PAGE;
	const uint64_t S = (uint64_t)(uintptr_t)(f + 10), w = (uint64_t)(uintptr_t)f;
	for (int flags = SITE_LOOP; flags >= 0; flags -= SITE_LOOP) {
		memset(f, 0xcc, 2 * PAGE);
		memcpy(f, mid, sizeof mid);
		struct patch_loop lp;
		assert_int_equal(patch_loop_find(f, PAGE, w, S, &lp), 1);
		assert_int_equal(lp.top, w + 7);
		assert_int_equal(lp.brk, w + 13);
		assert_int_equal(lp.end, w + 15);
		assert_int_equal(lp.cond, 5); /* jne */
		size_t len = site_patchable(f, PAGE, w, S, 1);
		assert_int_equal(len, 5);
		struct site_table tab = {0};
		install(&tab, f, page, S, len, flags);
		assert_int_equal(((int (*)(void))f)(), 3000);
		uint64_t passes = flags ? (1000 + SITE_UNROLL - 1) / SITE_UNROLL : 1000;
		assert_int_equal(SITE_REM_INIT - *(uint64_t *)page, passes);
		/* the 50th count traps before its turns: eax is 1000 less 49
		 * counts' turns, ecx 3 for each turn and one more (T ran) */
		struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO}, old;
		sigaction(SIGTRAP, &sa, &old);
		traps = 0;
		*(uint64_t *)page = 50;
		assert_int_equal(((int (*)(void))f)(), 3000);
		sigaction(SIGTRAP, &old, NULL);
		assert_int_equal(traps, 1);
		uint64_t per = flags ? SITE_UNROLL : 1;
		assert_int_equal(trap_rax, 1000 - 49 * per);
		int pg;
		uint64_t site;
		assert_true(site_is_trap(&tab, trap_rip, &pg, &site));
		assert_int_equal(site, S);
	}
	/* not a loop: the branch leaves forwards */
	struct patch_loop lp;
	uint8_t code[32];
	memset(code, 0x90, sizeof code);
	memcpy(code, mid, sizeof mid);
	code[14] = 0x02;
	assert_int_equal(patch_loop_find(code, sizeof code, 0x1000, 0x100a, &lp), 0);
	munmap(mem, 3 * PAGE);
}

/* glibc's string hash (h = h * 67 + c - 113 while c = *s++), as its
 * bytes are: three instructions from the loop's top to the site, as many
 * from the site to the branch; the slot must keep the branch (it once
 * took the instruction before the site for it: the loop ran past the
 * string's end). */
static const uint8_t strhash[] = {
	0x0f, 0xb6, 0x17,             /* 00 movzbl (%rdi),%edx */
	0x48, 0x8d, 0x4f, 0x01,       /* 03 lea 0x1(%rdi),%rcx */
	0x31, 0xc0,                   /* 07 xor %eax,%eax */
	0x84, 0xd2,                   /* 09 test %dl,%dl */
	0x74, 0x1b,                   /* 0b je 28 */
	0x0f, 0x1f, 0x00,             /* 0d nopl (%rax) */
	0x6b, 0xc0, 0x43,             /* 10 T: imul $0x43,%eax,%eax */
	0x48, 0x83, 0xc1, 0x01,       /* 13 add $0x1,%rcx */
	0x8d, 0x44, 0x10, 0x8f,       /* 17 lea -0x71(%rax,%rdx,1),%eax */
	0x0f, 0xb6, 0x51, 0xff,       /* 1b S: movzbl -0x1(%rcx),%edx */
	0x84, 0xd2,                   /* 1f test %dl,%dl */
	0x75, 0xed,                   /* 21 jne T */
	0xc3,                         /* 23 ret */
	0x0f, 0x1f, 0x40, 0x00,       /* 24 nopl 0x0(%rax) */
	0xc3,                         /* 28 ret */
};

static uint32_t strhash_ref(const char *s)
{
	uint32_t h = 0;
	for (unsigned char c; (c = (unsigned char)*s++);)
		h = h * 67 + c - 113;
	return h;
}

static void test_slot_loop_shape(void **state)
{
	(void)state;
	uint8_t *mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	uint8_t *f = mem, *page = mem + 2 * PAGE;
	const uint64_t w = (uint64_t)(uintptr_t)f, S = w + 0x1b;
	memset(f, 0xcc, 2 * PAGE);
	memcpy(f, strhash, sizeof strhash);
	uint32_t (*fn)(const char *) = (uint32_t (*)(const char *))(void *)f;
	static const char *const words[] = {"", "a", "heisen", "a string long enough for several counts of the slot"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		assert_int_equal(fn(words[i]), strhash_ref(words[i]));
	struct patch_loop lp;
	assert_int_equal(patch_loop_find(f, PAGE, w, S, &lp), 1);
	assert_int_equal(lp.top, w + 0x10);
	assert_int_equal(lp.brk, w + 0x21);
	assert_int_equal(lp.end, w + 0x23);
	assert_int_equal(lp.cond, 5); /* jne */
	size_t len = site_patchable(f, PAGE, w, S, 1);
	assert_int_equal(len, 6); /* movzbl + test */
	struct site_table tab = {0};
	install(&tab, f, page, S, len, SITE_LOOP);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		assert_int_equal(fn(words[i]), strhash_ref(words[i]));
	assert_true(SITE_REM_INIT - *(uint64_t *)page > 0); /* through the slot */
	munmap(mem, 3 * PAGE);
}

static void test_patchable(void **state)
{
	(void)state;
	uint8_t code[64];
	const uint64_t at = 0x401000;
	/* flags read at the site (adc after a mov): not for a counting site */
	static const uint8_t adc[] = {0x48, 0x8b, 0x05, 0, 0, 0, 0, 0x48, 0x11, 0xc0, 0xc3};
	memset(code, 0x90, sizeof code);
	memcpy(code, adc, sizeof adc);
	assert_int_equal(site_patchable(code, sizeof code, at, at, 1), 0);
	assert_int_equal(site_patchable(code, sizeof code, at, at, 0), 7);
	/* a jump into the middle of the run: no patch there */
	static const uint8_t into[] = {0x74, 0x06, /* je at+8: just after the run at at+2 */
				       0x83, 0xe8, 0x01, 0x83, 0xe8, 0x01, 0x75, 0xf8, 0xc3};
	memset(code, 0x90, sizeof code);
	memcpy(code, into, sizeof into);
	assert_int_not_equal(site_patchable(code, sizeof code, at, at + 2, 0), 0); /* sub + sub (6 bytes) */
	code[1] = 0x04; /* je at+6: inside the run */
	assert_int_equal(site_patchable(code, sizeof code, at, at + 2, 0), 0);
}

static void test_forget(void **state)
{
	(void)state;
	struct site_table tab = {0};
	static const uint8_t run[8] = {0};
	assert_int_equal(site_add(&tab, -1, 0x10000, 0x20000, run, 5), 0);
	assert_int_equal(site_add(&tab, -1, 0x30000, 0x40000, run, 5), 0);
	assert_int_equal(site_page_for(&tab, 0x20010), 0);
	assert_true(site_covers(&tab, 0x20004));
	assert_false(site_covers(&tab, 0x20005));
	site_forget(&tab, 0x1f000, 0x20001); /* unmapped: its page goes too */
	assert_int_equal(tab.npages, 1);
	assert_int_equal(tab.page[0].base, 0x30000);
	site_forget(&tab, 0x30fff, 0x31000); /* the page itself */
	assert_int_equal(tab.npages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_counts_and_traps),
		cmocka_unit_test(test_slot_runs_the_loop),
		cmocka_unit_test(test_slot_loop_shape),
		cmocka_unit_test(test_patchable),
		cmocka_unit_test(test_forget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
