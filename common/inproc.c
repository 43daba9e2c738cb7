/* inproc.c - the in-process library's control area, filled from the one
 * syscall table (docs/inprocess.md section 4). */
#include "inproc.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

/* The calls that may block the library makes without blocking, and how. */
static int il_io(long nr)
{
	switch (nr) {
	case SYS_read: return IL_IO_READ;
	case SYS_pread64: return IL_IO_PREAD;
	case SYS_write: return IL_IO_WRITE;
	case SYS_pwrite64: return IL_IO_PWRITE;
	case SYS_epoll_wait: return IL_IO_POLL;
	case SYS_epoll_pwait: return IL_IO_POLL;
	case SYS_accept: return IL_IO_NBFD;
	case SYS_accept4: return IL_IO_NBFD;
	case SYS_connect: return IL_IO_NBFD;
	default: return IL_IO_NONE;
	}
}

/* 1 if the library walks output kind k (inproc/lib.c). */
static int il_kind_walked(int k)
{
	return k == OUT_NONE || k == OUT_FIXED || k == OUT_RET || k == OUT_RET_ELEMS || k == OUT_LENPTR ||
	       k == OUT_SOCKOPT;
}

/* What the library checks before making call nr (IL_CHECK_*). */
static int il_check(long nr)
{
	switch (nr) {
	case SYS_openat: return IL_CHECK_OPEN;
	case SYS_close: return IL_CHECK_CLOSE;
	case SYS_fcntl: return IL_CHECK_FCNTL;
	case SYS_futex: return IL_CHECK_FUTEX;
	case SYS_ioctl: return IL_CHECK_IOCTL;
	case SYS_socket: return IL_CHECK_SOCKET;
	case SYS_setsockopt: return IL_CHECK_SOCKOPT;
	default: return IL_CHECK_NONE;
	}
}

int il_fd_replacing(long nr)
{
	switch (nr) {
	case SYS_close:
	case SYS_close_range:
	case SYS_dup2:
	case SYS_dup3:
		return 1; /* (execve: the new image gets a new control area) */
	default:
		return 0;
	}
}

unsigned il_fd_state_changing(long nr, const uint64_t args[6])
{
	const unsigned nb = IL_FD_NBKNOWN | IL_FD_NB, linger = IL_FD_NOLINGER | IL_FD_NEVERLINGER;
	switch (nr) {
	case SYS_fcntl:
		return (uint32_t)args[1] == F_SETFL ? nb : 0;
	case SYS_ioctl:
		return (uint32_t)args[1] == FIONBIO ? nb : 0;
	case SYS_setsockopt:
		return (int32_t)args[1] == SOL_SOCKET && (int32_t)args[2] == SO_LINGER ? linger : 0;
	default:
		return 0;
	}
}

/* 1 if the library can make d's call and record what it writes alone
 * (a temporary mask only where the library makes it traced: IL_IO_POLL;
 * fcntl, futex, ioctl: only the commands its check lets through). */
static int il_call_simple(const struct sc_desc *d, long nr)
{
	if (d->cls != SCC_EMU || (d->echo && d->echo != ECHO_BUF) || d->xfer_fd || d->reap ||
	    (d->mask_arg && (d->mask_arg & SC_MASK_INDIRECT || il_io(d - sc_table) != IL_IO_POLL)))
		return 0;
	for (int i = 0; i < 3; i++) {
		const struct sc_out *o = &d->out[i];
		if (!il_kind_walked(o->kind) &&
		    !(o->kind == OUT_FCNTL && il_check(nr) == IL_CHECK_FCNTL && o->a == 2) &&
		    !(o->kind == OUT_FUTEX && il_check(nr) == IL_CHECK_FUTEX) &&
		    !(o->kind == OUT_IOCTL && il_check(nr) == IL_CHECK_IOCTL && o->a == 2 &&
		      sc_ioctl_out_size(IL_TCGETS) == IL_TCGETS_SIZE))
			return 0;
		if (o->kind != OUT_NONE && (o->a >= 6 || (o->kind != OUT_FIXED && o->b >= 6)))
			return 0;
	}
	return 1;
}

int il_helpers_denied(const uint8_t *deny)
{
	static const long helpers[] = {
		SYS_getpid, SYS_process_vm_readv, SYS_fstat, SYS_fcntl, SYS_getsockopt, SYS_newfstatat,
		SYS_preadv2, SYS_pwritev2,
	};
	for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
		if (deny[helpers[i] / 8] & (1u << (helpers[i] % 8)))
			return 1;
	return 0;
}

int il_ctl_init(struct il_ctl *ctl, const long *nrs, int n)
{
	memset(ctl, 0, sizeof *ctl);
	ctl->magic = IL_MAGIC;
	ctl->version = IL_VERSION;
	ctl->mode = IL_MODE_OFF;
	if (n < 0)
		return -EINVAL;
	if (n > IL_MAX_CALLS)
		return -E2BIG;
	for (int i = 0; i < n; i++) {
		const struct sc_desc *d = sc_lookup(nrs[i]);
		if (!d || !il_call_simple(d, nrs[i]) || (d->echo && il_io(nrs[i]) == IL_IO_NONE)) {
			/* nothing allowed rather than part of the list */
			memset(ctl->allow, 0, sizeof ctl->allow);
			memset(ctl->slot, 0, sizeof ctl->slot);
			ctl->ncalls = 0;
			return -EINVAL;
		}
		if (ctl->slot[nrs[i]])
			continue;
		struct il_call *c = &ctl->calls[ctl->ncalls];
		c->nr = (uint16_t)nrs[i];
		c->nargs = d->nargs;
		c->io = (uint8_t)il_io(nrs[i]);
		c->echo = d->echo;
		c->check = (uint8_t)il_check(nrs[i]);
		memcpy(c->out, d->out, sizeof c->out);
		ctl->slot[nrs[i]] = (uint8_t)++ctl->ncalls;
		ctl->allow[nrs[i] / 8] |= (uint8_t)(1u << (nrs[i] % 8));
	}
	/* getcpu: made for rdtscp only (its slot stays 0: the program's go
	 * traced); its bit cleared when a program's filter may refuse it */
	ctl->allow[SYS_getcpu / 8] |= (uint8_t)(1u << (SYS_getcpu % 8));
	return 0;
}

const char *il_nr_name(long nr, char buf[32])
{
	if (nr == IL_NR_RDTSC)
		return "rdtsc";
	if (nr == IL_NR_RDTSCP)
		return "rdtscp";
	return sc_name(nr, buf);
}
