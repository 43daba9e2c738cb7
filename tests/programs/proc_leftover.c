// proc_leftover: processes that outlive the program's first one, or that
// are stuck when rec is told to stop (tests/suite-outside.sh checks that
// none is left after rec ends, whatever ended it).
//  - no argument: the first process starts a daemon (double fork, setsid)
//    that sleeps 2 s, and exits: rec ends the recording then (the daemon is
//    killed, its end recorded) unless --wait-all; the trace replays.
//  - daemon PIDFILE SECS: the same, the daemon's pid in PIDFILE; after SECS
//    seconds it creates PIDFILE.done and exits.
//  - stuck PIDFILE [untraced]: ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT;
//    forks a child blocked in pause(), one computing without syscalls, one
//    sleeping in a loop of nanosleep (events for rec to record all along),
//    a grandchild (in a process group of its own) blocked in pause(), and
//    a vfork child blocked in pause() (its parent waits in vfork);
//    a thread of the first process blocks in read; with "untraced", also a
//    process created with CLONE_UNTRACED (as LeakSanitizer's
//    stop-the-world), which rec's tracing does not reach. Every process
//    appends its pid to PIDFILE (the first one the untraced one's); then
//    "ready" and the first one pauses too.
//  - orphan PIDFILE: makes a process with CLONE_UNTRACED (its pid in
//    PIDFILE) and exits: natively that process pauses forever (this mode
//    is for rec only), under rec its syscalls fail and it spins.
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *pidfile;
static int ready[2]; /* each process writes a byte once its pid is in pidfile */

/* Appends pid to pidfile. */
static void note_other(pid_t pid)
{
	char line[32];
	int fd = open(pidfile, O_WRONLY | O_APPEND | O_CREAT, 0644);
	int n = snprintf(line, sizeof line, "%d\n", (int)pid);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		_exit(3);
	close(fd);
}

/* Appends the caller's pid to pidfile, then says so on ready. */
static void note_pid(void)
{
	note_other(getpid());
	if (write(ready[1], "r", 1) != 1)
		_exit(3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static int daemon_mode(int secs)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		if (fork() == 0) {
			setsid();
			int fd = open("/dev/null", O_RDWR);
			dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
			if (pidfile)
				note_other(getpid());
			if (write(p[1], "d", 1) != 1)
				_exit(3);
			sleep_ms(secs * 1000L);
			if (pidfile) {
				char done[4096];
				snprintf(done, sizeof done, "%s.done", pidfile);
				close(open(done, O_WRONLY | O_CREAT, 0644));
			}
			_exit(0);
		}
		_exit(0);
	}
	int st;
	char b;
	if (c < 0 || waitpid(c, &st, 0) != c || read(p[0], &b, 1) != 1)
		return 1;
	printf("daemon started, parent exits\n");
	return 0;
}

static int untraced_child(void *arg)
{
	(void)arg;
	for (;;) /* under rec its syscalls fail (rec's filter, no tracer for it): it spins */
		syscall(SYS_pause);
	return 0;
}

static void *reader(void *arg)
{
	char b;
	note_pid();
	return (void *)(long)read(*(int *)arg, &b, 1);
}

static int stuck_mode(int untraced)
{
	static char stack[65536];
	volatile unsigned long spin = 0;
	int n = 0, hold[2];
	for (int sig = 1; sig < 4; sig++)
		signal(sig == 1 ? SIGINT : sig == 2 ? SIGTERM : SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	if (pipe(hold) < 0)
		return 1;
	note_pid(), n++;
	if (fork() == 0) {
		note_pid();
		for (;;)
			pause();
	}
	n++;
	if (fork() == 0) {
		note_pid();
		for (;;)
			spin++;
	}
	n++;
	if (fork() == 0) {
		note_pid();
		for (;;)
			sleep_ms(5);
	}
	n++;
	if (fork() == 0) {
		if (fork() == 0) {
			setpgid(0, 0);
			note_pid();
			for (;;)
				pause();
		}
		note_pid();
		for (;;)
			pause();
	}
	n += 2;
	if (fork() == 0) {
		note_pid();
		if (vfork() == 0) { /* (its parent waits for it in vfork) */
			note_pid();
			for (;;)
				pause();
		}
		_exit(0);
	}
	n += 2;
	if (untraced) {
		pid_t u = clone(untraced_child, stack + sizeof stack, CLONE_UNTRACED | SIGCHLD, NULL);
		if (u < 0)
			return 1;
		note_other(u);
	}
	pthread_t t;
	if (pthread_create(&t, NULL, reader, &hold[0]))
		return 1;
	n++;
	for (char b; n > 0; n--)
		if (read(ready[0], &b, 1) != 1)
			return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (pipe(ready) < 0)
		return 1;
	if (argc < 2)
		return daemon_mode(2);
	if (argc < 3)
		return 2;
	pidfile = argv[2];
	if (!strcmp(argv[1], "daemon"))
		return daemon_mode(argc > 3 ? atoi(argv[3]) : 2);
	if (!strcmp(argv[1], "orphan")) {
		static char stack[65536];
		pid_t u = clone(untraced_child, stack + sizeof stack, CLONE_UNTRACED | SIGCHLD, NULL);
		if (u < 0)
			return 1;
		note_other(u);
		printf("parent exits\n");
		return 0;
	}
	return stuck_mode(argc > 3 && !strcmp(argv[3], "untraced"));
}
