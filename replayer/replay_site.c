/* replay_site.c - counting sites in replay (see common/site.h): a site
 * record makes the same instruction a site, in the same slot of the same
 * page, as rec did at that point; a site-counted preemption sets the
 * page's counter to what is left to the recorded count and runs the
 * thread to the trap. */
#include "replay.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../common/patch.h"

int replay_site_install(struct replay_session *s, struct replay_task *t, const struct trace_site *si)
{
	struct site_table *tab = &t->space->sites;
	uint8_t win[SITE_WIN], slot[SITE_SLOT], jump[SITE_CODE];
	uint64_t wstart;
	int r;
	if (t->at_syscall || t->in_clone)
		return replay_diverged(s, t, "a counting site recorded inside a syscall");
	size_t wlen = site_window(t->tid, si->addr, win, &wstart);
	const uint8_t *code = win;
	if (wlen && si->addr >= wstart && si->addr - wstart <= wlen - si->len)
		code = win + (si->addr - wstart);
	else
		wlen = 0; /* (the window, when there is one, holds addr) */
	if (!wlen || memcmp(code, si->code, si->len))
		return replay_diverged(s, t, "the code at %#llx differs from the recording's: it cannot be a counting site",
				       (unsigned long long)si->addr);
	if (site_patchable(win, wlen, wstart, si->addr, 1) != si->len || site_covers(tab, si->addr) ||
	    site_page_of(tab, si->addr) >= 0 || replay_thread_inside(s, t, si->addr, si->len) ||
	    !site_code_is_file(t->tid, si->addr))
		return replay_diverged(s, t, "the code at %#llx cannot be a counting site", (unsigned long long)si->addr);
	int pg = site_page_of(tab, si->page);
	if (pg >= 0 && tab->page[pg].base != si->page)
		return replay_diverged(s, t, "a site page at %#llx overlaps another", (unsigned long long)si->page);
	if (pg < 0) {
		/* A new page, where rec mapped it (free in replay too: the same
		 * mappings, the stub's aside). */
		uint64_t args[6] = {si->page, SITE_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0};
		uint64_t init = SITE_REM_INIT;
		int64_t res;
		if (tab->npages == SITE_MAX_PAGES)
			return replay_diverged(s, t, "more site pages than rec makes");
		if ((r = replay_inject(t, t->gadget, SYS_mmap, args, &res, 0)))
			return r == -EPROTO ? replay_diverged(s, t, "the mmap of a site page did not run as set up") : r;
		if ((uint64_t)res != si->page)
			return replay_diverged(s, t, "cannot map a site page at %#llx (%lld)", (unsigned long long)si->page,
					       (long long)res);
		if ((r = mem_write(t->memfd, si->page, &init, sizeof init)))
			return r;
	}
	int k = site_add(tab, pg, si->page, si->addr, code, si->len);
	if (k < 0)
		return replay_diverged(s, t, "the site page at %#llx is full", (unsigned long long)si->page);
	const uint64_t at = si->page + SITE_SLOT * (uint64_t)(k + 1);
	if (site_slot_build(slot, si->page, k, si->addr, si->len, win, wlen, wstart, (int)si->flags) ||
	    site_jump(jump, si->addr, si->len, at))
		return replay_diverged(s, t, "cannot make the slot of the site at %#llx (page %#llx)",
				       (unsigned long long)si->addr, (unsigned long long)si->page);
	if ((r = mem_write(t->memfd, at, slot, sizeof slot)) || (r = mem_write(t->memfd, si->addr, jump, si->len)))
		return r;
	return 0;
}

int replay_thread_inside(struct replay_session *s, struct replay_task *t, uint64_t at, size_t len)
{
	for (struct replay_task *o = s->tasks; o; o = o->next) {
		struct user_regs_struct r;
		if (o != t && o->alive && o->space == t->space && !regs_get(o->tid, &r) && r.rip > at && r.rip < at + len)
			return 1;
	}
	return 0;
}

int replay_site_preempt(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	struct site_table *tab = &t->space->sites;
	int pg = site_page_of(tab, p->addr), status, hit;
	uint64_t rem;
	if (pg < 0 || tab->page[pg].base != p->addr)
		return replay_diverged(s, t, "a preemption counted at a site page %#llx that does not exist",
				       (unsigned long long)p->addr);
	if (mem_read(t->tid, p->addr, &rem, 8) != 8)
		return replay_diverged(s, t, "cannot read the counter of the site page at %#llx", (unsigned long long)p->addr);
	const uint64_t done = SITE_REM_INIT - rem;
	if (rem > SITE_REM_INIT || p->count <= done || p->count - done > SITE_REM_INIT / 2)
		return replay_diverged(s, t, "the site page at %#llx has counted %llu executions, the point is at %llu",
				       (unsigned long long)p->addr, (unsigned long long)done, (unsigned long long)p->count);
	uint64_t left = p->count - done, after = SITE_REM_INIT - (p->count - 1), site;
	int r = mem_write(t->memfd, p->addr, &left, 8);
	if (r)
		return r;
	int k = replay_run_task(t, &status);
	if (k < 0)
		return k;
	if (k == STOP_GONE)
		replay_task_gone(s, t);
	if (t->alive && (r = mem_write(t->memfd, p->addr, &after, 8)))
		return r;
	if (k != STOP_SIGNAL || WSTOPSIG(status) != SIGTRAP)
		return replay_diverged(s, t, "expected execution %llu of the sites of page %#llx, got %s",
				       (unsigned long long)p->count, (unsigned long long)p->addr,
				       k == STOP_SYSCALL ? "a syscall" : k == STOP_SIGNAL ? "a signal" : "the thread's end");
	if ((r = regs_get(t->tid, &t->regs)))
		return r;
	if (!site_is_trap(tab, t->regs.rip, &hit, &site) || hit != pg)
		return replay_diverged(s, t, "a trap at %#llx on the way to execution %llu of the sites of page %#llx",
				       t->regs.rip, (unsigned long long)p->count, (unsigned long long)p->addr);
	t->regs.rip = site; /* before that execution, as rec left it */
	return regs_set(t->tid, &t->regs); /* the registers are compared by the caller */
}

void replay_site_syscall_done(struct replay_task *t, const struct trace_syscall *sc)
{
	if (t->space && t->space->sites.npages)
		site_syscall_forget(&t->space->sites, sc->nr, sc->args, sc->result);
}
