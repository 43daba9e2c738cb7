/* rec_preempt.c - preempting a thread that runs without syscalls, at a
 * point replay can find again without a PMU:
 * - counted: the N-th execution of a learned address A since the thread's
 *   last record, counted by a hardware-breakpoint perf counter;
 * - state-matched: registers, x87/SSE state and a hash of its writable
 *   memory, at an instruction replay can patch when one is near (replay's
 *   trampoline compares the registers in-process; elsewhere it stops at
 *   each execution of that rip). Between two records only this thread
 *   runs, so equal state means the same point.
 * Only spinning threads (state repeating over two passes) and threads with
 * a held signal are preempted; a spinner's rip becomes its learned
 * address, counted from then on. */
#include "rec.h"

#include <errno.h>
#include <stddef.h>
#include <sys/user.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "../common/patch.h"
#include "../common/inproc.h"
#include "../common/ptrace_util.h"

#define FIRST_SLICE_NS (100ull * 1000) /* its first turn: short, so that short-lived threads interleave */
#define SLICE_NS REC_SLICE_NS
/* A PTRACE_INTERRUPT with no stop for this long is sent again: any other
 * ptrace stop of the thread (a signal's, a syscall's) that comes first
 * takes it (the kernel clears a pending STOP trap at every trap), and no
 * PTRACE_EVENT_STOP follows; a thread spinning after that would never be
 * preempted. A second one is harmless: a pending trap is one bit. */
#define INTERRUPT_RETRY_NS (50ull * 1000 * 1000)
#define CATCH_NS (5ull * 1000 * 1000)         /* to reach the learned address again */
#define DIFF_NS (50ull * 1000)                /* between a point's first pass and the one it is at */
#define DIFF_TRIES 20                         /* ...if it ran meanwhile */
#define ROUND_NS (200ull * 1000)              /* to come round to a point's instruction again */
#define MAX_STEPS 64                          /* to reach an instruction replay can patch */
#define ABORTED_MAX 3                         /* attempts a syscall ends before turns are long */
#define SIG_PASSES 1024                         /* a held signal's point waits for its registers to repeat */
/* After a turn's end is due, a thread with the in-process library has this
 * long to reach its next buffered call, which then ends with a traced
 * getpid (the library's notify): a stop, no preemption point to find. Then
 * it is interrupted. Short for a first turn (short-lived threads interleave). */
#define NOTIFY_NS (1000ull * 1000)
#define NOTIFY_FIRST_NS (FIRST_SLICE_NS / 4)

/* Whether t's turn may end where an interrupt stops it (soft_ok), as far
 * as rec knows without stopping it. (Its next buffered call, if it comes
 * within NOTIFY_NS, still ends the turn first: an interrupt would often
 * stop a thread that makes them in a loop inside the library, where no
 * soft end is taken.) */
static int soft_candidate(const struct rec_session *s, const struct rec_task *t)
{
	const struct rec_space *sp = t->space;
	return !s->chaos && sp && sp->refs == 1 && !sp->shared_mem && !(sp->shared_ro && s->shared_written) &&
	       !t->deferred_sig;
}

/* Whether t's turns are long from the start: after ABORTED_MAX attempts
 * a syscall ended, once preempted or with a learned address; and, but
 * under --chaos (which draws slices), a thread alone in an address space
 * that shares no memory with another process (no MAP_SHARED mapping): a
 * point inside its computation orders no store of it against another
 * thread's, only its next syscall against others' (make's compilers: 186
 * attempts at 0.4-1 ms of rec each, for 7 points, with short first turns). */
static int long_turns(const struct rec_session *s, const struct rec_task *t)
{
	if (t->learned || t->preempted_once)
		return 1;
	if (s->chaos)
		return 0;
	return t->aborted >= ABORTED_MAX || !t->space || soft_candidate(s, t);
}

void rec_preempt_arm(struct rec_session *s, struct rec_task *t)
{
	t->site_tried = 0;
	if (t->space && t->space->sites.npages) {
		/* its turn ends at a counting site; with --chaos at the site
		 * pass drawn for it (the timer only ends a turn that left the
		 * code with sites) */
		if (s->chaos && t->slice_sites && rec_site_catch_arm(t, t->slice_sites) == 1)
			t->catch_deadline = now_ns() + t->slice_ns + CATCH_NS;
		return;
	}
	/* A thread with no loop of its own learned yet tries the last one
	 * learned: threads often run the same code. */
	if (!t->learned)
		t->learned = s->last_learned;
	if (t->learned && t->ctr_fd < 0)
		t->ctr_fd = bp_counter_open(t->tid, t->learned, 0, 0);
}

static int set_dr(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, off, v) < 0 ? -errno : 0;
}

void rec_preempt_disarm(struct rec_task *t)
{
	/* An attempt that a syscall ended: after a few, the thread's turns
	 * are long (a new process making syscalls every few hundred us,
	 * make's compilers, tried a point every 100 us: 3,547 attempts for
	 * 39 points). Not after one: a thread's start makes syscalls, and a
	 * racing loop's threads must still meet their short first turn. */
	if (t->interrupting || t->catching || t->site_catching || t->spin_checking || t->spin_delay)
		t->aborted++;
	if (t->site_catching)
		rec_site_catch_cancel(t); /* it reached a syscall or signal first */
	if (t->ctr_fd >= 0)
		close(t->ctr_fd);
	t->ctr_fd = -1;
	t->catching = 0;
	t->to_syscall = 0;
	rec_inproc_leave_clear(t); /* (a thread being killed keeps it) */
	/* (also one set for a thread killed meanwhile: disarm is for the
	 * thread that runs, or when none does) */
	if (t->notify_ns || (t->space && t->space->il_notify)) {
		rec_inproc_notify(t, 0); /* (a thread being killed is not told) */
		t->notify_ns = 0;
	}
	if (t->spin_checking) {
		set_dr(t->tid, 7, 0); /* t is stopped: its debug registers can be set */
		t->spin_checking = 0;
	}
	t->spin_delay = 0;
	t->sig_check = 0;
}

void rec_preempt_reset(struct rec_task *t)
{
	if (t->ctr_fd >= 0 && !t->catching)
		ioctl(t->ctr_fd, PERF_EVENT_IOC_RESET, 0);
}


int64_t rec_preempt_due_ns(struct rec_session *s)
{
	struct rec_task *t = s->running;
	if (!t || t->state != T_RUNNING)
		return -1; /* none, or inside a quick syscall */
	uint64_t now = now_ns();
	if (t->interrupting) {
		uint64_t again = t->interrupt_ns + INTERRUPT_RETRY_NS;
		return again > now ? (int64_t)(again - now) : 0;
	}
	if (t->catching || t->spin_checking || t->site_catching || t->to_syscall)
		return t->catch_deadline > now ? (int64_t)(t->catch_deadline - now) : 0;
	if (t->notify_ns)
		return t->notify_ns > now ? (int64_t)(t->notify_ns - now) : 0;
	/* Stops of others wait for this turn to end; so does a signal held
	 * while rec worked on this thread (patching, stepping): a thread
	 * computing alone gets a point for it at its slice's end. */
	int others = s->nheld > 0 || t->deferred_sig;
	for (struct rec_task *o = s->tasks; o && !others; o = o->next)
		others = o != t && rec_runnable(o);
	if (!others)
		return -1;
	/* (--chaos: not after aborted attempts, which depend on timing: a
	 * seed must draw the same schedule again) */
	uint64_t slice = long_turns(s, t) ? SLICE_NS : FIRST_SLICE_NS;
	if (t->slice_ns && (t->slice_ns < slice || t->preempted_once))
		slice = t->slice_ns; /* --chaos: its drawn slice, short ones at first */
	uint64_t end = t->slice_start_ns + slice;
	if (end > now)
		return (int64_t)(end - now);
	if (s->chaos && t->turn_cpu_ns) {
		/* --chaos measures a turn in the thread's own CPU time */
		uint64_t used = rec_chaos_cpu_ns(t) - t->turn_cpu_ns;
		if (used < slice)
			return (int64_t)(slice - used);
	}
	return 0;
}

int rec_preempt_start(struct rec_session *s)
{
	struct rec_task *t = s->running;
	uint64_t now = now_ns();
	if (!t || (t->interrupting && now - t->interrupt_ns < INTERRUPT_RETRY_NS))
		return 0;
	if (t->catching && t->ctr_fd >= 0) {
		/* The learned address was not reached: match the state instead. */
		close(t->ctr_fd);
		t->ctr_fd = -1;
		t->catching = 0;
	}
	if (!t->notify_ns && !t->interrupting) {
		/* its next buffered call ends the turn, if it comes soon */
		int r = rec_inproc_notify(t, 1);
		if (r == 1) {
			t->notify_ns = now + (long_turns(s, t) || t->aborted >= ABORTED_MAX ? NOTIFY_NS : NOTIFY_FIRST_NS);
			return 0;
		}
	}
	t->interrupting = 1;
	t->interrupt_ns = now;
	return ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0 && errno != ESRCH ? -errno : 0;
}

/* Fills rsp (cap entries) with the stack pointers of t's address space's
 * other threads, as replay has them at t's point (replay_preempt.c's
 * state_hash): where a ready or stopped one stands, where one in a
 * syscall entered it, where a new one starts. Returns how many. */
static size_t other_stacks(struct rec_session *s, struct rec_task *t, uint64_t *rsp, size_t cap)
{
	size_t n = 0;
	for (struct rec_task *o = s->tasks; o && n < cap; o = o->next) {
		struct user_regs_struct r;
		if (o == t || o->space != t->space || o->exit_recorded)
			continue;
		if (o->state == T_KERNEL && o->entry_regs_valid)
			rsp[n++] = o->entry_regs.rsp;
		else if (o->state == T_NEW && o->announced && o->start_rsp)
			rsp[n++] = o->start_rsp;
		else if (o->state != T_NEW && !regs_get(o->tid, &r))
			rsp[n++] = r.rsp;
	}
	return n;
}

/* What the memory hash of a state-matched point of t (rsp its stack
 * pointer) leaves out: the dead stacks of t and of the other threads of
 * its address space, and what syscalls in flight may write (replay writes
 * it only at their records, after this one). Returns 0 or -errno. */
static int point_skips(struct rec_session *s, struct rec_task *t, uint64_t rsp, struct mem_skip *k)
{
	size_t cap = 0;
	for (struct rec_task *o = s->tasks; o; o = o->next)
		cap++;
	uint64_t *others = malloc(cap * sizeof *others + 1);
	if (!others)
		return -ENOMEM;
	int r = mem_skip_dead_stacks(k, t->tid, rsp, others, other_stacks(s, t, others, cap));
	free(others);
	if (!r)
		r = mem_skip_inproc(k);
	for (struct rec_task *o = s->tasks; o && !r; o = o->next) {
		const struct sc_desc *d = o != t && o->state == T_KERNEL ? sc_lookup(o->nr) : NULL;
		if (d)
			r = mem_skip_syscall(k, o->tid, d, o->args);
	}
	return r;
}

static int point_hash(struct rec_session *s, struct rec_task *t, uint64_t rsp, uint64_t *hash)
{
	struct mem_skip k = {0};
	int r = point_skips(s, t, rsp, &k);
	if (!r)
		r = mem_writable_hash(t->tid, &k, 1, hash);
	mem_skip_free(&k);
	return r;
}

/* A stack word of t (stopped at the second pass of a held signal's point,
 * registers as at the first) that changed since the first pass: replay's
 * trampoline compares it, so the passes before do not each cost a memory
 * hash. Prefers a word that went up by one (a loop counter), else the
 * highest (the outermost frame). *addr stays 0 if none. */
static void pick_word(struct rec_session *s, struct rec_task *t, uint64_t rsp, uint64_t *addr, uint64_t *val)
{
	uint64_t now[STACK_WORD_REACH / 8];
	struct mem_skip k = {0};
	long got = mem_read(t->tid, rsp, now, sizeof now);
	size_t n = got > 0 ? (size_t)got / 8 : 0;
	if (n > s->nsigwin)
		n = s->nsigwin;
	if (point_skips(s, t, rsp, &k))
		n = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = rsp + 8 * i;
		if (mem_skip_covers(&k, a, 8) || now[i] == s->sigwin[i])
			continue;
		if (!*addr || now[i] == s->sigwin[i] + 1 || (*val != s->sigwin[(*addr - rsp) / 8] + 1)) {
			*addr = a;
			*val = now[i];
		}
	}
	mem_skip_free(&k);
}

/* Makes t's stop (at a preemption point) one where resuming it with sig
 * delivers sig: after PTRACE_INTERRUPT it is an event stop, where the
 * signal of PTRACE_CONT is ignored (the recorded signal was lost), so sig
 * is raised and t resumed to its delivery stop, no instruction run. A
 * different signal stopping it first is held as its extra signal.
 * Returns 0 or -errno. */
static int to_delivery_stop(struct rec_task *t, int sig)
{
	siginfo_t si;
	int status;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) == 0 && (si.si_code >> 8) != PTRACE_EVENT_STOP)
		return 0;
	if (syscall(SYS_tkill, t->tid, sig) < 0)
		return -errno;
	for (int i = 0; i < 64; i++) {
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return -errno;
		int r = tracee_wait_stop(t->tid, &status, NULL);
		if (r)
			return r;
		if ((status >> 16) != 0)
			continue; /* another event stop */
		if (WSTOPSIG(status) == sig)
			return 0;
		if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
			return -EPROTO;
		/* A debug register's trap is rec's (the program cannot set one):
		 * a spin check's, taken just before rec cleared DR7 (openssl
		 * speed under ASan died of it, re-raised as its own SIGTRAP). */
		if (WSTOPSIG(status) == SIGTRAP && si.si_code == TRAP_HWBKPT)
			continue;
		if (t->extra_sig)
			return -EPROTO;
		t->extra_info = si;
		t->extra_sig = WSTOPSIG(status);
	}
	return -EPROTO;
}

/* The in-process library's count of calls made in t's process: 1 and
 * *done, or 0 without the library. */
static int il_done(struct rec_task *t, uint64_t *done)
{
	return t->space && t->space->il &&
	       mem_read(t->tid, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, done), done, 8) == 8;
}

/* The filter words of t's state-matched point p (its addr and count: a
 * stack word, or 0): the counters of its site pages (they move whenever a
 * site runs), the stack word, and what changed in memory since the
 * snapshot of its first pass. Returns 0 or -errno. */
static int filter_words(struct rec_session *s, struct rec_task *t, struct trace_preempt *p)
{
	const struct site_table *sites = t->space ? &t->space->sites : NULL;
	struct mem_skip k = {0};
	size_t n = 0;
	uint64_t done;
	/* The calls the in-process library made: a loop of buffered calls
	 * repeats registers and memory, not this. Not when they did not move
	 * since the first pass (a slot a word that changed needs more). */
	if (il_done(t, &done) && (!s->snap || s->snap->tid != t->tid || done != t->spin_done))
		p->words[n++] = (struct preempt_word){IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, done), done};
	for (int i = 0; sites && i < sites->npages && n < 3; i++) {
		uint64_t v;
		if (mem_read(t->tid, sites->page[i].base, &v, 8) == 8)
			p->words[n++] = (struct preempt_word){sites->page[i].base, v};
	}
	if (p->addr)
		p->words[n++] = (struct preempt_word){p->addr, p->count};
	p->addr = p->count = 0;
	int r = point_skips(s, t, p->regs.rsp, &k);
	if (!r && s->snap && s->snap->tid == t->tid)
		n += rec_snap_words(s->snap, t->tid, &k, sites, p->words + n, PREEMPT_WORDS - n);
	if (s->snap)
		s->snap->tid = 0;
	mem_skip_free(&k);
	p->nwords = (uint32_t)n;
	return r;
}

/* Ends t's turn at its current point; records it; t becomes ready. */
static int preempted(struct rec_session *s, struct rec_task *t, int kind, uint64_t addr, uint64_t count)
{
	struct trace_preempt p = {.tid = (uint32_t)t->tid, .kind = (uint32_t)kind, .addr = addr, .count = count};
	int r = regs_get(t->tid, &p.regs);
	if (r)
		return r;
	p.fphash = fpregs_hash(t->tid);
	t->sig_checked = 0;
	if (kind == PREEMPT_COUNTED) {
		s->npreempt_counted++;
	} else if (kind == PREEMPT_SITE) {
		s->npreempt_site++;
	} else {
		if ((r = point_hash(s, t, p.regs.rsp, &p.memhash)) || (r = filter_words(s, t, &p)))
			return r;
		s->npreempt_state++;
	}
	rec_preempt_disarm(t);
	t->preempted_once = 1;
	t->turn_preempted = 1;
	if (s->running == t)
		s->running = NULL;
	t->state = T_READY;
	rec_mark(s, t->tid);
	r = trace_put_preempt(&s->w, &p);
	if (!r && kind == PREEMPT_STATE)
		r = rec_site_install(s, t, s->chaos ? 4 : 0); /* its later turns end at this site, counted */
	if (!r && t->deferred_sig) {
		/* A signal that came while it ran is delivered here. */
		struct trace_signal sg = {.tid = (uint32_t)t->tid, .signo = (uint32_t)t->deferred_sig,
					  .code = t->deferred_info.si_code, .rip = p.regs.rip};
		memcpy(sg.siginfo, &t->deferred_info, sizeof sg.siginfo);
		s->nsignals++;
		r = trace_put_signal(&s->w, &sg);
		if (!r)
			r = to_delivery_stop(t, t->deferred_sig);
		t->resume_sig = t->frame_due = t->deferred_sig;
		t->deferred_sig = 0;
		t->redeliver = 1;
		if (t->extra_sig) {
			/* The second held signal: pending again, delivered after
			 * the first (at its handler's entry, or once unblocked). */
			t->reraised_sig = t->extra_sig;
			t->reraised_info = t->extra_info;
			t->extra_sig = 0;
			if (syscall(SYS_tkill, t->tid, t->reraised_sig) < 0)
				r = -errno;
		}
	}
	return r;
}

static int same_regs(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	struct user_regs_struct x = *a, y = *b;
	x.eflags &= ~0x10100ull; /* RF and TF */
	y.eflags &= ~0x10100ull;
	return !memcmp(&x, &y, sizeof x);
}

/* Lets t, stopped at r.rip, go round once more to it (a debug register). */
static int round_again(struct rec_task *t, struct user_regs_struct r)
{
	if (set_dr(t->tid, 0, r.rip) || set_dr(t->tid, 7, 1))
		return -EIO;
	/* RF: the instruction at rip runs once without trapping, so the trap
	 * comes at the next time round. */
	r.eflags |= 0x10000ull;
	if (regs_set(t->tid, &r))
		return -EIO;
	t->spin_checking = 1;
	t->catch_deadline = now_ns() + ROUND_NS;
	return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
}

static int spin_check(struct rec_session *s, struct rec_task *t)
{
	if (regs_get(t->tid, &t->spin_regs))
		return -EIO;
	if (!s->snap)
		s->snap = calloc(1, sizeof *s->snap);
	if (s->snap && (!s->chaos || t->sig_check))
		rec_snap_take(s->snap, t->tid); /* what changes by the point: its filter */
	if (!il_done(t, &t->spin_done))
		t->spin_done = 0;
	if (!t->sig_check) {
		/* and the stack as it is now: a word of it that moves on by the
		 * point tells replay's passes apart (an interpreter's state) */
		long got = mem_read(t->tid, t->spin_regs.rsp, s->sigwin, sizeof s->sigwin);
		s->nsigwin = got > 0 ? (size_t)got / 8 : 0;
	}
	t->spin_fphash = fpregs_hash(t->tid);
	t->spin_pass = 0;
	if (s->chaos && !t->sig_check) {
		/* --chaos wants the point soon (a short-lived thread ends
		 * first): the next pass, registers and a stack word its filter */
		if (s->snap)
			s->snap->tid = 0;
		return round_again(t, t->spin_regs);
	}
	/* It runs on a little before the pass that is compared: a loop's
	 * counters have moved on by then (and a spinner still spins). */
	t->spin_delay = 1;
	t->spin_checking = 1;
	t->catch_deadline = now_ns() + DIFF_NS;
	return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
}

int rec_preempt_spin_trap(struct rec_session *s, struct rec_task *t)
{
	struct user_regs_struct r;
	t->spin_checking = 0;
	set_dr(t->tid, 7, 0);
	int ret = regs_get(t->tid, &r);
	if (ret)
		return ret;
	int same = r.rip == t->spin_regs.rip && same_regs(&r, &t->spin_regs) && fpregs_hash(t->tid) == t->spin_fphash;
	r.eflags &= ~0x10000ull; /* as replay leaves it after its breakpoint */
	if ((ret = regs_set(t->tid, &r)))
		return ret;
	if (t->sig_check) {
		/* A held signal's point, some passes later: once the registers
		 * repeat, a stack word that moved on tells the passes apart. */
		uint64_t addr = 0, val = 0;
		if (!same && ++t->spin_pass < SIG_PASSES)
			return round_again(t, r);
		t->sig_check = 0;
		if (same)
			pick_word(s, t, r.rsp, &addr, &val);
		return preempted(s, t, PREEMPT_STATE, addr, val);
	}
	if (same) {
		/* Registers repeat: a spin if memory repeats too (replay's first
		 * register match is then the point). If only memory moves on,
		 * a stack word that changed tells replay's passes apart. */
		uint64_t h, addr = 0, val = 0;
		if ((ret = point_hash(s, t, r.rsp, &h)))
			return ret;
		if (!t->spin_pass) {
			t->spin_pass = 1;
			t->spin_memhash = h;
			long got = mem_read(t->tid, r.rsp, s->sigwin, sizeof s->sigwin);
			s->nsigwin = got > 0 ? (size_t)got / 8 : 0;
			return round_again(t, r);
		}
		if (h == t->spin_memhash) {
			if (!t->space || !t->space->sites.npages)
				t->learned = s->last_learned = r.rip; /* counted from now on */
			return preempted(s, t, PREEMPT_STATE, 0, 0);
		}
		pick_word(s, t, r.rsp, &addr, &val);
		return preempted(s, t, PREEMPT_STATE, addr, val);
	}
	/* Progress, registers moving on: the point is this pass. They may
	 * come back later (an interpreter's dispatch: the same registers at
	 * each of its instructions, its state in memory): a stack word that
	 * moved on since the first pass keeps replay from stopping at every
	 * pass with these registers (the filter words may all be on the
	 * stack, which they leave to this word). */
	uint64_t addr = 0, val = 0;
	pick_word(s, t, r.rsp, &addr, &val);
	return preempted(s, t, PREEMPT_STATE, addr, val);
}

/* Single-steps t, for at most MAX_STEPS instructions, to one that replay
 * can patch (patch_site_len). Signals arriving meanwhile are held as its
 * deferred signal. Returns 1 there, 0 if not reached, or -errno. */
/* A rep string instruction at t's rip may be partly done (an interrupt
 * stops it between iterations, rip still on it, rcx and rdi moved on): a
 * state replay's breakpoints, which stop at an instruction's start, never
 * meet. t runs to the instruction's end first (a hardware breakpoint, DR3,
 * after it). Returns 0 if not at one, 1 once past it, 2 if t was let go
 * instead (it faulted there: the fault comes again as a stop of its own),
 * or -errno. */
static int finish_rep(struct rec_task *t, const struct user_regs_struct *r, const uint8_t *code, size_t n)
{
	size_t len = patch_rep_string_len(code, n, r->rip);
	if (!len)
		return 0;
	int ret = rec_run_to(t, r->rip + len);
	if (ret == 1) /* its own fault in the string: made again once it runs on */
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 2;
	return ret ? ret : 1;
}

static int step_to_patchable(struct rec_session *s, struct rec_task *t)
{
	const struct site_table *sites = t->space ? &t->space->sites : NULL;
	/* Whether replay can patch the run at rip (as replay_preempt.c
	 * checks): the window of a page is read and swept once for all the
	 * steps in it (the thread only runs, single-stepped, meanwhile). */
	struct site_win *win = malloc(sizeof *win);
	int ret = 0;
	if (!win)
		return -ENOMEM;
	win->len = 0;
	win->cache = &s->sweeps;
	for (int i = 0;; i++) {
		struct user_regs_struct r;
		uint8_t code[64];
		int status;
		siginfo_t si;
		if (regs_get(t->tid, &r)) {
			ret = -EIO;
			break;
		}
		if (mem_read(t->tid, r.rip, code, sizeof code) < 16)
			break;
		if ((ret = finish_rep(t, &r, code, sizeof code)) == 2 || ret < 0)
			break;
		if (ret == 1) { /* past a rep string instruction: where now */
			ret = 0;
			if (regs_get(t->tid, &r)) {
				ret = -EIO;
				break;
			}
			if (mem_read(t->tid, r.rip, code, sizeof code) < 16)
				break;
		}
		size_t len = 0;
		if (patch_site_len(code, sizeof code, r.rip) && !(sites && site_page_of(sites, r.rip) >= 0) &&
		    site_win_read(win, t->tid, r.rip) && (len = site_win_patchable(win, r.rip, 0)) &&
		    !rec_thread_inside(s, t, r.rip, len)) {
			/* (a site's slot is no place for a point; nor a run that
			 * another thread is stopped inside: replay would not patch
			 * it and would stop at every pass instead, 10 us each) */
			ret = 1;
			break;
		}
		if (i == MAX_STEPS || !patch_insn_steppable(code, sizeof code, r.rip))
			break;
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) < 0) {
			ret = -errno;
			break;
		}
		if ((ret = tracee_wait_stop(t->tid, &status, NULL)))
			break;
		int sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP && sig == SIGTRAP)
			continue; /* an interrupt rec asked for before a signal stopped it: no step made */
		if ((status >> 16) != 0 || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0) {
			ret = -EPROTO;
			break;
		}
		if (sig == SIGTRAP && si.si_code == TRAP_TRACE) {
			if ((ret = rec_step_fix_pushf(t, &r)))
				break;
			continue;
		}
		if ((ret = rec_hold_async(t, sig, &si)))
			break;
	}
	free(win);
	return ret;
}

int rec_hold_async(struct rec_task *t, int sig, const siginfo_t *si)
{
	if (rec_sig_is_sync(si))
		return -EPROTO;
	if (!t->deferred_sig || t->deferred_sig == sig) {
		t->deferred_sig = sig;
		t->deferred_info = *si;
	} else if (!t->extra_sig || t->extra_sig == sig) {
		t->extra_sig = sig;
		t->extra_info = *si;
	} else {
		return -EPROTO;
	}
	return 0;
}

/* After rec_inproc_step_out returned r: 1 if it let t run on to the
 * library's traced syscall, a stop that ends its turn, which no interrupt
 * may come before (at once, it would stop t there again, and again).
 * Returns 0 or -errno. */
static int to_library_syscall(struct rec_task *t, int r)
{
	if (r < 0)
		return r;
	t->to_syscall = 1;
	t->catch_deadline = now_ns() + CATCH_NS;
	return 0;
}

/* Whether t, stopped by rec's interrupt, can end its turn where it is,
 * with no point in the trace: alone in an address space that shares no
 * memory (long_turns), under no --chaos, with no signal to deliver, not
 * inside the in-process library or a trampoline. Nothing another thread
 * does can see where it is: replay runs it from its last recorded event to
 * its next, before or after others' as the trace says, and its buffered
 * calls stay in its ring for its next stop (replay feeds them then too).
 * Returns 1 if so, 0 if not, -errno. */
static int soft_ok(const struct rec_session *s, struct rec_task *t)
{
	struct user_regs_struct r;
	uint32_t busy = 1;
	const struct rec_space *sp = t->space;
	if (!soft_candidate(s, t) || t->extra_sig || t->reraised_sig ||
	    t->catching || t->site_catching || t->spin_checking || t->spin_delay || t->leave_bp || t->held)
		return 0;
	for (size_t i = 0; i < s->nheld; i++)
		if (s->held[i].tid == t->tid)
			return 0;
	if (regs_get(t->tid, &r))
		return -EIO;
	if (r.rip >= IL_BASE && r.rip < IL_BASE + IL_MAP_SIZE)
		return 0;
	for (uint32_t k = 0; k < sp->patches.npages; k++)
		if (r.rip >= sp->patches.page[k].base && r.rip < sp->patches.page[k].base + IL_TRAMP_PAGE)
			return 0;
	if (sp->il && (mem_read(t->tid, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, busy), &busy, sizeof busy) != sizeof busy || busy))
		return 0;
	return 1;
}

int rec_preempt_stop(struct rec_session *s, struct rec_task *t)
{
	uint64_t n = 0;
	int left_loop = 0, r;
	t->interrupting = 0;
	t->to_syscall = 0;
	if ((r = soft_ok(s, t)) < 0)
		return r;
	if (r) {
		rec_preempt_disarm(t);
		t->preempted_once = 1;
		t->turn_preempted = 1;
		t->soft_preempted = 1; /* (dispatch: no drain at this turn's end) */
		s->npreempt_soft++;
		if (s->running == t)
			s->running = NULL;
		t->state = T_READY;
		return 0;
	}
	if ((r = rec_inproc_leave_clear(t)))
		return r;
	if (t->spin_delay) {
		/* Its next pass through the point's instruction is compared,
		 * once it has run on (with others on the CPU, it may not have). */
		struct user_regs_struct now;
		if ((r = regs_get(t->tid, &now)))
			return r;
		if (same_regs(&now, &t->spin_regs) && ++t->spin_delay < DIFF_TRIES) {
			t->catch_deadline = now_ns() + DIFF_NS;
			return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
		}
		t->spin_delay = 0;
		if (set_dr(t->tid, 0, t->spin_regs.rip) || set_dr(t->tid, 7, 1))
			return -EIO;
		t->catch_deadline = now_ns() + ROUND_NS;
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
	}
	if (t->site_catching) {
		/* No site came in time: a loop without one. */
		if ((r = rec_site_catch_cancel(t)) < 0)
			return r;
		if (r == 1) /* its counter is at zero: the trap is next */
			return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
		t->site_tried = 1;
	}
	if (t->spin_checking) {
		/* It did not come round again in time: it left that loop; the
		 * point is where it is now. */
		rec_preempt_disarm(t);
		left_loop = 1;
	}
	if (!t->site_tried && !t->spin_checking && (r = rec_site_catch_arm(t, 1)) != 0) {
		if (r < 0)
			return r;
		/* Its turn ends at the next site it passes: a counted point. */
		t->catch_deadline = now_ns() + CATCH_NS;
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
	}
	if (t->ctr_fd >= 0 && !t->catching && !bp_counter_read(t->ctr_fd, &n)) {
		/* Go on to the next execution of the learned address. */
		close(t->ctr_fd);
		t->ctr_fd = bp_counter_open(t->tid, t->learned, 1, REC_CATCH_SIG);
		if (t->ctr_fd >= 0) {
			t->catching = 1;
			t->catch_count = n + 1;
			t->catch_deadline = now_ns() + CATCH_NS;
			return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
		}
	}
	/* The point: at a run replay can patch if one is near; a spinner at
	 * its first pass, a thread making progress at a later pass with the
	 * filter words that tell the passes apart (rec_preempt_spin_trap). */
	/* Never a point inside the in-process library or a trampoline. */
	if ((r = rec_inproc_step_out(s, t)))
		return to_library_syscall(t, r);
	r = step_to_patchable(s, t);
	if (r < 0)
		return r;
	if (r == 2)
		return 0; /* let go: it faulted in a rep string instruction */
	if ((r = rec_inproc_step_out(s, t)))
		return to_library_syscall(t, r);
	if (t->deferred_sig && !t->sig_checked) {
		/* Once more round to this rip first: where registers repeat
		 * pass after pass, the point gets a stack word that tells the
		 * passes apart (rec_preempt_spin_trap). */
		struct user_regs_struct now;
		if ((r = regs_get(t->tid, &now)))
			return r;
		long got = mem_read(t->tid, now.rsp, s->sigwin, sizeof s->sigwin);
		s->nsigwin = got > 0 ? (size_t)got / 8 : 0;
		t->sig_checked = 1;
		t->sig_check = 1;
		return spin_check(s, t);
	}
	if (t->deferred_sig || left_loop)
		return preempted(s, t, PREEMPT_STATE, 0, 0);
	return spin_check(s, t);
}

int rec_preempt_site_caught(struct rec_session *s, struct rec_task *t, uint64_t page, uint64_t count)
{
	return preempted(s, t, PREEMPT_SITE, page, count);
}

int rec_preempt_caught(struct rec_session *s, struct rec_task *t)
{
	struct user_regs_struct r;
	if (!t->catching || regs_get(t->tid, &r) || r.rip != t->learned)
		return 0;
	t->catching = 0;
	int ret = preempted(s, t, PREEMPT_COUNTED, t->learned, t->catch_count);
	return ret ? ret : 1;
}
