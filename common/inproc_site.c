/* inproc_site.c - finding and patching syscall sites for the in-process
 * recording library (see inproc_site.h). */
#include "inproc_site.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inproc.h"
#include "patch.h"
#include "site.h"

#define SWEEP_REACH 1024 /* bytes swept on each side of a syscall site */

#define TRAMP_CALL_END 11 /* lea -128(%rsp),%rsp (5); call *lit(%rip) (6) */
#define TRAMP_BACK 8      /* lea 128(%rsp),%rsp */
#define MOV_LEN 5         /* mov $N, %eax */
#define MOVQ_LEN 7        /* mov $N, %rax */
#define SYSCALL_LEN 2

/* The lengths of the whole instructions from addr (code: n bytes there)
 * covering at least want bytes, into lens (max of them); their count, 0
 * if undecodable. */
static int insn_lens(const uint8_t *code, size_t n, uint64_t addr, size_t want, uint8_t *lens, int max)
{
	csh h;
	cs_insn *insn;
	int cnt = 0;
	size_t len = 0;
	if (!(h = patch_decoder(0)))
		return 0;
	while (len < want && cnt < max) {
		if (cs_disasm(h, code + len, n - len, addr + len, 1, &insn) != 1) {
			cnt = 0;
			break;
		}
		lens[cnt++] = (uint8_t)insn->size;
		len += insn->size;
		cs_free(insn, 1);
	}
	return len >= want ? cnt : 0;
}

/* Bytes of the instruction a site's run was made for: a `syscall` or
 * an rdtsc (2), an rdtscp (3). */
static size_t insn_len_of(const struct il_site *s)
{
	return (s->form == IL_FORM_TSC || s->form == IL_FORM_TSC_BEFORE) && s->nr == IL_NR_RDTSCP ? 3 : SYSCALL_LEN;
}

/* The relocated instructions after the syscall (or rdtsc) of an
 * after-form (or TSC) site, as they must read at to. */
static int relocate_after(const struct il_site *s, uint64_t to, uint8_t out[PATCH_RELOC_MAX], size_t *outlen)
{
	size_t il = insn_len_of(s);
	const uint8_t *after = s->code + il;
	size_t n = (size_t)s->len - il;
	int r = patch_relocate(after, n, s->sys + il, to, out, outlen);
	if (r == -EINVAL) /* fewer than 5 bytes, no branch: a straight line */
		r = patch_relocate_line(after, n, s->sys + il, to, out, PATCH_RELOC_MAX, outlen);
	return r;
}

/* 1 if the sweep sw found byte a inside an instruction, not at its start
 * (or a is outside the sweep). */
static int sweep_inner(const struct patch_sweep *sw, uint64_t a)
{
	return a < sw->wstart || a - sw->wstart >= sw->wlen ||
	       (sw->inner[(a - sw->wstart) / 64] >> ((a - sw->wstart) % 64) & 1);
}

/* The before form of the rdtsc (or rdtscp, il bytes) at s->sys: whole
 * straight-line instructions right before it (their starts from the
 * sweep sw of the window win at wstart), relocated into the trampoline
 * before the call, and the rdtsc, at least a jump's bytes, no branch
 * into the run but to its start. 0 with *s filled, or -EINVAL. */
static int tsc_before(const uint8_t *win, uint64_t wstart, const struct patch_sweep *sw, size_t il, struct il_site *s)
{
	uint8_t tmp[PATCH_RELOC_MAX];
	size_t outlen;
	uint64_t a = s->sys;
	if (sweep_inner(sw, s->sys))
		return -EINVAL; /* (the sweep is out of step there) */
	while (s->sys + il - a < PATCH_JMP_LEN) {
		do
			a--;
		while (a > sw->wstart && sweep_inner(sw, a));
		if (sweep_inner(sw, a))
			return -EINVAL;
	}
	size_t len = s->sys + il - a;
	if (len > IL_SITE_MAX || !patch_sweep_safe(sw, a, len) ||
	    patch_relocate_line(win + (a - wstart), s->sys - a, a, s->sys, tmp, sizeof tmp, &outlen))
		return -EINVAL;
	s->addr = a;
	s->len = (uint8_t)len;
	s->form = IL_FORM_TSC_BEFORE;
	memcpy(s->code, win + (a - wstart), len);
	return 0;
}

int il_site_find(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t sys, struct il_site *s,
		 struct patch_sweep_cache *cache)
{
	memset(s, 0, sizeof *s);
	if (sys < wstart || sys - wstart + SYSCALL_LEN > wlen)
		return -ENOENT;
	size_t off = sys - wstart, il = SYSCALL_LEN;
	if (win[off] != 0x0f)
		return -ENOENT;
	if (win[off + 1] == 0x31) {
		s->nr = IL_NR_RDTSC;
	} else if (win[off + 1] == 0x01 && off + 3 <= wlen && win[off + 2] == 0xf9) {
		s->nr = IL_NR_RDTSCP;
		il = 3;
	} else if (win[off + 1] != 0x05) {
		return -ENOENT;
	}
	s->sys = sys;
	/* after: the instruction and whole instructions after it, relocatable */
	const uint8_t *after = win + off + il;
	size_t left = wlen - off - il, n = patch_site_len(after, left, sys + il);
	if (!n) {
		uint8_t lens[PATCH_RUN_INSNS], tmp[PATCH_RELOC_MAX];
		size_t outlen;
		int cnt = insn_lens(after, left, sys + il, PATCH_JMP_LEN - il, lens, PATCH_RUN_INSNS);
		for (int i = 0; i < cnt; i++)
			n += lens[i];
		if (cnt && patch_relocate_line(after, n, sys + il, sys, tmp, sizeof tmp, &outlen))
			n = 0;
	}
	/* One sweep (made at the first question) answers for both forms: of
	 * the code within SWEEP_REACH of the syscall, not the whole window
	 * (a sweep costs ~0.25 us an instruction; a syscall's wrapper is
	 * small, and rec and replay sweep the same bytes). */
	size_t lo = off > SWEEP_REACH ? off - SWEEP_REACH : 0;
	size_t hi = wlen - off > SWEEP_REACH ? off + SWEEP_REACH : wlen;
	const uint8_t *swin = win + lo;
	size_t swlen = hi - lo;
	uint64_t swstart = wstart + lo;
	struct patch_sweep *own = malloc(sizeof *own);
	const struct patch_sweep *sw = NULL;
	int ret = -EINVAL;
	if (!own)
		return -ENOMEM;
	if (n && il + n <= IL_SITE_MAX && (sw = patch_sweep_cached(cache, swin, swlen, swstart, own)) &&
	    patch_sweep_safe(sw, sys, il + n)) {
		s->addr = sys;
		s->len = (uint8_t)(il + n);
		s->form = s->nr ? IL_FORM_TSC : IL_FORM_AFTER;
		memcpy(s->code, win + off, s->len);
		ret = 0;
		goto out;
	}
	if (s->nr) { /* an rdtsc's other form: the instructions before it */
		if (!sw)
			sw = patch_sweep_cached(cache, swin, swlen, swstart, own);
		ret = sw ? tsc_before(win, wstart, sw, il, s) : -EINVAL;
		goto out;
	}
	/* mov: `mov $N, %eax` (glibc) or `mov $N, %rax` (Go: 48 c7 c0 imm32,
	 * N positive) right before it */
	size_t ml = off >= MOV_LEN && win[off - MOV_LEN] == 0xb8 ? MOV_LEN
		    : off >= MOVQ_LEN && win[off - MOVQ_LEN] == 0x48 && win[off - MOVQ_LEN + 1] == 0xc7 &&
				  win[off - MOVQ_LEN + 2] == 0xc0 && !(win[off - 1] & 0x80)
			    ? MOVQ_LEN
			    : 0;
	if (ml && !sw)
		sw = patch_sweep_cached(cache, swin, swlen, swstart, own);
	if (ml && sw && patch_sweep_safe(sw, sys - ml, ml + SYSCALL_LEN)) {
		s->addr = sys - ml;
		s->len = (uint8_t)(ml + SYSCALL_LEN);
		s->form = IL_FORM_MOV;
		memcpy(&s->nr, win + off - 4, 4);
		memcpy(s->code, win + off - ml, s->len);
		ret = 0;
	}
out:
	free(own);
	return ret;
}

uint64_t il_site_insn(const uint8_t *code, size_t len, uint64_t addr, int *tsc)
{
	*tsc = 0;
	if (len < 3)
		return addr;
	if (code[0] == 0x0f && (code[1] == 0x31 || (code[1] == 0x01 && code[2] == 0xf9))) {
		*tsc = 1; /* (a run before an rdtsc never starts with one: it cannot move) */
		return addr;
	}
	if (code[0] == 0x0f && code[1] == 0x05)
		return addr;
	if (code[len - 2] == 0x0f && code[len - 1] == 0x31) {
		*tsc = 1;
		return addr + len - 2;
	}
	if (code[len - 3] == 0x0f && code[len - 2] == 0x01 && code[len - 1] == 0xf9) {
		*tsc = 1;
		return addr + len - 3;
	}
	return addr + len - SYSCALL_LEN; /* the mov form ends with its syscall */
}

int il_tramp_build(uint8_t out[IL_TRAMP_MAX], size_t *outlen, uint64_t at, const struct il_site *s, uint64_t entry)
{
	static const uint8_t down[] = {0x48, 0x8d, 0x64, 0x24, 0x80};                   /* lea -0x80(%rsp),%rsp */
	static const uint8_t up[TRAMP_BACK] = {0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0}; /* lea 0x80(%rsp),%rsp */
	size_t o = 0, call_at, rl = 0;
	uint64_t back;
	memset(out, 0xcc, IL_TRAMP_MAX);
	if (s->form == IL_FORM_TSC_BEFORE) {
		/* the instructions before the rdtsc first */
		int r = patch_relocate_line(s->code, s->sys - s->addr, s->addr, at, out, PATCH_RELOC_MAX, &rl);
		if (r)
			return r;
		o = rl;
	}
	if (s->form == IL_FORM_MOV || s->form == IL_FORM_TSC || s->form == IL_FORM_TSC_BEFORE) {
		out[o++] = 0xb8; /* mov $nr, %eax: the syscall's number, or the TSC kind */
		memcpy(out + o, &s->nr, 4);
		o += 4;
		back = s->form == IL_FORM_MOV ? s->sys + SYSCALL_LEN : s->addr + s->len;
		rl = 0;
	} else if (s->form == IL_FORM_AFTER) {
		back = s->addr + s->len;
	} else {
		return -EINVAL;
	}
	memcpy(out + o, down, sizeof down);
	o += sizeof down;
	call_at = o;
	out[o++] = 0xff; /* call *disp32(%rip): the entry's address below */
	out[o++] = 0x15;
	o += 4;
	memcpy(out + o, up, sizeof up);
	o += sizeof up;
	if (s->form == IL_FORM_AFTER || s->form == IL_FORM_TSC) {
		int r = relocate_after(s, at + o, out + o, &rl);
		if (r)
			return r;
		o += rl;
	}
	out[o] = 0xe9;
	if (patch_rel32(at + o + 5, back, out + o + 1))
		return -ERANGE;
	o += 5;
	o = (o + 7) & ~(size_t)7;
	if (o + 8 > IL_TRAMP_MAX)
		return -EINVAL;
	memcpy(out + o, &entry, 8);
	if (patch_rel32(at + call_at + 6, at + o, out + call_at + 2))
		return -ERANGE;
	*outlen = o + 8;
	return 0;
}

int il_site_jump(uint8_t out[IL_SITE_MAX], const struct il_site *s, uint64_t tramp)
{
	memset(out, 0xcc, IL_SITE_MAX);
	int r = patch_jump(out, s->addr, tramp);
	if (!r && s->form == IL_FORM_MOV) {
		/* the syscall stays: a call the kernel restarts goes back to it */
		out[s->sys - s->addr] = 0x0f;
		out[s->sys - s->addr + 1] = 0x05;
	}
	return r;
}

uint64_t il_fix_rip(const struct il_site *s, uint64_t tramp, uint64_t rip)
{
	if (rip <= s->addr || rip >= s->addr + s->len)
		return rip;
	if (s->form == IL_FORM_MOV)
		return rip == s->sys ? tramp + MOV_LEN : 0; /* eax is N already */
	if (s->form == IL_FORM_TSC_BEFORE) {
		/* at an instruction boundary before the rdtsc: the relocated
		 * instructions (straight-line: the same lengths), or the
		 * trampoline's mov at the rdtsc itself */
		uint8_t lens[PATCH_RUN_INSNS];
		size_t n = s->sys - s->addr, k = 0;
		int cnt = insn_lens(s->code, n, s->addr, n, lens, PATCH_RUN_INSNS);
		for (int i = 0; i < cnt && k < n; k += lens[i++])
			if (s->addr + k == rip)
				return tramp + k;
		return rip == s->sys && k == n ? tramp + n : 0;
	}
	/* after (and TSC): at an instruction boundary after the syscall (the
	 * rdtsc); the relocated instructions keep their lengths but the last
	 * (a branch grows) */
	uint8_t lens[PATCH_RUN_INSNS];
	size_t il = insn_len_of(s), n = (size_t)s->len - il, k = il;
	size_t pre = (s->form == IL_FORM_TSC ? MOV_LEN : 0) + TRAMP_CALL_END + TRAMP_BACK;
	int cnt = insn_lens(s->code + il, n, s->sys + il, n, lens, PATCH_RUN_INSNS);
	for (int i = 0; i <= cnt; i++) {
		if (s->addr + k == rip)
			return tramp + pre + (k - il);
		if (i < cnt)
			k += lens[i];
	}
	return 0;
}

const struct il_patch *il_patch_at(const struct il_patches *tab, uint64_t a, uint64_t len)
{
	for (uint32_t i = 0; i < tab->n; i++) {
		const struct il_site *s = &tab->p[i].site;
		if (a < s->addr + s->len && a + len > s->addr)
			return &tab->p[i];
	}
	return NULL;
}

/* 1 if a jump at the run at addr reaches all of the page at base. */
static int page_reaches(uint64_t base, uint64_t addr)
{
	uint64_t lo = base < addr ? base : addr, hi = base < addr ? addr : base + IL_TRAMP_PAGE;
	return hi - lo < (1ull << 31) - 2 * IL_TRAMP_PAGE;
}

int il_patch_page_for(const struct il_patches *tab, uint64_t addr)
{
	for (uint32_t k = 0; k < tab->npages; k++)
		if (tab->page[k].base && tab->page[k].used < IL_TRAMP_PAGE / IL_TRAMP_SLOT &&
		    page_reaches(tab->page[k].base, addr))
			return (int)k;
	return -1;
}

uint32_t il_patch_next_slot(const struct il_patches *tab, int k)
{
	return tab->page[k].used * IL_TRAMP_SLOT;
}

int il_patch_add(struct il_patches *tab, const struct il_site *s, uint64_t base, uint32_t slot)
{
	uint32_t k;
	for (k = 0; k < tab->npages && tab->page[k].base != base; k++)
		;
	if (tab->n == IL_PATCH_MAX || (k == tab->npages && k == IL_PATCH_PAGES))
		return -ENOSPC;
	if (!base || (base & (IL_TRAMP_PAGE - 1)) || !page_reaches(base, s->addr) || il_patch_at(tab, s->addr, s->len))
		return -EINVAL;
	if (k == tab->npages) {
		tab->page[k].base = base;
		tab->page[k].used = 0;
		tab->npages++;
	}
	if (slot != tab->page[k].used * IL_TRAMP_SLOT || slot + IL_TRAMP_SLOT > IL_TRAMP_PAGE)
		return -EINVAL;
	tab->page[k].used++;
	tab->p[tab->n].site = *s;
	tab->p[tab->n++].tramp = base + slot;
	return 0;
}

uint64_t il_patches_fix_rip(const struct il_patches *tab, uint64_t rip)
{
	const struct il_patch *p = il_patch_at(tab, rip, 1);
	return p ? il_fix_rip(&p->site, p->tramp, rip) : rip;
}

int il_patch_in_tramp(const struct il_patches *tab, uint64_t rip)
{
	for (uint32_t k = 0; k < tab->npages; k++)
		if (tab->page[k].base && rip >= tab->page[k].base && rip < tab->page[k].base + IL_TRAMP_PAGE)
			return 1;
	return 0;
}

/* Forgets the patches in [a, b) and the trampoline pages there (with
 * their patches). */
static void patches_forget(struct il_patches *tab, uint64_t a, uint64_t b)
{
	for (uint32_t k = 0; k < tab->npages; k++)
		if (tab->page[k].base && tab->page[k].base < b && tab->page[k].base + IL_TRAMP_PAGE > a)
			tab->page[k].base = 0; /* its slot stays counted: never reused */
	for (uint32_t i = 0; i < tab->n;) {
		const struct il_patch *p = &tab->p[i];
		if ((p->site.addr < b && p->site.addr + p->site.len > a) || (p->tramp >= a && p->tramp < b))
			tab->p[i] = tab->p[--tab->n];
		else
			i++;
	}
}

void il_patches_syscall_forget(struct il_patches *tab, long nr, const uint64_t args[6], int64_t result)
{
	uint64_t r[2][2];
	for (int i = 0, n = tab->n ? site_syscall_replaced(nr, args, result, r) : 0; i < n; i++)
		patches_forget(tab, r[i][0], r[i][1]);
}
