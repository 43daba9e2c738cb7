/* test_gdb_ranges.c - the range sets reverse-continue's skipping rests on
 * (replayer/gdb_ranges.c): adds in every order against a plain bitmap,
 * merging from both sides, lookups at range edges, the range bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../replayer/gdb_ranges.h"

/* s holds exactly the set bits of want[0..n), as merged ranges. */
static void check_same(const struct gdb_ranges *s, const uint8_t *want, uint64_t n)
{
	for (uint32_t i = 0; i < s->n; i++) {
		assert_true(s->r[i].lo <= s->r[i].hi);
		if (i)
			assert_true(s->r[i - 1].hi + 1 < s->r[i].lo); /* disjoint, not touching */
	}
	for (uint64_t e = 0; e < n; e++) {
		const struct gdb_range *r = gdb_ranges_find(s, e);
		if (!want[e]) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_true(r->lo <= e && e <= r->hi);
		/* the range is maximal: its ends are the run's ends */
		assert_true(r->lo == 0 || !want[r->lo - 1]);
		assert_true(r->hi + 1 >= n || !want[r->hi + 1]);
	}
}

static void test_in_order(void **state)
{
	(void)state;
	struct gdb_ranges s = {0};
	for (uint64_t e = 10; e < 1000; e++)
		assert_int_equal(gdb_ranges_add(&s, e), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(gdb_ranges_add(&s, 500), 0);
	assert_null(gdb_ranges_find(&s, 9));
	assert_null(gdb_ranges_find(&s, 1000));
	assert_int_equal(gdb_ranges_find(&s, 10)->hi, 999);
	gdb_ranges_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(gdb_ranges_find(&s, 10));
}

static void test_merges(void **state)
{
	(void)state;
	struct gdb_ranges s = {0};
	assert_int_equal(gdb_ranges_add(&s, 5), 1);
	assert_int_equal(gdb_ranges_add(&s, 7), 1);
	assert_int_equal(s.n, 2);
	assert_int_equal(gdb_ranges_add(&s, 6), 1); /* joins both */
	assert_int_equal(s.n, 1);
	assert_int_equal(gdb_ranges_add(&s, 4), 1); /* before */
	assert_int_equal(gdb_ranges_add(&s, 1), 1);
	assert_int_equal(gdb_ranges_add(&s, 2), 1);
	assert_int_equal(s.n, 2);
	assert_int_equal(gdb_ranges_add(&s, 3), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(gdb_ranges_find(&s, 1)->lo, 1);
	assert_int_equal(gdb_ranges_find(&s, 7)->hi, 7);
	assert_int_equal(gdb_ranges_add(&s, 0), 1);
	assert_int_equal(gdb_ranges_add(&s, UINT64_MAX - 1), 1);
	assert_int_equal(gdb_ranges_find(&s, 0)->hi, 7);
	assert_int_equal(s.n, 2);
	gdb_ranges_free(&s);
}

static void test_random(void **state)
{
	(void)state;
	enum { N = 3000 };
	srand(7);
	for (int round = 0; round < 20; round++) {
		struct gdb_ranges s = {0};
		uint8_t want[N] = {0};
		int density = 1 + round % 5;
		for (int i = 0; i < 4 * N; i++) {
			/* runs forward from a random start, as replays do, and strays */
			uint64_t e = (uint64_t)rand() % N;
			int run = rand() % 3 ? 1 : 1 + rand() % 50;
			for (int j = 0; j < run && e < N; j++, e++) {
				if (rand() % 6 >= density)
					continue;
				int r = gdb_ranges_add(&s, e);
				assert_int_equal(r, want[e] ? 0 : 1);
				want[e] = 1;
			}
		}
		check_same(&s, want, N);
		gdb_ranges_free(&s);
	}
}

static void test_bound(void **state)
{
	(void)state;
	struct gdb_ranges s = {.max = 3};
	assert_int_equal(gdb_ranges_add(&s, 0), 1);
	assert_int_equal(gdb_ranges_add(&s, 10), 1);
	assert_int_equal(gdb_ranges_add(&s, 20), 1);
	assert_int_equal(gdb_ranges_add(&s, 30), -ENOSPC);
	assert_null(gdb_ranges_find(&s, 30));
	assert_int_equal(gdb_ranges_add(&s, 21), 1); /* extending needs no new range */
	assert_int_equal(gdb_ranges_add(&s, 9), 1);
	gdb_ranges_free(&s);
	assert_int_equal(s.max, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_merges),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
