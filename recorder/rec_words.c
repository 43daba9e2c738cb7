/* rec_words.c - the filter words of a state-matched point: memory words
 * that, with the registers, tell apart the passes of a thread through the
 * point's instruction, so replay's trampoline traps (and hashes memory)
 * at few of them. An interpreter's loop passes the same registers at
 * every bytecode with only memory moving on; a word that changed between
 * two passes (a loop index, a counter) is what differs. Found by
 * comparing a snapshot of the writable memory at the first pass with the
 * memory at the point. */
#include "rec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/inproc.h"
#include "../common/ptrace_util.h"

#define SNAP_MAX (256u << 20) /* larger programs go without a memory diff */
#define SNAP_GAP 16           /* untouched pages that end a run of touched ones in a snapshot */

struct snap_ctx {
	struct rec_snap *sn;
	pid_t tid;
	int err;
	int pm; /* the process's pagemap, or -1 */
};

/* Appends [start, start + len) of c's process to its snapshot as one
 * entry; 0 or -errno (E2BIG: too much, the snapshot is dropped). */
static int snap_add(struct snap_ctx *c, uint64_t start, size_t len)
{
	struct rec_snap *sn = c->sn;
	if (sn->data.len + len > SNAP_MAX || sn->n == REC_SNAP_MAPS)
		return c->err = -E2BIG;
	if ((c->err = buf_reserve(&sn->data, len)))
		return c->err;
	long got = mem_read(c->tid, start, sn->data.p + sn->data.len, len);
	sn->map[sn->n].start = start;
	sn->map[sn->n].len = got > 0 ? (size_t)got : 0;
	sn->map[sn->n].off = sn->data.len;
	sn->data.len += sn->map[sn->n++].len;
	return 0;
}

#define SNAP_SCAN_MAX (64ull << 30) /* without PAGEMAP_SCAN, larger mappings are left out */

/* snap_map's pagemap walk for a kernel without PAGEMAP_SCAN, page by page. */
static int snap_pages(struct snap_ctx *c, const struct map_range *m)
{
	uint64_t ent[256], run = 0, gap = 0;
	if (m->end - m->start > SNAP_SCAN_MAX)
		return 0;
	for (uint64_t a = m->start; a < m->end;) {
		size_t n = (m->end - a) / 4096 < 256 ? (m->end - a) / 4096 : 256;
		if (pread(c->pm, ent, n * 8, (off_t)(a / 4096 * 8)) != (ssize_t)(n * 8))
			return snap_add(c, run ? run : a, m->end - (run ? run : a));
		for (size_t i = 0; i < n; i++, a += 4096) {
			if ((ent[i] >> 62) != 0) { /* touched (present or swapped) */
				if (!run)
					run = a;
				gap = 0;
			} else if (run && !gap) {
				gap = a;
			} else if (run && a + 4096 - gap >= SNAP_GAP * 4096) {
				if (snap_add(c, run, gap - run))
					return c->err;
				run = gap = 0;
			}
		}
	}
	return run ? snap_add(c, run, (gap ? gap : m->end) - run) : 0;
}

static int snap_map(void *ctx, const struct map_range *m)
{
	struct snap_ctx *c = ctx;
	if (m->perms[0] != 'r' || m->perms[1] != 'w')
		return 0;
	/* The in-process library's control page, stack and ring: 2 MiB that
	 * rec_snap_words leaves out (mem_skip_inproc) */
	if (m->start >= IL_BASE + IL_CTL_OFF && m->end <= IL_BASE + IL_MAP_SIZE)
		return 0;
	if (m->inode != 0 || m->perms[3] != 'p' || c->pm < 0 || (m->start & 4095) || (m->end & 4095))
		return snap_add(c, m->start, m->end - m->start);
	/* Private anonymous memory: only its touched pages (a Go heap is
	 * mostly untouched, read as zeros: 40 of its 50 MiB here; ASan's
	 * shadow is terabytes of it), in runs that gaps of fewer than
	 * SNAP_GAP untouched pages do not break (the entries are few). A page
	 * touched after the snapshot is left out of the diff: its words are
	 * not filter words, which only spares replay some traps. */
	struct mem_range r[64];
	uint64_t next, run = 0, run_end = 0;
	for (uint64_t a = m->start; a < m->end; a = next) {
		long n = mem_touched(c->pm, a, m->end, r, 64, &next);
		if (n < 0)
			return snap_pages(c, m);
		for (long i = 0; i < n; i++) {
			if (run && r[i].a - run_end >= SNAP_GAP * 4096) {
				if (snap_add(c, run, run_end - run))
					return c->err;
				run = 0;
			}
			if (!run)
				run = r[i].a;
			run_end = r[i].b;
		}
		if (next <= a)
			break;
	}
	return run ? snap_add(c, run, run_end - run) : 0;
}

void rec_snap_take(struct rec_snap *sn, pid_t tid)
{
	struct snap_ctx c = {sn, tid, 0, mem_pagemap_open(tid)};
	sn->data.len = 0;
	sn->n = 0;
	sn->tid = 0;
	if (!maps_foreach(tid, snap_map, &c) && !c.err)
		sn->tid = tid;
	if (c.pm >= 0)
		close(c.pm);
}

/* Keeps the best n words (best score first) in w. */
static void consider(struct preempt_word *w, uint64_t *score, size_t max, size_t *n, uint64_t addr, uint64_t val,
		     uint64_t sc)
{
	size_t i;
	if (*n < max)
		i = (*n)++;
	else if (score[max - 1] <= sc)
		return;
	else
		i = max - 1;
	while (i > 0 && score[i - 1] > sc) {
		w[i] = w[i - 1];
		score[i] = score[i - 1];
		i--;
	}
	w[i].addr = addr;
	w[i].val = val;
	score[i] = sc;
}

/* The mappings of a process, to tell addresses from counters. */
struct ranges {
	size_t n;
	struct { uint64_t a, b; } r[REC_SNAP_MAPS];
};

static int add_range(void *ctx, const struct map_range *m)
{
	struct ranges *g = ctx;
	if (g->n < REC_SNAP_MAPS) {
		g->r[g->n].a = m->start;
		g->r[g->n++].b = m->end;
	}
	return 0;
}

/* 1 if v is an address in one of g's mappings (in address order). */
static int is_address(const struct ranges *g, uint64_t v)
{
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v < g->r[mid].a)
			hi = mid;
		else if (v >= g->r[mid].b)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

size_t rec_snap_words(const struct rec_snap *sn, pid_t tid, const struct mem_skip *k, const struct site_table *sites,
		      struct preempt_word *w, size_t max)
{
	uint64_t score[PREEMPT_WORDS];
	uint64_t *now = malloc(1u << 20);
	struct ranges *g = calloc(1, sizeof *g);
	size_t n = 0;
	if (!now || !g || sn->tid != tid || max > PREEMPT_WORDS)
		goto out;
	maps_foreach(tid, add_range, g);
	for (size_t m = 0; m < sn->n; m++) {
		const uint64_t *old = (const uint64_t *)(sn->data.p + sn->map[m].off);
		for (size_t done = 0; done + 8 <= sn->map[m].len;) {
			size_t chunk = sn->map[m].len - done < (1u << 20) ? sn->map[m].len - done : (1u << 20);
			uint64_t base = sn->map[m].start + done;
			long got = mem_read(tid, base, now, chunk);
			if (got < 8)
				break;
			for (size_t i = 0; i < (size_t)got / 8; i++) {
				uint64_t o = old[done / 8 + i], v = now[i], a = base + 8 * i;
				if (o == v || mem_skip_covers(k, a, 8) || (sites && site_page_of(sites, a) >= 0))
					continue;
				/* A counter holds a small number and moves on, the
				 * more passes apart the more; pointers and hashes
				 * are large numbers. A reference count goes up and
				 * down: it moves least. */
				uint64_t d = v > o ? v - o : o - v;
				/* Counters first: up, not to 0 (a pointer cleared, a
				 * flag reset: the same at most passes), and not an
				 * address (a non-PIE program's are small numbers). */
				if (v < (1ull << 32) && !is_address(g, v))
					consider(w, score, max, &n, a, v, (v > o ? 0 : 1ull << 63) | ((UINT64_MAX >> 1) - (d >> 1)));
			}
			done += (size_t)got & ~(size_t)7;
		}
	}
out:
	free(now);
	free(g);
	return n;
}
