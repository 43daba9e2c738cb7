/* patch.c - conditional-breakpoint trampolines (see patch.h). Capstone
 * decodes the patched instruction; this file only re-encodes the rel32
 * and disp32 fields a move to the trampoline changes. */
#include "patch.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

struct decoded {
	size_t len;
	int branch;     /* 1: jmp, 2: jcc (direct, rel8 or rel32): ends a run */
	uint8_t cc;     /* jcc: its condition (the low nibble of 7x / 0F 8x) */
	uint64_t target;
	int rip_disp;   /* rip-relative memory operand: disp32 at disp_off */
	uint8_t disp_off;
	int64_t disp;
};

/* Decodes the instruction at addr (n bytes there); 0 if it cannot move to
 * a trampoline (call, ret, syscall, rdtsc, indirect or loop branches...). */
/* A cache, not state: capstone builds its instruction-id table for each
 * handle it opens (3 us), and the recorder decodes at every patch, fix and
 * rdtsc (make -j2's recording opened 10,000 of them: 34 ms). Never closed:
 * it lives as long as the thread. */
csh patch_decoder(int skipdata)
{
	static __thread csh h[2];
	int k = skipdata != 0;
	if (!h[k]) {
		csh n;
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &n) != CS_ERR_OK)
			return 0;
		cs_option(n, CS_OPT_DETAIL, CS_OPT_ON);
		if (k)
			cs_option(n, CS_OPT_SKIPDATA, CS_OPT_ON);
		h[k] = n;
	}
	return h[k];
}

static int decode1(csh h, const uint8_t *code, size_t n, uint64_t addr, struct decoded *d)
{
	cs_insn *insn;
	int ok = 0;
	memset(d, 0, sizeof *d);
	if (cs_disasm(h, code, n, addr, 1, &insn) != 1)
		return 0;
	const cs_x86 *x = &insn->detail->x86;
	d->len = insn->size;
	if (cs_insn_group(h, insn, CS_GRP_CALL) || cs_insn_group(h, insn, CS_GRP_RET) ||
	    cs_insn_group(h, insn, CS_GRP_INT) || cs_insn_group(h, insn, CS_GRP_IRET) ||
	    insn->id == X86_INS_SYSCALL || insn->id == X86_INS_SYSENTER || insn->id == X86_INS_RDTSC ||
	    insn->id == X86_INS_RDTSCP || insn->id == X86_INS_UD2 || insn->id == X86_INS_HLT)
		goto out;
	if (cs_insn_group(h, insn, CS_GRP_JUMP)) {
		/* Only direct jmp and jcc move: EB/E9, 7x/0F 8x (no loop, jrcxz). */
		uint8_t op = x->opcode[0];
		if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM || (size_t)x->encoding.imm_offset + x->encoding.imm_size != d->len)
			goto out;
		if (op == 0xeb || op == 0xe9) {
			d->branch = 1;
		} else if ((op & 0xf0) == 0x70) {
			d->branch = 2, d->cc = op & 0x0f;
		} else if (op == 0x0f && (x->opcode[1] & 0xf0) == 0x80) {
			d->branch = 2, d->cc = x->opcode[1] & 0x0f;
		} else {
			goto out;
		}
		d->target = (uint64_t)x->operands[0].imm;
	}
	for (int i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM && x->operands[i].mem.base == X86_REG_RIP) {
			if (x->encoding.disp_size != 4 || d->branch)
				goto out;
			d->rip_disp = 1;
			d->disp_off = x->encoding.disp_offset;
			d->disp = x->operands[i].mem.disp;
		}
	ok = 1;
out:
	cs_free(insn, 1);
	return ok;
}

/* Decodes whole relocatable instructions from addr (code holds n bytes
 * from it) until they cover want bytes or a branch ends them (max of them
 * at most; d holds max). Returns the bytes they cover, 0 if an
 * instruction on the way cannot move. */
static size_t line_decode(const uint8_t *code, size_t n, uint64_t addr, size_t want, struct decoded *d, int max,
			  int *count)
{
	csh h;
	size_t len = 0;
	int i = 0, ok = 1;
	*count = 0;
	if (!(h = patch_decoder(0)))
		return 0;
	while (len < want && len < n) {
		if (i == max || !decode1(h, code + len, n - len, addr + len, &d[i])) {
			ok = 0;
			break;
		}
		len += d[i].len;
		if (d[i++].branch)
			break;
	}
	*count = i;
	return ok ? len : 0;
}

/* The run of instructions a patch at addr replaces: whole instructions
 * covering at least PATCH_JMP_LEN bytes, a branch only last. Fills d[]
 * (PATCH_RUN_INSNS at most); returns the run's length, 0 if none. */
static size_t run_decode(const uint8_t *code, size_t n, uint64_t addr, struct decoded d[PATCH_RUN_INSNS], int *count)
{
	size_t len = line_decode(code, n, addr, PATCH_JMP_LEN, d, PATCH_RUN_INSNS, count);
	return len >= PATCH_JMP_LEN && len <= PATCH_RUN_MAX ? len : 0;
}

size_t patch_site_len(const uint8_t *code, size_t n, uint64_t addr)
{
	struct decoded d[PATCH_RUN_INSNS];
	int cnt;
	return run_decode(code, n, addr, d, &cnt);
}

int patch_insn_steppable(const uint8_t *code, size_t n, uint64_t addr)
{
	csh h;
	cs_insn *insn;
	int ok = 0;
	if (!(h = patch_decoder(0)))
		return 0;
	if (cs_disasm(h, code, n, addr, 1, &insn) == 1) {
		unsigned id = insn->id;
		ok = !cs_insn_group(h, insn, CS_GRP_INT) && id != X86_INS_SYSCALL && id != X86_INS_SYSENTER &&
		     id != X86_INS_RDTSC && id != X86_INS_RDTSCP && id != X86_INS_UD2 && id != X86_INS_HLT &&
		     id != X86_INS_INT3;
		cs_free(insn, 1);
	}
	return ok;
}

size_t patch_rep_string_len(const uint8_t *code, size_t n, uint64_t addr)
{
	static const unsigned strings[] = {
		X86_INS_MOVSB, X86_INS_MOVSW, X86_INS_MOVSD, X86_INS_MOVSQ, X86_INS_STOSB, X86_INS_STOSW,
		X86_INS_STOSD, X86_INS_STOSQ, X86_INS_LODSB, X86_INS_LODSW, X86_INS_LODSD, X86_INS_LODSQ,
		X86_INS_CMPSB, X86_INS_CMPSW, X86_INS_CMPSD, X86_INS_CMPSQ, X86_INS_SCASB, X86_INS_SCASW,
		X86_INS_SCASD, X86_INS_SCASQ, X86_INS_INSB,  X86_INS_INSW,  X86_INS_INSD,  X86_INS_OUTSB,
		X86_INS_OUTSW, X86_INS_OUTSD,
	};
	csh h;
	cs_insn *insn;
	size_t len = 0, i = 0;
	int rep = 0;
	/* Most instructions carry no rep prefix: capstone (a decoder opened
	 * per call) only for those that do (this runs at every single step) */
	for (; i < n && i < 15 && ((code[i] & 0xf0) == 0x40 || code[i] == 0xf2 || code[i] == 0xf3 || code[i] == 0x66 ||
				    code[i] == 0x67 || code[i] == 0xf0 || code[i] == 0x2e || code[i] == 0x3e ||
				    code[i] == 0x26 || code[i] == 0x36 || code[i] == 0x64 || code[i] == 0x65);
	     i++)
		rep |= code[i] == 0xf2 || code[i] == 0xf3;
	if (!rep || i == n)
		return 0;
	if (!(h = patch_decoder(0)))
		return 0;
	if (cs_disasm(h, code, n, addr, 1, &insn) == 1) {
		const cs_x86 *x = &insn->detail->x86;
		rep = x->prefix[0] == X86_PREFIX_REP || x->prefix[0] == X86_PREFIX_REPNE;
		for (size_t k = 0; rep && k < sizeof strings / sizeof *strings; k++)
			if (insn->id == strings[k])
				len = insn->size;
		cs_free(insn, 1);
	}
	return len;
}

static int rel32(uint64_t from_end, uint64_t target, int32_t *out)
{
	int64_t rel = (int64_t)(target - from_end);
	if (rel < INT32_MIN || rel > INT32_MAX)
		return -ERANGE;
	*out = (int32_t)rel;
	return 0;
}

int patch_rel32(uint64_t from_end, uint64_t target, uint8_t out[4])
{
	int32_t rel;
	if (rel32(from_end, target, &rel))
		return -ERANGE;
	memcpy(out, &rel, 4);
	return 0;
}

/* Writes the cnt decoded instructions of code (from site) into out as
 * they must read at address to, at most cap bytes (see patch_relocate). */
static int relocate(const struct decoded *d, int cnt, const uint8_t *code, uint64_t site, uint64_t to, uint64_t loop,
		    uint8_t *out, size_t cap, size_t *outlen)
{
	size_t in = 0, o = 0;
	int32_t rel;
	for (int i = 0; i < cnt; i++) {
		const struct decoded *x = &d[i];
		size_t n = x->branch == 1 ? 5 : x->branch ? 6 : x->len;
		if (o + n > cap)
			return -ENOSPC;
		if (x->branch) {
			/* re-encoded as rel32: E9, or 0F 8x */
			if (rel32(to + o + n, loop && x->target == site ? loop : x->target, &rel))
				return -ERANGE;
			if (x->branch == 1) {
				out[o] = 0xe9;
			} else {
				out[o] = 0x0f;
				out[o + 1] = (uint8_t)(0x80 | x->cc);
			}
			memcpy(out + o + n - 4, &rel, 4);
		} else {
			memcpy(out + o, code + in, x->len);
			if (x->rip_disp) {
				if (rel32(to + o + x->len, site + in + x->len + (uint64_t)x->disp, &rel))
					return -ERANGE;
				memcpy(out + o + x->disp_off, &rel, 4);
			}
		}
		o += n;
		in += x->len;
	}
	*outlen = o;
	return 0;
}

int patch_relocate(const uint8_t *code, size_t len, uint64_t site, uint64_t to, uint8_t out[PATCH_RELOC_MAX],
		   size_t *outlen)
{
	struct decoded d[PATCH_RUN_INSNS];
	int cnt;
	if (run_decode(code, len, site, d, &cnt) != len)
		return -EINVAL;
	return relocate(d, cnt, code, site, to, 0, out, PATCH_RELOC_MAX, outlen);
}

int patch_loop_find(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t site, struct patch_loop *lp)
{
	struct decoded d[PATCH_LOOP_INSNS];
	int cnt;
	if (site < wstart || site - wstart >= wlen)
		return 0;
	/* from the site on to the first branch: the loop's back edge */
	size_t n = wlen - (site - wstart), len = line_decode(win + (site - wstart), n, site, PATCH_LOOP_MAX, d,
							     PATCH_LOOP_INSNS, &cnt);
	if (!len || !cnt || !d[cnt - 1].branch)
		return 0;
	/* a copy: the decode from the top below reuses d */
	const struct decoded br = d[cnt - 1], *b = &br;
	uint64_t top = b->target, end = site + len;
	if (top > site || top < wstart || end - top > PATCH_LOOP_MAX)
		return 0;
	/* from its top to the site: straight, in step with the site */
	if (top < site && line_decode(win + (top - wstart), site - top, top, site - top, d, PATCH_LOOP_INSNS, &cnt) !=
				  site - top)
		return 0;
	if (top < site && d[cnt - 1].branch)
		return 0;
	lp->top = top;
	lp->brk = end - b->len;
	lp->end = end;
	lp->cond = b->branch == 2 ? b->cc : -1;
	return 1;
}

uint64_t patch_loop_after_load(const uint8_t *win, size_t wlen, uint64_t wstart, const struct patch_loop *lp)
{
	csh h;
	cs_insn *insn;
	uint64_t found = 0;
	if (lp->top < wstart || lp->end - wstart > wlen || !(h = patch_decoder(0)))
		return 0;
	insn = cs_malloc(h);
	const uint8_t *p = win + (lp->top - wstart);
	size_t left = lp->brk - lp->top;
	uint64_t a = lp->top;
	while (!found && insn && cs_disasm_iter(h, &p, &left, &a, insn)) {
		const cs_x86 *x = &insn->detail->x86;
		for (int i = 0; i < x->op_count; i++)
			if (x->operands[i].type == X86_OP_MEM && (x->operands[i].access & CS_AC_READ) &&
			    x->operands[i].mem.base != X86_REG_RSP && insn->id != X86_INS_LEA)
				found = a; /* a: the address after it */
	}
	if (insn)
		cs_free(insn, 1);
	return found;
}

int patch_relocate_line(const uint8_t *code, size_t len, uint64_t addr, uint64_t to, uint8_t *out, size_t cap,
			size_t *outlen)
{
	struct decoded d[PATCH_LOOP_INSNS];
	int cnt;
	if (!len) {
		*outlen = 0;
		return 0;
	}
	if (line_decode(code, len, addr, len, d, PATCH_LOOP_INSNS, &cnt) != len || d[cnt - 1].branch)
		return -EINVAL;
	return relocate(d, cnt, code, addr, to, 0, out, cap, outlen);
}

static void sweep_set(uint64_t *bits, const struct patch_sweep *sw, uint64_t a)
{
	if (a >= sw->wstart && a - sw->wstart < sw->wlen)
		bits[(a - sw->wstart) / 64] |= 1ull << ((a - sw->wstart) % 64);
}

static int sweep_has(const uint64_t *bits, const struct patch_sweep *sw, uint64_t a)
{
	return a >= sw->wstart && a - sw->wstart < sw->wlen &&
	       (bits[(a - sw->wstart) / 64] >> ((a - sw->wstart) % 64) & 1);
}

int patch_sweep(const uint8_t *win, size_t wlen, uint64_t wstart, struct patch_sweep *sw)
{
	csh h;
	cs_insn *insn;
	if (wlen > PATCH_SWEEP_MAX)
		return -E2BIG;
	memset(sw, 0, sizeof *sw);
	sw->wstart = wstart;
	sw->wlen = wlen;
	if (!(h = patch_decoder(1))) /* skipdata: a linear sweep over padding and data */
		return -ENOMEM;
	insn = cs_malloc(h);
	const uint8_t *p = win;
	size_t left = wlen;
	uint64_t a = wstart;
	while (insn && cs_disasm_iter(h, &p, &left, &a, insn)) {
		if (insn->id != X86_INS_INVALID && insn->detail &&
		    (cs_insn_group(h, insn, CS_GRP_JUMP) || cs_insn_group(h, insn, CS_GRP_CALL))) {
			const cs_x86 *x = &insn->detail->x86;
			if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
				sweep_set(sw->target, sw, (uint64_t)x->operands[0].imm);
		}
		for (uint64_t b = insn->address + 1; b < insn->address + insn->size; b++)
			sweep_set(sw->inner, sw, b);
	}
	int ret = insn ? 0 : -ENOMEM;
	if (insn)
		cs_free(insn, 1);
	return ret;
}

int patch_sweep_safe(const struct patch_sweep *sw, uint64_t site, size_t len)
{
	if (site < sw->wstart || site - sw->wstart >= sw->wlen || len > sw->wlen - (site - sw->wstart))
		return 0;
	/* an instruction of the sweep straddling the run's start: the sweep
	 * is out of step there, or code jumps into it */
	if (sweep_has(sw->inner, sw, site))
		return 0;
	for (uint64_t t = site + 1; t < site + len; t++)
		if (sweep_has(sw->target, sw, t))
			return 0;
	return 1;
}

const struct patch_sweep *patch_sweep_cached(struct patch_sweep_cache *c, const uint8_t *win, size_t wlen,
					     uint64_t wstart, struct patch_sweep *own)
{
	if (!c)
		return patch_sweep(win, wlen, wstart, own) ? NULL : own;
	XXH128_hash_t h = XXH3_128bits_withSeed(win, wlen, wstart ^ ((uint64_t)wlen << 48));
	for (unsigned i = 0; i < PATCH_SWEEP_CACHED; i++)
		if (c->sw[i] && c->key[i][0] == h.low64 && c->key[i][1] == h.high64 && c->sw[i]->wstart == wstart &&
		    c->sw[i]->wlen == wlen)
			return c->sw[i];
	unsigned k = c->next++ % PATCH_SWEEP_CACHED;
	if (!c->sw[k] && !(c->sw[k] = malloc(sizeof *c->sw[k])))
		return NULL;
	c->key[k][0] = c->key[k][1] = 0;
	if (patch_sweep(win, wlen, wstart, c->sw[k]))
		return NULL;
	c->key[k][0] = h.low64;
	c->key[k][1] = h.high64;
	return c->sw[k];
}

void patch_sweep_cache_free(struct patch_sweep_cache *c)
{
	for (unsigned i = 0; i < PATCH_SWEEP_CACHED; i++) {
		free(c->sw[i]);
		c->sw[i] = NULL;
	}
}

int patch_run_safe(const uint8_t *win, size_t wlen, uint64_t wstart, uint64_t site, size_t len)
{
	struct patch_sweep sw;
	return !patch_sweep(win, wlen, wstart, &sw) && patch_sweep_safe(&sw, site, len);
}

#define STATUS_FLAGS (X86_EFLAGS_MODIFY_CF | X86_EFLAGS_MODIFY_PF | X86_EFLAGS_MODIFY_AF | X86_EFLAGS_MODIFY_ZF | \
		      X86_EFLAGS_MODIFY_SF | X86_EFLAGS_MODIFY_OF)

/* The status flags an instruction writes (as MODIFY_* bits) and reads (as
 * MODIFY_* bits too, translated from TEST_*). */
static void flag_use(uint64_t e, uint64_t *wr, uint64_t *rd)
{
	static const uint64_t map[6][5] = {
		{X86_EFLAGS_MODIFY_CF, X86_EFLAGS_TEST_CF, X86_EFLAGS_RESET_CF, X86_EFLAGS_SET_CF, X86_EFLAGS_UNDEFINED_CF},
		{X86_EFLAGS_MODIFY_PF, X86_EFLAGS_TEST_PF, X86_EFLAGS_RESET_PF, X86_EFLAGS_SET_PF, X86_EFLAGS_UNDEFINED_PF},
		{X86_EFLAGS_MODIFY_AF, X86_EFLAGS_TEST_AF, X86_EFLAGS_RESET_AF, X86_EFLAGS_SET_AF, X86_EFLAGS_UNDEFINED_AF},
		{X86_EFLAGS_MODIFY_ZF, X86_EFLAGS_TEST_ZF, X86_EFLAGS_RESET_ZF, X86_EFLAGS_SET_ZF, X86_EFLAGS_UNDEFINED_ZF},
		{X86_EFLAGS_MODIFY_SF, X86_EFLAGS_TEST_SF, X86_EFLAGS_RESET_SF, X86_EFLAGS_SET_SF, X86_EFLAGS_UNDEFINED_SF},
		{X86_EFLAGS_MODIFY_OF, X86_EFLAGS_TEST_OF, X86_EFLAGS_RESET_OF, X86_EFLAGS_SET_OF, X86_EFLAGS_UNDEFINED_OF},
	};
	*wr = *rd = 0;
	for (int i = 0; i < 6; i++) {
		if (e & map[i][1])
			*rd |= map[i][0];
		if (e & (map[i][0] | map[i][2] | map[i][3] | map[i][4]))
			*wr |= map[i][0];
	}
}

int patch_flags_dead(const uint8_t *code, size_t n, uint64_t addr)
{
	csh h;
	cs_insn *insn = NULL;
	uint64_t written = 0;
	int dead = 0;
	if (!(h = patch_decoder(0)))
		return 0;
	size_t cnt = cs_disasm(h, code, n, addr, 16, &insn);
	for (size_t i = 0; i < cnt; i++) {
		uint64_t wr, rd;
		const cs_insn *in = &insn[i];
		/* Capstone 4 does not say that these read flags (adc and sbb
		 * read CF, pushf and lahf read them all): taken as readers. */
		flag_use(in->detail->x86.eflags, &wr, &rd);
		switch (in->id) {
		case X86_INS_ADC: case X86_INS_SBB: case X86_INS_RCL: case X86_INS_RCR: case X86_INS_ADCX:
		case X86_INS_ADOX: case X86_INS_CMC: case X86_INS_PUSHF: case X86_INS_PUSHFQ: case X86_INS_LAHF:
		case X86_INS_POPF: case X86_INS_POPFQ: case X86_INS_SAHF: case X86_INS_SALC: case X86_INS_INTO:
			rd = STATUS_FLAGS;
			break;
		default:
			break;
		}
		if (rd & ~written)
			break; /* read before written: live */
		written |= wr;
		if ((written & STATUS_FLAGS) == STATUS_FLAGS) {
			dead = 1;
			break;
		}
		if (cs_insn_group(h, in, CS_GRP_JUMP) || cs_insn_group(h, in, CS_GRP_CALL) ||
		    cs_insn_group(h, in, CS_GRP_RET) || cs_insn_group(h, in, CS_GRP_INT) ||
		    cs_insn_group(h, in, CS_GRP_IRET) || in->id == X86_INS_SYSCALL)
			break; /* control leaves the straight line: assume live */
	}
	if (insn)
		cs_free(insn, cnt);
	return dead;
}

int patch_jump(uint8_t out[PATCH_JMP_LEN], uint64_t site, uint64_t target)
{
	int32_t rel;
	if (rel32(site + PATCH_JMP_LEN, target, &rel))
		return -ERANGE;
	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
	return 0;
}

enum { SLOT_RAX = 16, SLOT_FLAGS = 17, SLOT_WORDS = 18, NSLOTS = 18 + 2 * PATCH_WORDS };

struct emitter {
	struct patch_tramp *t;
	uint64_t at;
	int err;
};

static void emit(struct emitter *e, const void *p, size_t n)
{
	if (e->t->len + n > sizeof e->t->code) {
		e->err = -ENOSPC;
		return;
	}
	memcpy(e->t->code + e->t->len, p, n);
	e->t->len += n;
}

static uint64_t here(const struct emitter *e) { return e->at + e->t->len; }

/* cmp reg, [rip + (slot - end of insn)]; jne miss (rel32, patched later). */
static size_t emit_cmp(struct emitter *e, int reg, uint64_t slot)
{
	uint8_t b[13] = {(uint8_t)(0x48 | (reg >= 8 ? 4 : 0)), 0x3b, (uint8_t)(((reg & 7) << 3) | 5)};
	int32_t rel = 0;
	if (rel32(here(e) + 7, slot, &rel))
		e->err = -ERANGE;
	memcpy(b + 3, &rel, 4);
	b[7] = 0x0f;
	b[8] = 0x85;
	emit(e, b, sizeof b);
	return e->t->len - 4; /* where the jne's rel32 goes */
}

/* mov [rip+slot], rax (store) or mov rax, [rip+slot] (load). */
static void emit_rax_slot(struct emitter *e, int load, uint64_t slot)
{
	uint8_t b[7] = {0x48, load ? 0x8b : 0x89, 0x05};
	int32_t rel = 0;
	if (rel32(here(e) + 7, slot, &rel))
		e->err = -ERANGE;
	memcpy(b + 3, &rel, 4);
	emit(e, b, sizeof b);
}

/* The arithmetic flags back from the flags slot (AH: lahf, AL: OF), and rax. */
static void emit_flags_back(struct emitter *e, uint64_t slots)
{
	emit_rax_slot(e, 1, slots + 8 * SLOT_FLAGS);
	emit(e, (uint8_t[]){0x04, 0x7f, 0x9e}, 3); /* add al,0x7f (OF = al); sahf */
	emit_rax_slot(e, 1, slots + 8 * SLOT_RAX);
}

int patch_tramp_build(struct patch_tramp *t, uint64_t at, uint64_t site, const uint8_t *insn, size_t len,
		      const struct user_regs_struct *want)
{
	return patch_tramp_build_words(t, at, site, insn, len, want, NULL, 0);
}

int patch_tramp_build_words(struct patch_tramp *t, uint64_t at, uint64_t site, const uint8_t *insn, size_t len,
			    const struct user_regs_struct *want, const struct patch_word *words, size_t nwords)
{
	struct emitter e = {t, at, 0};
	memset(t, 0, sizeof *t);
	/* Data after the code: the wanted registers by number, then rax and
	 * the flags saved while comparing (the stack is not touched: its
	 * bytes are part of the state compared). */
	const uint64_t slots = at + PATCH_TRAMP_MAX - NSLOTS * 8;
	uint64_t v[NSLOTS] = {want->rax, want->rcx, want->rdx, want->rbx, want->rsp, want->rbp, want->rsi,
			      want->rdi, want->r8,  want->r9,  want->r10, want->r11, want->r12, want->r13,
			      want->r14, want->r15};
	if (nwords > PATCH_WORDS)
		return -EINVAL;
	for (size_t i = 0; i < nwords; i++) {
		v[SLOT_WORDS + 2 * i] = words[i].addr;
		v[SLOT_WORDS + 2 * i + 1] = words[i].val;
	}
	/* rax, rcx, rdx first: loop counters and accumulators change most. */
	static const int order[16] = {0, 1, 2, 6, 7, 8, 9, 10, 11, 3, 5, 12, 13, 14, 15, 4};
	size_t jne[16 + PATCH_WORDS];
	int ncmp = 16;
	emit_rax_slot(&e, 0, slots + 8 * SLOT_RAX);
	emit(&e, (uint8_t[]){0x0f, 0x90, 0xc0, 0x9f}, 4); /* seto al; lahf */
	emit_rax_slot(&e, 0, slots + 8 * SLOT_FLAGS);
	emit_rax_slot(&e, 1, slots + 8 * SLOT_RAX);
	for (int i = 0; i < 16; i++)
		jne[i] = emit_cmp(&e, order[i], slots + 8 * (uint64_t)order[i]);
	for (size_t i = 0; i < nwords; i++) {
		/* rax is saved: mov rax, [rip+waddr]; mov rax, [rax]; cmp rax, [rip+wval] */
		emit_rax_slot(&e, 1, slots + 8 * (SLOT_WORDS + 2 * i));
		emit(&e, (uint8_t[]){0x48, 0x8b, 0x00}, 3);
		jne[ncmp++] = emit_cmp(&e, 0, slots + 8 * (SLOT_WORDS + 2 * i + 1));
	}
	emit_flags_back(&e, slots);
	emit(&e, (uint8_t[]){0xcc}, 1);
	t->hit = here(&e);
	uint64_t miss = here(&e);
	emit_flags_back(&e, slots);
	t->reloc = here(&e);
	uint8_t moved[PATCH_RELOC_MAX];
	size_t mlen;
	int rr = patch_relocate(insn, len, site, t->reloc, moved, &mlen);
	if (rr)
		return rr;
	emit(&e, moved, mlen);
	uint8_t back[PATCH_JMP_LEN];
	if (patch_jump(back, here(&e), site + len))
		return -ERANGE;
	emit(&e, back, sizeof back);
	if (e.err)
		return e.err;
	for (int i = 0; i < ncmp; i++) {
		int32_t r;
		if (rel32(at + jne[i] + 4, miss, &r))
			return -ERANGE;
		memcpy(t->code + jne[i], &r, 4);
	}
	if (t->len > slots - at)
		return -ENOSPC;
	memcpy(t->code + (slots - at), v, sizeof v);
	t->len = PATCH_TRAMP_MAX;
	return 0;
}
