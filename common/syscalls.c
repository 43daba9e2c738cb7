/* syscalls.c - lookups over the syscall table and the output-memory walker. */
#include "syscalls.h"

#include <asm/ioctls.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdio.h>
#include <string.h>
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
		"exit",    "process",  "refused",
	};
	return (cls >= 0 && cls < SCC_NCLASSES) ? names[cls] : "?";
}

/* Legacy terminal ioctls predate the _IOC size encoding. */
static const struct {
	unsigned long req;
	long size;
} legacy_ioctls[] = {
	{TCGETS, 36},     {TIOCGWINSZ, 8}, {FIONREAD, 4}, {TIOCGPGRP, 4}, {TIOCGSID, 4},
	{TIOCOUTQ, 4},    {TIOCGETD, 4},   {TIOCMGET, 4}, {TIOCGSOFTCAR, 4},
	{TCSETS, 0},      {TCSETSW, 0},    {TCSETSF, 0},  {TIOCSWINSZ, 0}, {TIOCSPGRP, 0},
	{FIONBIO, 0},     {FIOCLEX, 0},    {FIONCLEX, 0}, {FIOASYNC, 0},   {TCFLSH, 0},
	{TCXONC, 0},      {TCSBRK, 0},     {TIOCSCTTY, 0}, {TIOCNOTTY, 0}, {TIOCEXCL, 0},
	{TIOCNXCL, 0},    {TIOCSETD, 0},   {TIOCMSET, 0}, {TIOCMBIS, 0},   {TIOCMBIC, 0},
	{TIOCSTI, 0},     {TIOCCONS, 0},   {TIOCSBRK, 0}, {TIOCCBRK, 0},
};

long sc_ioctl_out_size(unsigned long request)
{
	for (size_t i = 0; i < sizeof legacy_ioctls / sizeof legacy_ioctls[0]; i++)
		if (legacy_ioctls[i].req == request)
			return legacy_ioctls[i].size;
	if (_IOC_TYPE(request) == 'T' && _IOC_SIZE(request) == 0 && _IOC_DIR(request) == _IOC_NONE)
		return -1; /* an old tty request we do not know */
	if (_IOC_DIR(request) & _IOC_READ)
		return (long)_IOC_SIZE(request);
	if (_IOC_DIR(request) == _IOC_NONE && _IOC_SIZE(request) == 0 && _IOC_TYPE(request) < 0x20)
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
	case OUT_RET_ELEMS:
		return res > 0 ? emit(fn, ctx, ptr, (uint64_t)res * o->size) : 0;
	case OUT_FCNTL:
		switch (a[1]) {
		case F_GETLK:
		case F_OFD_GETLK:
			return emit(fn, ctx, a[2], sizeof(struct flock));
		case F_GETOWN_EX:
			return emit(fn, ctx, a[2], sizeof(struct f_owner_ex));
		default:
			return 0;
		}
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

int sc_out_regions(const struct sc_desc *d, const uint64_t args[6], int64_t result,
		   sc_read_fn rd, sc_region_fn fn, void *ctx)
{
	if (result < 0 && result > -4096) {
		/* Failed calls write nothing, except the few that report
		 * remaining time or lengths on EINTR: OUT_FIXED covers those. */
		for (int i = 0; i < 3; i++)
			if (d->out[i].kind == OUT_FIXED) {
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
