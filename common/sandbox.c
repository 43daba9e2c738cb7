/* sandbox.c - seccomp filters: BPF export, and replay's sandbox, built
 * from the syscall table: only what replay re-executes may run. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syscalls.h"

/* What replay injects on its own account (opening the trace's files in
 * the tracee, closing them, exec'ing its stub, delivering a signal under a
 * temporary mask, reaping children): never the program's to run. */
static const long cookie_calls[] = {
	SYS_openat, SYS_close, SYS_execve, SYS_execveat, SYS_rt_sigsuspend, SYS_wait4, SYS_waitid,
};

int sandbox_needs_cookie(long nr)
{
	if (nr == FILTER_KILL_NR)
		return 1;
	for (size_t i = 0; i < sizeof cookie_calls / sizeof cookie_calls[0]; i++)
		if (cookie_calls[i] == nr)
			return 1;
	return 0;
}

int filter_export(void *ctx, struct buf *bpf)
{
	int fd = memfd_create("heisen-bpf", MFD_CLOEXEC), r = -errno;
	if (fd >= 0) {
		r = seccomp_export_bpf(ctx, fd);
		off_t len = lseek(fd, 0, SEEK_CUR);
		if (!r && (len <= 0 || buf_reserve(bpf, (size_t)len) || pread(fd, bpf->p, (size_t)len, 0) != len))
			r = -EIO;
		bpf->len = r ? 0 : (size_t)len;
		close(fd);
	}
	return r;
}

/* Puts the n instructions of prefix before the BPF program in bpf, which
 * runs unchanged after them (its jumps are relative); returns 0, -EINVAL,
 * -E2BIG or -ENOMEM (see filter_allow_ip). */
static int filter_prepend(struct buf *bpf, const struct sock_filter *prefix, size_t n)
{
	if (!bpf->len || bpf->len % sizeof(struct sock_filter))
		return -EINVAL;
	if (bpf->len / sizeof(struct sock_filter) + n > BPF_MAXINSNS)
		return -E2BIG;
	int r = buf_reserve(bpf, n * sizeof *prefix);
	if (r)
		return r;
	memmove(bpf->p + n * sizeof *prefix, bpf->p, bpf->len);
	memcpy(bpf->p, prefix, n * sizeof *prefix);
	bpf->len += n * sizeof *prefix;
	return 0;
}

int filter_allow_ip(struct buf *bpf, uint64_t ip)
{
	const uint32_t ip_off = offsetof(struct seccomp_data, instruction_pointer);
	const struct sock_filter prefix[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip_off), /* low half (little-endian) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip_off + 4), /* high half */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* libseccomp's program: its first instruction loads what it needs */
	};
	return filter_prepend(bpf, prefix, sizeof prefix / sizeof prefix[0]);
}

int filter_refuse_arch(struct buf *bpf, uint32_t arch, int err)
{
	const struct sock_filter prefix[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)err & SECCOMP_RET_DATA)),
	};
	if (err <= 0 || err > 4095)
		return -EINVAL;
	return filter_prepend(bpf, prefix, sizeof prefix / sizeof prefix[0]);
}

int filter_rewrite(const void *in, size_t n, filter_action_fn map, void *ctx, struct buf *out)
{
	const uint32_t nr_off = offsetof(struct seccomp_data, nr), a0 = offsetof(struct seccomp_data, args);
	const struct sock_filter prefix[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, nr_off),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)FILTER_KILL_NR, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a0), /* low half */
		BPF_STMT(BPF_RET | BPF_A, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_IMM, 0), /* the program finds A and X as the kernel leaves them */
		BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 0),
	};
	const size_t np = sizeof prefix / sizeof prefix[0];
	const struct sock_filter *prog = in;
	if (!n)
		return -EINVAL;
	if (n + np > BPF_MAXINSNS)
		return -E2BIG;
	int r = buf_reserve(out, (n + np) * sizeof *prog);
	if (r)
		return r;
	struct sock_filter *o = (struct sock_filter *)out->p;
	memcpy(o, prefix, sizeof prefix);
	for (size_t i = 0; i < n; i++) {
		struct sock_filter f = prog[i];
		if (BPF_CLASS(f.code) == BPF_RET && BPF_RVAL(f.code) != BPF_K)
			return -EINVAL;
		if (BPF_CLASS(f.code) == BPF_RET)
			f.k = map(ctx, f.k);
		o[np + i] = f;
	}
	out->len = (n + np) * sizeof *prog;
	return 0;
}

/* A value of the filter machine as far as the scan knows it. */
struct bpf_val {
	int known;
	uint32_t v;
};

struct bpf_state {
	struct bpf_val a, x, m[BPF_MEMWORDS];
};

/* What a walk of a filter knows: the syscall's number and architecture,
 * and with data all of seccomp_data (then there is one path, and its
 * action goes to *ret). */
struct bpf_walk {
	uint32_t nr;
	const struct seccomp_data *data;
	uint32_t ret;
	unsigned budget;
};

/* Without w->data: whether some path of prog from pc on, with the state
 * st, returns an action other than allow or log; 1 also when the scan
 * runs out of budget or meets what it does not follow. With w->data: the
 * one path's action in w->ret (0, the kernel's answer to a division by
 * zero: kill the thread). */
static int path_refuses(const struct sock_filter *p, size_t n, size_t pc, struct bpf_state st, struct bpf_walk *w)
{
	for (; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		struct bpf_val v = {1, f->k}, *dst = BPF_CLASS(f->code) == BPF_LDX ? &st.x : &st.a;
		if (!w->budget--)
			return 1;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_ABS:
				v.known = f->k == offsetof(struct seccomp_data, nr) || f->k == offsetof(struct seccomp_data, arch);
				v.v = f->k == offsetof(struct seccomp_data, nr) ? w->nr : AUDIT_ARCH_X86_64;
				if (w->data && f->k <= sizeof *w->data - 4 && !(f->k & 3)) {
					memcpy(&v.v, (const char *)w->data + f->k, 4);
					v.known = 1;
				}
				break;
			case BPF_MEM:
				v = st.m[f->k % BPF_MEMWORDS];
				break;
			case BPF_LEN:
				v.v = sizeof(struct seccomp_data);
				break;
			}
			*dst = v;
			break;
		case BPF_ST:
		case BPF_STX:
			st.m[f->k % BPF_MEMWORDS] = BPF_CLASS(f->code) == BPF_ST ? st.a : st.x;
			break;
		case BPF_ALU: {
			struct bpf_val b = BPF_SRC(f->code) == BPF_X ? st.x : v;
			uint32_t op = BPF_OP(f->code), a = st.a.v;
			if ((op == BPF_DIV || op == BPF_MOD) && (!b.known || !b.v)) {
				w->ret = 0; /* the kernel's program returns 0 (kill) on a zero divisor */
				return 1;
			}
			st.a.known &= op == BPF_NEG || b.known;
			if (!st.a.known)
				break;
			switch (op) {
			case BPF_ADD: st.a.v = a + b.v; break;
			case BPF_SUB: st.a.v = a - b.v; break;
			case BPF_MUL: st.a.v = a * b.v; break;
			case BPF_DIV: st.a.v = a / b.v; break;
			case BPF_MOD: st.a.v = a % b.v; break;
			case BPF_OR: st.a.v = a | b.v; break;
			case BPF_AND: st.a.v = a & b.v; break;
			case BPF_XOR: st.a.v = a ^ b.v; break;
			case BPF_LSH: st.a.v = b.v < 32 ? a << b.v : 0; break;
			case BPF_RSH: st.a.v = b.v < 32 ? a >> b.v : 0; break;
			case BPF_NEG: st.a.v = -a; break;
			default: return 1;
			}
			break;
		}
		case BPF_JMP: {
			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			struct bpf_val b = BPF_SRC(f->code) == BPF_X ? st.x : v;
			if (st.a.known && b.known) {
				uint32_t a = st.a.v;
				int t = BPF_OP(f->code) == BPF_JEQ ? a == b.v
					: BPF_OP(f->code) == BPF_JGT ? a > b.v
					: BPF_OP(f->code) == BPF_JGE ? a >= b.v
					: BPF_OP(f->code) == BPF_JSET ? (a & b.v) != 0 : -1;
				if (t < 0)
					return 1;
				pc += t ? f->jt : f->jf;
				break;
			}
			if (path_refuses(p, n, pc + 1 + f->jt, st, w))
				return 1;
			pc += f->jf;
			break;
		}
		case BPF_RET: {
			uint32_t k = BPF_RVAL(f->code) == BPF_K ? f->k : st.a.v;
			if (BPF_RVAL(f->code) != BPF_K && !st.a.known)
				return 1;
			w->ret = k;
			k &= SECCOMP_RET_ACTION_FULL;
			return k != SECCOMP_RET_ALLOW && k != SECCOMP_RET_LOG;
		}
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				st.x = st.a;
			else
				st.a = st.x;
			break;
		default:
			return 1;
		}
	}
	return 1; /* off the end: no program the kernel takes */
}

/* The state a filter starts in: A, X and the scratch words 0. */
static void bpf_start(struct bpf_state *st)
{
	memset(st, 0, sizeof *st);
	st->a.known = st->x.known = 1;
	for (int i = 0; i < BPF_MEMWORDS; i++)
		st->m[i].known = 1;
}

void filter_may_refuse(const void *prog, size_t n, uint8_t *bits, size_t nbits)
{
	for (size_t nr = 0; nr < nbits; nr++) {
		struct bpf_state st;
		struct bpf_walk w = {.nr = (uint32_t)nr, .budget = 1u << 16};
		bpf_start(&st);
		if (path_refuses(prog, n, 0, st, &w))
			bits[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
}

uint32_t filter_run(const void *prog, size_t n, const struct seccomp_data *d)
{
	struct bpf_state st;
	struct bpf_walk w = {.nr = (uint32_t)d->nr, .data = d, .ret = SECCOMP_RET_KILL_PROCESS, .budget = 1u << 16};
	bpf_start(&st);
	path_refuses(prog, n, 0, st, &w);
	return w.ret;
}

/* The rules for syscalls the table says replay runs again. */
static int allow_reexecuted(scmp_filter_ctx ctx, int nr, const struct sc_desc *d)
{
	switch (d->cls) {
	case SCC_EXEC:
		if (nr == SYS_madvise) {
			/* the advice rec lets run (sc_exec_refused), one by one */
			int r = 0;
			for (uint64_t a[6] = {0}; !r && a[2] < 256; a[2]++)
				if (!sc_exec_refused(nr, a))
					r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_EQ, a[2]));
			return r;
		}
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SCC_EXEC_RES:
	case SCC_MMAP:
	case SCC_MREMAP:
	case SCC_EXIT:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SCC_PROCESS:
		/* Children stay traced: never CLONE_UNTRACED (clone3's flags
		 * are in memory, which replay checks before running it). */
		if (nr == SYS_clone)
			return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, 0));
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	default:
		return 0; /* emulated, refused, brk (rebuilt with mmap), execve (the stub's, with the cookie) */
	}
}

int sandbox_bpf(uint64_t cookie, struct buf *bpf)
{
	/* Anything else, of this architecture or another (i386, x32), kills. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = ctx ? 0 : -ENOMEM;
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (int nr = 0; !r && nr < SC_MAX; nr++) {
		const struct sc_desc *d = sc_lookup(nr);
		if (d && !sandbox_needs_cookie(nr))
			r = allow_reexecuted(ctx, nr, d);
	}
	/* A program's filter killing a thread, as the recording had it. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_THREAD, (int)FILTER_KILL_NR, 2,
				     SCMP_A0(SCMP_CMP_EQ, SECCOMP_RET_KILL_THREAD), SCMP_A5(SCMP_CMP_EQ, cookie));
	/* A syscall interrupted inside replay's own injections may restart. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_restart_syscall, 0);
	for (size_t i = 0; !r && i < sizeof cookie_calls / sizeof cookie_calls[0]; i++) {
		if (cookie_calls[i] == SYS_openat) /* the trace's files, read-only or the shared copies */
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SYS_openat, 2,
					     SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0),
					     SCMP_A5(SCMP_CMP_EQ, cookie));
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, (int)cookie_calls[i], 1,
					     SCMP_A5(SCMP_CMP_EQ, cookie));
	}
	if (!r)
		r = filter_export(ctx, bpf);
	if (ctx)
		seccomp_release(ctx);
	return r;
}

int sandbox_install(const struct buf *bpf)
{
	struct sock_fprog prog = {(unsigned short)(bpf->len / sizeof(struct sock_filter)),
				  (struct sock_filter *)bpf->p};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}
