/* ptrace_util.h - tracee registers and memory, wait-status helpers, disassembly. */
#ifndef HEISEN_PTRACE_UTIL_H
#define HEISEN_PTRACE_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/user.h>

/* Reads len bytes of tid's memory at addr; returns bytes read (short at an
 * unmapped page) or -errno. */
long mem_read(pid_t tid, uint64_t addr, void *dst, size_t len);
/* mem_read as an sc_read_fn: ctx points at the thread's pid_t. */
long mem_read_pid(void *ctx, uint64_t addr, void *dst, size_t len);
/* Writes len bytes into the memory behind memfd (/proc/PID/mem), even into
 * read-only pages; returns 0 or -errno. */
int mem_write(int memfd, uint64_t addr, const void *src, size_t len);
/* Opens /proc/PID/mem for writing; returns the fd or -errno. */
int mem_open(pid_t pid);
/* Opens /proc/PID/pagemap for mem_read_anon; the fd or -errno. */
int mem_pagemap_open(pid_t pid);
/* The thread group (process id) of thread tid, from /proc/TID/status; -1 if unknown. */
pid_t tracee_tgid(pid_t tid);
struct mem_range;
/* The touched (present or swapped) page ranges of [start, end), from
 * pagemap pm with PAGEMAP_SCAN (Linux 6.7), up to n of them into out: how
 * many, with *next where the scan stopped (end once it covered all); or
 * -errno (ENOTTY, EINVAL: a kernel without it). */
long mem_touched(int pm, uint64_t start, uint64_t end, struct mem_range *out, size_t n, uint64_t *next);
/* As mem_read, for private anonymous memory (page-aligned addr and len):
 * pages never touched (pagemap pm says neither present nor swapped) read
 * as the zeros they are, without reading them; pm < 0: mem_read. */
long mem_read_anon(int pm, pid_t tid, uint64_t addr, void *dst, size_t len);

/* Gets or sets the general registers; return 0 or -errno. */
int regs_get(pid_t tid, struct user_regs_struct *r);
int regs_set(pid_t tid, const struct user_regs_struct *r);
/* The six syscall arguments in r (rdi, rsi, rdx, r10, r8, r9). */
void regs_syscall_args(const struct user_regs_struct *r, uint64_t a[6]);
/* Prints the general registers, four to a line. */
void regs_print(FILE *f, const struct user_regs_struct *r);

/* Decodes the instruction at code (len bytes, located at addr) with
 * capstone: stores its capstone id and size; returns 0 or -EINVAL. */
int disasm_one(const uint8_t *code, size_t len, uint64_t addr, unsigned *id, unsigned *size);
/* Prints up to n instructions read from tid's memory at addr, marking the
 * first; prints a note instead when the memory cannot be read. */
void disasm_print(FILE *f, pid_t tid, uint64_t addr, int n);
/* capstone ids of rdtsc and rdtscp, so callers need not include capstone. */
unsigned disasm_id_rdtsc(void);
unsigned disasm_id_rdtscp(void);
/* 1 if the instruction (a capstone id from disasm_one) ends a straight
 * line of code: a branch, a return, a trap, a syscall. */
int disasm_ends_line(unsigned id);

/* Describes a wait status ("exited 3", "killed by SIGSEGV") into buf. */
const char *wait_describe(int status, char *buf, size_t n);

struct sc_desc;
/* Hashes (XXH3-64) the bytes the write-like syscall d sent, reading them
 * from tid's memory; copies them to echo_fd too unless it is -1.
 * Returns 0 or -errno. */
int mem_written_hash(pid_t tid, const struct sc_desc *d, const uint64_t args[6], int64_t result, int echo_fd,
		     uint64_t *hash);

/* XXH3-64 of the x87/SSE register state of tid; 0 if unreadable. */
uint64_t fpregs_hash(pid_t tid);
/* One mapping of /proc/PID/maps. */
struct map_range {
	uint64_t start, end;
	char perms[5];
	uint64_t inode; /* 0: anonymous memory */
	uint64_t offset; /* in the file, of start */
	uint32_t dev_major, dev_minor;
};
typedef int (*maps_fn)(void *ctx, const struct map_range *m);
/* Calls fn for each mapping of tid's process, in address order, until fn
 * returns non-zero; returns that value, 0, or -errno if maps is unreadable. */
int maps_foreach(pid_t tid, maps_fn fn, void *ctx);
/* The mapping of tid's process that holds addr, in *m: 1 if there is
 * one, 0 if not, -errno (PROCMAP_QUERY, else /proc/PID/maps' text). */
int maps_find(pid_t tid, uint64_t addr, struct map_range *m);
/* maps_find with fd, tid's /proc/PID/maps open already. */
int maps_find_fd(int fd, pid_t tid, uint64_t addr, struct map_range *m);
/* Memory a hash leaves out: a mapping (replay's own trampoline page) and
 * byte ranges (what syscalls still in flight may write), hashed as zeros. */
struct mem_skip {
	uint64_t map; /* start of the mapping left out; 0: none */
	size_t n, cap;
	struct mem_range {
		uint64_t a, b;
	} *r;
};
/* Adds [a, a+len) to k; returns 0 or -ENOMEM. */
int mem_skip_add(struct mem_skip *k, uint64_t a, uint64_t len);
/* Adds what the emulated syscall d of thread tid, still in flight with
 * args, may write; returns 0 or -ENOMEM. */
int mem_skip_syscall(struct mem_skip *k, pid_t tid, const struct sc_desc *d, const uint64_t args[6]);
/* Adds the dead stacks of tid's address space: below the red zone of
 * self (the stack pointer of the thread whose point it is) in the mapping
 * holding it, and in each other mapping below the lowest red zone of the
 * n stack pointers rsp (its other threads, trace format 11 on). Dead by
 * the ABI, and not the same in record and replay: signal frames land
 * there, and what XSAVE-family instructions (ld.so's lazy binding) skip
 * for registers the CPU sees in their initial state, which depends on when
 * the kernel switched the thread out. Returns 0 or -errno. */
int mem_skip_dead_stacks(struct mem_skip *k, pid_t tid, uint64_t self, const uint64_t *rsp, size_t n);
/* Adds the in-process library's control page, stack and ring: not the
 * same in record and replay. Returns 0 or -ENOMEM. */
int mem_skip_inproc(struct mem_skip *k);
/* Frees k's ranges (k itself is the caller's). */
void mem_skip_free(struct mem_skip *k);
/* 1 if k leaves out any of the len bytes at a. */
int mem_skip_covers(const struct mem_skip *k, uint64_t a, uint64_t len);
/* XXH3-64 of every writable mapping of tid's process (bytes in address
 * order, and the address where each run of adjacent mappings starts) but
 * what skip (may be NULL) leaves out; sparse (trace format 9 on): instead
 * the pages that are not all zeros, each with its address, whatever the
 * mappings (untouched private anonymous pages not read). Returns 0 or -errno. */
int mem_writable_hash(pid_t tid, const struct mem_skip *skip, int sparse, uint64_t *hash);
/* Opens a hardware-breakpoint perf counter on executions of addr by tid;
 * with period > 0 tid gets signal sig before the period-th execution.
 * Returns the fd or -errno. */
int bp_counter_open(pid_t tid, uint64_t addr, uint64_t period, int sig);
/* Reads a counter's count; returns 0 or -errno. */
int bp_counter_read(int fd, uint64_t *count);

/* After letting tid go on from its PTRACE_EVENT_EXIT stop, waits until it
 * has finished dying (CLONE_CHILD_CLEARTID word cleared, joiners woken):
 * returns 1 with its wait status if it was reaped, 0 if it is a zombie
 * that cannot be reaped yet (a group leader with live threads). */
int tracee_wait_dead(pid_t tid, int *status);
/* Reads /proc/TID/stat into buf; returns a pointer to its third field
 * (the state letter; later fields follow, space-separated) or NULL. */
const char *tracee_stat(pid_t tid, char *buf, size_t n);
/* Reads tid's XSAVE area (NT_X86_XSTATE) into buf (cap bytes); returns
 * its length or -errno. */
long xstate_get(pid_t tid, void *buf, size_t cap);
/* Writes tid's XSAVE area from the len bytes at buf; 0 or -errno. */
int xstate_set(pid_t tid, const void *buf, size_t len);
/* A hex field ("SigBlk:") of /proc/TID/status; 0 if missing or gone. */
uint64_t proc_status_hex(pid_t tid, const char *field);
/* The state letter of thread tid in /proc (R, S, D, t, Z...); 0 if gone. */
char tracee_state(pid_t tid);
/* 1 if thread tid exists and is not a zombie; 0 if not. */
int tracee_alive(pid_t tid);

/* A limit on how long the waits for one event may take, all together:
 * past deadline_ns (CLOCK_MONOTONIC, 0: none) tracee_wait calls expired
 * (which says why, once) and returns what it returns. */
struct wait_bound {
	uint64_t deadline_ns;
	int (*expired)(struct wait_bound *b, pid_t tid);
};
/* Waits (through EINTR) for tid's next wait status, within b (NULL: no
 * limit; b stays the caller's, who moves its deadline from event to
 * event); returns 0, -errno, or b's expired(). */
int tracee_wait(pid_t tid, int *status, struct wait_bound *b);
/* Like tracee_wait, but -ESRCH if tid ended instead of stopping. */
int tracee_wait_stop(pid_t tid, int *status, struct wait_bound *b);

/* Kills pid and reaps every traced child, letting stopped ones go on to die. */
void tracee_kill_all(pid_t pid);

#endif
