/* rec_chaos.c - `rec --chaos`: a scheduling policy that widens race
 * windows (docs/chaos.md). Every thread gets a random priority and the
 * highest-priority ready thread runs (PCT, Burckhardt et al. 2010);
 * priority change points at random decisions demote the thread that ran
 * last below every other; some threads start in a low band and starve
 * while others are ready, for periods whose length is drawn too; a bound,
 * in passes and in time, lets a starving thread run once in a while (a
 * high-priority spinner waiting for it still ends). Timeslices are drawn
 * log-uniformly from microseconds to tens of milliseconds.
 *
 * One PRNG (splitmix64), seeded by --seed or getrandom; it is drawn only
 * at scheduling decisions (a ready thread is resumed), a fixed number of
 * times per decision, so the same seed and the same sequence of events
 * give the same decisions. */
#include "rec.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

#define MS 1000000ull
#define US 1000ull

struct rec_chaos {
	uint64_t rng;          /* splitmix64 state */
	uint64_t decisions;    /* scheduling decisions so far */
	uint64_t next_change;  /* the decision of the next priority change point */
	uint64_t period_end;   /* the decision at which this starvation period ends */
	uint64_t change_max;   /* this period's longest gap between change points */
	uint32_t starve_passes; /* a ready thread passed over this often runs */
	uint64_t starve_ns;    /* ... or once it waited this long */
	int64_t floor;         /* below every priority given so far: change points go lower */
	int shuffle;           /* this period picks a ready thread at random, not by priority */
};

/* splitmix64: one 64-bit draw. */
static uint64_t draw(struct rec_chaos *c)
{
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Log-uniform in [lo, hi] (lo >= 1): as likely in each octave; one draw. */
static uint64_t draw_log(struct rec_chaos *c, uint64_t lo, uint64_t hi)
{
	uint64_t r = draw(c);
	int octaves = 63 - __builtin_clzll(hi / lo);
	int k = octaves ? (int)((r >> 32) % (uint64_t)(octaves + 1)) : 0;
	uint64_t base = lo << k;
	uint64_t v = base + (uint32_t)r % base; /* within that octave */
	return v > hi ? hi : v;
}

/* A thread's first priority: random, in the low band with probability
 * 0.1 (0.3 for the program's first thread: starving main is often what
 * breaks a program; rr's numbers). Never 0 (0: not given yet). */
static int64_t random_priority(struct rec_chaos *c, const struct rec_session *s, const struct rec_task *t)
{
	uint64_t r = draw(c);
	unsigned low_per_1000 = t->tid == s->leader ? 300 : 100;
	int low = (r & 0xffff) % 1000 < low_per_1000;
	return (low ? 1 : (1ll << 32)) + (int64_t)(r >> 33);
}

/* A new starvation period: most bound starvation to 16-1024 passes (or
 * 50-200 ms), one in three lets a low-priority thread starve for long
 * (1024-65536 passes, 0.2-1 s). */
static void new_period(struct rec_chaos *c)
{
	uint64_t r = draw(c);
	int starving = r % 3 == 0;
	/* One period in two ignores priorities: any ready thread may run next
	 * (threads computing together interleave at many points, as they
	 * would on several cores). */
	c->shuffle = (r >> 32) % 2 == 0;
	c->period_end = c->decisions + draw_log(c, 8, 1024);
	c->starve_passes = (uint32_t)(starving ? draw_log(c, 1024, 65536) : draw_log(c, 16, 1024));
	c->starve_ns = starving ? draw_log(c, 200 * MS, 1000 * MS) : draw_log(c, 50 * MS, 200 * MS);
	/* PCT's change points assume a known run length k; unknown here, each
	 * period guesses one: gaps up to 4, 8, ... or 256 decisions (a short run makes few). */
	c->change_max = 4ull << (draw(c) % 7);
	if (c->next_change > c->decisions + c->change_max)
		c->next_change = c->decisions + draw_log(c, 1, c->change_max);
}

/* A priority change point: the thread that ran last goes below every
 * other (PCT's d-1 change points, at gaps drawn log-uniformly up to the
 * period's change_max); one in eight redraws every priority. */
static void change_point(struct rec_session *s, struct rec_chaos *c)
{
	uint64_t r = draw(c);
	c->next_change = c->decisions + draw_log(c, 1, c->change_max);
	if (r % 8 == 0) {
		for (struct rec_task *t = s->tasks; t; t = t->next)
			t->chaos_prio = random_priority(c, s, t);
	} else if (s->last) {
		s->last->chaos_prio = c->floor--;
	}
}

int rec_chaos_init(struct rec_session *s, const struct rec_options *opt)
{
	uint64_t seed = opt->seed;
	if (!opt->have_seed && getrandom(&seed, sizeof seed, 0) != sizeof seed)
		return errno ? -errno : -EIO;
	struct rec_chaos *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	s->chaos = c;
	s->chaos_seed = seed;
	c->rng = seed;
	c->floor = -1;
	c->next_change = UINT64_MAX;
	new_period(c);
	return 0;
}

void rec_chaos_free(struct rec_session *s)
{
	free(s->chaos);
	s->chaos = NULL;
}

struct rec_task *rec_chaos_pick(struct rec_session *s, uint64_t now)
{
	struct rec_chaos *c = s->chaos;
	struct rec_task *best = NULL, *starved = NULL;
	int nready = 0;
	for (struct rec_task *t = s->tasks; t; t = t->next)
		nready += rec_runnable(t);
	if (!nready)
		return NULL; /* no decision: nothing drawn */
	c->decisions++;
	if (c->decisions >= c->period_end)
		new_period(c);
	if (c->decisions >= c->next_change)
		change_point(s, c);
	else if (s->last && rec_runnable(s->last) && draw(c) % (s->last->turn_preempted ? 2 : 8) == 0)
		s->last->chaos_prio = c->floor--; /* a turn ended: a change point too, one in two after a preemption, one in eight after a syscall */
	for (struct rec_task *t = s->tasks; t; t = t->next) {
		if (!rec_runnable(t))
			continue;
		if (!t->chaos_prio) {
			/* A new thread: three times in four below the thread that
			 * made it (which goes on, as on another core it would:
			 * its next threads then run alongside this one). */
			t->chaos_prio = random_priority(c, s, t);
			if (s->last && s->last != t && s->last->chaos_prio && t->chaos_prio % 4 != 0) {
				t->chaos_prio = s->last->chaos_prio - 1 - (t->chaos_prio % 1024);
				if (c->floor >= t->chaos_prio)
					c->floor = t->chaos_prio - 1; /* change points still go below all */
			}
		}
		if (!best || t->chaos_prio > best->chaos_prio)
			best = t;
		if (t->chaos_passes && (t->chaos_passes >= c->starve_passes || now - t->chaos_wait_ns >= c->starve_ns) &&
		    (!starved || t->chaos_passes > starved->chaos_passes))
			starved = t;
	}
	uint64_t r = draw(c);
	if (c->shuffle) {
		int k = (int)(r % (uint64_t)nready);
		for (struct rec_task *t = s->tasks; t; t = t->next)
			if (rec_runnable(t) && k-- == 0)
				best = t;
	}
	struct rec_task *pick = starved ? starved : best;
	for (struct rec_task *t = s->tasks; t; t = t->next)
		if (rec_runnable(t) && t != pick && !t->chaos_passes++)
			t->chaos_wait_ns = now;
	pick->chaos_passes = 0;
	pick->slice_start_ns = now;
	pick->turn_cpu_ns = rec_chaos_cpu_ns(pick);
	pick->slice_ns = draw_log(c, 50 * US, 10 * MS);
	/* Where its code has counting sites, the turn ends at a site pass
	 * drawn the same way (1 to 2^20 passes): a point the seed decides,
	 * not the timer. */
	pick->slice_sites = draw_log(c, 1, 1u << 20);
	return pick;
}

int rec_chaos_wakes(struct rec_session *s, int n)
{
	/* The woken threads' futex waits end in the kernel at once, but their
	 * stops reach rec a little later: waited for (200 us at most), so
	 * that the decision after this syscall has them ready, every run. */
	for (int i = 0; i < 100 && n > 0; i++) {
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid < 0)
			return 0;
		if (tid == 0) {
			usleep(2);
			continue;
		}
		for (struct rec_task *t = s->tasks; t; t = t->next)
			if (t->tid == tid && t->state == T_KERNEL && t->nr == SYS_futex)
				n--;
		int r = rec_hold(s, tid, st);
		if (r)
			return r;
	}
	return 0;
}

uint64_t rec_chaos_cpu_ns(struct rec_task *t)
{
	char buf[64];
	if (t->sched_fd < 0) {
		snprintf(buf, sizeof buf, "/proc/%d/schedstat", t->tid);
		t->sched_fd = open(buf, O_RDONLY | O_CLOEXEC);
	}
	ssize_t n = t->sched_fd >= 0 ? pread(t->sched_fd, buf, sizeof buf - 1, 0) : -1;
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

int rec_chaos_first_stop(struct rec_session *s, struct rec_task *c)
{
	/* Its first stop is on its way (the kernel queued it with the clone):
	 * waiting for it makes the new thread ready at its creation, not at a
	 * moment the kernel's timing chooses. */
	int st;
	pid_t r;
	while ((r = waitpid(c->tid, &st, __WALL)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return errno == ECHILD ? 0 : -errno;
	if (WIFSTOPPED(st) && ((st >> 16) == PTRACE_EVENT_STOP || ((st >> 16) == 0 && WSTOPSIG(st) == SIGSTOP))) {
		c->first_stop = 1;
		return 0;
	}
	return rec_hold(s, c->tid, st); /* something else (killed): the loop sees it */
}
