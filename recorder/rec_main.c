/* rec_main.c - `rec [options] [--] PROG ARGS...`: records PROG's run. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/hostinfo.h"
#include "../common/ptrace_util.h"

extern char **environ;

static void usage(FILE *f) /* --help */
{
	fprintf(f, "usage: rec [-o TRACE] [-q] [--cpu N] [--chaos [--seed N]] [--timeout SECONDS]\n"
		   "           [--until-fail[=N] [-j K] [--fail-on STATUS,...]] [--no-inprocess]\n"
		   "           [--wait-all] [--] PROG [ARGS...]\n"
		   "Runs PROG and records every nondeterministic input into TRACE\n"
		   "(default: rec-PROG-N.lz4, never overwriting). Exits with PROG's status.\n"
		   "The recording ends when PROG's process ends: processes it started that\n"
		   "are still there are killed then (their end is in the trace).\n"
		   "  -o, --output FILE   trace file to write\n"
		   "  -q, --quiet         do not print where the trace went\n"
		   "      --cpu N         the CPU to run PROG and the recorder on\n"
		   "      --chaos         random thread priorities and timeslices (docs/chaos.md)\n"
		   "      --seed N        the chaos scheduler's seed (default: a random one)\n"
		   "      --timeout S     stop the recording after S seconds (exit 124; the trace\n"
		   "                      replays to that point)\n"
		   "      --until-fail[=N] record up to N runs (default 100) until one fails; keep\n"
		   "                      only its trace; with --chaos, run i (from 0) has seed\n"
		   "                      S+i (S: --seed, or drawn once)\n"
		   "  -j, --jobs K        with --until-fail: K recordings at once, one CPU each\n"
		   "      --fail-on LIST  with --until-fail: the statuses that count as failing:\n"
		   "                      comma-separated exit statuses (0-255) and signal\n"
		   "                      names (SIGSEGV or SEGV: killed by it, i.e. 128+N)\n"
		   "      --no-inprocess  record every syscall with a ptrace stop, none inside the\n"
		   "                      program (in-process recording is not built yet; the\n"
		   "                      option is accepted so scripts can pass it)\n"
		   "      --wait-all      end the recording when the last process PROG started\n"
		   "                      ends, not PROG's own (a daemon it left keeps rec waiting)\n"
		   "      --version       print the version of rec and of the trace format\n"
		   "Signals sent to rec are passed on to PROG (SIGINT, SIGTERM, SIGHUP, SIGQUIT:\n"
		   "it has 0.7 s to end, then rec ends it and exits 128+N); those PROG sends\n"
		   "to its process group (which rec shares) do not end rec. Whatever ends rec,\n"
		   "no process of the recording is left running.\n");
}

/* Finds PROG like execvp would; returns 0 with the path in out, or
 * EXIT_NOTFOUND / EXIT_NOEXEC. */
static int find_program(const char *prog, char *out, size_t n)
{
	if (strchr(prog, '/')) {
		struct stat st;
		snprintf(out, n, "%s", prog);
		if (stat(out, &st))
			return EXIT_NOTFOUND;
		return !S_ISREG(st.st_mode) || access(out, X_OK) ? EXIT_NOEXEC : 0;
	}
	const char *path = getenv("PATH");
	char *dup = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	int ret = EXIT_NOTFOUND;
	for (char *save = NULL, *dir = strtok_r(dup, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		struct stat st;
		snprintf(out, n, "%s/%s", *dir ? dir : ".", prog);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0) {
				ret = 0;
				break;
			}
			ret = EXIT_NOEXEC;
		}
	}
	free(dup);
	return ret;
}

/* Opens a fresh default trace name rec-PROG-N.lz4; returns 0 or -errno. */
static int open_default(struct trace_writer *w, const char *prog, char *name, size_t n)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", prog);
	const char *base = basename(tmp);
	for (int i = 0; i < 100000; i++) {
		snprintf(name, n, "rec-%s-%d.lz4", base, i);
		int r = trace_writer_open(w, name, 1);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

static int pin_cpu(struct rec_session *s, int cpu)
{
	if (sched_getaffinity(0, sizeof s->orig_affinity, &s->orig_affinity) < 0)
		return -errno;
	if (cpu < 0) {
		/* Spread concurrent recordings: start from this pid's slot. */
		int count = CPU_COUNT(&s->orig_affinity), k = getpid() % (count ? count : 1);
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &s->orig_affinity) && k-- == 0) {
				cpu = c;
				break;
			}
	}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	return sched_setaffinity(0, sizeof one, &one) < 0 ? -errno : 0;
}

/* Makes the trace writer asynchronous once the program is forked (rec
 * forks nothing after): its worker compresses and writes the frames on the
 * CPUs rec may use other than the one rec and the program are pinned to
 * (that one if there is no other), and on that one too only while rec
 * waits for it: beside the program it would take the program's time (under
 * --chaos, race_counter's seeds 1-10 gave 3-4 distinct totals instead of
 * 10). If it cannot, the writer stays synchronous: slower, the same trace. */
static void start_writer(struct rec_session *s)
{
	cpu_set_t pinned, cpus;
	CPU_ZERO(&cpus);
	if (sched_getaffinity(0, sizeof pinned, &pinned) == 0) {
		CPU_XOR(&cpus, &s->orig_affinity, &pinned);
		CPU_AND(&cpus, &cpus, &s->orig_affinity);
		if (CPU_COUNT(&cpus) == 0)
			cpus = pinned;
	}
	(void)trace_writer_async(&s->w, CPU_COUNT(&cpus) ? &cpus : NULL);
}

static int write_header(struct rec_session *s, int argc, char **argv)
{
	struct trace_header h = {.version = TRACE_VERSION, .argc = (uint32_t)argc, .argv = argv};
	char cwd[PATH_MAX];
	h.tool_version = HEISEN_VERSION;
	h.cwd = getcwd(cwd, sizeof cwd) ? cwd : "?";
	while (environ[h.envc])
		h.envc++;
	h.envp = environ;
	h.start_realtime_ns = realtime_ns();
	h.pid = (uint32_t)s->leader;
	h.ncpus = (uint32_t)CPU_COUNT(&s->orig_affinity);
	h.chaos = s->chaos != NULL;
	h.chaos_seed = s->chaos_seed;
	int r = hostinfo_fill(&h);
	if (!r)
		r = trace_put_header(&s->w, &h);
	free(h.sysname);
	free(h.release);
	free(h.kversion);
	free(h.machine);
	free(h.cpu_model);
	free(h.cpuid);
	return r;
}

/* Removes a trace that holds nothing worth keeping: only the regular file
 * rec opened (never /dev/full or a FIFO named with -o, not a file put in
 * its place since). */
static void remove_trace(const struct rec_session *s)
{
	struct stat st;
	if (s->trace_st.st_ino && lstat(s->trace_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == s->trace_st.st_dev && st.st_ino == s->trace_st.st_ino)
		unlink(s->trace_path);
}

static void session_free(struct rec_session *s)
{
	while (s->tasks) {
		struct rec_task *t = s->tasks;
		s->tasks = t->next;
		rec_task_free(t);
	}
	while (s->blobs) {
		struct rec_blob *b = s->blobs;
		s->blobs = b->next;
		free(b);
	}
	while (s->shared) {
		struct rec_shared *f = s->shared;
		s->shared = f->next;
		free(f);
	}
	free(s->held);
	free(s->exec_dead);
	buf_free(&s->scratch);
	if (s->snap)
		buf_free(&s->snap->data);
	free(s->snap);
	buf_free(&s->fwbuf);
	free(s->regions);
	patch_sweep_cache_free(&s->sweeps);
	rec_chaos_free(s);
	rec_inproc_free(s);
}

/* Parses a non-negative decimal number into *v; returns 0 or -EINVAL. */
static int parse_u64(const char *str, uint64_t *v)
{
	char *end;
	errno = 0;
	if (!*str || *str == '-')
		return -EINVAL;
	unsigned long long x = strtoull(str, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

/* --timeout SECONDS (a decimal fraction allowed) into ns; 0 or -EINVAL. */
static int parse_timeout(const char *str, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(str, &end);
	if (errno || *end || !(v > 0) || v > 1e6)
		return -EINVAL;
	*ns = (uint64_t)(v * 1e9);
	return 0;
}

int rec_record(const struct rec_options *opt, const char *path, struct rec_result *res)
{
	struct rec_session s = {.opt = opt, .orig_sigmask = opt->orig_mask};
	char name[PATH_MAX];
	int ret;
	memset(res, 0, sizeof *res);
	res->recfail = 1;
	rec_catch_signals(&s);
	if (opt->chaos && (ret = rec_chaos_init(&s, opt))) {
		msg("cannot draw a chaos seed: %s", strerror(-ret));
		return EXIT_RECFAIL;
	}
	res->seed = s.chaos_seed;
	if ((ret = pin_cpu(&s, opt->cpu))) {
		msg("cannot pin to CPU %d: %s", opt->cpu, strerror(-ret));
		rec_chaos_free(&s);
		return EXIT_USAGE;
	}
	ret = opt->output ? trace_writer_open(&s.w, opt->output, 0) : open_default(&s.w, opt->argv[0], name, sizeof name);
	s.trace_path = opt->output ? opt->output : name;
	if (ret) {
		msg("cannot create trace %s: %s", s.trace_path, strerror(-ret));
		rec_chaos_free(&s);
		return EXIT_RECFAIL;
	}
	if (fstat(s.w.fd, &s.trace_st) < 0 || !S_ISREG(s.trace_st.st_mode))
		s.trace_st.st_ino = 0;
	if (fstat(1, &s.out_st) < 0)
		s.out_st.st_ino = 0;
	if (fstat(2, &s.err_st) < 0)
		s.err_st.st_ino = 0;
	struct stat pst;
	s.proc_dev = stat("/proc/self/mem", &pst) == 0 ? (uint64_t)pst.st_dev : ~0ull;
	s.start_ns = now_ns();
	if (opt->timeout_ns)
		s.stop_deadline_ns = s.start_ns + opt->timeout_ns;
	if ((ret = rec_inproc_setup(&s))) {
		msg("cannot set up in-process recording: %s", strerror(-ret));
		rec_chaos_free(&s);
		return EXIT_RECFAIL;
	}
	s.leader = rec_spawn(&s, path);
	if (s.leader < 0) {
		msg("cannot start %s: %s", opt->argv[0], strerror(-s.leader));
		rec_chaos_free(&s);
		rec_inproc_free(&s);
		return EXIT_RECFAIL;
	}
	start_writer(&s);
	write_header(&s, opt->argc, opt->argv);
	ret = rec_run(&s);
	if (rec_inproc_check(&s, 1) && !ret)
		ret = -EPROTO;
	int exec_errno = 0;
	if (!s.started && read(s.exec_err_fd, &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
		/* The program never ran: no trace to keep. */
		msg("cannot execute %s: %s", opt->argv[0], strerror(exec_errno));
		rec_kill_all(&s);
		trace_writer_close(&s.w);
		remove_trace(&s);
		session_free(&s);
		return exec_errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	}
	close(s.exec_err_fd);
	if ((ret || s.failed) && !s.snapshots) {
		/* Nothing recorded that replay could run: one line, no trace. */
		msg("cannot record %s: %s", opt->argv[0], s.failed ? s.reason : strerror(-ret));
		rec_kill_all(&s);
		trace_writer_close(&s.w);
		remove_trace(&s);
		session_free(&s);
		return EXIT_RECFAIL;
	}
	if (ret || s.failed) {
		if (!s.w.err) /* the trace could not be written: said once, below */
			msg("%s", s.failed ? s.reason : strerror(-ret));
		rec_kill_all(&s);
	}
	/* Stopped by a signal sent to rec: rec's status is as if it had killed
	 * rec; stopped by --timeout: 124, like timeout(1). */
	int fail_status = s.timed_out ? EXIT_TIMEDOUT : s.stop_sig && ret == -EINTR ? 128 + s.stop_sig : EXIT_RECFAIL;
	struct trace_end end = {.end_realtime_ns = realtime_ns(), .duration_ns = now_ns() - s.start_ns,
				.status = s.failed || ret ? fail_status : s.status,
				.flags = s.failed || ret ? END_FAILED : END_OK, .reason = s.reason};
	trace_put_end(&s.w, &end);
	uint64_t events = s.w.events;
	int werr = trace_writer_close(&s.w);
	session_free(&s);
	if (werr) {
		msg("writing trace %s failed: %s", s.trace_path, strerror(-werr));
		return EXIT_RECFAIL;
	}
	res->recfail = (s.failed || ret) && !s.timed_out && !(s.stop_sig && ret == -EINTR);
	res->timed_out = s.timed_out;
	res->status = end.status;
	if (!opt->quiet)
		msg("trace written to %s (%llu events, %llu bytes)", s.trace_path, (unsigned long long)events,
		    (unsigned long long)s.w.file_bytes);
	if (opt->chaos && end.status && !opt->until_fail)
		msg("chaos seed %llu", (unsigned long long)s.chaos_seed); /* to record this schedule again */
	return end.status;
}

int main(int argc, char **argv)
{
	sigset_t orig_mask;
	rec_block_signals(&orig_mask); /* before anything: a SIGTERM now is passed on, not lost */
	enum { O_CHAOS = 256, O_SEED, O_TIMEOUT, O_UNTIL, O_FAILON, O_NOINPROC, O_WAITALL };
	static const struct option longs[] = {
		{"output", required_argument, 0, 'o'},  {"quiet", no_argument, 0, 'q'},
		{"cpu", required_argument, 0, 'C'},     {"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},       {"chaos", no_argument, 0, O_CHAOS},
		{"seed", required_argument, 0, O_SEED}, {"timeout", required_argument, 0, O_TIMEOUT},
		{"until-fail", optional_argument, 0, O_UNTIL}, {"jobs", required_argument, 0, 'j'},
		{"fail-on", required_argument, 0, O_FAILON}, {"no-inprocess", no_argument, 0, O_NOINPROC},
		{"wait-all", no_argument, 0, O_WAITALL},
		{0, 0, 0, 0},
	};
	struct rec_options opt = {.cpu = -1, .orig_mask = orig_mask, .jobs = 1};
	char path[PATH_MAX];
	uint64_t v;
	int c, ret, have_cpu = 0;
	msg_set_prog("rec");
	opterr = 0; /* one-line messages of our own */
	while ((c = getopt_long(argc, argv, "+o:qhj:", longs, NULL)) != -1) {
		switch (c) {
		case 'o': opt.output = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'C': opt.cpu = atoi(optarg), have_cpu = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rec heisen %s, trace format %d\n", HEISEN_VERSION, TRACE_VERSION); return 0;
		case O_CHAOS: opt.chaos = 1; break;
		case O_SEED:
			if (parse_u64(optarg, &opt.seed)) {
				msg("--seed %s: not a number from 0 to 2^64-1", optarg);
				return EXIT_USAGE;
			}
			opt.have_seed = 1;
			break;
		case O_TIMEOUT:
			if (parse_timeout(optarg, &opt.timeout_ns)) {
				msg("--timeout %s: not a number of seconds above 0", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_UNTIL:
			if (optarg && (parse_u64(optarg, &v) || v < 1 || v > 1000000)) {
				msg("--until-fail=%s: not a number of runs from 1 to 1000000", optarg);
				return EXIT_USAGE;
			}
			opt.until_fail = optarg ? (unsigned)v : 100;
			break;
		case 'j':
			if (parse_u64(optarg, &v) || v < 1 || v > 1024) {
				msg("-j %s: not a number of recordings from 1 to 1024", optarg);
				return EXIT_USAGE;
			}
			opt.jobs = (unsigned)v;
			break;
		case O_FAILON: opt.fail_on = optarg; break;
		case O_NOINPROC: opt.no_inprocess = 1; break;
		case O_WAITALL: opt.wait_all = 1; break;
		default:
			msg("%s: unknown option or missing argument; %s", argv[optind - 1], "see --help");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		msg("%s", "usage: rec [-o TRACE] [-q] [--cpu N] [--] PROG [ARGS...] (see --help)");
		return EXIT_USAGE;
	}
	if (opt.have_seed && !opt.chaos) {
		msg("%s", "--seed needs --chaos (see --help)");
		return EXIT_USAGE;
	}
	if (!opt.until_fail && (opt.jobs > 1 || opt.fail_on)) {
		msg("%s needs --until-fail (see --help)", opt.fail_on ? "--fail-on" : "-j");
		return EXIT_USAGE;
	}
	if (opt.jobs > 1 && have_cpu) {
		msg("%s", "--cpu and -j: each of the K recordings gets a CPU of its own (see --help)");
		return EXIT_USAGE;
	}
	if (opt.fail_on && (ret = rec_fail_on_parse(opt.fail_on, NULL)) < 0) {
		msg("--fail-on %s: %s", opt.fail_on, "want exit statuses 0-255 and signal names, comma-separated (1,134,SIGSEGV)");
		return EXIT_USAGE;
	}
	opt.argv = argv + optind;
	opt.argc = argc - optind;
	if ((ret = find_program(opt.argv[0], path, sizeof path))) {
		msg("%s: %s", opt.argv[0], ret == EXIT_NOTFOUND ? "command not found" : "not an executable file");
		return ret;
	}
	if (access(path, R_OK)) {
		/* The kernel keeps a tracer out of a program it cannot read. */
		msg("cannot record %s: %s: rec must be able to read the program", opt.argv[0], strerror(errno));
		return EXIT_RECFAIL;
	}
	if (opt.until_fail)
		return rec_until_fail(&opt, path);
	struct rec_result res;
	return rec_record(&opt, path, &res);
}
