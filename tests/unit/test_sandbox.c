/* test_sandbox.c - replay's sandbox (common/sandbox.c), the seccomp
 * backstop every replayed process runs under, tried for real: a child
 * loads the filter and makes one syscall of each family that could act
 * outside a replay (files, sockets, signals to other processes, untraced
 * children, exec, debugging other processes, physical memory, another
 * ABI); the kernel must kill it with SIGSYS, and the effect must be
 * absent. What replay itself needs (mmap, signal state, exit; its own
 * injections with the cookie) must still work. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../../common/sandbox.h"

#define COOKIE 0x5eed1e55c0ffee11ull

struct call {
	long nr;
	uint64_t a[6];
};

/* Runs one syscall in a child under the sandbox; returns its wait status.
 * The child exits 0 if the call returned (whatever it returned). */
static int run_sandboxed(const struct call *c)
{
	struct buf bpf = {0};
	assert_int_equal(sandbox_bpf(COOKIE, &bpf), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sandbox_install(&bpf))
			_exit(99);
		syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
		syscall(SYS_exit_group, 0);
	}
	buf_free(&bpf);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_killed(const struct call *c)
{
	int status = run_sandboxed(c);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("syscall %ld: wait status %#x, want a SIGSYS death", c->nr, status);
}

static void assert_allowed(const struct call *c)
{
	int status = run_sandboxed(c);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("syscall %ld: wait status %#x, want it to run", c->nr, status);
}

static char *scratch_path(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "/tmp/heisen-sandbox-%d-%s", (int)getpid(), name);
	unlink(path);
	return path;
}

static void test_files(void **state)
{
	(void)state;
	char *p = scratch_path("created");
	/* Creating, even with the cookie: replay opens existing files only. */
	assert_killed(&(struct call){SYS_openat, {(uint64_t)AT_FDCWD, (uint64_t)p, O_CREAT | O_WRONLY, 0644}});
	assert_killed(&(struct call){SYS_openat, {(uint64_t)AT_FDCWD, (uint64_t)p, O_CREAT | O_RDWR, 0644, 0, COOKIE}});
	assert_killed(&(struct call){SYS_creat, {(uint64_t)p, 0644}});
	assert_killed(&(struct call){SYS_mkdir, {(uint64_t)p, 0755}});
	assert_killed(&(struct call){SYS_mknod, {(uint64_t)p, S_IFCHR | 0666, makedev(1, 3)}});
	assert_int_equal(access(p, F_OK), -1);
	/* Changing an existing file. */
	int fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_killed(&(struct call){SYS_unlink, {(uint64_t)p}});
	assert_killed(&(struct call){SYS_chmod, {(uint64_t)p, 04777}});
	assert_killed(&(struct call){SYS_truncate, {(uint64_t)p, 4096}});
	assert_killed(&(struct call){SYS_rename, {(uint64_t)p, (uint64_t)"/tmp/heisen-sandbox-renamed"}});
	assert_killed(&(struct call){SYS_openat, {(uint64_t)AT_FDCWD, (uint64_t)p, O_RDWR}}); /* no cookie */
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 0);
	/* Replay's own open of a trace file, with the cookie, goes through. */
	assert_allowed(&(struct call){SYS_openat, {(uint64_t)AT_FDCWD, (uint64_t)p, O_RDONLY, 0, 0, COOKIE}});
	assert_allowed(&(struct call){SYS_close, {100, 0, 0, 0, 0, COOKIE}});
	assert_killed(&(struct call){SYS_close, {100}});
	unlink(p);
}

static void test_output(void **state)
{
	(void)state;
	static const char text[] = "escaped\n";
	assert_killed(&(struct call){SYS_write, {1, (uint64_t)text, sizeof text - 1}});
	assert_killed(&(struct call){SYS_pwrite64, {1, (uint64_t)text, sizeof text - 1, 0}});
	assert_killed(&(struct call){SYS_sendfile, {1, 0, 0, 10}});
}

static void test_network(void **state)
{
	(void)state;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0x7f000001)};
	assert_killed(&(struct call){SYS_socket, {AF_INET, SOCK_STREAM, 0}});
	assert_killed(&(struct call){SYS_connect, {0, (uint64_t)&a, sizeof a}});
	assert_killed(&(struct call){SYS_sendto, {0, (uint64_t)"x", 1, 0, (uint64_t)&a, sizeof a}});
}

static void test_signals_outside(void **state)
{
	(void)state;
	pid_t victim = fork();
	assert_true(victim >= 0);
	if (victim == 0) {
		pause();
		_exit(0);
	}
	assert_killed(&(struct call){SYS_kill, {(uint64_t)victim, SIGTERM}});
	assert_killed(&(struct call){SYS_tgkill, {(uint64_t)victim, (uint64_t)victim, SIGTERM}});
	assert_killed(&(struct call){SYS_kill, {(uint64_t)-1, SIGTERM}});
	int status;
	assert_int_equal(waitpid(victim, &status, WNOHANG), 0); /* still there */
	kill(victim, SIGKILL);
	waitpid(victim, &status, 0);
}

static void test_processes(void **state)
{
	(void)state;
	/* An untraced child would run outside replay's control. */
	assert_killed(&(struct call){SYS_clone, {CLONE_UNTRACED | SIGCHLD}});
	assert_killed(&(struct call){SYS_execve, {(uint64_t)"/bin/true", 0, 0}});
	assert_killed(&(struct call){SYS_execveat, {(uint64_t)AT_FDCWD, (uint64_t)"/bin/true", 0, 0, 0}});
	assert_killed(&(struct call){SYS_ptrace, {16 /* PTRACE_ATTACH */, 1}});
	assert_killed(&(struct call){SYS_process_vm_writev, {1, 0, 0, 0, 0, 0}});
	assert_killed(&(struct call){SYS_io_uring_setup, {8, 0}});
	assert_killed(&(struct call){SYS_bpf, {0, 0, 0}});
	/* A traced fork, as the recording did, is replay's to re-run. */
	assert_allowed(&(struct call){SYS_clone, {SIGCHLD}});
}

static void test_memory(void **state)
{
	(void)state;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_killed(&(struct call){SYS_madvise, {(uint64_t)p, 4096, 100 /* MADV_HWPOISON */}});
	assert_killed(&(struct call){SYS_madvise, {(uint64_t)p, 4096, 101 /* MADV_SOFT_OFFLINE */}});
	assert_killed(&(struct call){SYS_madvise, {(uint64_t)p, 4096, 100 | (1ull << 32)}});
	assert_allowed(&(struct call){SYS_madvise, {(uint64_t)p, 4096, 4 /* MADV_DONTNEED */}});
	assert_allowed(&(struct call){SYS_mprotect, {(uint64_t)p, 4096, PROT_READ}});
	assert_allowed(&(struct call){SYS_mmap, {0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0}});
	assert_allowed(&(struct call){SYS_rt_sigprocmask, {SIG_SETMASK, 0, 0, 8}});
	munmap(p, 4096);
}

/* A child that makes a syscall of another ABI: int 0x80 (i386 getpid, 20)
 * or x32 (getpid | 0x40000000). */
static void test_other_abi(void **state)
{
	(void)state;
	struct buf bpf = {0};
	assert_int_equal(sandbox_bpf(COOKIE, &bpf), 0);
	for (int kind = 0; kind < 2; kind++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (sandbox_install(&bpf))
				_exit(99);
			long ret;
			if (kind == 0)
				__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
			else
				__asm__ volatile("syscall" : "=a"(ret) : "a"(0x40000000L | SYS_getpid) : "rcx", "r11", "memory");
			syscall(SYS_exit_group, 0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("%s: wait status %#x, want a SIGSYS death", kind ? "x32" : "int 0x80", status);
	}
	buf_free(&bpf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),     cmocka_unit_test(test_output),
		cmocka_unit_test(test_network),   cmocka_unit_test(test_signals_outside),
		cmocka_unit_test(test_processes), cmocka_unit_test(test_memory),
		cmocka_unit_test(test_other_abi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
