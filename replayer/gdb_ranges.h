/* gdb_ranges.h - a set of event numbers kept as sorted, disjoint, merged
 * ranges (gdb_cov.c: the segments known free of one breakpoint). */
#ifndef HEISEN_GDB_RANGES_H
#define HEISEN_GDB_RANGES_H

#include <stdbool.h>
#include <stdint.h>

struct gdb_range {
	uint64_t lo, hi; /* lo..hi, inclusive */
};

struct gdb_ranges {
	struct gdb_range *r;
	uint32_t n, cap, max; /* max: ranges kept at most (0: a default) */
	uint32_t last;        /* the range the last add went to */
};

/* Adds e; 1 if it was new, 0 if already there, -ENOMEM (or -ENOSPC past
 * max ranges: not added). */
int gdb_ranges_add(struct gdb_ranges *s, uint64_t e);
/* The range holding e, or NULL. */
const struct gdb_range *gdb_ranges_find(const struct gdb_ranges *s, uint64_t e);
/* Empties s, freeing its memory. */
void gdb_ranges_free(struct gdb_ranges *s);

#endif
