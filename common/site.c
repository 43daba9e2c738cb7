/* site.c - counting sites (see site.h): which instructions qualify, the
 * slot code, and the table of an address space's sites. */
#include "site.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "patch.h"
#include "ptrace_util.h"

#define HIT_OFF (SITE_SLOT - 48) /* the int3 of every slot (then the run and the jump back: 45 bytes) */
#define HEAD 14 /* sub qword [rip + counter], 1; jz hit (rel32) */

size_t site_window(int tid, uint64_t addr, uint8_t win[SITE_WIN], uint64_t *wstart)
{
	const uint64_t page = addr & ~(SITE_PAGE - 1);
	for (uint64_t back = SITE_PAGE;; back = 0) {
		long n = mem_read(tid, page - back, win, SITE_WIN);
		if (n > (long)(addr - (page - back))) {
			*wstart = page - back;
			return (size_t)n;
		}
		if (!back)
			return 0;
	}
}

_Static_assert(SITE_WIN <= PATCH_SWEEP_MAX, "a site window is swept whole");

/* The run at addr if it has the shape of a patchable one (before the
 * sweep's question), else 0. */
static size_t run_len(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t addr, int flags_dead)
{
	if (addr < wstart || addr >= wstart + wlen)
		return 0;
	const uint8_t *code = win + (addr - wstart);
	size_t n = wlen - (addr - wstart);
	size_t len = patch_site_len(code, n < 64 ? n : 64, addr);
	if (!len || len > SITE_CODE || (flags_dead && !patch_flags_dead(code, n < 256 ? n : 256, addr)))
		return 0;
	return len;
}

size_t site_patchable(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t addr, int flags_dead)
{
	size_t len = run_len(win, wlen, wstart, addr, flags_dead);
	return len && patch_run_safe(win, wlen, wstart, addr, len) ? len : 0;
}

size_t site_win_read(struct site_win *w, int tid, uint64_t addr)
{
	uint64_t page = addr & ~(SITE_PAGE - 1);
	if (w->len && w->page == page)
		return w->len;
	w->page = page;
	w->len = site_window(tid, addr, w->code, &w->start);
	return w->len;
}

size_t site_win_patchable(struct site_win *w, uint64_t addr, int flags_dead)
{
	size_t len = run_len(w->code, w->len, w->start, addr, flags_dead);
	const struct patch_sweep *sw = len ? patch_sweep_cached(w->cache, w->code, w->len, w->start, &w->own) : NULL;
	return sw && patch_sweep_safe(sw, addr, len) ? len : 0;
}

int site_jump(uint8_t out[SITE_CODE], uint64_t addr, size_t len, uint64_t slot)
{
	memset(out, 0x90, SITE_CODE);
	return len > SITE_CODE ? -EINVAL : patch_jump(out, addr, slot);
}

/* Writes the loop lp around the site at addr into out (the slot at
 * address slot), after its head: from the site to the loop's branch, out
 * when the branch falls through, from the loop's top to the site again;
 * as many copies as fit (SITE_UNROLL at most), then back to the head.
 * Returns 0 or -errno. */
static int slot_loop(uint8_t out[SITE_SLOT], uint64_t slot, uint64_t addr, const struct patch_loop *lp,
		     const uint8_t *win, uint64_t wstart)
{
	size_t o = HEAD, n, exits[SITE_UNROLL];
	int copies = 0, r;
	while (copies < SITE_UNROLL) {
		size_t start = o;
		if (patch_relocate_line(win + (addr - wstart), lp->brk - addr, addr, slot + o, out + o, HIT_OFF - o, &n))
			break;
		o += n;
		if (lp->cond >= 0) {
			/* the branch inverted: leaving the loop leaves the slot */
			if (o + 6 > HIT_OFF) {
				o = start;
				break;
			}
			out[o] = 0x0f, out[o + 1] = (uint8_t)(0x80 | (lp->cond ^ 1));
			exits[copies] = o + 2;
			o += 6;
		}
		/* then round to the site again, room left for the jumps back to
		 * the head and out */
		if (patch_relocate_line(win + (lp->top - wstart), addr - lp->top, lp->top, slot + o, out + o, HIT_OFF - o,
					&n) ||
		    o + n + 2 * PATCH_JMP_LEN > HIT_OFF) {
			o = start;
			break;
		}
		o += n;
		copies++;
	}
	if (!copies)
		return -EINVAL;
	if ((r = patch_jump(out + o, slot + o, slot)))
		return r;
	o += PATCH_JMP_LEN;
	for (int i = 0; i < copies && lp->cond >= 0; i++)
		if ((r = patch_rel32(slot + exits[i] + 4, slot + o, out + exits[i])))
			return r;
	return patch_jump(out + o, slot + o, lp->end);
}

int site_slot_build(uint8_t out[SITE_SLOT], uint64_t base, int k, uint64_t addr, size_t len, const uint8_t *win,
		    size_t wlen, uint64_t wstart, int flags)
{
	const uint64_t slot = base + (uint64_t)SITE_SLOT * (uint64_t)(k + 1);
	struct patch_loop lp;
	int r;
	if (k < 0 || k >= SITE_PER_PAGE || len < PATCH_JMP_LEN || len > SITE_CODE || addr < wstart ||
	    addr - wstart > wlen || wlen - (addr - wstart) < len)
		return -EINVAL;
	const uint8_t *code = win + (addr - wstart);
	memset(out, 0xcc, SITE_SLOT);
	/* sub qword [rip + counter], 1; jz hit */
	out[0] = 0x48, out[1] = 0x83, out[2] = 0x2d, out[7] = 0x01;
	if ((r = patch_rel32(slot + 8, base, out + 3)))
		return r;
	out[8] = 0x0f, out[9] = 0x84;
	if ((r = patch_rel32(slot + HEAD, slot + HIT_OFF, out + 10)))
		return r;
	if (flags & SITE_LOOP) {
		if (!patch_loop_find(win, wlen, wstart, addr, &lp) || (r = slot_loop(out, slot, addr, &lp, win, wstart)))
			return -EINVAL;
	}
	/* the run, then back (after the head, unless the loop is there) and
	 * after the trap */
	for (int i = !!(flags & SITE_LOOP); i < 2; i++) {
		size_t n, at = i ? HIT_OFF + 1 : HEAD;
		if ((r = patch_relocate(code, len, addr, slot + at, out + at, &n)))
			return r;
		if (at + n + PATCH_JMP_LEN > (i ? SITE_SLOT : HIT_OFF))
			return -EINVAL;
		if ((r = patch_jump(out + at + n, slot + at + n, addr + len)))
			return r;
	}
	return 0;
}

static int in_reach(uint64_t base, uint64_t addr)
{
	uint64_t d = base > addr ? base - addr : addr - base;
	return d < (1ull << 31) - 2 * SITE_PAGE;
}

int site_page_for(const struct site_table *tab, uint64_t addr)
{
	for (int i = 0; i < tab->npages; i++)
		if (tab->page[i].n < SITE_PER_PAGE && in_reach(tab->page[i].base, addr))
			return i;
	return -1;
}

int site_page_of(const struct site_table *tab, uint64_t addr)
{
	for (int i = 0; i < tab->npages; i++)
		if (addr >= tab->page[i].base && addr < tab->page[i].base + SITE_PAGE)
			return i;
	return -1;
}

int site_covers(const struct site_table *tab, uint64_t addr)
{
	for (int i = 0; i < tab->npages; i++)
		for (int k = 0; k < tab->page[i].n; k++)
			if (addr >= tab->page[i].site[k] && addr < tab->page[i].site[k] + tab->page[i].len[k])
				return 1;
	return 0;
}

int site_is_trap(const struct site_table *tab, uint64_t rip, int *page, uint64_t *site)
{
	int i = site_page_of(tab, rip);
	if (i < 0)
		return 0;
	uint64_t off = rip - tab->page[i].base;
	int k = (int)(off / SITE_SLOT) - 1;
	if (k < 0 || k >= tab->page[i].n || off % SITE_SLOT != HIT_OFF + 1)
		return 0;
	*page = i;
	*site = tab->page[i].site[k];
	return 1;
}

int site_add(struct site_table *tab, int pg, uint64_t base, uint64_t addr, const uint8_t *code, size_t len)
{
	if (len > SITE_CODE || len < PATCH_JMP_LEN)
		return -EINVAL;
	if (pg < 0) {
		if (tab->npages == SITE_MAX_PAGES)
			return -ENOSPC;
		pg = tab->npages++;
		memset(&tab->page[pg], 0, sizeof tab->page[pg]);
		tab->page[pg].base = base;
	}
	struct site_page *p = &tab->page[pg];
	if (p->n == SITE_PER_PAGE)
		return -ENOSPC;
	p->site[p->n] = addr;
	p->len[p->n] = (uint8_t)len;
	memcpy(p->code[p->n], code, len);
	return p->n++;
}

void site_forget(struct site_table *tab, uint64_t a, uint64_t b)
{
	for (int i = 0; i < tab->npages; i++) {
		struct site_page *p = &tab->page[i];
		int gone = a < p->base + SITE_PAGE && b > p->base;
		for (int k = 0; k < p->n && !gone; k++)
			gone = a < p->site[k] + p->len[k] && b > p->site[k];
		if (!gone)
			continue;
		/* The whole page goes: its counter and the others' slots
		 * stay consistent only as a whole (rare: dlclose, JIT). */
		memmove(&tab->page[i], &tab->page[i + 1], (size_t)(tab->npages - i - 1) * sizeof *p);
		tab->npages--;
		i--;
	}
}

int site_syscall_replaced(long nr, const uint64_t args[6], int64_t result, uint64_t r[2][2])
{
	if (result < 0 && result > -4096)
		return 0;
	if (nr == SYS_munmap) {
		r[0][0] = args[0], r[0][1] = args[0] + args[1];
		return 1;
	}
	if (nr == SYS_mmap && (args[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		r[0][0] = (uint64_t)result, r[0][1] = (uint64_t)result + args[1];
		return 1;
	}
	if (nr == SYS_mremap) {
		r[0][0] = args[0], r[0][1] = args[0] + args[1];
		r[1][0] = (uint64_t)result, r[1][1] = (uint64_t)result + args[2];
		return 2;
	}
	return 0;
}

void site_syscall_forget(struct site_table *tab, long nr, const uint64_t args[6], int64_t result)
{
	uint64_t r[2][2];
	for (int i = 0, n = site_syscall_replaced(nr, args, result, r); i < n; i++)
		site_forget(tab, r[i][0], r[i][1]);
}

int site_code_is_file(int tid, uint64_t addr)
{
	struct map_range m;
	return maps_find(tid, addr, &m) == 1 && m.inode != 0 && m.perms[1] != 'w' && m.perms[2] == 'x';
}

struct gap_ctx {
	uint64_t site, prev_end, best;
};

static uint64_t dist(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* Considers the gap [prev_end, start), one guard page kept on each side. */
static void gap(struct gap_ctx *c, uint64_t start)
{
	const uint64_t reach = 1ull << 30, lo = c->site > reach ? c->site - reach : 0x10000, hi = c->site + reach;
	if (start > c->prev_end + 3 * SITE_PAGE) {
		uint64_t g0 = c->prev_end + SITE_PAGE, g1 = start - 2 * SITE_PAGE;
		uint64_t x = c->site < g0 ? g0 : c->site > g1 ? g1 : c->site & ~(SITE_PAGE - 1);
		if (x >= lo && x <= hi && (!c->best || dist(x, c->site) < dist(c->best, c->site)))
			c->best = x;
	}
}

static int gap_map(void *ctx, const struct map_range *m)
{
	struct gap_ctx *c = ctx;
	gap(c, m->start);
	c->prev_end = m->end;
	return 0;
}

uint64_t site_free_page_near(int tid, uint64_t addr)
{
	struct gap_ctx c = {addr, 0x10000, 0};
	if (maps_foreach(tid, gap_map, &c))
		return 0;
	gap(&c, 0x7ffffffff000ull);
	return c.best;
}
