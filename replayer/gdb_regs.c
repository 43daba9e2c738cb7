/* gdb_regs.c - the x86-64 registers as gdb numbers them: one table drives
 * the target description (qXfer:features:read:target.xml) and the g/G/p/P
 * packets. General registers come from PTRACE_GETREGS, x87/SSE from the
 * fxsave area (PTRACE_GETFPREGS), the upper halves of the AVX registers
 * and the AVX-512 state (opmasks, zmm upper halves, xmm16-31) from the
 * XSAVE area (PTRACE_GETREGSET NT_X86_XSTATE), at the offsets CPUID leaf
 * 0xD gives for its components. */
#include "gdb_int.h"

#include <cpuid.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>

enum { SRC_GP, SRC_FX, SRC_TAG, SRC_XS };
enum { F_CORE, F_SSE, F_LINUX, F_SEGMENTS, F_AVX, F_AVX512, F_COUNT };
/* XSAVE state components */
enum { XC_AVX = 2, XC_OPMASK = 5, XC_ZMM_HI256 = 6, XC_HI16_ZMM = 7, XC_MAX = 8 };

struct gdb_reg {
	const char *name;
	uint16_t bytes;   /* as gdb sees it */
	uint8_t src;
	uint16_t off;     /* SRC_GP: offset in user_regs_struct; SRC_FX: in the fxsave area;
			     SRC_XS: in XSAVE component `comp` */
	uint8_t width;    /* bytes at off (zero-extended to `bytes`) */
	uint8_t feature;
	const char *type;
	const char *group;
	uint8_t comp;
};

#define GP(n, f, ty) {#n, 8, SRC_GP, offsetof(struct user_regs_struct, f), 8, F_CORE, ty, NULL, 0}
#define GP32(n, f, ty) {#n, 4, SRC_GP, offsetof(struct user_regs_struct, f), 4, F_CORE, ty, NULL, 0}
#define ST(i) {"st" #i, 10, SRC_FX, 32 + 16 * (i), 10, F_CORE, "i387_ext", NULL, 0}
#define FX32(n, o, w) {#n, 4, SRC_FX, o, w, F_CORE, "int", "float", 0}
#define XMM(i) {"xmm" #i, 16, SRC_FX, 160 + 16 * (i), 16, F_SSE, "vec128", NULL, 0}
#define YMMH(i) {"ymm" #i "h", 16, SRC_XS, 16 * (i), 16, F_AVX, "uint128", NULL, XC_AVX}
#define XMMZ(i) {"xmm" #i, 16, SRC_XS, 64 * ((i) - 16), 16, F_AVX512, "vec128", NULL, XC_HI16_ZMM}
#define YMMHZ(i) {"ymm" #i "h", 16, SRC_XS, 64 * ((i) - 16) + 16, 16, F_AVX512, "uint128", NULL, XC_HI16_ZMM}
#define K(i) {"k" #i, 8, SRC_XS, 8 * (i), 8, F_AVX512, "uint64", NULL, XC_OPMASK}
#define ZMMH(i) {"zmm" #i "h", 32, SRC_XS, 32 * (i), 32, F_AVX512, "v2ui128", NULL, XC_ZMM_HI256}
#define ZMMHZ(i) {"zmm" #i "h", 32, SRC_XS, 64 * ((i) - 16) + 32, 32, F_AVX512, "v2ui128", NULL, XC_HI16_ZMM}

static const struct gdb_reg regs[] = {
	GP(rax, rax, "int64"), GP(rbx, rbx, "int64"), GP(rcx, rcx, "int64"), GP(rdx, rdx, "int64"),
	GP(rsi, rsi, "int64"), GP(rdi, rdi, "int64"), GP(rbp, rbp, "data_ptr"), GP(rsp, rsp, "data_ptr"),
	GP(r8, r8, "int64"), GP(r9, r9, "int64"), GP(r10, r10, "int64"), GP(r11, r11, "int64"),
	GP(r12, r12, "int64"), GP(r13, r13, "int64"), GP(r14, r14, "int64"), GP(r15, r15, "int64"),
	GP(rip, rip, "code_ptr"), GP32(eflags, eflags, "i386_eflags"),
	GP32(cs, cs, "int32"), GP32(ss, ss, "int32"), GP32(ds, ds, "int32"), GP32(es, es, "int32"),
	GP32(fs, fs, "int32"), GP32(gs, gs, "int32"),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FX32(fctrl, 0, 2), FX32(fstat, 2, 2), {"ftag", 4, SRC_TAG, 4, 2, F_CORE, "int", "float", 0},
	FX32(fiseg, 12, 2), FX32(fioff, 8, 4), FX32(foseg, 20, 2), FX32(fooff, 16, 4), FX32(fop, 6, 2),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	{"mxcsr", 4, SRC_FX, 24, 4, F_SSE, "i386_mxcsr", "vector", 0},
	{"orig_rax", 8, SRC_GP, offsetof(struct user_regs_struct, orig_rax), 8, F_LINUX, "int", NULL, 0},
	{"fs_base", 8, SRC_GP, offsetof(struct user_regs_struct, fs_base), 8, F_SEGMENTS, "int", NULL, 0},
	{"gs_base", 8, SRC_GP, offsetof(struct user_regs_struct, gs_base), 8, F_SEGMENTS, "int", NULL, 0},
	YMMH(0), YMMH(1), YMMH(2), YMMH(3), YMMH(4), YMMH(5), YMMH(6), YMMH(7),
	YMMH(8), YMMH(9), YMMH(10), YMMH(11), YMMH(12), YMMH(13), YMMH(14), YMMH(15),
	XMMZ(16), XMMZ(17), XMMZ(18), XMMZ(19), XMMZ(20), XMMZ(21), XMMZ(22), XMMZ(23),
	XMMZ(24), XMMZ(25), XMMZ(26), XMMZ(27), XMMZ(28), XMMZ(29), XMMZ(30), XMMZ(31),
	YMMHZ(16), YMMHZ(17), YMMHZ(18), YMMHZ(19), YMMHZ(20), YMMHZ(21), YMMHZ(22), YMMHZ(23),
	YMMHZ(24), YMMHZ(25), YMMHZ(26), YMMHZ(27), YMMHZ(28), YMMHZ(29), YMMHZ(30), YMMHZ(31),
	K(0), K(1), K(2), K(3), K(4), K(5), K(6), K(7),
	ZMMH(0), ZMMH(1), ZMMH(2), ZMMH(3), ZMMH(4), ZMMH(5), ZMMH(6), ZMMH(7),
	ZMMH(8), ZMMH(9), ZMMH(10), ZMMH(11), ZMMH(12), ZMMH(13), ZMMH(14), ZMMH(15),
	ZMMHZ(16), ZMMHZ(17), ZMMHZ(18), ZMMHZ(19), ZMMHZ(20), ZMMHZ(21), ZMMHZ(22), ZMMHZ(23),
	ZMMHZ(24), ZMMHZ(25), ZMMHZ(26), ZMMHZ(27), ZMMHZ(28), ZMMHZ(29), ZMMHZ(30), ZMMHZ(31),
};
#define NREGS (sizeof regs / sizeof regs[0])
#define NREGS_AVX512 (32 + 8 + 16 + 16 + 16)
#define XSAVE_MAX 4096
#define REG_MAX 32 /* bytes of the widest register */

static const char *const feature_names[F_COUNT] = {"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
						   "org.gnu.gdb.i386.linux", "org.gnu.gdb.i386.segments",
						   "org.gnu.gdb.i386.avx", "org.gnu.gdb.i386.avx512"};

/* gdb's vec128 (a feature's types are its own) */
#define VEC128_TYPES \
	"<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/><vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>" \
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/><vector id=\"v16i8\" type=\"int8\" count=\"16\"/>" \
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/><vector id=\"v4i32\" type=\"int32\" count=\"4\"/>" \
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/><union id=\"vec128\">" \
	"<field name=\"v8_bfloat16\" type=\"v8bf16\"/><field name=\"v4_float\" type=\"v4f\"/>" \
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>" \
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>" \
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>"

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
	VEC128_TYPES
	"<flags id=\"i386_mxcsr\" size=\"4\"><field name=\"IE\" start=\"0\" end=\"0\"/>"
	"<field name=\"DE\" start=\"1\" end=\"1\"/><field name=\"ZE\" start=\"2\" end=\"2\"/>"
	"<field name=\"OE\" start=\"3\" end=\"3\"/><field name=\"UE\" start=\"4\" end=\"4\"/>"
	"<field name=\"PE\" start=\"5\" end=\"5\"/><field name=\"DAZ\" start=\"6\" end=\"6\"/>"
	"<field name=\"IM\" start=\"7\" end=\"7\"/><field name=\"DM\" start=\"8\" end=\"8\"/>"
	"<field name=\"ZM\" start=\"9\" end=\"9\"/><field name=\"OM\" start=\"10\" end=\"10\"/>"
	"<field name=\"UM\" start=\"11\" end=\"11\"/><field name=\"PM\" start=\"12\" end=\"12\"/>"
	"<field name=\"FZ\" start=\"15\" end=\"15\"/></flags>",
	"", "", "", VEC128_TYPES "<vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>",
};

/* Whether this CPU (and so the replayed program's) has AVX state. */
static int have_avx(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & bit_AVX) && (c & bit_OSXSAVE);
}

/* The XSAVE components of AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM). */
#define XCR0_AVX512 0xe0u

int gdb_regs_features(const struct trace_header *h)
{
	int f = have_avx() ? GDB_REGS_AVX : 0;
	unsigned a, b, c, d, lo, hi;
	uint32_t rec7 = 0, recd = 0;
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		if (h->cpuid[i].leaf == 7 && h->cpuid[i].subleaf == 0)
			rec7 = h->cpuid[i].ebx;
		if (h->cpuid[i].leaf == 0xd && h->cpuid[i].subleaf == 0)
			recd = h->cpuid[i].eax;
	}
	if (!f || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX512F))
		return f;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & XCR0_AVX512) == XCR0_AVX512 && (rec7 & bit_AVX512F) && (recd & XCR0_AVX512) == XCR0_AVX512)
		f |= GDB_REGS_AVX512;
	return f;
}

static size_t nregs(int feats)
{
	if (!(feats & GDB_REGS_AVX))
		return NREGS - NREGS_AVX512 - 16;
	return feats & GDB_REGS_AVX512 ? NREGS : NREGS - NREGS_AVX512;
}

int gdb_regs_xml(int feats, struct buf *out)
{
	size_t n = nregs(feats);
	gdb_buf_printf(out, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
			    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
			    "<osabi>GNU/Linux</osabi>");
	for (int f = 0; f < F_COUNT; f++) {
		size_t k = 0;
		while (k < n && regs[k].feature != f)
			k++;
		if (k == n)
			continue; /* none of its registers */
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
	uint32_t xoff[XC_MAX]; /* each component's offset in the XSAVE area (0: not there) */
};

/* Whether st's XSAVE area has register i's component. */
static int has_comp(const struct regstate *st, size_t i)
{
	return st->have_xs && st->xoff[regs[i].comp];
}

static int regstate_get(pid_t tid, int feats, struct regstate *st, int want_xs)
{
	int r = regs_get(tid, &st->gp);
	if (r)
		return r;
	if (ptrace(PTRACE_GETFPREGS, tid, 0, &st->fx) < 0)
		return -errno;
	st->have_xs = 0;
	memset(st->xoff, 0, sizeof st->xoff);
	if (!want_xs || !(feats & GDB_REGS_AVX))
		return 0;
	long n = xstate_get(tid, st->xs, sizeof st->xs);
	if (n < 0)
		return 0;
	st->xs_len = (size_t)n;
	for (int c = XC_AVX; c < XC_MAX; c++) {
		unsigned size, off, ecx, edx;
		if ((c != XC_AVX && !(feats & GDB_REGS_AVX512)) || (c > XC_AVX && c < XC_OPMASK))
			continue;
		__cpuid_count(0xd, c, size, off, ecx, edx);
		if (size && off >= 576 && off + size <= st->xs_len)
			st->xoff[c] = off;
	}
	st->have_xs = st->xoff[XC_AVX] != 0;
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

static uint64_t xstate_bv(const struct regstate *st)
{
	uint64_t bv;
	memcpy(&bv, st->xs + 512, 8);
	return bv;
}

/* Register i's bytes (little-endian, gdb's width) into out. */
static void reg_bytes(const struct regstate *st, size_t i, uint8_t out[REG_MAX])
{
	const struct gdb_reg *g = &regs[i];
	memset(out, 0, REG_MAX);
	if (g->src == SRC_GP) {
		memcpy(out, (const uint8_t *)&st->gp + g->off, g->width);
	} else if (g->src == SRC_FX) {
		memcpy(out, (const uint8_t *)&st->fx + g->off, g->width);
	} else if (g->src == SRC_TAG) {
		uint32_t tag = full_tag(&st->fx);
		memcpy(out, &tag, 4);
	} else if (has_comp(st, i) && (xstate_bv(st) & (1ull << g->comp))) {
		/* a component in its initial state (xstate_bv bit clear) reads as 0 */
		memcpy(out, st->xs + st->xoff[g->comp] + g->off, g->width);
	}
}

int gdb_regs_read_all(int feats, pid_t tid, struct buf *out)
{
	struct regstate st;
	int r = regstate_get(tid, feats, &st, 1);
	if (r)
		return r;
	for (size_t i = 0; i < nregs(feats); i++) {
		uint8_t b[REG_MAX];
		if (regs[i].src == SRC_XS && !has_comp(&st, i))
			break;
		reg_bytes(&st, i, b);
		gdb_buf_hex(out, b, regs[i].bytes);
	}
	return out->err;
}

/* Reads tid's registers into st, with what register n needs (an AVX
 * register: the XSAVE area). Returns 0 or -errno. */
static int regstate_for(int feats, pid_t tid, uint32_t n, struct regstate *st)
{
	if (n >= nregs(feats))
		return -EINVAL;
	int r = regstate_get(tid, feats, st, regs[n].src == SRC_XS);
	if (r)
		return r;
	return regs[n].src == SRC_XS && !has_comp(st, n) ? -EIO : 0;
}

int gdb_regs_read_one(int feats, pid_t tid, uint32_t n, struct buf *out)
{
	struct regstate st;
	int r = regstate_for(feats, tid, n, &st);
	if (r)
		return r;
	uint8_t b[REG_MAX];
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
	} else if (has_comp(st, i)) {
		uint64_t bv = xstate_bv(st), bit = 1ull << g->comp;
		if (!(bv & bit)) {
			/* leaving the initial state: the rest of the component is 0 */
			unsigned size, off, ecx, edx;
			__cpuid_count(0xd, g->comp, size, off, ecx, edx);
			memset(st->xs + st->xoff[g->comp], 0, size);
			bv |= bit;
			memcpy(st->xs + 512, &bv, 8);
		}
		memcpy(st->xs + st->xoff[g->comp] + g->off, v, g->width);
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
		if ((r = xstate_set(tid, st->xs, st->xs_len)))
			return r;
	}
	return 0;
}

int gdb_regs_write_one(int feats, pid_t tid, uint32_t n, const uint8_t *v, size_t len, struct user_regs_struct *gp)
{
	struct regstate st;
	if (n < nregs(feats) && len != regs[n].bytes)
		return -EINVAL;
	int r = regstate_for(feats, tid, n, &st);
	if (r)
		return r;
	reg_store(&st, n, v);
	if ((r = regstate_set(tid, &st)))
		return r;
	*gp = st.gp;
	return 0;
}

int gdb_regs_write_all(int feats, pid_t tid, const uint8_t *v, size_t len, struct user_regs_struct *gp)
{
	struct regstate st;
	int r = regstate_get(tid, feats, &st, 1);
	if (r)
		return r;
	size_t off = 0;
	for (size_t i = 0; i < nregs(feats) && off + regs[i].bytes <= len; i++) {
		if (regs[i].src == SRC_XS && !has_comp(&st, i))
			break;
		reg_store(&st, i, v + off);
		off += regs[i].bytes;
	}
	if ((r = regstate_set(tid, &st)))
		return r;
	*gp = st.gp;
	return 0;
}
