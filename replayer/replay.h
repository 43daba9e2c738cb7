/* replay.h - the replayer's session, task and address-space state. */
#ifndef HEISEN_REPLAY_H
#define HEISEN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "../common/inproc_site.h"
#include "../common/ptrace_util.h"
#include "../common/site.h"
#include "../common/syscalls.h"
#include "../common/trace.h"

/* What a replayed thread stopped at. */
enum { STOP_SYSCALL = 1, STOP_SIGNAL, STOP_GONE,
       STOP_FOREIGN /* a syscall of another ABI (int 0x80: answered -ENOSYS at once): never run */ };

/* A record copied out of the reader, so one can be looked ahead at. */
struct replay_rec {
	struct trace_rec rec;
	struct buf data;
	int valid;
};

/* A file from the trace, held in a memfd the tracee can map. */
struct replay_blob {
	struct trace_hash hash;
	int fd;
	uint64_t size;
	uint64_t filled;    /* bytes of it read so far (it comes in chunks) */
	char *path;         /* the first path it was seen under (gdb asks by path) */
	struct replay_blob *next;
};

/* A file the program maps shared: one writable copy all its mappings share. */
struct replay_shared {
	uint64_t file_id;
	int fd;
	struct replay_shared *next;
};

/* What threads of one process share. */
struct replay_space {
	uint64_t brk;       /* current program break */
	int refs;
	struct site_table sites; /* its counting sites */
	int il;             /* the in-process library is there (an inproc record) */
	uint64_t il_entry, il_traced, il_trap_ret; /* its addresses, from its header */
	uint64_t il_tsc_entry;  /* its TSC entry (0: a version 3 library, without one) */
	uint64_t il_head;   /* ring bytes replay has fed */
	uint32_t il_feeder; /* the recorded thread whose entries were fed last */
	struct il_patches patches; /* syscall sites patched to call it */
};

struct gdb_server;

struct replay_task {
	pid_t tid;          /* live thread */
	int alive;
	int in_clone;       /* stopped inside a re-run clone/fork/vfork */
	int group_exiting;  /* its exit_group runs: its end is to be waited for */
	struct replay_space *space;
	struct replay_task *next;
	uint32_t rec_tid;   /* its thread id in the recording */
	uint32_t tgid;      /* its process's id in the recording (thread group) */
	int group_dead;     /* its process's exit_group (or a SIGKILL) has run */
	int memfd;          /* /proc/tid/mem */
	int entry_sig;      /* raised when an injected syscall has begun */
	int temp_mask_set;  /* its last syscall, interrupted, had a temporary mask: */
	uint64_t temp_mask; /* the mask, its syscall and result, for its signal record */
	long temp_mask_nr;
	int64_t temp_mask_res;
	uint64_t gadget;    /* a syscall instruction (the stub's) */
	uint64_t cookie;    /* the sandbox's secret for replay's own injections */
	struct wait_bound *bound; /* the session's limit on waits for the current event */
	int exit_stopped;   /* an injection ended at its PTRACE_EVENT_EXIT stop (killed) */
	int unconfined;     /* test hook: resumed with PTRACE_CONT (see replay_options) */
	uint64_t scratch;   /* scratch memory for injected syscalls' arguments */
	int at_syscall;     /* stopped at a syscall entry not yet handled */
	int exec_done;      /* an execve was rebuilt; its syscall record is next */
	int pending_sig;    /* signal to deliver when it next runs */
	int raised_sig;     /* signal already raised for the next signal record */
	uint64_t last_ns;   /* recording time of the frame of its last record */
	struct gdb_server *gdb; /* the session's gdb server, or NULL */
	uint64_t patch_at;      /* a state-matching jump replay put here (0: none), */
	uint64_t patch_tramp;   /* its trampoline page, */
	uint8_t patch_orig[8];  /* and the program's bytes under it (gdb sees */
	uint8_t patch_len;      /* these, and keeps its breakpoints off the jump) */
	int reaped;         /* gone, and its zombie reaped by its parent in replay */
	int exec_killed;    /* gone, killed by another thread's execve (its exit record is to come) */
	int exec_status;    /* ...with this wait status */
	int counting;       /* a counted preemption runs it: count_fd is its perf counter */
	int count_fd;
	uint64_t clear_tid; /* its clear-tid address (CLONE_CHILD_CLEARTID, set_tid_address) */
	int unrecorded;     /* the trace has no records of sc_unrecorded's syscalls: run where made */
	struct user_regs_struct regs;
};

struct replay_options {
	const char *trace;
	int quiet;
	int info, dump, json;
	long unconfined_after; /* test hook (HEISEN_TEST_UNCONFINED_AFTER): after this
				* syscall, let the program run its syscalls itself, as a
				* buggy replay would, so the sandbox's backstop shows; -1: never */
	long no_trampoline;    /* test hook (HEISEN_TEST_NO_TRAMPOLINE): state-matched
				* points up to this event found by the debug register
				* alone, not by a trampoline; 0: none */
};

struct replay_ckpts;

struct replay_session {
	const struct replay_options *opt;
	struct trace_reader r;
	struct replay_rec cur, next;
	struct replay_blob *blobs;
	struct replay_shared *shared;
	int stubfd;              /* memfd holding the stub ELF */
	uint64_t cookie;         /* secret that lets replay's own injections through the sandbox */
	struct buf sandbox;      /* the sandbox's BPF, loaded into the stub before it runs */
	struct replay_task *tasks; /* every replayed thread, live or gone */
	int nlive;                 /* live threads */
	uint32_t leader;           /* recorded tid of the first process: its status is ours */
	int status;              /* program's shell-style exit status */
	int exit_sig;            /* the signal that killed the first process, or 0 */
	struct gdb_server *gdb;  /* the gdb server (--gdbserver, --gdb), or NULL */
	uint64_t events;
	uint64_t echoed;           /* the last event whose output was shown (gdb re-executes) */
	uint64_t npreempt[3];      /* preemptions found again, by kind */
	struct wait_bound wait;    /* how long the waits for s->cur may take */
	uint64_t wait_floor_ns;    /* the least each event may take */
	uint64_t wait_start_ns, wait_gap_ns; /* when s->cur was taken; its recorded time */
	int wait_reported;         /* the bound expired and said so */
	uint64_t held_ns;          /* time gdb held the replay, all told */
	struct replay_ckpts *ckpts; /* checkpoints of the replay (under gdb), or NULL */
	uint64_t restore_at;       /* at GDB_RESTART: go on from the checkpoint of this event (0: the start) */
	int resumed;               /* the replay goes on from a checkpoint, not from its start */
};

/* Registers s->wait as the bound of every tracee wait (HEISEN_WAIT_FLOOR:
 * the least time in seconds an event may take, 30 by default). */
void replay_bound_init(struct replay_session *s);
/* Moves the deadline for s->cur, just taken: a generous multiple of the
 * time its thread took to get there in the recording. */
void replay_bound_event(struct replay_session *s);
/* Reads the next event record (storing file records on the way) into
 * s->cur; returns 1, 0 at the end, or -TRE_* / -errno. */
int replay_fetch(struct replay_session *s);
/* The record after s->cur without consuming it, or NULL. */
const struct trace_rec *replay_peek(struct replay_session *s);

/* A new task record for recorded thread rec_tid; NULL if out of memory. */
struct replay_task *replay_task_new(struct replay_session *s, uint32_t rec_tid);
/* The live task of recorded thread rec_tid, or NULL. */
struct replay_task *replay_task_find(struct replay_session *s, uint32_t rec_tid);
/* Gives t a fresh address-space record (exec, fork); returns 0 or -ENOMEM. */
int replay_space_new(struct replay_task *t, uint64_t brk);
/* Re-runs parent p's clone, fork or vfork as the newtask record says and
 * adopts the child; returns 0, -EDOM on divergence, or -errno. */
int replay_newtask(struct replay_session *s, struct replay_task *p, const struct trace_newtask *n);
/* Runs p's clone-family syscall to its end and returns the recorded
 * child tid to it; returns 0 or -errno. */
int replay_clone_done(struct replay_session *s, struct replay_task *p, const struct trace_syscall *sc);
/* Runs t to the preemption point p describes; returns 0 or -EDOM. */
int replay_preempt(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p);
/* Makes the instruction a site record names a counting site, as rec did;
 * returns 0, -EDOM on divergence, or -errno. */
int replay_site_install(struct replay_session *s, struct replay_task *t, const struct trace_site *si);
/* Runs t to the trap of the site execution p counts (registers left in
 * t->regs, not yet compared); returns 0, -EDOM on divergence, or -errno. */
int replay_site_preempt(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p);
/* 1 if a live thread of t's address space other than t is stopped inside
 * the run [at, at + len), not at its start. */
int replay_thread_inside(struct replay_session *s, struct replay_task *t, uint64_t at, size_t len);
/* After t's syscall record: forgets the sites it unmapped or replaced. */
void replay_site_syscall_done(struct replay_task *t, const struct trace_syscall *sc);
/* Resumes t with its pending signal until its next stop; returns STOP_*
 * or -errno (status: the wait status). */
int replay_run_task(struct replay_task *t, int *status);
/* Runs t (stopped anywhere replay stops it) to the entry of syscall nr with
 * args at instruction `at`, and checks that it is that very syscall: no
 * other runs. Returns 0, -ESRCH if t died (exit_stopped: it is at its
 * PTRACE_EVENT_EXIT stop), or -EPROTO. */
int replay_inject_enter(struct replay_task *t, uint64_t at, long nr, const uint64_t args[6]);
/* After replay_inject_enter: runs the syscall to its exit stop; *res is its
 * result. Returns 0, -ESRCH if t ended (exit, exit_group), or -EPROTO if
 * anything but that syscall's own events came. */
int replay_inject_finish(struct replay_task *t, long nr, int64_t *res);
/* Marks t gone (its wait status is taken). */
void replay_task_gone(struct replay_session *s, struct replay_task *t);
/* 1 if t's execve is not a single thread's: its process has other live
 * threads (which it kills) or t is not its first (whose tid it takes). */
int replay_exec_threads(struct replay_session *s, struct replay_task *t);
/* Runs t's execve (args at t->gadget, t at its stub's int3 after
 * replay_inject_enter's checks) in a process of several threads: reaps
 * the others (each's wait status kept for its exit record, but the first
 * thread's, whose tid t takes), then takes the execve to its end; *res is
 * its result, t->tid the tid t has after it. Returns 0 or -errno. */
int replay_exec_kill(struct replay_session *s, struct replay_task *t, const uint64_t args[6], int64_t *res);
/* Kills every live replayed thread and reaps them. */
void replay_kill_all(struct replay_session *s);
/* Frees the task records (their threads killed already) and the shared file copies. */
void replay_free_tasks(struct replay_session *s);

/* replay_checkpoint.c */
/* After event s->cur under gdb: takes a checkpoint if one is due (pin: now,
 * kept from thinning; -EPERM if this state cannot have one). 0 or -errno. */
int replay_ckpt_after_event(struct replay_session *s, bool pin);
/* The replay starts over from its start (for the checkpoints' spacing). */
void replay_ckpt_started(struct replay_session *s);
/* The event of the latest checkpoint before event `event` (or at it, if
 * inclusive); 0 if none. */
uint64_t replay_ckpt_before(struct replay_session *s, uint64_t event, bool inclusive);
/* Lists the checkpoints (* pinned) and where the last re-execution began, into buf. */
void replay_ckpt_describe(struct replay_session *s, char *buf, size_t n);
/* Number of checkpoints held. */
int replay_ckpt_count(struct replay_session *s);
/* Makes s the replay as it was at the checkpoint of event `event` (the
 * current tracees killed, s->resumed set); 0 or -errno (then only a
 * restart from the start is left). */
int replay_ckpt_restore(struct replay_session *s, uint64_t event);
/* Forgets the checkpoint of event `event` (one that failed). */
void replay_ckpt_drop(struct replay_session *s, uint64_t event);
/* Kills the snapshot processes and frees every checkpoint. */
void replay_ckpt_free(struct replay_session *s);
/* Creates the stub process, stopped at its first instruction; returns 0 or -errno. */
int replay_spawn(struct replay_session *s, struct replay_task *t);
/* Turns the stub t into the image an exec snapshot describes; returns 0 or -errno. */
int replay_build(struct replay_session *s, struct replay_task *t, const struct trace_exec *e);
/* Execs the stub inside t (for a recorded execve); returns 0 or -errno. */
int replay_exec_stub(struct replay_session *s, struct replay_task *t);
/* Runs syscall nr with args in t at instruction `at`; the result in *res.
 * keep: leave the registers as the syscall left them (else restore t->regs).
 * Returns 0 or -errno. */
int replay_inject(struct replay_task *t, uint64_t at, long nr, const uint64_t args[6], int64_t *res, int keep);
/* Opens a trace file blob inside t; returns the tracee's fd in *fd; 0 or -errno. */
int replay_open_blob(struct replay_session *s, struct replay_task *t, struct trace_hash h, int64_t *fd);
/* Opens replay's own fd `mine` inside t with flags; the tracee's fd in *fd; 0 or -errno. */
int replay_open_fd(struct replay_task *t, int mine, int flags, int64_t *fd);
/* The shared copy of file_id, made from blob h the first time; its fd or -errno. */
int replay_shared_fd(struct replay_session *s, uint64_t file_id, struct trace_hash h);
/* Stores a file record's bytes in a memfd; returns 0 or -errno. */
int replay_add_blob(struct replay_session *s, const struct trace_file *f);

/* Matches the tracee's end (a wait status) against the exit record in
 * s->cur; returns 0 or -EDOM. */
int replay_exited(struct replay_session *s, struct replay_task *t, int status);
/* Handles t's syscall stop against its record: checks it, then emulates
 * or re-runs it; t is left stopped. Returns 0, -EDOM after reporting a
 * divergence, or -errno. */
int replay_syscall(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc);
/* Before t's signal record: if its last syscall (sigsuspend, ppoll...) was
 * interrupted under a temporary mask, re-runs rt_sigsuspend with it and
 * signo raised inside, so the signal is delivered as recorded. 0 or -errno. */
int replay_temp_mask_signal(struct replay_task *t, int signo);
/* Rebuilds t (stopped at an execve) as the exec snapshot says; returns 0 or -EDOM. */
int replay_execve(struct replay_session *s, struct replay_task *t, const struct trace_exec *e);
/* Re-runs the exit or exit_group t is stopped at, up to its
 * PTRACE_EVENT_EXIT stop; returns 0, -EPROTO if anything else came, or -errno. */
int replay_rerun_exit(struct replay_task *t);
/* Marks every thread of t's process (its thread group) as ended by an
 * exit_group or a fatal signal now running. */
void replay_mark_group_exit(struct replay_session *s, struct replay_task *t);
/* Runs the exit syscall t is stopped at until t is gone; *status is its
 * wait status. Returns STOP_GONE or -errno. */
int replay_run_exit(struct replay_task *t, int *status);
/* At t's PTRACE_EVENT_EXIT stop: *status becomes its exit status, t is let
 * go to die; returns STOP_GONE or -errno. */
int replay_exit_stop(struct replay_task *t, int *status);
/* How t ended (its wait status) in words, naming the syscall replay's
 * sandbox stopped if that is what killed it; into buf. */
const char *replay_describe_end(struct replay_task *t, int status, char *buf, size_t n);
/* Describes a record ("read(3, ...)", "signal SIGSEGV") into buf. */
const char *describe_rec(const struct trace_rec *rec, char *buf, size_t n);
/* Reports a divergence (event, expected, actual, registers, code); returns -EDOM. */
int replay_diverged(struct replay_session *s, struct replay_task *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs the replay to the end; returns 0 or -EDOM / -TRE_* / -errno. */
int replay_run(struct replay_session *s);

/* Whether a record decodes cleanly as its type says. */
int replay_rec_ok(const struct trace_rec *rec);
/* Prints the trace summary (--info); returns an exit status. */
int replay_info(struct replay_session *s);
/* Prints every event (--dump, --json); returns an exit status. */
int replay_dump(struct replay_session *s);
/* Formats a syscall with its arguments ("read(3, 0x7ff..., 4096)") into buf. */
const char *replay_fmt_syscall(long nr, const uint64_t args[6], char *buf, size_t n);

/* An inproc record: the library the exec snapshot brought is set to
 * replay mode; returns 0, or -EDOM after reporting a divergence. */
int replay_inproc_start(struct replay_session *s, struct replay_task *t, const struct trace_inproc *ip);
/* A patch record: patches the site as rec did and moves t out of it;
 * returns 0, -EDOM after reporting a divergence, or -errno. */
int replay_inproc_patch(struct replay_session *s, struct replay_task *t, const struct trace_patch *pa);
/* A buffer record: its entries fed into the ring of t's process, which
 * must be empty; returns 0, -EDOM after reporting a divergence, or -errno. */
int replay_inproc_feed(struct replay_session *s, struct replay_task *t, const struct trace_buffer *b);
/* After t's record: every call fed to its process's library was made;
 * returns 0 or -EDOM after reporting a divergence. */
int replay_inproc_check(struct replay_session *s, struct replay_task *t);
/* After t's syscall record sc: forgets patches the call unmapped and
 * moves t out of a patched run (as rec did); returns 0 or -errno. */
int replay_inproc_syscall_done(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc);
/* t stopped with SIGTRAP: if at the library's int3 with an empty ring,
 * lets it make its call traced and returns 1; 0 if not that; -errno. */
int replay_inproc_trap(struct replay_task *t);
/* The syscall number the library trapped on (t at its int3), or -1. */
long replay_inproc_trap_call(struct replay_task *t);
/* Describes what the library found when it trapped (for a divergence
 * report) into buf; NULL if t is not at the library's int3. */
const char *replay_inproc_describe(struct replay_task *t, char *buf, size_t n);

#endif
