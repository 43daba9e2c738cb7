// shm_sysv.c - System V shared memory as PostgreSQL uses it: a private
// segment created and attached by the parent, inherited by a forked child
// that writes into it, attached by id by a second child that writes too,
// attached a second time (read-only) by the parent, read by
// the parent after the child's exit, detached and removed. IPC_STAT's size
// and attach count are printed too. Under rec, replay keeps one copy of the
// segment that every attachment maps.
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 3 * 4096 + 100, IPC_CREAT | 0600);
	if (id < 0) {
		perror("shmget");
		return 1;
	}
	char *p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		perror("shmat");
		return 1;
	}
	strcpy(p, "parent wrote this");
	pid_t c = fork();
	if (c == 0) {
		strcpy(p + 4096, "the child wrote this");
		p[3 * 4096 + 50] = 'z';
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	c = fork();
	if (c == 0) { /* attaches it by id itself */
		char *q = shmat(id, NULL, 0);
		if (q == (void *)-1)
			_exit(1);
		strcpy(q + 8192, "a second child attached it");
		_exit(shmdt(q) ? 1 : 0);
	}
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	const char *ro = shmat(id, NULL, SHM_RDONLY);
	if (ro == (void *)-1) {
		perror("shmat ro");
		return 1;
	}
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) < 0) {
		perror("shmctl");
		return 1;
	}
	printf("size %zu, attached %lu\n", (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch);
	printf("%s / %s / %s / %c / %s\n", p, ro + 4096, ro + 8192, ro[3 * 4096 + 50],
	       ro == p ? "same address" : "another address");
	int ok = !strcmp(p, "parent wrote this") && !strcmp(ro + 4096, "the child wrote this") &&
		 !strcmp(ro + 8192, "a second child attached it") && ro[3 * 4096 + 50] == 'z';
	if (shmdt(ro) || shmdt(p) || shmctl(id, IPC_RMID, NULL)) {
		perror("shmdt/shmctl");
		return 1;
	}
	printf("detached and removed\n");
	return ok ? 0 : 1;
}
