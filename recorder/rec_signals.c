/* rec_signals.c - signals that reach rec, and leaving no process behind.
 * A signal sent to rec from outside the recording is passed on to the
 * program (SIGINT, SIGTERM, SIGHUP, SIGQUIT also stop the recording); one
 * the recorded program sends to its process group (kill(0, sig)), which
 * rec shares, is ignored: the kernel delivered it to the group's members
 * already. Whatever ends rec, no process of the recording outlives it. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

const int rec_forwarded[REC_NFWD] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* The one mutable global: signals sent to rec from outside the recording,
 * to act on in the loop (pending[0]: some are); and the actions rec found
 * for the fault signals, put back at a fault of rec's own (under make
 * asan: AddressSanitizer's report). */
static struct {
	volatile sig_atomic_t pending[REC_NSIG];
	struct sigaction fault[REC_NSIG];
} g;

int rec_sig_handled(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGCHLD: /* blocked: taken with sigtimedwait in wait_next */
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
		return 0; /* cannot be caught, or do nothing to rec by default */
	default:
		return sig > 0 && sig < REC_NSIG && (sig < 32 || sig >= SIGRTMIN);
	}
}

static int is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP || sig == SIGSYS;
}

int rec_sig_stops(int sig)
{
	for (int i = 0; i < REC_NFWD; i++)
		if (rec_forwarded[i] == sig)
			return 1;
	return 0;
}

pid_t rec_tracer_of(pid_t pid)
{
	char path[40] = "/proc/", digits[12], buf[1024];
	int n = 0, len = 6;
	if (pid <= 0)
		return -1;
	for (pid_t p = pid; p && n < 11; p /= 10)
		digits[n++] = (char)('0' + p % 10);
	while (n)
		path[len++] = digits[--n];
	memcpy(path + len, "/status", 8);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = 0;
	const char *f = strstr(buf, "\nTracerPid:");
	if (!f)
		return -1;
	f += 11;
	while (*f == ' ' || *f == '\t')
		f++;
	long tracer = 0;
	while (*f >= '0' && *f <= '9')
		tracer = tracer * 10 + (*f++ - '0');
	return (pid_t)tracer;
}

static void on_rec_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	if (si->si_code > 0 && is_fault(sig)) {
		/* rec's own fault: it dies of it as the instruction runs again */
		sigaction(sig, &g.fault[sig], NULL);
		errno = saved;
		return;
	}
	/* Sent with kill, sigqueue or tgkill (not the kernel's: a terminal's
	 * Ctrl-C reaches the program by itself, in the same process group). */
	int sent = si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL;
	/* From rec itself (a SIGPIPE or SIGXFSZ of a trace write, which then
	 * fails; abort()'s SIGABRT, raised again with the default action) or
	 * from the program (its group's kill: delivered to the group already). */
	if (sent && (si->si_pid == getpid() || rec_tracer_of(si->si_pid) == getpid())) {
		errno = saved;
		return;
	}
	if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
		kill(getpid(), SIGSTOP); /* job control: rec stops, as by default */
	else if (sent) {
		g.pending[sig] = 1;
		g.pending[0] = 1;
	}
	errno = saved;
}

void rec_block_signals(sigset_t *orig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD); /* taken with sigtimedwait in wait_next */
	for (int i = 0; i < REC_NFWD; i++)
		sigaddset(&set, rec_forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, orig);
}

void rec_catch_signals(struct rec_session *s)
{
	struct sigaction sa = {.sa_sigaction = on_rec_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigfillset(&sa.sa_mask);
	sigset_t fwd;
	sigemptyset(&fwd);
	for (int sig = 1; sig < REC_NSIG; sig++) {
		if (!rec_sig_handled(sig) || sigaction(sig, NULL, &s->orig_actions[sig]) < 0)
			continue;
		if (is_fault(sig) && s->orig_actions[sig].sa_sigaction != on_rec_signal)
			g.fault[sig] = s->orig_actions[sig];
		/* One ignored when rec started stays so (nohup, a background
		 * job's SIGINT), but for those rec passes on, as before. */
		if (s->orig_actions[sig].sa_handler == SIG_IGN && !rec_sig_stops(sig))
			continue;
		if (sigaction(sig, &sa, NULL) == 0)
			sigaddset(&s->caught, sig);
		sigaddset(&fwd, sig);
	}
	/* Sent since rec_block_signals: pending, so the handler takes it now. */
	sigprocmask(SIG_UNBLOCK, &fwd, NULL);
}

int rec_signal_pending(void)
{
	return g.pending[0];
}

int rec_take_signal(void)
{
	if (!g.pending[0])
		return 0;
	g.pending[0] = 0;
	for (int sig = 1; sig < REC_NSIG; sig++)
		if (g.pending[sig]) {
			g.pending[sig] = 0;
			g.pending[0] = 1; /* look again for more */
			return sig;
		}
	return 0;
}

void rec_kill_untraced(pid_t tid, int depth)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", tid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (char *p = buf, *end; *p; p = end) {
		long c = strtol(p, &end, 10);
		if (end == p)
			break;
		if (rec_tracer_of((pid_t)c) != 0)
			continue; /* traced: a process of the recording, killed as a task (or gone) */
		kill((pid_t)c, SIGSTOP); /* no more children meanwhile */
		if (depth > 0)
			rec_kill_untraced((pid_t)c, depth - 1);
		kill((pid_t)c, SIGKILL);
	}
}

void rec_kill_rest(struct rec_session *s)
{
	for (struct rec_task *t = s->tasks; t; t = t->next)
		rec_kill_untraced(t->tid, 8);
	for (struct rec_task *t = s->tasks; t; t = t->next)
		kill(t->tid, SIGKILL);
}

#define REC_KILL_WAIT_MS 3000 /* then rec exits: PTRACE_O_EXITKILL ends what is left */
void rec_kill_all(struct rec_session *s)
{
	rec_kill_rest(s);
	if (!s->leader_gone)
		kill(s->leader, SIGKILL); /* (not yet a task: before its first stop) */
	for (struct rec_task *t = s->tasks; t; t = t->next)
		ptrace(PTRACE_CONT, t->tid, 0, 0); /* a stop already reported is not ended by SIGKILL */
	uint64_t deadline = now_ns() + REC_KILL_WAIT_MS * 1000000ull;
	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, __WALL | WNOHANG);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break; /* ECHILD: none left */
		if (p > 0 && WIFSTOPPED(status)) {
			/* one rec did not know yet (its first stop), or an exit stop */
			kill(p, SIGKILL);
			ptrace(PTRACE_CONT, p, 0, 0);
		}
		if (p == 0) {
			if (now_ns() >= deadline)
				break;
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
}
