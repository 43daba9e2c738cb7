// prctl_name: PR_GET_NAME / PR_SET_NAME (checked through /proc/self/comm),
// PR_GET_DUMPABLE, PR_SET_PDEATHSIG / PR_GET_PDEATHSIG.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void comm(void)
{
	char buf[64] = {0};
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	printf("/proc/self/comm '%s'\n", buf);
}

int main(void)
{
	char name[17] = {0};
	printf("PR_GET_NAME -> %d '%s'\n", prctl(PR_GET_NAME, name), name);
	comm();
	printf("PR_SET_NAME -> %d\n", prctl(PR_SET_NAME, "heisen-renamed"));
	memset(name, 0, sizeof name);
	printf("PR_GET_NAME -> %d '%s'\n", prctl(PR_GET_NAME, name), name);
	comm();
	printf("PR_SET_NAME long -> %d\n", prctl(PR_SET_NAME, "a-name-longer-than-sixteen-bytes"));
	memset(name, 0, sizeof name);
	prctl(PR_GET_NAME, name);
	printf("truncated '%s'\n", name);
	printf("PR_GET_DUMPABLE -> %d\n", prctl(PR_GET_DUMPABLE));
	int sig = -1;
	printf("PR_SET_PDEATHSIG -> %d\n", prctl(PR_SET_PDEATHSIG, SIGTERM));
	int rc = prctl(PR_GET_PDEATHSIG, &sig);
	printf("PR_GET_PDEATHSIG -> %d sig %d\n", rc, sig);
	printf("PR_GET_NO_NEW_PRIVS -> %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	return 0;
}
