/* rec_until.c - `rec --until-fail[=N] [-j K] [--fail-on LIST]`: records
 * the program again and again, up to N runs, K at once (each a child of
 * this rec, a normal recording on a CPU of its own), until one fails;
 * keeps only the failing run's trace. With --chaos, run i (from 0) has
 * seed S+i, S from --seed or drawn once. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/util.h"

/* One recording in flight. */
struct run {
	pid_t pid;        /* the child rec, 0: slot free */
	unsigned index;   /* run number, from 0 */
	int cpu;
	int have_msg;     /* its result arrived */
	struct rec_result res;
	char path[PATH_MAX + 32]; /* its trace, under a temporary name */
};

/* A run's outcome, sent by the child through the result pipe. */
struct run_msg {
	unsigned index;
	struct rec_result res;
};

/* One item of a --fail-on list: a status 0-255 or a signal name (128+N). */
static int fail_item(const char *item, size_t len)
{
	char buf[32];
	if (!len || len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, item, len);
	buf[len] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	if (*buf >= '0' && *buf <= '9')
		return *end || v > 255 ? -EINVAL : (int)v;
	const char *name = strncasecmp(buf, "SIG", 3) ? buf : buf + 3;
	for (int sig = 1; sig < 32; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(abbrev, name))
			return 128 + sig;
	}
	return -EINVAL;
}

int rec_fail_on_parse(const char *list, const int *status)
{
	int hit = 0;
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		int v = fail_item(p, len);
		if (v < 0)
			return v;
		hit |= status && v == *status;
		if (!p[len])
			return hit;
		p += len + 1;
	}
}

/* Whether a finished run counts as a failure. */
static int is_failure(const struct rec_options *opt, const struct rec_result *res)
{
	if (res->timed_out)
		return 1; /* a hang: what --timeout is for */
	if (!res->status)
		return 0;
	return opt->fail_on ? rec_fail_on_parse(opt->fail_on, &res->status) == 1 : 1;
}

/* The n-th CPU rec may run on (wrapping around). */
static int nth_cpu(const cpu_set_t *set, unsigned n)
{
	int count = CPU_COUNT(set);
	unsigned k = count ? n % (unsigned)count : 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && k-- == 0)
			return c;
	return 0;
}

/* Reserves the final trace name: -o's, or a fresh rec-PROG-N.lz4 (created
 * empty, so a concurrent rec does not take it). Returns 0 or -errno. */
static int reserve_name(const struct rec_options *opt, char *out, size_t n)
{
	if (opt->output) {
		snprintf(out, n, "%s", opt->output);
		return 0;
	}
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", opt->argv[0]);
	const char *base = basename(tmp);
	for (int i = 0; i < 100000; i++) {
		snprintf(out, n, "rec-%s-%d.lz4", base, i);
		int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Starts run r in a child rec; returns 0 or -errno. */
static int start_run(const struct rec_options *opt, const char *path, struct run *r, uint64_t seed, int resfd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct rec_options o = *opt;
		struct run_msg m = {.index = r->index};
		o.output = r->path;
		o.quiet = 1;
		o.cpu = r->cpu;
		o.have_seed = 1;
		o.seed = seed;
		int st = rec_record(&o, path, &m.res);
		m.res.status = st;
		if (write(resfd, &m, sizeof m) != sizeof m)
			_exit(EXIT_RECFAIL);
		_exit(st);
	}
	r->pid = pid;
	return 0;
}

/* Waits for a child's end or a signal to rec (SIGINT, SIGTERM...); returns
 * the signal (SIGCHLD for a child). One a recorded program sent (to its
 * process group, which this rec shares: its tracer is one of the runs) is
 * not for it. */
static int wait_event(const struct run *runs, unsigned k)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int i = 0; i < REC_NFWD; i++)
		sigaddset(&set, rec_forwarded[i]);
	struct timespec ts = {0, 200 * 1000 * 1000}; /* a bound: a SIGCHLD may have come before */
	siginfo_t si;
	int sig = sigtimedwait(&set, &si, &ts);
	if (sig > 0 && sig != SIGCHLD && si.si_code <= 0) {
		pid_t tracer = rec_tracer_of(si.si_pid);
		for (unsigned i = 0; i < k; i++)
			if (tracer && runs[i].pid == tracer)
				return SIGCHLD;
	}
	return sig < 0 ? SIGCHLD : sig;
}

/* Blocks, in this rec that only waits for its runs, the signals that
 * would end or stop it but those it waits for (rec_forwarded, SIGCHLD)
 * and job control: a recorded program's kill(0, SIGUSR1) reaches it too
 * (a fault of its own still kills it: the kernel unblocks it). Each run's
 * rec catches them itself (rec_catch_signals). */
static void block_others(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig = 1; sig < REC_NSIG; sig++)
		if (rec_sig_handled(sig) && !rec_sig_stops(sig) && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Takes the results the runs sent so far (resp is non-blocking). */
static void read_msgs(int fd, struct run *runs, unsigned k)
{
	struct run_msg m;
	while (read(fd, &m, sizeof m) == sizeof m)
		for (unsigned i = 0; i < k; i++)
			if (runs[i].pid && runs[i].index == m.index) {
				runs[i].res = m.res;
				runs[i].have_msg = 1;
			}
}

/* Stops every run in flight (SIGTERM: each ends its recording within
 * REC_STOP_GRACE_MS; one still there after STOP_KILL_MS gets SIGKILL, its
 * program with it) and waits for them; deletes their traces. */
#define STOP_KILL_MS 5000
static void stop_all(struct run *runs, unsigned k)
{
	unsigned left = 0;
	for (unsigned i = 0; i < k; i++)
		if (runs[i].pid) {
			kill(runs[i].pid, SIGTERM);
			left++;
		}
	for (int ms = 0; left; ms += 10) {
		for (unsigned i = 0; i < k; i++) {
			int st;
			if (!runs[i].pid)
				continue;
			if (ms >= STOP_KILL_MS)
				kill(runs[i].pid, SIGKILL);
			if (waitpid(runs[i].pid, &st, ms >= STOP_KILL_MS ? 0 : WNOHANG) == runs[i].pid) {
				runs[i].pid = 0;
				unlink(runs[i].path);
				left--;
			}
		}
		if (left)
			usleep(10 * 1000);
	}
}

int rec_until_fail(const struct rec_options *opt, const char *path)
{
	char final[PATH_MAX];
	cpu_set_t cpus;
	uint64_t base = opt->seed;
	int resp[2], ret;
	unsigned k = opt->jobs, started = 0, finished = 0;
	if (opt->chaos && !opt->have_seed && getrandom(&base, sizeof base, 0) != sizeof base) {
		msg("cannot draw a chaos seed: %s", strerror(errno));
		return EXIT_RECFAIL;
	}
	if (sched_getaffinity(0, sizeof cpus, &cpus) < 0)
		CPU_ZERO(&cpus);
	if ((ret = reserve_name(opt, final, sizeof final))) {
		msg("cannot create trace %s: %s", final, strerror(-ret));
		return EXIT_RECFAIL;
	}
	block_others();
	struct run *runs = calloc(k, sizeof *runs);
	if (!runs || pipe2(resp, O_CLOEXEC | O_NONBLOCK) < 0) {
		msg("--until-fail: %s", strerror(errno));
		free(runs);
		return EXIT_RECFAIL;
	}
	int status = 0, stop_sig = 0, found = 0, recfail = 0;
	struct run_msg fail = {0};
	while (!found && !stop_sig && !recfail && (started < opt->until_fail || finished < started)) {
		for (unsigned i = 0; i < k && started < opt->until_fail; i++) {
			if (runs[i].pid)
				continue;
			runs[i].index = started;
			runs[i].cpu = opt->cpu >= 0 ? opt->cpu : nth_cpu(&cpus, i);
			snprintf(runs[i].path, sizeof runs[i].path, "%s.run%u.tmp", final, started);
			if ((ret = start_run(opt, path, &runs[i], base + started, resp[1]))) {
				msg("--until-fail: cannot start run %u: %s", started + 1, strerror(-ret));
				recfail = 1;
				break;
			}
			started++;
		}
		int sig = wait_event(runs, k);
		if (sig != SIGCHLD) {
			stop_sig = sig;
			break;
		}
		read_msgs(resp[0], runs, k);
		for (unsigned i = 0; i < k; i++) {
			int st;
			if (!runs[i].pid || waitpid(runs[i].pid, &st, WNOHANG) != runs[i].pid)
				continue;
			if (!runs[i].have_msg)
				read_msgs(resp[0], runs, k); /* written after the read above, before it ended */
			runs[i].pid = 0;
			finished++;
			if (!runs[i].have_msg) {
				msg("--until-fail: run %u ended without a result (status %d)", runs[i].index + 1,
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
				recfail = 1;
			} else if (runs[i].res.recfail) {
				msg("--until-fail: run %u: the recording failed (see above)", runs[i].index + 1);
				recfail = 1;
			} else if (!found && is_failure(opt, &runs[i].res)) {
				found = 1;
				fail.index = runs[i].index;
				fail.res = runs[i].res;
				status = fail.res.status;
				if (rename(runs[i].path, final) < 0) {
					msg("cannot rename %s to %s: %s", runs[i].path, final, strerror(errno));
					recfail = 1;
				}
				runs[i].have_msg = 0;
				continue;
			}
			runs[i].have_msg = 0;
			unlink(runs[i].path);
		}
	}
	stop_all(runs, k);
	close(resp[0]);
	close(resp[1]);
	free(runs);
	if (!found || stop_sig || recfail) {
		if (found || !opt->output)
			unlink(final); /* the failing trace of a stopped search, or the reserved name */
	}
	if (stop_sig) {
		msg("stopped by SIG%s after %u runs: no trace kept", sigabbrev_np(stop_sig) ?: "?", finished);
		return 128 + stop_sig;
	}
	if (recfail)
		return EXIT_RECFAIL;
	if (!found) {
		if (opt->chaos)
			msg("no failure in %u runs (chaos seeds %llu to %llu): no trace kept", finished,
			    (unsigned long long)base, (unsigned long long)(base + finished - 1));
		else
			msg("no failure in %u runs: no trace kept", finished);
		return 0;
	}
	char how[64];
	if (fail.res.timed_out)
		snprintf(how, sizeof how, "still running after %.3g s", (double)opt->timeout_ns / 1e9);
	else if (status > 128)
		snprintf(how, sizeof how, "killed by SIG%s", sigabbrev_np(status - 128) ?: "?");
	else
		snprintf(how, sizeof how, "exit status %d", status);
	msg("run %u failed (%s) after %u runs; trace written to %s", fail.index + 1, how, finished, final);
	if (opt->chaos)
		msg("chaos seed %llu", (unsigned long long)fail.res.seed);
	return status;
}
