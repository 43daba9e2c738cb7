/* site.h - counting sites: how rec and replay find a preemption point in
 * code that computes, exactly and at near-native speed, without a PMU.
 *
 * A site is an instruction of a hot loop (at least 5 bytes, relocatable,
 * with the arithmetic flags dead there) replaced by a jump to its slot in
 * a site page, an RWX page near it that the program's address space gets
 * at a recorded point. The slot decrements the page's down-counter and
 * runs the instruction; when the counter reaches zero it traps first
 * (int3). Between records only one thread runs, so the counter is a pure
 * function of the program's execution: "the page's count-th site
 * execution" is a point rec and replay reach alike. Rec sets the counter
 * to 1 to end a turn at the next site a thread passes; replay sets it to
 * what is left to the recorded count. After the trap both move the thread
 * back to the site itself, its count not yet taken: the point is in the
 * program's own code (a signal handler delivered there, Go's asynchronous
 * preemption for one, sees the program's pc), before that execution. Page layout: the counter at offset
 * 0, slot k at SITE_SLOT * (k + 1). */
#ifndef HEISEN_SITE_H
#define HEISEN_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "patch.h"

#define SITE_PAGE 4096ull
#define SITE_SLOT 256
#define SITE_PER_PAGE ((int)(SITE_PAGE / SITE_SLOT) - 1)
#define SITE_MAX_PAGES 32
#define SITE_REM_INIT (1ull << 62) /* a new page's counter: count = INIT - counter */
#define SITE_CODE 24               /* bytes of a site's run kept (PATCH_RUN_MAX) */
#define SITE_WIN (3 * 4096)        /* code window swept for jumps into a run */
#define SITE_UNROLL 8              /* copies of a loop a slot runs per count */
#define SITE_LOOP 1                /* a site's flag: its slot runs the loop around it */

struct site_page {
	uint64_t base;
	int n;
	uint64_t site[SITE_PER_PAGE];
	uint8_t len[SITE_PER_PAGE];
	uint8_t code[SITE_PER_PAGE][SITE_CODE]; /* the original bytes, for unpatching */
};

/* The sites of one address space. */
struct site_table {
	int npages;
	struct site_page page[SITE_MAX_PAGES];
};

/* Reads the code around addr in tid's memory into win (SITE_WIN bytes at
 * most); *wstart is where it begins. Returns its length, 0 if unreadable. */
size_t site_window(int tid, uint64_t addr, uint8_t win[SITE_WIN], uint64_t *wstart);

/* Length of the run at addr (patch.h) if a patch can replace it there:
 * no code in the window (wlen bytes at wstart, addr inside) jumps into it.
 * With flags_dead, also the arithmetic flags must be dead at addr (a
 * counting site's slot changes them). 0 if not. */
size_t site_patchable(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t addr, int flags_dead);

/* A code window read once (site_win_read), for callers asking
 * site_win_patchable about many runs of it; its sweep comes from the
 * cache (or is made each time without one). */
struct site_win {
	uint8_t code[SITE_WIN];
	size_t len;      /* 0: nothing read */
	uint64_t start;
	uint64_t page;   /* the page it was read for (site_window's window depends on it) */
	struct patch_sweep_cache *cache; /* where sweeps are kept, or NULL: in own */
	struct patch_sweep own;
};

/* Reads the window around addr into w (as site_window) unless w already
 * holds the window of addr's page. Returns w->len (0: unreadable). */
size_t site_win_read(struct site_win *w, int tid, uint64_t addr);

/* site_patchable for a run of the window w. */
size_t site_win_patchable(struct site_win *w, uint64_t addr, int flags_dead);

/* Builds slot k of the page at base for the site at addr (a run of len
 * bytes, the code window win, wlen bytes at wstart, holding it) into out.
 * With SITE_LOOP in flags the slot runs the whole loop around the site
 * (patch_loop_find), from the site round to it again, up to SITE_UNROLL
 * times per count: every count is still a pass of the slot's start, in
 * the program's state at the site, but a tight loop no longer jumps out
 * and back and takes the counter's store at every turn. Returns 0,
 * -ERANGE (page out of reach) or -EINVAL (no such loop there). */
int site_slot_build(uint8_t out[SITE_SLOT], uint64_t base, int k, uint64_t addr, size_t len, const uint8_t *win,
		    size_t wlen, uint64_t wstart, int flags);

/* The bytes that replace a site's run of len bytes: a jump to its slot,
 * nops after it. Returns 0 or -ERANGE. */
int site_jump(uint8_t out[SITE_CODE], uint64_t addr, size_t len, uint64_t slot);

/* The page of tab where a site at addr can go (within reach, a slot
 * free): its index, or -1 (a new page is needed). */
int site_page_for(const struct site_table *tab, uint64_t addr);

/* Index of the page of tab holding addr, or -1. */
int site_page_of(const struct site_table *tab, uint64_t addr);

/* 1 if a site of tab is at addr (its jump starts there) or covers it. */
int site_covers(const struct site_table *tab, uint64_t addr);

/* 1 if rip is where a trap of one of tab's slots stops; *page its page,
 * *site the address of its site. */
int site_is_trap(const struct site_table *tab, uint64_t rip, int *page, uint64_t *site);

/* Adds a site (page index pg, or -1 with base for a new page); returns
 * its slot number, or -ENOSPC / -EINVAL. */
int site_add(struct site_table *tab, int pg, uint64_t base, uint64_t addr, const uint8_t *code, size_t len);

/* Forgets the sites and pages that overlap [a, b) (the program unmapped
 * or replaced that memory: its bytes are no longer ours). */
void site_forget(struct site_table *tab, uint64_t a, uint64_t b);

/* The address ranges syscall nr (args, result) unmapped or replaced, into
 * r: how many (munmap, a fixed mmap: 1; mremap: 2; others: 0). */
int site_syscall_replaced(long nr, const uint64_t args[6], int64_t result, uint64_t r[2][2]);
/* After syscall nr (args, result) of the address space: forgets what an
 * munmap, a fixed mmap or an mremap replaced. */
void site_syscall_forget(struct site_table *tab, long nr, const uint64_t args[6], int64_t result);

/* 1 if addr lies in a mapping of a file that the program cannot write:
 * code that stays where it is (JIT code in anonymous memory moves and is
 * rewritten, so it gets no sites). */
int site_code_is_file(int tid, uint64_t addr);

/* A free page within rel32 reach of addr (and 1 GiB of it) in the address
 * space of tid, a guard page kept on each side; 0 if none. */
uint64_t site_free_page_near(int tid, uint64_t addr);

#endif
