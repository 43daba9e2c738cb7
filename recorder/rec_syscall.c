/* rec_syscall.c - recording one syscall: its arguments at entry, its
 * result and the memory it wrote at exit, shapes taken from the table. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "../common/ptrace_util.h"

#ifndef ERESTART_RESTARTBLOCK
#define ERESTART_RESTARTBLOCK 516 /* kernel-internal: continue with restart_syscall */
#endif
#define ERESTARTSYS 512 /* kernel-internal, as ERESTART_RESTARTBLOCK: never seen by the program */
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

/* prctl's TSC mode as the program sees it: rdtsc works (rec traps it with
 * PR_TSC_SIGSEGV and records it). PR_GET_TSC stores PR_TSC_ENABLE as the
 * kernel would (EFAULT where it could not), PR_SET_TSC(PR_TSC_ENABLE)
 * succeeds; PR_TSC_SIGSEGV for the program itself is not emulated: EINVAL. */
static int64_t tsc_mode(struct rec_task *t)
{
	if (t->args[0] == PR_SET_TSC)
		return t->args[1] == PR_TSC_ENABLE ? 0 : -EINVAL;
	int mode = PR_TSC_ENABLE;
	struct iovec local = {&mode, sizeof mode}, remote = {(void *)(uintptr_t)t->args[1], sizeof mode};
	return process_vm_writev(t->tid, &local, 1, &remote, 1, 0) == sizeof mode ? 0 : -EFAULT;
}

/* process_vm_writev into another address space than the caller's: replay
 * could not redo the write there. Into its own (any thread of its
 * process, a CLONE_VM child), the table records the remote iovecs; to no
 * process at all, the kernel answers ESRCH itself. */
static int vm_write_elsewhere(struct rec_task *t)
{
	if (t->nr != SYS_process_vm_writev)
		return 0;
	long r = syscall(SYS_kcmp, t->tid, (pid_t)t->args[0], KCMP_VM, 0, 0);
	return r > 0 || (r < 0 && errno != ESRCH);
}

/* Syscalls the recorder does not let run; returns 1 with the result the
 * program gets instead in *res, or 0 to let it run: refused ones; what
 * would unpin the program or undo the recorder's traps; in-kernel copies
 * to stdout/stderr, which replay could not show (programs fall back to
 * read and write); ioctls whose memory effect is unknown. */
/* perf_event_open: software events only (a hardware breakpoint would take
 * rec's debug registers; the kernel's other events are refused as on a
 * kernel without them: ENOENT); an mmap of a perf event's fd, whose page
 * the kernel updates with no syscall, fails with ENODEV (the program reads
 * the counter instead). 1 (refused, *res) or 0. */
static int perf_guard(struct rec_session *s, struct rec_task *t, int64_t *res)
{
	if (t->nr == SYS_perf_event_open) {
		uint32_t type;
		if (mem_read(t->tid, t->args[0], &type, sizeof type) != (long)sizeof type) {
			*res = -EFAULT;
			return 1;
		}
		*res = -ENOENT;
		s->perf_opened |= type == PERF_TYPE_SOFTWARE; /* (mmaps are looked at from then on) */
		return type != PERF_TYPE_SOFTWARE;
	}
	char path[64], target[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)t->args[4]);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	*res = -ENODEV;
	return !strcmp(target, "anon_inode:[perf_event]");
}

static int guard(struct rec_session *s, struct rec_task *t, const struct sc_desc *d, int64_t *res)
{
	uint64_t fd = d->xfer_fd ? t->args[d->xfer_fd - 1] : 0;
	*res = -EINVAL;
	if (d->cls == SCC_REFUSE) {
		*res = -ENOSYS;
		return 1;
	}
	if (sc_exec_refused(t->nr, t->args))
		return 1; /* -EINVAL, as for advice the kernel does not know */
	if (t->nr == SYS_sched_setaffinity) {
		*res = 0;
		return 1;
	}
	if (t->nr == SYS_ptrace) {
		*res = rec_ptrace_emulate(s, t);
		return 1;
	}
	if (t->nr == SYS_perf_event_open || (t->nr == SYS_mmap && !(t->args[3] & MAP_ANONYMOUS) && s->perf_opened))
		return perf_guard(s, t, res);
	if (t->nr == SYS_wait4 && rec_ptrace_wait(s, t, res))
		return 1;
	if (t->nr == SYS_prctl && (t->args[0] == PR_GET_TSC || t->args[0] == PR_SET_TSC)) {
		*res = tsc_mode(t);
		return 1;
	}
	if (t->nr == SYS_prctl && t->args[0] == PR_SET_SYSCALL_USER_DISPATCH)
		return 1;
	if (t->proc_write && rec_procmem_elsewhere(t)) {
		msg("thread %d: %s to /proc/%d/mem, another address space: refused with EPERM (replay could not redo the write)",
		    t->tid, d->name, rec_procmem_elsewhere(t));
		*res = -EPERM;
		return 1;
	}
	if (vm_write_elsewhere(t)) {
		msg("thread %d: process_vm_writev to process %d, another address space: refused with EPERM (replay could not redo the write)",
		    t->tid, (int)t->args[0]);
		*res = -EPERM;
		return 1;
	}
	if (d->xfer_fd && (fd == 1 || fd == 2))
		return 1;
	if (t->nr == SYS_ioctl && sc_ioctl_out_size(t->args[1]) < 0) {
		msg("thread %d: ioctl(%d, %#llx): request unknown to heisen, refused with ENOTTY", t->tid,
		    (int)t->args[0], (unsigned long long)t->args[1]);
		*res = -ENOTTY;
		return 1;
	}
	(void)s;
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* SCF_ECHO_OUT or _ERR if the write's fd is rec's own stdout or stderr;
 * notes in t->proc_write whether it is a file of /proc. */
static int echo_stream(struct rec_session *s, struct rec_task *t)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)t->args[0]);
	if (stat(path, &st) < 0)
		return 0;
	t->proc_write = (uint64_t)st.st_dev == s->proc_dev;
	return same_file(&st, &s->out_st) ? SCF_ECHO_OUT : same_file(&st, &s->err_st) ? SCF_ECHO_ERR : 0;
}

/* Whether t's syscall keeps the virtual core until it returns: re-executed
 * classes, clone and fork (not vfork, whose caller waits for the child),
 * futex calls that change a word without blocking.
 * Writes to rec's own stdout or stderr do too (see rec_syscall_entry). */
static int quick(struct rec_task *t, const struct sc_desc *d)
{
	struct sc_clone ca;
	if (t->nr == SYS_exit_group)
		return 1; /* nothing else runs while its threads are killed */
	if (sc_futex_quick_write(t->nr, t->args))
		return 1; /* the word it changes is seen only after its record */
	if ((t->nr == SYS_seccomp && t->args[0] == 1) || (t->nr == SYS_prctl && t->args[0] == PR_SET_SECCOMP))
		return 1; /* a filter: nothing runs until the library knows what to leave traced */
	if (d->cls != SCC_PROCESS)
		return sc_is_quick(d);
	return !sc_clone_args(t->nr, t->args, mem_read_pid, &t->tid, &ca) && !(ca.flags & CLONE_VFORK);
}

/* Waits until t, just resumed into its syscall, has blocked in the kernel
 * (1) or returned from it (0: its exit stop is pending), up to 100 ms. */
static int settle_blocked(struct rec_task *t)
{
	for (int i = 0; i < 10000; i++) {
		char st = tracee_state(t->tid);
		if (st == 'S' || st == 'D')
			return 1;
		if (!st || st == 't' || st == 'Z' || st == 'X')
			return 0;
		/* a sleep, not sched_yield: rec may run at a real-time priority
		 * on the thread's CPU, and only a sleep lets the thread run */
		usleep(i > 100 ? 10 : 2);
	}
	return 1;
}

/* A clone-family call asking for CLONE_UNTRACED (LeakSanitizer's tracer
 * thread does) makes its child traced all the same, as replay does: an
 * untraced child would run outside the recording, under rec's filter with
 * no tracer (every syscall ENOSYS). clone's flags are a register, in r;
 * clone3's are in memory, put back at the call's end (rec_clone_restore)
 * before anything reads them: the trace has what the program asked. */
static int keep_traced(struct rec_task *t, struct user_regs_struct *r)
{
	struct sc_clone ca;
	if (sc_clone_args(t->nr, t->args, mem_read_pid, &t->tid, &ca) || !(ca.flags & CLONE_UNTRACED))
		return 0;
	uint64_t flags = ca.flags & ~(uint64_t)CLONE_UNTRACED;
	if (t->nr == SYS_clone) {
		r->rdi = flags;
		return regs_set(t->tid, r);
	}
	if (!ca.flags_addr)
		return 0;
	int fd = mem_open(t->tid);
	if (fd < 0)
		return fd;
	int ret = mem_write(fd, ca.flags_addr, &flags, sizeof flags);
	close(fd);
	if (!ret) {
		t->untraced_addr = ca.flags_addr;
		t->untraced_flags = ca.flags;
	}
	return ret;
}

int rec_clone_restore(struct rec_task *t)
{
	if (!t->untraced_addr)
		return 0;
	int fd = mem_open(t->tid), ret = fd;
	if (fd >= 0) {
		ret = mem_write(fd, t->untraced_addr, &t->untraced_flags, sizeof t->untraced_flags);
		close(fd);
	}
	t->untraced_addr = 0;
	return ret;
}

int rec_syscall_x86_64(struct rec_task *t)
{
	struct __ptrace_syscall_info info;
	return ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof info, &info) > 0 && info.arch == AUDIT_ARCH_X86_64;
}

int rec_syscall_entry(struct rec_session *s, struct rec_task *t, unsigned long data)
{
	struct user_regs_struct r;
	int ret = regs_get(t->tid, &r);
	if (ret)
		return ret;
	t->nr = (long)r.orig_rax;
	t->state = T_KERNEL;
	if (!t->held || !t->enter_seq) {
		/* (a held call restarted is the call it entered then: its
		 * place among the others' entries is that one's) */
		t->marked = 0;
		t->enter_seq = ++s->enter_seq;
	}
	t->skip = 0;
	t->not_run = 0;
	t->nemu = 0;
	t->entry_regs = r;
	t->entry_regs_valid = 1;
	regs_syscall_args(&r, t->args);
	rec_space_note_syscall(t, r.rip);
	rec_shared_size_before(s, t);
	if (t->held) {
		/* The kernel restarted the held syscall with no signal in
		 * between: the program saw one call, recorded as the one it made
		 * (restart_syscall continues it). */
		t->held = 0;
		t->carried = t->held_rec.nregions; /* what the first attempt wrote stays written */
		if (t->nr == SYS_restart_syscall && t->restart_nr >= 0) {
			t->nr = t->restart_nr;
			memcpy(t->args, t->restart_args, sizeof t->args);
		}
	}
	const struct sc_desc *d = sc_lookup(t->nr);
	/* Quick syscalls that change the address space or signal state (mmap,
	 * mprotect, sigaction...) keep the virtual core until they return:
	 * nothing else runs, or is hashed at a preemption, while they are in
	 * flight. So do writes to rec's stdout and stderr: output of several
	 * threads shows in the order replay echoes it. Others let the next
	 * thread run. */
	t->proc_write = 0;
	t->echo = d && d->echo && s->started ? echo_stream(s, t) : 0;
	int pi_lock = s->started && sc_pi_lock_word(t->nr, t->args);
	int released = s->running == t && !(d && s->started && (quick(t, d) || t->echo || pi_lock));
	if (released)
		s->running = NULL;
	if (!s->started)
		return ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0 ? -errno : 0;
	/* A program's own seccomp filter decides first, as in the kernel. */
	if ((ret = rec_seccomp_entry(s, t, &r, data)) < 0)
		return ret;
	int decided = ret || t->skip;
	/* A number the table lacks runs: the kernel's answer, -ENOSYS if it
	 * lacks it too, is recorded at its exit (or stops the recording). But
	 * the kernel reads only the number's low 32 bits: one whose low half
	 * is a syscall heisen knows would run that one, unguarded. */
	if (!decided && !d && sc_lookup((int)t->nr)) {
		char nb[32];
		rec_fail(s, "thread %d: syscall number %#lx has bits above the low 32 set: the kernel would run it as %s, which heisen does not record under another number: recording stopped",
			 t->tid, t->nr, sc_name((int)t->nr, nb));
		return -ENOSYS;
	}
	if (decided) {
		/* (rec_seccomp_entry set the registers) */
	} else if (d && guard(s, t, d, &t->skip_result)) {
		t->skip = 1;
		r.orig_rax = (unsigned long long)-1;
		if ((ret = regs_set(t->tid, &r)))
			return ret;
	} else if (d && d->cls == SCC_PROCESS && (ret = keep_traced(t, &r))) {
		rec_fail(s, "thread %d: %s with CLONE_UNTRACED: cannot keep the child traced: %s", t->tid, d->name,
			 strerror(-ret));
		return ret;
	}
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	if (pi_lock && !t->skip && s->running == t && settle_blocked(t))
		s->running = NULL; /* blocked: FUTEX_WAITERS is set, as replay sets it at its sysenter */
	/* --chaos: a syscall that returns without blocking keeps the core, so
	 * the decision at its return chooses among every thread that could
	 * run, not only the ones whose syscalls ended meanwhile. Not for
	 * process syscalls: a vfork parent stops at its event, then waits
	 * for its child, which must run. */
	if (released && s->chaos && !s->running && (!d || d->cls != SCC_PROCESS) && (t->skip || !settle_blocked(t)))
		s->running = t;
	return 0;
}

static long read_cb(void *ctx, uint64_t addr, void *dst, size_t len)
{
	struct rec_task *t = ((void **)ctx)[1];
	return mem_read(t->tid, addr, dst, len);
}

/* Captures one output region's bytes into the session scratch buffer. */
static int region_cb(void *ctx, uint64_t addr, uint64_t len)
{
	struct rec_session *s = ((void **)ctx)[0];
	struct rec_task *t = ((void **)ctx)[1];
	if (len > UINT32_MAX || s->nregions >= TRACE_MAX_REGIONS)
		return -E2BIG;
	if (s->nregions == s->cap_regions) {
		uint32_t cap = s->cap_regions ? s->cap_regions * 2 : 16;
		struct trace_region *n = realloc(s->regions, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		s->regions = n;
		s->cap_regions = cap;
	}
	if (buf_reserve(&s->scratch, len))
		return -ENOMEM;
	long got = mem_read(t->tid, addr, s->scratch.p + s->scratch.len, len);
	if (got <= 0)
		return 0; /* unreadable: the kernel wrote nothing there either */
	struct trace_region *reg = &s->regions[s->nregions++];
	reg->addr = addr;
	reg->len = (uint32_t)got;
	reg->data = (const uint8_t *)(uintptr_t)s->scratch.len; /* offset until fixed up */
	s->scratch.len += (size_t)got;
	return 0;
}

/* sched_getaffinity reports the CPUs the program had before pinning. */
static int unpin_affinity(struct rec_session *s, struct rec_task *t, int64_t result)
{
	if (t->nr != SYS_sched_getaffinity || result <= 0)
		return 0;
	size_t n = (size_t)result < sizeof s->orig_affinity ? (size_t)result : sizeof s->orig_affinity;
	int fd = mem_open(t->tid);
	if (fd < 0)
		return fd;
	int r = mem_write(fd, t->args[2], &s->orig_affinity, n);
	close(fd);
	return r;
}

/* For mmap of a file, store the file and note its hash. */
static int mmap_blob(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec)
{
	if (t->nr != SYS_mmap || (t->args[3] & MAP_ANONYMOUS) || (uint64_t)rec->result >= (uint64_t)-4096)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)t->args[4]);
	/* ld.so maps libraries MAP_DENYWRITE (ignored by the kernel, but it
	 * tells a library), code PROT_EXEC: stable enough not to copy */
	int stable = !(t->args[3] & MAP_SHARED) && ((t->args[3] & MAP_DENYWRITE) || (t->args[2] & PROT_EXEC));
	int r = rec_blob_store(s, path, NULL, stable, &rec->blob);
	if (r == -ENODEV)
		return 0; /* /dev/zero and the like: anonymous memory in replay */
	if (r) {
		rec_fail(s, "thread %d: mmap of fd %d: cannot store the mapped file: %s", t->tid,
			 (int)t->args[4], strerror(-r));
		return r;
	}
	rec->flags |= SCF_BLOB;
	return 0;
}

static int is_restart_code(int64_t res)
{
	return res == -ERESTARTSYS || res == -ERESTARTNOINTR || res == -ERESTARTNOHAND || res == -ERESTART_RESTARTBLOCK;
}

/* Keeps rec (and the memory its regions say the call wrote) in t; 0 if
 * that is more than a task holds (then it is recorded as it is). */
static int hold(struct rec_task *t, const struct trace_syscall *rec)
{
	size_t used = 0;
	if (rec->nregions > REC_HELD_REGIONS)
		return 0;
	for (uint32_t i = 0; i < rec->nregions; i++) {
		if (rec->regions[i].len > sizeof t->held_bytes - used)
			return 0;
		t->held_regions[i] = rec->regions[i];
		t->held_regions[i].data = t->held_bytes + used;
		memcpy(t->held_bytes + used, rec->regions[i].data, rec->regions[i].len);
		used += rec->regions[i].len;
	}
	t->held = 1;
	t->held_rec = *rec;
	t->held_rec.regions = rec->nregions ? t->held_regions : NULL;
	return 1;
}

int rec_syscall_unhold(struct rec_session *s, struct rec_task *t)
{
	if (!t->held)
		return 0;
	s->nsyscalls++;
	rec_mark(s, t->tid); /* while t still counts as inside its syscall */
	t->held = 0;
	t->enter_seq = 0;
	return trace_put_syscall(&s->w, &t->held_rec);
}

int rec_syscall_exit(struct rec_session *s, struct rec_task *t)
{
	struct user_regs_struct r;
	if (t->vfork_child) {
		t->vfork_waiting = 1; /* recorded once the child exec'd or ended */
		return 0;
	}
	if (t->killing) /* a program filter's kill, pending as the call returns (rec_seccomp.c) */
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 && errno != ESRCH ? -errno : 0;
	int ret = regs_get(t->tid, &r);
	if (!ret)
		ret = rec_clone_restore(t); /* (a clone3 that made nothing) */
	if (ret)
		return ret;
	if (!s->started) {
		t->state = T_READY;
		return 0;
	}
	if (t->skip) {
		r.rax = (unsigned long long)t->skip_result;
		if ((ret = regs_set(t->tid, &r)))
			return ret;
	}
	if ((ret = rec_seccomp_exit(s, t, &r)))
		return ret;
	const struct sc_desc *d = sc_lookup(t->nr);
	struct trace_syscall rec = {.tid = (uint32_t)t->tid, .nr = t->nr, .result = (int64_t)r.rax};
	if (!d && !t->skip && !sc_unknown_recordable(t->nr, rec.result)) {
		char nb[32];
		rec_fail(s, "thread %d: %s (number %ld, unknown to heisen) returned %lld, not ENOSYS: the kernel implements it and heisen cannot record it: recording stopped",
			 t->tid, sc_name(t->nr, nb), t->nr, (long long)rec.result);
		return -ENOSYS;
	}
	memcpy(rec.args, t->args, sizeof rec.args);
	if (t->not_run)
		rec.flags |= SCF_NOT_RUN; /* a program filter's answer: nothing ran, nothing was written */
	if (!t->not_run && (ret = unpin_affinity(s, t, rec.result)))
		return ret;
	s->nregions = 0;
	s->scratch.len = 0;
	/* restart_syscall writes what the syscall it continues writes. */
	const struct sc_desc *shape = d;
	const uint64_t *shape_args = t->args;
	if (t->nr == SYS_restart_syscall && t->restart_nr >= 0) {
		shape = sc_lookup(t->restart_nr);
		shape_args = t->restart_args;
	}
	if (rec.result == -ERESTART_RESTARTBLOCK && t->nr != SYS_restart_syscall) {
		t->restart_nr = t->nr;
		memcpy(t->restart_args, t->args, sizeof t->restart_args);
	} else if (rec.result != -ERESTART_RESTARTBLOCK) {
		t->restart_nr = -1;
	}
	struct sc_clone ca;
	if (!t->not_run && d && d->cls == SCC_PROCESS && rec.result > 0 && !sc_clone_args(t->nr, t->args, mem_read_pid, &t->tid, &ca) &&
	    ca.pidfd) {
		/* CLONE_PIDFD: the fd number the kernel stored; replay, whose
		 * real pidfd gets another number, writes this one. */
		void *ctx[2] = {s, t};
		ret = region_cb(ctx, ca.pidfd, 4);
		if (ret)
			return ret;
		s->regions[0].data = s->scratch.p + (uintptr_t)s->regions[0].data;
		rec.nregions = s->nregions;
		rec.regions = s->regions;
	}
	if (d && d->cls == SCC_EMU && !t->skip && t->proc_write && (ret = rec_procmem_write(t, d, rec.result))) {
		rec_fail(s, "thread %d: %s to /proc/PID/mem: cannot tell where it wrote: %s", t->tid, d->name,
			 strerror(-ret));
		return ret;
	}
	if (!t->not_run && d && shape && d->cls == SCC_EMU) {
		void *ctx[2] = {s, t};
		ret = sc_out_regions(shape, shape_args, rec.result, read_cb, region_cb, ctx);
		for (uint32_t i = 0; !ret && i < t->carried; i++)
			ret = region_cb(ctx, t->held_regions[i].addr, t->held_regions[i].len);
		for (uint32_t i = 0; !ret && i < t->nemu; i++)
			ret = region_cb(ctx, t->emu_regions[i].addr, t->emu_regions[i].len);
		if (ret) {
			rec_fail(s, "thread %d: %s: cannot capture its output memory: %s", t->tid, d->name,
				 strerror(-ret));
			return ret;
		}
		for (uint32_t i = 0; i < s->nregions; i++)
			s->regions[i].data = s->scratch.p + (uintptr_t)s->regions[i].data;
		rec.nregions = s->nregions;
		rec.regions = s->regions;
	}
	t->carried = 0;
	if (!t->skip && is_restart_code(rec.result) && hold(t, &rec)) {
		/* The program never sees this: the kernel restarts the call or,
		 * for a signal handler, makes it -EINTR. Held until the thread's
		 * next stop shows which (rec_syscall_unhold). */
		t->state = T_READY;
		if (s->running == t)
			s->running = NULL;
		return 0;
	}
	if (!t->not_run && t->nr == SYS_mmap && (t->args[3] & 1) && (uint64_t)rec.result < (uint64_t)-4096 && t->space)
		rec_shared_map_note(t);
	if (t->not_run) {
		/* nothing to store */
	} else if ((ret = mmap_blob(s, t, &rec)) || (ret = rec_shared_mmap(s, t, &rec)) || (ret = rec_shared_shmat(s, t, &rec)) ||
	    (d && (ret = rec_shared_write(s, t, d, &rec)))) {
		rec_fail(s, "thread %d: %s: cannot record its effect on a shared mapping: %s", t->tid,
			 d ? d->name : "?", strerror(-ret));
		return ret;
	}
	/* What write-like syscalls sent, hashed: replay checks it; what went
	 * to rec's own stdout or stderr, replay shows. */
	if (!t->not_run && d && d->echo && rec.result > 0) {
		if (!mem_written_hash(t->tid, d, t->args, rec.result, -1, &rec.datahash))
			rec.flags |= SCF_DATAHASH;
		rec.flags |= t->echo;
	}
	s->nsyscalls++;
	rec_site_syscall_done(t, t->nr, t->args, rec.result);
	rec_mark(s, t->tid); /* while t still counts as inside its syscall */
	t->exit_regs = r;
	t->exit_regs_valid = 1;
	t->enter_seq = 0; /* out of the kernel: killed from now on, it needs no sysenter record */
	t->state = T_READY;
	if (s->running == t)
		s->running = NULL; /* a quick syscall's end */
	ret = trace_put_syscall(&s->w, &rec);
	if (!ret && (!is_restart_code(rec.result) || t->nr == SYS_rt_sigreturn))
		ret = rec_inproc_exit(s, t, &r);
	if (!ret)
		ret = rec_seccomp_raise(t);
	if (!ret && !t->not_run && s->chaos && t->nr == SYS_futex && rec.result > 0 && sc_futex_wakes(t->args))
		ret = rec_chaos_wakes(s, (int)rec.result); /* the woken are candidates of the next decision */
	if (ret == -EFBIG) {
		char nb[32];
		rec_fail(s, "thread %d: %s: its results are larger than a trace record can hold (%u MiB): recording stopped",
			 t->tid, sc_name(t->nr, nb), TRACE_RECORD_MAX >> 20);
	}
	return ret;
}
