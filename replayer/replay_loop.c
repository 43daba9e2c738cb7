/* replay_loop.c - drives the replayed program from the trace: every stop
 * is matched against the next recorded event, or it is a divergence. */
#include "replay.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		t->rec_tid, what);
	if (s->live && !regs_get(t->tid, &t->regs)) {
		fprintf(stderr, "registers:\n");
		regs_print(stderr, &t->regs);
		/* At a syscall stop rip is past the syscall instruction: show it. */
		int in_syscall = (long long)t->regs.orig_rax >= 0;
		fprintf(stderr, "code%s:\n", in_syscall ? " (from the syscall instruction)" : " at rip");
		disasm_print(stderr, t->tid, t->regs.rip - (in_syscall ? 2 : 0), 6);
	}
	return -EDOM;
}

static const char *describe_rec(const struct trace_rec *rec, char *buf, size_t n)
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

/* Fetches the record for the event the tracee just produced; a missing
 * record is a truncated trace or the program outrunning it. */
int replay_expect(struct replay_session *s, struct replay_task *t, const char *actual)
{
	int r = replay_fetch(s);
	if (r < 0)
		return r;
	struct trace_end end;
	if (r > 0 && s->cur.rec.type == TR_END && !trace_get_end(&s->cur.rec, &end) && (end.flags & END_FAILED)) {
		snprintf(s->r.err, sizeof s->r.err, "the recording stopped at event %llu: %s",
			 (unsigned long long)s->cur.rec.event, end.reason);
		return -TRE_TRUNC;
	}
	if (r == 0 || s->cur.rec.type == TR_END)
		return replay_diverged(s, t, "the program goes on (%s) after the recording ended", actual);
	return 0;
}

static int on_rdtsc(struct replay_session *s, struct replay_task *t)
{
	struct trace_rdtsc rd;
	char buf[256];
	if (s->cur.rec.type != TR_RDTSC || trace_get_rdtsc(&s->cur.rec, &rd))
		return replay_diverged(s, t, "expected %s, got rdtsc", describe_rec(&s->cur.rec, buf, sizeof buf));
	int r = regs_get(t->tid, &t->regs);
	if (r)
		return r;
	if (t->regs.rip != rd.rip)
		return replay_diverged(s, t, "rdtsc at %#llx, recorded at %#llx", t->regs.rip,
				       (unsigned long long)rd.rip);
	t->regs.rax = (uint32_t)rd.tsc;
	t->regs.rdx = rd.tsc >> 32;
	if (rd.is_rdtscp)
		t->regs.rcx = rd.aux;
	t->regs.rip += rd.insn_len;
	return regs_set(t->tid, &t->regs);
}

static int is_tsc_fault(struct replay_task *t, const siginfo_t *si)
{
	uint8_t code[2];
	if (si->si_signo != SIGSEGV || si->si_code != SI_KERNEL || regs_get(t->tid, &t->regs))
		return 0;
	if (mem_read(t->tid, t->regs.rip, code, 2) != 2 || code[0] != 0x0f)
		return 0;
	return code[1] == 0x31 || code[1] == 0x01;
}

/* A signal stop: an rdtsc to feed, or a recorded signal to deliver.
 * Returns the signal to resume with, or a negative error. */
static int on_signal(struct replay_session *s, struct replay_task *t, int sig)
{
	siginfo_t si;
	struct trace_signal sg;
	char buf[256];
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
		return -errno;
	int r = replay_expect(s, t, "a signal");
	if (r)
		return r;
	if (is_tsc_fault(t, &si) && s->cur.rec.type == TR_RDTSC)
		return on_rdtsc(s, t);
	if (s->cur.rec.type != TR_SIGNAL || trace_get_signal(&s->cur.rec, &sg))
		return replay_diverged(s, t, "expected %s, got signal SIG%s", describe_rec(&s->cur.rec, buf, sizeof buf),
				       sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	if ((int)sg.signo != sig)
		return replay_diverged(s, t, "expected signal %u, got signal %d", sg.signo, sig);
	if (ptrace(PTRACE_SETSIGINFO, t->tid, 0, sg.siginfo) < 0)
		return -errno;
	return sig;
}

/* Signals the recording saw arrive from elsewhere (kill, raise, SIGPIPE)
 * are raised again at the same point, right before resuming. */
static void raise_recorded(struct replay_session *s, struct replay_task *t)
{
	const struct trace_rec *n = replay_peek(s);
	struct trace_signal sg;
	if (!n || n->type != TR_SIGNAL || trace_get_signal(n, &sg) || sg.tid != t->rec_tid)
		return;
	int sync = sg.code > 0 && (sg.signo == SIGSEGV || sg.signo == SIGBUS || sg.signo == SIGILL ||
				   sg.signo == SIGFPE || sg.signo == SIGTRAP);
	if (!sync)
		syscall(SYS_tgkill, t->tid, t->tid, sg.signo);
}

int replay_exited(struct replay_session *s, struct replay_task *t, int status)
{
	struct trace_exit x;
	char buf[256];
	s->live = 0;
	int how = WIFEXITED(status) ? EXIT_HOW_EXITED : EXIT_HOW_SIGNALED;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
	int r = replay_expect(s, t, "an exit");
	if (r)
		return r;
	if (s->cur.rec.type != TR_EXIT || trace_get_exit(&s->cur.rec, &x))
		return replay_diverged(s, t, "expected %s, the program %s", describe_rec(&s->cur.rec, buf, sizeof buf),
				       wait_describe(status, buf, sizeof buf));
	if ((int)x.how != how || x.code != code)
		return replay_diverged(s, t, "the program %s; recorded: %s %d", wait_describe(status, buf, sizeof buf),
				       x.how == EXIT_HOW_EXITED ? "exited with status" : "killed by signal", x.code);
	s->status = how == EXIT_HOW_EXITED ? code : 128 + code;
	return 0;
}

int replay_run(struct replay_session *s)
{
	struct replay_task *t = &s->task;
	struct trace_exec e;
	int r = replay_fetch(s);
	if (r <= 0)
		return r < 0 ? r : -TRE_TRUNC;
	if (s->cur.rec.type != TR_EXEC || trace_get_exec(&s->cur.rec, &e)) {
		snprintf(s->r.err, sizeof s->r.err, "trace corrupt: it does not start with an exec snapshot");
		return -TRE_CORRUPT;
	}
	r = replay_spawn(s, t);
	if (!r)
		r = replay_build(s, t, &e);
	free(e.maps);
	if (r) {
		msg("thread %u: exec: cannot rebuild the recorded address space: %s", e.tid, strerror(-r));
		return r;
	}
	/* The execve that made the image completes. */
	if ((r = replay_fetch(s)) <= 0)
		return r < 0 ? r : -TRE_TRUNC;
	int sig = 0;
	while (s->live) {
		int status;
		raise_recorded(s, t);
		if (ptrace(PTRACE_SYSEMU, t->tid, 0, sig) < 0)
			return -errno;
		sig = 0;
		pid_t p;
		while ((p = waitpid(t->tid, &status, __WALL)) < 0 && errno == EINTR)
			;
		if (p < 0)
			return -errno;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			r = replay_exited(s, t, status);
		} else if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			r = replay_syscall(s, t);
		} else if ((status >> 16) == PTRACE_EVENT_EXIT) {
			/* The exit status follows. */
			if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
				return -errno;
			while ((p = waitpid(t->tid, &status, __WALL)) < 0 && errno == EINTR)
				;
			r = replay_exited(s, t, status);
		} else if ((status >> 16) == 0) {
			r = on_signal(s, t, WSTOPSIG(status));
			if (r > 0) {
				sig = r;
				r = 0;
			}
		} else {
			r = 0; /* group-stop and other event stops: resume */
		}
		if (r)
			return r;
	}
	/* After the last exit only the end record may follow. */
	r = replay_fetch(s);
	if (r < 0)
		return r;
	if (r > 0 && s->cur.rec.type != TR_END) {
		char buf[256];
		return replay_diverged(s, t, "the program ended but the recording goes on with %s",
				       describe_rec(&s->cur.rec, buf, sizeof buf));
	}
	return 0;
}
