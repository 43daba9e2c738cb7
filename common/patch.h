/* patch.h - in-process conditional breakpoints: a 5-byte jump at an
 * instruction to a trampoline that compares the registers with wanted
 * values and traps (int3) only when all match; otherwise it runs the
 * relocated instruction and jumps back. Replay uses them to find a
 * state-matched preemption point without a ptrace stop per execution.
 * The trampoline touches neither the stack nor any register: it saves
 * rax and the arithmetic flags in its own page (which must be writable,
 * and is left out of memory hashes). */
#ifndef HEISEN_PATCH_H
#define HEISEN_PATCH_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

/* This thread's capstone decoder, details on (skipdata: another one that
 * also sweeps over data), opened at its first use and kept; 0 if capstone
 * cannot open one. */
csh patch_decoder(int skipdata);

#define PATCH_JMP_LEN 5
#define PATCH_RUN_INSNS 4  /* instructions a patch may replace */
#define PATCH_RUN_MAX 24   /* bytes it may replace */
#define PATCH_RELOC_MAX 40 /* bytes they take relocated (short branches grow) */
#define PATCH_LOOP_MAX 48   /* bytes of a loop a counting site's slot may run whole */
#define PATCH_LOOP_INSNS 16
#define PATCH_TRAMP_MAX 1024 /* bytes a trampoline takes, its data included */
#define PATCH_WORDS 8        /* memory words a trampoline can compare */
#define STACK_WORD_REACH 16384 /* a point's stack word lies this close above rsp */

struct patch_tramp {
	uint8_t code[PATCH_TRAMP_MAX];
	size_t len;
	uint64_t hit;   /* rip at the stop after the trap: all registers matched */
	uint64_t reloc; /* address of the relocated instruction (to go on after a false match) */
};

/* Length of the run of instructions at addr (code holds n bytes from it)
 * a patch replaces: whole instructions covering at least 5 bytes, each
 * relocatable (no call, ret, syscall, rdtsc, indirect branch), a direct
 * jmp or jcc only last; 0 if there is none. A run of more than one
 * instruction is safe only where no code jumps into it (patch_run_safe)
 * and no thread is stopped inside it. */
size_t patch_site_len(const uint8_t *code, size_t n, uint64_t addr);

/* 1 if single-stepping the instruction at addr stops right after it (no
 * syscall, trap or trapping rdtsc); 0 if not or undecodable. */
int patch_insn_steppable(const uint8_t *code, size_t n, uint64_t addr);
/* The length of the instruction at code (at addr) if it is a rep- or
 * repne-prefixed string instruction (movs, stos, lods, cmps, scas, ins,
 * outs), which an interrupt may stop between iterations; else 0. */
size_t patch_rep_string_len(const uint8_t *code, size_t n, uint64_t addr);

/* Builds into *t the trampoline at address at for the run of len bytes
 * at site (its bytes in insn), trapping when the registers
 * equal want (all general-purpose ones, rsp included). Returns 0, or
 * -ERANGE when site or a target is out of rel32 reach, -EINVAL when the
 * instruction cannot be relocated. */
int patch_tramp_build(struct patch_tramp *t, uint64_t at, uint64_t site, const uint8_t *insn, size_t len,
		      const struct user_regs_struct *want);

/* A memory word a trampoline compares: the 8 bytes at addr hold val. */
struct patch_word {
	uint64_t addr, val;
};

/* As patch_tramp_build, trapping only if also each of the nwords words
 * (readable whenever the registers match; PATCH_WORDS at most) holds its
 * value. */
int patch_tramp_build_words(struct patch_tramp *t, uint64_t at, uint64_t site, const uint8_t *insn, size_t len,
			    const struct user_regs_struct *want, const struct patch_word *words, size_t nwords);

/* Copies the run of len bytes at site (its bytes in code) into out as it
 * must read at address to (*outlen bytes): branches re-encoded as rel32,
 * rip-relative displacements adjusted. Returns 0, -ERANGE (out of reach)
 * or -EINVAL (not a run). */
int patch_relocate(const uint8_t *code, size_t len, uint64_t site, uint64_t to, uint8_t out[PATCH_RELOC_MAX],
		   size_t *outlen);

/* A loop of straight-line code around a site: [top, end), its last
 * instruction (at brk) a direct jcc (its condition cond) or jmp (cond -1)
 * back to top. */
struct patch_loop {
	uint64_t top, brk, end;
	int cond;
};

/* 1 if the site at addr (in the code window: wlen bytes at wstart) lies
 * in such a loop, every instruction relocatable, at most PATCH_LOOP_MAX
 * bytes, the site at an instruction boundary of it (filled into *lp);
 * 0 if not. */
int patch_loop_find(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t addr, struct patch_loop *lp);

/* The address right after the first instruction of the loop lp (code
 * window: wlen bytes at wstart) that reads memory other than the stack (a
 * load whose value the loop may store back: a site there ends turns
 * inside a read-modify-write); 0 if none. */
uint64_t patch_loop_after_load(const uint8_t *win, size_t wlen, uint64_t wstart, const struct patch_loop *lp);

/* Copies the len bytes of straight-line code at addr (its bytes in
 * code, no branch) into out as they must read at address to, cap bytes
 * at most (*outlen of them). Returns 0, -ERANGE, -ENOSPC or -EINVAL. */
int patch_relocate_line(const uint8_t *code, size_t len, uint64_t addr, uint64_t to, uint8_t *out, size_t cap,
			size_t *outlen);

/* 1 if no direct branch or call in the code window (wlen bytes at wstart,
 * swept linearly) targets the inside of the run [site, site + len), and
 * the sweep is in step at site; 0 if one may. */
int patch_run_safe(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t site, size_t len);

#define PATCH_SWEEP_MAX (3 * 4096) /* the largest window patch_sweep takes */

/* What one linear sweep of a code window says, for patch_run_safe's
 * question about any run in it: decoding costs ~0.25 us an instruction,
 * so callers asking about many runs of one window sweep it once. */
struct patch_sweep {
	uint64_t wstart;
	size_t wlen;
	uint64_t inner[PATCH_SWEEP_MAX / 64];  /* bit i: byte wstart + i is inside an instruction, not its first */
	uint64_t target[PATCH_SWEEP_MAX / 64]; /* bit i: a direct branch or call goes to wstart + i */
};

/* Sweeps the window (wlen <= PATCH_SWEEP_MAX bytes at wstart) into sw.
 * Returns 0, -E2BIG or -ENOMEM. */
int patch_sweep(const uint8_t *win, size_t wlen, uint64_t wstart, struct patch_sweep *sw);

/* patch_run_safe's answer from a sweep: 0 too for a run not inside the
 * window. */
int patch_sweep_safe(const struct patch_sweep *sw, uint64_t site, size_t len);

#define PATCH_SWEEP_CACHED 256

/* Sweeps already made, by the window's bytes and place (a sweep depends
 * on nothing else, so an entry never goes stale): rec asks about the same
 * windows again and again (a thread preempted in the same loop, the same
 * libc in every process). Zeroed to start. */
struct patch_sweep_cache {
	struct patch_sweep *sw[PATCH_SWEEP_CACHED];
	uint64_t key[PATCH_SWEEP_CACHED][2];
	unsigned next;
};

/* The sweep of the window: from c when made before, else made and kept
 * (c may be NULL: then into *own). NULL if it cannot be made. */
const struct patch_sweep *patch_sweep_cached(struct patch_sweep_cache *c, const uint8_t *win, size_t wlen,
					     uint64_t wstart, struct patch_sweep *own);

/* Frees the cache's sweeps. */
void patch_sweep_cache_free(struct patch_sweep_cache *c);

/* 1 if the arithmetic flags are dead at addr (code holds n bytes from
 * it): along the straight line from it, all six status flags are written
 * before any is read, and before any branch; 0 if not known. */
int patch_flags_dead(const uint8_t *code, size_t n, uint64_t addr);

/* Writes into out (4 bytes, little-endian) the rel32 displacement from
 * from_end (the end of the instruction holding it) to target. Returns 0
 * or -ERANGE. */
int patch_rel32(uint64_t from_end, uint64_t target, uint8_t out[4]);

/* Writes the 5-byte jump from site to target into out. Returns 0 or -ERANGE. */
int patch_jump(uint8_t out[PATCH_JMP_LEN], uint64_t site, uint64_t target);

#endif
