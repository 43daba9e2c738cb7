/* gdb_cov.c - what replay learned of gdb's breakpoints and watchpoints over
 * the history, so that reverse-continue need not replay what cannot hold a
 * hit. The replay is deterministic: when the code between two events (a
 * segment: the code one thread runs after event e-1 up to and including
 * event e) ran once, in any run forward or back, with a breakpoint armed at
 * every resume of the process gdb shows, and nothing arrived there, it
 * never will; the same for a watchpoint (its debug register, and the
 * watched bytes unchanged by the event). reverse-continue asks, before
 * replaying a checkpoint's span, for the latest segment not known free of
 * every breakpoint and watchpoint gdb has set (gdb_reverse.c), and skips
 * the rest.
 *
 * Each address (an execution breakpoint, gdb's int3 or a debug register)
 * or watched range is a key with a sorted list of the segments known free
 * of it, as ranges of events. A segment is noted for the keys armed at
 * every resume of a shown thread in it (all keys when none of its threads
 * ran) and not hit: a stop there, a step ending there, a trigger, a change
 * of the watched bytes. Nothing is noted before gdb is connected, after
 * gdb wrote memory or registers (until the replay goes back: the run may
 * differ from the recorded one), or from a segment a restore cut. */
#include "gdb_int.h"
#include "gdb_ranges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COV_KEYS 64           /* keys known at once (least recently armed out) */
#define COV_WATCH_KEYS 8      /* of them watched ranges (read at every event) */
#define COV_MAX_RANGES 65536  /* per key; more are not noted */

struct cov_key {
	bool used;
	uint8_t type;  /* 0: execution, 2/3/4: watch (Z type) */
	uint8_t len;
	uint64_t addr;
	uint64_t used_at;  /* when it was last armed (eviction) */
	uint8_t old[8];    /* watched bytes at the segment's start */
	bool old_ok;
	struct gdb_ranges free; /* the segments known free of it */
};

struct gdb_cov {
	struct cov_key k[COV_KEYS];
	uint64_t clock;
	bool on;          /* noting since the replay (re)started */
	bool tainted;     /* gdb wrote memory or registers */
	bool seg_ok;      /* the segment so far can be noted */
	uint64_t next;    /* the event that ends the segment */
	uint64_t armed;   /* keys armed at every resume in it so far */
	uint64_t hit;     /* keys hit in it */
	uint64_t skipped; /* events reverse-continue skipped, in all */
	uint64_t known;   /* events noted free of some key, in all */
};

static struct gdb_cov *cov(struct gdb_server *g)
{
	if (!g->cov)
		g->cov = calloc(1, sizeof *g->cov);
	return g->cov;
}

void gdb_cov_free(struct gdb_server *g)
{
	if (!g->cov)
		return;
	for (int i = 0; i < COV_KEYS; i++)
		gdb_ranges_free(&g->cov->k[i].free);
	free(g->cov);
	g->cov = NULL;
}

static bool is_watch(int type)
{
	return type >= 2 && type <= 4;
}

/* The key of an execution breakpoint (type 0 or 1) or watchpoint, or -1. */
static int key_find(const struct gdb_cov *c, int type, uint64_t addr, uint64_t len)
{
	uint8_t kt = is_watch(type) ? (uint8_t)type : 0, kl = kt ? (uint8_t)len : 1;
	for (int i = 0; i < COV_KEYS; i++)
		if (c->k[i].used && c->k[i].type == kt && c->k[i].addr == addr && c->k[i].len == kl)
			return i;
	return -1;
}

static void watch_read(struct gdb_server *g, struct cov_key *k)
{
	struct replay_task *t = gdb_any_task(g);
	k->old_ok = t && mem_read(t->tid, k->addr, k->old, k->len) == (long)k->len;
}

/* The key, made if new (evicting the least recently armed of its kind). */
static int key_get(struct gdb_server *g, struct gdb_cov *c, int type, uint64_t addr, uint64_t len)
{
	int i = key_find(c, type, addr, len);
	if (i >= 0)
		return i;
	bool w = is_watch(type);
	int free_i = -1, lru = -1, nw = 0;
	for (int j = 0; j < COV_KEYS; j++) {
		if (!c->k[j].used) {
			if (free_i < 0)
				free_i = j;
			continue;
		}
		nw += is_watch(c->k[j].type);
		if (is_watch(c->k[j].type) == w && (lru < 0 || c->k[j].used_at < c->k[lru].used_at))
			lru = j;
	}
	i = (w && nw >= COV_WATCH_KEYS) || free_i < 0 ? lru : free_i;
	if (i < 0)
		return -1;
	struct cov_key *k = &c->k[i];
	gdb_ranges_free(&k->free);
	*k = (struct cov_key){.used = true, .type = w ? (uint8_t)type : 0, .len = w ? (uint8_t)len : 1, .addr = addr,
			      .free.max = COV_MAX_RANGES};
	if (w)
		watch_read(g, k);
	/* it was not followed in this segment so far */
	c->armed &= ~(1ull << i);
	c->hit &= ~(1ull << i);
	return i;
}

void gdb_cov_restart(struct gdb_server *g)
{
	struct gdb_cov *c = cov(g);
	if (!c)
		return;
	c->on = true;
	c->tainted = false;
	c->seg_ok = true;
	c->next = g->s->cur.rec.event + 1;
	c->armed = ~0ull;
	c->hit = 0;
	for (int i = 0; i < COV_KEYS; i++)
		if (c->k[i].used && c->k[i].type)
			watch_read(g, &c->k[i]);
}

void gdb_cov_taint(struct gdb_server *g)
{
	if (g->cov)
		g->cov->tainted = true;
}

void gdb_cov_resume(struct gdb_server *g, bool armed, bool hw_ok)
{
	struct gdb_cov *c = g->cov;
	if (!c || !c->on)
		return;
	if (!armed) {
		c->seg_ok = false; /* a shown thread ran with nothing of gdb's armed */
		return;
	}
	uint64_t now = 0;
	c->clock++;
	for (size_t i = 0; i < g->nbps; i++) {
		int k = g->bps[i].armed ? key_get(g, c, 0, g->bps[i].addr, 1) : -1;
		if (k >= 0) {
			now |= 1ull << k;
			c->k[k].used_at = c->clock;
		}
	}
	for (int i = 1; i < GDB_NHW && hw_ok; i++) {
		int k = g->hw[i].used ? key_get(g, c, g->hw[i].type, g->hw[i].addr, g->hw[i].len) : -1;
		if (k >= 0) {
			now |= 1ull << k;
			c->k[k].used_at = c->clock;
		}
	}
	c->armed &= now;
}

void gdb_cov_stop(struct gdb_server *g, uint64_t rip, int hw)
{
	struct gdb_cov *c = g->cov;
	if (!c || !c->on)
		return;
	int k;
	if (hw && (k = key_find(c, g->hw[hw].type, g->hw[hw].addr, g->hw[hw].len)) >= 0)
		c->hit |= 1ull << k;
	/* an int3's, or a step (any stop) that ends right at a breakpoint:
	 * its arrival */
	if ((k = key_find(c, 0, rip, 1)) >= 0)
		c->hit |= 1ull << k;
}

void gdb_cov_event(struct gdb_server *g, uint64_t event)
{
	struct gdb_cov *c = g->cov;
	if (!c || !c->on)
		return;
	/* (events skipped since the last: file records, no code ran) */
	bool ok = c->seg_ok && !c->tainted && !g->detached && !g->closed && event >= c->next && event - c->next < 64;
	for (int i = 0; i < COV_KEYS; i++) {
		struct cov_key *k = &c->k[i];
		if (!k->used || !k->type)
			continue;
		uint8_t was[8];
		bool had = k->old_ok;
		memcpy(was, k->old, sizeof was);
		watch_read(g, k);
		if (!had || !k->old_ok || memcmp(was, k->old, k->len))
			c->hit |= 1ull << i; /* written (a syscall, the event), or unknown */
	}
	uint64_t free_keys = c->armed & ~c->hit;
	for (int i = 0; ok && i < COV_KEYS; i++)
		if (c->k[i].used && (free_keys & (1ull << i)))
			for (uint64_t e = c->next; e <= event; e++)
				c->known += gdb_ranges_add(&c->k[i].free, e) > 0;
	c->next = event + 1;
	c->seg_ok = true;
	c->armed = ~0ull;
	c->hit = 0;
}

uint64_t gdb_cov_unknown(struct gdb_server *g, const uint64_t *bps, int nbps, const struct gdb_hw *hw, uint64_t last)
{
	struct gdb_cov *c = g->cov;
	int keys[GDB_MAX_ANCHORS + GDB_NHW], n = 0;
	if (!c || !c->on)
		return last;
	for (int i = 0; i < nbps; i++)
		if ((keys[n++] = key_find(c, 0, bps[i], 1)) < 0)
			return last;
	for (int i = 1; i < GDB_NHW; i++)
		if (hw[i].used && (keys[n++] = key_find(c, hw[i].type, hw[i].addr, hw[i].len)) < 0)
			return last;
	if (!n)
		return 0; /* none set: nothing to stop at, anywhere */
	uint64_t e = last;
	while (e > 0) {
		uint64_t lo = 0;
		for (int i = 0; i < n; i++) {
			const struct gdb_range *r = gdb_ranges_find(&c->k[keys[i]].free, e);
			if (!r)
				return e;
			if (r->lo > lo)
				lo = r->lo;
		}
		e = lo ? lo - 1 : 0;
	}
	return e;
}

void gdb_cov_skipped(struct gdb_server *g, uint64_t events)
{
	struct gdb_cov *c = cov(g);
	if (c)
		c->skipped += events;
}

int gdb_cov_describe(struct gdb_server *g, char *buf, size_t n)
{
	struct gdb_cov *c = g->cov;
	return snprintf(buf, n, "Events known free of a breakpoint or watchpoint: %llu; reverse-continue skipped %llu\n",
			(unsigned long long)(c ? c->known : 0), (unsigned long long)(c ? c->skipped : 0));
}
