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
	fprintf(f, "usage: rec [-o TRACE] [-q] [--cpu N] [--] PROG [ARGS...]\n"
		   "Runs PROG and records every nondeterministic input into TRACE\n"
		   "(default: rec-PROG-N.lz4, never overwriting). Exits with PROG's status.\n"
		   "  -o, --output FILE   trace file to write\n"
		   "  -q, --quiet         do not print where the trace went\n"
		   "      --cpu N         the CPU to run PROG and the recorder on\n"
		   "      --version       print the version of rec and of the trace format\n");
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

static void session_free(struct rec_session *s)
{
	while (s->tasks) {
		struct rec_task *t = s->tasks;
		s->tasks = t->next;
		rec_space_put(t->space);
		free(t);
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
	buf_free(&s->scratch);
	if (s->snap)
		buf_free(&s->snap->data);
	free(s->snap);
	buf_free(&s->fwbuf);
	free(s->regions);
}

int main(int argc, char **argv)
{
	sigset_t orig_mask;
	rec_block_signals(&orig_mask); /* before anything: a SIGTERM now is passed on, not lost */
	static const struct option longs[] = {
		{"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
		{"cpu", required_argument, 0, 'C'},    {"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},      {0, 0, 0, 0},
	};
	struct rec_options opt = {.cpu = -1};
	struct rec_session s = {.opt = &opt, .orig_sigmask = orig_mask};
	char path[PATH_MAX], name[PATH_MAX];
	int c, ret;
	rec_catch_signals(&s);
	msg_set_prog("rec");
	opterr = 0; /* one-line messages of our own */
	while ((c = getopt_long(argc, argv, "+o:qh", longs, NULL)) != -1) {
		switch (c) {
		case 'o': opt.output = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'C': opt.cpu = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("rec heisen %s, trace format %d\n", HEISEN_VERSION, TRACE_VERSION); return 0;
		default:
			msg("%s: unknown option or missing argument; %s", argv[optind - 1], "see --help");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		msg("%s", "usage: rec [-o TRACE] [-q] [--cpu N] [--] PROG [ARGS...] (see --help)");
		return EXIT_USAGE;
	}
	opt.argv = argv + optind;
	if ((ret = find_program(opt.argv[0], path, sizeof path))) {
		msg("%s: %s", opt.argv[0], ret == EXIT_NOTFOUND ? "command not found" : "not an executable file");
		return ret;
	}
	if (access(path, R_OK)) {
		/* The kernel keeps a tracer out of a program it cannot read. */
		msg("cannot record %s: %s: rec must be able to read the program", opt.argv[0], strerror(errno));
		return EXIT_RECFAIL;
	}
	if ((ret = pin_cpu(&s, opt.cpu))) {
		msg("cannot pin to CPU %d: %s", opt.cpu, strerror(-ret));
		return EXIT_USAGE;
	}
	ret = opt.output ? trace_writer_open(&s.w, opt.output, 0) : open_default(&s.w, opt.argv[0], name, sizeof name);
	s.trace_path = opt.output ? opt.output : name;
	if (ret) {
		msg("cannot create trace %s: %s", s.trace_path, strerror(-ret));
		return EXIT_RECFAIL;
	}
	if (fstat(1, &s.out_st) < 0)
		s.out_st.st_ino = 0;
	if (fstat(2, &s.err_st) < 0)
		s.err_st.st_ino = 0;
	s.start_ns = now_ns();
	s.leader = rec_spawn(&s, path);
	if (s.leader < 0) {
		msg("cannot start %s: %s", opt.argv[0], strerror(-s.leader));
		return EXIT_RECFAIL;
	}
	write_header(&s, argc - optind, opt.argv);
	ret = rec_run(&s);
	int exec_errno = 0;
	if (!s.started && read(s.exec_err_fd, &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
		/* The program never ran: no trace to keep. */
		msg("cannot execute %s: %s", opt.argv[0], strerror(exec_errno));
		tracee_kill_all(s.leader);
		trace_writer_close(&s.w);
		unlink(s.trace_path);
		session_free(&s);
		return exec_errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	}
	close(s.exec_err_fd);
	if ((ret || s.failed) && !s.snapshots) {
		/* Nothing recorded that replay could run: one line, no trace. */
		msg("cannot record %s: %s", opt.argv[0], s.failed ? s.reason : strerror(-ret));
		for (struct rec_task *t = s.tasks; t; t = t->next)
			kill(t->tid, SIGKILL);
		tracee_kill_all(s.leader);
		trace_writer_close(&s.w);
		unlink(s.trace_path);
		session_free(&s);
		return EXIT_RECFAIL;
	}
	if (ret || s.failed) {
		msg("%s", s.failed ? s.reason : strerror(-ret));
		for (struct rec_task *t = s.tasks; t; t = t->next) {
			kill(t->tid, SIGKILL);
			ptrace(PTRACE_CONT, t->tid, 0, 0); /* a stop already reported is not ended by SIGKILL */
		}
		tracee_kill_all(s.leader);
	}
	/* Stopped by a signal sent to rec: rec's status is as if it had killed rec. */
	int fail_status = s.stop_sig && ret == -EINTR ? 128 + s.stop_sig : EXIT_RECFAIL;
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
	if (!opt.quiet)
		msg("trace written to %s (%llu events, %llu bytes)", s.trace_path, (unsigned long long)events,
		    (unsigned long long)s.w.file_bytes);
	return end.status;
}
