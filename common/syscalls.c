/* syscalls.c - lookups over the syscall table and the output-memory walker. */
#include "syscalls.h"

#include <asm/ioctls.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/fb.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/ioctl.h>
#include <linux/kd.h>
#include <linux/loop.h>
#include <linux/sockios.h>
#include <linux/vt.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>

const struct sc_desc *sc_lookup(long nr)
{
	if (nr < 0 || nr >= SC_MAX || !sc_table[nr].name)
		return NULL;
	return &sc_table[nr];
}

const char *sc_name(long nr, char buf[32])
{
	const struct sc_desc *d = sc_lookup(nr);
	if (d)
		return d->name;
	snprintf(buf, 32, "syscall_%ld", nr);
	return buf;
}

const char *sc_class_name(int cls)
{
	static const char *const names[SCC_NCLASSES] = {
		"unknown", "emulated", "re-executed", "re-executed (result from trace)",
		"mmap",    "mremap",   "brk",         "execve",
		"exit",    "process",  "refused",     "shmat",
		"shmdt",
	};
	return (cls >= 0 && cls < SCC_NCLASSES) ? names[cls] : "?";
}

/* Ioctl requests the _IOC encoding does not describe: the old numbers
 * (terminals 'T', sockets 0x89, block devices 0x12, the console 'K'/'V',
 * loop 'L', framebuffer 'F', SCSI generic 0x22, FIBMAP/FIGETBSZ) carry no
 * direction or size, and a few encoded ones write more than they say
 * (TUNGETIFF). Sizes are what the kernel writes through the pointer on
 * x86-64; 0: nothing. */
static const struct {
	unsigned int req;
	long size;
} legacy_ioctls[] = {
	/* terminals: termios (kernel's, 36 bytes), termio, winsize, ints */
	{TCGETS, 36},        {TCGETA, 18},        {TIOCGLCKTRMIOS, 36}, {TIOCGWINSZ, 8},
	{TIOCGPGRP, 4},      {TIOCGSID, 4},       {TIOCOUTQ, 4},        {FIONREAD, 4},
	{TIOCGETD, 4},       {TIOCMGET, 4},       {TIOCGSOFTCAR, 4},    {TIOCSERGETLSR, 4},
	{TIOCGSERIAL, 72},   {TIOCGICOUNT, 80},   {TIOCGRS485, 32},     {TIOCSRS485, 32},
	{TIOCLINUX, 1},      {FIOQSIZE, 8},
	{TCSETS, 0},         {TCSETSW, 0},        {TCSETSF, 0},         {TCSETA, 0},
	{TCSETAW, 0},        {TCSETAF, 0},        {TIOCSLCKTRMIOS, 0},  {TIOCSWINSZ, 0},
	{TIOCSPGRP, 0},      {TCFLSH, 0},         {TCXONC, 0},          {TCSBRK, 0},
	{TCSBRKP, 0},        {TIOCSBRK, 0},       {TIOCCBRK, 0},        {TIOCSCTTY, 0},
	{TIOCNOTTY, 0},      {TIOCEXCL, 0},       {TIOCNXCL, 0},        {TIOCSETD, 0},
	{TIOCMSET, 0},       {TIOCMBIS, 0},       {TIOCMBIC, 0},        {TIOCSSOFTCAR, 0},
	{TIOCSTI, 0},        {TIOCCONS, 0},       {TIOCPKT, 0},         {TIOCSSERIAL, 0},
	{TIOCSERCONFIG, 0},  {TIOCMIWAIT, 0},     {TIOCVHANGUP, 0},     {TIOCGPTPEER, 0},
	{FIONBIO, 0},        {FIOASYNC, 0},       {FIOCLEX, 0},         {FIONCLEX, 0},
	/* tun: TUNSETIFF writes the chosen name back, TUNGETIFF a whole ifreq */
	{TUNSETIFF, 40},     {TUNGETIFF, 40},
	/* sockets: ints, timestamps, struct ifreq (40), struct arpreq (68) */
	{FIOGETOWN, 4},      {SIOCGPGRP, 4},      {SIOCATMARK, 4},      {SIOCOUTQNSD, 4},
	{SIOCGSTAMP_OLD, 16}, {SIOCGSTAMPNS_OLD, 16},
	{SIOCGIFNAME, 40},   {SIOCGIFINDEX, 40},  {SIOCGIFFLAGS, 40},   {SIOCGIFPFLAGS, 40},
	{SIOCGIFADDR, 40},   {SIOCGIFDSTADDR, 40}, {SIOCGIFBRDADDR, 40}, {SIOCGIFNETMASK, 40},
	{SIOCGIFMETRIC, 40}, {SIOCGIFMTU, 40},    {SIOCGIFHWADDR, 40},  {SIOCGIFMAP, 40},
	{SIOCGIFTXQLEN, 40}, {SIOCGIFSLAVE, 40},  {SIOCGIFENCAP, 40},   {SIOCGMIIPHY, 40},
	{SIOCGMIIREG, 40},   {SIOCGARP, 68},
	{FIOSETOWN, 0},      {SIOCSPGRP, 0},      {SIOCGSKNS, 0},       {SIOCADDRT, 0},
	{SIOCDELRT, 0},      {SIOCSIFFLAGS, 0},   {SIOCSIFPFLAGS, 0},   {SIOCSIFADDR, 0},
	{SIOCDIFADDR, 0},    {SIOCSIFDSTADDR, 0}, {SIOCSIFBRDADDR, 0},  {SIOCSIFNETMASK, 0},
	{SIOCSIFMETRIC, 0},  {SIOCSIFMTU, 0},     {SIOCSIFNAME, 0},     {SIOCSIFHWADDR, 0},
	{SIOCSIFHWBROADCAST, 0}, {SIOCSIFMAP, 0}, {SIOCSIFTXQLEN, 0},   {SIOCSIFSLAVE, 0},
	{SIOCSIFENCAP, 0},   {SIOCSIFLINK, 0},    {SIOCADDMULTI, 0},    {SIOCDELMULTI, 0},
	{SIOCSMIIREG, 0},    {SIOCSARP, 0},       {SIOCDARP, 0},        {SIOCBRADDBR, 0},
	{SIOCBRDELBR, 0},    {SIOCBRADDIF, 0},    {SIOCBRDELIF, 0},
	/* block devices (BLKGETSIZE64 and BLKBSZGET are _IOR-encoded) */
	{BLKGETSIZE, 8},     {BLKSSZGET, 4},      {BLKROGET, 4},        {BLKRAGET, 8},
	{BLKFRAGET, 8},      {BLKSECTGET, 2},     {BLKIOMIN, 4},        {BLKIOOPT, 4},
	{BLKALIGNOFF, 4},    {BLKPBSZGET, 4},     {BLKDISCARDZEROES, 4}, {BLKROTATIONAL, 2},
	{FIBMAP, 4},         {FIGETBSZ, 4},
	{BLKROSET, 0},       {BLKRRPART, 0},      {BLKFLSBUF, 0},       {BLKRASET, 0},
	{BLKFRASET, 0},      {BLKDISCARD, 0},     {BLKSECDISCARD, 0},   {BLKZEROOUT, 0},
	/* loop devices */
	{LOOP_GET_STATUS, 168}, {LOOP_GET_STATUS64, 232},
	{LOOP_SET_FD, 0},    {LOOP_CLR_FD, 0},    {LOOP_SET_STATUS, 0}, {LOOP_SET_STATUS64, 0},
	{LOOP_CHANGE_FD, 0}, {LOOP_SET_CAPACITY, 0}, {LOOP_SET_DIRECT_IO, 0},
	{LOOP_SET_BLOCK_SIZE, 0}, {LOOP_CONFIGURE, 0}, {LOOP_CTL_ADD, 0}, {LOOP_CTL_REMOVE, 0},
	{LOOP_CTL_GET_FREE, 0},
	/* console and virtual terminals */
	{KDGKBTYPE, 1},      {KDGETLED, 1},       {KDGKBLED, 1},        {KDGETMODE, 4},
	{KDGKBMODE, 4},      {KDGKBMETA, 4},      {VT_OPENQRY, 4},      {VT_GETMODE, 8},
	{VT_GETSTATE, 6},
	{KDSETLED, 0},       {KDSKBLED, 0},       {KDSETMODE, 0},       {KDSKBMODE, 0},
	{KDSKBMETA, 0},      {KIOCSOUND, 0},      {KDMKTONE, 0},        {VT_SETMODE, 0},
	{VT_ACTIVATE, 0},    {VT_WAITACTIVE, 0},  {VT_DISALLOCATE, 0},  {VT_RELDISP, 0},
	/* framebuffer: FBIOPUT_VSCREENINFO writes the adjusted mode back */
	{FBIOGET_VSCREENINFO, 160}, {FBIOPUT_VSCREENINFO, 160}, {FBIOGET_FSCREENINFO, 80},
	{FBIOPAN_DISPLAY, 0}, {FBIOBLANK, 0},
	/* SCSI generic */
	{SG_GET_VERSION_NUM, 4},
};

/* Types whose requests may be old numbers: an unlisted _IO-shaped request of
 * one of these may well write, so it is unknown rather than "writes nothing".
 * (SIOCGIFCONF, SIOCETHTOOL, SG_IO and the like write through pointers held
 * in the argument, which a size cannot describe: they stay unknown.) */
static int legacy_type(unsigned int type)
{
	return type < 0x20 || type == 'T' || type == 0x89 || type == 'K' || type == 'V' ||
	       type == 'L' || type == 'F' || type == 'S' || type == 0x22;
}

long sc_ioctl_out_size(unsigned long request)
{
	unsigned int req = (unsigned int)request; /* the kernel's cmd is 32 bits */
	for (size_t i = 0; i < sizeof legacy_ioctls / sizeof legacy_ioctls[0]; i++)
		if (legacy_ioctls[i].req == req)
			return legacy_ioctls[i].size;
	if (_IOC_DIR(req) & _IOC_READ)
		return (long)_IOC_SIZE(req);
	if (_IOC_DIR(req) == _IOC_NONE && _IOC_SIZE(req) == 0 && legacy_type(_IOC_TYPE(req)))
		return -1;
	return 0;
}

/* Emits a region unless the pointer is NULL or the length is 0. */
static int emit(sc_region_fn fn, void *ctx, uint64_t addr, uint64_t len)
{
	if (!addr || !len)
		return 0;
	return fn(ctx, addr, len);
}

static int walk_iov(sc_read_fn rd, sc_region_fn fn, void *ctx, uint64_t iov, uint64_t cnt, uint64_t total)
{
	for (uint64_t i = 0; i < cnt && total > 0; i++) {
		struct iovec v;
		if (rd(ctx, iov + i * sizeof v, &v, sizeof v) != (long)sizeof v)
			return 0;
		uint64_t n = v.iov_len < total ? v.iov_len : total;
		int r = emit(fn, ctx, (uint64_t)(uintptr_t)v.iov_base, n);
		if (r)
			return r;
		total -= n;
	}
	return 0;
}

/* The msghdr itself (the kernel updates lengths and flags), the name, the
 * received data and the control data. */
static int walk_msghdr(sc_read_fn rd, sc_region_fn fn, void *ctx, uint64_t addr, uint64_t total)
{
	struct msghdr m;
	if (rd(ctx, addr, &m, sizeof m) != (long)sizeof m)
		return 0;
	int r = emit(fn, ctx, addr, sizeof m);
	if (!r && m.msg_name)
		r = emit(fn, ctx, (uint64_t)(uintptr_t)m.msg_name, m.msg_namelen < 128 ? m.msg_namelen : 128);
	if (!r)
		r = walk_iov(rd, fn, ctx, (uint64_t)(uintptr_t)m.msg_iov, m.msg_iovlen, total);
	if (!r && m.msg_control)
		r = emit(fn, ctx, (uint64_t)(uintptr_t)m.msg_control, m.msg_controllen);
	return r;
}

/* What keyctl's operation a[0] wrote: a buffer it fills up to its length
 * (READ, DESCRIBE, GET_SECURITY: the result is the whole size;
 * CAPABILITIES), the bytes a DH or public-key operation produced, a
 * public key's query. The others write nothing. */
static int walk_keyctl(const uint64_t a[6], int64_t res, sc_region_fn fn, void *ctx)
{
	if (res < 0)
		return 0;
	switch (a[0]) {
	case 6:  /* KEYCTL_DESCRIBE (id, buffer, buflen) */
	case 11: /* KEYCTL_READ */
	case 17: /* KEYCTL_GET_SECURITY */
		return a[2] && res > 0 ? emit(fn, ctx, a[2], (uint64_t)res < a[3] ? (uint64_t)res : a[3]) : 0;
	case 31: /* KEYCTL_CAPABILITIES (buffer, buflen) */
		return a[1] && res > 0 ? emit(fn, ctx, a[1], (uint64_t)res < a[2] ? (uint64_t)res : a[2]) : 0;
	case 23: /* KEYCTL_DH_COMPUTE (params, buffer, buflen, kdf) */
		return a[2] && res > 0 ? emit(fn, ctx, a[2], (uint64_t)res) : 0;
	case 24: /* KEYCTL_PKEY_QUERY (id, 0, info string, struct keyctl_pkey_query) */
		return emit(fn, ctx, a[4], 56);
	case 25: /* KEYCTL_PKEY_ENCRYPT (params, info, in, out) */
	case 26: /* KEYCTL_PKEY_DECRYPT */
	case 27: /* KEYCTL_PKEY_SIGN */
		return res > 0 ? emit(fn, ctx, a[4], (uint64_t)res) : 0;
	default:
		return 0;
	}
}

static int walk_one(const struct sc_out *o, const uint64_t a[6], int64_t res, sc_read_fn rd,
		    sc_region_fn fn, void *ctx)
{
	uint64_t ptr = o->a < 6 ? a[o->a] : 0;
	switch (o->kind) {
	case OUT_FIXED:
		return emit(fn, ctx, ptr, o->size);
	case OUT_RET:
		return res > 0 ? emit(fn, ctx, ptr, (uint64_t)res) : 0;
	case OUT_ARGLEN:
		return emit(fn, ctx, ptr, a[o->b] * (o->size ? o->size : 1));
	case OUT_LENPTR: {
		uint32_t len = 0;
		if (!a[o->b] || rd(ctx, a[o->b], &len, 4) != 4)
			return 0;
		int r = emit(fn, ctx, a[o->b], 4);
		return r ? r : emit(fn, ctx, ptr, o->size && len > o->size ? o->size : len);
	}
	case OUT_IOV:
		return res > 0 ? walk_iov(rd, fn, ctx, ptr, a[o->b], (uint64_t)res) : 0;
	case OUT_MSGHDR:
		return res >= 0 ? walk_msghdr(rd, fn, ctx, ptr, (uint64_t)res) : 0;
	case OUT_MMSGHDR:
		for (int64_t i = 0; i < res; i++) {
			uint64_t e = ptr + (uint64_t)i * (sizeof(struct msghdr) + 8);
			uint32_t len = 0;
			if (rd(ctx, e + sizeof(struct msghdr), &len, 4) != 4)
				return 0;
			int r = emit(fn, ctx, e + sizeof(struct msghdr), 4);
			if (!r)
				r = walk_msghdr(rd, fn, ctx, e, len);
			if (r)
				return r;
		}
		return 0;
	case OUT_IOCTL: {
		long sz = sc_ioctl_out_size(a[1]);
		return sz > 0 ? emit(fn, ctx, a[2], (uint64_t)sz) : 0;
	}
	case OUT_FDSET:
		return emit(fn, ctx, ptr, (a[o->b] + 63) / 64 * 8);
	case OUT_PAGEVEC:
		return emit(fn, ctx, ptr, a[o->b] / 4096 + !!(a[o->b] % 4096));
	case OUT_FDSETS:
		for (int i = 0; i < 3 && o->a + i < 6; i++) {
			int r = emit(fn, ctx, a[o->a + i], (a[o->b] + 63) / 64 * 8);
			if (r)
				return r;
		}
		return 0;
	case OUT_RET_ELEMS:
		return res > 0 ? emit(fn, ctx, ptr, (uint64_t)res * o->size) : 0;
	case OUT_FCNTL:
		switch (a[1]) {
		case F_GETLK:
		case F_OFD_GETLK:
			return emit(fn, ctx, a[2], sizeof(struct flock));
		case F_GET_RW_HINT:
		case F_GET_FILE_RW_HINT:
			return emit(fn, ctx, a[2], 8);
		case F_GETOWN_EX:
			return emit(fn, ctx, a[2], sizeof(struct f_owner_ex));
		default:
			return 0;
		}
	case OUT_FUTEX:
		/* Plain waits and wakes write nothing; uaddr2 is garbage then. */
		switch (a[1] & 0x7f) { /* FUTEX_CMD_MASK without the private and clock flags */
		case 5:  /* FUTEX_WAKE_OP: changes uaddr2 */
		case 11: /* FUTEX_WAIT_REQUEUE_PI */
		case 12: /* FUTEX_CMP_REQUEUE_PI */
			return emit(fn, ctx, a[4], 4) ?: emit(fn, ctx, a[0], 4);
		case 6:  /* FUTEX_LOCK_PI */
		case 7:  /* FUTEX_UNLOCK_PI */
		case 8:  /* FUTEX_TRYLOCK_PI */
		case 13: /* FUTEX_LOCK_PI2 */
			return emit(fn, ctx, a[0], 4);
		default:
			return 0;
		}
	case OUT_KEYCTL:
		return walk_keyctl(a, res, fn, ctx);
	case OUT_SOCKOPT: {
		uint32_t len = 0;
		if (!a[4] || rd(ctx, a[4], &len, 4) != 4)
			return 0;
		int r = emit(fn, ctx, a[4], 4);
		return r ? r : emit(fn, ctx, a[3], len);
	}
	default:
		return 0;
	}
}

uint64_t sc_pi_lock_word(long nr, const uint64_t args[6])
{
	if (nr != SYS_futex)
		return 0;
	switch (args[1] & 0x7f) { /* FUTEX_CMD_MASK */
	case 6:  /* FUTEX_LOCK_PI */
	case 13: /* FUTEX_LOCK_PI2 */
		return args[0];
	default:
		return 0;
	}
}

int64_t sc_reaped(const struct sc_desc *d, const uint64_t args[6], int64_t result, sc_read_fn rd, void *ctx)
{
	if (d->reap == SC_REAP_WAIT4) {
		int status;
		if (result <= 0)
			return 0;
		/* Without a status, wait4 (no WUNTRACED/WCONTINUED) reaped it. */
		if (args[1] && rd(ctx, args[1], &status, sizeof status) == (long)sizeof status &&
		    !WIFEXITED(status) && !WIFSIGNALED(status))
			return 0; /* a stop or a continue reported */
		return result;
	}
	if (d->reap == SC_REAP_WAITID) {
		siginfo_t si;
		if (result != 0 || (args[3] & WNOWAIT))
			return 0;
		if (!args[2]) /* no siginfo: only a wait for one pid names it */
			return args[0] == P_PID ? (int64_t)args[1] : 0;
		if (rd(ctx, args[2], &si, sizeof si) != (long)sizeof si || si.si_pid <= 0)
			return 0;
		return si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED ? si.si_pid : 0;
	}
	return 0;
}

int sc_futex_quick_write(long nr, const uint64_t args[6])
{
	if (nr != SYS_futex)
		return 0;
	switch (args[1] & 0x7f) { /* FUTEX_CMD_MASK */
	case 5: /* FUTEX_WAKE_OP: the second word */
	case 7: /* FUTEX_UNLOCK_PI: the word, to the next owner or 0 */
	case 8: /* FUTEX_TRYLOCK_PI */
		return 1;
	default:
		return 0;
	}
}

int sc_futex_wakes(const uint64_t args[6])
{
	switch (args[1] & 0x7f) { /* FUTEX_CMD_MASK */
	case 1:  /* FUTEX_WAKE */
	case 3:  /* FUTEX_CMP_REQUEUE (wakes, and requeues) */
	case 4:  /* FUTEX_REQUEUE */
	case 5:  /* FUTEX_WAKE_OP */
	case 7:  /* FUTEX_UNLOCK_PI */
	case 10: /* FUTEX_WAKE_BITSET */
		return 1;
	default:
		return 0;
	}
}

int sc_clone_args(long nr, const uint64_t args[6], sc_read_fn rd, void *ctx, struct sc_clone *c)
{
	memset(c, 0, sizeof *c);
	switch (nr) {
	case SYS_clone:
		c->flags = args[0];
		c->ptid = args[2];
		c->ctid = args[3];
		c->pidfd = c->flags & CLONE_PIDFD ? args[2] : 0; /* shares parent_tid's place */
		c->stack = args[1];
		return 0;
	case SYS_clone3: {
		/* struct clone_args: flags, pidfd, child_tid, parent_tid,
		 * exit_signal, stack, stack_size (in its every version) */
		uint64_t ca[7];
		if (rd(ctx, args[0], ca, sizeof ca) != (long)sizeof ca)
			return -EFAULT;
		c->flags = ca[0];
		c->pidfd = c->flags & CLONE_PIDFD ? ca[1] : 0;
		c->ctid = ca[2];
		c->ptid = ca[3];
		c->stack = ca[5] ? ca[5] + ca[6] : 0;
		c->flags_addr = args[0];
		return 0;
	}
	case SYS_fork:
		c->flags = SIGCHLD;
		return 0;
	case SYS_vfork:
		c->flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
		return 0;
	default:
		return -EINVAL;
	}
}

int sc_is_quick(const struct sc_desc *d)
{
	return d->cls == SCC_EXEC || d->cls == SCC_EXEC_RES || d->cls == SCC_MMAP || d->cls == SCC_MREMAP ||
	       d->cls == SCC_BRK || d->cls == SCC_SHMAT || d->cls == SCC_SHMDT;
}

int sc_unrecorded(long nr)
{
	return (int)nr == SYS_rt_sigaction; /* the low 32 bits, which the kernel and rec's filter read */
}

int sc_unknown_recordable(long nr, int64_t result)
{
	return !sc_lookup(nr) && result == -ENOSYS;
}

int sc_exec_refused(long nr, const uint64_t args[6])
{
	if (nr != SYS_madvise)
		return 0;
	uint64_t adv = args[2]; /* all 64 bits, as the sandbox's rules compare them */
	/* MADV_NORMAL..MADV_DONTNEED, MADV_FREE..MADV_COLLAPSE, MADV_GUARD_INSTALL/REMOVE */
	return !(adv <= 4 || (adv >= 8 && adv <= 25) || adv == 102 || adv == 103);
}

int sc_out_regions(const struct sc_desc *d, const uint64_t args[6], int64_t result,
		   sc_read_fn rd, sc_region_fn fn, void *ctx)
{
	if (result < 0 && result > -4096) {
		/* Failed calls write nothing, except the few that report
		 * remaining time or lengths on EINTR: those marked `always`. */
		for (int i = 0; i < 3; i++)
			if (d->out[i].always) {
				int r = walk_one(&d->out[i], args, result, rd, fn, ctx);
				if (r)
					return r;
			}
		return 0;
	}
	for (int i = 0; i < 3 && d->out[i].kind != OUT_NONE; i++) {
		int r = walk_one(&d->out[i], args, result, rd, fn, ctx);
		if (r)
			return r;
	}
	return 0;
}

/* Most bytes o can write, from the arguments alone (memory the syscall
 * writes, such as updated lengths, is not read). */
static int bound_one(const struct sc_out *o, const uint64_t a[6], sc_read_fn rd, sc_region_fn fn, void *ctx)
{
	uint64_t ptr = o->a < 6 ? a[o->a] : 0;
	switch (o->kind) {
	case OUT_RET:
		return emit(fn, ctx, ptr, a[o->b]);
	case OUT_RET_ELEMS:
		return emit(fn, ctx, ptr, a[o->b] * o->size);
	case OUT_LENPTR:
		return emit(fn, ctx, a[o->b], 4) ?: emit(fn, ctx, ptr, o->size ? o->size : 4096);
	case OUT_SOCKOPT:
		return emit(fn, ctx, a[4], 4) ?: emit(fn, ctx, a[3], 4096);
	case OUT_IOV:
		return walk_iov(rd, fn, ctx, ptr, a[o->b], UINT64_MAX);
	case OUT_MSGHDR:
		return walk_msghdr(rd, fn, ctx, ptr, UINT64_MAX);
	case OUT_MMSGHDR:
		for (uint64_t i = 0; i < a[2] && i < 1024; i++) {
			uint64_t e = ptr + i * (sizeof(struct msghdr) + 8);
			int r = emit(fn, ctx, e + sizeof(struct msghdr), 4) ?: walk_msghdr(rd, fn, ctx, e, UINT64_MAX);
			if (r)
				return r;
		}
		return 0;
	default:
		return walk_one(o, a, 0, rd, fn, ctx);
	}
}

int sc_out_bound(const struct sc_desc *d, const uint64_t args[6], sc_read_fn rd, sc_region_fn fn, void *ctx)
{
	for (int i = 0; i < 3 && d->out[i].kind != OUT_NONE; i++) {
		int r = bound_one(&d->out[i], args, rd, fn, ctx);
		if (r)
			return r;
	}
	return 0;
}

int sc_written(const struct sc_desc *d, const uint64_t args[6], int64_t result, sc_read_fn rd, sc_region_fn fn,
	       void *ctx)
{
	if (result <= 0)
		return 0;
	if (d->echo == ECHO_BUF)
		return emit(fn, ctx, args[1], (uint64_t)result);
	if (d->echo == ECHO_IOV)
		return walk_iov(rd, fn, ctx, args[1], args[2], (uint64_t)result);
	return 0;
}
