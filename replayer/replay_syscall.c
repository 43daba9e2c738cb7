/* replay_syscall.c - one syscall in replay: check it against the record,
 * then emulate it or run it again, as its table class says. */
#include "replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../common/ptrace_util.h"
#include "../common/sandbox.h"

#define PAGE_UP(x) (((x) + 4095) & ~(uint64_t)4095)

const char *replay_fmt_syscall(long nr, const uint64_t a[6], char *buf, size_t n)
{
	char nb[32];
	const struct sc_desc *d = sc_lookup(nr);
	int nargs = d ? d->nargs : 6;
	size_t len = (size_t)snprintf(buf, n, "%s(", sc_name(nr, nb));
	for (int i = 0; i < nargs && len < n; i++) {
		uint64_t v = a[i];
		if ((int64_t)v < 0 && (int64_t)v > -4096)
			len += (size_t)snprintf(buf + len, n - len, "%s%lld", i ? ", " : "", (long long)v);
		else
			len += (size_t)snprintf(buf + len, n - len, v < 4096 ? "%s%llu" : "%s%#llx", i ? ", " : "",
						(unsigned long long)v);
	}
	if (len < n)
		snprintf(buf + len, n - len, ")");
	return buf;
}

/* What the program sends must be what it sent when recorded (a silent
 * divergence of memory shows here); what goes to stdout and stderr is shown. */
static int check_written(struct replay_session *s, struct replay_task *t, const struct sc_desc *d,
			 const struct trace_syscall *sc)
{
	if (!d->echo || sc->result <= 0)
		return 0;
	int echo_fd = s->opt->quiet ? -1 : (sc->flags & SCF_ECHO_OUT) ? 1 : (sc->flags & SCF_ECHO_ERR) ? 2 : -1;
	if (s->cur.rec.event <= s->echoed)
		echo_fd = -1; /* shown already: gdb went back in time */
	else if (echo_fd >= 0)
		s->echoed = s->cur.rec.event;
	uint64_t h = 0;
	if (echo_fd == 1)
		fflush(stdout);
	int r = mem_written_hash(t->tid, d, sc->args, sc->result, echo_fd, &h);
	if ((sc->flags & SCF_DATAHASH) && (r || h != sc->datahash))
		return replay_diverged(s, t, "%s sent other bytes than when recorded", d->name);
	return 0;
}

static int set_result(struct replay_task *t, int64_t res)
{
	t->regs.rax = (uint64_t)res;
	return regs_set(t->tid, &t->regs);
}

static int emulate(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	if (sc->flags & SCF_FILEWRITE) {
		struct replay_shared *f = s->shared;
		while (f && f->file_id != sc->file_id)
			f = f->next;
		if (f && (((sc->flags & SCF_RESIZE) && ftruncate(f->fd, (off_t)sc->fw_size) < 0) ||
			  pwrite(f->fd, sc->fw_data, sc->fw_len, (off_t)sc->fw_offset) != (ssize_t)sc->fw_len))
			return replay_diverged(s, t, "cannot update the shared copy of a file: %s", strerror(errno));
	}
	for (uint32_t i = 0; i < sc->nregions; i++) {
		int r = mem_write(t->memfd, sc->regions[i].addr, sc->regions[i].data, sc->regions[i].len);
		if (r)
			return replay_diverged(s, t, "cannot write the recorded output of %s at %#llx: %s",
					       sc_lookup(sc->nr)->name, (unsigned long long)sc->regions[i].addr,
					       strerror(-r));
	}
	return set_result(t, sc->result);
}

static int interrupted(int64_t res)
{
	return res == -EINTR || (res <= -512 && res >= -516);
}

/* A signal that arrived while the syscall had a temporary mask (sigsuspend,
 * ppoll, pselect6, epoll_pwait) must be delivered under that mask again:
 * raise it, and let rt_sigsuspend install the mask and return at once. */
/* A sigsuspend-like call (its own temporary signal mask) interrupted by a
 * signal: the signal was delivered under that mask, which replay, not
 * running the call, never set. Keeps the mask for the thread's signal
 * record (other threads' records may come first). Returns 0 or -errno. */
static int keep_temp_mask(struct replay_task *t, const struct sc_desc *d, const struct trace_syscall *sc)
{
	t->temp_mask_set = 0;
	if (!d->mask_arg || !interrupted(sc->result))
		return 0;
	uint64_t mask = sc->args[(d->mask_arg & ~SC_MASK_INDIRECT) - 1];
	if ((d->mask_arg & SC_MASK_INDIRECT) && mask && mem_read(t->tid, mask, &mask, 8) != 8)
		return 0;
	if (!mask)
		return 0;
	t->temp_mask = mask;
	t->temp_mask_set = 1;
	t->temp_mask_nr = sc->nr;
	t->temp_mask_res = sc->result;
	return 0;
}

int replay_temp_mask_signal(struct replay_task *t, int signo)
{
	if (!t->temp_mask_set)
		return 0;
	t->temp_mask_set = 0;
	int64_t res;
	uint64_t args[6] = {t->temp_mask, 8};
	/* Raised once inside rt_sigsuspend: whether or not the program's own
	 * mask blocks it, it is delivered as the recorded call returns. */
	t->entry_sig = signo;
	t->raised_sig = signo;
	int r = regs_get(t->tid, &t->regs);
	if (!r)
		r = replay_inject(t, t->regs.rip - 2, SYS_rt_sigsuspend, args, &res, 1);
	t->entry_sig = 0;
	if (r)
		return r;
	t->regs.rax = (uint64_t)t->temp_mask_res;
	t->regs.orig_rax = (uint64_t)t->temp_mask_nr;
	return regs_set(t->tid, &t->regs);
}

/* A wait (emulated) that reaped a child in the recording: the real zombie
 * of that child is reaped too, by a waitid in the same process, or replay's
 * processes would pile up as zombies (a fork loop, a process limit).
 * Returns 0 or -errno. */
static int reap_child(struct replay_session *s, struct replay_task *t, const struct sc_desc *d,
		      const struct trace_syscall *sc)
{
	int64_t pid = sc_reaped(d, sc->args, sc->result, mem_read_pid, &t->tid);
	if (pid <= 0)
		return 0;
	/* The latest task of that recorded tid (new tasks go first). */
	struct replay_task *c = s->tasks;
	while (c && (c->rec_tid != (uint32_t)pid || c->tgid != (uint32_t)pid))
		c = c->next;
	if (!c || c->alive || c->reaped)
		return 0;
	c->reaped = 1;
	/* Its end goes to replay, its tracer, first: the kernel holds the
	 * zombie back from its parent until then (bounded: it has ended). */
	int st;
	for (int i = 0; i < 20000 && waitpid(c->tid, &st, __WALL | WNOHANG) == 0; i++)
		usleep(50);
	uint64_t a[6] = {P_PID, (uint64_t)c->tid, 0, WEXITED | WNOHANG | __WALL};
	int64_t res;
	return replay_inject(t, t->gadget, SYS_waitid, a, &res, 0);
}

/* Runs the program's own syscall instruction again, with its own arguments. */
static int rerun(struct replay_task *t, const uint64_t args[6], int64_t *res)
{
	return replay_inject(t, t->regs.rip - 2, (long)t->regs.orig_rax, args, res, 1);
}

static int check_result(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc, int64_t res)
{
	if (res == sc->result)
		return 0;
	return replay_diverged(s, t, "%s returned %lld; recorded %lld", sc_lookup(sc->nr)->name, (long long)res,
			       (long long)sc->result);
}

/* The mappings of t that cover [lo, hi) without a gap, clipped to it, into
 * p (at most n); how many, or 0 if there is a gap or more than n. */
static int pieces(pid_t tid, uint64_t lo, uint64_t hi, uint64_t p[][2], int n)
{
	char path[64], line[512];
	int k = 0;
	uint64_t at = lo;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)tid);
	FILE *f = fopen(path, "re");
	while (f && at < hi && fgets(line, sizeof line, f)) {
		unsigned long long s, e;
		if (sscanf(line, "%llx-%llx", &s, &e) != 2 || e <= at)
			continue;
		if (s > at || k == n)
			break;
		p[k][0] = at;
		p[k][1] = e < hi ? e : hi;
		at = p[k++][1];
	}
	if (f)
		fclose(f);
	return at >= hi ? k : 0;
}

/* mremap of a range the recording's kernel had joined into one mapping
 * and replay's has not (two mappings of one file were one struct file
 * there, two opens of replay's copy here): shrunk first, then each piece
 * moved to its place, the last one grown, or in place the last one grown.
 * a: the arguments with the recorded address (MREMAP_FIXED) if it moved.
 * Returns 0 with *res as the kernel's would be, or -errno. */
static int mremap_pieces(struct replay_task *t, const uint64_t a[6], int64_t *res)
{
	uint64_t p[64][2], old = a[0], olen = PAGE_UP(a[1]), nlen = PAGE_UP(a[2]);
	uint64_t to = a[3] & MREMAP_FIXED ? a[4] : old;
	int r = 0;
	*res = -EFAULT;
	if ((a[3] & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)) || !olen || (old & 4095))
		return 0;
	if (nlen < olen) {
		uint64_t u[6] = {old + nlen, olen - nlen};
		if ((r = replay_inject(t, t->gadget, SYS_munmap, u, res, 0)) || *res)
			return r;
		olen = nlen;
	}
	int k = pieces(t->tid, old, old + olen, p, 64);
	for (int i = 0; i < k && !r; i++) {
		uint64_t len = p[i][1] - p[i][0], grow = i == k - 1 ? nlen - olen : 0;
		if (to == old && i < k - 1)
			continue;
		uint64_t dst = to + (p[i][0] - old), m[6] = {p[i][0], len, len + grow, 0, 0};
		if (to != old)
			m[3] = MREMAP_MAYMOVE | MREMAP_FIXED, m[4] = dst;
		if (!(r = replay_inject(t, t->gadget, SYS_mremap, m, res, 0)) && *res != (int64_t)dst)
			return 0;
	}
	if (!r && k)
		*res = (int64_t)to;
	return r;
}

static int do_mmap(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	uint64_t a[6];
	int64_t res, fd = -1;
	int r;
	memcpy(a, sc->args, sizeof a);
	a[0] = (uint64_t)sc->result;
	a[3] = (a[3] & ~(uint64_t)MAP_FIXED_NOREPLACE) | MAP_FIXED;
	if (sc->flags & SCF_SHARED) {
		int mine = replay_shared_fd(s, sc->file_id, sc->blob);
		r = mine < 0 ? mine : replay_open_fd(t, mine, O_RDWR, &fd);
		if (r)
			return replay_diverged(s, t, "mmap: cannot open the shared copy of the file: %s", strerror(-r));
		if ((a[3] & 3) != MAP_PRIVATE) /* (a private one past the file's end) */
			a[3] = (a[3] & ~(uint64_t)MAP_SHARED_VALIDATE) | MAP_SHARED;
		a[4] = (uint64_t)fd;
	} else if (sc->flags & SCF_BLOB) {
		if ((r = replay_open_blob(s, t, sc->blob, &fd)))
			return replay_diverged(s, t, "mmap: cannot open the recorded file: %s", strerror(-r));
		a[3] = (a[3] & ~(uint64_t)(MAP_SHARED | MAP_SHARED_VALIDATE)) | MAP_PRIVATE;
		a[4] = (uint64_t)fd;
	} else if (!(a[3] & MAP_ANONYMOUS)) {
		a[3] = (a[3] & ~(uint64_t)(MAP_SHARED | MAP_SHARED_VALIDATE)) | MAP_PRIVATE | MAP_ANONYMOUS;
		a[4] = (uint64_t)-1;
		a[5] = 0;
	}
	r = replay_inject(t, t->gadget, SYS_mmap, a, &res, 0);
	if (fd >= 0) {
		uint64_t c[6] = {(uint64_t)fd};
		int64_t ignored;
		replay_inject(t, t->gadget, SYS_close, c, &ignored, 0);
	}
	if (r)
		return r;
	return check_result(s, t, sc, res) ?: set_result(t, sc->result);
}

/* shmat: the recorded address gets a shared mapping of replay's one copy
 * of the segment (SCF_SHARED: its content at its first attach, then what
 * the replayed processes write), as large as that copy. */
static int do_shmat(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	struct stat st;
	int fd = (sc->flags & SCF_SHARED) ? replay_shared_fd(s, sc->file_id, sc->blob) : -EPROTO;
	if (fd < 0 || fstat(fd, &st) < 0)
		return replay_diverged(s, t, "shmat: no copy of the segment: %s", strerror(fd < 0 ? -fd : errno));
	struct trace_syscall m = *sc;
	m.args[1] = ((uint64_t)st.st_size + 4095) & ~4095ull;
	m.args[2] = PROT_READ | (sc->args[2] & SHM_RDONLY ? 0 : PROT_WRITE) | (sc->args[2] & SHM_EXEC ? PROT_EXEC : 0);
	m.args[3] = MAP_SHARED;
	m.args[4] = (uint64_t)-1;
	m.args[5] = 0;
	return do_mmap(s, t, &m);
}

/* shmdt: the mapping shmat made there is unmapped. */
static int do_shmdt(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	struct map_range m;
	int64_t res;
	if (maps_find(t->tid, sc->args[0], &m) != 1 || m.start != sc->args[0])
		return replay_diverged(s, t, "shmdt(%#llx): no segment attached there in replay",
				       (unsigned long long)sc->args[0]);
	uint64_t a[6] = {m.start, m.end - m.start};
	int r = replay_inject(t, t->gadget, SYS_munmap, a, &res, 0);
	return r ? r : res ? replay_diverged(s, t, "shmdt: munmap failed in replay (%lld)", (long long)res)
			   : set_result(t, sc->result);
}

static int do_brk(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	uint64_t want = (uint64_t)sc->result, from = PAGE_UP(t->space->brk), to = PAGE_UP(want);
	int64_t res = 0;
	int r = 0;
	if (to > from) {
		uint64_t a[6] = {from, to - from, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 (uint64_t)-1, 0};
		r = replay_inject(t, t->gadget, SYS_mmap, a, &res, 0);
	} else if (to < from) {
		uint64_t a[6] = {to, from - to};
		r = replay_inject(t, t->gadget, SYS_munmap, a, &res, 0);
	}
	if (r || (res < 0 && res > -4096))
		return replay_diverged(s, t, "brk: cannot move the break to %#llx: %s", (unsigned long long)want,
				       strerror(r ? -r : (int)-res));
	t->space->brk = want;
	return set_result(t, sc->result);
}

int replay_execve(struct replay_session *s, struct replay_task *t, const struct trace_exec *e)
{
	const struct sc_desc *d = sc_lookup((long)t->regs.orig_rax);
	if (!d || d->cls != SCC_EXECVE)
		return replay_diverged(s, t, "expected an execve, got %s", d ? d->name : "an unknown syscall");
	int r = replay_exec_stub(s, t);
	if (!r)
		r = replay_build(s, t, e);
	if (r)
		return replay_diverged(s, t, "execve: cannot rebuild the recorded image: %s", strerror(-r));
	t->at_syscall = 0;
	t->clear_tid = 0; /* an exec forgets it */
	t->exec_done = 1; /* the execve's own record follows */
	t->rec_tid = t->tgid; /* (from another thread than the first: it took the first's tid) */
	return 0;
}

int replay_rerun_exit(struct replay_task *t)
{
	uint64_t args[6];
	int status, r;
	regs_syscall_args(&t->regs, args);
	t->exit_stopped = 0;
	if ((r = replay_inject_enter(t, t->regs.rip - 2, (long)t->regs.orig_rax, args)))
		return r == -ESRCH && t->exit_stopped ? 0 : r; /* its group's exit_group came first */
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	if ((r = tracee_wait_stop(t->tid, &status, t->bound)))
		return r;
	return (status >> 16) == PTRACE_EVENT_EXIT ? 0 : -EPROTO;
}

int replay_run_exit(struct replay_task *t, int *status)
{
	int r = replay_rerun_exit(t);
	return r ? r : replay_exit_stop(t, status);
}

/* The kernel's walk of a dying thread's robust futex list, done for it:
 * lock words hold the recorded tid, which the kernel, comparing with the
 * real one, would not recognize. Marks each lock the thread still holds
 * FUTEX_OWNER_DIED (waiters are emulated: no wake-up needed). */
static void robust_list_walk(struct replay_task *t)
{
	struct {
		uint64_t next;
		int64_t futex_offset;
		uint64_t pending;
	} head;
	uint64_t addr = 0;
	size_t len = 0;
	if (syscall(SYS_get_robust_list, t->tid, &addr, &len) < 0 || !addr ||
	    mem_read(t->tid, addr, &head, sizeof head) != (long)sizeof head)
		return;
	uint64_t entry = head.next, pending = head.pending & ~1ull;
	for (int i = 0; i <= 2048; i++) {
		uint32_t word;
		int last = entry == addr || i == 2048;
		uint64_t e = last ? pending : entry & ~1ull;
		if (e && (last || e != pending) && mem_read(t->tid, e + (uint64_t)head.futex_offset, &word, 4) == 4 &&
		    (word & FUTEX_TID_MASK) == t->rec_tid) {
			word = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
			(void)mem_write(t->memfd, e + (uint64_t)head.futex_offset, &word, 4);
		}
		if (last || mem_read(t->tid, e, &entry, 8) != 8)
			break;
	}
}

int replay_exit_stop(struct replay_task *t, int *status)
{
	unsigned long code = 0;
	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &code) < 0)
		return -errno;
	*status = (int)code;
	if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGSYS)
		(void)regs_get(t->tid, &t->regs); /* the syscall the sandbox stopped, for the report */
	robust_list_walk(t);
	if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
		return STOP_GONE;
	int st;
	tracee_wait_dead(t->tid, &st); /* nothing else runs before it is gone */
	return STOP_GONE;
}

/* A program's seccomp filter killed t (SECCOMP_RET_KILL_THREAD) or its
 * process here in the recording: the kernel does it again, answering
 * FILTER_KILL_NR with the action in replay's sandbox; t is left at its
 * PTRACE_EVENT_EXIT stop, its end record to come. */
static int filter_kill(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc, const char *got)
{
	uint64_t a[6] = {(uint64_t)sc->result};
	int status, r;
	int thread = sc->result == SECCOMP_RET_KILL_THREAD;
	if (!thread && sc->result != (int64_t)SECCOMP_RET_KILL_PROCESS)
		return replay_diverged(s, t, "%s: recorded as killed by a seccomp filter's action %#llx, which kills nothing",
				       got, (unsigned long long)sc->result);
	t->exit_stopped = 0;
	r = replay_inject_enter(t, t->regs.rip - 2, FILTER_KILL_NR, a);
	if (!r && ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		r = -errno;
	/* (a killed process's SIGSYS comes as the call returns: its exit stop first) */
	for (int i = 0; !r && i < 2; i++) {
		if (!(r = tracee_wait_stop(t->tid, &status, t->bound)) && (status >> 16) == PTRACE_EVENT_EXIT)
			break;
		if (!r && (i || WSTOPSIG(status) != (SIGTRAP | 0x80)))
			r = -EPROTO;
		else if (!r && ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			r = -errno;
	}
	if (r == -ESRCH && t->exit_stopped)
		r = 0; /* something else killed it first: its end record tells */
	if (r)
		return r == -EPROTO ? replay_diverged(s, t, "%s: the kernel did not kill it as the recording's seccomp filter did", got) : r;
	t->at_syscall = 0;
	t->group_exiting = 1;
	if (!thread)
		replay_mark_group_exit(s, t);
	return 0;
}

int replay_syscall(struct replay_session *s, struct replay_task *t, const struct trace_syscall *rec)
{
	uint64_t args[6];
	char want[512], got[512];
	struct trace_syscall sc = *rec;
	int r = regs_get(t->tid, &t->regs);
	if (r)
		return r;
	long nr = (long)t->regs.orig_rax;
	if (t->exec_done) {
		/* The end of an execve whose new image is already built. */
		t->exec_done = 0;
		const struct sc_desc *d = sc_lookup(sc.nr);
		return d && d->cls == SCC_EXECVE && sc.result == 0 ? 0 : replay_diverged(s, t, "expected the end of execve");
	}
	if (t->in_clone)
		return replay_clone_done(s, t, rec);
	t->at_syscall = 0;
	regs_syscall_args(&t->regs, args);
	const struct sc_desc *d = sc_lookup(nr);
	replay_fmt_syscall(nr, args, got, sizeof got);
	int same = sc.nr == nr;
	for (int i = 0; same && d && i < d->nargs; i++)
		same = sc.args[i] == args[i];
	if (!same) {
		replay_fmt_syscall(sc.nr, sc.args, want, sizeof want);
		return replay_diverged(s, t, "expected %s, got %s", want, got);
	}
	int64_t res;
	int pieced;
	if (s->opt->unconfined_after >= 0 && nr == s->opt->unconfined_after) /* (-1: never, not syscall(-1)) */
		t->unconfined = 1;
	if (sc.flags & SCF_KILL)
		return filter_kill(s, t, &sc, got);
	/* A program's filter answered it in the recording: nothing ran. */
	switch ((sc.flags & SCF_NOT_RUN) ? -1 : d ? (int)d->cls : SCC_UNKNOWN) {
	case -1:
		r = set_result(t, sc.result);
		break;
	case SCC_EMU:
	case SCC_REFUSE:
		r = check_written(s, t, d, &sc);
		if (!r)
			r = emulate(s, t, &sc);
		if (!r)
			r = keep_temp_mask(t, d, &sc);
		if (!r && d->reap)
			r = reap_child(s, t, d, &sc);
		break;
	case SCC_EXEC:
		if (sc_exec_refused(nr, args)) { /* rec answered it without running it */
			r = sc.result < 0 && sc.result > -4096 ? set_result(t, sc.result)
							       : replay_diverged(s, t, "%s: recorded as run, which heisen never lets run", got);
			break;
		}
		r = rerun(t, args, &res);
		if (!r)
			r = check_result(s, t, &sc, res);
		break;
	case SCC_EXEC_RES:
		r = rerun(t, args, &res);
		if (!r)
			r = set_result(t, sc.result);
		break;
	case SCC_MMAP:
		r = sc.result < 0 && sc.result > -4096 ? set_result(t, sc.result) : do_mmap(s, t, &sc);
		break;
	case SCC_SHMAT:
		r = sc.result < 0 && sc.result > -4096 ? set_result(t, sc.result) : do_shmat(s, t, &sc);
		break;
	case SCC_SHMDT:
		r = sc.result < 0 ? set_result(t, sc.result) : do_shmdt(s, t, &sc);
		break;
	case SCC_MREMAP:
		if (sc.result < 0 && sc.result > -4096) {
			r = set_result(t, sc.result);
			break;
		}
		if ((uint64_t)sc.result != args[0]) {
			args[3] |= MREMAP_MAYMOVE | MREMAP_FIXED;
			args[4] = (uint64_t)sc.result;
		}
		r = rerun(t, args, &res);
		pieced = !r && res == -EFAULT;
		if (pieced)
			r = mremap_pieces(t, args, &res);
		if (!r)
			r = check_result(s, t, &sc, res);
		if (!r && pieced) /* (its injections restored the registers of the entry) */
			r = set_result(t, res);
		break;
	case SCC_BRK:
		r = do_brk(s, t, &sc);
		break;
	case SCC_EXECVE:
		r = set_result(t, sc.result); /* a failed execve */
		break;
	case SCC_PROCESS:
		if (sc.result < 0 && sc.result > -4096)
			r = set_result(t, sc.result); /* a failed clone: nothing was created */
		else
			r = replay_diverged(s, t, "%s: the recording has no new thread for it", got);
		break;
	case SCC_UNKNOWN:
		/* a number the table lacks, recorded only as the kernel's -ENOSYS */
		if (sc_unknown_recordable(nr, sc.result) && !sc.nregions && !(sc.flags & ~SCF_WIDE_NR))
			r = set_result(t, sc.result);
		else
			r = replay_diverged(s, t, "%s, a number heisen does not know, recorded as returning %lld: cannot be replayed",
					    got, (long long)sc.result);
		break;
	default:
		r = replay_diverged(s, t, "%s cannot be replayed", got);
		break;
	}
	if (r == -EPROTO) /* from replay_inject: its syscall did not run as set up */
		r = replay_diverged(s, t, "%s: replay's re-run of it met another instruction, ABI or event", got);
	if (!r)
		replay_site_syscall_done(t, &sc);
	if (!r)
		r = replay_inproc_syscall_done(s, t, &sc);
	if (!r && nr == SYS_set_tid_address)
		t->clear_tid = args[0]; /* kernel state a checkpoint's copy of t needs again */
	return r;
}
