/* replay_loop.c - drives the replayed program from the trace: every stop
 * is matched against the next recorded event, or it is a divergence. */
#include "replay.h"
#include "gdb_server.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <asm/unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

static int copy_next(struct replay_session *s)
{
	struct trace_rec rec;
	for (;;) {
		int r = trace_next(&s->r, &rec);
		if (r <= 0) {
			s->next.valid = 0;
			return r;
		}
		if (rec.type != TR_FILE)
			break;
		struct trace_file f;
		if (trace_get_file(&rec, &f)) {
			snprintf(s->r.err, sizeof s->r.err, "trace corrupt: bad file record at event %llu",
				 (unsigned long long)rec.event);
			return -TRE_CORRUPT;
		}
		if ((r = replay_add_blob(s, &f)))
			return r;
	}
	s->next.data.len = 0;
	if (buf_put(&s->next.data, rec.data, rec.len))
		return -ENOMEM;
	s->next.rec = rec;
	s->next.rec.data = s->next.data.p;
	s->next.valid = 1;
	return 1;
}

int replay_fetch(struct replay_session *s)
{
	if (!s->next.valid) {
		int r = copy_next(s);
		if (r <= 0)
			return r;
	}
	struct replay_rec tmp = s->cur;
	s->cur = s->next;
	s->next = tmp;
	s->next.valid = 0;
	s->events++;
	replay_bound_event(s);
	int r = copy_next(s);
	return r < 0 && r != -TRE_TRUNC ? r : 1; /* a truncation shows at the next fetch */
}

const struct trace_rec *replay_peek(struct replay_session *s)
{
	return s->next.valid ? &s->next.rec : NULL;
}

int replay_diverged(struct replay_session *s, struct replay_task *t, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "replay: divergence at event %llu (thread %u): %s\n", (unsigned long long)s->cur.rec.event,
		t ? t->rec_tid : 0, what);
	if (t && t->alive && !regs_get(t->tid, &t->regs)) {
		fprintf(stderr, "registers:\n");
		regs_print(stderr, &t->regs);
		/* At a syscall stop rip is past the syscall instruction: show it. */
		int in_syscall = (long long)t->regs.orig_rax >= 0;
		fprintf(stderr, "code%s:\n", in_syscall ? " (from the syscall instruction)" : " at rip");
		disasm_print(stderr, t->tid, t->regs.rip - (in_syscall ? 2 : 0), 6);
	}
	return -EDOM;
}

const char *describe_rec(const struct trace_rec *rec, char *buf, size_t n)
{
	struct trace_syscall sc;
	struct trace_signal sg;
	if (rec->type == TR_SYSCALL && !trace_get_syscall(rec, &sc)) {
		replay_fmt_syscall(sc.nr, sc.args, buf, n);
		free(sc.regions);
	} else if (rec->type == TR_SIGNAL && !trace_get_signal(rec, &sg)) {
		snprintf(buf, n, "signal SIG%s", sigabbrev_np((int)sg.signo) ? sigabbrev_np((int)sg.signo) : "?");
	} else {
		snprintf(buf, n, "%s record", trace_type_name(rec->type));
	}
	return buf;
}

/* Marks t gone (its wait status is taken). */
void replay_task_gone(struct replay_session *s, struct replay_task *t)
{
	if (!t->alive)
		return;
	t->alive = 0;
	s->nlive--;
	if (t->memfd >= 0)
		close(t->memfd);
	t->memfd = -1;
	if (t->space && --t->space->refs == 0)
		free(t->space);
	t->space = NULL;
}

/* What a syscall stop under PTRACE_SYSEMU is: a syscall of the recorded
 * ABI (STOP_SYSCALL, whatever its number: one with the x32 bit is an
 * x86-64 number the table lacks, matched against its record), or one of
 * another (STOP_FOREIGN: int 0x80, sysenter), which replay never runs nor
 * takes for the x86-64 call of that number. Returns the kind or -errno. */
static int syscall_stop_kind(struct replay_task *t)
{
	struct __ptrace_syscall_info info;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof info, &info) < 0)
		return -errno;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY && info.arch == AUDIT_ARCH_X86_64)
		return STOP_SYSCALL;
	return STOP_FOREIGN;
}

/* At t's STOP_FOREIGN stop: a 32-bit syscall (int 0x80), which rec's
 * filter answered -ENOSYS with no stop and no record (rec_spawn.c), gets
 * -ENOSYS here too, not run (PTRACE_SYSEMU). Returns 1 then, 0 for
 * another ABI (reported as a divergence), or -errno. */
static int refuse_i386(struct replay_task *t)
{
	struct __ptrace_syscall_info info;
	int r;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof info, &info) < 0)
		return -errno;
	if (info.op != PTRACE_SYSCALL_INFO_ENTRY || info.arch != AUDIT_ARCH_I386)
		return 0;
	if ((r = regs_get(t->tid, &t->regs)))
		return r;
	t->regs.rax = (uint64_t)-ENOSYS;
	return (r = regs_set(t->tid, &t->regs)) ? r : 1;
}

/* At t's syscall stop: runs the syscall if rec let the program run it
 * unrecorded (sc_unrecorded), at replay's own syscall instruction (the
 * program's would count as executed twice, by a counted preemption's
 * breakpoint counter), and leaves t after it with its result. Returns 1
 * then, 0 for a recorded syscall, or -errno. (A gdb stepi onto it stops
 * one instruction after it.) */
static int run_unrecorded(struct replay_task *t)
{
	uint64_t args[6];
	int64_t res;
	int r = 0;
	if (!t->unrecorded || (r = regs_get(t->tid, &t->regs)))
		return t->unrecorded ? r : 0;
	if (!sc_unrecorded((long)t->regs.orig_rax))
		return 0;
	regs_syscall_args(&t->regs, args);
	/* (the number as the kernel reads it, its low 32 bits, as in rec) */
	if ((r = replay_inject(t, t->gadget, (int)t->regs.orig_rax, args, &res, 0)))
		return r;
	t->regs.rax = (uint64_t)res;
	return (r = regs_set(t->tid, &t->regs)) ? r : 1;
}

/* Resumes t (with its pending signal) until its next stop: a syscall, a
 * signal or its end. PTRACE_SYSEMU: no syscall of the program runs on
 * its own, but the unrecorded ones (run_unrecorded). Returns STOP_* or
 * -errno; *status is the wait status. */
int replay_run_task(struct replay_task *t, int *status)
{
	t->temp_mask_set = 0; /* it runs on: the call's temporary mask is gone */
	int sig = t->pending_sig;
	t->pending_sig = 0;
	for (;;) {
		int req = PTRACE_SYSEMU, r;
		if (t->gdb && (r = gdb_server_arm(t->gdb, t, &req))) /* gdb's breakpoints, a step */
			return r;
		if (ptrace(t->unconfined ? PTRACE_CONT : req, t->tid, 0, sig) < 0)
			return -errno;
		sig = 0;
		r = tracee_wait(t->tid, status, t->bound);
		if (!r && WIFSTOPPED(*status) && (*status >> 16) == 0 && WSTOPSIG(*status) == SIGTRAP &&
		    (r = replay_inproc_trap(t)) != 0) {
			if (r < 0)
				return r;
			gdb_server_disarm(t->gdb, t); /* (armed again below) */
			continue; /* the library makes its call traced */
		}
		if (t->gdb) {
			/* gdb's stop (reported, and gdb has resumed): go on */
			int d = gdb_server_stopped(t->gdb, t, r ? 0 : *status);
			if (d < 0)
				return d;
			if (d && !r)
				continue;
		}
		if (r)
			return r;
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return STOP_GONE;
		if ((*status >> 16) == PTRACE_EVENT_EXIT)
			return replay_exit_stop(t, status);
		if (WSTOPSIG(*status) == (SIGTRAP | 0x80)) {
			int k = syscall_stop_kind(t);
			if (k == STOP_SYSCALL && (r = run_unrecorded(t)) != 0) {
				if (r < 0)
					return r;
				continue;
			}
			if (k == STOP_FOREIGN && (r = refuse_i386(t)) != 0) {
				if (r < 0)
					return r;
				continue;
			}
			return k;
		}
		if ((*status >> 16) == 0) {
			/* Signals replay's own re-run syscalls cause (a child's
			 * SIGCHLD) are dropped: recorded ones are raised. */
			siginfo_t si;
			int stop = WSTOPSIG(*status);
			if (stop != t->raised_sig && !ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) &&
			    (stop == SIGCHLD || si.si_code <= 0))
				continue;
			return STOP_SIGNAL;
		}
		/* group-stop and other event stops: go on */
	}
}

/* Describes what t did at a stop, for divergence reports. */
static const char *describe_stop(struct replay_task *t, int kind, int status, char *buf, size_t n)
{
	uint64_t a[6];
	if (kind == STOP_SYSCALL && !regs_get(t->tid, &t->regs)) {
		regs_syscall_args(&t->regs, a);
		return replay_fmt_syscall((long)t->regs.orig_rax, a, buf, n);
	}
	if (kind == STOP_FOREIGN && !regs_get(t->tid, &t->regs)) {
		snprintf(buf, n, "a syscall of another ABI than x86-64, number %#llx (replay runs only x86-64 syscalls)",
			 (unsigned long long)t->regs.orig_rax);
		return buf;
	}
	if (kind == STOP_SIGNAL && WSTOPSIG(status) == SIGTRAP && replay_inproc_describe(t, buf, n))
		return buf;
	if (kind == STOP_SIGNAL) {
		snprintf(buf, n, "signal SIG%s", sigabbrev_np(WSTOPSIG(status)) ?: "?");
		return buf;
	}
	return replay_describe_end(t, status, buf, n);
}

const char *replay_describe_end(struct replay_task *t, int status, char *buf, size_t n)
{
	char nb[32];
	wait_describe(status, buf, n);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		size_t len = strlen(buf);
		snprintf(buf + len, n - len, " (replay's sandbox stopped its %s: replay did not decide to run it)",
			 sc_name((long)t->regs.orig_rax, nb));
	}
	return buf;
}

/* A thread recorded as blocked in FUTEX_LOCK_PI: the kernel had set
 * FUTEX_WAITERS in the taken lock's word at once (rec waited for that);
 * the word is written here, other threads may see it before the call's
 * record. Returns 0 or -errno. */
static int pi_lock_waiting(struct replay_task *t)
{
	uint64_t args[6];
	uint32_t word;
	regs_syscall_args(&t->regs, args);
	uint64_t addr = sc_pi_lock_word((long)t->regs.orig_rax, args);
	if (!addr || mem_read(t->tid, addr, &word, 4) != 4 || !(word & FUTEX_TID_MASK) || (word & FUTEX_WAITERS))
		return 0;
	word |= FUTEX_WAITERS;
	return mem_write(t->memfd, addr, &word, 4);
}

/* Runs t to the syscall its record describes (unless it stopped there already). */
static int to_syscall(struct replay_session *s, struct replay_task *t)
{
	char want[256], got[256];
	int status;
	if (t->at_syscall)
		return 0;
	int k = replay_run_task(t, &status);
	if (k < 0)
		return k;
	if (k == STOP_GONE)
		replay_task_gone(s, t);
	if (k != STOP_SYSCALL)
		return replay_diverged(s, t, "expected %s, got %s", describe_rec(&s->cur.rec, want, sizeof want),
				       describe_stop(t, k, status, got, sizeof got));
	t->at_syscall = 1;
	return regs_get(t->tid, &t->regs);
}

static int is_tsc_fault(struct replay_task *t)
{
	siginfo_t si;
	uint8_t code[2];
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0 || si.si_signo != SIGSEGV || si.si_code != SI_KERNEL ||
	    regs_get(t->tid, &t->regs))
		return 0;
	if (mem_read(t->tid, t->regs.rip, code, 2) != 2 || code[0] != 0x0f)
		return 0;
	return code[1] == 0x31 || code[1] == 0x01;
}

static int on_rdtsc(struct replay_session *s, struct replay_task *t, const struct trace_rdtsc *rd)
{
	char buf[256];
	int status, k = replay_run_task(t, &status);
	if (k < 0)
		return k;
	if (k != STOP_SIGNAL || WSTOPSIG(status) != SIGSEGV || !is_tsc_fault(t))
		return replay_diverged(s, t, "expected rdtsc, got %s", describe_stop(t, k, status, buf, sizeof buf));
	if (t->regs.rip != rd->rip)
		return replay_diverged(s, t, "rdtsc at %#llx, recorded at %#llx", t->regs.rip,
				       (unsigned long long)rd->rip);
	t->regs.rax = (uint32_t)rd->tsc;
	t->regs.rdx = rd->tsc >> 32;
	if (rd->is_rdtscp)
		t->regs.rcx = rd->aux;
	t->regs.rip += rd->insn_len;
	return regs_set(t->tid, &t->regs);
}

/* A recorded signal: faults recur by themselves; signals that came from
 * elsewhere (kill, raise, SIGPIPE) are raised again at the same point. */
static int on_signal(struct replay_session *s, struct replay_task *t, const struct trace_signal *sg)
{
	char buf[256];
	int sync = sg->code > 0 && (sg->signo == SIGSEGV || sg->signo == SIGBUS || sg->signo == SIGILL ||
				    sg->signo == SIGFPE || sg->signo == SIGTRAP);
	int r = replay_temp_mask_signal(t, (int)sg->signo);
	if (r)
		return r;
	if (!sync && t->raised_sig != (int)sg->signo)
		syscall(SYS_tkill, t->tid, sg->signo); /* tkill: t need not lead its thread group */
	t->raised_sig = sync ? 0 : (int)sg->signo;
	int status, k = replay_run_task(t, &status);
	t->raised_sig = 0;
	if (k < 0)
		return k;
	if (k == STOP_GONE)
		replay_task_gone(s, t);
	if (k != STOP_SIGNAL || WSTOPSIG(status) != (int)sg->signo)
		return replay_diverged(s, t, "expected signal SIG%s, got %s", sigabbrev_np((int)sg->signo) ?: "?",
				       describe_stop(t, k, status, buf, sizeof buf));
	if (ptrace(PTRACE_SETSIGINFO, t->tid, 0, sg->siginfo) < 0)
		return -errno;
	t->pending_sig = (int)sg->signo;
	return 0;
}

/* A recorded signal's frame: t's pending signal is delivered now, with a
 * single step that stops at its handler's entry before any of it runs;
 * the frame the kernel wrote there is replaced by the recorded bytes (the
 * kernel's own state in it, such as the last trap's number, differs from
 * the recording's). */
static int on_sigframe(struct replay_session *s, struct replay_task *t, const struct trace_sigframe *f)
{
	char buf[256];
	int status, sig = t->pending_sig;
	if (sig != (int)f->signo)
		return replay_diverged(s, t, "expected the delivery of SIG%s to its handler, but %s",
				       sigabbrev_np((int)f->signo) ?: "?", sig ? "another signal is pending" : "none is pending");
	t->pending_sig = 0;
	t->temp_mask_set = 0;
	if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, sig) < 0)
		return -errno;
	int r = tracee_wait(t->tid, &status, t->bound);
	if (r)
		return r;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP || (status >> 16) != 0) {
		int k = WIFEXITED(status) || WIFSIGNALED(status) ? STOP_GONE : STOP_SIGNAL;
		if (k == STOP_GONE)
			replay_task_gone(s, t);
		return replay_diverged(s, t, "expected SIG%s's handler to be entered, got %s",
				       sigabbrev_np(sig) ?: "?", describe_stop(t, k, status, buf, sizeof buf));
	}
	if ((r = regs_get(t->tid, &t->regs)))
		return r;
	if (t->regs.rsp != f->addr)
		return replay_diverged(s, t, "SIG%s's frame is at %#llx, recorded at %#llx", sigabbrev_np(sig) ?: "?",
				       t->regs.rsp, (unsigned long long)f->addr);
	if (mem_write(t->memfd, f->addr, f->data, f->len))
		return replay_diverged(s, t, "SIG%s's frame at %#llx (%u bytes) cannot be written", sigabbrev_np(sig) ?: "?",
				       (unsigned long long)f->addr, f->len);
	return 0;
}

int replay_exited(struct replay_session *s, struct replay_task *t, int status)
{
	struct trace_exit x;
	char buf[256];
	replay_task_gone(s, t);
	int how = WIFEXITED(status) ? EXIT_HOW_EXITED : EXIT_HOW_SIGNALED;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
	if (trace_get_exit(&s->cur.rec, &x))
		return -TRE_CORRUPT;
	if ((int)x.how != how || x.code != code)
		return replay_diverged(s, t, "the program %s; recorded: %s %d", replay_describe_end(t, status, buf, sizeof buf),
				       x.how == EXIT_HOW_EXITED ? "exited with status" : "killed by signal", x.code);
	if (t->rec_tid == s->leader) {
		s->status = how == EXIT_HOW_EXITED ? code : 128 + code;
		s->exit_sig = how == EXIT_HOW_EXITED ? 0 : code;
	}
	return 0;
}

/* Marks every thread of t's process (its thread group) as ended by an
 * exit_group or a SIGKILL now running. */
void replay_mark_group_exit(struct replay_session *s, struct replay_task *t)
{
	for (struct replay_task *o = s->tasks; o; o = o->next)
		if (o->tgid == t->tgid)
			o->group_dead = 1;
}

/* The recorded end of t: a fatal signal already pending, or an exit syscall. */
/* Another thread of t's process stopped at exit_group: in the recording
 * that exit_group is what ended t, so it runs now (not waited for). */
static int start_group_exit(struct replay_session *s, struct replay_task *t)
{
	for (struct replay_task *o = s->tasks; o; o = o->next) {
		if (o == t || !o->alive || o->tgid != t->tgid || !o->at_syscall || o->group_exiting ||
		    o->regs.orig_rax != SYS_exit_group)
			continue;
		/* Up to its PTRACE_EVENT_EXIT stop: the other threads are killed by then. */
		int r = replay_rerun_exit(o);
		if (r)
			return r == -EPROTO ? replay_diverged(s, o, "something else ran instead of its exit_group") : r;
		o->at_syscall = 0;
		o->group_exiting = 1;
		replay_mark_group_exit(s, o);
	}
	return 0;
}

/* 0 with *status the wait status of tid if it is a zombie: a group leader
 * that ended before its other threads were reaped shows neither a stop
 * nor a wait status until then; its exit code is in /proc (field 52). */
static int zombie_status(pid_t tid, int *status)
{
	char buf[1024];
	const char *p = tracee_stat(tid, buf, sizeof buf);
	if (!p || *p != 'Z')
		return -ESRCH;
	for (int field = 3; field < 52; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	*status = atoi(p);
	return 0;
}

/* A thread killed by its process's exit_group or fatal signal: waits for
 * its end (a bounded wait: 10 s). */
static int await_killed(struct replay_task *t, int *status)
{
	for (int i = 0; i < 200000; i++) {
		pid_t p = waitpid(t->tid, status, __WALL | WNOHANG);
		if (p < 0 && errno != EINTR)
			return -errno;
		if (p == t->tid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status))
				return STOP_GONE;
			if ((*status >> 16) == PTRACE_EVENT_EXIT)
				return replay_exit_stop(t, status);
			/* SYSEMU: dying, it makes no syscall; if it is not dying
			 * after all, its next syscall stops it (a divergence), unexecuted. */
			if (WSTOPSIG(*status) == (SIGTRAP | 0x80))
				return STOP_SYSCALL;
			if (ptrace(PTRACE_SYSEMU, t->tid, 0, 0) < 0 && errno != ESRCH)
				return -errno;
			continue;
		}
		if (!zombie_status(t->tid, status))
			return STOP_GONE;
		usleep(50);
	}
	return -ETIMEDOUT;
}

/* The task of recorded thread rec_tid if another thread's execve killed
 * it (its exit record is to come), or NULL. */
static struct replay_task *exec_killed(struct replay_session *s, uint32_t rec_tid)
{
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->rec_tid == rec_tid && t->exec_killed)
			return t;
	return NULL;
}

static int on_exit_rec(struct replay_session *s, struct replay_task *t)
{
	char buf[256];
	struct trace_exit x;
	if (t->exec_killed) {
		t->exec_killed = 0; /* reaped at that execve (replay_exec_kill) */
		return replay_exited(s, t, t->exec_status);
	}
	int status, k = start_group_exit(s, t);
	if (k < 0)
		return k;
	int own_sig = 0;
	if (!trace_get_exit(&s->cur.rec, &x) && x.how == EXIT_HOW_SIGNALED && !t->group_exiting && !t->group_dead) {
		/* A fatal signal ends the whole process wherever its threads
		 * are: the one it was recorded for dies of it when resumed with
		 * it; a SIGKILL from another process (whose kill was emulated)
		 * is sent. */
		replay_mark_group_exit(s, t);
		own_sig = t->pending_sig == (int)x.code;
		if (!own_sig && x.code == SIGKILL)
			syscall(SYS_tkill, t->tid, SIGKILL);
	}
	if (t->group_exiting)
		k = replay_exit_stop(t, &status); /* waiting at its PTRACE_EVENT_EXIT stop */
	else if (own_sig)
		k = replay_run_task(t, &status);
	else if (t->group_dead && !t->at_syscall)
		k = await_killed(t, &status); /* stopped between syscalls when its group's exit_group ran */
	else
		k = t->at_syscall ? STOP_SYSCALL : replay_run_task(t, &status);
	if (k < 0)
		return k;
	t->at_syscall = 0;
	if (k == STOP_SYSCALL && regs_get(t->tid, &t->regs)) {
		k = await_killed(t, &status); /* no longer stopped: the group is ending */
		if (k < 0)
			return k;
	} else if (k == STOP_SYSCALL) {
		const struct sc_desc *d = sc_lookup((long)t->regs.orig_rax);
		struct __ptrace_syscall_info info;
		if (t->group_dead && ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof info, &info) > 0 &&
		    info.op == PTRACE_SYSCALL_INFO_NONE) {
			/* Its group's exit_group killed it inside its syscall (an
			 * exit too): it waits at its PTRACE_EVENT_EXIT stop. */
			k = replay_exit_stop(t, &status);
		} else if (d && d->cls == SCC_EXIT) {
			if (t->regs.orig_rax == SYS_exit_group)
				replay_mark_group_exit(s, t);
			k = replay_run_exit(t, &status);
		} else if (!t->group_dead) {
			return replay_diverged(s, t, "expected the exit, got %s", describe_stop(t, k, 0, buf, sizeof buf));
		} else {
			/* Inside another syscall: its process's exit_group kills it. */
			t->at_syscall = 0;
			if (ptrace(PTRACE_SYSEMU, t->tid, 0, 0) < 0 && errno != ESRCH)
				return -errno;
			else
				k = await_killed(t, &status);
		}
		if (k < 0)
			return k;
	}
	if (k != STOP_GONE)
		return replay_diverged(s, t, "expected the exit, got %s", describe_stop(t, k, status, buf, sizeof buf));
	return replay_exited(s, t, status);
}

/* Starts the replay from the first exec snapshot. */
static int start(struct replay_session *s)
{
	struct trace_exec e;
	int r = replay_fetch(s);
	if (r <= 0)
		return r < 0 ? r : -TRE_TRUNC;
	if (s->cur.rec.type != TR_EXEC || trace_get_exec(&s->cur.rec, &e)) {
		snprintf(s->r.err, sizeof s->r.err, "trace corrupt: it does not start with an exec snapshot");
		return -TRE_CORRUPT;
	}
	struct replay_task *t = replay_task_new(s, e.tid);
	r = t ? replay_spawn(s, t) : -ENOMEM;
	if (!r)
		r = replay_build(s, t, &e);
	s->leader = e.tid;
	free(e.maps);
	if (r) {
		msg("thread %u: exec: cannot rebuild the recorded address space: %s", e.tid, strerror(-r));
		return r;
	}
	t->exec_done = 1; /* the execve that made the image completes next */
	return 0;
}

/* Each record names a thread and what it does next: run that thread
 * until it does it (or something else: a divergence), then act. */
int replay_run(struct replay_session *s)
{
	char buf[256];
	int resumed = s->resumed; /* from a checkpoint (replay_checkpoint.c) */
	s->resumed = 0;
	int r = resumed ? 0 : start(s);
	if (!r && s->gdb)
		r = resumed ? gdb_server_resume(s->gdb) : gdb_server_begin(s->gdb);
	while (!r && (r = replay_fetch(s)) > 0) {
		const struct trace_rec *rec = &s->cur.rec;
		uint32_t tid = 0;
		union {
			struct trace_syscall sc;
			struct trace_signal sg;
			struct trace_rdtsc rd;
			struct trace_exit x;
			struct trace_exec e;
			struct trace_sysenter se;
			struct trace_newtask nt;
			struct trace_preempt pr;
			struct trace_site si;
			struct trace_sigframe sf;
			struct trace_inproc ip;
			struct trace_patch pa;
			struct trace_buffer bf;
		} u;
		memset(&u, 0, sizeof u);
		switch (rec->type) {
		case TR_SYSCALL: r = trace_get_syscall(rec, &u.sc), tid = u.sc.tid; break;
		case TR_SIGNAL: r = trace_get_signal(rec, &u.sg), tid = u.sg.tid; break;
		case TR_RDTSC: r = trace_get_rdtsc(rec, &u.rd), tid = u.rd.tid; break;
		case TR_EXIT: r = trace_get_exit(rec, &u.x), tid = u.x.tid; break;
		case TR_EXEC: r = trace_get_exec(rec, &u.e), tid = u.e.tid; break;
		case TR_SYSENTER: r = trace_get_sysenter(rec, &u.se), tid = u.se.tid; break;
		case TR_NEWTASK: r = trace_get_newtask(rec, &u.nt), tid = u.nt.parent; break;
		case TR_PREEMPT: r = trace_get_preempt(rec, &u.pr), tid = u.pr.tid; break;
		case TR_SITE: r = trace_get_site(rec, &u.si), tid = u.si.tid; break;
		case TR_SIGFRAME: r = trace_get_sigframe(rec, &u.sf), tid = u.sf.tid; break;
		case TR_END: {
			struct trace_end end;
			if (trace_get_end(rec, &end)) {
				snprintf(s->r.err, sizeof s->r.err, "trace corrupt: bad end record at event %llu",
					 (unsigned long long)rec->event);
				return -TRE_CORRUPT;
			}
			if (end.flags & END_FAILED) {
				snprintf(s->r.err, sizeof s->r.err, "the recording stopped at event %llu: %s",
					 (unsigned long long)rec->event, end.reason);
				return -TRE_TRUNC;
			}
			if (s->nlive)
				return replay_diverged(s, NULL, "the recording ends while %d threads run on", s->nlive);
			return 0;
		}
		case TR_INPROC: r = trace_get_inproc(rec, &u.ip), tid = u.ip.tid; break;
		case TR_PATCH: r = trace_get_patch(rec, &u.pa), tid = u.pa.tid; break;
		case TR_BUFFER: r = trace_get_buffer(rec, &u.bf), tid = u.bf.tid; break;
		default: r = -TRE_CORRUPT; break;
		}
		if (r) {
			if (rec->type == TR_BUFFER)
				trace_buffer_free(&u.bf);
			snprintf(s->r.err, sizeof s->r.err, "trace corrupt: bad %s record at event %llu",
				 trace_type_name(rec->type), (unsigned long long)rec->event);
			return -TRE_CORRUPT;
		}
		struct replay_task *t = replay_task_find(s, tid);
		if (!t && rec->type == TR_EXIT)
			t = exec_killed(s, tid);
		if (!t) {
			r = replay_diverged(s, NULL, "%s for thread %u, which does not exist (or has ended)",
					    describe_rec(rec, buf, sizeof buf), tid);
		} else if (rec->type == TR_SYSCALL && t->group_dead) {
			/* A syscall that returned as its process's exit_group ran: the
			 * thread never runs again, its end record follows. */
			r = 0;
		} else if (rec->type == TR_SYSCALL) {
			r = t->exec_done || t->in_clone ? 0 : to_syscall(s, t);
			if (!r)
				r = replay_syscall(s, t, &u.sc);
		} else if (rec->type == TR_EXEC) {
			r = to_syscall(s, t);
			if (!r)
				r = replay_execve(s, t, &u.e);
		} else if (rec->type == TR_SYSENTER) {
			r = to_syscall(s, t);
			if (!r && (uint32_t)t->regs.orig_rax != u.se.nr) /* (a u32 in the record: syscall(-1)'s too) */
				r = replay_diverged(s, t, "expected syscall %u, got %s", u.se.nr,
						    describe_stop(t, STOP_SYSCALL, 0, buf, sizeof buf));
			if (!r)
				r = pi_lock_waiting(t);
		} else if (rec->type == TR_NEWTASK) {
			r = to_syscall(s, t);
			if (!r)
				r = replay_newtask(s, t, &u.nt);
		} else if (rec->type == TR_PREEMPT) {
			r = replay_preempt(s, t, &u.pr);
			s->npreempt[u.pr.kind]++;
		} else if (rec->type == TR_SITE) {
			r = replay_site_install(s, t, &u.si);
		} else if (rec->type == TR_INPROC) {
			r = replay_inproc_start(s, t, &u.ip);
		} else if (rec->type == TR_PATCH) {
			r = replay_inproc_patch(s, t, &u.pa);
		} else if (rec->type == TR_BUFFER) {
			r = replay_inproc_feed(s, t, &u.bf);
		} else if (rec->type == TR_SIGNAL) {
			r = on_signal(s, t, &u.sg);
		} else if (rec->type == TR_SIGFRAME) {
			r = on_sigframe(s, t, &u.sf);
		} else if (rec->type == TR_RDTSC) {
			r = on_rdtsc(s, t, &u.rd);
		} else {
			r = on_exit_rec(s, t);
		}
		free(rec->type == TR_SYSCALL ? (void *)u.sc.regions : rec->type == TR_EXEC ? (void *)u.e.maps : NULL);
		if (rec->type == TR_BUFFER)
			trace_buffer_free(&u.bf);
		if (!r && t && rec->type != TR_BUFFER)
			r = replay_inproc_check(s, t);
		if (!r && s->gdb)
			r = gdb_server_event(s->gdb, t, rec);
		if (!r && s->gdb && gdb_server_active(s->gdb))
			r = replay_ckpt_after_event(s, false);
	}
	if (r == 0 && s->nlive)
		return -TRE_TRUNC;
	return r;
}
