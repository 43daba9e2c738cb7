/* rec.h - the recorder's session and task state. */
#ifndef HEISEN_REC_H
#define HEISEN_REC_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "../common/syscalls.h"
#include "../common/trace.h"

struct rec_task {
	pid_t tid;
	int in_syscall;  /* between its seccomp stop and its syscall-exit stop */
	long nr;
	uint64_t args[6];
	int skip;        /* syscall suppressed by the recorder; result in skip_result */
	int64_t skip_result;
	struct rec_task *next;
};

/* A file whose content is already in the trace. */
struct rec_blob {
	struct trace_hash hash;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct rec_blob *next;
};

/* Signals sent to rec that it passes on to the program. */
#define REC_NFWD 4
extern const int rec_forwarded[REC_NFWD];

/* A file the program has mapped shared: writes to it must reach replay's copy. */
struct rec_shared {
	dev_t dev;
	ino_t ino;
	struct rec_shared *next;
};

struct rec_options {
	const char *output;
	int quiet;
	int cpu;          /* -1: choose */
	char **argv;      /* program and arguments */
};

struct rec_session {
	const struct rec_options *opt;
	struct trace_writer w;
	const char *trace_path;
	pid_t leader;
	struct rec_task *tasks;
	struct rec_blob *blobs;
	struct rec_shared *shared;
	struct buf fwbuf;         /* bytes written into a shared-mapped file */
	cpu_set_t orig_affinity;  /* what the program would see unpinned */
	sigset_t orig_sigmask;    /* the signal mask the program starts with */
	struct sigaction orig_actions[4]; /* of rec_forwarded, as rec found them */
	int started;              /* the first exec has happened */
	int done;
	int status;               /* shell-style exit status of the leader */
	int failed;
	char reason[256];
	uint64_t start_ns;
	uint64_t nsyscalls, nsignals, nrdtsc;
	struct buf scratch;       /* region bytes of the syscall being recorded */
	struct trace_region *regions;
	uint32_t nregions, cap_regions;
};

/* Forks and execs the program traced, pinned and filtered; returns the pid or -errno. */
pid_t rec_spawn(struct rec_session *s, const char *path);
/* Runs the event loop until the program is gone; returns 0 or -errno. */
int rec_run(struct rec_session *s);
/* Handles a seccomp stop (syscall entry); returns 0 or -errno. */
int rec_syscall_entry(struct rec_session *s, struct rec_task *t);
/* Handles a syscall-exit stop; writes the syscall record; returns 0 or -errno. */
int rec_syscall_exit(struct rec_session *s, struct rec_task *t);
/* Writes the exec snapshot of t's new image (after PTRACE_EVENT_EXEC); returns 0 or -errno. */
int rec_exec_snapshot(struct rec_session *s, struct rec_task *t);
/* Ensures the file open at path is stored in the trace; its hash in *h;
 * returns 0, or -errno (-ENODEV for a non-regular file). */
int rec_blob_store(struct rec_session *s, const char *path, const char *name, struct trace_hash *h);
/* Catches signals sent to rec so the loop passes them on to the program;
 * blocks SIGCHLD, saving the mask the program is to start with. */
void rec_catch_signals(struct rec_session *s);
/* Notes a shared mapping of a file (mmap just returned); returns 0 or -errno. */
int rec_shared_mmap(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec);
/* Captures a write into a file mapped shared, for replay's copy of it;
 * returns 0 or -errno. */
int rec_shared_write(struct rec_session *s, struct rec_task *t, const struct sc_desc *d, struct trace_syscall *rec);
/* Marks the recording failed with a reason naming the thread and event. */
void rec_fail(struct rec_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
