// gdb_procs: what tests/suite-gdb.sh debugs with replay -p: a parent and a
// forked child both call work(), with other arguments; the child's result
// is its exit status, which the parent prints. Its output is deterministic.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int work(int n)
{
	volatile int sum = 0;
	for (int i = 1; i <= n; i++)
		sum += i * i;
	return sum;
}

int main(void)
{
	int st = 0;
	printf("parent: %d\n", work(3));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(work(5) % 256);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	printf("child status %d, parent again: %d\n", WEXITSTATUS(st), work(4));
	return 0;
}
