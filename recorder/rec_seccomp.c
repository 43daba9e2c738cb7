/* rec_seccomp.c - programs' own seccomp filters (docs/limitations.md):
 * installed as the program asked, but with each action other than allow
 * turned into a trace stop of rec's carrying the action's index; at that
 * stop rec does what the kernel would have done (an errno, SIGSYS, the
 * thread or process killed) and records it: replay needs no filter. */
#include "rec.h"
#include "../common/sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

#define MAX_ERRNO 4095

/* The stop data a program's action k becomes: allow and log stay allow,
 * every other action a trace stop of rec's (which finds the action by
 * running the thread's filters itself: rec_seccomp_entry). */
static uint32_t map_action(void *ctx, uint32_t k)
{
	uint32_t act = k & SECCOMP_RET_ACTION_FULL;
	(void)ctx;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG ? SECCOMP_RET_ALLOW : SECCOMP_RET_TRACE | REC_FILTER_ACT;
}

/* A program's filter as it gave it, in the chain of a thread's filters
 * (newest first), shared as the kernel shares them. */
struct rec_filter {
	int refs;
	struct rec_filter *prev;
	size_t n;
	struct sock_filter insns[];
};

void rec_filters_put(struct rec_filter *f)
{
	while (f && !--f->refs) {
		struct rec_filter *prev = f->prev;
		free(f);
		f = prev;
	}
}

struct rec_filter *rec_filters_get(struct rec_filter *f)
{
	if (f)
		f->refs++;
	return f;
}

/* The action the kernel takes for t's syscall (registers r): its filters'
 * of highest precedence, the newest one's among equals (seccomp_run_filters). */
static uint32_t filters_action(const struct rec_task *t, const struct user_regs_struct *r)
{
	struct seccomp_data d = {.nr = (int)r->orig_rax, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = r->rip,
				 .args = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9}};
	uint32_t ret = SECCOMP_RET_ALLOW;
	for (const struct rec_filter *f = t->filters; f; f = f->prev) {
		uint32_t cur = filter_run(f->insns, f->n, &d);
		if ((int32_t)(cur & SECCOMP_RET_ACTION_FULL) < (int32_t)(ret & SECCOMP_RET_ACTION_FULL))
			ret = cur;
	}
	return ret;
}

/* The program filter t's call installs, or 0: seccomp(SET_MODE_FILTER)
 * and prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) both take it in rdx. */
static int installs_filter(const struct rec_task *t)
{
	if (t->nr == SYS_seccomp)
		return t->args[0] == SECCOMP_SET_MODE_FILTER;
	return t->nr == SYS_prctl && t->args[0] == PR_SET_SECCOMP && t->args[1] == SECCOMP_MODE_FILTER;
}

/* Strict mode, the listener of user notifications: refused (1, *res),
 * with a line unless it is a probe that fails anyway (libseccomp asks
 * with flags or a NULL program: EINVAL there says "not supported"). */
static int refused(struct rec_task *t, int64_t *res)
{
	const char *what = NULL;
	int probe = 0;
	if ((t->nr == SYS_seccomp && t->args[0] == SECCOMP_SET_MODE_STRICT && !t->args[1] && !t->args[2]) ||
	    (t->nr == SYS_prctl && t->args[0] == PR_SET_SECCOMP && t->args[1] == SECCOMP_MODE_STRICT)) {
		what = "seccomp's strict mode (only read, write, exit and sigreturn)";
	} else if (t->nr == SYS_seccomp && t->args[0] == SECCOMP_SET_MODE_FILTER &&
		   (t->args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		what = "a seccomp filter with a user-notification listener";
		probe = !t->args[2];
	}
	if (!what)
		return 0;
	*res = -EINVAL;
	if (probe)
		return 1;
	msg("thread %d: %s: %s cannot be recorded: refused with EINVAL", t->tid,
	    t->nr == SYS_seccomp ? "seccomp" : "prctl(PR_SET_SECCOMP)", what);
	*res = -EINVAL;
	return 1;
}

/* Puts the rewritten filter (and its sock_fprog) on t's stack below the
 * red zone, saving what was there, and points rdx at it. 0, or -errno
 * (then *res is the program's result: the call is not made). */
static int install(struct rec_task *t, struct user_regs_struct *r, int64_t *res)
{
	struct {
		uint16_t len;
		uint16_t pad[3];
		uint64_t filter;
	} prog;
	struct buf in = {0}, out = {0};
	struct map_range mr;
	int fd = -1, ret;
	*res = -EFAULT;
	if (mem_read(t->tid, t->args[2], &prog, sizeof prog) != (long)sizeof prog) {
		ret = -EFAULT;
		goto out;
	}
	*res = -EINVAL;
	if (!prog.len || prog.len > BPF_MAXINSNS) {
		ret = -EINVAL;
		goto out;
	}
	size_t len = prog.len * sizeof(struct sock_filter);
	if ((ret = buf_reserve(&in, len)))
		goto out;
	if (mem_read(t->tid, prog.filter, in.p, len) != (long)len) {
		*res = -EFAULT;
		ret = -EFAULT;
		goto out;
	}
	ret = filter_rewrite(in.p, prog.len, map_action, NULL, &out);
	if (ret) {
		msg("thread %d: seccomp filter of %u instructions: %s: refused with EINVAL", t->tid, prog.len,
		    ret == -EINVAL ? "it returns an action computed at run time (ret A), which rec cannot rewrite"
				   : ret == -E2BIG ? "too long once rewritten by rec" : strerror(-ret));
		goto out;
	}
	size_t size = sizeof prog + out.len;
	uint64_t at = (r->rsp - 128 - size) & ~(uint64_t)15;
	if (maps_find(t->tid, at, &mr) != 1 || mr.end < r->rsp || mr.perms[1] != 'w') {
		msg("thread %d: seccomp filter: no room below the stack pointer for rec's copy of it: refused with ENOMEM",
		    t->tid);
		*res = -ENOMEM;
		ret = -ENOMEM;
		goto out;
	}
	free(t->filt_saved);
	if (!(t->filt_saved = malloc(size))) {
		ret = -ENOMEM;
		goto out;
	}
	if (mem_read(t->tid, at, t->filt_saved, size) != (long)size || (fd = mem_open(t->tid)) < 0) {
		ret = fd < 0 ? fd : -EFAULT;
		goto out;
	}
	prog.len = (uint16_t)(out.len / sizeof(struct sock_filter));
	prog.filter = at + sizeof prog;
	if ((ret = mem_write(fd, at, &prog, sizeof prog)) || (ret = mem_write(fd, at + sizeof prog, out.p, out.len)))
		goto out;
	free(t->filt_prog);
	t->filt_prog = in.p; /* (for rec_seccomp_exit: what the library may make) */
	t->filt_nprog = prog.len;
	in = (struct buf){0};
	t->filt_at = at;
	t->filt_len = size;
	t->filt_rdx = r->rdx;
	r->rdx = at;
	ret = regs_set(t->tid, r);
out:
	if (fd >= 0)
		close(fd);
	if (ret && t->filt_saved && !t->filt_at) {
		free(t->filt_saved);
		t->filt_saved = NULL;
	}
	buf_free(&in);
	buf_free(&out);
	return ret;
}

/* What the kernel does for a SIGSYS it must deliver but t blocks or
 * ignores: the default action (the process dumps core). */
static int sigsys_forced(pid_t tid)
{
	uint64_t bit = 1ull << (SIGSYS - 1);
	return (proc_status_hex(tid, "SigBlk:") & bit) || (proc_status_hex(tid, "SigIgn:") & bit);
}

/* Has the kernel kill t (or its process) as the program's filter said:
 * its syscall becomes FILTER_KILL_NR, which the rewritten filters answer
 * with the action when the kernel checks the syscall again after rec's
 * stop. The record goes first: t never returns. */
static int kill_now(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r, uint32_t action)
{
	struct trace_syscall rec = {.tid = (uint32_t)t->tid, .nr = t->nr, .flags = SCF_NOT_RUN | SCF_KILL,
				    .result = action};
	memcpy(rec.args, t->args, sizeof rec.args);
	rec_mark(s, t->tid);
	s->nsyscalls++;
	t->enter_seq = 0; /* recorded: its end needs no sysenter record */
	int ret = trace_put_syscall(&s->w, &rec);
	r->orig_rax = (unsigned long long)FILTER_KILL_NR;
	r->rdi = action;
	t->killing = 1;
	if (!ret)
		ret = regs_set(t->tid, r);
	return ret ? ret : 1;
}

int rec_seccomp_entry(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r, unsigned long data)
{
	if ((data & REC_FILTER_ACT) && r->rip == s->untraced_ip) {
		rec_fail(s, "thread %d: the in-process library made %s, which the program's seccomp filter refuses (heisen's scan of the filter said it could not): recording stopped",
			 t->tid, sc_lookup(t->nr) ? sc_lookup(t->nr)->name : "a syscall");
		return -EPROTO;
	}
	if (data & REC_FILTER_ACT) {
		uint32_t k = filters_action(t, r), act = k & SECCOMP_RET_ACTION_FULL, kdata = k & SECCOMP_RET_DATA;
		if (act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG || data != REC_FILTER_ACT) {
			rec_fail(s, "thread %d: %s: a seccomp stop for the program's filters, which allow the call when rec runs them: recording stopped",
				 t->tid, sc_lookup(t->nr) ? sc_lookup(t->nr)->name : "a syscall");
			return -EPROTO;
		}
		if (sc_unrecorded(t->nr)) {
			/* replay runs it wherever the program makes it, with no record */
			rec_fail(s, "thread %d: the program's seccomp filter refuses rt_sigaction, which heisen lets run unrecorded: recording stopped",
				 t->tid);
			return -ENOTSUP;
		}
		t->not_run = 1;
		t->skip = 1;
		switch (act) {
		case SECCOMP_RET_ERRNO:
			t->skip_result = -(int64_t)(kdata > MAX_ERRNO ? MAX_ERRNO : kdata);
			break;
		case SECCOMP_RET_TRACE:       /* no tracer of the program's asks for seccomp stops */
		case SECCOMP_RET_USER_NOTIF:  /* no listener (rec refuses them) */
			t->skip_result = -ENOSYS;
			break;
		case SECCOMP_RET_TRAP:
			if (!sigsys_forced(t->tid)) {
				/* rax as the kernel leaves it (the syscall's number),
				 * SIGSYS raised at the syscall's end (rec_seccomp_exit) */
				t->skip_result = t->nr;
				t->trap_data = kdata;
				t->trap_due = 1;
				break;
			}
			act = SECCOMP_RET_KILL_PROCESS;
			/* fall through */
		default: /* the kill actions; the kernel kills for unknown ones too */
			t->skip = t->not_run = 0;
			return kill_now(s, t, r, act == SECCOMP_RET_KILL_THREAD ? act : SECCOMP_RET_KILL_PROCESS);
		}
		r->orig_rax = (unsigned long long)-1;
		int ret = regs_set(t->tid, r);
		return ret ? ret : 1;
	}
	if (t->nr == SYS_prctl && t->args[0] == PR_GET_SECCOMP) {
		t->skip = 1;
		t->skip_result = t->filtered ? SECCOMP_MODE_FILTER : 0; /* rec's own filter is not the program's */
	} else if (refused(t, &t->skip_result)) {
		t->skip = 1;
	} else if (installs_filter(t)) {
		int ret = install(t, r, &t->skip_result);
		if (ret && t->skip_result >= 0)
			return ret; /* rec's own failure */
		t->skip = ret != 0;
	}
	if (!t->skip)
		return 0;
	r->orig_rax = (unsigned long long)-1;
	int ret = regs_set(t->tid, r);
	return ret ? ret : 1;
}

/* t's new filter goes on its chain and, with TSYNC, every thread of its
 * process gets t's chain (as the kernel does); the syscalls it may refuse
 * are added to what the library leaves traced. 0 or -ENOMEM. */
static int mark_filtered(struct rec_session *s, struct rec_task *t, int tsync)
{
	uint8_t deny[SC_MAX / 8] = {0};
	struct rec_filter *f = malloc(sizeof *f + t->filt_nprog * sizeof f->insns[0]);
	if (!f)
		return -ENOMEM;
	f->refs = 1;
	f->prev = t->filters;
	f->n = t->filt_nprog;
	memcpy(f->insns, t->filt_prog, f->n * sizeof f->insns[0]);
	t->filters = f;
	filter_may_refuse(t->filt_prog, t->filt_nprog, deny, SC_MAX);
	for (struct rec_task *o = s->tasks; o; o = o->next) {
		if (o != t && (!tsync || o->tgid != t->tgid))
			continue;
		if (o != t) {
			rec_filters_put(o->filters);
			o->filters = rec_filters_get(t->filters);
		}
		o->filtered = 1;
		for (size_t i = 0; i < sizeof deny; i++)
			o->filt_deny[i] |= deny[i];
	}
	return 0;
}

int rec_seccomp_exit(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r)
{
	int ret = 0;
	if (t->filt_at) {
		int fd = mem_open(t->tid);
		ret = fd < 0 ? fd : mem_write(fd, t->filt_at, t->filt_saved, t->filt_len);
		if (fd >= 0)
			close(fd);
		r->rdx = t->filt_rdx;
		int r2 = regs_set(t->tid, r);
		if (!ret)
			ret = r2;
		t->filt_at = 0;
		free(t->filt_saved);
		t->filt_saved = NULL;
		if (!ret && r->rax == 0 &&
		    !(ret = mark_filtered(s, t, t->nr == SYS_seccomp && (t->args[1] & SECCOMP_FILTER_FLAG_TSYNC))))
			ret = rec_inproc_filtered(t);
		free(t->filt_prog);
		t->filt_prog = NULL;
		if (ret)
			rec_fail(s, "thread %d: %s: cannot put back what rec wrote for the program's seccomp filter: %s",
				 t->tid, t->nr == SYS_seccomp ? "seccomp" : "prctl", strerror(-ret));
	}
	return ret;
}

int rec_seccomp_raise(struct rec_task *t)
{
	if (!t->trap_due)
		return 0;
	t->trap_due = 0;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGSYS;
	si.si_code = SYS_SECCOMP;
	si.si_errno = (int)t->trap_data;
	si.si_call_addr = (void *)(uintptr_t)t->exit_regs.rip;
	si.si_syscall = (int)t->nr;
	si.si_arch = AUDIT_ARCH_X86_64;
	t->trap_info = si;
	t->trap_raised = 1;
	return syscall(SYS_tkill, t->tid, SIGSYS) < 0 ? -errno : 0;
}
