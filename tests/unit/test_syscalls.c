/* test_syscalls.c - the syscall table's invariants and the output-memory
 * walker (sc_out_regions) over a fake in-memory tracee. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <asm/ioctls.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "../../common/syscalls.h"

/* ---- table invariants ---- */

static void test_table_entries(void **state)
{
	(void)state;
	int count = 0;
	for (int nr = 0; nr < SC_MAX; nr++) {
		const struct sc_desc *d = &sc_table[nr];
		if (!d->name) {
			/* an unnamed slot must be wholly empty */
			static const struct sc_desc zero;
			if (memcmp(d, &zero, sizeof zero))
				fail_msg("syscall %d: fields set but no name", nr);
			assert_null(sc_lookup(nr));
			continue;
		}
		count++;
		assert_ptr_equal(sc_lookup(nr), d);
		if (!d->name[0])
			fail_msg("syscall %d: empty name", nr);
		for (const char *p = d->name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				fail_msg("syscall %d: odd name %s", nr, d->name);
		if (d->nargs > 6)
			fail_msg("%s: %u args", d->name, d->nargs);
		if (d->cls <= SCC_UNKNOWN || d->cls >= SCC_NCLASSES)
			fail_msg("%s: class %u out of range", d->name, d->cls);
		if (d->echo > ECHO_IOV)
			fail_msg("%s: echo %u out of range", d->name, d->echo);
		if (d->echo && (d->nargs < 3 || d->cls != SCC_EMU))
			fail_msg("%s: echoes but has %u args, class %u", d->name, d->nargs, d->cls);
		char buf[32];
		assert_string_equal(sc_name(nr, buf), d->name);
	}
	assert_true(count >= 200);
}

static void test_table_unique_names(void **state)
{
	(void)state;
	for (int i = 0; i < SC_MAX; i++) {
		if (!sc_table[i].name)
			continue;
		for (int j = i + 1; j < SC_MAX; j++)
			if (sc_table[j].name && !strcmp(sc_table[i].name, sc_table[j].name))
				fail_msg("%s is both %d and %d", sc_table[i].name, i, j);
	}
}

/* Every output descriptor names arguments the syscall has. */
static void test_table_outputs(void **state)
{
	(void)state;
	for (int nr = 0; nr < SC_MAX; nr++) {
		const struct sc_desc *d = &sc_table[nr];
		if (!d->name)
			continue;
		int ended = 0;
		for (int i = 0; i < 3; i++) {
			const struct sc_out *o = &d->out[i];
			if (o->kind == OUT_NONE) {
				ended = 1;
				if (o->a || o->b || o->size)
					fail_msg("%s: out[%d] is none but has fields", d->name, i);
				continue;
			}
			if (ended)
				fail_msg("%s: out[%d] after a none", d->name, i);
			if (o->kind >= OUT_NKINDS)
				fail_msg("%s: out[%d] kind %u unknown to this test: add it", d->name, i, o->kind);
			if (d->echo)
				fail_msg("%s: echoes and writes memory", d->name);
			if (d->cls != SCC_EMU)
				fail_msg("%s: writes memory but class %u", d->name, d->cls);
			int need = o->a + 1; /* args the descriptor reads */
			switch (o->kind) {
			case OUT_FIXED:
			case OUT_RET_ELEMS:
				if (!o->size)
					fail_msg("%s: out[%d] size 0", d->name, i);
				break;
			case OUT_ARGLEN:
			case OUT_LENPTR:
			case OUT_IOV:
			case OUT_FDSET:
			case OUT_PAGEVEC:
				if (o->b + 1 > need)
					need = o->b + 1;
				if (o->kind == OUT_LENPTR && o->a == o->b)
					fail_msg("%s: length pointer is the buffer", d->name);
				break;
			case OUT_FDSETS:
				need = o->a + 3;
				if (o->b + 1 > need)
					need = o->b + 1;
				break;
			case OUT_IOCTL:
			case OUT_FCNTL:
				if (need < 3)
					need = 3;
				break;
			case OUT_SOCKOPT:
				if (need < 5)
					need = 5;
				break;
			case OUT_FUTEX:
			case OUT_KEYCTL:
				if (need < 5)
					need = 5;
				break;
			}
			if (need > d->nargs)
				fail_msg("%s: out[%d] (kind %u, a %u, b %u) reads arg %d of %u", d->name, i, o->kind,
					 o->a, o->b, need - 1, d->nargs);
		}
	}
}

/* The numbers are x86-64's and the names are the kernel's. */
static void test_table_numbers(void **state)
{
	(void)state;
	static const struct {
		long sys, nr;
		const char *name;
		int cls;
	} sample[] = {
		{SYS_read, 0, "read", SCC_EMU},
		{SYS_write, 1, "write", SCC_EMU},
		{SYS_open, 2, "open", SCC_EMU},
		{SYS_close, 3, "close", SCC_EMU},
		{SYS_stat, 4, "stat", SCC_EMU},
		{SYS_fstat, 5, "fstat", SCC_EMU},
		{SYS_mmap, 9, "mmap", SCC_MMAP},
		{SYS_mprotect, 10, "mprotect", SCC_EXEC},
		{SYS_munmap, 11, "munmap", SCC_EXEC},
		{SYS_brk, 12, "brk", SCC_BRK},
		{SYS_rt_sigaction, 13, "rt_sigaction", SCC_EXEC},
		{SYS_ioctl, 16, "ioctl", SCC_EMU},
		{SYS_pread64, 17, "pread64", SCC_EMU},
		{SYS_readv, 19, "readv", SCC_EMU},
		{SYS_writev, 20, "writev", SCC_EMU},
		{SYS_select, 23, "select", SCC_EMU},
		{SYS_mremap, 25, "mremap", SCC_MREMAP},
		{SYS_getpid, 39, "getpid", SCC_EMU},
		{SYS_accept, 43, "accept", SCC_EMU},
		{SYS_recvmsg, 47, "recvmsg", SCC_EMU},
		{SYS_clone, 56, "clone", SCC_PROCESS},
		{SYS_fork, 57, "fork", SCC_PROCESS},
		{SYS_execve, 59, "execve", SCC_EXECVE},
		{SYS_exit, 60, "exit", SCC_EXIT},
		{SYS_wait4, 61, "wait4", SCC_EMU},
		{SYS_uname, 63, "uname", SCC_EMU},
		{SYS_fcntl, 72, "fcntl", SCC_EMU},
		{SYS_getcwd, 79, "getcwd", SCC_EMU},
		{SYS_gettimeofday, 96, "gettimeofday", SCC_EMU},
		{SYS_arch_prctl, 158, "arch_prctl", SCC_EXEC},
		{SYS_gettid, 186, "gettid", SCC_EMU},
		{SYS_futex, 202, "futex", SCC_EMU},
		{SYS_set_tid_address, 218, "set_tid_address", SCC_EXEC_RES},
		{SYS_clock_gettime, 228, "clock_gettime", SCC_EMU},
		{SYS_exit_group, 231, "exit_group", SCC_EXIT},
		{SYS_epoll_wait, 232, "epoll_wait", SCC_EMU},
		{SYS_openat, 257, "openat", SCC_EMU},
		{SYS_newfstatat, 262, "newfstatat", SCC_EMU},
		{SYS_set_robust_list, 273, "set_robust_list", SCC_EXEC},
		{SYS_accept4, 288, "accept4", SCC_EMU},
		{SYS_pipe2, 293, "pipe2", SCC_EMU},
		{SYS_recvmmsg, 299, "recvmmsg", SCC_EMU},
		{SYS_prlimit64, 302, "prlimit64", SCC_EMU},
		{SYS_getrandom, 318, "getrandom", SCC_EMU},
		{SYS_execveat, 322, "execveat", SCC_EXECVE},
		{SYS_statx, 332, "statx", SCC_EMU},
		{SYS_rseq, 334, "rseq", SCC_REFUSE},
		{SYS_clone3, 435, "clone3", SCC_PROCESS},
		{SYS_close_range, 436, "close_range", SCC_EMU},
		{SYS_openat2, 437, "openat2", SCC_EMU},
	};
	for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++) {
		if (sample[i].sys != sample[i].nr)
			fail_msg("SYS_%s is %ld, want %ld", sample[i].name, sample[i].sys, sample[i].nr);
		const struct sc_desc *d = sc_lookup(sample[i].sys);
		if (!d)
			fail_msg("%s (%ld) not in the table", sample[i].name, sample[i].sys);
		assert_string_equal(d->name, sample[i].name);
		if (d->cls != sample[i].cls)
			fail_msg("%s: class %s, want %s", d->name, sc_class_name(d->cls), sc_class_name(sample[i].cls));
	}
	assert_int_equal(SYS_read, 0);
	assert_int_equal(SYS_openat, 257);
	/* writes that replay echoes */
	assert_int_equal(sc_lookup(SYS_write)->echo, ECHO_BUF);
	assert_int_equal(sc_lookup(SYS_pwrite64)->echo, ECHO_BUF);
	assert_int_equal(sc_lookup(SYS_writev)->echo, ECHO_IOV);
	assert_int_equal(sc_lookup(SYS_pwritev)->echo, ECHO_IOV);
	assert_int_equal(sc_lookup(SYS_pwritev2)->echo, ECHO_IOV);
	assert_int_equal(sc_lookup(SYS_read)->echo, ECHO_NONE);
	assert_int_equal(sc_lookup(SYS_read)->nargs, 3);
	assert_int_equal(sc_lookup(SYS_mmap)->nargs, 6);
}

static void test_lookup_and_names(void **state)
{
	(void)state;
	char buf[32];
	assert_null(sc_lookup(-1));
	assert_null(sc_lookup(SC_MAX));
	assert_null(sc_lookup(100000));
	assert_null(sc_lookup(-4096));
	assert_null(sc_lookup(400)); /* unassigned on x86-64 */
	assert_string_equal(sc_name(400, buf), "syscall_400");
	assert_string_equal(sc_name(-1, buf), "syscall_-1");
	assert_string_equal(sc_name(SYS_read, buf), "read");
	for (int i = 0; i < SCC_NCLASSES; i++) {
		assert_string_not_equal(sc_class_name(i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(sc_class_name(i), sc_class_name(j));
	}
	assert_string_equal(sc_class_name(SCC_UNKNOWN), "unknown");
	assert_string_equal(sc_class_name(SCC_EMU), "emulated");
	assert_string_equal(sc_class_name(-1), "?");
	assert_string_equal(sc_class_name(SCC_NCLASSES), "?");
}

/* Numbers the table lacks are recorded only with the kernel's -ENOSYS;
 * rt_sigaction is unrecorded under any number whose low 32 bits are its
 * own (the kernel and rec's filter read only those). */
static void test_unknown_numbers(void **state)
{
	(void)state;
	const long unknown[] = {-1, -1000, 400, SC_MAX - 1, SC_MAX, 1000, 0x40000000 + 1000, 0x100000000 + 1000};
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		assert_true(sc_unknown_recordable(unknown[i], -ENOSYS));
		assert_false(sc_unknown_recordable(unknown[i], 0));
		assert_false(sc_unknown_recordable(unknown[i], -EINVAL));
		assert_false(sc_unknown_recordable(unknown[i], 12345));
	}
	assert_false(sc_unknown_recordable(SYS_read, -ENOSYS));
	assert_false(sc_unknown_recordable(SYS_io_uring_setup, -ENOSYS)); /* refused: in the table */
	assert_true(sc_unrecorded(SYS_rt_sigaction));
	assert_true(sc_unrecorded(0x100000000 + SYS_rt_sigaction));
	assert_false(sc_unrecorded(SYS_rt_sigprocmask));
	assert_false(sc_unrecorded(-1));
	assert_false(sc_unrecorded(0x100000000 + SYS_rt_sigprocmask));
}

/* ---- the walker over a fake tracee ---- */

/* The fake tracee's memory is this process's: only the registered ranges
 * are readable. Regions are collected in order. */
struct fake {
	struct {
		uint64_t addr;
		size_t len;
	} seg[16];
	int nseg;
	struct {
		uint64_t addr, len;
	} out[64];
	int nout;
	int fail_at;  /* region number whose callback fails (-1: none) */
	long reads;
};

static uint64_t A(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof *f);
	f->fail_at = -1;
}

static void fake_map(struct fake *f, const void *p, size_t len)
{
	assert_true(f->nseg < 16);
	f->seg[f->nseg].addr = A(p);
	f->seg[f->nseg++].len = len;
}

static long fake_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct fake *f = ctx;
	f->reads++;
	for (int i = 0; i < f->nseg; i++)
		if (addr >= f->seg[i].addr && addr - f->seg[i].addr <= f->seg[i].len &&
		    len <= f->seg[i].len - (addr - f->seg[i].addr)) {
			memcpy(dst, (const void *)(uintptr_t)addr, len);
			return (long)len;
		}
	return -EFAULT;
}

static int fake_region(void *ctx, uint64_t addr, uint64_t len)
{
	struct fake *f = ctx;
	if (f->nout == f->fail_at)
		return -EFAULT;
	assert_true(addr != 0);
	assert_true(len != 0);
	if (f->nout < 64) {
		f->out[f->nout].addr = addr;
		f->out[f->nout].len = len;
	}
	f->nout++;
	return 0;
}

static int walk(struct fake *f, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		uint64_t a5, int64_t res)
{
	const struct sc_desc *d = sc_lookup(nr);
	assert_non_null(d);
	uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
	f->nout = 0;
	return sc_out_regions(d, args, res, fake_read, fake_region, f);
}

static void region_is(struct fake *f, int i, uint64_t addr, uint64_t len)
{
	if (i >= f->nout || i >= 64)
		fail_msg("region %d missing (%d regions)", i, f->nout);
	if (f->out[i].addr != addr || f->out[i].len != len)
		fail_msg("region %d: %#llx+%llu, want %#llx+%llu", i, (unsigned long long)f->out[i].addr,
			 (unsigned long long)f->out[i].len, (unsigned long long)addr, (unsigned long long)len);
}

/* sc_out_bound: what a call still in flight may write, from its arguments
 * alone (the length it was given, not the one it will return). */
static void test_out_bound(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	uint64_t args[6] = {3, 0x10000, 4096, 0, 0, 0};
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_read), args, fake_read, fake_region, &f), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x10000, 4096);
	uint64_t ep[6] = {5, 0x20000, 8, (uint64_t)-1, 0, 0}; /* epoll_wait(fd, events, 8, -1) */
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_epoll_wait), ep, fake_read, fake_region, &f), 0);
	region_is(&f, 0, 0x20000, 8 * 12);
	uint64_t gg[6] = {16, 0x30000, 0, 0, 0, 0}; /* getgroups(16, list): the count comes first */
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_getgroups), gg, fake_read, fake_region, &f), 0);
	region_is(&f, 0, 0x30000, 16 * 4);
	uint64_t aff[6] = {0, 128, 0x40000, 0, 0, 0}; /* sched_getaffinity(0, 128, mask) */
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_sched_getaffinity), aff, fake_read, fake_region, &f), 0);
	region_is(&f, 0, 0x40000, 128);
	uint64_t fx[6] = {0x50000, 128 /* FUTEX_WAIT|PRIVATE */, 0, 0, 0, 0};
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_futex), fx, fake_read, fake_region, &f), 0);
	assert_int_equal(f.nout, 0); /* a wait writes nothing */
	f.nout = 0;
	assert_int_equal(sc_out_bound(sc_lookup(SYS_write), args, fake_read, fake_region, &f), 0);
	assert_int_equal(f.nout, 0);
	/* Every length-by-result region names a length argument the call has. */
	for (int nr = 0; nr < SC_MAX; nr++)
		for (int i = 0; sc_table[nr].name && i < 3; i++) {
			const struct sc_out *o = &sc_table[nr].out[i];
			if ((o->kind == OUT_RET || o->kind == OUT_RET_ELEMS) && (o->b >= sc_table[nr].nargs || o->b == o->a))
				fail_msg("%s: output %d has no length argument (b=%d)", sc_table[nr].name, i, o->b);
		}
}

/* sc_pi_lock_word: only FUTEX_LOCK_PI and LOCK_PI2 set FUTEX_WAITERS at once. */
static void test_pi_lock_word(void **state)
{
	(void)state;
	uint64_t a[6] = {0x1234, 6 | 128, 0, 0, 0, 0};
	assert_int_equal(sc_pi_lock_word(SYS_futex, a), 0x1234);
	a[1] = 13;
	assert_int_equal(sc_pi_lock_word(SYS_futex, a), 0x1234);
	a[1] = 0 | 128;
	assert_int_equal(sc_pi_lock_word(SYS_futex, a), 0);
	a[1] = 6;
	assert_int_equal(sc_pi_lock_word(SYS_read, a), 0);
}

static void test_walk_ret(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_int_equal(walk(&f, SYS_read, 3, 0x10000, 4096, 0, 0, 0, 10), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x10000, 10);
	/* end of file, errors: nothing written */
	assert_int_equal(walk(&f, SYS_read, 3, 0x10000, 4096, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_read, 3, 0x10000, 4096, 0, 0, 0, -EINTR), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_read, 3, 0x10000, 4096, 0, 0, 0, -EFAULT), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_pread64, 3, 0x20000, 100, 7, 0, 0, 100), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x20000, 100);
	/* getcwd's buffer is arg 0; readlinkat's arg 2 */
	assert_int_equal(walk(&f, SYS_getcwd, 0x30000, 4096, 0, 0, 0, 0, 12), 0);
	region_is(&f, 0, 0x30000, 12);
	assert_int_equal(walk(&f, SYS_readlinkat, 3, 0x1, 0x40000, 100, 0, 0, 9), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x40000, 9);
	assert_int_equal(walk(&f, SYS_getrandom, 0x50000, 32, 0, 0, 0, 0, 32), 0);
	region_is(&f, 0, 0x50000, 32);
	/* a NULL buffer is never a region */
	assert_int_equal(walk(&f, SYS_read, 3, 0, 4096, 0, 0, 0, 10), 0);
	assert_int_equal(f.nout, 0);
	/* write writes no tracee memory */
	assert_int_equal(walk(&f, SYS_write, 1, 0x10000, 10, 0, 0, 0, 10), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(f.reads, 0);
}

static void test_walk_fixed(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_int_equal(walk(&f, SYS_fstat, 3, 0x1000, 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x1000, 144);
	assert_int_equal(walk(&f, SYS_newfstatat, 3, 0x7000, 0x2000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x2000, 144);
	assert_int_equal(walk(&f, SYS_clock_gettime, 1, 0x3000, 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x3000, 16);
	assert_int_equal(walk(&f, SYS_uname, 0x4000, 0, 0, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x4000, 390);
	assert_int_equal(walk(&f, SYS_pipe2, 0x5000, 0, 0, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x5000, 8);
	/* two outputs, one NULL */
	assert_int_equal(walk(&f, SYS_gettimeofday, 0x6000, 0x6100, 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, 0x6000, 16);
	region_is(&f, 1, 0x6100, 8);
	assert_int_equal(walk(&f, SYS_gettimeofday, 0x6000, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	assert_int_equal(walk(&f, SYS_getresuid, 0x10, 0x20, 0x30, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 2, 0x30, 4);
	/* wait4: status and rusage */
	assert_int_equal(walk(&f, SYS_wait4, (uint64_t)-1, 0x100, 0, 0x200, 0, 0, 1234), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, 0x100, 4);
	region_is(&f, 1, 0x200, 144);
}

/* A failed call writes nothing, except through OUT_FIXED (the time left
 * on EINTR, and the like). */
static void test_walk_failed(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_int_equal(walk(&f, SYS_clock_nanosleep, 1, 0, 0x1000, 0x2000, 0, 0, -EINTR), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x2000, 16);
	assert_int_equal(walk(&f, SYS_nanosleep, 0x1000, 0x2000, 0, 0, 0, 0, -EINTR), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x2000, 16);
	/* not OUT_FIXED: nothing */
	uint32_t len = 16;
	fake_map(&f, &len, sizeof len);
	assert_int_equal(walk(&f, SYS_accept, 3, 0x5000, A(&len), 0, 0, 0, -EAGAIN), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_recvmsg, 3, 0x5000, 0, 0, 0, 0, -EAGAIN), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_ioctl, 0, TCGETS, 0x5000, 0, 0, 0, -ENOTTY), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_epoll_wait, 3, 0x5000, 10, 0, 0, 0, -EINTR), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_readv, 3, 0x5000, 2, 0, 0, 0, -EBADF), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(f.reads, 0); /* nothing was even looked at */
	/* -4096 and below are not errors (a high mmap address, a large value) */
	assert_int_equal(walk(&f, SYS_read, 3, 0x10000, 4096, 0, 0, 0, -4096), 0);
	assert_int_equal(f.nout, 0); /* negative: not a byte count either */
	assert_int_equal(walk(&f, SYS_wait4, 1, 0x100, 0, 0, 0, 0, -4096), 0);
	assert_int_equal(f.nout, 1);
}

static void test_walk_iov(void **state)
{
	(void)state;
	struct fake f;
	char a[5], b[10], c[20];
	struct iovec iov[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
	fake_init(&f);
	fake_map(&f, iov, sizeof iov);
	/* 12 bytes: all of the first, 7 of the second */
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov), 3, 0, 0, 0, 12), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, A(a), 5);
	region_is(&f, 1, A(b), 7);
	/* everything */
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov), 3, 0, 0, 0, 35), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 2, A(c), 20);
	/* the count limits the walk */
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov), 2, 0, 0, 0, 35), 0);
	assert_int_equal(f.nout, 2);
	/* preadv's iovec is arg 1 too */
	assert_int_equal(walk(&f, SYS_preadv, 3, A(iov), 3, 0, 0, 0, 6), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 1, A(b), 1);
	assert_int_equal(walk(&f, SYS_preadv2, 3, A(iov), 3, 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 1);
	/* nothing read */
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov), 3, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* an empty and a NULL iovec are passed over */
	struct iovec iov2[3] = {{a, 0}, {NULL, 0}, {c, sizeof c}};
	fake_map(&f, iov2, sizeof iov2);
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov2), 3, 0, 0, 0, 4), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, A(c), 4);
	/* an unreadable iovec array stops the walk quietly */
	assert_int_equal(walk(&f, SYS_readv, 3, 0x10, 3, 0, 0, 0, 4), 0);
	assert_int_equal(f.nout, 0);
	/* a partly readable one gives what it can */
	assert_int_equal(walk(&f, SYS_readv, 3, A(&iov[2]), 3, 0, 0, 0, 35), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, A(c), 20);
}

static void test_walk_msghdr(void **state)
{
	(void)state;
	struct fake f;
	char name[16], d1[8], d2[100], ctl[32];
	struct iovec iov[2] = {{d1, sizeof d1}, {d2, sizeof d2}};
	struct msghdr m = {.msg_name = name, .msg_namelen = sizeof name, .msg_iov = iov, .msg_iovlen = 2,
			   .msg_control = ctl, .msg_controllen = sizeof ctl};
	fake_init(&f);
	fake_map(&f, &m, sizeof m);
	fake_map(&f, iov, sizeof iov);
	assert_int_equal(walk(&f, SYS_recvmsg, 3, A(&m), 0, 0, 0, 0, 11), 0);
	assert_int_equal(f.nout, 5);
	region_is(&f, 0, A(&m), sizeof m);
	region_is(&f, 1, A(name), 16);
	region_is(&f, 2, A(d1), 8);
	region_is(&f, 3, A(d2), 3);
	region_is(&f, 4, A(ctl), 32);
	/* zero bytes: the header, name and control still change */
	assert_int_equal(walk(&f, SYS_recvmsg, 3, A(&m), 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 2, A(ctl), 32);
	/* no name, no control, a name length capped at 128 */
	m.msg_name = NULL;
	m.msg_control = NULL;
	assert_int_equal(walk(&f, SYS_recvmsg, 3, A(&m), 0, 0, 0, 0, 108), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 2, A(d2), 100);
	m.msg_name = name;
	m.msg_namelen = 4000;
	assert_int_equal(walk(&f, SYS_recvmsg, 3, A(&m), 0, 0, 0, 0, 1), 0);
	region_is(&f, 1, A(name), 128);
	/* an unreadable msghdr: nothing */
	assert_int_equal(walk(&f, SYS_recvmsg, 3, 0x1234, 0, 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 0);
}

static void test_walk_mmsghdr(void **state)
{
	(void)state;
	struct fake f;
	char d0[10], d1[10];
	struct iovec iov0 = {d0, sizeof d0}, iov1 = {d1, sizeof d1};
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof mm);
	mm[0].msg_hdr.msg_iov = &iov0;
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[0].msg_len = 4;
	mm[1].msg_hdr.msg_iov = &iov1;
	mm[1].msg_hdr.msg_iovlen = 1;
	mm[1].msg_len = 10;
	assert_int_equal(sizeof mm[0], 64);
	fake_init(&f);
	fake_map(&f, mm, sizeof mm);
	fake_map(&f, &iov0, sizeof iov0);
	fake_map(&f, &iov1, sizeof iov1);
	/* two messages received: per message its length, header and data */
	assert_int_equal(walk(&f, SYS_recvmmsg, 3, A(mm), 3, 0, 0, 0, 2), 0);
	assert_int_equal(f.nout, 6);
	region_is(&f, 0, A(&mm[0].msg_len), 4);
	region_is(&f, 1, A(&mm[0].msg_hdr), sizeof(struct msghdr));
	region_is(&f, 2, A(d0), 4);
	region_is(&f, 3, A(&mm[1].msg_len), 4);
	region_is(&f, 4, A(&mm[1].msg_hdr), sizeof(struct msghdr));
	region_is(&f, 5, A(d1), 10);
	assert_int_equal(walk(&f, SYS_recvmmsg, 3, A(mm), 3, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_recvmmsg, 3, A(mm), 3, 0, 0, 0, -EAGAIN), 0);
	assert_int_equal(f.nout, 0);
}

static void test_walk_lenptr(void **state)
{
	(void)state;
	struct fake f;
	char addr[128];
	uint32_t len = 16;
	fake_init(&f);
	fake_map(&f, &len, sizeof len);
	/* accept(fd, addr, &len) -> the length and len bytes of address */
	assert_int_equal(walk(&f, SYS_accept, 3, A(addr), A(&len), 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, A(&len), 4);
	region_is(&f, 1, A(addr), 16);
	assert_int_equal(walk(&f, SYS_accept4, 3, A(addr), A(&len), 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 2);
	assert_int_equal(walk(&f, SYS_getsockname, 3, A(addr), A(&len), 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 2);
	/* at most 128 bytes of address */
	len = 100000;
	assert_int_equal(walk(&f, SYS_getpeername, 3, A(addr), A(&len), 0, 0, 0, 0), 0);
	region_is(&f, 1, A(addr), 128);
	/* no length pointer, or an unreadable one: nothing */
	assert_int_equal(walk(&f, SYS_accept, 3, A(addr), 0, 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_accept, 3, A(addr), 0x40, 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 0);
	/* no address buffer: only the length */
	len = 16;
	assert_int_equal(walk(&f, SYS_accept, 3, 0, A(&len), 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, A(&len), 4);
	/* recvfrom: data by result, then the address by length pointer */
	char buf[50];
	assert_int_equal(walk(&f, SYS_recvfrom, 3, A(buf), sizeof buf, 0, A(addr), A(&len), 20), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 0, A(buf), 20);
	region_is(&f, 1, A(&len), 4);
	region_is(&f, 2, A(addr), 16);
	/* getsockopt: the value by its length pointer, not capped */
	uint32_t optlen = 200;
	char val[200];
	fake_map(&f, &optlen, sizeof optlen);
	assert_int_equal(walk(&f, SYS_getsockopt, 3, 1, 2, A(val), A(&optlen), 0, 0), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, A(&optlen), 4);
	region_is(&f, 1, A(val), 200);
	assert_int_equal(walk(&f, SYS_getsockopt, 3, 1, 2, A(val), 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
}

static void test_walk_misc(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	/* poll: nfds pollfds of 8 bytes */
	assert_int_equal(walk(&f, SYS_poll, 0x1000, 3, 100, 0, 0, 0, 1), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x1000, 24);
	assert_int_equal(walk(&f, SYS_ppoll, 0x1000, 2, 0x2000, 0, 8, 0, 0), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, 0x1000, 16);
	region_is(&f, 1, 0x2000, 16);
	/* getgroups(size, list): as many ints as it returns */
	assert_int_equal(walk(&f, SYS_getgroups, 4, 0x3000, 0, 0, 0, 0, 2), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x3000, 8);
	assert_int_equal(walk(&f, SYS_getgroups, 0, 0, 0, 0, 0, 0, 5), 0);
	assert_int_equal(f.nout, 0);
	/* select: each non-NULL fd_set, rounded up to 64 descriptors */
	assert_int_equal(walk(&f, SYS_select, 65, 0x4000, 0, 0x4100, 0, 0, 1), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 0, 0x4000, 16);
	region_is(&f, 1, 0x4100, 16);
	assert_int_equal(walk(&f, SYS_pselect6, 1, 0x4000, 0x4080, 0x4100, 0, 0, 0), 0);
	assert_int_equal(f.nout, 3);
	region_is(&f, 1, 0x4080, 8);
	assert_int_equal(walk(&f, SYS_select, 0, 0x4000, 0x4080, 0x4100, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* the time left is written back, also when interrupted */
	assert_int_equal(walk(&f, SYS_select, 1, 0x4000, 0, 0, 0x4200, 0, 0), 0);
	assert_int_equal(f.nout, 2);
	region_is(&f, 1, 0x4200, 16);
	assert_int_equal(walk(&f, SYS_select, 1, 0x4000, 0, 0, 0x4200, 0, -EINTR), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x4200, 16);
	/* epoll_wait: result events of 12 bytes */
	assert_int_equal(walk(&f, SYS_epoll_wait, 3, 0x5000, 10, 100, 0, 0, 3), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x5000, 36);
	assert_int_equal(walk(&f, SYS_epoll_pwait, 3, 0x5000, 10, 100, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* fcntl: lock queries and F_GETOWN_EX write, others do not */
	assert_int_equal(walk(&f, SYS_fcntl, 3, F_GETLK, 0x6000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x6000, sizeof(struct flock));
	assert_int_equal(walk(&f, SYS_fcntl, 3, F_OFD_GETLK, 0x6000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	assert_int_equal(walk(&f, SYS_fcntl, 3, F_GETOWN_EX, 0x6000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x6000, sizeof(struct f_owner_ex));
	assert_int_equal(walk(&f, SYS_fcntl, 3, F_SETFL, 0x800, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_fcntl, 3, F_GETFL, 0, 0, 0, 0, 2), 0);
	assert_int_equal(f.nout, 0);
	/* calls that write nothing */
	assert_int_equal(walk(&f, SYS_close, 3, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(walk(&f, SYS_openat, (uint64_t)-100, 0x1000, 0, 0, 0, 0, 3), 0);
	assert_int_equal(walk(&f, SYS_mmap, 0, 4096, 3, 0x22, (uint64_t)-1, 0, 0x7f0000000000ll), 0);
	assert_int_equal(f.nout, 0);
}

static void test_walk_ioctl(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	assert_int_equal(walk(&f, SYS_ioctl, 0, TCGETS, 0x1000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 1);
	region_is(&f, 0, 0x1000, 36);
	assert_int_equal(walk(&f, SYS_ioctl, 1, TIOCGWINSZ, 0x2000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x2000, 8);
	assert_int_equal(walk(&f, SYS_ioctl, 1, FIONREAD, 0x2000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x2000, 4);
	/* requests that only read or do not touch memory */
	assert_int_equal(walk(&f, SYS_ioctl, 0, TCSETS, 0x1000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	assert_int_equal(walk(&f, SYS_ioctl, 0, FIONBIO, 0x1000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* encoded requests: _IOR writes its size */
	assert_int_equal(walk(&f, SYS_ioctl, 0, _IOR('x', 7, char[24]), 0x3000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x3000, 24);
	assert_int_equal(walk(&f, SYS_ioctl, 0, _IOWR('x', 7, char[100]), 0x3000, 0, 0, 0, 0), 0);
	region_is(&f, 0, 0x3000, 100);
	assert_int_equal(walk(&f, SYS_ioctl, 0, _IOW('x', 7, char[100]), 0x3000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* unknown: nothing (the recorder decides what to do) */
	assert_int_equal(walk(&f, SYS_ioctl, 0, 0x54ff, 0x3000, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
	/* a NULL pointer */
	assert_int_equal(walk(&f, SYS_ioctl, 0, TCGETS, 0, 0, 0, 0, 0), 0);
	assert_int_equal(f.nout, 0);
}

static void test_ioctl_out_size(void **state)
{
	(void)state;
	assert_int_equal(sc_ioctl_out_size(TCGETS), 36);
	assert_int_equal(sc_ioctl_out_size(TIOCGWINSZ), 8);
	assert_int_equal(sc_ioctl_out_size(FIONREAD), 4);
	assert_int_equal(sc_ioctl_out_size(TIOCGPGRP), 4);
	assert_int_equal(sc_ioctl_out_size(TIOCGSID), 4);
	assert_int_equal(sc_ioctl_out_size(TIOCOUTQ), 4);
	assert_int_equal(sc_ioctl_out_size(TCSETS), 0);
	assert_int_equal(sc_ioctl_out_size(TCSETSW), 0);
	assert_int_equal(sc_ioctl_out_size(TIOCSWINSZ), 0);
	assert_int_equal(sc_ioctl_out_size(FIONBIO), 0);
	assert_int_equal(sc_ioctl_out_size(FIOCLEX), 0);
	assert_int_equal(sc_ioctl_out_size(TIOCSCTTY), 0);
	assert_int_equal(sc_ioctl_out_size(TCFLSH), 0);
	/* encoded requests */
	assert_int_equal(sc_ioctl_out_size(_IOR('T', 0x30, unsigned int)), 4); /* TIOCGPTN */
	assert_int_equal(sc_ioctl_out_size(_IOR('f', 1, long)), 8);          /* FS_IOC_GETFLAGS */
	assert_int_equal(sc_ioctl_out_size(_IOWR('x', 1, char[300])), 300);
	assert_int_equal(sc_ioctl_out_size(_IOW('T', 0x31, int)), 0);         /* TIOCSPTLCK */
	assert_int_equal(sc_ioctl_out_size(_IO('x', 1)), 0);
	/* unknown old-style requests */
	assert_int_equal(sc_ioctl_out_size(0x54ff), -1);
	assert_int_equal(sc_ioctl_out_size(0x5499), -1);
	assert_int_equal(sc_ioctl_out_size(_IO(0x01, 2)), -1);
}

/* The region callback's error stops the walk and is returned. */
static void test_walk_stops(void **state)
{
	(void)state;
	struct fake f;
	fake_init(&f);
	f.fail_at = 1;
	assert_int_equal(walk(&f, SYS_getresuid, 0x10, 0x20, 0x30, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(f.nout, 1);
	f.fail_at = 0;
	assert_int_equal(walk(&f, SYS_clock_nanosleep, 1, 0, 0x1000, 0x2000, 0, 0, -EINTR), -EFAULT);
	assert_int_equal(f.nout, 0);
	char a[4], b[4];
	struct iovec iov[2] = {{a, 4}, {b, 4}};
	fake_map(&f, iov, sizeof iov);
	f.fail_at = 1;
	assert_int_equal(walk(&f, SYS_readv, 3, A(iov), 2, 0, 0, 0, 8), -EFAULT);
	assert_int_equal(f.nout, 1);
	char name[8], d[4];
	struct iovec iov1 = {d, sizeof d};
	struct msghdr m = {.msg_name = name, .msg_namelen = 8, .msg_iov = &iov1, .msg_iovlen = 1};
	fake_map(&f, &m, sizeof m);
	fake_map(&f, &iov1, sizeof iov1);
	for (int k = 0; k < 3; k++) {
		f.fail_at = k;
		assert_int_equal(walk(&f, SYS_recvmsg, 3, A(&m), 0, 0, 0, 0, 4), -EFAULT);
		assert_int_equal(f.nout, k);
	}
	uint32_t len = 8;
	fake_map(&f, &len, sizeof len);
	f.fail_at = 0;
	assert_int_equal(walk(&f, SYS_accept, 3, A(name), A(&len), 0, 0, 0, 4), -EFAULT);
	f.fail_at = 1;
	assert_int_equal(walk(&f, SYS_accept, 3, A(name), A(&len), 0, 0, 0, 4), -EFAULT);
	assert_int_equal(f.nout, 1);
}

/* Every table entry walks any arguments without crashing, over memory
 * that is partly readable garbage. */
static void test_walk_everything(void **state)
{
	(void)state;
	static uint8_t garbage[4096];
	uint32_t seed = 1;
	for (size_t i = 0; i < sizeof garbage; i++) {
		seed = seed * 1103515245u + 12345u;
		garbage[i] = (uint8_t)(seed >> 16);
	}
	/* iovecs and msghdrs inside the garbage point back into it, with small lengths */
	struct iovec *iov = (struct iovec *)garbage;
	for (int i = 0; i < 16; i++) {
		iov[i].iov_base = garbage + 1024 + i * 64;
		iov[i].iov_len = (size_t)i * 7;
	}
	struct msghdr *m = (struct msghdr *)(garbage + 512);
	m->msg_name = garbage + 2048;
	m->msg_iov = iov;
	m->msg_iovlen = 16;
	m->msg_control = garbage + 3000;
	m->msg_controllen = 50;
	uint64_t vals[] = {0, 1, 3, 16, 100, 4096, A(garbage), A(garbage + 512), A(garbage + 4090),
			   0x10, (uint64_t)-1, 0x8000000000000000ull};
	size_t nv = sizeof vals / sizeof vals[0];
	static const int64_t results[] = {0, 1, 2, 16, 100, -1, -EINTR, -4095, -4096, 0x7f0000000000ll};
	struct fake f;
	fake_init(&f);
	fake_map(&f, garbage, sizeof garbage);
	for (int nr = 0; nr < SC_MAX; nr++) {
		const struct sc_desc *d = sc_lookup(nr);
		if (!d)
			continue;
		for (int iter = 0; iter < 200; iter++) {
			uint64_t args[6];
			for (int i = 0; i < 6; i++) {
				seed = seed * 1103515245u + 12345u;
				args[i] = vals[(seed >> 8) % nv];
			}
			seed = seed * 1103515245u + 12345u;
			int64_t res = results[(seed >> 8) % (sizeof results / sizeof results[0])];
			f.nout = 0;
			f.fail_at = iter % 7 == 0 ? (int)(iter % 3) : -1;
			int r = sc_out_regions(d, args, res, fake_read, fake_region, &f);
			assert_true(r == 0 || r == -EFAULT);
			assert_true(f.nout <= 1024);
		}
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_entries),
		cmocka_unit_test(test_table_unique_names),
		cmocka_unit_test(test_table_outputs),
		cmocka_unit_test(test_table_numbers),
		cmocka_unit_test(test_lookup_and_names),
		cmocka_unit_test(test_unknown_numbers),
		cmocka_unit_test(test_walk_ret),
		cmocka_unit_test(test_walk_fixed),
		cmocka_unit_test(test_walk_failed),
		cmocka_unit_test(test_walk_iov),
		cmocka_unit_test(test_walk_msghdr),
		cmocka_unit_test(test_walk_mmsghdr),
		cmocka_unit_test(test_walk_lenptr),
		cmocka_unit_test(test_walk_misc),
		cmocka_unit_test(test_walk_ioctl),
		cmocka_unit_test(test_ioctl_out_size),
		cmocka_unit_test(test_walk_stops),
		cmocka_unit_test(test_walk_everything),
		cmocka_unit_test(test_out_bound),
		cmocka_unit_test(test_pi_lock_word),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
