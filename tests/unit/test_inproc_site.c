/* test_inproc_site.c - syscall sites patched to call the in-process
 * library (common/inproc_site.c): the forms found in code as glibc and Go
 * emit it, refusals, and the patched code run for real in this process,
 * its trampoline calling a test entry that makes the syscall and counts
 * its calls; a rip inside a patched run moved to its trampoline and run
 * on from there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../common/inproc.h"
#include "../../common/inproc_site.h"

/* The library's entry, for the test: the syscall itself, counted. */
long il_test_entry_calls;
extern char il_test_entry[];
/* Runs the code at target with rax = value, as a thread moved there. */
extern long il_test_resume(uint64_t target, long value);
__asm__(".text\n"
	".globl il_test_entry\n"
	"il_test_entry:\n"
	"	lock incq il_test_entry_calls(%rip)\n"
	"	syscall\n"
	"	ret\n"
	".globl il_test_resume\n"
	"il_test_resume:\n"
	"	mov %rsi, %rax\n"
	"	jmp *%rdi\n");

/* The library's TSC entry, for the test: the instruction itself (eax:
 * the kind), counted. */
long il_test_tsc_calls;
extern char il_test_tsc_entry[];
__asm__(".text\n"
	".globl il_test_tsc_entry\n"
	"il_test_tsc_entry:\n"
	"	lock incq il_test_tsc_calls(%rip)\n"
	"	cmp $0xfff1, %eax\n"
	"	je 1f\n"
	"	rdtsc\n"
	"	ret\n"
	"1:	rdtscp\n"
	"	ret\n");

#define K 0x1234500000ll

struct snippet {
	const char *name;
	uint8_t code[40];
	size_t len, sys; /* bytes; the syscall's offset */
	int form;
	size_t run;
	long add; /* what the code adds to the pid */
};

/* getpid (39) as the compilers write it */
static const struct snippet snippets[] = {
	{"glibc cmp", {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, 0x73, 0x01, 0xc3, 0x48, 0xf7,
		       0xd8, 0xc3},
	 20, 5, IL_FORM_AFTER, 8, 0},
	{"mov before, ret after", {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3}, 8, 5, IL_FORM_MOV, 7, 0},
	/* mov $39, %rax; syscall; mov %eax, -8(%rsp) (Go's kind of store); ret */
	{"short move after", {0x48, 0xc7, 0xc0, 0x27, 0, 0, 0, 0x0f, 0x05, 0x89, 0x44, 0x24, 0xf8, 0xc3}, 14, 7,
	 IL_FORM_AFTER, 6, 0},
	/* Go's clock fallback: mov $39, %rax; syscall; jmp over an int3 to the
	 * ret (too short after: the 7-byte mov goes with it) */
	{"go mov before, jmp after", {0x48, 0xc7, 0xc0, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0x01, 0xcc, 0xc3}, 13, 7,
	 IL_FORM_MOV, 9, 0},
	/* mov K(%rip), %rcx (K at offset 32 of the snippet); add %rcx, %rax */
	{"rip-relative after", {0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x0d, 32 - 14, 0, 0, 0, 0x48, 0x01, 0xc8, 0xc3,
				[32] = 0, 0, 0x50, 0x34, 0x12, 0, 0, 0},
	 40, 5, IL_FORM_AFTER, 9, K},
};

#define SLOT 64

struct pages {
	uint8_t *code, *tramp;
};

static int setup(void **state)
{
	static struct pages p;
	uint8_t *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	p.code = m;
	p.tramp = m + 4096;
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pages *p = *state;
	munmap(p->code, 2 * 4096);
	return 0;
}

/* Lays the snippets out in the code page, int3 between them. */
static void lay_out(struct pages *p)
{
	memset(p->code, 0xcc, 4096);
	memset(p->tramp, 0xcc, 4096);
	for (size_t i = 0; i < sizeof snippets / sizeof snippets[0]; i++)
		memcpy(p->code + i * SLOT, snippets[i].code, snippets[i].len);
}

static void test_forms(void **state)
{
	struct pages *p = *state;
	lay_out(p);
	for (size_t i = 0; i < sizeof snippets / sizeof snippets[0]; i++) {
		const struct snippet *sn = &snippets[i];
		uint64_t at = (uint64_t)(p->code + i * SLOT), sys = at + sn->sys;
		struct il_site s;
		print_message("%s\n", sn->name);
		assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, sys, &s, NULL), 0);
		assert_int_equal(s.form, sn->form);
		assert_int_equal(s.len, sn->run);
		assert_int_equal(s.sys, sys);
		assert_int_equal(s.addr, sn->form == IL_FORM_MOV ? sys + 2 - sn->run : sys);
		if (sn->form == IL_FORM_MOV)
			assert_int_equal(s.nr, 39);
		assert_memory_equal(s.code, (uint8_t *)s.addr, s.len);
	}
	/* not a syscall; outside the window */
	struct il_site s;
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)p->code + 1, &s, NULL), -ENOENT);
	assert_int_equal(il_site_find(p->code, 64, (uint64_t)p->code + 4096, (uint64_t)p->code, &s, NULL), -ENOENT);
}

/* A jump to right after the syscall rules out the after form; one to the
 * syscall itself the mov form too. */
static void test_branch_into(void **state)
{
	struct pages *p = *state;
	lay_out(p);
	uint8_t *c = p->code + 2048;
	memcpy(c, snippets[0].code, snippets[0].len); /* syscall at c + 5 */
	struct il_site s;
	uint8_t *j = c + 100; /* jmp rel8 back to c + 7 */
	j[0] = 0xeb;
	j[1] = (uint8_t)(int8_t)((c + 7) - (j + 2));
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)c + 5, &s, NULL), 0);
	assert_int_equal(s.form, IL_FORM_MOV);
	j[2] = 0xeb; /* and one to c + 5 */
	j[3] = (uint8_t)(int8_t)((c + 5) - (j + 4));
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)c + 5, &s, NULL), -EINVAL);
	/* a REX prefix before the b8: mov $N, %r8d, not eax */
	uint8_t *r = p->code + 3072;
	const uint8_t rex[] = {0x41, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xc3};
	memcpy(r, rex, sizeof rex);
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)r + 6, &s, NULL), -EINVAL);
}

static void test_run_patched(void **state)
{
	struct pages *p = *state;
	lay_out(p);
	long pid = getpid();
	for (size_t i = 0; i < sizeof snippets / sizeof snippets[0]; i++) {
		const struct snippet *sn = &snippets[i];
		uint8_t *at = p->code + i * SLOT, *tr = p->tramp + i * 128, jump[IL_SITE_MAX], t[IL_TRAMP_MAX];
		long (*fn)(void) = (long (*)(void))(void *)at;
		struct il_site s;
		size_t tlen;
		print_message("%s\n", sn->name);
		assert_int_equal(fn(), pid + sn->add); /* as it is */
		assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)at + sn->sys, &s, NULL), 0);
		assert_int_equal(il_tramp_build(t, &tlen, (uint64_t)tr, &s, (uint64_t)il_test_entry), 0);
		assert_true(tlen <= IL_TRAMP_MAX);
		assert_int_equal(il_site_jump(jump, &s, (uint64_t)tr), 0);
		memcpy(tr, t, tlen);
		memcpy((uint8_t *)s.addr, jump, s.len);
		long before = il_test_entry_calls;
		assert_int_equal(fn(), pid + sn->add);
		assert_int_equal(fn(), pid + sn->add);
		assert_int_equal(il_test_entry_calls, before + 2); /* through the trampoline */
		/* a thread stopped right after the syscall goes on in the
		 * trampoline with the syscall's result */
		uint64_t to = il_fix_rip(&s, (uint64_t)tr, s.sys + 2);
		if (s.form == IL_FORM_MOV) {
			assert_int_equal(to, s.sys + 2); /* after the run already */
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys), (uint64_t)tr + 5);
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.addr + 2), 0);
		} else {
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys + 1), 0);
			assert_int_equal(il_test_resume(to, pid), pid + sn->add);
		}
		assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.addr), s.addr);
		assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.addr + s.len), s.addr + s.len);
		assert_int_equal(il_test_entry_calls, before + 2);
	}
}

/* rdtsc (three ways) as compilers write it: the TSC in rax, plus 7 in
 * the third (moved with the before form, as a jump to the shl rules
 * out the after form) */
static const struct snippet tsc_snippets[] = {
	{"rdtsc after", {0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0, 0xc3}, 10, 0, IL_FORM_TSC, 9, 0},
	{"rdtscp after", {0x0f, 0x01, 0xf9, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0, 0xc3}, 11, 0, IL_FORM_TSC, 10, 0},
	{"rdtsc before", {0xb9, 7, 0, 0, 0, 0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0, 0x48, 0x01, 0xc8, 0xc3,
			  0xeb, (uint8_t)(int8_t)(7 - 20)},
	 20, 5, IL_FORM_TSC_BEFORE, 7, 7},
};

static void test_tsc(void **state)
{
	struct pages *p = *state;
	memset(p->code, 0xcc, 4096);
	memset(p->tramp, 0xcc, 4096);
	for (size_t i = 0; i < sizeof tsc_snippets / sizeof tsc_snippets[0]; i++) {
		const struct snippet *sn = &tsc_snippets[i];
		uint8_t *at = p->code + i * SLOT, *tr = p->tramp + i * 128, jump[IL_SITE_MAX], t[IL_TRAMP_MAX];
		uint64_t (*fn)(void) = (uint64_t(*)(void))(void *)at;
		struct il_site s;
		size_t tlen;
		int tsc;
		print_message("%s\n", sn->name);
		memcpy(at, sn->code, sn->len);
		assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)at + sn->sys, &s, NULL), 0);
		assert_int_equal(s.form, sn->form);
		assert_true(il_site_tsc(&s));
		assert_int_equal(s.len, sn->run);
		assert_int_equal(s.nr, i == 1 ? IL_NR_RDTSCP : IL_NR_RDTSC);
		assert_int_equal(s.addr, (uint64_t)at);
		/* what a patch record's code says */
		assert_int_equal(il_site_insn(s.code, s.len, s.addr, &tsc), (uint64_t)at + sn->sys);
		assert_int_equal(tsc, 1);
		assert_int_equal(il_tramp_build(t, &tlen, (uint64_t)tr, &s, (uint64_t)il_test_tsc_entry), 0);
		assert_int_equal(il_site_jump(jump, &s, (uint64_t)tr), 0);
		memcpy(tr, t, tlen);
		memcpy((uint8_t *)s.addr, jump, s.len);
		long before = il_test_tsc_calls;
		uint64_t t0 = __builtin_ia32_rdtsc(), v = fn(), t1 = __builtin_ia32_rdtsc();
		assert_true(v >= t0 + (uint64_t)sn->add && v <= t1 + (uint64_t)sn->add);
		assert_int_equal(il_test_tsc_calls, before + 1); /* through the trampoline */
		/* a thread stopped after the rdtsc (its fault answered) goes on
		 * in the trampoline after the call; one at the rdtsc of the
		 * before form, at the trampoline's mov */
		size_t il = i == 1 ? 3 : 2, pre = 5 + 5 + 6 + 8;
		if (s.form == IL_FORM_TSC) {
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys + il), (uint64_t)tr + pre);
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys + 1), 0);
		} else {
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys), (uint64_t)tr + 5);
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.sys + il), s.sys + il); /* after the run */
			assert_int_equal(il_fix_rip(&s, (uint64_t)tr, s.addr + 1), 0);
		}
	}
	/* a jump to the rdtsc rules out the before form too */
	uint8_t *c = p->code + 3072;
	memcpy(c, tsc_snippets[2].code, tsc_snippets[2].len);
	c[20] = 0xeb;
	c[21] = (uint8_t)(int8_t)(5 - 22);
	struct il_site s;
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)c + 5, &s, NULL), -EINVAL);
	/* not an rdtsc */
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)c + 6, &s, NULL), -ENOENT);
}

/* A trampoline beyond rel32 reach of its site is refused. */
static void test_reach(void **state)
{
	struct pages *p = *state;
	lay_out(p);
	struct il_site s;
	uint8_t t[IL_TRAMP_MAX], jump[IL_SITE_MAX];
	size_t tlen;
	assert_int_equal(il_site_find(p->code, 4096, (uint64_t)p->code, (uint64_t)p->code + 5, &s, NULL), 0);
	uint64_t far = s.addr + (3ull << 31);
	assert_int_equal(il_tramp_build(t, &tlen, far, &s, 0x1000), -ERANGE);
	assert_int_equal(il_site_jump(jump, &s, far), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_branch_into),
		cmocka_unit_test(test_run_patched),
		cmocka_unit_test(test_reach),
		cmocka_unit_test(test_tsc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
