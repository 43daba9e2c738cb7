/* test_dead_stacks.c - what mem_skip_dead_stacks leaves out of a point's
 * memory hash, on this process's own mappings: below the point thread's red
 * zone in its stack's mapping, and below the lowest red zone of the other
 * threads in each other mapping, never the point thread's live frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../common/ptrace_util.h"

#define MAP_LEN (64 * 4096)

/* Two read-write anonymous mappings with a hole between them, and a
 * PROT_NONE page range below the first (it merges with no neighbour). */
static uint8_t *map_two(uint8_t **b)
{
	uint8_t *g = mmap(NULL, 4 * MAP_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g != MAP_FAILED);
	uint8_t *a = g + MAP_LEN;
	assert_int_equal(mprotect(a, MAP_LEN, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(munmap(a + MAP_LEN, MAP_LEN), 0);
	*b = a + 2 * MAP_LEN;
	assert_int_equal(mprotect(*b, MAP_LEN, PROT_READ | PROT_WRITE), 0);
	return a;
}

static void unmap_two(uint8_t *a)
{
	munmap(a - MAP_LEN, 4 * MAP_LEN);
}

static void test_self_only(void **state)
{
	(void)state;
	uint8_t *b, *a = map_two(&b);
	struct mem_skip k = {0};
	uint64_t self = (uint64_t)(a + 5000);
	assert_int_equal(mem_skip_dead_stacks(&k, getpid(), self, NULL, 0), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.r[0].a, (uint64_t)a);
	assert_int_equal(k.r[0].b, self - 128);
	assert_false(mem_skip_covers(&k, self - 128, 8)); /* the red zone is live */
	mem_skip_free(&k);
	(void)b;
	unmap_two(a);
}

static void test_others(void **state)
{
	(void)state;
	uint8_t *b, *a = map_two(&b);
	struct mem_skip k = {0};
	uint64_t self = (uint64_t)(a + 40000);
	/* in the point thread's mapping: one below it (a vfork child's parent,
	 * say) and one above; in the other mapping two threads, and one less
	 * than a red zone into it */
	uint64_t others[] = {(uint64_t)(a + 9000), (uint64_t)(a + 60000), (uint64_t)(b + 30000),
			     (uint64_t)(b + 20000), 0x10};
	assert_int_equal(mem_skip_dead_stacks(&k, getpid(), self, others, 5), 0);
	assert_true(mem_skip_covers(&k, self - 136, 8));
	assert_false(mem_skip_covers(&k, self - 128, 40000)); /* its frames, whoever is below */
	assert_true(mem_skip_covers(&k, (uint64_t)b, 8));
	assert_true(mem_skip_covers(&k, (uint64_t)b + 20000 - 136, 8));
	assert_false(mem_skip_covers(&k, (uint64_t)b + 20000 - 128, MAP_LEN - 20000 + 128));
	mem_skip_free(&k);

	/* a thread less than a red zone above its mapping's start: nothing */
	uint64_t low[] = {(uint64_t)b + 64};
	assert_int_equal(mem_skip_dead_stacks(&k, getpid(), self, low, 1), 0);
	assert_false(mem_skip_covers(&k, (uint64_t)b, MAP_LEN));
	mem_skip_free(&k);
	unmap_two(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_only),
		cmocka_unit_test(test_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
