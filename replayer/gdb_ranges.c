/* gdb_ranges.c - sets of event numbers as sorted, disjoint ranges: adding
 * in increasing order (a run of the replay) extends the last range in
 * constant time; anything else is a binary search and a merge. */
#include "gdb_ranges.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RANGES_MAX_DEFAULT 65536

/* The first range whose end is at or after e - 1 (it may hold e, or
 * touch it from either side), or n. */
static uint32_t first_near(const struct gdb_ranges *s, uint64_t e)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].hi + 1 < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int gdb_ranges_add(struct gdb_ranges *s, uint64_t e)
{
	uint32_t i = s->last < s->n && s->r[s->last].lo <= e && e <= s->r[s->last].hi + 1 ? s->last : first_near(s, e);
	struct gdb_range *r = i < s->n ? &s->r[i] : NULL;
	if (r && r->lo <= e && e <= r->hi) {
		s->last = i;
		return 0;
	}
	if (r && e == r->hi + 1) {
		/* after it: extends it, and joins the next when that begins at e + 1 */
		r->hi = e;
		if (i + 1 < s->n && s->r[i + 1].lo == e + 1) {
			r->hi = s->r[i + 1].hi;
			memmove(&s->r[i + 1], &s->r[i + 2], (s->n - i - 2) * sizeof s->r[0]);
			s->n--;
		}
		s->last = i;
		return 1;
	}
	if (r && e + 1 == r->lo) {
		/* right before it (the range before ends before e - 1) */
		r->lo = e;
		s->last = i;
		return 1;
	}
	if (s->n >= (s->max ? s->max : RANGES_MAX_DEFAULT))
		return -ENOSPC;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? 2 * s->cap : 16;
		struct gdb_range *n = realloc(s->r, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		s->r = n;
		s->cap = cap;
	}
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
	s->r[i] = (struct gdb_range){e, e};
	s->n++;
	s->last = i;
	return 1;
}

const struct gdb_range *gdb_ranges_find(const struct gdb_ranges *s, uint64_t e)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].hi < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->r[lo].lo <= e ? &s->r[lo] : NULL;
}

void gdb_ranges_free(struct gdb_ranges *s)
{
	free(s->r);
	*s = (struct gdb_ranges){.max = s->max};
}
