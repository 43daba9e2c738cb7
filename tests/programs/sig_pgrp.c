// sig_pgrp: signals a program sends to its own process group (kill(0,
// sig)), which rec shares: rec must survive each (it ignores them: the
// kernel delivered them to the group's members already) and must not pass
// them on again, so each member takes each signal exactly once. The parent
// forks a child (same group) that blocks the signals; the parent sends
// SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTRAP, SIGABRT,
// SIGALRM, SIGPIPE, SIGSEGV, SIGTSTP and SIGRTMIN+2 to the group, taking
// its own with handlers, then lets the child unblock them; both print how
// many of each they got (1 each).
// With no argument it first makes a process group of its own (a test
// harness's timeout(1) shares rec's group: it must not get them). With
// "group" it stays in the group it was started in (tests/suite-outside.sh
// starts rec with setsid) and then ends as argv[2] says: "abort" (kill(0,
// SIGABRT), default action: status 134), "usr1" (kill(0, SIGUSR1):
// 138), "stop" (kill(0, SIGSTOP): rec stops too; the suite sends SIGCONT to
// the group; exits 0), "tstp" (kill(0, SIGTSTP), default action: the
// program stops, rec goes on; the suite sends SIGCONT; exits 0), "exit" (0).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS 13
static int sigs[NS] = {SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTRAP,
			     SIGABRT, SIGALRM, SIGPIPE, SIGSEGV, SIGTSTP, 0};
static volatile sig_atomic_t got[NS];

static void on_sig(int sig)
{
	for (int i = 0; i < NS; i++)
		if (sigs[i] == sig)
			got[i]++;
}

static void report(const char *who)
{
	printf("%s:", who);
	for (int i = 0; i < NS; i++)
		printf(" %s=%d", i == NS - 1 ? "RTMIN+2" : sigabbrev_np(sigs[i]), (int)got[i]);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int group = argc > 1 && !strcmp(argv[1], "group");
	const char *end = argc > 2 ? argv[2] : "exit";
	int ok = 1, p[2];
	if (!group && setpgid(0, 0) < 0) {
		perror("setpgid");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_sig};
	sigemptyset(&sa.sa_mask);
	sigset_t set, old;
	sigemptyset(&set);
	for (int i = 0; i < NS; i++) {
		if (!sigs[i])
			sigs[i] = SIGRTMIN + 2;
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	if (pipe(p) < 0)
		return 1;
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) != 1) /* the parent sent them all */
			_exit(2);
		sigprocmask(SIG_SETMASK, &old, NULL); /* each pending one delivered now, once */
		report("child");
		for (int i = 0; i < NS; i++)
			if (got[i] != 1)
				_exit(1);
		_exit(0);
	}
	close(p[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < NS; i++)
		if (kill(0, sigs[i]) < 0) {
			perror("kill");
			ok = 0;
		}
	if (write(p[1], "x", 1) != 1)
		return 1;
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("child failed: status %#x\n", st);
		ok = 0;
	}
	report("parent");
	for (int i = 0; i < NS; i++)
		ok &= got[i] == 1;
	printf("%s\n", ok ? "each signal once" : "FAILED");
	fflush(stdout);
	if (!ok)
		return 1;
	if (!strcmp(end, "abort") || !strcmp(end, "usr1")) {
		int sig = end[0] == 'a' ? SIGABRT : SIGUSR1;
		signal(sig, SIG_DFL);
		kill(0, sig);
		printf("still alive after kill(0, SIG%s)\n", sigabbrev_np(sig));
		return 1;
	}
	if (!strcmp(end, "stop") || !strcmp(end, "tstp")) {
		signal(SIGTSTP, SIG_DFL);
		kill(0, end[0] == 's' ? SIGSTOP : SIGTSTP);
		printf("continued\n");
	}
	return 0;
}
