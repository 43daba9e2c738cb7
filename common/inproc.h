/* inproc.h - the in-process syscall library (docs/inprocess.md): its place
 * and layout in a recorded process, the control area rec and replay share
 * with it, and the ring entries it writes (record) or reads (replay).
 * Included by the freestanding library (inproc/, IL_FREESTANDING defined),
 * by its assembly (__ASSEMBLER__) and by ordinary code. */
#ifndef HEISEN_INPROC_H
#define HEISEN_INPROC_H

/* Where the library lives in every process that has it, and its layout
 * from there. Inside the range the sanitizers keep for the program: TSan
 * refuses any mapping outside its application ranges (PIE binaries at
 * 0x550000000000-0x568000000000 is one: with ASLR off they load at
 * 0x555555554000), ASan's high memory starts at 0x10007fff8000, MSan's
 * second application range is 0x510000000000-0x600000000000. */
#define IL_BASE 0x560000000000ULL
#define IL_TEXT_MAX (64 * 1024)          /* text at +0 (r-x), the header first */
#define IL_CTL_OFF (64 * 1024)           /* control page (rw-): struct il_ctl */
#define IL_CTL_SIZE 4096
#define IL_STACK_OFF (68 * 1024)         /* the library's stack (rw-) */
#define IL_STACK_SIZE (16 * 1024)
#define IL_RING_HDR_OFF (IL_BUF_OFF - 4096) /* the ring's header (rw-): struct il_ring_hdr */
#define IL_BUF_OFF (1024 * 1024)         /* the ring (rw-) */
#define IL_BUF_SIZE (1024 * 1024)
#define IL_MAP_SIZE (IL_BUF_OFF + IL_BUF_SIZE) /* the whole mapping */

#define IL_MAGIC 0x4c494e48u  /* "HNIL" */
#define IL_VERSION 4          /* 4: rdtsc and rdtscp (il_header.tsc_entry, the il_ctl tsc_* fields) */
#define IL_VERSION_MIN 3      /* the oldest library replay still drives (from older traces' snapshots) */

/* Control modes. */
#define IL_MODE_OFF 0     /* every call traced */
#define IL_MODE_RECORD 1  /* allowed calls made untraced and appended to the ring */
#define IL_MODE_REPLAY 2  /* allowed calls fed from the ring; no syscall */

/* Offsets into struct il_ctl the entry code uses (checked below). */
#define IL_CTL_MODE 8
#define IL_CTL_BUSY 12
#define IL_CTL_NOTIFY 16
#define IL_CTL_SAVED_RSP 40

/* What il_main tells the entry code to do (rax: result, rdx: action). */
#define IL_ACT_RETURN 0   /* return the result */
#define IL_ACT_TRACED 1   /* make the call at the traced syscall instruction */
#define IL_ACT_NOTIFY 2   /* return the result after a traced getpid */

#define IL_MAX_CALLS 64   /* syscalls the control area can describe */
#define IL_MAX_ENTRY (IL_BUF_SIZE / 4) /* a larger entry goes traced */

/* il_entry.nr of a wrap marker: the rest of the ring up to its end is
 * unused, the next entry is at the ring's start. */
#define IL_NR_WRAP 0xffff
/* il_entry.nr of an rdtsc or rdtscp the library answered (docs/inprocess.md
 * section 16): result is the value, an rdtscp's entry holds TSC_AUX (4
 * bytes); the args hash is 0. Outside the syscall numbers. */
#define IL_NR_RDTSC 0xfff0
#define IL_NR_RDTSCP 0xfff1
#define IL_TSC_AUX_LEN 4
/* il_entry.flags: rec drained the ring at the traced getpid of a notify
 * right after this entry; replay makes the same traced getpid. */
#define IL_EF_NOTIFY 1

/* ctl->diverged.kind: why replay's library trapped (int3). */
#define IL_DIV_NONE 0
#define IL_DIV_EMPTY 1    /* the ring is empty: feed it or set go_traced */
#define IL_DIV_CALL 2     /* the next entry is for another call (nr or args) */
#define IL_DIV_ENTRY 3    /* the next entry is malformed (length, regions) */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#include "syscalls.h"

#ifdef IL_FREESTANDING
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

/* At offset 0 of the blob (inproc/entry.S): what rec needs to map it and
 * to let its untraced syscall through the seccomp filter. Offsets from
 * IL_BASE. */
struct il_header {
	uint32_t magic, version;
	uint32_t size;          /* bytes of text (the blob) */
	uint32_t entry;         /* il_entry: what a patched site's trampoline calls */
	uint32_t untraced_ret;  /* after the untraced `syscall` (the filter allows it) */
	uint32_t traced;        /* the traced `syscall` (an ordinary seccomp stop) */
	uint32_t traced_ret;    /* after it */
	uint32_t trap_ret;      /* after replay's int3 */
	uint32_t tsc_entry;     /* il_tsc_entry: what a patched rdtsc's trampoline calls (version 4) */
	uint32_t rdtsc_traced;  /* the library's own rdtsc, which faults (version 4) */
	uint32_t rdtscp_traced; /* and rdtscp */
};

/* One syscall the library may make untraced: its argument count and its
 * output descriptors, copied from sc_table (only OUT_NONE, OUT_FIXED,
 * OUT_RET, OUT_RET_ELEMS, OUT_LENPTR, OUT_SOCKOPT kinds). */
struct il_call {
	uint16_t nr;
	uint8_t nargs;
	uint8_t io;             /* IL_IO_*: how the library makes it without blocking */
	uint8_t echo;           /* ECHO_BUF: its bytes (args[1], result of them) are hashed with its arguments */
	uint8_t check;          /* IL_CHECK_*: what the library checks before making it */
	uint8_t pad[2];
	struct sc_out out[3];
};

/* How the library makes a call that may block: never blocking, with
 * preadv2/pwritev2 and RWF_NOWAIT (EAGAIN: the call is made traced). */
#define IL_IO_NONE 0
#define IL_IO_READ 1    /* read(fd, buf, n): at the file position */
#define IL_IO_PREAD 2   /* pread64(fd, buf, n, off) */
#define IL_IO_WRITE 3   /* write(fd, buf, n) */
#define IL_IO_PWRITE 4  /* pwrite64(fd, buf, n, off) */
#define IL_IO_WRITE_MAX 4096 /* larger writes are traced (a pipe's atomic size) */
#define IL_IO_POLL 8    /* epoll_wait, epoll_pwait: with timeout 0 (nothing ready and a
			 * timeout: traced); epoll_pwait with a signal mask: traced */
#define IL_IO_NBFD 9    /* accept, accept4, connect: on an O_NONBLOCK fd only (else traced) */

/* Calls on files the library makes only once it knows they cannot block
 * or change what rec must see (docs/inprocess.md section 15); others go
 * traced. */
#define IL_CHECK_NONE 0
#define IL_CHECK_OPEN 1   /* openat: the path names a regular file, a directory or nothing */
#define IL_CHECK_CLOSE 2  /* close: not a socket (a lingering close blocks) */
#define IL_CHECK_FCNTL 3  /* fcntl: F_GETFD/SETFD/GETFL/SETFL and the non-waiting locks */
#define IL_CHECK_FUTEX 4  /* futex: FUTEX_WAKE and FUTEX_WAKE_BITSET */
#define IL_CHECK_IOCTL 5  /* ioctl: TCGETS (isatty) */
#define IL_CHECK_SOCKET 6 /* socket: made as it is; the new fd's kind, O_NONBLOCK and linger cached */
#define IL_CHECK_SOCKOPT 7 /* setsockopt: not SO_LINGER (rec must see it: the fd cache's linger bits) */

#define IL_TCGETS 0x5401
#define IL_TCGETS_SIZE 36 /* the kernel's struct termios (sc_ioctl_out_size) */

/* What the library knows of an fd below IL_FDCACHE_N (ctl->fdcache): 0
 * unknown, else a kind and IL_FD_ECHO. The library fills an entry from
 * an fstat and clears it when it closes the fd; rec clears them all at
 * every traced call that may close or replace an fd (il_fd_replacing). */
#define IL_FDCACHE_N 1024
#define IL_FD_FILE 1      /* a regular file: read and written as asked */
#define IL_FD_OTHER 2     /* a pipe, a device...: read and written with RWF_NOWAIT */
#define IL_FD_SOCKET 3    /* a socket: as IL_FD_OTHER; its close is traced */
#define IL_FD_KIND 3
#define IL_FD_ECHO 4      /* rec's stdout or stderr: writes traced */
#define IL_FD_SHARED 8    /* a file mapped shared (ctl->shared_*), or one of /proc: writes traced */
/* What the library knows of a socket's open file description (kept
 * exact: the calls that change them, fcntl F_SETFL, ioctl FIONBIO and
 * setsockopt SO_LINGER, are made traced, and rec clears every process's
 * cache at their exit: il_fd_state_changing). */
#define IL_FD_NBKNOWN 16  /* whether O_NONBLOCK is set is known: IL_FD_NB says */
#define IL_FD_NB 32       /* O_NONBLOCK is set (its EAGAIN is the program's answer) */
#define IL_FD_NOLINGER 64 /* SO_LINGER is off: its close does not wait */
#define IL_FD_NEVERLINGER 128 /* SO_LINGER has been off since the socket was made: the
				 * connections it listened for, made before they are
				 * accepted, have it off too */

#define IL_SHARED_N 4     /* files mapped shared the control area names; more: no_file_writes */

/* What replay's library found when it trapped. */
struct il_diverged {
	uint32_t kind;          /* IL_DIV_* */
	uint32_t nr;            /* the call the program made */
	uint32_t hash;          /* its args hash */
	uint32_t found_nr;      /* the next entry's (IL_DIV_CALL, IL_DIV_ENTRY) */
	uint32_t found_hash;
	uint32_t pad;
	uint64_t tail;          /* where in the ring */
};

/* The TSC as a function of CLOCK_MONOTONIC_RAW, which rec measures once
 * per recording (rec_inproc_tsc_calibrate): a value is base plus the
 * nanoseconds since ns0 times mult / 2^32. The library answers a patched
 * rdtsc from one clock_gettime with it, and rec answers a trapped one
 * the same way, so that every value of the recording comes from one
 * monotonic function (docs/inprocess.md section 16). */
struct il_tsc {
	uint64_t base;          /* the TSC at ns0 */
	uint64_t ns0;           /* CLOCK_MONOTONIC_RAW at calibration, ns */
	uint64_t mult;          /* TSC cycles per ns, 32.32 fixed point; 0: not calibrated */
};

/* The rdtsc value at CLOCK_MONOTONIC_RAW time ns. */
static inline uint64_t il_tsc_at(const struct il_tsc *t, uint64_t ns)
{
	uint64_t d = ns > t->ns0 ? ns - t->ns0 : 0;
	return t->base + (uint64_t)(((unsigned __int128)d * t->mult) >> 32);
}

/* The control area at IL_BASE + IL_CTL_OFF. */
struct il_ctl {
	uint32_t magic, version;
	uint32_t mode;          /* IL_MODE_* */
	uint32_t busy;          /* set while a call is inside the library */
	uint32_t notify;        /* rec wants a stop when the current call ends */
	uint32_t go_traced;     /* replay: on an empty ring, make the call traced */
	uint64_t head;          /* ring bytes written (record: the library; replay: replay) */
	uint64_t tail;          /* ring bytes consumed (record: rec; replay: the library) */
	uint64_t saved_rsp;     /* the program's rsp while on the library stack */
	struct il_diverged diverged;
	uint64_t done;          /* calls made through the ring (record: appended; replay: taken):
				 * the same at the same point of both, unlike head and tail */
	uint64_t echo_dev[2], echo_ino[2]; /* rec's stdout and stderr: writes there are traced (replay shows them) */
	uint32_t no_file_writes; /* writes to regular files are traced (more than IL_SHARED_N files mapped shared) */
	uint32_t pad2;
	uint32_t ncalls;
	uint32_t pad;
	uint8_t allow[SC_MAX / 8];  /* bit nr: nr may be made untraced (the program's calls with a slot;
				     * clock_gettime and getcpu for rdtsc entries too) */
	uint8_t slot[SC_MAX];       /* 1 + index in calls[] of an allowed nr */
	struct il_call calls[IL_MAX_CALLS];
	uint32_t fdcache_off;   /* the fd table is shared with a process that has other memory: no cache */
	uint32_t nshared;       /* files mapped shared in the recording, in shared_dev/ino */
	uint64_t shared_dev[IL_SHARED_N], shared_ino[IL_SHARED_N]; /* writes to them are traced (rec_shared_write) */
	uint8_t fdcache[IL_FDCACHE_N]; /* IL_FD_* of each fd, 0 unknown */
	int32_t pid;            /* the process's pid (rec sets it at exec and fork), 0 unknown: the
				 * library's own reads of the program's memory (process_vm_readv) */
	uint32_t pad3;
	uint64_t proc_dev;      /* /proc's device: its regular files are written traced (IL_FD_SHARED):
				 * a write to /proc/PID/mem changes memory rec must see */
	struct il_tsc tsc;      /* how rdtsc values follow from CLOCK_MONOTONIC_RAW (version 4);
				 * mult 0: not known yet (rdtsc traced) */
};

_Static_assert(offsetof(struct il_ctl, mode) == IL_CTL_MODE, "entry.S offsets");
_Static_assert(offsetof(struct il_ctl, busy) == IL_CTL_BUSY, "entry.S offsets");
_Static_assert(offsetof(struct il_ctl, notify) == IL_CTL_NOTIFY, "entry.S offsets");
_Static_assert(offsetof(struct il_ctl, saved_rsp) == IL_CTL_SAVED_RSP, "entry.S offsets");
_Static_assert(sizeof(struct il_ctl) <= IL_CTL_SIZE, "the control area fits its page");

/* The page before the ring, in RECORD mode: what the library and rec
 * (the recorder's trace writer, on another CPU) tell each other without a
 * stop. rec maps this page and the ring shared with the process once it
 * drains a lot from it (docs/inprocess.md section 6); until then, and in
 * a forked child, they are private and rec writes released through
 * /proc/PID/mem at each drain. */
struct il_ring_hdr {
	uint64_t released;      /* ring bytes rec is done with: the library writes up to released + IL_BUF_SIZE */
	uint64_t head;          /* a copy of ctl->head (the library's release store) */
	uint64_t noted;         /* ring bytes rec has taken note of (up to a drain's head) */
	uint32_t kick;          /* rec asks for a stop (the library's traced getpid) when
				 * head - noted reaches IL_BUF_SIZE / 2 */
	uint32_t kicked;        /* the library asked for that stop (rec clears it) */
	uint32_t full;          /* a call found no room in the ring and went traced (rec clears it) */
	uint32_t pad;
};

/* A ring entry, 8-byte aligned: the header, then the bytes of each region
 * the call wrote, in descriptor order; length counts both, rounded up to 8.
 * A wrap marker needs only nr, flags and length (8 bytes). */
struct il_entry {
	uint16_t nr;
	uint16_t flags;         /* IL_EF_* */
	uint32_t length;
	uint32_t hash;          /* il_args_hash of the call's arguments */
	uint32_t data_len;      /* bytes of region data (length less the header and padding) */
	int64_t result;
};

/* The hash of a call's arguments that replay's library checks. */
static inline uint32_t il_args_hash(const uint64_t *args, unsigned nargs)
{
	return (uint32_t)XXH3_64bits(args, nargs * sizeof *args);
}

#ifdef IL_FREESTANDING
/* XXH3_64bits of n bytes at p with SSE2, every xmm register kept
 * (inproc/entry.S and hash.c): for inputs above IL_HASH_LONG bytes, where
 * XXH3 runs its vector loop (shorter ones are scalar code anyway). */
uint64_t il_hash_long(const void *p, uint64_t n);
#define IL_HASH_LONG 240
#define IL_XXH3(p, n) ((n) > IL_HASH_LONG ? il_hash_long(p, n) : XXH3_64bits(p, n))
#else
#define IL_XXH3(p, n) XXH3_64bits(p, n)
#endif

/* The hash a write-like call's entry has: its arguments' and the n bytes
 * it wrote from buf. */
static inline uint32_t il_echo_hash(uint32_t args_hash, const void *buf, uint64_t n)
{
	return args_hash ^ (uint32_t)IL_XXH3(buf, n);
}

/* Length of an entry with data_len bytes of regions. */
static inline uint32_t il_entry_len(uint64_t data_len)
{
	return (uint32_t)((sizeof(struct il_entry) + data_len + 7) & ~(uint64_t)7);
}

/* Bytes an fcntl the library makes (IL_CHECK_FCNTL) writes through arg 2:
 * a struct flock for F_GETLK and F_OFD_GETLK (the OUT_FCNTL rule). */
static inline uint64_t il_fcntl_out(const uint64_t args[6])
{
	return args[1] == 5 /* F_GETLK */ || args[1] == 36 /* F_OFD_GETLK */ ? 32 : 0;
}

/* Bytes of memory descriptor o says the call wrote, given its arguments
 * and result (0 for none); the rules of sc_out_regions for OUT_FIXED,
 * OUT_RET and OUT_RET_ELEMS (the length-pointer kinds: inproc/lib.c), except that a call failing with EFAULT writes nothing (its
 * `always` pointer may be the bad one: the library would fault on it). */
static inline uint64_t il_out_len(const struct sc_out *o, const uint64_t args[6], int64_t result)
{
	if (o->a >= 6 || !args[o->a])
		return 0;
	if (result < 0 && result > -4096)
		return o->kind == OUT_FIXED && o->always && result != -14 /* EFAULT */ ? o->size : 0;
	if (o->kind == OUT_FIXED)
		return o->size;
	if (o->kind == OUT_RET && result > 0)
		return o->b < 6 && args[o->b] < (uint64_t)result ? args[o->b] : (uint64_t)result;
	if (o->kind == OUT_RET_ELEMS && result > 0 && o->b < 6)
		return (args[o->b] < (uint64_t)result ? args[o->b] : (uint64_t)result) * o->size;
	if (o->kind == OUT_FCNTL)
		return il_fcntl_out(args);
	if (o->kind == OUT_IOCTL)
		return args[1] == IL_TCGETS ? IL_TCGETS_SIZE : 0;
	return 0; /* OUT_FUTEX: the wakes the library makes write nothing */
}

/* Most bytes descriptor o may write, from the arguments alone. */
static inline uint64_t il_out_bound(const struct sc_out *o, const uint64_t args[6])
{
	if (o->a >= 6 || !args[o->a])
		return 0;
	if (o->kind == OUT_FIXED)
		return o->size;
	if (o->kind == OUT_RET)
		return o->b < 6 ? args[o->b] : 0;
	if (o->kind == OUT_RET_ELEMS) /* (a count past the ring is as good as infinite) */
		return o->b < 6 ? (args[o->b] > IL_BUF_SIZE ? UINT64_MAX : args[o->b] * o->size) : 0;
	if (o->kind == OUT_FCNTL)
		return il_fcntl_out(args);
	if (o->kind == OUT_IOCTL)
		return args[1] == IL_TCGETS ? IL_TCGETS_SIZE : 0;
	return 0;
}

/* The entry at ring position pos (a byte count), with the ring mapped at
 * ring. */
static inline struct il_entry *il_ring_at(void *ring, uint64_t pos)
{
	return (struct il_entry *)((char *)ring + (pos & (IL_BUF_SIZE - 1)));
}

#ifndef IL_FREESTANDING
/* Fills ctl for a new process: magic, version, mode OFF, an empty ring,
 * and the calls nrs[0..n) may make untraced with their descriptors from
 * sc_table; -EINVAL if one is unknown, not emulated (SCC_EMU), writes
 * memory the library cannot walk (see il_call) or is echoed
 * (write-like); -E2BIG past IL_MAX_CALLS. */
int il_ctl_init(struct il_ctl *ctl, const long *nrs, int n);
/* 1 if syscall nr (made traced) may close an fd or make it name another
 * file: rec then clears the control area's fdcache. */
int il_fd_replacing(long nr);
/* The fdcache bits syscall nr(args) (made traced) may make wrong, as it
 * changes what they say of an open file description (O_NONBLOCK,
 * SO_LINGER), which other processes may share: rec then clears them in
 * every process's fdcache. 0 for a call that changes none. */
unsigned il_fd_state_changing(long nr, const uint64_t args[6]);
/* The name of ring entry number nr: a syscall's, or rdtsc, rdtscp. */
const char *il_nr_name(long nr, char buf[32]);
/* 1 if deny (a bitmap of syscall numbers a program's seccomp filter may
 * refuse) holds one the library makes on its own account while making
 * the program's calls (fstat, fcntl, getpid, process_vm_readv, preadv2...):
 * then it cannot make any untraced. */
int il_helpers_denied(const uint8_t *deny);
#endif

#endif /* __ASSEMBLER__ */
#endif
