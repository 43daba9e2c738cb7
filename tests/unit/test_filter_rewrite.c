/* test_filter_rewrite.c - filter_rewrite (common/sandbox.c), how rec
 * installs a program's own seccomp filter: each `ret K` returns what the
 * caller maps K to, and a prefix answers FILTER_KILL_NR with its argument
 * 0. Tried for real in a child: the map turns the program's EPERM into
 * EDOM, so only the rewritten filter can give EDOM. Also filter_may_refuse,
 * the scan that tells which syscalls a filter may refuse (the in-process
 * library leaves those to rec), on libseccomp's filters. */
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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/sandbox.h"
#include "../../common/syscalls.h"

#define PAGE 0x5a5d00000000ull /* `syscall; ret`: a syscall made from elsewhere is filtered too */

struct seen {
	long getpid_libc, getpid_page, getppid, kill_nr_errno;
	int setup;
};

static uint32_t map_edom(void *ctx, uint32_t k)
{
	(*(int *)ctx)++;
	return (k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ? SECCOMP_RET_ERRNO | EDOM : k;
}

static long page_syscall(uint64_t code, long nr)
{
	long r;
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *%2\n\tlea 128(%%rsp), %%rsp"
			 : "=a"(r)
			 : "a"(nr), "r"(code)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

/* The program's filter: getpid fails with EPERM, the rest is allowed. */
static void program_filter(struct buf *bpf)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	assert_non_null(ctx);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SYS_getpid, 0), 0);
	assert_int_equal(filter_export(ctx, bpf), 0);
	seccomp_release(ctx);
}

static long sys_errno(long r)
{
	return r < 0 ? -errno : r;
}

static struct seen run_child(const struct buf *bpf)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const uint8_t code[] = {0x0f, 0x05, 0xc3};
		struct seen s = {0};
		close(fds[0]);
		void *p = mmap((void *)PAGE, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		if (p != (void *)PAGE)
			s.setup = 1;
		else if (memcpy(p, code, sizeof code), mprotect(p, 4096, PROT_READ | PROT_EXEC))
			s.setup = 2;
		else if (sandbox_install(bpf))
			s.setup = 3;
		if (!s.setup) {
			s.getpid_libc = sys_errno(syscall(SYS_getpid));
			s.getpid_page = page_syscall(PAGE, SYS_getpid);
			s.getppid = sys_errno(syscall(SYS_getppid));
			s.kill_nr_errno = sys_errno(syscall(FILTER_KILL_NR, SECCOMP_RET_ERRNO | ENOTTY, 0, 0, 0, 0, 0));
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
		fail_msg("child setup failed at step %d", s.setup);
	return s;
}

/* Rewritten: getpid gets the mapped EDOM (EPERM without the rewrite), but
 * at the untraced address it runs; FILTER_KILL_NR returns its argument. */
static void test_rewritten(void **state)
{
	(void)state;
	struct buf prog = {0}, out = {0};
	int calls = 0;
	program_filter(&prog);
	size_t n = prog.len / sizeof(struct sock_filter);
	assert_int_equal(filter_rewrite(prog.p, n, map_edom, &calls, &out), 0);
	assert_true(calls >= 2); /* (the errno and the allow, at least) */
	assert_true(out.len > prog.len);
	struct seen s = run_child(&out);
	assert_int_equal(s.getpid_libc, -EDOM);
	assert_int_equal(s.getpid_page, -EDOM); /* (no address is let through) */
	assert_true(s.getppid > 0);
	assert_int_equal(s.kill_nr_errno, -ENOTTY);
	buf_free(&prog);
	buf_free(&out);
}

/* `ret A` cannot be rewritten; an empty program or one too long is refused. */
static void test_refused(void **state)
{
	(void)state;
	struct sock_filter ret_a[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_IMM, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct buf out = {0};
	int calls = 0;
	assert_int_equal(filter_rewrite(ret_a, 2, map_edom, &calls, &out), -EINVAL);
	assert_int_equal(filter_rewrite(ret_a, 0, map_edom, &calls, &out), -EINVAL);
	struct sock_filter *big = calloc(BPF_MAXINSNS, sizeof *big);
	assert_non_null(big);
	big[BPF_MAXINSNS - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	assert_int_equal(filter_rewrite(big, BPF_MAXINSNS, map_edom, &calls, &out), -E2BIG);
	free(big);
	buf_free(&out);
}

static int bit(const uint8_t *bits, int nr)
{
	return (bits[nr / 8] >> (nr % 8)) & 1;
}

/* What filter_may_refuse says of libseccomp's filter from rules, each
 * {action, syscall, argument 1 value or -1 for any}, default def. */
static void scan(uint32_t def, const long rules[][3], size_t n, uint8_t bits[SC_MAX / 8])
{
	struct buf bpf = {0};
	scmp_filter_ctx ctx = seccomp_init(def);
	assert_non_null(ctx);
	for (size_t i = 0; i < n; i++) {
		if (rules[i][2] < 0)
			assert_int_equal(seccomp_rule_add(ctx, (uint32_t)rules[i][0], (int)rules[i][1], 0), 0);
		else
			assert_int_equal(seccomp_rule_add(ctx, (uint32_t)rules[i][0], (int)rules[i][1], 1,
							  SCMP_A1(SCMP_CMP_EQ, (uint64_t)rules[i][2])), 0);
	}
	assert_int_equal(filter_export(ctx, &bpf), 0);
	seccomp_release(ctx);
	memset(bits, 0, SC_MAX / 8);
	filter_may_refuse(bpf.p, bpf.len / sizeof(struct sock_filter), bits, SC_MAX);
	buf_free(&bpf);
}

/* Allow by default: the refused calls and those refused for some argument
 * value are marked, no other. Refuse by default: all but the allowed. */
static void test_may_refuse(void **state)
{
	(void)state;
	uint8_t bits[SC_MAX / 8];
	const long some[][3] = {
		{SCMP_ACT_ERRNO(EPERM), SYS_getpid, -1},
		{SCMP_ACT_TRAP, SYS_uname, -1},
		{SCMP_ACT_ERRNO(ENOMEM), SYS_mprotect, 12345},
		{SCMP_ACT_LOG, SYS_getuid, -1},
	};
	scan(SCMP_ACT_ALLOW, some, 4, bits);
	assert_true(bit(bits, SYS_getpid) && bit(bits, SYS_uname) && bit(bits, SYS_mprotect));
	int marked = 0;
	for (int nr = 0; nr < SC_MAX; nr++)
		marked += bit(bits, nr);
	assert_int_equal(marked, 3); /* not getuid (log), read, write... */
	const long only[][3] = {
		{SCMP_ACT_ALLOW, SYS_read, -1},
		{SCMP_ACT_ALLOW, SYS_write, 1},
		{SCMP_ACT_ALLOW, SYS_exit_group, -1},
	};
	scan(SCMP_ACT_KILL_PROCESS, only, 3, bits);
	assert_false(bit(bits, SYS_read));
	assert_false(bit(bits, SYS_exit_group));
	assert_true(bit(bits, SYS_write)); /* only fd 1 is allowed */
	assert_true(bit(bits, SYS_getpid) && bit(bits, SYS_openat) && bit(bits, SYS_close));
}

/* What the scan cannot follow counts as refusing: a divisor it does not
 * know, an action computed at run time. */
static void test_may_refuse_unsure(void **state)
{
	(void)state;
	uint8_t bits[SC_MAX / 8] = {0};
	struct sock_filter div[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_IMM, 8),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	filter_may_refuse(div, 5, bits, SC_MAX);
	assert_true(bit(bits, SYS_read));
	struct sock_filter known[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write + 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	memset(bits, 0, sizeof bits);
	filter_may_refuse(known, 5, bits, SC_MAX);
	assert_true(bit(bits, SYS_write));
	assert_false(bit(bits, SYS_read));
}

/* filter_run gives what the kernel's run of the filter gives: the
 * action with its data, by number and by argument. */
static void test_run(void **state)
{
	(void)state;
	struct buf bpf = {0};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	assert_non_null(ctx);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SYS_getpid, 0), 0);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_TRAP, SYS_write, 1, SCMP_A0(SCMP_CMP_EQ, 7)), 0);
	assert_int_equal(filter_export(ctx, &bpf), 0);
	seccomp_release(ctx);
	size_t n = bpf.len / sizeof(struct sock_filter);
	struct seccomp_data d = {.nr = SYS_getpid, .arch = AUDIT_ARCH_X86_64};
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_ERRNO | EPERM);
	d.nr = SYS_getppid;
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_ALLOW);
	d.nr = SYS_write;
	d.args[0] = 7;
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_TRAP);
	d.args[0] = 8;
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_ALLOW);
	d.args[0] = 7 | (1ull << 32); /* libseccomp compares all 64 bits */
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_ALLOW);
	d.arch = 0x40000003; /* i386: libseccomp's filter kills other ABIs (SCMP_ACT_KILL: the thread) */
	d.args[0] = 7;
	assert_int_equal(filter_run(bpf.p, n, &d), SECCOMP_RET_KILL_THREAD);
	buf_free(&bpf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewritten),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_may_refuse),
		cmocka_unit_test(test_may_refuse_unsure),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
