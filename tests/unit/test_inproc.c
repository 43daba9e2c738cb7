/* test_inproc.c - the in-process library (inproc/, common/inproc.c), run
 * for real: the embedded blob is mapped at IL_BASE in this process and
 * called as a patched site's trampoline would. A seccomp filter like rec's
 * makes every syscall the library's code issues raise SIGSYS; the handler
 * notes which instruction made it (untraced or traced) and performs it, so
 * the tests see which path each call took, and that replay makes none.
 * Last, a glibc-style syscall site patched to call it (inproc_site.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "../../common/inproc.h"
#include "../../common/inproc_site.h"

extern const char heisen_inproc_start[], heisen_inproc_end[];

static const struct il_header *hdr;
static struct il_ring_hdr *rh; /* the ring's header: released is rec's tail in RECORD mode */
static struct il_ctl *ctl;
static char *ring;
static uint64_t entry;

/* What the SIGSYS and SIGTRAP handlers saw. */
static int untraced_n, traced_n, traps;
static int untraced_nr[512]; /* untraced calls by number */
static long last_nr;
static uint64_t trap_rip;
static sigjmp_buf trap_jmp;
static int trap_feeds; /* SIGTRAP: 1 feeds the ring (below), 2 sets go_traced, 0 jumps out */
static long feed_nr, feed_result;

/* The syscalls the tests allow. */
static const long allowed_nrs[] = {SYS_clock_gettime, SYS_gettimeofday, SYS_time, SYS_getpid,
				   SYS_gettid,        SYS_getppid,      SYS_getuid,
				   SYS_nanosleep /* for its `always` region */};
#define NALLOWED ((int)(sizeof allowed_nrs / sizeof allowed_nrs[0]))

static void on_sys(int sig, siginfo_t *si, void *uc_)
{
	(void)sig;
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	int e = errno;
	uint64_t at = (uint64_t)(uintptr_t)si->si_call_addr;
	if (at == IL_BASE + hdr->untraced_ret) {
		untraced_n++;
		if (si->si_syscall >= 0 && si->si_syscall < 512)
			untraced_nr[si->si_syscall]++;
	}
	else if (at == IL_BASE + hdr->traced_ret)
		traced_n++;
	else
		abort(); /* a syscall from elsewhere in the library */
	last_nr = si->si_syscall;
	long r = syscall(si->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]);
	g[REG_RAX] = r == -1 ? -errno : r;
	errno = e;
}

/* Appends a ring entry as replay would: nr(args) returned result and
 * wrote data. */
static void put_entry(long nr, const uint64_t *args, unsigned nargs, int64_t result, const void *data,
		      size_t len, uint16_t flags)
{
	struct il_entry *e = il_ring_at(ring, ctl->head);
	e->nr = (uint16_t)nr;
	e->flags = flags;
	e->length = il_entry_len(len);
	e->hash = il_args_hash(args, nargs);
	e->result = result;
	if (len)
		memcpy(e + 1, data, len);
	ctl->head += e->length;
}

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = uc_;
	trap_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	traps++;
	if (trap_feeds == 1) {
		put_entry(feed_nr, NULL, 0, feed_result, NULL, 0, 0);
		return;
	}
	if (trap_feeds == 2) {
		ctl->go_traced = 1;
		return;
	}
	siglongjmp(trap_jmp, 1);
}

/* The library's syscall instructions trap (SIGSYS) wherever they are:
 * both in the 4 GiB from IL_BASE. */
static void install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(IL_BASE >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	assert_int_equal(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	assert_int_equal(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog), 0);
}

static int setup(void **state)
{
	(void)state;
	size_t size = (size_t)(heisen_inproc_end - heisen_inproc_start);
	char *base = mmap((void *)IL_BASE, IL_MAP_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (base != (char *)IL_BASE || size > IL_TEXT_MAX)
		return -1;
	memcpy(base, heisen_inproc_start, size);
	if (mprotect(base, IL_TEXT_MAX, PROT_READ | PROT_EXEC))
		return -1;
	hdr = (const struct il_header *)base;
	ctl = (struct il_ctl *)(base + IL_CTL_OFF);
	ring = base + IL_BUF_OFF;
	rh = (struct il_ring_hdr *)(base + IL_RING_HDR_OFF);
	entry = IL_BASE + hdr->entry;

	static char altstack[64 * 1024];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	if (sigaltstack(&ss, NULL))
		return -1;
	install_filter();
	return 0;
}

/* The handlers, on the alternate stack (the library's is small); set in
 * each test, as cmocka sets its own SIGSYS handler around each. */
static void handlers(void)
{
	struct sigaction sa = {.sa_sigaction = on_sys, .sa_flags = SA_SIGINFO | SA_ONSTACK};
	assert_int_equal(sigaction(SIGSYS, &sa, NULL), 0);
	sa.sa_sigaction = on_trap;
	assert_int_equal(sigaction(SIGTRAP, &sa, NULL), 0);
}

/* A fresh control area in mode, the tests' calls allowed. */
static void reset(uint32_t mode)
{
	handlers();
	assert_int_equal(il_ctl_init(ctl, allowed_nrs, NALLOWED), 0);
	ctl->mode = mode;
	memset(rh, 0, sizeof *rh);
	untraced_n = traced_n = traps = 0;
	memset(untraced_nr, 0, sizeof untraced_nr);
	last_nr = -1;
	trap_feeds = 0;
}

/* Calls the library as a patched site's trampoline does. */
static long lib(long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register long rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a0, rsi __asm__("rsi") = a1, rdx __asm__("rdx") = a2;
	register uint64_t r10 __asm__("r10") = 0, r8 __asm__("r8") = 0, r9 __asm__("r9") = 0;
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *%[e]\n\tlea 128(%%rsp), %%rsp"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : [e] "r"(entry)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}

/* The next ring entry at *pos (past a wrap marker), checked against nr,
 * args, result and data; *pos moves past it. */
static void check_entry(uint64_t *pos, long nr, const uint64_t *args, unsigned nargs, int64_t result,
			const void *data, size_t len)
{
	struct il_entry *e = il_ring_at(ring, *pos);
	if (e->nr == IL_NR_WRAP) {
		*pos += e->length;
		e = il_ring_at(ring, *pos);
	}
	assert_true(*pos < ctl->head);
	assert_int_equal(e->nr, nr);
	assert_int_equal(e->length, il_entry_len(len));
	assert_int_equal(e->hash, il_args_hash(args, nargs));
	assert_int_equal(e->result, result);
	if (len)
		assert_memory_equal(e + 1, data, len);
	*pos += e->length;
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void test_header(void **state)
{
	(void)state;
	const uint8_t *b = (const uint8_t *)IL_BASE;
	assert_int_equal(hdr->magic, IL_MAGIC);
	assert_int_equal(hdr->version, IL_VERSION);
	assert_int_equal(hdr->size, heisen_inproc_end - heisen_inproc_start);
	assert_true(hdr->entry >= sizeof *hdr && hdr->entry < hdr->size);
	assert_int_equal(b[hdr->untraced_ret - 2], 0x0f); /* syscall */
	assert_int_equal(b[hdr->untraced_ret - 1], 0x05);
	assert_int_equal(hdr->traced_ret, hdr->traced + 2);
	assert_int_equal(b[hdr->traced], 0x0f);
	assert_int_equal(b[hdr->traced + 1], 0x05);
	assert_int_equal(b[hdr->trap_ret - 1], 0xcc); /* int3 */
}

static void test_record(void **state)
{
	(void)state;
	reset(IL_MODE_RECORD);
	uint64_t pos = ctl->head;

	struct timespec before, ts, after;
	clock_gettime(CLOCK_MONOTONIC, &before);
	uint64_t a_cg[2] = {CLOCK_MONOTONIC, (uint64_t)(uintptr_t)&ts};
	assert_int_equal(lib(SYS_clock_gettime, a_cg[0], a_cg[1], 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &after);
	assert_true(ns(&before) <= ns(&ts) && ns(&ts) <= ns(&after));

	struct timeval tv;
	struct timezone tz, tz_real;
	struct timeval tv_before;
	gettimeofday(&tv_before, &tz_real);
	uint64_t a_tod[2] = {(uint64_t)(uintptr_t)&tv, (uint64_t)(uintptr_t)&tz};
	assert_int_equal(lib(SYS_gettimeofday, a_tod[0], a_tod[1], 0), 0);
	assert_true(tv.tv_sec >= tv_before.tv_sec && tv.tv_sec <= tv_before.tv_sec + 1);
	assert_memory_equal(&tz, &tz_real, sizeof tz);
	char tod[sizeof tv + sizeof tz]; /* the bytes the entry holds */
	memcpy(tod, &tv, sizeof tv);
	memcpy(tod + sizeof tv, &tz, sizeof tz);
	struct timeval tv2;
	uint64_t a_tod0[2] = {(uint64_t)(uintptr_t)&tv2, 0}; /* no timezone: one region */
	assert_int_equal(lib(SYS_gettimeofday, a_tod0[0], 0, 0), 0);

	time_t t = 0, t0 = time(NULL);
	uint64_t a_t[1] = {(uint64_t)(uintptr_t)&t};
	long r_t = lib(SYS_time, a_t[0], 0, 0);
	assert_int_equal(r_t, t);
	assert_true(t >= t0 && t <= t0 + 1);
	uint64_t a_t0[1] = {0};
	long r_t0 = lib(SYS_time, 0, 0, 0);
	assert_true(r_t0 >= t0 && r_t0 <= t0 + 1);

	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(lib(SYS_gettid, 0, 0, 0), syscall(SYS_gettid));
	assert_int_equal(lib(SYS_getppid, 0, 0, 0), getppid());
	assert_int_equal(lib(SYS_getuid, 0, 0, 0), getuid());
	struct timespec bad;
	uint64_t a_bad[2] = {12345, (uint64_t)(uintptr_t)&bad};
	assert_int_equal(lib(SYS_clock_gettime, a_bad[0], a_bad[1], 0), -EINVAL);

	/* each made untraced, none traced, and each in the ring */
	assert_int_equal(untraced_n, 10);
	assert_int_equal(traced_n, 0);
	check_entry(&pos, SYS_clock_gettime, a_cg, 2, 0, &ts, sizeof ts);
	check_entry(&pos, SYS_gettimeofday, a_tod, 2, 0, tod, sizeof tod);
	check_entry(&pos, SYS_gettimeofday, a_tod0, 2, 0, &tv2, sizeof tv2);
	check_entry(&pos, SYS_time, a_t, 1, r_t, &t, sizeof t);
	check_entry(&pos, SYS_time, a_t0, 1, r_t0, NULL, 0);
	check_entry(&pos, SYS_getpid, NULL, 0, getpid(), NULL, 0);
	check_entry(&pos, SYS_gettid, NULL, 0, syscall(SYS_gettid), NULL, 0);
	check_entry(&pos, SYS_getppid, NULL, 0, getppid(), NULL, 0);
	check_entry(&pos, SYS_getuid, NULL, 0, getuid(), NULL, 0);
	check_entry(&pos, SYS_clock_gettime, a_bad, 2, -EINVAL, NULL, 0);
	assert_int_equal(pos, ctl->head);
	assert_int_equal(ctl->busy, 0);
}

/* Calls that may not be buffered are made at the traced instruction, with
 * their real result, and leave the ring alone. */
static void test_traced(void **state)
{
	(void)state;
	reset(IL_MODE_RECORD);
	assert_int_equal(lib(SYS_getegid, 0, 0, 0), getegid()); /* emulated but not allowed */
	assert_int_equal(last_nr, SYS_getegid);
	assert_int_equal(lib(600, 0, 0, 0), -ENOSYS); /* past the table */
	assert_int_equal(lib(-1, 0, 0, 0), -ENOSYS);
	assert_int_equal(traced_n, 3);
	assert_int_equal(untraced_n, 0);
	assert_int_equal(ctl->head, 0);

	/* mode OFF: everything traced */
	reset(IL_MODE_OFF);
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(traced_n, 1);
	assert_int_equal(untraced_n, 0);
	assert_int_equal(ctl->head, 0);

	/* busy (a handler inside the library's call): traced */
	reset(IL_MODE_RECORD);
	ctl->busy = 1;
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(traced_n, 1);
	assert_int_equal(ctl->head, 0);
	assert_int_equal(ctl->busy, 1); /* left to the outer call */
	ctl->busy = 0;
}

/* A full ring makes the call traced; an entry that would cross the end
 * of the ring starts at its beginning after a wrap marker. */
static void test_ring_room(void **state)
{
	(void)state;
	reset(IL_MODE_RECORD);
	ctl->head = IL_BUF_SIZE - 16; /* 16 bytes free: less than an entry */
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(traced_n, 1);
	assert_int_equal(ctl->head, IL_BUF_SIZE - 16);

	/* room for a getpid entry exactly */
	ctl->head = IL_BUF_SIZE - sizeof(struct il_entry);
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(untraced_n, 1);
	assert_int_equal(ctl->head, IL_BUF_SIZE);

	/* rec's tail lags behind, 32 bytes free: a clock_gettime entry (40
	 * bytes) goes traced, a getpid (24) fits */
	ctl->tail = rh->released = 3 * IL_BUF_SIZE / 4;
	ctl->head = ctl->tail + IL_BUF_SIZE - 32;
	struct timespec ts;
	uint64_t a_cg[2] = {CLOCK_REALTIME, (uint64_t)(uintptr_t)&ts};
	assert_int_equal(lib(SYS_clock_gettime, a_cg[0], a_cg[1], 0), 0);
	assert_int_equal(traced_n, 2);
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), getpid());
	assert_int_equal(untraced_n, 2);
	assert_int_equal(ctl->head, ctl->tail + IL_BUF_SIZE - 8);

	/* empty ring ending 16 bytes before the end: wrap */
	reset(IL_MODE_RECORD);
	ctl->head = ctl->tail = rh->released = 5 * (uint64_t)IL_BUF_SIZE - 16;
	uint64_t pos = ctl->head;
	assert_int_equal(lib(SYS_clock_gettime, a_cg[0], a_cg[1], 0), 0);
	struct il_entry *w = il_ring_at(ring, pos);
	assert_int_equal(w->nr, IL_NR_WRAP);
	assert_int_equal(w->length, 16);
	assert_int_equal(ctl->head, 5 * (uint64_t)IL_BUF_SIZE + il_entry_len(sizeof ts));
	check_entry(&pos, SYS_clock_gettime, a_cg, 2, 0, &ts, sizeof ts);
	assert_int_equal(pos, ctl->head);
	assert_int_equal(untraced_n, 1);
	assert_int_equal(traced_n, 0);
}

/* REPLAY: recorded results and bytes come back, no syscall is made. */
static void test_replay(void **state)
{
	(void)state;
	reset(IL_MODE_REPLAY);
	ctl->head = ctl->tail = IL_BUF_SIZE - 48; /* the feed wraps */

	struct timespec ts = {0}, rec_ts = {12345, 678};
	uint64_t a_cg[2] = {CLOCK_MONOTONIC, (uint64_t)(uintptr_t)&ts};
	put_entry(SYS_clock_gettime, a_cg, 2, 0, &rec_ts, sizeof rec_ts, 0);
	struct {
		struct timeval tv;
		struct timezone tz;
	} tod = {0}, rec_tod = {{111, 222}, {-60, 1}};
	uint64_t a_tod[2] = {(uint64_t)(uintptr_t)&tod.tv, (uint64_t)(uintptr_t)&tod.tz};
	uint64_t w = ctl->head;
	il_ring_at(ring, w)->nr = IL_NR_WRAP; /* 8 bytes left at the end: a wrap marker */
	il_ring_at(ring, w)->length = (uint32_t)(IL_BUF_SIZE - (w & (IL_BUF_SIZE - 1)));
	ctl->head += il_ring_at(ring, w)->length;
	put_entry(SYS_gettimeofday, a_tod, 2, 0, &rec_tod, sizeof rec_tod, 0);
	time_t t = 0, rec_t = 42;
	uint64_t a_t[1] = {(uint64_t)(uintptr_t)&t};
	put_entry(SYS_time, a_t, 1, rec_t, &rec_t, sizeof rec_t, 0);
	put_entry(SYS_getpid, NULL, 0, 777777, NULL, 0, 0);
	put_entry(SYS_getuid, NULL, 0, 4242, NULL, 0, IL_EF_NOTIFY);
	struct timespec bad = {7, 7};
	uint64_t a_bad[2] = {CLOCK_MONOTONIC, (uint64_t)(uintptr_t)&bad};
	put_entry(SYS_clock_gettime, a_bad, 2, -EINVAL, NULL, 0, 0);

	assert_int_equal(lib(SYS_clock_gettime, a_cg[0], a_cg[1], 0), 0);
	assert_memory_equal(&ts, &rec_ts, sizeof ts);
	assert_int_equal(lib(SYS_gettimeofday, a_tod[0], a_tod[1], 0), 0);
	assert_memory_equal(&tod, &rec_tod, sizeof tod);
	assert_int_equal(lib(SYS_time, a_t[0], 0, 0), 42);
	assert_int_equal(t, 42);
	assert_int_equal(lib(SYS_getpid, 0, 0, 0), 777777);
	assert_int_equal(untraced_n + traced_n, 0);
	/* IL_EF_NOTIFY: the recorded result, then the notify stop's getpid */
	assert_int_equal(lib(SYS_getuid, 0, 0, 0), 4242);
	assert_int_equal(traced_n, 1);
	assert_int_equal(last_nr, SYS_getpid);
	assert_int_equal(lib(SYS_clock_gettime, a_bad[0], a_bad[1], 0), -EINVAL);
	assert_int_equal(bad.tv_sec, 7); /* a failed call writes nothing */
	assert_int_equal(ctl->tail, ctl->head);
	assert_int_equal(untraced_n, 0);
	assert_int_equal(traps, 0);

	/* not allowed: traced, as in recording */
	assert_int_equal(lib(SYS_getegid, 0, 0, 0), getegid());
	assert_int_equal(traced_n, 2);
	assert_int_equal(untraced_n, 0);
}

/* Calls the library expecting its int3: 1 if it trapped at il_trap. */
static int lib_traps(long nr, uint64_t a0, uint64_t a1)
{
	if (sigsetjmp(trap_jmp, 1)) {
		ctl->busy = 0; /* the tracer would have resumed the call */
		return trap_rip == IL_BASE + hdr->trap_ret;
	}
	lib(nr, a0, a1, 0);
	return 0;
}

static void test_replay_traps(void **state)
{
	(void)state;
	/* empty ring */
	reset(IL_MODE_REPLAY);
	assert_true(lib_traps(SYS_getpid, 0, 0));
	assert_int_equal(ctl->diverged.kind, IL_DIV_EMPTY);
	assert_int_equal(ctl->diverged.nr, SYS_getpid);

	/* another call */
	reset(IL_MODE_REPLAY);
	put_entry(SYS_getpid, NULL, 0, 1, NULL, 0, 0);
	assert_true(lib_traps(SYS_gettid, 0, 0));
	assert_int_equal(ctl->diverged.kind, IL_DIV_CALL);
	assert_int_equal(ctl->diverged.nr, SYS_gettid);
	assert_int_equal(ctl->diverged.found_nr, SYS_getpid);
	assert_int_equal(ctl->tail, 0);

	/* other arguments */
	reset(IL_MODE_REPLAY);
	struct timespec ts = {0}, rec_ts = {1, 2};
	uint64_t a_cg[2] = {CLOCK_MONOTONIC, (uint64_t)(uintptr_t)&ts};
	put_entry(SYS_clock_gettime, a_cg, 2, 0, &rec_ts, sizeof rec_ts, 0);
	assert_true(lib_traps(SYS_clock_gettime, CLOCK_REALTIME, a_cg[1]));
	assert_int_equal(ctl->diverged.kind, IL_DIV_CALL);
	assert_int_equal(ctl->diverged.found_hash, il_args_hash(a_cg, 2));
	assert_int_equal(ts.tv_sec, 0);

	/* an entry whose length does not match its call's regions */
	reset(IL_MODE_REPLAY);
	put_entry(SYS_clock_gettime, a_cg, 2, 0, &rec_ts, 8, 0);
	assert_true(lib_traps(SYS_clock_gettime, a_cg[0], a_cg[1]));
	assert_int_equal(ctl->diverged.kind, IL_DIV_ENTRY);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(untraced_n + traced_n, 0);

	/* the tracer feeds the ring at the trap: the call goes on with it */
	reset(IL_MODE_REPLAY);
	trap_feeds = 1;
	feed_nr = SYS_getppid;
	feed_result = 31337;
	assert_int_equal(lib(SYS_getppid, 0, 0, 0), 31337);
	assert_int_equal(traps, 1);
	assert_int_equal(untraced_n + traced_n, 0);

	/* or sets go_traced: the call is made traced */
	reset(IL_MODE_REPLAY);
	trap_feeds = 2;
	assert_int_equal(lib(SYS_getppid, 0, 0, 0), getppid());
	assert_int_equal(traps, 1);
	assert_int_equal(traced_n, 1);
	assert_int_equal(ctl->go_traced, 0);
}

/* A region marked `always` (nanosleep's remaining time) is kept when the
 * call fails, except on EFAULT (its pointer may be the bad one); the
 * others only on success. */
static void test_always(void **state)
{
	(void)state;
	reset(IL_MODE_RECORD);
	struct timespec bad_req = {0, 2000000000}, rem = {3, 4};
	uint64_t a_ns[2] = {(uint64_t)(uintptr_t)&bad_req, (uint64_t)(uintptr_t)&rem};
	assert_int_equal(lib(SYS_nanosleep, a_ns[0], a_ns[1], 0), -EINVAL);
	uint64_t a_fault[2] = {8, (uint64_t)(uintptr_t)&rem}; /* req unmapped */
	assert_int_equal(lib(SYS_nanosleep, a_fault[0], a_fault[1], 0), -EFAULT);
	struct timespec tod_bad;
	uint64_t a_tod[2] = {(uint64_t)(uintptr_t)&tod_bad, 8}; /* tz unmapped */
	assert_int_equal(lib(SYS_gettimeofday, a_tod[0], a_tod[1], 0), -EFAULT);
	assert_int_equal(untraced_n, 3);
	uint64_t pos = 0;
	check_entry(&pos, SYS_nanosleep, a_ns, 2, -EINVAL, &rem, sizeof rem);
	check_entry(&pos, SYS_nanosleep, a_fault, 2, -EFAULT, NULL, 0);
	check_entry(&pos, SYS_gettimeofday, a_tod, 2, -EFAULT, NULL, 0);

	/* replay writes it back on failure */
	reset(IL_MODE_REPLAY);
	struct timespec rec_rem = {5, 6};
	put_entry(SYS_nanosleep, a_ns, 2, -EINTR, &rec_rem, sizeof rec_rem, 0);
	assert_int_equal(lib(SYS_nanosleep, a_ns[0], a_ns[1], 0), -EINTR);
	assert_memory_equal(&rem, &rec_rem, sizeof rem);
	assert_int_equal(untraced_n + traced_n, 0);
}

/* RECORD with notify set: the result, then a traced getpid. */
static void test_notify(void **state)
{
	(void)state;
	reset(IL_MODE_RECORD);
	ctl->notify = 1;
	assert_int_equal(lib(SYS_getuid, 0, 0, 0), getuid());
	assert_int_equal(untraced_n, 1);
	assert_int_equal(traced_n, 1);
	assert_int_equal(last_nr, SYS_getpid);
	check_entry(&(uint64_t){0}, SYS_getuid, NULL, 0, getuid(), NULL, 0);
}

/* ---- registers: the library keeps all but rax, rcx, r11 ---- */

struct regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15, flags;
	uint64_t xmm0[2];
};

/* void regs_call(struct regs *r, uint64_t entry): loads r (rcx and r11
 * too: the TSC entry keeps them), calls entry as a trampoline does,
 * stores the registers back into r. */
void regs_call(struct regs *r, uint64_t entry);
__asm__(".text\n"
	".globl regs_call\n"
	".type regs_call, @function\n"
	"regs_call:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	push %rdi\n"
	"	push %rsi\n"
	"	movdqu 128(%rdi), %xmm0\n"
	"	push 120(%rdi); popfq\n"
	"	mov 0(%rdi), %rax; mov 8(%rdi), %rbx; mov 24(%rdi), %rdx; mov 32(%rdi), %rsi\n"
	"	mov 48(%rdi), %rbp; mov 56(%rdi), %r8; mov 64(%rdi), %r9; mov 72(%rdi), %r10\n"
	"	mov 88(%rdi), %r12; mov 96(%rdi), %r13; mov 104(%rdi), %r14; mov 112(%rdi), %r15\n"
	"	mov 16(%rdi), %rcx; mov 80(%rdi), %r11\n"
	"	mov 40(%rdi), %rdi\n"
	"	lea -128(%rsp), %rsp\n"
	"	call *128(%rsp)\n"
	"	lea 128(%rsp), %rsp\n"
	"	pushfq\n"
	"	push %rdi\n"
	"	mov 24(%rsp), %rdi\n"
	"	pop 40(%rdi)\n"
	"	pop 120(%rdi)\n"
	"	cld\n"
	"	mov %rax, 0(%rdi); mov %rbx, 8(%rdi); mov %rcx, 16(%rdi); mov %rdx, 24(%rdi)\n"
	"	mov %rsi, 32(%rdi); mov %rbp, 48(%rdi); mov %r8, 56(%rdi); mov %r9, 64(%rdi)\n"
	"	mov %r10, 72(%rdi); mov %r11, 80(%rdi); mov %r12, 88(%rdi); mov %r13, 96(%rdi)\n"
	"	mov %r14, 104(%rdi); mov %r15, 112(%rdi)\n"
	"	movdqu %xmm0, 128(%rdi)\n"
	"	add $16, %rsp\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	".size regs_call, . - regs_call\n");

#define FLAGS_KEPT 0xcd5 /* CF PF AF ZF SF DF OF */

/* Calls getpid through regs_call with flags and patterned registers:
 * returns rax; fails the test if another register or flag changed. */
static long check_regs(uint64_t flags)
{
	struct regs in, out;
	uint64_t *w = (uint64_t *)&in;
	for (size_t i = 0; i < sizeof in / 8; i++)
		w[i] = 0x1111111111111111ull * (i + 1) ^ 0x0123456789abcdefull;
	in.rax = SYS_getpid;
	in.flags = 0x202 | flags;
	out = in;
	regs_call(&out, entry);
	long result = (long)out.rax;
	/* rax, rcx, r11 may change (as in a syscall), other flags too */
	out.rax = in.rax;
	out.rcx = in.rcx;
	out.r11 = in.r11;
	assert_int_equal(out.flags & FLAGS_KEPT, in.flags & FLAGS_KEPT);
	out.flags = in.flags;
	assert_memory_equal(&out, &in, sizeof in); /* the other registers and xmm0 */
	return result;
}

static void test_registers(void **state)
{
	(void)state;
	static const uint64_t flag_sets[] = {0, FLAGS_KEPT, 0x1 | 0x40 | 0x800 /* CF ZF OF */};
	for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
		uint64_t f = flag_sets[i];
		reset(IL_MODE_RECORD); /* untraced, appended */
		assert_int_equal(check_regs(f), getpid());
		assert_int_equal(untraced_n, 1);
		ctl->notify = 1; /* then a traced getpid */
		assert_int_equal(check_regs(f), getpid());
		assert_int_equal(traced_n, 1);
		reset(IL_MODE_OFF); /* traced from the library's decision */
		assert_int_equal(check_regs(f), getpid());
		assert_int_equal(traced_n, 1);
		reset(IL_MODE_RECORD); /* busy: traced at once */
		ctl->busy = 1;
		assert_int_equal(check_regs(f), getpid());
		assert_int_equal(traced_n, 1);
		reset(IL_MODE_REPLAY); /* fed */
		put_entry(SYS_getpid, NULL, 0, 9999, NULL, 0, 0);
		assert_int_equal(check_regs(f), 9999);
		assert_int_equal(untraced_n + traced_n, 0);
	}
}

/* ---- rdtsc and rdtscp (docs/inprocess.md section 16) ---- */

/* Calls the TSC entry as a patched rdtsc (rdtscp if p) site's trampoline
 * does, with flags and patterned registers: the value, TSC_AUX in *aux
 * (rdtscp); fails the test if rax's, rdx's or rcx's upper half is not
 * zero, or another register or a flag changed (rcx too for rdtsc). */
static uint64_t tsc(int p, uint64_t flags, uint32_t *aux)
{
	struct regs in, out;
	uint64_t *w = (uint64_t *)&in;
	for (size_t i = 0; i < sizeof in / 8; i++)
		w[i] = 0x1111111111111111ull * (i + 1) ^ 0x0123456789abcdefull;
	in.rax = p ? IL_NR_RDTSCP : IL_NR_RDTSC;
	in.flags = 0x202 | flags;
	out = in;
	regs_call(&out, IL_BASE + hdr->tsc_entry);
	assert_int_equal(out.rax >> 32, 0);
	assert_int_equal(out.rdx >> 32, 0);
	uint64_t v = out.rax | out.rdx << 32;
	if (p) {
		assert_int_equal(out.rcx >> 32, 0);
		*aux = (uint32_t)out.rcx;
		out.rcx = in.rcx;
	}
	out.rax = in.rax;
	out.rdx = in.rdx;
	assert_int_equal(out.flags & FLAGS_KEPT, in.flags & FLAGS_KEPT);
	out.flags = in.flags;
	assert_memory_equal(&out, &in, sizeof in);
	return v;
}

static uint64_t raw_ns(void)
{
	struct timespec t;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &t);
	return (uint64_t)ns(&t);
}

/* Calls the TSC entry in REPLAY mode expecting its int3: 1 if it trapped
 * at il_trap. */
static int tsc_traps(int p)
{
	uint32_t aux;
	if (sigsetjmp(trap_jmp, 1)) {
		ctl->busy = 0; /* the tracer would have resumed the call */
		return trap_rip == IL_BASE + hdr->trap_ret;
	}
	tsc(p, 0, &aux);
	return 0;
}

/* The next ring entry at *pos: an rdtsc's (kind), its value v and, for
 * an rdtscp, TSC_AUX aux; *pos moves past it. */
static void check_tsc_entry(uint64_t *pos, long kind, uint64_t v, uint32_t aux)
{
	struct il_entry *e = il_ring_at(ring, *pos);
	size_t len = kind == IL_NR_RDTSCP ? 4 : 0;
	assert_true(*pos < ctl->head);
	assert_int_equal(e->nr, kind);
	assert_int_equal(e->length, il_entry_len(len));
	assert_int_equal(e->data_len, len);
	assert_int_equal(e->hash, 0);
	assert_int_equal(e->result, (int64_t)v);
	if (len)
		assert_memory_equal(e + 1, &aux, 4);
	*pos += e->length;
}

/* Appends an rdtsc entry as replay would (args hash 0). */
static void put_tsc_entry(long kind, uint64_t v, const uint32_t *aux, uint16_t flags)
{
	put_entry(kind, NULL, 0, (int64_t)v, aux, aux ? 4 : 0, flags);
	struct il_entry *e = il_ring_at(ring, ctl->head - il_entry_len(aux ? 4 : 0));
	e->hash = 0;
	e->data_len = aux ? 4 : 0;
}

static void test_tsc(void **state)
{
	(void)state;
	static const uint64_t flag_sets[] = {0, FLAGS_KEPT, 0x1 | 0x40 | 0x800};
	const struct il_tsc cal = {.base = 1000000, .ns0 = 0, .mult = 3ull << 31}; /* 1.5 cycles a ns */
	uint64_t pos = 0;
	uint32_t aux = 0, cpu = 0, node = 0;
	assert_true(hdr->tsc_entry && hdr->tsc_entry < hdr->size);
	for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
		uint64_t f = flag_sets[i];
		/* not calibrated yet: the instruction itself (it would fault under rec) */
		reset(IL_MODE_RECORD);
		uint64_t t0 = __builtin_ia32_rdtsc(), v = tsc(0, f, &aux), t1 = __builtin_ia32_rdtsc();
		assert_true(v >= t0 && v <= t1);
		assert_int_equal(untraced_n + traced_n, 0);
		assert_int_equal(ctl->head, 0);
		/* calibrated: from CLOCK_MONOTONIC_RAW, appended */
		reset(IL_MODE_RECORD);
		ctl->tsc = cal;
		uint64_t n0 = raw_ns();
		v = tsc(0, f, &aux);
		uint64_t n1 = raw_ns();
		assert_true(v >= il_tsc_at(&cal, n0) && v <= il_tsc_at(&cal, n1));
		assert_int_equal(untraced_nr[SYS_clock_gettime], 1);
		pos = 0;
		check_tsc_entry(&pos, IL_NR_RDTSC, v, 0);
		v = tsc(1, f, &aux);
		assert_int_equal(untraced_nr[SYS_getcpu], 1);
		syscall(SYS_getcpu, &cpu, &node, NULL);
		assert_int_equal(aux, node << 12 | cpu);
		check_tsc_entry(&pos, IL_NR_RDTSCP, v, aux);
		assert_int_equal(ctl->done, 2);
		/* notify: the value, then a traced getpid */
		ctl->notify = 1;
		tsc(0, f, &aux);
		assert_int_equal(traced_n, 1);
		assert_int_equal(last_nr, SYS_getpid);
		/* busy (a handler inside the library), mode OFF: the instruction */
		reset(IL_MODE_RECORD);
		ctl->tsc = cal;
		ctl->busy = 1;
		t0 = __builtin_ia32_rdtsc();
		v = tsc(1, f, &aux);
		assert_true(v >= t0 && v <= __builtin_ia32_rdtsc());
		assert_int_equal(ctl->head, 0);
		ctl->busy = 0;
		reset(IL_MODE_OFF);
		ctl->tsc = cal;
		t0 = __builtin_ia32_rdtsc();
		v = tsc(0, f, &aux);
		assert_true(v >= t0 && v <= __builtin_ia32_rdtsc());
		assert_int_equal(untraced_n + traced_n, 0);
		/* replay: fed, no syscall */
		reset(IL_MODE_REPLAY);
		uint32_t rec_aux = 0x3007;
		put_tsc_entry(IL_NR_RDTSC, 0x123456789abcdef0ull, NULL, 0);
		put_tsc_entry(IL_NR_RDTSCP, 0x42, &rec_aux, IL_EF_NOTIFY);
		assert_int_equal(tsc(0, f, &aux), 0x123456789abcdef0ull);
		assert_int_equal(tsc(1, f, &aux), 0x42);
		assert_int_equal(aux, 0x3007);
		assert_int_equal(untraced_n, 0);
		assert_int_equal(traced_n, 1); /* the notify's getpid */
		assert_int_equal(ctl->tail, ctl->head);
		/* replay: another call next (CALL), an rdtscp entry without its
		 * TSC_AUX (ENTRY): the int3 */
		reset(IL_MODE_REPLAY);
		put_entry(SYS_getpid, NULL, 0, 5, NULL, 0, 0);
		assert_int_equal(tsc_traps(0), 1);
		assert_int_equal(ctl->diverged.kind, IL_DIV_CALL);
		assert_int_equal(ctl->diverged.nr, IL_NR_RDTSC);
		assert_int_equal(ctl->diverged.found_nr, SYS_getpid);
		reset(IL_MODE_REPLAY);
		put_tsc_entry(IL_NR_RDTSCP, 0x43, NULL, 0);
		assert_int_equal(tsc_traps(1), 1);
		assert_int_equal(ctl->diverged.kind, IL_DIV_ENTRY);
		/* replay, the ring empty and the call traced in the recording
		 * (go_traced): the instruction */
		reset(IL_MODE_REPLAY);
		trap_feeds = 2;
		t0 = __builtin_ia32_rdtsc();
		v = tsc(0, f, &aux);
		assert_true(v >= t0 && v <= __builtin_ia32_rdtsc());
		assert_int_equal(traps, 1);
		assert_int_equal(untraced_n + traced_n, 0);
	}
}

/* ---- reads and writes: never blocking ---- */

/* The next entry at *pos: a write-like call's, whose hash covers the
 * bytes it wrote. */
static void check_write_entry(uint64_t *pos, long nr, const uint64_t *args, unsigned nargs, int64_t result,
			      const void *buf)
{
	struct il_entry *e = il_ring_at(ring, *pos);
	assert_int_equal(e->nr, nr);
	assert_int_equal(e->length, il_entry_len(0));
	assert_int_equal(e->hash, il_echo_hash(il_args_hash(args, nargs), buf, (uint64_t)result));
	assert_int_equal(e->result, result);
	*pos += e->length;
}

static long lib4(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register long rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a0, rsi __asm__("rsi") = a1, rdx __asm__("rdx") = a2;
	register uint64_t r10 __asm__("r10") = a3, r8 __asm__("r8") = 0, r9 __asm__("r9") = 0;
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *%[e]\n\tlea 128(%%rsp), %%rsp"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : [e] "r"(entry)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}

static void test_io(void **state)
{
	(void)state;
	static const long io[] = {SYS_read, SYS_write, SYS_pread64, SYS_pwrite64};
	int p[2], m = memfd_create("test_io", 0);
	char out[3] = {'a', 'b', 'c'}, in[8] = {0}, big[5000] = {0};
	struct stat st;
	reset(IL_MODE_RECORD);
	assert_int_equal(il_ctl_init(ctl, io, 4), 0);
	ctl->mode = IL_MODE_RECORD;
	for (int i = 0; i < 2; i++)
		ctl->echo_dev[i] = ctl->echo_ino[i] = ~0ull;
	assert_int_equal(pipe(p), 0);
	assert_true(m >= 0);
	uint64_t pos = ctl->head;

	/* a write and a read on a pipe: untraced (fstat, pwritev2; preadv2) */
	uint64_t a_w[3] = {(uint64_t)p[1], (uint64_t)(uintptr_t)out, 3};
	assert_int_equal(lib4(SYS_write, a_w[0], a_w[1], a_w[2], 0), 3);
	assert_int_equal(last_nr, SYS_pwritev2);
	uint64_t a_r[3] = {(uint64_t)p[0], (uint64_t)(uintptr_t)in, sizeof in};
	assert_int_equal(lib4(SYS_read, a_r[0], a_r[1], a_r[2], 0), 3);
	assert_int_equal(last_nr, SYS_preadv2);
	assert_memory_equal(in, out, 3);
	assert_int_equal(untraced_n, 3);
	assert_int_equal(traced_n, 0);
	check_write_entry(&pos, SYS_write, a_w, 3, 3, out);
	check_entry(&pos, SYS_read, a_r, 3, 3, out, 3);

	/* the empty pipe made non-blocking: its EAGAIN is the program's own */
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(lib4(SYS_read, a_r[0], a_r[1], a_r[2], 0), -EAGAIN);
	check_entry(&pos, SYS_read, a_r, 3, -EAGAIN, NULL, 0);
	assert_int_equal(traced_n, 0);

	/* at a position: pwrite64 and pread64 on a memfd */
	uint64_t a_pw[4] = {(uint64_t)m, (uint64_t)(uintptr_t)out, 3, 10};
	assert_int_equal(lib4(SYS_pwrite64, a_pw[0], a_pw[1], a_pw[2], a_pw[3]), 3);
	uint64_t a_pr[4] = {(uint64_t)m, (uint64_t)(uintptr_t)in, sizeof in, 9};
	memset(in, 'x', sizeof in);
	assert_int_equal(lib4(SYS_pread64, a_pr[0], a_pr[1], a_pr[2], a_pr[3]), 4);
	assert_memory_equal(in, "\0abc", 4);
	check_write_entry(&pos, SYS_pwrite64, a_pw, 4, 3, out);
	check_entry(&pos, SYS_pread64, a_pr, 4, 4, "\0abc", 4);
	assert_int_equal(traced_n, 0);
	assert_int_equal(pos, ctl->head);

	/* traced: a write over 4096 bytes to a pipe, one to rec's stdout
	 * (its device and inode), one to a regular file while one is mapped
	 * shared, one to a bad fd (a read that would block is traced too: the
	 * suite's programs block in reads) */
	int n = untraced_n;
	assert_int_equal(lib4(SYS_write, (uint64_t)p[1], (uint64_t)(uintptr_t)big, sizeof big, 0), (long)sizeof big);
	assert_int_equal(traced_n, 1);
	assert_int_equal(fstat(p[1], &st), 0);
	ctl->echo_dev[1] = st.st_dev;
	ctl->echo_ino[1] = st.st_ino;
	/* what the fd is comes from the cache until rec clears it (as at a
	 * dup2): the pipe is then rec's stdout */
	assert_int_equal(ctl->fdcache[p[1]], IL_FD_OTHER);
	memset(ctl->fdcache, 0, sizeof ctl->fdcache);
	assert_int_equal(lib4(SYS_write, a_w[0], a_w[1], a_w[2], 0), 3);
	assert_int_equal(traced_n, 2);
	assert_int_equal(ctl->fdcache[p[1]], IL_FD_OTHER | IL_FD_ECHO);
	assert_int_equal(lib4(SYS_write, a_w[0], a_w[1], a_w[2], 0), 3);
	assert_int_equal(traced_n, 3);
	ctl->no_file_writes = 1;
	assert_int_equal(lib4(SYS_write, (uint64_t)m, a_w[1], a_w[2], 0), 3);
	assert_int_equal(traced_n, 4);
	assert_int_equal(lib4(SYS_write, 9999, a_w[1], a_w[2], 0), -EBADF);
	assert_int_equal(traced_n, 5);
	assert_int_equal(ctl->head, pos); /* none of them in the ring */
	assert_true(untraced_n > n);
	/* a regular file is written as asked, with no size limit */
	ctl->no_file_writes = 0;
	assert_int_equal(lib4(SYS_write, (uint64_t)m, (uint64_t)(uintptr_t)big, sizeof big, 0), (long)sizeof big);
	assert_int_equal(last_nr, SYS_write);
	assert_int_equal(traced_n, 5);
	assert_true(ctl->head > pos);

	/* replay: the bytes a write writes are checked */
	reset(IL_MODE_REPLAY);
	assert_int_equal(il_ctl_init(ctl, io, 4), 0);
	ctl->mode = IL_MODE_REPLAY;
	struct il_entry *e = il_ring_at(ring, ctl->head);
	*e = (struct il_entry){.nr = SYS_write, .length = il_entry_len(0),
			       .hash = il_echo_hash(il_args_hash(a_w, 3), out, 3), .result = 3};
	ctl->head += e->length;
	out[1] = 'X'; /* other bytes: the library traps */
	if (!sigsetjmp(trap_jmp, 1)) {
		lib4(SYS_write, a_w[0], a_w[1], a_w[2], 0);
		fail_msg("a write of other bytes took the recorded entry");
	}
	ctl->busy = 0;
	assert_int_equal(trap_rip, IL_BASE + hdr->trap_ret);
	assert_int_equal(ctl->diverged.kind, IL_DIV_CALL);
	out[1] = 'b'; /* the recorded bytes: fed, no syscall */
	assert_int_equal(lib4(SYS_write, a_w[0], a_w[1], a_w[2], 0), 3);
	assert_int_equal(ctl->tail, ctl->head);
	assert_int_equal(untraced_n + traced_n, 0);
	close(p[0]);
	close(p[1]);
	close(m);
}

static long lib6(long nr, const uint64_t a[6])
{
	register long rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a[0], rsi __asm__("rsi") = a[1], rdx __asm__("rdx") = a[2];
	register uint64_t r10 __asm__("r10") = a[3], r8 __asm__("r8") = a[4], r9 __asm__("r9") = a[5];
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tcall *%[e]\n\tlea 128(%%rsp), %%rsp"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : [e] "r"(entry)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}

/* Sockets and epoll: the length-pointer outputs (getsockname, getsockopt:
 * the new length, then the bytes the kernel wrote, as many as the smaller
 * of the old and new lengths), epoll events, the calls that go traced
 * (a bad length pointer, epoll_pwait with a mask, nothing ready with a
 * timeout, accept/connect on a blocking fd), and replay writing the
 * recorded lengths and bytes. */
static void test_net(void **state)
{
	(void)state;
	static const long net[] = {SYS_getsockname, SYS_getsockopt, SYS_epoll_wait, SYS_epoll_pwait,
				   SYS_accept4,     SYS_connect};
	int sv[2], p[2], ep = epoll_create1(0), lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX}, got;
	const char name[] = "\0heisen-test-inproc-net";
	memcpy(un.sun_path, name, sizeof name - 1);
	socklen_t klen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof name - 1);
	assert_true(ep >= 0 && lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&un, klen), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	reset(IL_MODE_RECORD);
	assert_int_equal(il_ctl_init(ctl, net, 6), 0);
	assert_int_equal(ctl->calls[ctl->slot[SYS_epoll_pwait] - 1].io, IL_IO_POLL);
	assert_int_equal(ctl->calls[ctl->slot[SYS_accept4] - 1].io, IL_IO_NBFD);
	ctl->mode = IL_MODE_RECORD;
	uint64_t pos = ctl->head;

	/* getsockname into a buffer of 4 bytes: the length says klen */
	uint32_t len = 4, out[2];
	memset(&got, 0xee, sizeof got);
	uint64_t a_gn[6] = {(uint64_t)lfd, (uint64_t)(uintptr_t)&got, (uint64_t)(uintptr_t)&len, 0, 0, 0};
	assert_int_equal(lib6(SYS_getsockname, a_gn), 0);
	assert_int_equal(len, klen);
	assert_int_equal(((unsigned char *)&got)[4], 0xee);
	assert_int_equal(traced_n, 0);
	out[0] = klen;
	memcpy(&out[1], &got, 4);
	check_entry(&pos, SYS_getsockname, a_gn, 3, 0, out, 8);
	/* the full address */
	len = sizeof got;
	assert_int_equal(lib6(SYS_getsockname, a_gn), 0);
	assert_int_equal(len, klen);
	char full[4 + sizeof got];
	memcpy(full, &len, 4);
	memcpy(full + 4, &got, klen);
	check_entry(&pos, SYS_getsockname, a_gn, 3, 0, full, 4 + klen);
	assert_memory_equal(got.sun_path, name, sizeof name - 1);
	/* a bad length pointer: traced (the library does not fault) */
	uint64_t a_bad[6] = {(uint64_t)lfd, (uint64_t)(uintptr_t)&got, 8, 0, 0, 0};
	assert_int_equal(lib6(SYS_getsockname, a_bad), -EFAULT);
	assert_int_equal(traced_n, 1);
	assert_int_equal(ctl->head, pos);

	/* getsockopt SO_TYPE with a length of 4, then 1 */
	int v = 0;
	len = 4;
	uint64_t a_so[6] = {(uint64_t)sv[0], SOL_SOCKET, SO_TYPE, (uint64_t)(uintptr_t)&v, (uint64_t)(uintptr_t)&len, 0};
	assert_int_equal(lib6(SYS_getsockopt, a_so), 0);
	assert_int_equal(v, SOCK_STREAM);
	uint32_t so[2] = {4, SOCK_STREAM};
	check_entry(&pos, SYS_getsockopt, a_so, 5, 0, so, 8);
	v = 0x55555500;
	len = 1;
	assert_int_equal(lib6(SYS_getsockopt, a_so), 0);
	assert_int_equal(len, 1);
	assert_int_equal(v, 0x55555500 | SOCK_STREAM);
	unsigned char so1[5] = {1, 0, 0, 0, SOCK_STREAM};
	check_entry(&pos, SYS_getsockopt, a_so, 5, 0, so1, 5);

	/* epoll: one event ready (buffered, timeout -1 made 0), none with
	 * timeout 0 (buffered), none with a timeout (traced), a mask (traced) */
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77}, evs[4];
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	uint64_t a_ew[6] = {(uint64_t)ep, (uint64_t)(uintptr_t)evs, 4, (uint64_t)-1, 0, 0};
	assert_int_equal(lib6(SYS_epoll_pwait, a_ew), 1);
	assert_int_equal(evs[0].data.u64, 77);
	check_entry(&pos, SYS_epoll_pwait, a_ew, 6, 1, evs, sizeof evs[0]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1);
	a_ew[3] = 0;
	assert_int_equal(lib6(SYS_epoll_wait, a_ew), 0);
	check_entry(&pos, SYS_epoll_wait, a_ew, 4, 0, NULL, 0);
	assert_int_equal(traced_n, 1);
	a_ew[3] = 5;
	assert_int_equal(lib6(SYS_epoll_wait, a_ew), 0);
	assert_int_equal(traced_n, 2);
	sigset_t mask;
	sigemptyset(&mask);
	uint64_t a_em[6] = {(uint64_t)ep, (uint64_t)(uintptr_t)evs, 4, 0, (uint64_t)(uintptr_t)&mask, 8};
	assert_int_equal(lib6(SYS_epoll_pwait, a_em), 0);
	assert_int_equal(traced_n, 3);
	assert_int_equal(ctl->head, pos);

	/* accept4 on the non-blocking listener: its EAGAIN buffered; connect
	 * on a blocking socket: traced */
	len = sizeof got;
	uint64_t a_ac[6] = {(uint64_t)lfd, (uint64_t)(uintptr_t)&got, (uint64_t)(uintptr_t)&len, 0, 0, 0};
	assert_int_equal(lib6(SYS_accept4, a_ac), -EAGAIN);
	check_entry(&pos, SYS_accept4, a_ac, 4, -EAGAIN, NULL, 0);
	/* accept4 with no address: nothing to walk, buffered all the same */
	uint64_t a_an[6] = {(uint64_t)lfd, 0, 0, 0, 0, 0};
	assert_int_equal(lib6(SYS_accept4, a_an), -EAGAIN);
	check_entry(&pos, SYS_accept4, a_an, 4, -EAGAIN, NULL, 0);
	/* a non-blocking connect (buffered) and the accept4 that takes it:
	 * the peer, unnamed, is its family alone */
	int cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(cfd >= 0);
	uint64_t a_nb[6] = {(uint64_t)cfd, (uint64_t)(uintptr_t)&un, klen, 0, 0, 0};
	assert_int_equal(lib6(SYS_connect, a_nb), 0);
	check_entry(&pos, SYS_connect, a_nb, 3, 0, NULL, 0);
	len = sizeof got;
	long afd = lib6(SYS_accept4, a_ac);
	assert_true(afd >= 0);
	assert_int_equal(len, sizeof(sa_family_t));
	assert_int_equal(got.sun_family, AF_UNIX);
	uint32_t peer[2] = {sizeof(sa_family_t), AF_UNIX};
	check_entry(&pos, SYS_accept4, a_ac, 4, afd, peer, 6);
	assert_int_equal(traced_n, 3);
	close((int)afd);
	close(cfd);
	uint64_t a_co[6] = {(uint64_t)sv[0], (uint64_t)(uintptr_t)&un, klen, 0, 0, 0};
	assert_int_equal(lib6(SYS_connect, a_co), -EISCONN);
	assert_int_equal(traced_n, 4);
	assert_int_equal(ctl->head, pos);

	/* replay: getsockname's recorded length and 4 bytes written into a
	 * 4-byte buffer, the rest untouched, no syscall */
	reset(IL_MODE_REPLAY);
	assert_int_equal(il_ctl_init(ctl, net, 6), 0);
	ctl->mode = IL_MODE_REPLAY;
	len = 4;
	memset(&got, 0xee, sizeof got);
	const unsigned char rec[8] = {40, 0, 0, 0, 'a', 'b', 'c', 'd'};
	put_entry(SYS_getsockname, a_gn, 3, 0, rec, 8, 0);
	assert_int_equal(lib6(SYS_getsockname, a_gn), 0);
	assert_int_equal(len, 40);
	assert_memory_equal(&got, "abcd", 4);
	assert_int_equal(((unsigned char *)&got)[4], 0xee);
	/* an entry with fewer bytes than the lengths say (12 of the 40):
	 * trapped, nothing written */
	len = 12;
	put_entry(SYS_getsockname, a_gn, 3, 0, rec, 8, 0);
	if (!sigsetjmp(trap_jmp, 1)) {
		lib6(SYS_getsockname, a_gn);
		fail_msg("a getsockname entry of the wrong length was taken");
	}
	ctl->busy = 0;
	assert_int_equal(ctl->diverged.kind, IL_DIV_ENTRY);
	assert_int_equal(len, 12);
	assert_int_equal(untraced_n + traced_n, 0);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(ep);
	close(lfd);
}

/* Calls the library as lib6 does, on the stack below sp. */
static long lib6_on(char *sp, long nr, const uint64_t a[6])
{
	register long rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a[0], rsi __asm__("rsi") = a[1], rdx __asm__("rdx") = a[2];
	register uint64_t r10 __asm__("r10") = a[3], r8 __asm__("r8") = a[4], r9 __asm__("r9") = a[5];
	register char *rbx __asm__("rbx") = sp;
	__asm__ volatile("xchg %%rsp, %%rbx\n\tcall *%[e]\n\txchg %%rsp, %%rbx"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9), "+r"(rbx)
			 : [e] "r"(entry)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}

/* What the fdcache keeps of sockets, so that the checks make no syscall:
 * a socket made in-process is known (kind, O_NONBLOCK, SO_LINGER off), an
 * accepted one too (its listener's linger), one made outside
 * is learned once; F_SETFL and SO_LINGER, which change them, are traced
 * (rec clears every process's cache at their exit). A length read from
 * the page of the caller's stack is read directly, elsewhere through
 * process_vm_readv with the pid of the control area. */
static void test_fd_state(void **state)
{
	(void)state;
	static const long nrs[] = {SYS_socket, SYS_accept4, SYS_connect, SYS_close, SYS_fcntl, SYS_setsockopt};
	static char stk[3 * 4096] __attribute__((aligned(4096)));
	static uint32_t far_len;
	struct sockaddr_un un = {.sun_family = AF_UNIX}, got;
	const char name[] = "\0heisen-test-inproc-fdstate";
	memcpy(un.sun_path, name, sizeof name - 1);
	socklen_t klen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof name - 1);
	reset(IL_MODE_RECORD);
	assert_int_equal(il_ctl_init(ctl, nrs, 6), 0);
	assert_int_equal(ctl->calls[ctl->slot[SYS_socket] - 1].check, IL_CHECK_SOCKET);
	ctl->mode = IL_MODE_RECORD;
	ctl->pid = getpid();
	memset(ctl->fdcache, 0, sizeof ctl->fdcache);
	const unsigned nb = IL_FD_SOCKET | IL_FD_NBKNOWN | IL_FD_NB | IL_FD_NOLINGER;

	/* socket: its fd known at once */
	uint64_t a_s[6] = {AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, 0, 0, 0};
	long lfd = lib6(SYS_socket, a_s), cfd = lib6(SYS_socket, a_s);
	assert_true(lfd >= 0 && cfd >= 0);
	assert_int_equal(ctl->fdcache[lfd], nb | IL_FD_NEVERLINGER);
	assert_int_equal(untraced_n, 2);
	assert_int_equal(bind((int)lfd, (struct sockaddr *)&un, klen), 0);
	assert_int_equal(listen((int)lfd, 1), 0);
	/* connect, accept4: no fcntl; the length on the caller's stack page
	 * read directly, the other through the kernel, without getpid */
	uint64_t a_c[6] = {(uint64_t)cfd, (uint64_t)(uintptr_t)&un, klen, 0, 0, 0};
	assert_int_equal(lib6(SYS_connect, a_c), 0);
	char *sp = stk + 2 * 4096 - 512;
	uint32_t *near_len = (uint32_t *)(stk + 2 * 4096 - 128);
	*near_len = sizeof got;
	uint64_t a_a[6] = {(uint64_t)lfd, (uint64_t)(uintptr_t)&got, (uint64_t)(uintptr_t)near_len, SOCK_NONBLOCK, 0, 0};
	long afd = lib6_on(sp, SYS_accept4, a_a);
	assert_true(afd >= 0);
	assert_int_equal(*near_len, sizeof(sa_family_t));
	assert_int_equal(untraced_nr[SYS_process_vm_readv], 0);
	far_len = sizeof got;
	a_a[2] = (uint64_t)(uintptr_t)&far_len;
	assert_int_equal(lib6_on(sp, SYS_accept4, a_a), -EAGAIN);
	assert_int_equal(untraced_nr[SYS_process_vm_readv], 1);
	assert_int_equal(untraced_nr[SYS_getpid], 0);
	assert_int_equal(untraced_nr[SYS_fcntl], 0);
	assert_int_equal(traced_n, 0);
	/* the accepted socket: non-blocking as asked, SO_LINGER off as its
	 * listener has had it since it was made (in-process) */
	assert_int_equal(ctl->fdcache[afd], nb);
	assert_int_equal(untraced_nr[SYS_getsockopt], 0);
	/* F_SETFL and SO_LINGER traced; other options and F_GETFL in-process */
	uint64_t a_f[6] = {(uint64_t)afd, F_SETFL, 0, 0, 0, 0};
	assert_int_equal(lib6(SYS_fcntl, a_f), 0);
	assert_int_equal(traced_n, 1);
	a_f[1] = F_GETFL;
	assert_int_equal(lib6(SYS_fcntl, a_f) & O_NONBLOCK, 0);
	int one = 1;
	struct linger lg = {0, 0};
	uint64_t a_o[6] = {(uint64_t)afd, SOL_SOCKET, SO_REUSEADDR, (uint64_t)(uintptr_t)&one, sizeof one, 0};
	assert_int_equal(lib6(SYS_setsockopt, a_o), 0);
	assert_int_equal(traced_n, 1);
	a_o[2] = SO_LINGER;
	a_o[3] = (uint64_t)(uintptr_t)&lg;
	a_o[4] = sizeof lg;
	assert_int_equal(lib6(SYS_setsockopt, a_o), 0);
	assert_int_equal(traced_n, 2);
	/* closes of known sockets: no getsockopt, the entries forgotten */
	uint64_t a_x[6] = {(uint64_t)cfd, 0, 0, 0, 0, 0};
	assert_int_equal(lib6(SYS_close, a_x), 0);
	a_x[0] = (uint64_t)afd;
	assert_int_equal(lib6(SYS_close, a_x), 0);
	assert_int_equal(traced_n, 2);
	assert_int_equal(untraced_nr[SYS_getsockopt], 0);
	assert_int_equal(ctl->fdcache[afd] | ctl->fdcache[cfd], 0);
	/* accepted from a listener made outside: its linger is asked at its
	 * close (the listener's may have changed since the connection came) */
	int l2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	un.sun_path[1] = 'H';
	assert_int_equal(bind(l2, (struct sockaddr *)&un, klen), 0);
	assert_int_equal(listen(l2, 1), 0);
	assert_int_equal(connect(c2, (struct sockaddr *)&un, klen), 0);
	un.sun_path[1] = name[1];
	uint64_t a_a2[6] = {(uint64_t)l2, 0, 0, 0, 0, 0};
	long a2 = lib6(SYS_accept4, a_a2);
	assert_true(a2 >= 0);
	assert_int_equal(ctl->fdcache[l2], IL_FD_SOCKET | IL_FD_NBKNOWN | IL_FD_NB);
	assert_int_equal(ctl->fdcache[a2], IL_FD_SOCKET | IL_FD_NBKNOWN);
	a_x[0] = (uint64_t)a2;
	assert_int_equal(lib6(SYS_close, a_x), 0);
	assert_int_equal(untraced_nr[SYS_getsockopt], 1);
	close(c2);
	close(l2);
	ctl->fdcache[c2] = ctl->fdcache[l2] = 0; /* (rec clears the cache at a traced close) */
	/* a blocking socket made outside: learned once (fstat, fcntl), its
	 * connect traced each time */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	a_c[0] = (uint64_t)sv[0];
	assert_int_equal(lib6(SYS_connect, a_c), -EISCONN);
	assert_int_equal(lib6(SYS_connect, a_c), -EISCONN);
	assert_int_equal(traced_n, 4);
	assert_int_equal(untraced_nr[SYS_fcntl], 3); /* (the F_GETFL above, l2's) */
	assert_int_equal(untraced_nr[SYS_fstat], 2);
	assert_int_equal(ctl->fdcache[sv[0]], IL_FD_SOCKET | IL_FD_NBKNOWN);
	/* rec's part: the calls that change what the cache keeps */
	const uint64_t setfl[6] = {3, F_SETFL, 0, 0, 0, 0}, getfl[6] = {3, F_GETFL, 0, 0, 0, 0};
	const uint64_t nbio[6] = {3, FIONBIO, 0, 0, 0, 0}, linger[6] = {3, SOL_SOCKET, SO_LINGER, 0, 0, 0};
	const uint64_t reuse[6] = {3, SOL_SOCKET, SO_REUSEADDR, 0, 0, 0};
	assert_true(il_fd_state_changing(SYS_fcntl, setfl) && il_fd_state_changing(SYS_ioctl, nbio) &&
		    il_fd_state_changing(SYS_setsockopt, linger));
	assert_false(il_fd_state_changing(SYS_fcntl, getfl) || il_fd_state_changing(SYS_setsockopt, reuse) ||
		     il_fd_state_changing(SYS_close, setfl));
	ctl->pid = 0;
	close(sv[0]);
	close(sv[1]);
	close((int)lfd);
}

/* ---- file calls: made in-process only when they cannot block ---- */

static void test_file_checks(void **state)
{
	(void)state;
	static const long files[] = {SYS_openat, SYS_close, SYS_fcntl, SYS_futex, SYS_write, SYS_ioctl};
	char dir[] = "/tmp/test_inproc-XXXXXX", reg[64], fifo[64];
	int sv[2], word = 7;
	assert_non_null(mkdtemp(dir));
	snprintf(reg, sizeof reg, "%s/reg", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	reset(IL_MODE_RECORD);
	assert_int_equal(il_ctl_init(ctl, files, 6), 0);
	ctl->mode = IL_MODE_RECORD;
	for (int i = 0; i < 2; i++)
		ctl->echo_dev[i] = ctl->echo_ino[i] = ~0ull;
	uint64_t pos = ctl->head;

	/* openat of a regular file (made: O_CREAT) and of nothing: in-process;
	 * of a FIFO (its open may block): traced */
	long fd = lib4(SYS_openat, (uint64_t)AT_FDCWD, (uint64_t)(uintptr_t)reg, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(lib4(SYS_openat, (uint64_t)AT_FDCWD, (uint64_t)(uintptr_t)"/nonexistent-heisen", O_RDONLY, 0), -ENOENT);
	assert_int_equal(traced_n, 0);
	long ff = lib4(SYS_openat, (uint64_t)AT_FDCWD, (uint64_t)(uintptr_t)fifo, O_RDONLY | O_NONBLOCK, 0);
	assert_true(ff >= 0);
	assert_int_equal(traced_n, 1);

	/* fcntl: flags and F_SETLK in-process, F_SETLKW traced */
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	assert_int_equal(lib4(SYS_fcntl, (uint64_t)fd, F_SETLK, (uint64_t)(uintptr_t)&fl, 0), 0);
	assert_int_equal(lib4(SYS_fcntl, (uint64_t)fd, F_GETLK, (uint64_t)(uintptr_t)&fl, 0), 0);
	assert_int_equal(fl.l_type, F_UNLCK);
	assert_int_equal(lib4(SYS_fcntl, (uint64_t)fd, F_GETFL, 0, 0) & O_ACCMODE, O_RDWR);
	assert_int_equal(traced_n, 1);
	fl.l_type = F_WRLCK;
	assert_int_equal(lib4(SYS_fcntl, (uint64_t)fd, F_SETLKW, (uint64_t)(uintptr_t)&fl, 0), 0);
	assert_int_equal(traced_n, 2);

	/* ioctl: TCGETS (isatty) in-process, any other request traced */
	struct winsize ws;
	char tio[64];
	assert_int_equal(lib4(SYS_ioctl, (uint64_t)fd, TCGETS, (uint64_t)(uintptr_t)tio, 0), -ENOTTY);
	assert_int_equal(traced_n, 2);
	assert_int_equal(lib4(SYS_ioctl, (uint64_t)fd, TIOCGWINSZ, (uint64_t)(uintptr_t)&ws, 0), -ENOTTY);
	assert_int_equal(traced_n, 3);

	/* futex: a wake in-process, a wait traced (the word differs: EAGAIN) */
	assert_int_equal(lib4(SYS_futex, (uint64_t)(uintptr_t)&word, FUTEX_WAKE_PRIVATE, 1, 0), 0);
	assert_int_equal(traced_n, 3);
	assert_int_equal(lib4(SYS_futex, (uint64_t)(uintptr_t)&word, FUTEX_WAIT_PRIVATE, 8, 0), -EAGAIN);
	assert_int_equal(traced_n, 4);

	/* a write caches what the fd is; its close (in-process) forgets it */
	assert_int_equal(lib4(SYS_write, (uint64_t)fd, (uint64_t)(uintptr_t)"ab", 2, 0), 2);
	assert_int_equal(ctl->fdcache[fd], IL_FD_FILE);
	/* a file mapped shared (rec names it and clears the cache): its
	 * writes are traced, rec captures them */
	struct stat st;
	assert_int_equal(fstat((int)fd, &st), 0);
	ctl->shared_dev[0] = st.st_dev;
	ctl->shared_ino[0] = st.st_ino;
	ctl->nshared = 1;
	memset(ctl->fdcache, 0, sizeof ctl->fdcache);
	assert_int_equal(lib4(SYS_write, (uint64_t)fd, (uint64_t)(uintptr_t)"cd", 2, 0), 2);
	assert_int_equal(traced_n, 5);
	assert_int_equal(ctl->fdcache[fd], IL_FD_FILE | IL_FD_SHARED);
	assert_int_equal(lib4(SYS_close, (uint64_t)fd, 0, 0, 0), 0);
	assert_int_equal(ctl->fdcache[fd], 0);
	assert_int_equal(lib4(SYS_close, (uint64_t)ff, 0, 0, 0), 0);
	assert_int_equal(traced_n, 5);
	/* a socket's close is traced with SO_LINGER on (it may wait for the
	 * data to go out), in-process without */
	struct linger lg = {1, 5};
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	assert_int_equal(lib4(SYS_close, (uint64_t)sv[0], 0, 0, 0), 0);
	assert_int_equal(traced_n, 6);
	assert_int_equal(ctl->fdcache[sv[0]], IL_FD_SOCKET);
	ctl->fdcache[sv[0]] = 0; /* (rec clears the cache at a traced close) */
	assert_int_equal(lib4(SYS_close, (uint64_t)sv[1], 0, 0, 0), 0);
	assert_int_equal(traced_n, 6);
	assert_int_equal(ctl->fdcache[sv[1]], 0);

	/* the entries: openat, openat, fcntl x3, ioctl, futex, write, close x3 */
	static const long want[] = {SYS_openat, SYS_openat, SYS_fcntl, SYS_fcntl, SYS_fcntl, SYS_ioctl,
				    SYS_futex,  SYS_write,  SYS_close, SYS_close, SYS_close};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct il_entry *e = il_ring_at(ring, pos);
		assert_int_equal(e->nr, want[i]);
		assert_int_equal(e->data_len, i == 3 ? sizeof(struct flock) : 0); /* F_GETLK writes its struct flock */
		pos += e->length;
	}
	assert_int_equal(pos, ctl->head);
	unlink(reg);
	unlink(fifo);
	rmdir(dir);
}

/* ---- il_ctl_init: only emulated calls with simple outputs ---- */

static void test_ctl_init(void **state)
{
	(void)state;
	struct il_ctl c;
	assert_int_equal(il_ctl_init(&c, allowed_nrs, NALLOWED), 0);
	assert_int_equal(c.magic, IL_MAGIC);
	assert_int_equal(c.mode, IL_MODE_OFF);
	assert_int_equal(c.ncalls, NALLOWED);
	for (int nr = 0; nr < SC_MAX; nr++) {
		int want = 0;
		for (int i = 0; i < NALLOWED; i++)
			want |= allowed_nrs[i] == nr;
		/* (getcpu's bit: the library's own, for rdtscp; no slot) */
		assert_int_equal(!!(c.allow[nr / 8] & (1 << (nr % 8))), want || nr == SYS_getcpu);
		assert_int_equal(!!c.slot[nr], want);
		if (!want)
			continue;
		const struct il_call *k = &c.calls[c.slot[nr] - 1];
		assert_int_equal(k->nr, nr);
		assert_int_equal(k->nargs, sc_table[nr].nargs);
		assert_memory_equal(k->out, sc_table[nr].out, sizeof k->out);
	}
	assert_int_equal(c.calls[c.slot[SYS_clock_gettime] - 1].out[0].kind, OUT_FIXED);

	/* getrandom (OUT_RET) and nanosleep (`always`) are simple */
	long simple[] = {SYS_getrandom, SYS_nanosleep, SYS_getrandom};
	assert_int_equal(il_ctl_init(&c, simple, 3), 0);
	assert_int_equal(c.ncalls, 2);

	/* reads and writes: made without blocking, a write's bytes hashed */
	long io[] = {SYS_read, SYS_write, SYS_pread64, SYS_pwrite64};
	assert_int_equal(il_ctl_init(&c, io, 4), 0);
	assert_int_equal(c.calls[c.slot[SYS_read] - 1].io, IL_IO_READ);
	assert_int_equal(c.calls[c.slot[SYS_read] - 1].echo, 0);
	assert_int_equal(c.calls[c.slot[SYS_write] - 1].io, IL_IO_WRITE);
	assert_int_equal(c.calls[c.slot[SYS_write] - 1].echo, ECHO_BUF);
	assert_int_equal(c.calls[c.slot[SYS_pwrite64] - 1].io, IL_IO_PWRITE);

	/* refused: not emulated, outputs the library cannot walk, echoed
	 * calls it cannot make without blocking, unknown numbers; then
	 * nothing is allowed */
	static const long refused[] = {SYS_mmap,   SYS_clone,  SYS_execve,   SYS_rt_sigaction, SYS_readv,
				       SYS_recvmmsg, SYS_sendto, SYS_wait4, SYS_pselect6,    SYS_epoll_pwait2,
				       -1,         600,        511};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		long nrs[2] = {SYS_getpid, refused[i]};
		assert_int_equal(il_ctl_init(&c, nrs, 2), -EINVAL);
		assert_int_equal(c.ncalls, 0);
		assert_int_equal(c.allow[SYS_getpid / 8], 0);
	}
	long many[IL_MAX_CALLS + 1];
	for (int i = 0; i <= IL_MAX_CALLS; i++)
		many[i] = SYS_getpid;
	assert_int_equal(il_ctl_init(&c, many, IL_MAX_CALLS + 1), -E2BIG);
	assert_int_equal(il_ctl_init(&c, many, IL_MAX_CALLS), 0);
	assert_int_equal(c.ncalls, 1);
}

/* A syscall site as glibc writes it (clock_gettime: mov $228, %eax;
 * syscall; cmp $-4095, %rax; jae; ret), patched as rec will patch it
 * (common/inproc_site.c) to call the library: recorded untraced, then
 * replayed from the ring with no syscall. */
static void test_patched_site(void **state)
{
	(void)state;
	static const uint8_t site_code[] = {0xb8, 0xe4, 0, 0, 0, 0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0,
					    0xff, 0xff, 0x73, 0x01, 0xc3, 0x48, 0xf7, 0xd8, 0xc3};
	uint8_t *page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	memset(page, 0xcc, 2 * 4096);
	memcpy(page, site_code, sizeof site_code);
	long (*cg)(long, struct timespec *) = (long (*)(long, struct timespec *))(void *)page;
	struct il_site s;
	uint8_t tramp[IL_TRAMP_MAX], jump[IL_SITE_MAX];
	size_t tlen;
	assert_int_equal(il_site_find(page, 4096, (uint64_t)page, (uint64_t)page + 5, &s, NULL), 0);
	assert_int_equal(il_tramp_build(tramp, &tlen, (uint64_t)page + 4096, &s, entry), 0);
	assert_int_equal(il_site_jump(jump, &s, (uint64_t)page + 4096), 0);
	memcpy(page + 4096, tramp, tlen);
	memcpy((uint8_t *)s.addr, jump, s.len);

	reset(IL_MODE_RECORD);
	uint64_t pos = ctl->head;
	struct timespec ts, before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	assert_int_equal(cg(CLOCK_REALTIME, &ts), 0);
	clock_gettime(CLOCK_REALTIME, &after);
	assert_true(ns(&before) <= ns(&ts) && ns(&ts) <= ns(&after));
	assert_int_equal(cg(12345, &ts), EINVAL); /* the site's error path after the call negates it */
	assert_int_equal(untraced_n, 2);
	assert_int_equal(traced_n, 0);
	uint64_t args[2] = {CLOCK_REALTIME, (uint64_t)(uintptr_t)&ts}, bad[2] = {12345, (uint64_t)(uintptr_t)&ts};
	check_entry(&pos, SYS_clock_gettime, args, 2, 0, &ts, sizeof ts);
	check_entry(&pos, SYS_clock_gettime, bad, 2, -EINVAL, NULL, 0);

	reset(IL_MODE_REPLAY);
	struct timespec rec_ts = {4242, 4343};
	put_entry(SYS_clock_gettime, args, 2, 0, &rec_ts, sizeof rec_ts, 0);
	assert_int_equal(cg(CLOCK_REALTIME, &ts), 0);
	assert_memory_equal(&ts, &rec_ts, sizeof ts);
	assert_int_equal(untraced_n + traced_n, 0);
	assert_int_equal(ctl->tail, ctl->head);
	munmap(page, 2 * 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_init),    cmocka_unit_test(test_header),
		cmocka_unit_test(test_record),      cmocka_unit_test(test_traced),
		cmocka_unit_test(test_ring_room),   cmocka_unit_test(test_replay),
		cmocka_unit_test(test_replay_traps), cmocka_unit_test(test_always),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_registers),  cmocka_unit_test(test_patched_site),
		cmocka_unit_test(test_tsc),
		cmocka_unit_test(test_io),          cmocka_unit_test(test_net),
		cmocka_unit_test(test_file_checks), cmocka_unit_test(test_fd_state),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
