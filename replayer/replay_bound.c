/* replay_bound.c - a time limit on the waits for each event, from the
 * recording's own times: a trace that asks for a stop the program never
 * makes ends as a divergence (125), never as a hang. */
#include "replay.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/ptrace_util.h"

#define BOUND_FACTOR 10                                     /* x the recorded time */
#define BOUND_FLOOR_NS (30ull * 1000 * 1000 * 1000)          /* + this: a loaded machine stalls for seconds */
#define BOUND_GAP_MAX_NS (24ull * 3600 * 1000 * 1000 * 1000) /* a longer recorded gap counts as this */

static int bound_expired(struct wait_bound *b, pid_t tid)
{
	struct replay_session *s = (struct replay_session *)((char *)b - offsetof(struct replay_session, wait));
	if (s->wait_reported)
		return -EDOM;
	s->wait_reported = 1;
	uint32_t rec_tid = 0;
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive && t->tid == tid)
			rec_tid = t->rec_tid;
	char buf[256];
	fflush(stdout);
	msg("thread %u: no stop after %.1f s waiting for event %llu (%s), recorded within %.1f s: trace edited or replay diverged",
	    rec_tid, (double)(now_ns() - s->wait_start_ns) / 1e9, (unsigned long long)s->cur.rec.event,
	    describe_rec(&s->cur.rec, buf, sizeof buf), (double)s->wait_gap_ns / 1e9);
	return -EDOM;
}

void replay_bound_init(struct replay_session *s)
{
	const char *floor = getenv("HEISEN_WAIT_FLOOR");
	double f = floor ? strtod(floor, NULL) : 0;
	s->wait_floor_ns = f > 0 && f < 1e6 ? (uint64_t)(f * 1e9) : BOUND_FLOOR_NS;
	s->wait.expired = bound_expired;
	s->wait.deadline_ns = 0;
}

void replay_bound_event(struct replay_session *s)
{
	const struct trace_rec *rec = &s->cur.rec;
	uint32_t tid = 0;
	if (rec->len >= 4) /* every record that names a thread names it first */
		memcpy(&tid, rec->data, 4);
	struct replay_task *t = replay_task_find(s, tid);
	/* In the recording the thread ran from its previous record to this
	 * one: each lies within TRACE_FRAME_SPAN_NS after its frame's time. */
	uint64_t prev = t && t->last_ns <= rec->time_ns ? t->last_ns : 0;
	uint64_t gap = rec->time_ns - prev + TRACE_FRAME_SPAN_NS;
	if (gap > BOUND_GAP_MAX_NS)
		gap = BOUND_GAP_MAX_NS;
	if (t)
		t->last_ns = rec->time_ns;
	s->wait_gap_ns = gap;
	s->wait_start_ns = now_ns();
	if (s->wait.expired && !s->wait_reported)
		s->wait.deadline_ns = s->wait_start_ns + s->wait_floor_ns + BOUND_FACTOR * gap;
}
