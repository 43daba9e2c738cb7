/* replay_main.c - `replay [options] TRACE`: runs a recorded program again. */
#include "replay.h"
#include "gdb_server.h"
#include "../common/ptrace_util.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *f) /* --help */
{
	fprintf(f, "usage: replay [--quiet] TRACE\n"
		   "       replay --gdbserver [HOST:]PORT [-p PID|NAME] [--goto EVENT] TRACE\n"
		   "       replay --gdb [-p PID|NAME] [--goto EVENT] TRACE [-- GDB-ARGS]\n"
		   "       replay --info [--json] TRACE\n"
		   "       replay --dump [--json] TRACE\n"
		   "Runs the recorded program again from TRACE alone: same output, same\n"
		   "exit status. Stops with a report if the program diverges.\n"
		   "  -q, --quiet   do not echo what the program writes to stdout/stderr\n"
		   "  -i, --info    summarize the trace\n"
		   "  -d, --dump    list every event\n"
		   "  -j, --json    with --dump: one JSON object per line; with --info: one object\n"
		   "      --gdbserver [HOST:]PORT  serve gdb's remote protocol on PORT (loopback\n"
		   "                    unless HOST is given): target extended-remote :PORT\n"
		   "      --gdb         run gdb on the replay (a free loopback port); GDB-ARGS\n"
		   "                    after -- go to gdb\n"
		   "      --goto EVENT  with --gdb, --gdbserver: gdb starts at that event\n"
		   "  -p, --process PID|NAME  with --gdb, --gdbserver: gdb is shown that process\n"
		   "                    (its recorded pid, or the file name it executes; default:\n"
		   "                    the first process), from where it appears\n"
		   "      --version print the version of replay and of the trace format\n"
		   "exit status: the program's, or 120 usage, 121 not a trace, 122 corrupt,\n"
		   "123 newer format, 124 truncated, 125 divergence\n");
}

/* Pins replay to one CPU: a ptrace stop is far cheaper when tracer and
 * tracee share it. */
/* The recording's initial APIC id (cpuid leaf 1, ebx bits 31-24: the
 * CPU rec ran on, which programs see through cpuid; ld.so keeps it in
 * memory); -1 if the header lacks leaf 1. */
static int recorded_apic_id(const struct trace_header *h)
{
	for (uint32_t i = 0; i < h->ncpuid; i++)
		if (h->cpuid[i].leaf == 1)
			return (int)(h->cpuid[i].ebx >> 24);
	return -1;
}

/* Pins replay (and so the program) to the CPU the recording ran on, the
 * one with the same APIC id, if this machine allows it; else to one CPU
 * chosen by pid, spreading concurrent replays. */
static void pin_cpu(const struct trace_header *h)
{
	cpu_set_t set, one;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return;
	int apic = recorded_apic_id(h);
	for (int c = 0; apic >= 0 && c < CPU_SETSIZE; c++) {
		unsigned a, b, cc, d;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (!CPU_ISSET(c, &set) || sched_setaffinity(0, sizeof one, &one) < 0)
			continue;
		__cpuid(1, a, b, cc, d);
		if ((int)(b >> 24) == apic)
			return;
	}
	int count = CPU_COUNT(&set), k = getpid() % (count ? count : 1);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && k-- == 0) {
			CPU_SET(c, &one);
			sched_setaffinity(0, sizeof one, &one);
			return;
		}
}

/* Replay on a different CPU model may diverge (cpuid is not trapped here). */
static void warn_other_cpu(const struct trace_header *h)
{
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		const struct trace_cpuid *c = &h->cpuid[i];
		unsigned a, b, cc, d;
		if (c->leaf != 1 && c->leaf != 7)
			continue;
		__cpuid_count(c->leaf, c->subleaf, a, b, cc, d);
		/* leaf 1: family/model/stepping and features (not the APIC id in ebx) */
		if ((c->leaf == 1 && (a != c->eax || cc != c->ecx || d != c->edx)) ||
		    (c->leaf == 7 && (b != c->ebx || cc != c->ecx || d != c->edx))) {
			msg("warning: this CPU differs from the recording's (%s); replay may diverge",
			    h->cpu_model);
			return;
		}
	}
}

/* --gdb: gdb, in this process, connected to the server a child runs
 * (in a process group of its own: the terminal's ^C goes to gdb, which
 * asks the server to stop). gdb starts once the child says it is ready
 * (*ready: the pipe it says so on); if the child ends first, its status
 * is ours. Returns in the child only: 0, or -errno. */
static int exec_gdb(int port, char **gdb_args, int ngdb_args, int *ready)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		close(p[0]);
		*ready = p[1];
		return 0;
	}
	char c, target[64];
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		int status = 0;
		waitpid(pid, &status, 0);
		exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(p[0]);
	snprintf(target, sizeof target, "target extended-remote 127.0.0.1:%d", port);
	char **argv = calloc((size_t)ngdb_args + 5, sizeof *argv);
	if (argv) {
		int n = 0;
		argv[n++] = "gdb";
		argv[n++] = "-q";
		argv[n++] = "-ex";
		argv[n++] = target;
		for (int i = 0; i < ngdb_args; i++)
			argv[n++] = gdb_args[i];
		execvp("gdb", argv);
	}
	msg("cannot run gdb: %s", strerror(errno));
	kill(pid, SIGKILL);
	exit(127);
}

/* --gdbserver, --gdb: listens; the server takes gdb's connection when the
 * replay reaches event goto_event (0: at once). 0 or -errno. */
static int gdb_start(struct replay_session *s, const char *spec, char **gdb_args, int ngdb_args,
		     uint64_t goto_event, const char *process)
{
	uint32_t pick_pid = 0;
	uint64_t pick_event = 0;
	int k = process ? gdb_pick(s->opt->trace, process, &pick_pid, &pick_event) : 0;
	if (k) {
		msg("-p %s: %s", process, k == -ESRCH ? "no such process in the trace (replay --dump lists exec and newtask events)"
							: strerror(-k));
		return k;
	}
	int port, ready = -1, lfd = gdb_listen(spec ? spec : "0", &port);
	if (lfd < 0) {
		msg("--gdbserver %s: cannot listen: %s", spec ? spec : "", strerror(-lfd));
		return lfd;
	}
	if (!spec) {
		int r = exec_gdb(port, gdb_args, ngdb_args, &ready);
		if (r) {
			msg("--gdb: %s", strerror(-r));
			return r;
		}
	} else if (!s->opt->quiet) {
		const char *colon = strrchr(spec, ':');
		msg("listening on port %d; in gdb: target extended-remote %.*s:%d", port,
		    colon ? (int)(colon - spec) : 0, spec, port);
	}
	s->gdb = gdb_server_new(s, lfd, ready, goto_event);
	if (!s->gdb) {
		close(lfd);
		return -ENOMEM;
	}
	if (process)
		gdb_server_pick(s->gdb, pick_pid, pick_event);
	return 0;
}

/* For gdb's reverse execution: ends the replayed processes and makes s the
 * replay at the checkpoint the seek starts from (s->restore_at), or a fresh
 * replay of the same trace (the trace's files stay loaded); 0 or -errno /
 * -TRE_*. */
static int restart(struct replay_session *s)
{
	uint64_t at = s->restore_at;
	s->restore_at = 0;
	s->resumed = 0;
	if (at) {
		int r = replay_ckpt_restore(s, at);
		if (!r)
			return 0;
		msg("event %llu: cannot go back to its checkpoint (%s): replaying from the start",
		    (unsigned long long)at, strerror(-r));
		replay_ckpt_drop(s, at);
		s->resumed = 0;
	}
	if (s->nlive)
		replay_kill_all(s);
	replay_free_tasks(s);
	trace_reader_close(&s->r);
	int r = trace_reader_open(&s->r, s->opt->trace);
	s->cur.valid = s->next.valid = 0;
	s->nlive = 0;
	s->leader = 0;
	s->status = s->exit_sig = 0;
	s->events = 0;
	memset(s->npreempt, 0, sizeof s->npreempt);
	s->wait_reported = 0;
	replay_ckpt_started(s);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"quiet", no_argument, 0, 'q'}, {"info", no_argument, 0, 'i'}, {"dump", no_argument, 0, 'd'},
		{"json", no_argument, 0, 'j'},  {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'},
		{"gdbserver", required_argument, 0, 'G'}, {"gdb", no_argument, 0, 'g'},
		{"goto", required_argument, 0, 'E'}, {"process", required_argument, 0, 'p'},
		{0, 0, 0, 0},
	};
	struct replay_options opt = {0};
	struct replay_session s = {.opt = &opt, .stubfd = -1};
	const char *gdbserver = NULL, *process = NULL;
	int c, use_gdb = 0, ngdb_args = 0;
	uint64_t goto_event = 0;
	char *end;
	char **gdb_args = NULL;
	msg_set_prog("replay");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gdb"))
			use_gdb = 1;
		if (!strcmp(argv[i], "--") && use_gdb) {
			/* what follows goes to gdb */
			gdb_args = argv + i + 1;
			ngdb_args = argc - i - 1;
			argc = i;
			break;
		}
	}
	opterr = 0; /* one-line messages of our own */
	while ((c = getopt_long(argc, argv, "qidjhp:", longs, NULL)) != -1) {
		switch (c) {
		case 'G': gdbserver = optarg; break;
		case 'E':
			errno = 0;
			goto_event = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || optarg[0] == '-') {
				msg("--goto %s: not an event number (replay --dump numbers them)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'g': use_gdb = 1; break;
		case 'p': process = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'i': opt.info = 1; break;
		case 'd': opt.dump = 1; break;
		case 'j': opt.json = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("replay heisen %s, trace format %d\n", HEISEN_VERSION, TRACE_VERSION); return 0;
		default:
			msg("%s: unknown option or missing argument; %s", argv[optind - 1], "see --help");
			return EXIT_USAGE;
		}
	}
	if (opt.json && !opt.dump && !opt.info) {
		msg("%s", "--json needs --dump or --info: replay --dump --json TRACE (see --help)");
		return EXIT_USAGE;
	}
	if ((goto_event || process) && !gdbserver && !use_gdb) {
		msg("%s", "--goto and -p go with --gdb or --gdbserver (see --help)");
		return EXIT_USAGE;
	}
	if ((gdbserver || use_gdb) && (opt.info || opt.dump || (gdbserver && use_gdb))) {
		msg("%s", "--gdbserver and --gdb go with neither each other, --info nor --dump (see --help)");
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		msg("%s", "usage: replay [--quiet] TRACE | --info TRACE | --dump [--json] TRACE (see --help)");
		return EXIT_USAGE;
	}
	opt.trace = argv[optind];
	const char *hook = getenv("HEISEN_TEST_UNCONFINED_AFTER");
	opt.unconfined_after = hook && *hook ? strtol(hook, NULL, 10) : -1;
	hook = getenv("HEISEN_TEST_NO_TRAMPOLINE");
	opt.no_trampoline = hook && *hook ? strtol(hook, NULL, 10) : 0;
	int r = trace_reader_open(&s.r, opt.trace);
	if (r) {
		msg("%s", s.r.err);
		trace_reader_close(&s.r);
		return trace_err_exit(r);
	}
	if (!opt.info && !opt.dump)
		warn_other_cpu(&s.r.hdr);
	if (opt.info)
		r = replay_info(&s);
	else if (opt.dump)
		r = replay_dump(&s);
	else {
		signal(SIGPIPE, SIG_IGN);
		pin_cpu(&s.r.hdr);
		replay_bound_init(&s);
		r = gdbserver || use_gdb ? gdb_start(&s, gdbserver, gdb_args, ngdb_args, goto_event, process) : 0;
		if (r) {
			trace_reader_close(&s.r);
			return EXIT_USAGE;
		}
		for (r = replay_run(&s);;) {
			while (r == GDB_RESTART && !(r = restart(&s)))
				r = replay_run(&s); /* gdb went back in time: again, silently, to where it asked */
			if (s.nlive)
				replay_kill_all(&s);
			fflush(stdout);
			if (!s.gdb || r == GDB_KILLED || gdb_server_end(s.gdb, r) != GDB_RESTART)
				break;
			r = GDB_RESTART; /* gdb went back from the end */
		}
		gdb_server_free(s.gdb);
		if (r == GDB_KILLED) {
			if (!opt.quiet)
				msg("gdb killed the replay at event %llu", (unsigned long long)s.cur.rec.event);
			r = 128 + SIGKILL;
		} else if (r == -EDOM)
			r = EXIT_DIVERGED;
		else if (r <= -1000) {
			msg("%s", s.r.err);
			r = trace_err_exit(r);
		} else if (r < 0) {
			msg("event %llu (%s): %s", (unsigned long long)s.cur.rec.event, trace_type_name(s.cur.rec.type),
			    strerror(-r));
			r = EXIT_DIVERGED;
		} else {
			r = s.status;
		}
	}
	trace_reader_close(&s.r);
	buf_free(&s.cur.data);
	buf_free(&s.next.data);
	buf_free(&s.sandbox);
	for (struct replay_blob *b = s.blobs, *n; b; b = n) {
		n = b->next;
		close(b->fd);
		free(b->path);
		free(b);
	}
	if (s.stubfd >= 0)
		close(s.stubfd);
	replay_ckpt_free(&s);
	replay_free_tasks(&s);
	return r;
}
