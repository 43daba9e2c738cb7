/* pipeline_sh: shell pipelines started by the program. posix_spawn of
 * sh -c 'printf "c\nb\na\n" | tr a-z A-Z | sort' with its stdout redirected
 * into a pipe (posix_spawn_file_actions_adddup2) that the parent reads;
 * posix_spawnp of a pipeline that exits 3; system() of a pipeline writing
 * straight to our stdout, and of one that exits 4. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

extern char **environ;
static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

int main(void)
{
	int p[2];
	CK(pipe(p));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	char *argv[] = { "sh", "-c", "printf \"c\\nb\\na\\n\" | tr a-z A-Z | sort", NULL };
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	check(r == 0, "posix_spawn");
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	char buf[256] = {0};
	size_t got = 0;
	ssize_t n;
	while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	int st;
	CK(waitpid(pid, &st, 0));
	printf("posix_spawn pipeline printed %zu bytes:\n%s", got, buf);
	printf("  sh exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	check(strcmp(buf, "A\nB\nC\n") == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "posix_spawn pipeline");

	char *argv3[] = { "sh", "-c", "echo x | grep -q y; echo z | (read v; exit 3)", NULL };
	r = posix_spawnp(&pid, "sh", NULL, NULL, argv3, environ);
	check(r == 0, "posix_spawnp");
	CK(waitpid(pid, &st, 0));
	printf("posix_spawnp pipeline exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 3, "posix_spawnp status");

	printf("system() pipeline:\n");
	fflush(stdout);
	r = system("printf 'pear\\napple\\nfig\\n' | sort -r | tr a-z A-Z");
	printf("  system returned %d (exited %d)\n", r, WIFEXITED(r) ? WEXITSTATUS(r) : -1);
	check(WIFEXITED(r) && WEXITSTATUS(r) == 0, "system pipeline");
	r = system("true | exit 4");
	printf("system of a pipeline exiting 4 -> exited %d\n", WIFEXITED(r) ? WEXITSTATUS(r) : -1);
	check(WIFEXITED(r) && WEXITSTATUS(r) == 4, "system status");
	return wrong;
}
