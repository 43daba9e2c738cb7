/* rec.h - the recorder's session and task state. */
#ifndef HEISEN_REC_H
#define HEISEN_REC_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/user.h>

#include "../common/inproc_site.h"
#include "../common/patch.h"
#include "../common/syscalls.h"
#include "../common/site.h"
#include "../common/trace.h"

/* Memory a syscall returning a restart code may write, kept until its
 * record is written (rec_syscall_unhold); more is not held. */
#define REC_HELD_REGIONS 2
#define REC_EMU_REGIONS 4
#define REC_HELD_BYTES 128

/* Where a traced thread is, for the scheduler. */
enum rec_state {
	T_NEW,      /* created; its first stop has not been seen */
	T_RUNNING,  /* running user code: at most one thread at a time */
	T_KERNEL,   /* inside a syscall (it may block; others may run) */
	T_READY,    /* stopped where it can go on with user code */
	T_EXITING,  /* past its exit; only its wait status is to come */
	T_STOPPED,  /* its process is stopped (SIGSTOP...): it waits for SIGCONT */
};

/* What the threads of one address space share: its counting sites. */
struct rec_space {
	int refs;
	int memfd;             /* /proc/TID/mem of one of its threads, or -1 */
	int mapsfd;            /* /proc/TID/maps of one of its threads (PROCMAP_QUERY), or -1 */
	uint64_t syscall_insn; /* a syscall instruction of the program, for injections */
	struct site_table sites;
	int il;                /* the in-process library is mapped (docs/inprocess.md) */
	struct il_patches patches; /* syscall sites patched to call it */
	uint64_t il_unpatchable[16]; /* sites found unfit, not tried again (a ring of them) */
	uint64_t il_seen[64];        /* sites traced once, patched when traced again (a ring of them) */
	unsigned il_nseen;
	unsigned il_nunpatchable;
	int il_fdcache_off;    /* the library's fdcache is off in this process (rec_inproc_exit) */
	int il_notify;         /* its library's notify word is set: a stop after its next buffered call */
	int shared_mem;        /* it has (had) a writable MAP_SHARED mapping: its stores may race another process's */
	int shared_ro;         /* it has (had) a read-only MAP_SHARED mapping of a file */
	struct rec_ring *ring; /* its ring, mapped shared in rec too (NULL: private, read with process_vm_readv) */
	uint64_t il_noted;     /* ring bytes drained (or handed to the trace writer) */
	uint64_t il_private_bytes; /* drained from its private ring: past IL_SHARE_AFTER rec shares it */
	int il_no_share;       /* sharing the ring failed here: not tried again */
	int il_ring_fix;       /* a fork's child: its ring is still its parent's shared one,
				* its library OFF until rec maps it a private one (1; 2: failed) */
};

/* The in-process library's ring and its header page, mapped shared by rec
 * and the process (docs/inprocess.md section 6); counted references: a
 * space and the trace writer's pending drains. */
struct rec_ring {
	int refs;
	uint8_t *map;          /* the header page (struct il_ring_hdr), then the ring */
};

struct rec_task {
	pid_t tid;
	pid_t tgid;      /* its process's id (the tid of its first thread) */
	struct rec_space *space; /* NULL before the first exec */
	int site_catching;   /* every site counter set to site_armed: its turn ends at that site pass */
	uint64_t site_armed;
	int site_tried;      /* a catch at the sites failed this turn */
	uint64_t site_saved[SITE_MAX_PAGES]; /* the counters before the catch */
	enum rec_state state;
	int marked;      /* its sysenter record is written (others ran meanwhile) */
	int exit_recorded;
	int exec_ended;  /* its execve's syscall-exit stop was taken at its exec stop (rec_inproc_inject) */
	pid_t exec_former; /* it exec'd from a thread other than its process's first: the tid it had, which its exec record names */
	int announced;   /* its newtask record is written: it may be scheduled */
	int first_stop;  /* its first stop came before its parent's clone event */
	uint64_t start_rsp; /* a new thread's first stack pointer (its clone's stack) */
	uint64_t enter_seq; /* when it entered its current syscall */
	int resume_sig;  /* signal to deliver when it next runs */
	uint64_t slice_start_ns;
	uint64_t slice_ns;   /* this turn's timeslice, set when it starts; 0: the default */
	uint64_t slice_sites; /* --chaos: this turn ends at this site pass, where it has sites */
	int turn_preempted;  /* its last turn ended at a preemption, not a syscall */
	int soft_preempted;  /* ...with no point recorded (rec_preempt_stop): its ring waits for its next stop */
	int sched_fd;        /* --chaos: its /proc/TID/schedstat, or -1 */
	uint64_t turn_cpu_ns; /* --chaos: its CPU time when its turn started */
	int64_t chaos_prio;  /* --chaos: its priority (0: not drawn yet) */
	uint32_t chaos_passes; /* --chaos: decisions that passed it over while ready */
	uint64_t chaos_wait_ns; /* --chaos: when the first of those was */
	long nr;
	uint64_t args[6];
	int skip;        /* syscall suppressed by the recorder; result in skip_result */
	struct user_regs_struct entry_regs; /* at its last syscall's entry (rec_ptrace.c) */
	int entry_regs_valid;
	int64_t size_before; /* rec_shared_size_before */
	pid_t etracer;   /* a recorded thread ptrace-attached to it (rec_ptrace.c) */
	int estopped;    /* ...which holds it stopped: it is not scheduled */
	int ereport;     /* ...and has yet to wait for its stop */
	struct { uint64_t addr, len; } emu_regions[REC_EMU_REGIONS]; /* memory rec wrote for its syscall */
	uint32_t nemu;
	uint64_t untraced_addr; /* clone3 asked CLONE_UNTRACED: where its flags are, put back at its end */
	uint64_t untraced_flags;
	int64_t skip_result;
	uint64_t learned;    /* a hot address of this thread, counted from each resume */
	int ctr_fd;          /* its execution counter, or -1 */
	int catching;        /* preempting: waiting for the next execution of learned */
	uint64_t catch_count;
	uint64_t catch_deadline;
	int interrupting;    /* PTRACE_INTERRUPT sent */
	uint64_t interrupt_ns; /* when (sent again if no stop came: another stop may have taken it) */
	int leave_bp;        /* DR2 is where it returns from the in-process library (rec_inproc_step_out) */
	int to_syscall;      /* let run on to the in-process library's traced syscall (rec_inproc_step_out) */
	uint64_t notify_ns;  /* when rec set its library's notify word to end its turn (0: not set) */
	int preempted_once;  /* it was preempted: later slices are long */
	int aborted;         /* preemption attempts a syscall ended first (ABORTED_MAX: slices are long too) */
	int spin_checking;   /* going round once more to see if it spins */
	int spin_delay;      /* ...after running on for a little first */
	struct user_regs_struct spin_regs;
	uint64_t spin_fphash;
	int spin_pass;       /* registers repeated once: spin_memhash taken */
	uint64_t spin_memhash;
	uint64_t spin_done;  /* the in-process library's calls made at the first pass */
	int sig_check;       /* the spin check is a held signal's second pass (see rec_preempt_stop) */
	int sig_checked;     /* that second pass was tried since its last record */
	int deferred_sig;    /* an asynchronous signal held for the next preemption point */
	siginfo_t deferred_info;
	int echo;            /* its syscall writes to rec's stdout/stderr: SCF_ECHO_* */
	int extra_sig;       /* a second, different one held meanwhile */
	siginfo_t extra_info;
	int reraised_sig;    /* extra_sig raised again: its stop gets extra_info back */
	siginfo_t reraised_info;
	struct user_regs_struct exit_regs; /* at its last syscall's return */
	int exit_regs_valid;
	int delivered_sig;   /* the signal it was last resumed with */
	int redeliver;       /* resume_sig was held back: set deferred_info first */
	int frame_due;       /* resume_sig is recorded: its handler's frame is to be too */
	int frame_step;      /* resumed with this signal to stop at its handler's entry */
	pid_t vfork_child;   /* a vfork child that has not exec'd or exited yet */
	int vfork_waiting;   /* its syscall-exit stop came first: recorded later */
	long restart_nr; /* the syscall restart_syscall would continue, or -1 */
	int held;        /* its syscall returned a kernel-internal restart code: */
	struct trace_syscall held_rec; /* recorded if a signal comes with it, dropped if it restarts */
	struct trace_region held_regions[REC_HELD_REGIONS]; /* what it wrote (nanosleep's remaining time) */
	uint8_t held_bytes[REC_HELD_BYTES];
	uint32_t carried; /* held_regions of a restarted call: captured again at its end */
	uint64_t restart_args[6];
	int filtered;    /* a seccomp filter of the program's applies to it (rec_seccomp.c) */
	struct rec_filter *filters; /* ...these, newest first */
	int not_run;     /* that filter answered its syscall: recorded SCF_NOT_RUN */
	int trap_due;    /* ...with SIGSYS, raised at the syscall's end */
	int killing;     /* ...by killing it: its syscall-exit stop (before the kill) is not recorded */
	int proc_write;  /* its write-like syscall writes to a file of /proc (rec_procmem_write) */
	int trap_raised; /* ...raised: its stop gets trap_info */
	uint32_t trap_data;
	siginfo_t trap_info;
	uint8_t filt_deny[SC_MAX / 8]; /* syscalls its filters may refuse: never made by the library */
	uint8_t *filt_prog;  /* installing one: the program's instructions (filt_nprog of them), */
	size_t filt_nprog;
	uint64_t filt_at;  /* rec's copy of it on the stack, what was there, rdx */
	size_t filt_len;
	uint64_t filt_rdx;
	uint8_t *filt_saved;
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

/* Signals sent to rec that it passes on to the program and that stop
 * the recording. */
#define REC_NFWD 4
extern const int rec_forwarded[REC_NFWD];
/* Signal numbers rec may catch are below this. */
#define REC_NSIG 65

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
	int argc;
	sigset_t orig_mask; /* rec's signal mask before it blocked its own */
	int chaos;        /* --chaos */
	int have_seed;    /* --seed given */
	uint64_t seed;
	uint64_t timeout_ns; /* --timeout: rec stops the recording after this long; 0: never */
	unsigned until_fail; /* --until-fail: at most this many runs; 0: one plain run */
	unsigned jobs;       /* -j: recordings at once */
	const char *fail_on; /* --fail-on: the statuses that count as failing, or NULL: any but 0 */
	int no_inprocess;    /* --no-inprocess: no in-process recording (accepted; none is built yet) */
	int wait_all;        /* --wait-all: the recording ends with the last process, not the first */
};

struct mem_skip;

/* A copy of a thread's writable memory at the first pass through a
 * state-matched point (rec_words.c). */
#define REC_SNAP_MAPS 4096
struct rec_snap {
	pid_t tid;      /* whose memory it holds; 0: none */
	struct buf data;
	size_t n;
	struct { uint64_t start; size_t len, off; } map[REC_SNAP_MAPS];
};

struct rec_chaos;
struct il_ctl;
struct rec_filler;

/* What one recording came to (rec --until-fail reads it from each run). */
struct rec_result {
	int status;     /* rec's exit status: the program's, 124 timed out, 128+N stopped */
	int recfail;    /* the recording itself failed (not the program) */
	int timed_out;  /* --timeout stopped it */
	uint64_t seed;  /* --chaos seed */
};

/* rec's status when --timeout stopped the recording (as timeout(1)). */
#define EXIT_TIMEDOUT 124

#define REC_HOT_SITES 4096 /* file positions of patched sites a session keeps (half of them at most) */

struct rec_session {
	const struct rec_options *opt;
	struct trace_writer w;
	const char *trace_path;
	pid_t leader;
	struct rec_task *tasks;
	struct rec_task *running;  /* the one thread running user code, or NULL */
	struct rec_task *last;     /* the thread that ran last */
	struct rec_blob *blobs;
	struct rec_shared *shared;
	struct buf fwbuf;         /* bytes written into a shared-mapped file */
	cpu_set_t orig_affinity;  /* what the program would see unpinned */
	struct stat out_st, err_st; /* rec's stdout and stderr: writes there are echoed */
	struct stat trace_st;       /* the trace file as opened (st_ino 0: not a regular file) */
	sigset_t orig_sigmask;    /* the signal mask the program starts with */
	struct sigaction orig_actions[REC_NSIG]; /* as rec found them */
	sigset_t caught;          /* the signals rec catches (rec_catch_signals) */
	uint64_t fwd_early;       /* signals to pass on once the program has started (bit N-1: N) */
	int leader_gone;          /* the program's first process has ended */
	int ending;               /* ...and the others were killed (no --wait-all) */
	int started;              /* the first exec has happened */
	int snapshots;            /* exec snapshots written */
	int exec_err_fd;          /* the child's errno if its exec failed */
	int done;
	int stop_sig;             /* a signal sent to rec (SIGTERM...), or 0 */
	int stop_forwarded;       /* passed on to the program */
	uint64_t stop_deadline_ns; /* when rec ends the program itself */
	int status;               /* shell-style exit status of the leader */
	/* The one syscall return address the seccomp filter lets through
	 * untraced (the in-process library's, docs/inprocess.md section 10);
	 * 0: none, the filter traps every syscall. Nothing sets it yet. */
	uint64_t untraced_ip;
	struct il_ctl *il_ctl;    /* the control area every process's library starts with; NULL: --no-inprocess */
	uint64_t il_entry;        /* the library's entry, for trampolines */
	uint64_t il_traced;       /* its traced syscall instruction */
	uint64_t il_tsc_entry;    /* its TSC entry, for patched rdtsc sites' trampolines */
	uint64_t il_rdtsc_traced, il_rdtscp_traced; /* its own rdtsc and rdtscp, which fault */
	uint64_t tsc_a, tsc_a_ns; /* the TSC and CLOCK_MONOTONIC_RAW at the first rdtsc (0: none yet), for rec_tsc_calibrate */
	uint64_t nbuffered;       /* syscalls the library recorded */
	struct buf ilbuf;         /* ring bytes being drained */
	struct rec_filler *il_filler; /* the trace writer's thread's, for drains of shared rings (rec_inproc.c) */
	int il_notify_drain;      /* the drain in progress is at a notify stop: its buffer record says so */
	struct trace_bufentry *ilents;
	struct trace_region *ilregs;
	struct rec_chaos *chaos;  /* --chaos policy state, or NULL: the fair scheduler */
	uint64_t chaos_seed;
	int timed_out;            /* --timeout reached: the recording was stopped */
	int failed;
	char reason[256];
	uint64_t start_ns;
	uint64_t nsyscalls, nsignals, nrdtsc, nthreads;
	int perf_opened;  /* the program made a perf_event_open: mmaps of its fds are refused */
	uint64_t npreempt_state, npreempt_counted, npreempt_site, npreempt_soft, nsites;
	int shared_written;    /* a file mapped MAP_SHARED was written (rec_shared_write) */
	uint64_t enter_seq;       /* syscall entries so far */
	uint64_t last_learned;    /* the last hot address learned, for new threads */
	struct { pid_t tid; int status; } *held; /* stops of others while one thread runs */
	size_t nheld, capheld;
	struct rec_exec_dead *exec_dead; /* exits of threads an execve of their process kills (rec_exec.c) */
	size_t nexec_dead, capexec_dead;
	struct buf scratch;       /* region bytes of the syscall being recorded */
	uint64_t sigwin[STACK_WORD_REACH / 8]; /* the stack above rsp at a held signal's first pass */
	size_t nsigwin;
	struct rec_snap *snap;    /* memory at a point's first pass, for its filter words */
	struct trace_region *regions;
	uint32_t nregions, cap_regions;
	struct patch_sweep_cache sweeps; /* code windows swept (patch.h) */
	uint64_t hot_sites[REC_HOT_SITES]; /* file positions of sites patched (rec_inproc.c), 0: free */
	unsigned nhot_sites;
	uint64_t proc_dev;        /* /proc's device (~0: unknown): writes to its files are looked at */
	unsigned nptrace_refused; /* ptrace requests refused (rec_ptrace.c: a line for the first few) */
};

/* Writes the sysenter records of threads inside syscalls, before a record
 * of another thread (tid) goes to the trace. */
void rec_mark(struct rec_session *s, pid_t tid);
/* Lets one ready thread run user code, if none does; returns 0 or -errno. */
int rec_schedule(struct rec_session *s);
/* Lets t run on (its counters armed), with signal sig; returns 0 or -errno. */
int rec_resume(struct rec_session *s, struct rec_task *t, int sig);
/* t stopped at the entry of the handler of sig, just delivered: records
 * the frame the kernel wrote and lets t run on; returns 0 or -errno. */
int rec_sigframe(struct rec_session *s, struct rec_task *t, int sig);
/* Frees task t (unlinked) and what it holds. */
void rec_task_free(struct rec_task *t);
/* The task for tid, created (as T_NEW) if unknown; NULL if out of memory. */
struct rec_task *rec_task_get(struct rec_session *s, pid_t tid);
/* Handles a clone, fork or vfork event of parent t; returns 0 or -errno. */
int rec_newtask(struct rec_session *s, struct rec_task *t, int event);
/* Emulates t's ptrace call for a tracer inside the recording: its result. */
int64_t rec_ptrace_emulate(struct rec_session *s, struct rec_task *t);
/* 1 (result in *res) if t's wait4 is for a stop of a thread it emulated-traces; 0 if not. */
int rec_ptrace_wait(struct rec_session *s, struct rec_task *t, int64_t *res);
/* Forgets t as an emulated tracer and tracee (it ended). */
void rec_ptrace_gone(struct rec_session *s, struct rec_task *t);
/* Whether the scheduler may run t: ready, and not held stopped by a tracer. */
static inline int rec_runnable(const struct rec_task *t)
{
	return t->state == T_READY && !t->estopped;
}
/* Makes the vDSO of tid's new image answer with real syscalls (its time
 * functions): 0, or -errno. */
int rec_vdso_patch(pid_t tid);
/* Puts back the clone3 flags rec took CLONE_UNTRACED out of, if any. */
int rec_clone_restore(struct rec_task *t);
/* A vfork child (tid) exec'd or ended: the parent's vfork can now end in
 * the trace too (the kernel releases the parent before the exec event).
 * Returns 0 or -errno. */
int rec_vfork_release(struct rec_session *s, pid_t tid);
/* A computing thread's turn on the virtual core while others wait. */
#define REC_SLICE_NS (5ull * 1000 * 1000)
/* seccomp trace data of what libseccomp's filter counts as another ABI:
 * x86-64 numbers with the x32 bit, negative ones (int 0x80 is refused
 * before: rec_spawn.c). */
#define REC_BADARCH 0xfff
/* Lines rec prints for ptrace requests it refuses, at most. */
#define REC_PTRACE_LINES 5
/* seccomp trace data of a program's filter refusing a call (rec runs the
 * thread's filters to know how: rec_seccomp.c). */
#define REC_FILTER_ACT 0x8000

struct rec_filter;
/* Drops a reference to a thread's chain of program filters. */
void rec_filters_put(struct rec_filter *f);
/* Takes a reference to it (for a child, which the kernel gives it too). */
struct rec_filter *rec_filters_get(struct rec_filter *f);

/* At t's syscall entry, a seccomp stop with data: a program filter's
 * action done as the kernel would (t->skip, or the thread killed), the
 * installation of such a filter rewritten, PR_GET_SECCOMP answered.
 * Returns 1 if it decided the call (skipped, or the thread killed), 0 if
 * not, or -errno. */
int rec_seccomp_entry(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r, unsigned long data);
/* At t's syscall exit (registers r): puts back what installing a filter
 * changed; marks t (and its process, TSYNC) filtered. 0 or -errno. */
int rec_seccomp_exit(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r);
/* Raises the SIGSYS a filter's SECCOMP_RET_TRAP asked for, once t's
 * syscall is recorded; its stop gets the kernel's siginfo. 0 or -errno. */
int rec_seccomp_raise(struct rec_task *t);
/* Has the in-process library of t's process leave to rec (traced) every
 * syscall t->filt_deny names: a filter of the program's may refuse it,
 * and only a traced call's refusal can be done and recorded; all of them
 * (mode OFF) if it names one the library needs itself. 0 or -errno. */
int rec_inproc_filtered(struct rec_task *t);
/* 1 if t, at a seccomp stop, is in an x86-64 syscall (whatever its
 * number), 0 if in one of another ABI or if that cannot be read. */
int rec_syscall_x86_64(struct rec_task *t);
/* The signal a learned-address counter sends to stop its thread. */
#define REC_CATCH_SIG SIGSTKFLT
/* 1 if si is a fault of the thread's own instruction (recurs in replay). */
int rec_sig_is_sync(const siginfo_t *si);
/* Holds asynchronous signal sig (si) that stopped t where replay cannot
 * place it: delivered at t's next preemption point (a second, different
 * one after the first). Returns 0, or -EPROTO for a fault or a third. */
int rec_hold_async(struct rec_task *t, int sig, const siginfo_t *si);
/* Lets stopped t run up to next, with a hardware breakpoint there (DR3,
 * DR7 as it was after): 0 there, 1 if t stopped at a fault of its own
 * first (its signal not delivered), or -errno; asynchronous signals
 * meanwhile are held (rec_hold_async). */
int rec_run_to(struct rec_task *t, uint64_t next);
/* Arms t's counter before it runs, if it has a learned address. */
void rec_preempt_arm(struct rec_session *s, struct rec_task *t);
/* Closes t's counter (its turn ended at a record). */
void rec_preempt_disarm(struct rec_task *t);
/* Restarts t's count (a record while it keeps running: rdtsc). */
void rec_preempt_reset(struct rec_task *t);
/* Nanoseconds until the running thread is to be preempted, -1 if never. */
int64_t rec_preempt_due_ns(struct rec_session *s);
/* Interrupts the running thread to preempt it; returns 0 or -errno. */
int rec_preempt_start(struct rec_session *s);
/* t stopped after PTRACE_INTERRUPT: preempt it here or at the next
 * execution of its learned address; returns 0 or -errno. */
int rec_preempt_stop(struct rec_session *s, struct rec_task *t);
/* t took REC_CATCH_SIG: if it is at its learned address, records the
 * counted preemption and returns 1; 0 if not ours; -errno on error. */
int rec_preempt_caught(struct rec_session *s, struct rec_task *t);
/* t trapped at a site (rec_site_catch_hit): records the counted point. */
int rec_preempt_site_caught(struct rec_session *s, struct rec_task *t, uint64_t page, uint64_t count);
/* t hit the spin-check breakpoint: preempts it if its state repeated,
 * else lets it run on; returns 0 or -errno. */
int rec_preempt_spin_trap(struct rec_session *s, struct rec_task *t);
/* A fresh address space (exec), or a copy of from's sites (fork); NULL
 * if out of memory. */
struct rec_space *rec_space_new(const struct rec_space *from);
/* Drops one reference to sp. */
void rec_space_put(struct rec_space *sp);
/* At a syscall entry stop (rip after its instruction): remembers where a
 * syscall instruction of t's program is. */
void rec_space_note_syscall(struct rec_task *t, uint64_t rip);
/* After t's syscall: forgets the sites it unmapped or replaced. */
void rec_site_syscall_done(struct rec_task *t, long nr, const uint64_t args[6], int64_t result);
/* At t's state-matched point, just recorded: makes the run there a
 * counting site if it can be one, and up to `more` runs further down the
 * same straight line of code, and records each. Returns 0 or -errno. */
int rec_site_install(struct rec_session *s, struct rec_task *t, int more);
/* Runs syscall nr(args) in t (stopped at a ptrace stop: a preemption
 * point, a syscall's end, its exec) through the syscall instruction at
 * insn_at, then leaves t at an interrupt stop with its registers as they
 * were; 0 with the kernel's answer in *result, -EFAULT if insn_at holds
 * no syscall instruction or t faulted there (nothing done, t as it was),
 * or -errno. Asynchronous signals meanwhile are held (rec_hold_async). */
int rec_inject(struct rec_task *t, uint64_t insn_at, long nr, const uint64_t args[6], int64_t *result);
/* 1 if a thread of t's address space other than t is stopped inside the
 * run [at, at + len) (not at its start): a patch would cut its next
 * instruction. */
int rec_thread_inside(struct rec_session *s, struct rec_task *t, uint64_t at, size_t len);
/* Maps one RWX page at `at` in t (rec_inject at its program's syscall
 * instruction); 0, -EFAULT (no syscall instruction: none known now),
 * -EEXIST (taken) or -errno. */
int rec_inject_page(struct rec_task *t, uint64_t at);
/* Sets every site counter of t's address space to n (t stopped): its
 * turn ends at its n-th site pass from now (1: the next). Returns 1 if
 * there are any, 0 if none, -errno on error. */
int rec_site_catch_arm(struct rec_task *t, uint64_t n);
/* t trapped (registers in regs): if at a slot's trap of the catch, puts
 * the counters back, moves t back to the site itself (regs too) and
 * returns 1 with the page and the count of that execution; 0 if not a
 * site's trap. */
int rec_site_catch_hit(struct rec_task *t, struct user_regs_struct *regs, uint64_t *page, uint64_t *count);
/* The catch is called off: counters back; 1 if t is about to trap (its
 * counter reached zero), 0 done, -errno on error. */
int rec_site_catch_cancel(struct rec_task *t);
/* Copies tid's writable memory into sn (nothing if it is too large). */
void rec_snap_take(struct rec_snap *sn, pid_t tid);
/* Words of tid's memory (not in k, not in site pages) that changed since
 * snapshot sn and hold small numbers, the most changed first, into w (max
 * at most); returns
 * how many. */
size_t rec_snap_words(const struct rec_snap *sn, pid_t tid, const struct mem_skip *k, const struct site_table *sites,
		      struct preempt_word *w, size_t max);
/* Records one run of the program at path (found in PATH) as opt says;
 * fills *res; returns rec's exit status. */
int rec_record(const struct rec_options *opt, const char *path, struct rec_result *res);
/* rec --until-fail: records runs until one fails; returns rec's exit status. */
int rec_until_fail(const struct rec_options *opt, const char *path);
/* Checks a --fail-on list; with status >= 0, returns 1 if the list counts
 * it as failing, 0 if not; -EINVAL if the list is malformed. */
int rec_fail_on_parse(const char *list, const int *status);
/* Sets up --chaos (seed from opt, else getrandom); returns 0 or -errno. */
int rec_chaos_init(struct rec_session *s, const struct rec_options *opt);
/* Frees the --chaos state. */
void rec_chaos_free(struct rec_session *s);
/* --chaos: the ready thread to run next (its turn's slice set), or NULL if none is ready. */
struct rec_task *rec_chaos_pick(struct rec_session *s, uint64_t now);
/* --chaos: after a futex wake of n threads, waits (briefly) for their
 * stops, held for the next decision; returns 0 or -errno. */
int rec_chaos_wakes(struct rec_session *s, int n);
/* --chaos: the CPU time t has run (a turn's slice is measured in it, not
 * in wall time: the same whatever else the machine runs); 0 if unknown. */
uint64_t rec_chaos_cpu_ns(struct rec_task *t);
/* --chaos: waits for new thread c's first stop, so that it is ready from
 * its creation on; returns 0 or -errno. */
int rec_chaos_first_stop(struct rec_session *s, struct rec_task *c);
/* Keeps a wait status of tid for when no thread runs; returns 0 or -errno. */
int rec_hold(struct rec_session *s, pid_t tid, int status);
/* Forks and execs the program traced, pinned and filtered; returns the pid or -errno. */
pid_t rec_spawn(struct rec_session *s, const char *path);
/* Gives the program (at its first exec) the signal mask rec started with;
 * returns 0 or -errno. */
int rec_unblock_program(struct rec_session *s, pid_t tid);
/* Runs the event loop until the program is gone; returns 0 or -errno. */
int rec_run(struct rec_session *s);
/* Handles a seccomp stop (syscall entry) with its data; returns 0 or -errno. */
int rec_syscall_entry(struct rec_session *s, struct rec_task *t, unsigned long data);
/* Handles a syscall-exit stop; writes the syscall record and leaves the
 * thread T_READY; returns 0 or -errno. */
int rec_syscall_exit(struct rec_session *s, struct rec_task *t);
/* Writes t's held syscall record (a restart code the signal being
 * recorded now acts on, as it will in replay); returns 0 or -errno. */
int rec_syscall_unhold(struct rec_session *s, struct rec_task *t);
/* Writes the exec snapshot of t's new image (after PTRACE_EVENT_EXEC); returns 0 or -errno. */
int rec_exec_snapshot(struct rec_session *s, struct rec_task *t);
/* The end of a thread an execve of its process kills, kept for after the
 * exec record (replay kills it with its own execve of the stub). */
struct rec_exec_dead {
	pid_t tgid;
	struct trace_exit x;
};
/* At t's end (wait status status; at its PTRACE_EVENT_EXIT stop or
 * after it): if t is killed by another thread's execve (not its own exit,
 * status 0, a thread of its process inside execve), keeps its exit record
 * for rec_exec_flush and returns 1; 0 if not. */
int rec_exec_victim(struct rec_session *s, struct rec_task *t, int status);
/* 1 if a stop of t is one of the execve the running thread run is in:
 * a thread of its process that it kills, or its own exec stop (under its
 * process's id): not held while run keeps the core (--chaos). With t
 * NULL: whether run is in an execve. */
int rec_exec_stop_of(const struct rec_task *run, const struct rec_task *t);
/* Writes the kept exit records of process tgid's threads (after its exec
 * record, or before any other end of its execve); with exec, not the
 * first thread's, whose tid the exec'ing thread took. 0 or -errno. */
int rec_exec_flush(struct rec_session *s, pid_t tgid, int exec);
/* Ensures the file open at path is stored in the trace; its hash in *h;
 * returns 0, or -errno (-ENODEV for a non-regular file). A stable file (an
 * executable or a library, mapped private: not expected to change while
 * the trace writer compresses it) is handed to the writer mapped, not
 * copied. */
int rec_blob_store(struct rec_session *s, const char *path, const char *name, int stable, struct trace_hash *h);
/* How long the program has to end after rec passed a signal on. */
#define REC_STOP_GRACE_MS 700
/* Blocks SIGCHLD and the signals rec passes on (first thing in main: none
 * is lost before rec_catch_signals); the mask before in *orig. */
void rec_block_signals(sigset_t *orig);
/* Catches the signals rec may get (SIGCHLD stays blocked) so that none
 * ends it: one from outside the recording is kept for rec_take_signal,
 * one the program sent is dropped; then unblocks them. */
void rec_catch_signals(struct rec_session *s);
/* 1 if rec catches sig (all that end or stop a process by default, but
 * SIGKILL and SIGSTOP). */
int rec_sig_handled(int sig);
/* 1 if sig, sent to rec, stops the recording (rec_forwarded). */
int rec_sig_stops(int sig);
/* The pid of the thread tracing process pid (its /proc status's
 * TracerPid), 0 if none, -1 if unknown (gone); async-signal-safe. */
pid_t rec_tracer_of(pid_t pid);
/* 1 if a signal from outside waits for rec_take_signal. */
int rec_signal_pending(void);
/* The next signal sent to rec from outside the recording, or 0. */
int rec_take_signal(void);
/* SIGKILLs the processes thread tid created untraced (CLONE_UNTRACED, as
 * LeakSanitizer's stop-the-world: under rec their syscalls fail, no
 * tracer takes them) and theirs, down to depth levels. */
void rec_kill_untraced(pid_t tid, int depth);
/* SIGKILLs every process of the recording (and the untraced children of
 * its processes: CLONE_UNTRACED); their ends are for the loop to record. */
void rec_kill_rest(struct rec_session *s);
/* rec_kill_rest, then waits until no traced process is left (a few
 * seconds at most: rec's exit ends the rest, PTRACE_O_EXITKILL). */
void rec_kill_all(struct rec_session *s);
/* Notes a mapping of a file replay maps from its one copy of the file
 * (mmap just returned): a shared one, or a private one past the file's end
 * or of a file already followed; returns 0 or -errno. */
int rec_shared_mmap(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec);
/* A write of t to /proc/PID/mem of its own process (a JIT's way to patch
 * its code): the bytes it changed, noted in t->emu_regions for its
 * record, so replay writes them too. 0 or -errno. */
int rec_procmem_write(struct rec_task *t, const struct sc_desc *d, int64_t result);
/* The pid whose /proc/PID/mem t's write-like call writes to if that is
 * another address space than t's (replay could not redo it); 0 if not. */
int rec_procmem_elsewhere(struct rec_task *t);
/* shmat's record: the segment as a shared file replay keeps one copy of
 * (SCF_SHARED, its content at this first attach as a blob). 0 or -errno. */
int rec_shared_shmat(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec);
/* After t's mmap MAP_SHARED (or MAP_SHARED_VALIDATE): its space shares
 * memory another process may store to (rec_preempt.c's soft_ok), unless
 * the mapping is of a file, read-only and from an fd opened read-only
 * (mprotect cannot make it writable): then only a write to the file
 * (rec_shared_write) can change what the process reads there. */
void rec_shared_map_note(struct rec_task *t);
/* Captures a write into a file replay keeps a copy of (rec_shared_mmap),
 * or its new size after ftruncate or fallocate; returns 0 or -errno. */
int rec_shared_write(struct rec_session *s, struct rec_task *t, const struct sc_desc *d, struct trace_syscall *rec);
/* At t's syscall entry: the size of the file ftruncate or fallocate is
 * about to change, if replay keeps a copy of it, in t->size_before (else -1). */
void rec_shared_size_before(struct rec_session *s, struct rec_task *t);
/* Sets up in-process recording (not with --no-inprocess): the control
 * area and the address the filter lets through; returns 0 or -errno. */
int rec_inproc_setup(struct rec_session *s);
/* Frees what rec_inproc_setup and the drains allocated. */
void rec_inproc_free(struct rec_session *s);
/* At t's exec stop: maps the library into the new image, before its
 * snapshot, from the end of execve (t->exec_ended set: that stop is
 * taken); returns 0 (also when it cannot be mapped: the process is then
 * recorded without it) or -errno. */
int rec_inproc_inject(struct rec_session *s, struct rec_task *t);
/* Tells the library of child, a new process of parent's made by a clone
 * with flags, its pid (0 in a memory shared with parent but for a vfork);
 * 0 or -errno. */
int rec_inproc_newproc(struct rec_task *parent, struct rec_task *child, uint64_t flags);
/* After t's exec record: the inproc record, if the library is there. */
int rec_inproc_announce(struct rec_session *s, struct rec_task *t);
/* At a stop of t: writes what its process's library recorded since the
 * last drain into a buffer record (before the stop's own records);
 * returns 0 or -errno. */
int rec_inproc_flush(struct rec_session *s, struct rec_task *t);
/* Fails the recording (-EPROTO) if the trace writer's thread found a
 * corrupt ring, after waiting for its pending drains if wait. */
int rec_inproc_check(struct rec_session *s, int wait);
/* Drops a reference to a shared ring (NULL: none); the last unmaps it. */
void rec_ring_put(struct rec_ring *r);
/* At the fork event of child c (not CLONE_VM): a child whose ring is its
 * parent's shared one has its library turned OFF until rec maps it a
 * private ring at its first syscall exit; returns 0 or -errno. */
int rec_inproc_fork(struct rec_task *c);
/* After t's syscall record (registers r, at its end; the result not a
 * restart code): patches the site if the library may make the call,
 * forgets patches the call unmapped, and moves t out of a patched run
 * (r and the thread). Returns 0 or -errno. */
int rec_inproc_exit(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r);
/* File dev/ino is newly mapped shared: every library (and every new one)
 * makes writes to it traced, for rec_shared_write (past IL_SHARED_N such
 * files: writes to any regular file); 0 or -errno. */
int rec_inproc_shared_file(struct rec_session *s, uint64_t dev, uint64_t ino);
/* t is stopped to be preempted: if it is inside the library or a
 * trampoline, single-steps it out (returns 0), or lets it run on to the
 * library's traced syscall, a stop of its own (returns 1), or to its
 * return into the trampoline, a hardware breakpoint's stop where
 * rec_inproc_leave_clear and rec_preempt_stop take it again (returns 2);
 * -errno. */
int rec_inproc_step_out(struct rec_session *s, struct rec_task *t);
/* After t's trapped rdtsc or rdtscp at insn, answered (r: its registers
 * now, set): patches the site to call the library if it can (at its
 * second fault, as a syscall site), and moves t into the trampoline.
 * Returns 0 or -errno. */
int rec_inproc_tsc(struct rec_session *s, struct rec_task *t, uint64_t insn, struct user_regs_struct *r);
/* After t single-stepped the instruction at before->rip: if it was a
 * pushf, the word it pushed holds the trap flag the step set, which the
 * program did not have: cleared there. Returns 0 or -errno. */
int rec_step_fix_pushf(struct rec_task *t, const struct user_regs_struct *before);
/* t's process's /proc/PID/mem (opened once), or -errno. */
int rec_inproc_memfd(struct rec_task *t);
/* If t (registers r) is at an rdtsc or rdtscp: answers it (the value in
 * rax and rdx, TSC_AUX in rcx, rip past it, set), records it and patches
 * its site if it is worth it (rec_inproc_tsc); 1 then, 0 if it is not
 * at one, -errno (rec_tsc.c). */
int rec_tsc_emulate(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r);
/* Before the first patch of an rdtsc site: measures how the TSC follows
 * CLOCK_MONOTONIC_RAW (from the first rdtsc's sample to now, at least
 * 2 ms: rec waits for the rest) into s's control area and every
 * process's; the library answers from it, and so does rec from then on
 * (docs/inprocess.md section 16). Returns 0 (done, or already) or -EIO. */
int rec_tsc_calibrate(struct rec_session *s);
/* Clears the breakpoint rec_inproc_step_out set where t returns from the
 * library (t stopped), if set; 0 or -errno. */
int rec_inproc_leave_clear(struct rec_task *t);
/* Sets (on 1) or clears (on 0) the notify word of t's library: with it
 * set, its next buffered call ends with a traced getpid, a stop where its
 * turn ends. Returns 1 if set, 0 if not (no library, cleared), -errno. */
int rec_inproc_notify(struct rec_task *t, int on);
/* Whether t, at a seccomp stop, is at the traced getpid its library makes
 * after a buffered call when notify is set (1) or not (0). */
int rec_inproc_at_notify(struct rec_session *s, struct rec_task *t);
/* Marks the recording failed with a reason naming the thread and event. */
void rec_fail(struct rec_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
