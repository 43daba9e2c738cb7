/* inproc_site.h - syscall sites patched to call the in-process recording
 * library (docs/inprocess.md section 5): a `syscall` instruction and the
 * code around it replaced by a 5-byte jump to a trampoline that calls the
 * library's entry (rax: the number, the arguments in their syscall
 * registers; rax back: the result) and goes on with the relocated code.
 * Two forms, as compilers emit them:
 *   after: `syscall` and the instructions after it (glibc's `cmp
 *          $-4095, %rax`, Go's `mov %rax, off(%rsp)`), relocated into the
 *          trampoline after the call;
 *   mov:   `mov $N, %eax` (or Go's `mov $N, %rax`) right before the `syscall` (glibc's wrappers that
 *          `ret` after it), the trampoline setting eax itself.
 * An rdtsc or rdtscp is patched in the after form (IL_FORM_TSC), or with
 * the straight-line instructions before it (IL_FORM_TSC_BEFORE: code
 * often jumps to the instruction after an rdtsc), its trampoline calling
 * the library's TSC entry with the kind in eax.
 * Capstone decodes; common/patch.c relocates. Nothing here touches a
 * process: rec and replay read and write the bytes. */
#ifndef HEISEN_INPROC_SITE_H
#define HEISEN_INPROC_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "patch.h"

#define IL_SITE_MAX 24    /* bytes a site's run may take */
#define IL_TRAMP_MAX 96   /* bytes its trampoline takes, the entry's address included */

enum il_form { IL_FORM_AFTER = 1, IL_FORM_MOV = 2, IL_FORM_TSC = 3, IL_FORM_TSC_BEFORE = 4 };

struct il_site {
	uint64_t addr;  /* the run's start */
	uint64_t sys;   /* its `syscall` instruction (IL_FORM_TSC: its rdtsc or rdtscp) */
	uint8_t len;    /* the run's bytes */
	uint8_t form;   /* enum il_form */
	uint32_t nr;    /* IL_FORM_MOV: the number the mov sets; IL_FORM_TSC*: IL_NR_RDTSC or IL_NR_RDTSCP */
	uint8_t code[IL_SITE_MAX]; /* the run's original bytes */
};

/* Finds the run to patch around the `syscall` (or rdtsc, rdtscp) at sys, in the code window
 * win (wlen bytes from wstart, sys inside, the more around it the
 * safer): 0 with *s filled; -ENOENT if sys is not a `syscall`, -EINVAL if
 * no form fits (a branch into the run, instructions that cannot move),
 * -ENOMEM. Sweeps of the window are kept in cache (NULL: none). */
int il_site_find(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t sys, struct il_site *s,
		 struct patch_sweep_cache *cache);

/* The address of the instruction a run of len bytes at addr (its
 * original bytes: code) was patched for, as il_site_find takes it: a
 * syscall's, or an rdtsc's or rdtscp's (*tsc set). */
uint64_t il_site_insn(const uint8_t *code, size_t len, uint64_t addr, int *tsc);

/* 1 if s is an rdtsc or rdtscp site (its trampoline calls the TSC entry). */
static inline int il_site_tsc(const struct il_site *s)
{
	return s->form == IL_FORM_TSC || s->form == IL_FORM_TSC_BEFORE;
}

/* Builds into out (IL_TRAMP_MAX bytes) the trampoline for s at address
 * at, calling the library entry at entry (for IL_FORM_TSC, its TSC
 * entry); *outlen its length. 0,
 * -ERANGE (at out of rel32 reach of the run) or -EINVAL. */
int il_tramp_build(uint8_t out[IL_TRAMP_MAX], size_t *outlen, uint64_t at, const struct il_site *s, uint64_t entry);

/* The len bytes that replace s's run: a jump to tramp, int3s after it
 * (never executed: nothing jumps inside), but the mov form's `syscall`,
 * kept where it was for a call the kernel restarts (rip moved back to it). 0 or -ERANGE. */
int il_site_jump(uint8_t out[IL_SITE_MAX], const struct il_site *s, uint64_t tramp);

/* Where a thread whose rip is inside s's patched run (a syscall stop at
 * the instruction after the `syscall`, a signal frame saved there) goes
 * on in the trampoline at tramp: the same point of the code; rip itself
 * when it is not inside the run, 0 when it is at no instruction boundary
 * of it. */
uint64_t il_fix_rip(const struct il_site *s, uint64_t tramp, uint64_t rip);

/* A process's patched sites and the pages of their trampolines (mapped
 * near the code they serve: the jump is rel32). Plain data: a fork's copy
 * is a struct copy, as the site table's. */
#define IL_PATCH_MAX 256
#define IL_PATCH_PAGES 16
#define IL_TRAMP_SLOT 128  /* a trampoline's slot in its page: offsets k * IL_TRAMP_SLOT, k >= 0 */
#define IL_TRAMP_PAGE 4096
struct il_patches {
	uint32_t n, npages;
	struct il_patch {
		struct il_site site;
		uint64_t tramp;
	} p[IL_PATCH_MAX];
	struct {
		uint64_t base;
		uint32_t used; /* slots taken */
	} page[IL_PATCH_PAGES];
};

/* The patch whose run holds any of [a, a + len), or NULL. */
const struct il_patch *il_patch_at(const struct il_patches *tab, uint64_t a, uint64_t len);

/* The trampoline page of tab with a free slot within a jump's reach of
 * the run at addr: its index, or -1 if a new page is needed. */
int il_patch_page_for(const struct il_patches *tab, uint64_t addr);

/* Notes s patched to the trampoline in slot `slot` (a byte offset) of the
 * page at base (added if new); 0, -ENOSPC (table or page full) or
 * -EINVAL (slot taken or misplaced, run overlapping another). */
int il_patch_add(struct il_patches *tab, const struct il_site *s, uint64_t base, uint32_t slot);

/* The offset of the next free slot in page k of tab. */
uint32_t il_patch_next_slot(const struct il_patches *tab, int k);

/* Where a thread at rip goes on (il_fix_rip over every patch of tab):
 * rip itself outside every patched run, 0 inside one but at no
 * instruction boundary. */
uint64_t il_patches_fix_rip(const struct il_patches *tab, uint64_t rip);

/* 1 if rip is in a trampoline page of tab. */
int il_patch_in_tramp(const struct il_patches *tab, uint64_t rip);

/* After a syscall (nr, args, result) that unmapped or replaced memory:
 * forgets the patches whose runs or trampoline pages it touched. */
void il_patches_syscall_forget(struct il_patches *tab, long nr, const uint64_t args[6], int64_t result);

#endif
