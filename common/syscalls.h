/* syscalls.h - the one table describing every x86-64 syscall heisen knows:
 * its arguments, the memory it writes and how replay treats it. The
 * recorder, the replayer and the seccomp filter all read it. */
#ifndef HEISEN_SYSCALLS_H
#define HEISEN_SYSCALLS_H

#include <stdint.h>
#include <stddef.h>

#define SC_MAX 512 /* table size; x86-64 numbers are below this */

/* Replay classes. */
enum sc_class {
	SCC_UNKNOWN = 0, /* not in the table: rec lets the kernel answer, and records
			  * only its -ENOSYS (sc_unknown_recordable); else recording stops */
	SCC_EMU,         /* not run in replay: result and memory from the trace */
	SCC_EXEC,        /* run again in replay; the result must match */
	SCC_EXEC_RES,    /* run again for its effect; result from the trace (set_tid_address) */
	SCC_MMAP,        /* run at the recorded address; file contents from the trace */
	SCC_MREMAP,      /* run, moving to the recorded address */
	SCC_BRK,         /* the break, rebuilt with anonymous mappings */
	SCC_EXECVE,      /* replay rebuilds the new image from the exec snapshot */
	SCC_EXIT,        /* run: the thread or process ends */
	SCC_PROCESS,     /* creates threads or processes (clone, fork, vfork) */
	SCC_REFUSE,      /* never run: -ENOSYS, so the program falls back */
	SCC_SHMAT,       /* a System V segment attached: a shared mapping of one copy per segment */
	SCC_SHMDT,       /* its detach: the mapping there unmapped */
	SCC_NCLASSES
};

/* How a wait-family syscall tells which child it reaped. */
enum { SC_REAP_NONE = 0, SC_REAP_WAIT4, SC_REAP_WAITID };

/* Shapes of memory a syscall writes (a, b: argument indexes). */
enum sc_out_kind {
	OUT_NONE = 0,
	OUT_FIXED,     /* arg a points at `size` bytes */
	OUT_RET,       /* arg a points at `result` bytes */
	OUT_ARGLEN,    /* arg a points at arg b * size bytes (size 0 means 1) */
	OUT_LENPTR,    /* arg a points at *(u32 *)arg b bytes (at most size); arg b at 4 */
	OUT_IOV,       /* iovec array arg a, count arg b: `result` bytes scattered */
	OUT_MSGHDR,    /* struct msghdr at arg a (recvmsg) */
	OUT_MMSGHDR,   /* struct mmsghdr array at arg a, `result` entries (recvmmsg) */
	OUT_IOCTL,     /* ioctl: request arg 1, pointer arg 2, size from the request */
	OUT_FDSET,     /* fd_set at arg a for arg b descriptors */
	OUT_RET_ELEMS, /* arg a points at result * size bytes (epoll_wait) */
	OUT_FCNTL,     /* fcntl: locks and owner queries write through arg 2 */
	OUT_SOCKOPT,   /* getsockopt: value arg 3, length pointer arg 4 */
	OUT_FDSETS,    /* fd_sets at args a, a+1, a+2 for arg b descriptors (select) */
	OUT_FUTEX,     /* futex: the words PI and WAKE_OP operations change */
	OUT_PAGEVEC,   /* arg a points at one byte per page of arg b bytes (mincore) */
	OUT_KEYCTL,    /* keyctl: where depends on the operation (arg 0) */
	OUT_NKINDS,
};

/* How a write-like syscall's data is echoed by replay (fd is arg 0). */
enum { ECHO_NONE = 0, ECHO_BUF, ECHO_IOV };

struct sc_out {
	uint8_t kind, a, b;
	uint16_t size;
	uint8_t always;    /* written on failure too (time left after EINTR, mincore's vector up to a hole) */
};

/* mask_arg's high bit: the argument points at {sigset pointer, size} (pselect6). */
#define SC_MASK_INDIRECT 0x80

struct sc_desc {
	const char *name;
	uint8_t nargs;
	uint8_t cls;
	uint8_t echo;
	uint8_t mask_arg;  /* 1 + index of a temporary signal mask argument, or 0 */
	uint8_t xfer_fd;   /* 1 + index of the output fd of an in-kernel copy, or 0 */
	uint8_t reap;      /* a wait that may reap a child: SC_REAP_*, or 0 */
	struct sc_out out[3];
};

extern const struct sc_desc sc_table[SC_MAX];

/* The table entry for nr, or NULL if heisen does not know it. */
const struct sc_desc *sc_lookup(long nr);
/* Syscall name, or "syscall_N" in buf for unknown numbers. */
const char *sc_name(long nr, char buf[32]);
/* The lock word of a futex call that, finding the lock taken, sets
 * FUTEX_WAITERS in it at once and blocks (FUTEX_LOCK_PI, LOCK_PI2): other
 * threads see the change before the call returns. 0 for other calls. */
uint64_t sc_pi_lock_word(long nr, const uint64_t args[6]);
/* 1 for a futex call that changes futex words in the kernel and returns
 * without blocking (FUTEX_WAKE_OP, UNLOCK_PI, TRYLOCK_PI): no other thread
 * may run before its record, or it would see the change first. */
int sc_futex_quick_write(long nr, const uint64_t args[6]);
/* 1 if futex call args (its operation) wakes waiters: its result counts them. */
int sc_futex_wakes(const uint64_t args[6]);
/* What a clone-family call (clone, clone3, fork, vfork) asks for. */
struct sc_clone {
	uint64_t flags;      /* clone flags (fork: SIGCHLD) */
	uint64_t ptid, ctid; /* where CLONE_PARENT_SETTID / CLONE_CHILD_SETTID store the tid */
	uint64_t pidfd;      /* with CLONE_PIDFD: where the kernel stores the pidfd; else 0 */
	uint64_t flags_addr; /* clone3: where its flags are in memory; 0 otherwise */
	uint64_t stack;      /* the child's first stack pointer; 0: the caller's */
};
/* Reads tracee memory (the region walker, clone3): bytes read or -errno. */
typedef long (*sc_read_fn)(void *ctx, uint64_t addr, void *dst, size_t len);
/* Reads what clone-family call nr with args asks for (clone3's struct
 * through rd); returns 0, -EFAULT, or -EINVAL for another syscall. */
int sc_clone_args(long nr, const uint64_t args[6], sc_read_fn rd, void *ctx, struct sc_clone *c);
/* 1 if d's syscalls return at once and change only the caller's process
 * (mmap, mprotect, sigaction...: re-executed classes); 0 if not. */
int sc_is_quick(const struct sc_desc *d);
/* 1 if neither rec nor replay stops for syscall nr (trace format 7 on):
 * rt_sigaction, whose effect and result follow from the process's own
 * signal state, which the run so far rebuilds in replay; the program runs
 * it itself in rec (the seccomp filter lets it through) and replay runs it
 * where the program makes it, with no record. Only nr's low 32 bits
 * count: the kernel and rec's filter read no more. */
int sc_unrecorded(long nr);
/* 1 if syscall nr, a number the table lacks (sc_lookup NULL), may be
 * recorded with result: only -ENOSYS, the answer of a kernel that lacks
 * it too (nothing happened, no memory written; replay answers it from the
 * trace). 0 for any other result, the kernel implements the number and
 * heisen cannot record it (recording stops), and for numbers the table has. */
int sc_unknown_recordable(long nr, int64_t result);
/* Whether a syscall replay runs again has arguments heisen never lets run:
 * madvise advice unknown to heisen (the kernel's EINVAL) or acting on
 * physical memory (MADV_HWPOISON, MADV_SOFT_OFFLINE). rec answers -EINVAL
 * without running it, replay the recorded result, the sandbox kills it. */
int sc_exec_refused(long nr, const uint64_t args[6]);
/* Name of a replay class. */
const char *sc_class_name(int cls);

/* Called once per output region (addr, len). Returns 0 or -errno to stop. */
typedef int (*sc_region_fn)(void *ctx, uint64_t addr, uint64_t len);

/* The child a wait-family call (d->reap) reaped, as its result and the
 * memory it wrote (status, siginfo: read through rd) say; 0 if none (a
 * stop reported, WNOHANG with nothing, WNOWAIT, a failure). */
int64_t sc_reaped(const struct sc_desc *d, const uint64_t args[6], int64_t result, sc_read_fn rd, void *ctx);

/* Walks the memory regions syscall nr wrote, given its arguments and
 * result, reading pointers and lengths through rd; returns 0 or the first
 * non-zero value of fn. Regions may over-approximate: they are captured
 * and restored at the same point, so extra bytes keep their values. */
int sc_out_regions(const struct sc_desc *d, const uint64_t args[6], int64_t result,
		   sc_read_fn rd, sc_region_fn fn, void *ctx);

/* Walks every region syscall d may write, from its arguments alone (for
 * a call still in flight); returns 0 or the first error of rd or fn. */
int sc_out_bound(const struct sc_desc *d, const uint64_t args[6], sc_read_fn rd, sc_region_fn fn, void *ctx);

/* Walks the bytes a write-like syscall (one with an echo kind) sent out:
 * calls fn per piece (addr, len), `result` bytes in all; returns 0 or the
 * first non-zero value of fn. */
int sc_written(const struct sc_desc *d, const uint64_t args[6], int64_t result, sc_read_fn rd, sc_region_fn fn,
	       void *ctx);

/* Size of the memory an ioctl request writes through its pointer, 0 if none,
 * -1 if the request is unknown. */
long sc_ioctl_out_size(unsigned long request);

#endif
