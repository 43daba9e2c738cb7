/* gdb_regs.c - the x86-64 registers as gdb numbers them: one table drives
 * the target description (qXfer:features:read:target.xml) and the g/G/p/P
 * packets. General registers come from PTRACE_GETREGS, x87/SSE from the
 * fxsave area (PTRACE_GETFPREGS), the upper halves of the AVX registers
 * from the XSAVE area (PTRACE_GETREGSET NT_X86_XSTATE). */
#include "gdb_int.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

enum { SRC_GP, SRC_FX, SRC_TAG, SRC_YMMH };
enum { F_CORE, F_SSE, F_LINUX, F_SEGMENTS, F_AVX, F_COUNT };

struct gdb_reg {
	const char *name;
	uint16_t bytes;   /* as gdb sees it */
	uint8_t src;
	uint16_t off;     /* SRC_GP: offset in user_regs_struct; SRC_FX: in the fxsave area; SRC_YMMH: index */
	uint8_t width;    /* bytes at off (zero-extended to `bytes`) */
	uint8_t feature;
	const char *type;
	const char *group;
};

#define GP(n, f, ty) {#n, 8, SRC_GP, offsetof(struct user_regs_struct, f), 8, F_CORE, ty, NULL}
#define GP32(n, f, ty) {#n, 4, SRC_GP, offsetof(struct user_regs_struct, f), 4, F_CORE, ty, NULL}
#define ST(i) {"st" #i, 10, SRC_FX, 32 + 16 * (i), 10, F_CORE, "i387_ext", NULL}
#define FX32(n, o, w) {#n, 4, SRC_FX, o, w, F_CORE, "int", "float"}
#define XMM(i) {"xmm" #i, 16, SRC_FX, 160 + 16 * (i), 16, F_SSE, "vec128", NULL}
#define YMMH(i) {"ymm" #i "h", 16, SRC_YMMH, i, 16, F_AVX, "uint128", NULL}

static const struct gdb_reg regs[] = {
	GP(rax, rax, "int64"), GP(rbx, rbx, "int64"), GP(rcx, rcx, "int64"), GP(rdx, rdx, "int64"),
	GP(rsi, rsi, "int64"), GP(rdi, rdi, "int64"), GP(rbp, rbp, "data_ptr"), GP(rsp, rsp, "data_ptr"),
	GP(r8, r8, "int64"), GP(r9, r9, "int64"), GP(r10, r10, "int64"), GP(r11, r11, "int64"),
	GP(r12, r12, "int64"), GP(r13, r13, "int64"), GP(r14, r14, "int64"), GP(r15, r15, "int64"),
	GP(rip, rip, "code_ptr"), GP32(eflags, eflags, "i386_eflags"),
	GP32(cs, cs, "int32"), GP32(ss, ss, "int32"), GP32(ds, ds, "int32"), GP32(es, es, "int32"),
	GP32(fs, fs, "int32"), GP32(gs, gs, "int32"),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FX32(fctrl, 0, 2), FX32(fstat, 2, 2), {"ftag", 4, SRC_TAG, 4, 2, F_CORE, "int", "float"},
	FX32(fiseg, 12, 2), FX32(fioff, 8, 4), FX32(foseg, 20, 2), FX32(fooff, 16, 4), FX32(fop, 6, 2),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	{"mxcsr", 4, SRC_FX, 24, 4, F_SSE, "i386_mxcsr", "vector"},
	{"orig_rax", 8, SRC_GP, offsetof(struct user_regs_struct, orig_rax), 8, F_LINUX, "int", NULL},
	{"fs_base", 8, SRC_GP, offsetof(struct user_regs_struct, fs_base), 8, F_SEGMENTS, "int", NULL},
	{"gs_base", 8, SRC_GP, offsetof(struct user_regs_struct, gs_base), 8, F_SEGMENTS, "int", NULL},
	YMMH(0), YMMH(1), YMMH(2), YMMH(3), YMMH(4), YMMH(5), YMMH(6), YMMH(7),
	YMMH(8), YMMH(9), YMMH(10), YMMH(11), YMMH(12), YMMH(13), YMMH(14), YMMH(15),
};
#define NREGS (sizeof regs / sizeof regs[0])
#define XSAVE_YMMH_OFF 576 /* the AVX component in the standard XSAVE layout */
#define XSAVE_MAX 4096

static const char *const feature_names[F_COUNT] = {"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
						   "org.gnu.gdb.i386.linux", "org.gnu.gdb.i386.segments",
						   "org.gnu.gdb.i386.avx"};

static const char *const feature_types[F_COUNT] = {
	"<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/>"
	"<field name=\"\" start=\"1\" end=\"1\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
	"<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
	"<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
	"<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
	"<field name=\"OF\" start=\"11\" end=\"11\"/><field name=\"NT\" start=\"14\" end=\"14\"/>"
	"<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>"
	"<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"VIF\" start=\"19\" end=\"19\"/>"
	"<field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" start=\"21\" end=\"21\"/></flags>",
	"<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/><vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/><vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/><vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/><union id=\"vec128\">"
	"<field name=\"v8_bfloat16\" type=\"v8bf16\"/><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>"
	"<flags id=\"i386_mxcsr\" size=\"4\"><field name=\"IE\" start=\"0\" end=\"0\"/>"
	"<field name=\"DE\" start=\"1\" end=\"1\"/><field name=\"ZE\" start=\"2\" end=\"2\"/>"
	"<field name=\"OE\" start=\"3\" end=\"3\"/><field name=\"UE\" start=\"4\" end=\"4\"/>"
	"<field name=\"PE\" start=\"5\" end=\"5\"/><field name=\"DAZ\" start=\"6\" end=\"6\"/>"
	"<field name=\"IM\" start=\"7\" end=\"7\"/><field name=\"DM\" start=\"8\" end=\"8\"/>"
	"<field name=\"ZM\" start=\"9\" end=\"9\"/><field name=\"OM\" start=\"10\" end=\"10\"/>"
	"<field name=\"UM\" start=\"11\" end=\"11\"/><field name=\"PM\" start=\"12\" end=\"12\"/>"
	"<field name=\"FZ\" start=\"15\" end=\"15\"/></flags>",
	"", "", "",
};

/* Whether this CPU (and so the replayed program's) has AVX state. */
static int have_avx(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & bit_AVX) && (c & bit_OSXSAVE);
}

static size_t nregs(void)
{
	return have_avx() ? NREGS : NREGS - 16;
}

int gdb_regs_xml(struct buf *out)
{
	size_t n = nregs();
	gdb_buf_printf(out, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
			    "<osabi>GNU/Linux</osabi>");
	for (int f = 0; f < F_COUNT; f++) {
		if (f == F_AVX && n < NREGS)
			break;
		gdb_buf_printf(out, "<feature name=\"%s\">%s", feature_names[f], feature_types[f]);
		for (size_t i = 0; i < n; i++)
			if (regs[i].feature == f)
				gdb_buf_printf(out, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%zu\"%s%s%s/>",
					       regs[i].name, regs[i].bytes * 8u, regs[i].type, i,
					       regs[i].group ? " group=\"" : "", regs[i].group ? regs[i].group : "",
					       regs[i].group ? "\"" : "");
		gdb_buf_printf(out, "</feature>");
	}
	return gdb_buf_printf(out, "</target>");
}

/* A thread's register state, fetched once per request. */
struct regstate {
	struct user_regs_struct gp;
	struct user_fpregs_struct fx;
	uint8_t xs[XSAVE_MAX];
	size_t xs_len;
	int have_xs;
};

static int regstate_get(pid_t tid, struct regstate *st, int want_xs)
{
	int r = regs_get(tid, &st->gp);
	if (r)
		return r;
	if (ptrace(PTRACE_GETFPREGS, tid, 0, &st->fx) < 0)
		return -errno;
	st->have_xs = 0;
	if (want_xs && have_avx()) {
		struct iovec iov = {st->xs, sizeof st->xs};
		if (ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, &iov) == 0 && iov.iov_len >= XSAVE_YMMH_OFF + 256) {
			st->xs_len = iov.iov_len;
			st->have_xs = 1;
		}
	}
	return 0;
}

/* The abridged tag byte of fxsave as the full x87 tag word gdb shows:
 * empty (3) or valid (0), zero (1) for a register whose bits are 0. */
static uint32_t full_tag(const struct user_fpregs_struct *fx)
{
	uint32_t tag = 0, top = (fx->swd >> 11) & 7;
	for (uint32_t phys = 0; phys < 8; phys++) {
		uint32_t t = 3;
		if (fx->ftw & (1u << phys)) {
			const uint8_t *st = (const uint8_t *)fx->st_space + 16 * ((phys - top) & 7);
			static const uint8_t zero[10];
			t = memcmp(st, zero, 10) ? 0 : 1;
		}
		tag |= t << (2 * phys);
	}
	return tag;
}

/* Appends register i's bytes (little-endian, gdb's width) to out. */
static void reg_bytes(const struct regstate *st, size_t i, uint8_t out[16])
{
	const struct gdb_reg *g = &regs[i];
	memset(out, 0, 16);
	if (g->src == SRC_GP) {
		memcpy(out, (const uint8_t *)&st->gp + g->off, g->width);
	} else if (g->src == SRC_FX) {
		memcpy(out, (const uint8_t *)&st->fx + g->off, g->width);
	} else if (g->src == SRC_TAG) {
		uint32_t tag = full_tag(&st->fx);
		memcpy(out, &tag, 4);
	} else if (st->have_xs) {
		uint64_t bv;
		memcpy(&bv, st->xs + 512, 8); /* xstate_bv: AVX (bit 2) in its initial state reads as 0 */
		if (bv & 4)
			memcpy(out, st->xs + XSAVE_YMMH_OFF + 16 * g->off, 16);
	}
}

int gdb_regs_read_all(pid_t tid, struct buf *out)
{
	struct regstate st;
	int r = regstate_get(tid, &st, 1);
	if (r)
		return r;
	for (size_t i = 0; i < nregs(); i++) {
		uint8_t b[16];
		if (regs[i].src == SRC_YMMH && !st.have_xs)
			break;
		reg_bytes(&st, i, b);
		gdb_buf_hex(out, b, regs[i].bytes);
	}
	return out->err;
}

/* Reads tid's registers into st, with what register n needs (an AVX
 * upper half: the XSAVE area). Returns 0 or -errno. */
static int regstate_for(pid_t tid, uint32_t n, struct regstate *st)
{
	if (n >= nregs())
		return -EINVAL;
	int r = regstate_get(tid, st, regs[n].src == SRC_YMMH);
	if (r)
		return r;
	return regs[n].src == SRC_YMMH && !st->have_xs ? -EIO : 0;
}

int gdb_regs_read_one(pid_t tid, uint32_t n, struct buf *out)
{
	struct regstate st;
	int r = regstate_for(tid, n, &st);
	if (r)
		return r;
	uint8_t b[16];
	reg_bytes(&st, n, b);
	return gdb_buf_hex(out, b, regs[n].bytes);
}

/* Stores register i's new bytes into st. */
static void reg_store(struct regstate *st, size_t i, const uint8_t *v)
{
	const struct gdb_reg *g = &regs[i];
	if (g->src == SRC_GP) {
		uint64_t x = 0;
		memcpy(&x, v, g->bytes);
		memcpy((uint8_t *)&st->gp + g->off, &x, 8); /* 32-bit ones zero-extended */
	} else if (g->src == SRC_FX) {
		memcpy((uint8_t *)&st->fx + g->off, v, g->width);
	} else if (g->src == SRC_TAG) {
		uint32_t tag;
		memcpy(&tag, v, 4);
		st->fx.ftw = 0;
		for (int phys = 0; phys < 8; phys++)
			if (((tag >> (2 * phys)) & 3) != 3)
				st->fx.ftw |= (uint16_t)(1u << phys);
	} else if (st->have_xs) {
		uint64_t bv;
		memcpy(st->xs + XSAVE_YMMH_OFF + 16 * g->off, v, 16);
		memcpy(&bv, st->xs + 512, 8);
		if (!(bv & 4)) {
			/* leaving the initial state: the other upper halves are 0 */
			for (int k = 0; k < 16; k++)
				if (k != g->off)
					memset(st->xs + XSAVE_YMMH_OFF + 16 * k, 0, 16);
			bv |= 4;
			memcpy(st->xs + 512, &bv, 8);
		}
	}
}

static int regstate_set(pid_t tid, struct regstate *st)
{
	int r = regs_set(tid, &st->gp);
	if (r)
		return r;
	if (ptrace(PTRACE_SETFPREGS, tid, 0, &st->fx) < 0)
		return -errno;
	if (st->have_xs) {
		/* the legacy area of the XSAVE image is the fxsave one */
		memcpy(st->xs, &st->fx, sizeof st->fx < 512 ? sizeof st->fx : 512);
		struct iovec iov = {st->xs, st->xs_len};
		if (ptrace(PTRACE_SETREGSET, tid, NT_X86_XSTATE, &iov) < 0)
			return -errno;
	}
	return 0;
}

int gdb_regs_write_one(pid_t tid, uint32_t n, const uint8_t *v, size_t len, struct user_regs_struct *gp)
{
	struct regstate st;
	if (n < nregs() && len != regs[n].bytes)
		return -EINVAL;
	int r = regstate_for(tid, n, &st);
	if (r)
		return r;
	reg_store(&st, n, v);
	if ((r = regstate_set(tid, &st)))
		return r;
	*gp = st.gp;
	return 0;
}

int gdb_regs_write_all(pid_t tid, const uint8_t *v, size_t len, struct user_regs_struct *gp)
{
	struct regstate st;
	int r = regstate_get(tid, &st, 1);
	if (r)
		return r;
	size_t off = 0;
	for (size_t i = 0; i < nregs() && off + regs[i].bytes <= len; i++) {
		if (regs[i].src == SRC_YMMH && !st.have_xs)
			break;
		reg_store(&st, i, v + off);
		off += regs[i].bytes;
	}
	if ((r = regstate_set(tid, &st)))
		return r;
	*gp = st.gp;
	return 0;
}
