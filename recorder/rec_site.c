/* rec_site.c - counting sites in rec (see common/site.h): each address
 * space's table, installing a site at a state-matched point (an mmap
 * injected at a syscall instruction of the program for a new site page),
 * and ending a turn at the next site its thread passes. */
#include "rec.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/patch.h"
#include "../common/ptrace_util.h"

struct rec_space *rec_space_new(const struct rec_space *from)
{
	struct rec_space *sp = calloc(1, sizeof *sp);
	if (!sp)
		return NULL;
	if (from) {
		sp->sites = from->sites;
		sp->syscall_insn = from->syscall_insn;
		sp->il = from->il;
		sp->patches = from->patches;
		sp->shared_mem = from->shared_mem;
		sp->shared_ro = from->shared_ro;
		sp->il_noted = from->il_noted; /* (a fork's child: its ring is the parent's, drained) */
		sp->il_ring_fix = from->ring ? 1 : from->il_ring_fix;
	}
	sp->refs = 1;
	sp->memfd = -1;
	sp->mapsfd = -1;
	return sp;
}

void rec_space_put(struct rec_space *sp)
{
	if (!sp || --sp->refs > 0)
		return;
	if (sp->memfd >= 0)
		close(sp->memfd);
	if (sp->mapsfd >= 0)
		close(sp->mapsfd);
	rec_ring_put(sp->ring);
	free(sp);
}

void rec_space_note_syscall(struct rec_task *t, uint64_t rip)
{
	uint8_t b[2];
	if (t->space && !t->space->syscall_insn && mem_read(t->tid, rip - 2, b, 2) == 2 && b[0] == 0x0f && b[1] == 0x05)
		t->space->syscall_insn = rip - 2;
}

void rec_site_syscall_done(struct rec_task *t, long nr, const uint64_t args[6], int64_t result)
{
	if (t->space && t->space->sites.npages)
		site_syscall_forget(&t->space->sites, nr, args, result);
}

static int space_memfd(struct rec_task *t)
{
	if (t->space->memfd < 0)
		t->space->memfd = mem_open(t->tid);
	return t->space->memfd;
}


int rec_inject(struct rec_task *t, uint64_t insn_at, long nr, const uint64_t args[6], int64_t *result)
{
	struct user_regs_struct save, r;
	uint8_t insn[2];
	int status, ret = regs_get(t->tid, &save), req = PTRACE_CONT, done = 0;
	if (ret)
		return ret;
	if (mem_read(t->tid, insn_at, insn, 2) != 2 || insn[0] != 0x0f || insn[1] != 0x05)
		return -EFAULT;
	r = save;
	r.rip = insn_at;
	r.rax = (unsigned long long)nr;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	if ((ret = regs_set(t->tid, &r)))
		return ret;
	for (int i = 0; i < 32 && !ret; i++) {
		if (ptrace(req, t->tid, 0, 0) < 0)
			return -errno;
		if ((ret = tracee_wait_stop(t->tid, &status, NULL)))
			return ret;
		int ev = status >> 16, sig = WSTOPSIG(status);
		if (done && ev == PTRACE_EVENT_STOP)
			return 0;
		if (ev == PTRACE_EVENT_STOP && sig == SIGTRAP)
			continue; /* an earlier interrupt of rec's: nothing ran */
		if (ev == PTRACE_EVENT_SECCOMP) {
			req = PTRACE_SYSCALL;
		} else if (ev == 0 && sig == (SIGTRAP | 0x80) && !done) {
			if ((ret = regs_get(t->tid, &r)))
				return ret;
			*result = (int64_t)r.rax;
			/* Back where it was, at an interrupt stop: nothing runs. */
			if (!(ret = regs_set(t->tid, &save)) && ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
				ret = -errno;
			done = 1;
			req = PTRACE_CONT;
		} else if (ev == 0) {
			siginfo_t si;
			if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
				return -errno;
			if (!done && rec_sig_is_sync(&si)) {
				/* its own fault at our syscall instruction: dropped */
				return regs_set(t->tid, &save) ? -EIO : -EFAULT;
			}
			/* from elsewhere: delivered at its next preemption point */
			ret = rec_hold_async(t, sig, &si);
		} else {
			ret = -EPROTO;
		}
	}
	return ret ? ret : -EPROTO;
}

int rec_inject_page(struct rec_task *t, uint64_t at)
{
	const uint64_t args[6] = {at, SITE_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0};
	int64_t res = 0;
	int ret = rec_inject(t, t->space->syscall_insn, SYS_mmap, args, &res);
	if (ret == -EFAULT)
		t->space->syscall_insn = 0; /* unmapped or rewritten since: another one is found at the next syscall */
	if (ret || (uint64_t)res == at)
		return ret;
	/* taken meanwhile (MAP_FIXED_NOREPLACE): no page */
	return res < 0 && res > -4096 ? -EEXIST : -EPROTO;
}

int rec_thread_inside(struct rec_session *s, struct rec_task *t, uint64_t at, size_t len)
{
	for (struct rec_task *o = s->tasks; o; o = o->next) {
		struct user_regs_struct r;
		if (o != t && o->space == t->space && !regs_get(o->tid, &r) && r.rip > at && r.rip < at + len)
			return 1;
	}
	return 0;
}

/* Makes the run at `at` (in the code window win) a site if it can be
 * one, and records that; 1 if it did, 0 if not, -errno on error. */
static int install_at(struct rec_session *s, struct rec_task *t, struct site_win *w, uint64_t at)
{
	const uint8_t *win = w->code;
	size_t wlen = w->len;
	uint64_t wstart = w->start;
	struct site_table *tab = &t->space->sites;
	uint8_t slot[SITE_SLOT], jump[SITE_CODE];
	size_t len = site_win_patchable(w, at, 1);
	if (!len || site_covers(tab, at) || site_covers(tab, at + len - 1) || site_page_of(tab, at) >= 0 ||
	    rec_thread_inside(s, t, at, len))
		return 0;
	const uint8_t *code = win + (at - wstart);
	int pg = site_page_for(tab, at), fd = space_memfd(t), ret;
	uint64_t base = pg >= 0 ? tab->page[pg].base : site_free_page_near(t->tid, at);
	if (fd < 0 || !base || (pg < 0 && tab->npages == SITE_MAX_PAGES))
		return 0;
	if (pg < 0) {
		uint64_t init = SITE_REM_INIT;
		ret = rec_inject_page(t, base);
		if (ret == -EFAULT || ret == -EEXIST)
			return 0; /* no site this time */
		if (ret || (ret = mem_write(fd, base, &init, sizeof init)))
			goto fail;
	}
	int k = site_add(tab, pg, base, at, code, len);
	if (k < 0)
		return 0;
	/* Without --chaos the slot runs the loop around the site when there
	 * is one (--chaos keeps its extra sites along the loop in play). */
	int flags = s->chaos ? 0 : SITE_LOOP;
	if ((ret = site_slot_build(slot, base, k, at, len, win, wlen, wstart, flags)) && flags)
		ret = site_slot_build(slot, base, k, at, len, win, wlen, wstart, flags = 0); /* no loop there */
	if (ret || (ret = site_jump(jump, at, len, base + SITE_SLOT * (uint64_t)(k + 1))) ||
	    (ret = mem_write(fd, base + SITE_SLOT * (uint64_t)(k + 1), slot, sizeof slot)) ||
	    (ret = mem_write(fd, at, jump, len)))
		goto fail;
	struct trace_site rec = {.tid = (uint32_t)t->tid, .len = (uint32_t)len, .flags = (uint32_t)flags, .page = base,
				 .addr = at};
	memcpy(rec.code, code, len);
	s->nsites++;
	ret = trace_put_site(&s->w, &rec);
	return ret ? ret : 1;
fail:
	rec_fail(s, "thread %d: cannot make %#llx a counting site: %s", t->tid, (unsigned long long)at, strerror(-ret));
	return ret;
}

int rec_site_install(struct rec_session *s, struct rec_task *t, int more)
{
	struct user_regs_struct r;
	if (!t->space || !t->space->syscall_insn || regs_get(t->tid, &r))
		return 0;
	struct site_win *w = malloc(sizeof *w);
	if (!w)
		return -ENOMEM;
	w->len = 0; /* read once for all the runs asked about */
	w->cache = &s->sweeps;
	size_t wlen = site_win_read(w, t->tid, r.rip);
	const uint8_t *win = w->code;
	uint64_t wstart = w->start;
	if (!wlen || !site_code_is_file(t->tid, r.rip)) {
		free(w);
		return 0;
	}
	/* Without --chaos a loop gets one site: right after the loop's first
	 * load when it can (its turns then end with a loaded value held: a
	 * read-modify-write race window open, as a timer interrupt would leave
	 * it), not where the thread happened to be. */
	struct patch_loop lp;
	int ret = 0;
	if (!s->chaos && !more && patch_loop_find(win, wlen, wstart, r.rip, &lp)) {
		uint64_t at = patch_loop_after_load(win, wlen, wstart, &lp);
		size_t len = at ? site_win_patchable(w, at, 1) : 0;
		if (len && !(r.rip > at && r.rip < at + len))
			ret = install_at(s, t, w, at); /* (t stopped inside it would be cut) */
	}
	if (!ret)
		ret = install_at(s, t, w, r.rip);
	/* More sites further down the same straight line of code: a count
	 * then ends a turn at one of several places of the loop (inside a
	 * race's window, between a load and its store, among them). */
	uint64_t a = r.rip;
	for (int made = 0, i = 0; more && ret >= 0 && made < more && i < 48; i++) {
		unsigned id, size;
		if (a < wstart || a - wstart >= wlen || disasm_one(win + (a - wstart), wlen - (a - wstart), a, &id, &size))
			break;
		if (disasm_ends_line(id))
			break;
		a += size;
		if (a != r.rip && (ret = install_at(s, t, w, a)) > 0)
			made++;
	}
	free(w);
	return ret < 0 ? ret : 0;
}

int rec_site_catch_arm(struct rec_task *t, uint64_t n)
{
	struct site_table *tab = t->space ? &t->space->sites : NULL;
	int fd = tab && tab->npages ? space_memfd(t) : -1;
	if (fd < 0 || !n)
		return 0;
	for (int i = 0; i < tab->npages; i++) {
		if (mem_read(t->tid, tab->page[i].base, &t->site_saved[i], 8) != 8 || t->site_saved[i] <= n ||
		    mem_write(fd, tab->page[i].base, &n, 8))
			return -EIO;
	}
	t->site_armed = n;
	t->site_catching = 1;
	return 1;
}

/* Reads the counter of every site page of t's address space into cur.
 * Returns 0 or -EIO. */
static int read_counters(struct rec_task *t, uint64_t cur[SITE_MAX_PAGES])
{
	const struct site_table *tab = &t->space->sites;
	for (int i = 0; i < tab->npages; i++)
		if (mem_read(t->tid, tab->page[i].base, &cur[i], 8) != 8)
			return -EIO;
	return 0;
}

/* Puts every page's counter (now cur) back to what it would be without
 * the catch: less the passes its sites made meanwhile (what the armed
 * value lost), less one more for the page hit (-1: none; its trap's pass
 * is taken again from the site). Returns 0 or -errno. */
static int restore(struct rec_task *t, int hit, const uint64_t cur[SITE_MAX_PAGES])
{
	struct site_table *tab = &t->space->sites;
	int fd = space_memfd(t);
	t->site_catching = 0;
	for (int i = 0; i < tab->npages; i++) {
		/* the hit page's counter went 1 -> 0 at its trap: that pass is
		 * made again when the thread resumes at the site */
		uint64_t v = t->site_saved[i] - (t->site_armed - cur[i]) + (i == hit);
		if (fd < 0 || mem_write(fd, tab->page[i].base, &v, 8))
			return -EIO;
	}
	return 0;
}

int rec_site_catch_hit(struct rec_task *t, struct user_regs_struct *regs, uint64_t *page, uint64_t *count)
{
	int pg;
	uint64_t site, cur[SITE_MAX_PAGES];
	if (!t->space || !site_is_trap(&t->space->sites, regs->rip, &pg, &site))
		return 0;
	if (!t->site_catching)
		return -EPROTO; /* a counter at zero that rec did not set */
	if (read_counters(t, cur))
		return -EIO;
	*page = t->space->sites.page[pg].base;
	*count = SITE_REM_INIT - t->site_saved[pg] + (t->site_armed - cur[pg]);
	/* back at the site, before its count-th execution (see site.h) */
	regs->rip = site;
	int r = restore(t, pg, cur);
	if (!r)
		r = regs_set(t->tid, regs);
	return r ? r : 1;
}

int rec_site_catch_cancel(struct rec_task *t)
{
	uint64_t cur[SITE_MAX_PAGES];
	if (read_counters(t, cur))
		return -EIO;
	for (int i = 0; i < t->space->sites.npages; i++)
		if (cur[i] == 0)
			return 1; /* interrupted between a slot's decrement and its trap */
	return restore(t, -1, cur);
}
