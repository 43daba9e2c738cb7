/* sandbox.h - seccomp filters built with libseccomp: the export of a
 * filter to BPF (rec's and replay's), and replay's sandbox, the backstop
 * that keeps replayed code from acting outside the replay. */
#ifndef HEISEN_SANDBOX_H
#define HEISEN_SANDBOX_H

#include <stdint.h>

#include "util.h"

/* The syscall argument (index) that carries replay's secret cookie in the
 * syscalls only replay itself may inject (openat, close, execve...); every
 * such syscall takes fewer than six arguments. */
#define SANDBOX_COOKIE_ARG 5

/* Compiles a libseccomp filter context (a scmp_filter_ctx) to BPF in bpf,
 * so a child can load it after fork with one prctl; returns 0 or -errno. */
int filter_export(void *ctx, struct buf *bpf);

/* Puts before the BPF program in bpf (a filter_export of libseccomp's,
 * whose jumps are relative: it runs unchanged after it) five instructions
 * that return SECCOMP_RET_ALLOW for a syscall whose instruction pointer
 * (the address after its syscall instruction) is ip, both 32-bit halves
 * compared: in-process recording's one untraced syscall
 * (docs/inprocess.md, section 10). Returns 0, -EINVAL (bpf not a whole
 * program) or -E2BIG (longer than BPF_MAXINSNS), or -ENOMEM. */
int filter_allow_ip(struct buf *bpf, uint64_t ip);

/* Puts before the BPF program in bpf (as filter_allow_ip) three
 * instructions that fail every syscall of architecture arch (an
 * AUDIT_ARCH_* value: AUDIT_ARCH_I386 for int 0x80) with errno err (1 to
 * 4095), which the kernel answers without running it nor stopping for a
 * tracer: rec's refusal of 32-bit syscalls. Returns 0, -EINVAL (bpf not a
 * whole program, err out of range), -E2BIG or -ENOMEM. */
int filter_refuse_arch(struct buf *bpf, uint32_t arch, int err);

/* A syscall number no kernel implements: with argument 0 a seccomp action
 * (SECCOMP_RET_KILL_THREAD or _KILL_PROCESS), the program filters rec
 * installs for the program (filter_rewrite) and replay's sandbox (with the
 * cookie) answer it with that action: how rec and replay have the kernel
 * kill a thread as a program's filter would have. */
#define FILTER_KILL_NR 0x3fff4b4cL

/* What a program's filter action becomes when rec installs it: the
 * action to return instead (SECCOMP_RET_ALLOW or SECCOMP_RET_TRACE with
 * data), chosen by the caller. */
typedef uint32_t (*filter_action_fn)(void *ctx, uint32_t action);

/* Rewrites a program's classic BPF seccomp filter (n instructions at in)
 * into out: every `ret K` returns map(K) instead, and a prefix answers
 * FILTER_KILL_NR with its argument 0 before the program's own
 * instructions run (A, X zeroed again). Returns 0, -EINVAL (empty, or an
 * action computed at run time: `ret A`), -E2BIG (too long with the
 * prefix) or -ENOMEM. */
int filter_rewrite(const void *in, size_t n, filter_action_fn map, void *ctx, struct buf *out);

/* Sets bit nr of bits (nbits of them) for every x86-64 syscall number
 * the filter (n instructions at prog, checked by the kernel) may answer
 * with anything but allow or log, whatever the other fields of
 * seccomp_data: every path the number and architecture leave open is
 * followed; unsure means yes. The in-process library makes the others. */
void filter_may_refuse(const void *prog, size_t n, uint8_t *bits, size_t nbits);

struct seccomp_data;
/* What the filter (n instructions at prog, checked by the kernel) returns
 * for the syscall d, as the kernel would run it. */
uint32_t filter_run(const void *prog, size_t n, const struct seccomp_data *d);

/* Builds replay's sandbox filter as BPF in bpf: syscalls of another
 * architecture (int 0x80, x32) and every syscall replay does not re-execute
 * kill the process; replay's own injections are allowed only with cookie in
 * argument SANDBOX_COOKIE_ARG. Returns 0 or -errno. */
int sandbox_bpf(uint64_t cookie, struct buf *bpf);

/* Loads a BPF filter into the calling process (no_new_privs first); safe
 * between fork and exec. Returns 0 or -errno. */
int sandbox_install(const struct buf *bpf);

/* Whether syscall nr, as injected by replay itself, needs the cookie. */
int sandbox_needs_cookie(long nr);

#endif
