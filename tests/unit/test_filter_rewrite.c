/* test_filter_rewrite.c - filter_rewrite (common/sandbox.c), how rec
 * installs a program's own seccomp filter: each `ret K` returns what the
 * caller maps K to, and a prefix answers FILTER_KILL_NR with its argument
 * 0 and lets the untraced address through. Tried for real in a child:
 * the map turns the program's EPERM into EDOM, so only the rewritten
 * filter can give EDOM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
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

#define PAGE 0x5a5d00000000ull /* `syscall; ret`: the untraced address is PAGE + 2 */

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
	assert_int_equal(filter_rewrite(prog.p, n, PAGE + 2, map_edom, &calls, &out), 0);
	assert_true(calls >= 2); /* (the errno and the allow, at least) */
	assert_true(out.len > prog.len);
	struct seen s = run_child(&out);
	assert_int_equal(s.getpid_libc, -EDOM);
	assert_true(s.getpid_page > 0);
	assert_true(s.getppid > 0);
	assert_int_equal(s.kill_nr_errno, -ENOTTY);
	/* without the untraced address, the page's getpid is refused too */
	out.len = 0;
	assert_int_equal(filter_rewrite(prog.p, n, 0, map_edom, &calls, &out), 0);
	s = run_child(&out);
	assert_int_equal(s.getpid_page, -EDOM);
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
	assert_int_equal(filter_rewrite(ret_a, 2, 0, map_edom, &calls, &out), -EINVAL);
	assert_int_equal(filter_rewrite(ret_a, 0, 0, map_edom, &calls, &out), -EINVAL);
	struct sock_filter *big = calloc(BPF_MAXINSNS, sizeof *big);
	assert_non_null(big);
	big[BPF_MAXINSNS - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	assert_int_equal(filter_rewrite(big, BPF_MAXINSNS, 0, map_edom, &calls, &out), -E2BIG);
	free(big);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewritten),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
