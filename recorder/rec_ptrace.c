/* rec_ptrace.c - ptrace for tracers inside the recording. A recorded
 * thread may attach to another recorded thread, as LeakSanitizer's
 * StopTheWorld does (a CLONE_VM child attaches to every thread of its
 * parent, waits for each to stop, reads their registers, detaches), and
 * debuggers and crash reporters do. rec already traces every thread, so
 * the kernel would refuse (EPERM); rec plays the tracer's part instead:
 * attach, the SIGSTOP stop the tracer waits for, registers and memory,
 * detach. A stopped thread is not scheduled until its tracer lets it go
 * (or ends). Every answer is a syscall result and memory written, recorded
 * like any emulated syscall: replay writes them back without knowing what
 * ptrace is. Other requests fail with EPERM, at once, so the program's
 * fallback runs (docs/limitations.md). */
#include "rec.h"
#include "../common/ptrace_util.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGSET_MAX 16384 /* the largest register set passed on (XSAVE areas are ~1-3 KiB) */

static struct rec_task *find(struct rec_session *s, pid_t tid)
{
	for (struct rec_task *c = s->tasks; c; c = c->next)
		if (c->tid == tid && c->state != T_EXITING && !c->exit_recorded)
			return c;
	return NULL;
}

/* Writes len bytes at addr in thread tid's memory. */
static int poke(pid_t tid, uint64_t addr, const void *src, size_t len)
{
	int fd = mem_open(tid);
	if (fd < 0)
		return fd;
	int r = mem_write(fd, addr, src, len);
	close(fd);
	return r ? -EFAULT : 0;
}

/* Writes len bytes at addr in t and notes them for t's syscall record. */
static int put(struct rec_task *t, uint64_t addr, const void *src, size_t len)
{
	if (t->nemu >= REC_EMU_REGIONS)
		return -E2BIG;
	int r = poke(t->tid, addr, src, len);
	if (r)
		return r;
	t->emu_regions[t->nemu].addr = addr;
	t->emu_regions[t->nemu].len = len;
	t->nemu++;
	return 0;
}

/* c's registers: from its stop, or as it entered the syscall it is in. */
static int regs_of(const struct rec_task *c, struct user_regs_struct *r)
{
	if (!regs_get(c->tid, r))
		return 0;
	if (!c->entry_regs_valid)
		return -ESRCH;
	*r = c->entry_regs;
	return 0;
}

/* PTRACE_GETREGSET into the tracer's iovec at iov_addr: NT_PRSTATUS from
 * regs_of, other sets from the kernel when c is in a ptrace stop. */
static int64_t getregset(struct rec_task *t, struct rec_task *c, uint64_t set, uint64_t iov_addr)
{
	struct iovec iov;
	if (mem_read(t->tid, iov_addr, &iov, sizeof iov) != (long)sizeof iov)
		return -EFAULT;
	uint8_t buf[REGSET_MAX];
	size_t n;
	if (set == NT_PRSTATUS) {
		struct user_regs_struct r;
		int e = regs_of(c, &r);
		if (e)
			return e;
		n = iov.iov_len < sizeof r ? iov.iov_len : sizeof r;
		memcpy(buf, &r, n);
	} else {
		struct iovec k = {buf, iov.iov_len < sizeof buf ? iov.iov_len : sizeof buf};
		if (ptrace(PTRACE_GETREGSET, c->tid, (void *)set, &k) < 0)
			return errno == ESRCH ? -EINVAL : -errno; /* not stopped: that set is not available */
		n = k.iov_len;
	}
	int e = put(t, (uint64_t)(uintptr_t)iov.iov_base, buf, n);
	iov.iov_len = n;
	if (!e)
		e = put(t, iov_addr + offsetof(struct iovec, iov_len), &iov.iov_len, sizeof iov.iov_len);
	return e;
}

/* A request heisen does not emulate: EPERM, with a line from rec (the
 * first REC_PTRACE_LINES of a recording: a prober may ask often). */
static int64_t refuse(struct rec_session *s, struct rec_task *t, long req)
{
	if (s->nptrace_refused++ < REC_PTRACE_LINES)
		msg("thread %d: ptrace request %ld for process %d: heisen emulates only a stop-the-world's attach, wait, reads and detach: refused with EPERM%s",
		    t->tid, req, (int)t->args[1], s->nptrace_refused == REC_PTRACE_LINES ? " (further refusals not shown)" : "");
	return -EPERM;
}

int64_t rec_ptrace_emulate(struct rec_session *s, struct rec_task *t)
{
	long req = (long)t->args[0];
	pid_t pid = (pid_t)t->args[1];
	uint64_t addr = t->args[2], data = t->args[3];
	struct rec_task *c = pid > 0 ? find(s, pid) : NULL;
	if (req == PTRACE_TRACEME || req == PTRACE_SEIZE || req == PTRACE_INTERRUPT || req == PTRACE_LISTEN)
		return refuse(s, t, req);
	if (req == PTRACE_ATTACH) {
		if (!c)
			return pid > 0 && kill(pid, 0) == 0 ? -EPERM : -ESRCH; /* (not in the recording) */
		if (c->etracer || tracee_tgid(c->tid) == tracee_tgid(t->tid))
			return -EPERM;
		c->etracer = t->tid;
		c->estopped = 1;
		c->ereport = 1; /* its SIGSTOP stop, for the tracer's wait */
		return 0;
	}
	if (!c || c->etracer != t->tid || !c->estopped)
		return -ESRCH; /* not a stopped tracee of this thread */
	switch (req) {
	case PTRACE_DETACH:
		c->etracer = 0;
		c->ereport = 0;
		c->estopped = 0;
		return 0;
	case PTRACE_CONT:
		c->estopped = 0;
		return 0;
	case PTRACE_GETREGS: {
		struct user_regs_struct r;
		int e = regs_of(c, &r);
		return e ? e : put(t, data, &r, sizeof r);
	}
	case PTRACE_GETFPREGS: {
		struct user_fpregs_struct f;
		if (ptrace(PTRACE_GETFPREGS, c->tid, 0, &f) < 0)
			return -EIO;
		return put(t, data, &f, sizeof f);
	}
	case PTRACE_GETREGSET:
		return getregset(t, c, addr, data);
	case PTRACE_PEEKDATA:
	case PTRACE_PEEKTEXT: {
		uint64_t w;
		if (mem_read(c->tid, addr, &w, sizeof w) != (long)sizeof w)
			return -EIO;
		return put(t, data, &w, sizeof w);
	}
	default:
		return refuse(s, t, req);
	}
}

int rec_ptrace_wait(struct rec_session *s, struct rec_task *t, int64_t *res)
{
	pid_t pid = (pid_t)t->args[0];
	for (struct rec_task *c = s->tasks; c; c = c->next) {
		if (c->etracer != t->tid || !c->ereport || (pid != -1 && pid != c->tid))
			continue;
		int status = 0x7f | SIGSTOP << 8; /* stopped by SIGSTOP */
		/* (wait4's status is in the table: captured at its end) */
		if (t->args[1] && poke(t->tid, t->args[1], &status, sizeof status))
			*res = -EFAULT;
		else
			*res = c->tid;
		c->ereport = 0;
		return 1;
	}
	return 0;
}

void rec_ptrace_gone(struct rec_session *s, struct rec_task *t)
{
	t->etracer = t->estopped = t->ereport = 0;
	for (struct rec_task *c = s->tasks; c; c = c->next)
		if (c->etracer == t->tid)
			c->etracer = c->estopped = c->ereport = 0;
}
