/* rec_spawn.c - starting the program: pinned, no ASLR, rdtsc trapping,
 * a seccomp filter built from the syscall table, seized before exec. */
#include "rec.h"
#include "../common/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <unistd.h>

extern char **environ;

/* Every syscall traps to the recorder, which looks it up in the table
 * itself (a rule per syscall carrying its class cost 1.2 ms to build and
 * a compare per rule at every syscall, for nothing rec read), but the
 * unrecorded ones (sc_unrecorded), which pass. 32-bit ones (int 0x80)
 * never get here: export_filter's prefix refuses them. */
static scmp_filter_ctx build_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(SCC_UNKNOWN));
	if (!ctx)
		return NULL;
	/* What libseccomp's x86-64 filter counts as another ABI: numbers
	 * with the x32 bit (and negative ones, but -1): traced, marked. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(REC_BADARCH)) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	for (int nr = 0; nr < SC_MAX; nr++) {
		if (sc_unrecorded(nr) && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0) {
			seccomp_release(ctx);
			return NULL;
		}
	}
	return ctx;
}

/* Compiles the filter to BPF before fork, so the child loads it with one
 * prctl and no allocation (rdtsc already traps there); with an untraced
 * address (not 0), a syscall returning there passes untraced. 32-bit
 * syscalls (int 0x80) fail with ENOSYS, unrecorded, as on a kernel
 * without IA32 emulation: replay answers them the same (replay_loop.c). */
static int export_filter(struct buf *bpf, uint64_t untraced_ip)
{
	scmp_filter_ctx ctx = build_filter();
	if (!ctx)
		return -ENOMEM;
	int r = filter_export(ctx, bpf);
	seccomp_release(ctx);
	if (!r && untraced_ip)
		r = filter_allow_ip(bpf, untraced_ip);
	if (!r)
		r = filter_refuse_arch(bpf, AUDIT_ARCH_I386, ENOSYS); /* first: before any allow */
	return r;
}

pid_t rec_spawn(struct rec_session *s, const char *path)
{
	int go[2];
	struct buf bpf = {0};
	int r = export_filter(&bpf, s->untraced_ip);
	if (r) {
		buf_free(&bpf);
		return r;
	}
	struct sock_fprog prog = {(unsigned short)(bpf.len / sizeof(struct sock_filter)), (struct sock_filter *)bpf.p};
	int err[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		buf_free(&bpf);
		return -errno;
	}
	if (pipe2(err, O_CLOEXEC) < 0) {
		buf_free(&bpf);
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	sigset_t all, before;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &before); /* the child takes none with rec's handler */
	pid_t pid = fork();
	if (pid > 0)
		sigprocmask(SIG_SETMASK, &before, NULL);
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &before, NULL);
		buf_free(&bpf);
		close(go[0]);
		close(go[1]);
		return -e;
	}
	if (pid == 0) {
		char c;
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(EXIT_RECFAIL);
		close(go[0]);
		/* The signals rec catches stay blocked through the exec (but
		 * faults): one sent to the process group now reaches the
		 * program's first instruction (rec_unblock_program), not this
		 * child. Their actions are as rec found them (SIG_IGN stays). */
		sigset_t mask = s->orig_sigmask;
		for (int sig = 1; sig < REC_NSIG; sig++) {
			if (!sigismember(&s->caught, sig))
				continue;
			sigaction(sig, &s->orig_actions[sig], NULL);
			if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGTRAP && sig != SIGSYS)
				sigaddset(&mask, sig);
		}
		sigprocmask(SIG_SETMASK, &mask, NULL);
		if (personality(ADDR_NO_RANDOMIZE) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			msg("cannot set up the traced process: %s", strerror(errno));
			_exit(EXIT_RECFAIL);
		}
		/* From here on: raw syscalls only (no vDSO, no malloc). */
		if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(EXIT_RECFAIL);
		execve(path, s->opt->argv, environ);
		int e = errno; /* tell rec why: the pipe closes on a successful exec */
		if (write(err[1], &e, sizeof e) < 0)
			_exit(EXIT_NOEXEC);
		_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	buf_free(&bpf);
	close(go[0]);
	close(err[1]);
	s->exec_err_fd = err[0];
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
		    PTRACE_O_TRACEEXIT | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, pid, 0, opts) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		close(go[1]);
		return -e;
	}
	if (write(go[1], "g", 1) != 1) {
		close(go[1]);
		return -EIO;
	}
	close(go[1]);
	return pid;
}

int rec_unblock_program(struct rec_session *s, pid_t tid)
{
	/* The kernel's sigset is the first 8 bytes of glibc's. */
	return ptrace(PTRACE_SETSIGMASK, tid, (void *)8, &s->orig_sigmask) < 0 ? -errno : 0;
}
