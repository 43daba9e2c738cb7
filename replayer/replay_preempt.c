/* replay_preempt.c - finding a recorded preemption point again: the N-th
 * execution of an address (a hardware-breakpoint perf counter stops the
 * thread there), or the first execution of an rip where registers, x87/SSE
 * state and writable memory all equal the recorded ones. */
#include "replay.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/patch.h"
#include "../common/site.h"
#include "../common/ptrace_util.h"

#define CATCH_SIG SIGSTKFLT          /* as the recorder's REC_CATCH_SIG */
#define MAX_HITS (50ull * 1000 * 1000) /* a state never met: divergence, not a hang */
#define PAGE 4096ull
#define FLAGS_IGNORED 0x10100ull     /* RF and TF, set by the debug machinery */

static int same_regs(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	struct user_regs_struct x = *a, y = *b;
	x.eflags &= ~FLAGS_IGNORED;
	y.eflags &= ~FLAGS_IGNORED;
	x.orig_rax = y.orig_rax = 0;
	return !memcmp(&x, &y, sizeof x);
}

/* Names the registers that differ from the recording, into buf. */
static const char *reg_diff(const struct user_regs_struct *a, const struct user_regs_struct *b, char *buf, size_t n)
{
	static const char *const names[] = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
					    "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
					    "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"};
	const unsigned long long *x = (const void *)a, *y = (const void *)b;
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && len < n; i++)
		if (x[i] != y[i] && i != 15)
			len += (size_t)snprintf(buf + len, n - len, " %s=%#llx (recorded %#llx)", names[i], x[i], y[i]);
	return buf;
}

/* The hash of t's writable memory as the recorder took it: without what
 * syscalls in flight (threads stopped at their entry) may write, nor the
 * trampoline page at tramp. Returns 0 or -errno. */
static int state_hash(struct replay_session *s, struct replay_task *t, uint64_t tramp, uint64_t *hash)
{
	struct mem_skip k = {.map = tramp};
	size_t n = 0, cap = 0;
	for (struct replay_task *o = s->tasks; o; o = o->next)
		cap++;
	uint64_t *others = malloc(cap * sizeof *others + 1);
	if (!others)
		return -ENOMEM;
	/* From trace format 11 the other threads' dead stacks too, at their
	 * stack pointers as the recorder took them (rec_preempt.c). */
	for (struct replay_task *o = s->tasks; o && s->r.hdr.version >= TRACE_VERSION_DEAD_STACKS; o = o->next) {
		struct user_regs_struct r;
		if (o != t && o->alive && o->space == t->space)
			others[n++] = regs_get(o->tid, &r) ? o->regs.rsp : r.rsp;
	}
	int r = mem_skip_dead_stacks(&k, t->tid, t->regs.rsp, others, n);
	free(others);
	if (!r)
		r = mem_skip_inproc(&k);
	for (struct replay_task *o = s->tasks; o && !r; o = o->next) {
		uint64_t args[6];
		const struct sc_desc *d = o != t && o->alive && o->at_syscall ? sc_lookup((long)o->regs.orig_rax) : NULL;
		if (!d)
			continue;
		regs_syscall_args(&o->regs, args);
		r = mem_skip_syscall(&k, o->tid, d, args);
	}
	if (!r)
		r = mem_writable_hash(t->tid, &k, s->r.hdr.version >= TRACE_VERSION_SPARSE_HASH, hash);
	mem_skip_free(&k);
	return r;
}

static int set_dr(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, off, v) < 0 ? -errno : 0;
}

static int stop_kind(struct replay_session *s, struct replay_task *t, int k, int status, int want_sig)
{
	if (k < 0)
		return k;
	if (k == STOP_SIGNAL && WSTOPSIG(status) == want_sig)
		return 0;
	if (k == STOP_GONE)
		replay_task_gone(s, t);
	return replay_diverged(s, t, "expected a preemption point, got %s",
			       k == STOP_SYSCALL ? "a syscall" : k == STOP_SIGNAL ? "a signal" : "the thread's end");
}

static int counted(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	int status, fd = bp_counter_open(t->tid, p->addr, p->count, CATCH_SIG);
	if (fd < 0)
		return replay_diverged(s, t, "cannot count executions of %#llx: %s", (unsigned long long)p->addr,
				       strerror(-fd));
	t->raised_sig = CATCH_SIG;
	t->counting = 1; /* (gdb's calls run with it off) */
	t->count_fd = fd;
	int k = replay_run_task(t, &status);
	t->raised_sig = 0;
	t->counting = 0;
	close(fd);
	int r = stop_kind(s, t, k, status, CATCH_SIG);
	if (r || (r = regs_get(t->tid, &t->regs)))
		return r;
	char diff[512];
	if (!same_regs(&t->regs, &p->regs) || fpregs_hash(t->tid) != p->fphash)
		return replay_diverged(s, t, "at execution %llu of %#llx the registers differ from the recording:%s%s",
				       (unsigned long long)p->count, (unsigned long long)p->addr,
				       reg_diff(&t->regs, &p->regs, diff, sizeof diff),
				       fpregs_hash(t->tid) != p->fphash ? " (and x87/SSE state)" : "");
	return 0;
}

/* Whether t's memory holds every filter word of the point. */
static int words_match(struct replay_task *t, const struct trace_preempt *p)
{
	for (uint32_t i = 0; i < p->nwords; i++) {
		uint64_t v;
		if (mem_read(t->tid, p->words[i].addr, &v, 8) != 8 || v != p->words[i].val)
			return 0;
	}
	return 1;
}

/* The first execution of rip with the recorded state, by stopping at each
 * execution of rip (a debug register): one ptrace stop per pass, max
 * passes at most (MAX_HITS: then a divergence). Returns 0 there, 1 when
 * max (below MAX_HITS) passes went by without it, or -errno. */
static int breakpoint_passes(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p,
			     uint64_t max)
{
	int r = set_dr(t->tid, 0, p->regs.rip);
	if (!r)
		r = set_dr(t->tid, 7, 1); /* L0: execute, one byte */
	if (r)
		return replay_diverged(s, t, "cannot set a breakpoint at %#llx: %s", p->regs.rip, strerror(-r));
	for (uint64_t hits = 0; !r; hits++) {
		int status;
		if (hits == max) {
			r = max < MAX_HITS ? 1 : replay_diverged(s, t, "the recorded state at %#llx never came back", p->regs.rip);
			break;
		}
		int k = replay_run_task(t, &status);
		if ((r = stop_kind(s, t, k, status, SIGTRAP)) || (r = regs_get(t->tid, &t->regs)))
			break;
		uint64_t mh;
		if (t->regs.rip == p->regs.rip && same_regs(&t->regs, &p->regs) && words_match(t, p) &&
		    fpregs_hash(t->tid) == p->fphash &&
		    !state_hash(s, t, 0, &mh) && mh == p->memhash)
			break;
	}
	if (t->alive) {
		/* DR6 keeps B0 until the next debug exception: an int3 (gdb's
		 * breakpoint) would show it and pass for this point's stop */
		set_dr(t->tid, 7, 0);
		set_dr(t->tid, 6, 0);
	}
	if (r >= 0) {
		/* The breakpoint left RF set; the recording stopped this thread
		 * without one, so its next instruction must count as executed. */
		t->regs.eflags &= ~0x10000ull;
		int e = regs_set(t->tid, &t->regs);
		r = e ? e : r;
	}
	return r;
}

/* The first execution of rip with the recorded state, found in-process: a
 * jump at rip to a trampoline comparing the registers, which traps only on
 * a match (see common/patch.h); 1 if rip cannot be patched. */
static int matched_by_patch(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	uint8_t win[SITE_WIN], orig[PATCH_JMP_LEN], jump[PATCH_JMP_LEN];
	struct patch_tramp tr;
	const uint64_t site = p->regs.rip;
	uint64_t wstart = 0;
	size_t wlen = site_window(t->tid, site, win, &wstart);
	size_t len = wlen ? site_patchable(win, wlen, wstart, site, 0) : 0;
	if (len && replay_thread_inside(s, t, site, len))
		len = 0;
	if (len && t->regs.rip > site && t->regs.rip < site + len) {
		/* The thread itself is inside the run (its turn began at a site
		 * there): the jump would cut its next instruction. Its first pass
		 * through rip is taken with a breakpoint; from there on, at the
		 * run's start, the patch works. */
		int r = breakpoint_passes(s, t, p, 1);
		if (r <= 0)
			return r;
	}
	const uint8_t *code = len ? win + (site - wstart) : win; /* site_patchable: site is in the window */
	uint64_t at = len ? site_free_page_near(t->tid, site) : 0;
	struct patch_word w[PREEMPT_WORDS];
	for (uint32_t i = 0; i < p->nwords; i++)
		w[i] = (struct patch_word){p->words[i].addr, p->words[i].val};
	if (!at || patch_tramp_build_words(&tr, at, site, code, len, &p->regs, w, p->nwords) ||
	    patch_jump(jump, site, at))
		return 1;
	memcpy(orig, code, sizeof orig);
	int64_t res;
	uint64_t args[6] = {at, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    (uint64_t)-1, 0};
	int r = replay_inject(t, t->gadget, SYS_mmap, args, &res, 0);
	if (r || (uint64_t)res != at)
		return r ? r : 1;
	t->patch_at = site;
	t->patch_tramp = at;
	t->patch_len = sizeof jump;
	memcpy(t->patch_orig, orig, sizeof orig);
	if ((r = mem_write(t->memfd, at, tr.code, tr.len)) || (r = mem_write(t->memfd, site, jump, sizeof jump)))
		goto out;
	for (uint64_t hits = 0;; hits++) {
		int status;
		if (hits == MAX_HITS) {
			r = replay_diverged(s, t, "the recorded state at %#llx never came back", (unsigned long long)site);
			break;
		}
		int k = replay_run_task(t, &status);
		if ((r = stop_kind(s, t, k, status, SIGTRAP)) || (r = regs_get(t->tid, &t->regs)))
			break;
		if (t->regs.rip != tr.hit) {
			r = replay_diverged(s, t, "a trap at %#llx on the way to a preemption point", t->regs.rip);
			break;
		}
		/* Registers matched: the full state, with the code as it was. */
		t->regs.rip = site;
		uint64_t mh;
		if ((r = mem_write(t->memfd, site, orig, sizeof orig)))
			break;
		if (same_regs(&t->regs, &p->regs) && fpregs_hash(t->tid) == p->fphash &&
		    !state_hash(s, t, at, &mh) && mh == p->memhash)
			break;
		t->regs.rip = tr.reloc;
		if ((r = mem_write(t->memfd, site, jump, sizeof jump)) || (r = regs_set(t->tid, &t->regs)))
			break;
	}
out:
	t->patch_at = t->patch_tramp = 0;
	if (!t->alive)
		return r;
	mem_write(t->memfd, site, orig, sizeof orig);
	if (!r) {
		t->regs.rip = site;
		r = regs_set(t->tid, &t->regs);
	}
	args[0] = at;
	args[1] = PAGE;
	int u = replay_inject(t, t->gadget, SYS_munmap, args, &res, 0);
	return r ? r : u;
}

static int matched(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	int r = s->cur.rec.event <= (uint64_t)s->opt->no_trampoline ? 1 : matched_by_patch(s, t, p);
	return r == 1 ? breakpoint_passes(s, t, p, MAX_HITS) : r;
}

int replay_preempt(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	if (t->at_syscall || t->in_clone)
		return replay_diverged(s, t, "a preemption recorded inside a syscall");
	int r = regs_get(t->tid, &t->regs); /* injected syscalls restore these */
	if (r)
		return r;
	for (uint32_t i = 0; i < p->nwords; i++) {
		/* mapped now, mapped at every pass before the point (no syscall
		 * between): the trampoline may read it */
		uint64_t v;
		if (mem_read(t->tid, p->words[i].addr, &v, 8) != 8)
			return replay_diverged(s, t, "the filter word at %#llx of a preemption point is not mapped",
					       (unsigned long long)p->words[i].addr);
	}
	if (p->kind == PREEMPT_SITE) {
		char diff[512];
		if ((r = replay_site_preempt(s, t, p)))
			return r;
		if (!same_regs(&t->regs, &p->regs) || fpregs_hash(t->tid) != p->fphash)
			return replay_diverged(s, t, "at execution %llu of the sites of page %#llx the registers differ from the recording:%s%s",
					       (unsigned long long)p->count, (unsigned long long)p->addr,
					       reg_diff(&t->regs, &p->regs, diff, sizeof diff),
					       fpregs_hash(t->tid) != p->fphash ? " (and x87/SSE state)" : "");
		return 0;
	}
	return p->kind == PREEMPT_COUNTED ? counted(s, t, p) : matched(s, t, p);
}
