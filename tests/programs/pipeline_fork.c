/* pipeline_fork: a three-process pipeline built by hand, like a shell:
 * cat | tr a-z A-Z | sort -r, each stage forked with its stdin/stdout
 * dup2'ed onto pipes and execvp'ed. The parent feeds cat through a pipe of
 * its own, reads sort's output from the last pipe and collects the three
 * statuses; then a pipeline whose middle stage is a missing command (the
 * child's execvp fails: exit 127, and cat upstream dies of SIGPIPE or
 * exits 0, whichever comes first). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

/* forks a stage reading from in and writing to out; closes both in the
 * parent; every other descriptor above 2 is closed in the child */
static pid_t stage(char *const argv[], int in, int out)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in);
	close(out);
	return c;
}

static void describe(const char *name, int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "%s exited %d", name, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "%s killed by %s", name, WTERMSIG(st) == SIGPIPE ? "SIGPIPE" : "another signal");
	else
		snprintf(buf, len, "%s ?", name);
}

/* runs argv0 | argv1 | argv2 on input; returns what came out */
static void pipeline(char *const *argv[3], const char *input, char *out, size_t outlen, int st[3])
{
	int feed[2], p1[2], p2[2], res[2];
	CK(pipe(feed));
	CK(pipe(p1));
	CK(pipe(p2));
	CK(pipe(res));
	pid_t pid[3];
	/* the parent's ends must not leak into the stages */
	pid[0] = stage(argv[0], feed[0], p1[1]);
	pid[1] = stage(argv[1], p1[0], p2[1]);
	pid[2] = stage(argv[2], p2[0], res[1]);
	signal(SIGPIPE, SIG_IGN);
	ssize_t w = write(feed[1], input, strlen(input));
	(void)w; /* may fail with EPIPE when a stage is missing */
	close(feed[1]);
	size_t got = 0;
	ssize_t n;
	while (got < outlen - 1 && (n = read(res[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(res[0]);
	for (int i = 0; i < 3; i++)
		CK(waitpid(pid[i], &st[i], 0));
	signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
	char *cat[] = { "cat", NULL };
	char *tr[] = { "tr", "a-z", "A-Z", NULL };
	char *sort[] = { "sort", "-r", NULL };
	char *missing[] = { "heisen-no-such-command", NULL };
	char *const *good[3] = { cat, tr, sort };
	char *const *bad[3] = { cat, missing, sort };
	char out[256], d[3][64];
	int st[3];

	pipeline(good, "pear\napple\nfig\nbanana\n", out, sizeof out, st);
	printf("cat | tr a-z A-Z | sort -r printed:\n%s", out);
	for (int i = 0; i < 3; i++)
		describe(good[i][0], st[i], d[i], sizeof d[i]);
	printf("  %s; %s; %s\n", d[0], d[1], d[2]);
	check(strcmp(out, "PEAR\nFIG\nBANANA\nAPPLE\n") == 0, "pipeline output");
	for (int i = 0; i < 3; i++)
		check(WIFEXITED(st[i]) && WEXITSTATUS(st[i]) == 0, "stage status");

	pipeline(bad, "lost\n", out, sizeof out, st);
	printf("cat | missing | sort -r printed %zu bytes\n", strlen(out));
	for (int i = 0; i < 3; i++)
		describe(bad[i][0], st[i], d[i], sizeof d[i]);
	printf("  %s; %s; %s\n", d[0], d[1], d[2]);
	check(out[0] == 0, "no output through a missing stage");
	check(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 127, "missing command exits 127");
	check((WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0) || (WIFSIGNALED(st[0]) && WTERMSIG(st[0]) == SIGPIPE),
	      "cat status");
	check(WIFEXITED(st[2]) && WEXITSTATUS(st[2]) == 0, "sort on empty input");
	return wrong;
}
