/* replay_space.c - the replayed process: the stub, syscall injection and
 * the rebuilding of a recorded address space. */
#include "replay.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/ptrace_util.h"
#include "../common/sandbox.h"

extern const uint8_t heisen_stub_start[], heisen_stub_end[];

#define STUB_SCRATCH_OFF 16

int replay_add_blob(struct replay_session *s, const struct trace_file *f)
{
	struct replay_blob *b = s->blobs;
	while (b && (b->hash.lo != f->hash.lo || b->hash.hi != f->hash.hi))
		b = b->next;
	if (b && (b->filled == b->size || (f->offset < b->filled && f->len <= b->filled - f->offset)))
		return 0; /* stored already (gdb went back to a checkpoint) */
	/* From format 9 a sparse file's chunks leave its holes out (zeros):
	 * each starts at or after where the last ended. */
	int gaps = s->r.hdr.version >= TRACE_VERSION_SPARSE_HASH;
	if (b ? f->size != b->size || (gaps ? f->offset < b->filled : f->offset != b->filled) : !gaps && f->offset != 0) {
		snprintf(s->r.err, sizeof s->r.err, "trace corrupt: file record at event %llu: bytes %llu to %llu of %s out of their place",
			 (unsigned long long)s->r.event - 1, (unsigned long long)f->offset,
			 (unsigned long long)(f->offset + f->len), f->path);
		return -TRE_CORRUPT;
	}
	if (!b) {
		if (!(b = calloc(1, sizeof *b)))
			return -ENOMEM;
		if ((b->fd = memfd_create("heisen-file", MFD_CLOEXEC)) < 0) {
			free(b);
			return -errno;
		}
		b->hash = f->hash;
		b->size = f->size;
		b->path = f->path ? strdup(f->path) : NULL;
		b->next = s->blobs;
		s->blobs = b;
		if (ftruncate(b->fd, (off_t)f->size) < 0) /* (its holes) */
			return -errno;
	}
	int r = lseek(b->fd, (off_t)f->offset, SEEK_SET) < 0 ? -errno : write_all(b->fd, f->data, f->len);
	b->filled = f->offset + f->len;
	return r;
}

/* Resumes t until its stub's int3 (after an exec of the stub). */
static int run_to_stub_entry(struct replay_task *t)
{
	int status, r;
	for (;;) {
		/* SYSEMU: not even the stub may make a syscall of its own. */
		if (ptrace(PTRACE_SYSEMU, t->tid, 0, 0) < 0)
			return -errno;
		if ((r = tracee_wait_stop(t->tid, &status, t->bound)))
			return r;
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0)
			break;
		if ((status >> 16) == PTRACE_EVENT_EXEC || (status >> 16) == PTRACE_EVENT_STOP)
			continue;
		return -EPROTO;
	}
	if ((r = regs_get(t->tid, &t->regs)))
		return r;
	t->gadget = t->regs.rip;                            /* the syscall after int3 */
	t->scratch = t->regs.rip - 1 + STUB_SCRATCH_OFF;
	if (t->memfd >= 0)
		close(t->memfd);
	t->memfd = mem_open(t->tid);
	return t->memfd < 0 ? t->memfd : 0;
}

int replay_spawn(struct replay_session *s, struct replay_task *t)
{
	int go[2];
	if (s->stubfd < 0) {
		s->stubfd = memfd_create("heisen-stub", MFD_CLOEXEC);
		if (s->stubfd < 0)
			return -errno;
		int r = write_all(s->stubfd, heisen_stub_start, (size_t)(heisen_stub_end - heisen_stub_start));
		if (r)
			return r;
	}
	if (!s->sandbox.len) {
		if (getrandom(&s->cookie, sizeof s->cookie, 0) != sizeof s->cookie)
			return -EIO;
		int r = sandbox_bpf(s->cookie, &s->sandbox);
		if (r)
			return r;
	}
	t->cookie = s->cookie;
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char c;
		struct rlimit nocore = {0, 0};
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		setrlimit(RLIMIT_CORE, &nocore); /* a replayed crash leaves no core file */
		/* Start from default dispositions and an empty mask: the
		 * recorded ones are set from the exec snapshot. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		personality(ADDR_NO_RANDOMIZE);
		prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
		/* Nothing of replay's leaks into the program (the stub's memfd
		 * is close-on-exec); the sandbox is in place before the first
		 * instruction of the stub, and so of any recorded code. */
		if ((s->stubfd > 3 && syscall(SYS_close_range, 3, s->stubfd - 1, 0) < 0) ||
		    syscall(SYS_close_range, s->stubfd + 1, ~0u, 0) < 0 || sandbox_install(&s->sandbox))
			_exit(127);
		char *argv[] = {"heisen-stub", NULL}, *envp[] = {NULL};
		syscall(SYS_execveat, s->stubfd, "", argv, envp, AT_EMPTY_PATH, s->cookie);
		_exit(127);
	}
	close(go[0]);
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK;
	if (ptrace(PTRACE_SEIZE, pid, 0, opts) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		close(go[1]);
		return -e;
	}
	t->tid = pid;
	t->memfd = -1;
	t->alive = 1;
	s->nlive++;
	int ok = write(go[1], "g", 1) == 1;
	close(go[1]);
	if (!ok)
		return -EIO;
	/* Wait for the exec event, then run to the stub's int3. */
	int status, r;
	if ((r = tracee_wait_stop(pid, &status, t->bound)))
		return r;
	if ((status >> 16) != PTRACE_EVENT_EXEC)
		return -EPROTO;
	return run_to_stub_entry(t);
}

/* The syscall t is stopped at: 0 and *info, or -errno. */
static int syscall_info(struct replay_task *t, struct __ptrace_syscall_info *info)
{
	return ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof *info, info) < 0 ? -errno : 0;
}

int replay_inject_enter(struct replay_task *t, uint64_t at, long nr, const uint64_t args[6])
{
	struct user_regs_struct r = t->regs;
	int status, ret, exit_seen = 0;
	uint8_t insn[2];
	/* The first instruction t runs is this syscall, with replay's
	 * registers: no code of the program's runs in between (the bytes may
	 * be the program's, even the stub's page: a trace can write anywhere). */
	if (mem_read(t->tid, at, insn, 2) != 2 || insn[0] != 0x0f || insn[1] != 0x05)
		return -EPROTO;
	r.rax = (unsigned long long)nr;
	r.orig_rax = (unsigned long long)nr;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = sandbox_needs_cookie(nr) ? t->cookie : args[5];
	r.rip = at;
	if ((ret = regs_set(t->tid, &r)))
		return ret;
	for (;;) {
		struct __ptrace_syscall_info info;
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
		if ((ret = tracee_wait_stop(t->tid, &status, t->bound)))
			return ret;
		if ((status >> 16) == PTRACE_EVENT_EXIT) {
			t->exit_stopped = 1; /* killed: its process's exit_group, a SIGKILL */
			return -ESRCH;
		}
		if ((status >> 16) == 0 && WSTOPSIG(status) == SIGCHLD)
			continue; /* a child's end in replay: dropped, the recorded ones are raised */
		if (WSTOPSIG(status) != (SIGTRAP | 0x80) || (ret = syscall_info(t, &info)))
			return ret ? ret : -EPROTO; /* a signal or an event on the way */
		if (info.op == PTRACE_SYSCALL_INFO_EXIT && !exit_seen) {
			exit_seen = 1; /* the end of the emulated syscall t was stopped at */
			continue;
		}
		/* Exactly the syscall replay set up, at its instruction, of this ABI. */
		if (info.op != PTRACE_SYSCALL_INFO_ENTRY || info.arch != AUDIT_ARCH_X86_64 ||
		    info.entry.nr != (uint64_t)nr || info.instruction_pointer != at + 2)
			return -EPROTO;
		if (t->entry_sig)
			syscall(SYS_tkill, t->tid, t->entry_sig);
		return 0;
	}
}

int replay_inject_finish(struct replay_task *t, long nr, int64_t *res)
{
	int status, ret;
	for (;;) {
		struct __ptrace_syscall_info info;
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
		if ((ret = tracee_wait_stop(t->tid, &status, t->bound)))
			return ret;
		int ev = status >> 16;
		if (ev == PTRACE_EVENT_EXEC && (nr == SYS_execve || nr == SYS_execveat))
			continue;
		if (ev == PTRACE_EVENT_EXIT) {
			t->exit_stopped = 1;
			return -ESRCH;
		}
		if (WSTOPSIG(status) != (SIGTRAP | 0x80) || (ret = syscall_info(t, &info)))
			return ret ? ret : -EPROTO;
		if (info.op != PTRACE_SYSCALL_INFO_EXIT)
			return -EPROTO;
		*res = info.exit.rval;
		return 0;
	}
}

int replay_inject(struct replay_task *t, uint64_t at, long nr, const uint64_t args[6], int64_t *res, int keep)
{
	uint64_t r9 = t->regs.r9;
	int ret = replay_inject_enter(t, at, nr, args);
	if (!ret)
		ret = replay_inject_finish(t, nr, res);
	if (ret)
		return ret;
	if (!keep)
		return regs_set(t->tid, &t->regs);
	if ((ret = regs_get(t->tid, &t->regs)))
		return ret;
	if (!sandbox_needs_cookie(nr) || nr == SYS_execve)
		return 0;
	t->regs.r9 = r9; /* the cookie never stays where the program can see it */
	return regs_set(t->tid, &t->regs);
}

static int inject(struct replay_task *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		  uint64_t a4, uint64_t a5, int64_t *res)
{
	uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
	int r = replay_inject(t, t->gadget, nr, args, res, 0);
	if (!r && *res < 0 && *res > -4096)
		return (int)*res;
	return r;
}

static struct replay_blob *find_blob(struct replay_session *s, struct trace_hash h)
{
	struct replay_blob *b = s->blobs;
	while (b && (b->hash.lo != h.lo || b->hash.hi != h.hi))
		b = b->next;
	return b && b->filled == b->size ? b : NULL; /* all its chunks read */
}

int replay_open_fd(struct replay_task *t, int mine, int flags, int64_t *fd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), mine);
	int r = mem_write(t->memfd, t->scratch, path, strlen(path) + 1);
	if (r)
		return r;
	return inject(t, SYS_openat, (uint64_t)AT_FDCWD, t->scratch, (uint64_t)(flags | O_CLOEXEC), 0, 0, 0, fd);
}

int replay_open_blob(struct replay_session *s, struct replay_task *t, struct trace_hash h, int64_t *fd)
{
	struct replay_blob *b = find_blob(s, h);
	return b ? replay_open_fd(t, b->fd, O_RDONLY, fd) : -ENOENT;
}

/* Copies the size bytes of file src into the empty file dst, holes left
 * holes (a sparse blob: SEEK_DATA, SEEK_HOLE). 0 or -errno. */
static int copy_sparse(int src, int dst, uint64_t size)
{
	if (ftruncate(dst, (off_t)size) < 0)
		return -errno;
	for (off_t at = 0; (uint64_t)at < size;) {
		off_t d = lseek(src, at, SEEK_DATA), e;
		if (d < 0)
			return errno == ENXIO ? 0 : -errno; /* only a hole left */
		if ((e = lseek(src, d, SEEK_HOLE)) < 0)
			return -errno;
		for (loff_t from = d, to = d; from < e;) {
			ssize_t n = copy_file_range(src, &from, dst, &to, (size_t)(e - from), 0);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
		}
		at = e;
	}
	return 0;
}

int replay_shared_fd(struct replay_session *s, uint64_t file_id, struct trace_hash h)
{
	struct replay_shared *f = s->shared;
	while (f && f->file_id != file_id)
		f = f->next;
	if (f)
		return f->fd;
	struct replay_blob *b = find_blob(s, h);
	if (!b)
		return -ENOENT;
	if (!(f = calloc(1, sizeof *f)))
		return -ENOMEM;
	f->file_id = file_id;
	f->fd = memfd_create("heisen-shared", MFD_CLOEXEC);
	int cr = f->fd < 0 ? -errno : copy_sparse(b->fd, f->fd, b->size);
	if (cr) {
		int e = -cr;
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return -e;
	}
	f->next = s->shared;
	s->shared = f;
	return f->fd;
}

int replay_exec_stub(struct replay_session *s, struct replay_task *t)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), s->stubfd);
	uint64_t argv[2] = {t->scratch, 0};
	int r = mem_write(t->memfd, t->scratch, path, strlen(path) + 1);
	if (!r)
		r = mem_write(t->memfd, t->scratch + 1024, argv, sizeof argv);
	if (r)
		return r;
	int64_t res;
	uint64_t args[6] = {t->scratch, t->scratch + 1024, t->scratch + 1024 + 8, 0, 0, 0};
	if (replay_exec_threads(s, t))
		r = replay_exec_kill(s, t, args, &res); /* the other threads die */
	else
		r = replay_inject(t, t->gadget, SYS_execve, args, &res, 1);
	if (r)
		return r;
	if (res < 0)
		return (int)res;
	return run_to_stub_entry(t);
}

/* Unmaps everything the stub has but its own page. */
static int clear_stub(struct replay_task *t)
{
	char path[64], line[512];
	uint64_t ranges[64][2];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", t->tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	while (n < 64 && fgets(line, sizeof line, f)) {
		uint64_t a, b;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &a, &b) == 2 && !(a <= t->gadget && t->gadget < b) &&
		    !strstr(line, "[vsyscall]"))
			ranges[n][0] = a, ranges[n++][1] = b;
	}
	fclose(f);
	for (int i = 0; i < n; i++) {
		int64_t res;
		int r = inject(t, SYS_munmap, ranges[i][0], ranges[i][1] - ranges[i][0], 0, 0, 0, 0, &res);
		if (r)
			return r;
	}
	return 0;
}

/* The signal mask and ignored signals a process keeps across exec. */
static int set_signals(struct replay_task *t, const struct trace_exec *e)
{
	uint64_t ign[4] = {1 /* SIG_IGN */, 0, 0, 0};
	int64_t res;
	int r = mem_write(t->memfd, t->scratch, &e->sigblocked, 8);
	if (!r)
		r = mem_write(t->memfd, t->scratch + 8, ign, sizeof ign);
	if (!r)
		r = inject(t, SYS_rt_sigprocmask, SIG_SETMASK, t->scratch, 0, 8, 0, 0, &res);
	for (int sig = 1; !r && sig <= 64; sig++)
		if ((e->sigignored >> (sig - 1)) & 1)
			r = inject(t, SYS_rt_sigaction, (uint64_t)sig, t->scratch + 8, 0, 8, 0, 0, &res);
	return r;
}

int replay_build(struct replay_session *s, struct replay_task *t, const struct trace_exec *e)
{
	int r = clear_stub(t);
	if (r)
		return r;
	for (uint32_t i = 0; i < e->nmaps; i++) {
		const struct trace_map *m = &e->maps[i];
		int64_t fd = -1, res;
		uint64_t flags = MAP_PRIVATE | MAP_FIXED;
		if (m->kind == MAPK_SPECIAL)
			continue;
		if (m->start <= t->gadget && t->gadget < m->end)
			return -EADDRINUSE;
		if (m->kind == MAPK_FILE) {
			if ((r = replay_open_blob(s, t, m->hash, &fd)))
				return r;
		} else {
			flags |= MAP_ANONYMOUS | ((m->flags & MAPF_GROWSDOWN) ? MAP_GROWSDOWN : 0);
			if (m->flags & MAPF_SHARED)
				flags = (flags & ~(uint64_t)MAP_PRIVATE) | MAP_SHARED;
		}
		r = inject(t, SYS_mmap, m->start, m->end - m->start, m->prot, flags, (uint64_t)fd,
			   m->kind == MAPK_FILE ? m->offset : 0, &res);
		if (fd >= 0) {
			int64_t ignored;
			inject(t, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0, &ignored);
		}
		if (r)
			return r;
		if ((uint64_t)res != m->start)
			return -EADDRNOTAVAIL;
		if (m->content_len && (r = mem_write(t->memfd, m->start, m->content, m->content_len)))
			return r;
	}
	if ((r = set_signals(t, e)))
		return r;
	if ((r = replay_space_new(t, e->start_brk)))
		return r;
	t->rec_tid = e->tid;
	t->regs = e->regs;
	return regs_set(t->tid, &t->regs);
}
