/* test_filter_ip.c - filter_allow_ip (common/sandbox.c), the prefix that
 * lets one syscall instruction through a libseccomp filter untraced (for
 * in-process recording), tried for real: a child maps pages holding
 * `syscall; ret`, loads a filter that refuses getpid (with an errno, or
 * with SECCOMP_RET_TRACE as rec's filter does, which fails with ENOSYS
 * when no tracer is attached) and calls getpid through libc and through
 * each page. Only the page whose return address is the allowed one, both
 * 32-bit halves, gets the pid. Also filter_refuse_arch, the prefix that
 * fails int 0x80 with ENOSYS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/sandbox.h"

/* Where the pages go: the allowed one, one 4 GiB above it (same low half
 * of every address) and one 4 KiB above it (same high half). */
#define PAGE_A 0x5a5c00000000ull
#define PAGE_HI (PAGE_A + 0x100000000ull)
#define PAGE_LO (PAGE_A + 0x1000ull)
#define RET_OFF 2 /* the address after the page's `syscall` */

/* What the child saw: getpid's results (a pid, or -errno). */
struct seen {
	long native_pid; /* before the filter */
	long libc;       /* syscall(SYS_getpid) through libc, -errno */
	long page_a, page_hi, page_lo;
	int setup;       /* 0, or the step that failed */
};

/* Calls syscall nr at the `syscall; ret` at code (the red zone kept). */
static long page_syscall(uint64_t code, long nr)
{
	long r;
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *%2\n\tlea 128(%%rsp), %%rsp"
			 : "=a"(r)
			 : "a"(nr), "r"(code)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

static int map_code(uint64_t at)
{
	static const uint8_t code[] = {0x0f, 0x05, 0xc3}; /* syscall; ret */
	void *p = mmap((void *)at, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p != (void *)at)
		return -1;
	memcpy(p, code, sizeof code);
	return mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

/* libseccomp's filter: every syscall allowed but getpid, which gets
 * action; exported to BPF. */
static void build(uint32_t action, struct buf *bpf)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	assert_non_null(ctx);
	assert_int_equal(seccomp_rule_add(ctx, action, SYS_getpid, 0), 0);
	assert_int_equal(filter_export(ctx, bpf), 0);
	seccomp_release(ctx);
}

/* Runs the calls in a child under bpf; returns what it saw. */
static struct seen run_child(const struct buf *bpf)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct seen s = {0};
		close(fds[0]);
		s.native_pid = syscall(SYS_getpid);
		if (map_code(PAGE_A) || map_code(PAGE_HI) || map_code(PAGE_LO))
			s.setup = 1;
		else if (sandbox_install(bpf))
			s.setup = 2;
		if (!s.setup) {
			s.libc = syscall(SYS_getpid);
			if (s.libc < 0)
				s.libc = -errno;
			s.page_a = page_syscall(PAGE_A, SYS_getpid);
			s.page_hi = page_syscall(PAGE_HI, SYS_getpid);
			s.page_lo = page_syscall(PAGE_LO, SYS_getpid);
		}
		_exit(write(fds[1], &s, sizeof s) == sizeof s ? 0 : 3);
	}
	close(fds[1]);
	struct seen s;
	assert_int_equal(read(fds[0], &s, sizeof s), sizeof s);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (s.setup)
		fail_msg("child setup failed at step %d (mapping the pages, or loading the filter)", s.setup);
	assert_true(s.native_pid > 0);
	return s;
}

/* With the prefix for PAGE_A's return address, getpid there returns the
 * pid; through libc and the other two pages it fails as the filter says. */
static void check_allowed(uint32_t action, long refused)
{
	struct buf bpf = {0};
	build(action, &bpf);
	assert_int_equal(filter_allow_ip(&bpf, PAGE_A + RET_OFF), 0);
	struct seen s = run_child(&bpf);
	assert_int_equal(s.libc, refused);
	assert_int_equal(s.page_a, s.native_pid);
	assert_int_equal(s.page_hi, refused); /* same low half */
	assert_int_equal(s.page_lo, refused); /* same high half */
	buf_free(&bpf);
}

/* Without the prefix every path fails. */
static void check_refused(uint32_t action, long refused)
{
	struct buf bpf = {0};
	build(action, &bpf);
	struct seen s = run_child(&bpf);
	assert_int_equal(s.libc, refused);
	assert_int_equal(s.page_a, refused);
	assert_int_equal(s.page_hi, refused);
	assert_int_equal(s.page_lo, refused);
	buf_free(&bpf);
}

static void test_errno_filter(void **state)
{
	(void)state;
	check_allowed(SCMP_ACT_ERRNO(EPERM), -EPERM);
	check_refused(SCMP_ACT_ERRNO(EPERM), -EPERM);
}

/* As rec's filter: SECCOMP_RET_TRACE; without a tracer, ENOSYS. */
static void test_trace_filter(void **state)
{
	(void)state;
	check_allowed(SCMP_ACT_TRACE(7), -ENOSYS);
	check_refused(SCMP_ACT_TRACE(7), -ENOSYS);
}

/* A prefix for another address whose low half is PAGE_A's (its high half
 * differs), or whose high half is (its low half differs), lets nothing
 * through, not even PAGE_HI's syscall when the high half is off by one
 * the other way. */
static void test_half_match(void **state)
{
	(void)state;
	static const uint64_t near[] = {
		PAGE_A + RET_OFF + 0x200000000ull, /* low half equal, high half differs */
		PAGE_A + RET_OFF + 1,              /* high half equal, low half differs */
		(PAGE_A + RET_OFF) & 0xffffffffull, /* high half 0 */
	};
	for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
		struct buf bpf = {0};
		build(SCMP_ACT_ERRNO(EPERM), &bpf);
		assert_int_equal(filter_allow_ip(&bpf, near[i]), 0);
		struct seen s = run_child(&bpf);
		if (s.libc != -EPERM || s.page_a != -EPERM || s.page_hi != -EPERM || s.page_lo != -EPERM)
			fail_msg("prefix for %#llx let a syscall through: libc %ld, pages %ld %ld %ld",
				 (unsigned long long)near[i], s.libc, s.page_a, s.page_hi, s.page_lo);
		buf_free(&bpf);
	}
}

/* The prefix is five instructions before libseccomp's program, which
 * follows byte for byte; a buffer that is no program is refused, and so is
 * a result longer than the kernel takes. */
static void test_layout(void **state)
{
	(void)state;
	struct buf orig = {0}, bpf = {0};
	build(SCMP_ACT_ERRNO(EPERM), &orig);
	build(SCMP_ACT_ERRNO(EPERM), &bpf);
	assert_int_equal(filter_allow_ip(&bpf, 0x123456789abcdef0ull), 0);
	assert_int_equal(bpf.len, orig.len + 5 * sizeof(struct sock_filter));
	assert_memory_equal(bpf.p + 5 * sizeof(struct sock_filter), orig.p, orig.len);
	const struct sock_filter *f = (const struct sock_filter *)bpf.p;
	assert_int_equal(f[1].k, 0x9abcdef0u);
	assert_int_equal(f[3].k, 0x12345678u);
	assert_int_equal(f[4].k, SECCOMP_RET_ALLOW);

	struct buf empty = {0};
	assert_int_equal(filter_allow_ip(&empty, 1), -EINVAL);
	orig.len -= 1;
	assert_int_equal(filter_allow_ip(&orig, 1), -EINVAL);
	struct buf big = {0};
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (int i = 0; i < BPF_MAXINSNS - 4; i++)
		buf_put(&big, &ret, sizeof ret);
	assert_int_equal(filter_allow_ip(&big, 1), -E2BIG);
	big.len -= sizeof ret;
	assert_int_equal(filter_allow_ip(&big, 1), 0);
	assert_int_equal(big.len, BPF_MAXINSNS * sizeof ret);
	buf_free(&big);
	buf_free(&orig);
	buf_free(&bpf);
}

/* getpid through int 0x80 (i386 number 20); -errno on failure. */
static long int80_getpid(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	return r;
}

/* Runs int80_getpid and then syscall(SYS_getpid) in a child under bpf
 * (none if NULL); returns the wait status, the results in got[2]. */
static int run_int80(const struct buf *bpf, long got[2])
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (bpf && sandbox_install(bpf))
			_exit(2);
		long r[2];
		r[0] = int80_getpid();
		r[1] = syscall(SYS_getpid);
		_exit(write(fds[1], r, sizeof r) == sizeof r ? 0 : 3);
	}
	close(fds[1]);
	got[0] = got[1] = 0;
	if (read(fds[0], got, 2 * sizeof *got) != 2 * sizeof *got)
		got[0] = got[1] = 0;
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	got[0] = got[0] == pid ? 1 : got[0]; /* 1: the pid */
	got[1] = got[1] == pid ? 1 : got[1];
	return status;
}

/* filter_refuse_arch(AUDIT_ARCH_I386, ENOSYS), rec's refusal of int 0x80:
 * without it libseccomp's x86-64 filter kills an int 0x80 (its bad-arch
 * action); with it the int 0x80 fails with ENOSYS and the process goes
 * on, its x86-64 syscalls as the filter says. */
static void test_refuse_arch(void **state)
{
	(void)state;
	long got[2];
	int st = run_int80(NULL, got);
	if (!WIFEXITED(st) || got[0] != 1)
		skip(); /* the kernel has no IA32 emulation: int 0x80 does nothing to test */
	struct buf bpf = {0};
	build(SCMP_ACT_ERRNO(EPERM), &bpf);
	st = run_int80(&bpf, got);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	assert_int_equal(filter_refuse_arch(&bpf, AUDIT_ARCH_I386, ENOSYS), 0);
	st = run_int80(&bpf, got);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got[0], -ENOSYS);
	assert_int_equal(got[1], -1); /* syscall(): -1 with errno EPERM, as the filter says */
	buf_free(&bpf);

	/* three instructions before libseccomp's program; bad errno refused */
	struct buf orig = {0};
	build(SCMP_ACT_ERRNO(EPERM), &orig);
	build(SCMP_ACT_ERRNO(EPERM), &bpf);
	assert_int_equal(filter_refuse_arch(&bpf, AUDIT_ARCH_I386, ENOSYS), 0);
	assert_int_equal(bpf.len, orig.len + 3 * sizeof(struct sock_filter));
	assert_memory_equal(bpf.p + 3 * sizeof(struct sock_filter), orig.p, orig.len);
	assert_int_equal(((const struct sock_filter *)bpf.p)[2].k, SECCOMP_RET_ERRNO | ENOSYS);
	assert_int_equal(filter_refuse_arch(&bpf, AUDIT_ARCH_I386, 0), -EINVAL);
	assert_int_equal(filter_refuse_arch(&bpf, AUDIT_ARCH_I386, 4096), -EINVAL);
	struct buf empty = {0};
	assert_int_equal(filter_refuse_arch(&empty, AUDIT_ARCH_I386, ENOSYS), -EINVAL);
	buf_free(&orig);
	buf_free(&bpf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_filter),
		cmocka_unit_test(test_trace_filter),
		cmocka_unit_test(test_half_match),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refuse_arch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
