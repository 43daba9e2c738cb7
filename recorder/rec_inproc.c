/* rec_inproc.c - in-process recording in rec (docs/inprocess.md): the
 * library mapped into every new image, syscall sites patched to call it,
 * its ring drained into buffer records at every stop, and threads kept
 * out of it at preemption points. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../common/inproc.h"
#include "../common/ptrace_util.h"

extern const char heisen_inproc_start[], heisen_inproc_end[];

/* The calls the library records: clocks, ids, getrandom, and reads and
 * writes, epoll waits, accept and connect, which it makes without blocking
 * (or traced: docs/inprocess.md section 7). */
static const long buffered[] = {
	SYS_clock_gettime, SYS_gettimeofday, SYS_time,    SYS_getpid,  SYS_gettid,   SYS_getppid,
	SYS_getuid,        SYS_geteuid,      SYS_getgid,  SYS_getegid, SYS_getrandom, SYS_read,
	SYS_write,         SYS_pread64,      SYS_pwrite64,
	/* sockets and epoll (what a Go net/http server makes most) */
	SYS_socket, SYS_setsockopt, SYS_getsockopt, SYS_getsockname, SYS_getpeername, SYS_epoll_ctl,
	SYS_epoll_wait, SYS_epoll_pwait, SYS_accept, SYS_accept4, SYS_connect,
	/* files (docs/inprocess.md section 15): what python3, make and sqlite3
	 * call most; openat, close, fcntl, futex and ioctl checked first */
	SYS_fstat, SYS_newfstatat, SYS_statx, SYS_lseek, SYS_openat, SYS_close, SYS_readlink, SYS_readlinkat,
	SYS_access, SYS_faccessat, SYS_faccessat2, SYS_getdents64, SYS_fcntl, SYS_futex, SYS_ioctl,
};

static int space_fd(struct rec_task *t);

/* Writes pid into the control area of t's process (0: the library asks
 * getpid); 0 or -errno. */
static int set_pid(struct rec_task *t, pid_t pid)
{
	int32_t v = pid;
	int fd = space_fd(t);
	return fd < 0 ? fd : mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, pid), &v, sizeof v);
}

/* What the trace writer's thread needs to make buffer records from
 * shared rings (one at a time: trace_put_deferred's chain stage). */
struct rec_filler {
	struct trace_bufentry *ents;
	struct trace_region *regs;
	int failed;             /* a ring was corrupt: err says which (read with __atomic) */
	char err[160];
};


static const struct il_header *blob_header(void)
{
	return (const struct il_header *)heisen_inproc_start;
}

int rec_inproc_setup(struct rec_session *s)
{
	const struct il_header *h = blob_header();
	size_t size = (size_t)(heisen_inproc_end - heisen_inproc_start);
	/* --chaos wants every syscall a point where it may switch threads */
	if (s->opt->no_inprocess || s->opt->chaos)
		return 0;
	if (h->magic != IL_MAGIC || h->version != IL_VERSION || h->size != size || size > IL_TEXT_MAX)
		return -EINVAL; /* a build error */
	if (!(s->il_ctl = calloc(1, IL_CTL_SIZE)))
		return -ENOMEM;
	int r = il_ctl_init(s->il_ctl, buffered, (int)(sizeof buffered / sizeof *buffered));
	if (r) {
		free(s->il_ctl);
		s->il_ctl = NULL;
		return r;
	}
	s->il_ctl->mode = IL_MODE_RECORD;
	/* rec's stdout and stderr: writes there stay traced, replay shows them */
	const struct stat *echo[2] = {&s->out_st, &s->err_st};
	for (int i = 0; i < 2; i++) {
		s->il_ctl->echo_dev[i] = echo[i]->st_ino ? (uint64_t)echo[i]->st_dev : ~0ull;
		s->il_ctl->echo_ino[i] = echo[i]->st_ino ? (uint64_t)echo[i]->st_ino : ~0ull;
	}
	struct stat pst;
	if (stat("/proc/self/mem", &pst) == 0)
		s->il_ctl->proc_dev = (uint64_t)pst.st_dev;
	s->untraced_ip = IL_BASE + h->untraced_ret;
	s->il_entry = IL_BASE + h->entry;
	s->il_traced = IL_BASE + h->traced;
	s->il_tsc_entry = IL_BASE + h->tsc_entry;
	s->il_rdtsc_traced = IL_BASE + h->rdtsc_traced;
	s->il_rdtscp_traced = IL_BASE + h->rdtscp_traced;
	return 0;
}

int rec_inproc_shared_file(struct rec_session *s, uint64_t dev, uint64_t ino)
{
	static const uint8_t zero[IL_FDCACHE_N];
	const uint32_t one = 1;
	struct il_ctl *c = s->il_ctl;
	if (!c || c->no_file_writes)
		return 0;
	if (c->nshared == IL_SHARED_N)
		c->no_file_writes = 1;
	else {
		c->shared_dev[c->nshared] = dev;
		c->shared_ino[c->nshared++] = ino;
	}
	size_t from = offsetof(struct il_ctl, nshared), to = offsetof(struct il_ctl, fdcache);
	for (struct rec_task *t = s->tasks; t; t = t->next) {
		int fd = t->space && t->space->il ? space_fd(t) : -1;
		if (fd < 0) /* (a process being killed is not told) */
			continue;
		if (c->no_file_writes)
			mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, no_file_writes), &one, sizeof one);
		else if (!mem_write(fd, IL_BASE + IL_CTL_OFF + from, (const char *)c + from, to - from))
			/* what each fd is, forgotten: one may name the new file */
			mem_write(fd, IL_BASE + IL_CTL_OFF + to, zero, sizeof zero);
	}
	return 0;
}

void rec_inproc_free(struct rec_session *s)
{
	if (s->il_filler) {
		free(s->il_filler->ents);
		free(s->il_filler->regs);
		free(s->il_filler);
		s->il_filler = NULL;
	}
	free(s->il_ctl);
	s->il_ctl = NULL;
	buf_free(&s->ilbuf);
	free(s->ilents);
	free(s->ilregs);
	s->ilents = NULL;
	s->ilregs = NULL;
}

static int space_fd(struct rec_task *t)
{
	if (t->space->memfd < 0)
		t->space->memfd = mem_open(t->tid);
	return t->space->memfd;
}

int rec_inproc_memfd(struct rec_task *t)
{
	return space_fd(t);
}

/* Lets t (at its exec stop) on to the end of its execve, where registers
 * set are not overwritten by execve's result; its entry point in *rip.
 * Returns 0 or -errno. */
static int to_exec_end(struct rec_task *t, uint64_t *rip)
{
	struct user_regs_struct r;
	int status, ret;
	for (int i = 0;; i++) {
		if (i == 32)
			return -EPROTO;
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
		if ((ret = tracee_wait_stop(t->tid, &status, NULL)))
			return ret;
		int ev = status >> 16, sig = WSTOPSIG(status);
		if (ev == 0 && sig == (SIGTRAP | 0x80))
			break;
		if (ev == PTRACE_EVENT_STOP)
			continue; /* an interrupt rec sent before the exec: nothing ran */
		siginfo_t si;
		if (ev != 0 || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
			return -EPROTO;
		if ((ret = rec_hold_async(t, sig, &si))) /* delivered at its next preemption point */
			return ret;
	}
	t->exec_ended = 1;
	if ((ret = regs_get(t->tid, &r)))
		return ret;
	*rip = r.rip;
	return 0;
}

int rec_inproc_inject(struct rec_session *s, struct rec_task *t)
{
	static const uint8_t sc[2] = {0x0f, 0x05};
	const uint64_t map[6] = {IL_BASE, IL_MAP_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0};
	const uint64_t prot[6] = {IL_BASE, IL_TEXT_MAX, PROT_READ | PROT_EXEC, 0, 0, 0};
	uint8_t orig[2];
	uint64_t rip = 0;
	int64_t res = 0, res2 = 0;
	int fd, ret;
	if (!s->il_ctl)
		return 0;
	if ((fd = space_fd(t)) < 0)
		return fd;
	if ((ret = to_exec_end(t, &rip))) {
		rec_fail(s, "thread %d: exec: cannot reach the end of execve to map the in-process library: %s", t->tid,
			 strerror(-ret));
		return ret;
	}
	/* The new image's first instruction becomes a syscall for the
	 * injections, then goes back to what it was. */
	if (mem_read(t->tid, rip, orig, 2) != 2)
		return -EFAULT;
	if ((ret = mem_write(fd, rip, sc, 2)))
		return ret;
	ret = rec_inject(t, rip, SYS_mmap, map, &res);
	if (!ret && (uint64_t)res == IL_BASE &&
	    !(ret = mem_write(fd, IL_BASE, heisen_inproc_start, (size_t)(heisen_inproc_end - heisen_inproc_start))) &&
	    !(ret = mem_write(fd, IL_BASE + IL_CTL_OFF, s->il_ctl, sizeof *s->il_ctl)))
		ret = rec_inject(t, rip, SYS_mprotect, prot, &res2);
	int r2 = mem_write(fd, rip, orig, 2);
	if (ret || r2) {
		rec_fail(s, "thread %d: exec: cannot map the in-process library: %s", t->tid, strerror(-(ret ? ret : r2)));
		return ret ? ret : r2;
	}
	if ((uint64_t)res != IL_BASE || res2) {
		if (!s->opt->quiet)
			fprintf(stderr, "rec: thread %d: exec: the in-process library cannot be mapped at %#llx (%s): this process's syscalls are all traced\n",
				t->tid, (unsigned long long)IL_BASE, strerror(-(int)(res2 ? res2 : (uint64_t)res == IL_BASE ? 0 : res)));
		return 0;
	}
	t->space->il = 1;
	ret = set_pid(t, t->tid);
	return ret || !t->filtered ? ret : rec_inproc_filtered(t); /* (filters kept across the exec) */
}

int rec_inproc_newproc(struct rec_task *parent, struct rec_task *child, uint64_t flags)
{
	if (!parent->space || !parent->space->il || (flags & CLONE_THREAD) ||
	    (flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK))
		return 0; /* (a vfork child reads the memory it shares through its parent, waiting meanwhile) */
	int r = (flags & CLONE_VM) ? set_pid(parent, 0) : set_pid(child, child->tid);
	return r == -ENOENT || r == -ESRCH ? 0 : r; /* (a child already gone) */
}

/* Clears bits in every process's fdcache: self made a call that may
 * change what they say of an open file description (il_fd_state_changing),
 * and processes may share it. Where another thread runs meanwhile (its
 * library may write the cache) the whole cache is cleared instead of
 * read, changed and written back. (A process being killed is not told.) */
static void fdcache_clear_all(struct rec_session *s, struct rec_task *self, unsigned bits)
{
	static const uint8_t zero[IL_FDCACHE_N];
	uint8_t c[IL_FDCACHE_N];
	const uint64_t at = IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, fdcache);
	int whole = s->running && s->running != self;
	for (struct rec_task *t = s->tasks; t; t = t->next) {
		int fd = t->space && t->space->il ? space_fd(t) : -1;
		if (fd < 0)
			continue;
		if (whole || pread(fd, c, sizeof c, (off_t)at) != (ssize_t)sizeof c) {
			mem_write(fd, at, zero, sizeof zero);
			continue;
		}
		for (size_t i = 0; i < sizeof c; i++)
			c[i] &= (uint8_t)~bits;
		mem_write(fd, at, c, sizeof c);
	}
}

int rec_inproc_announce(struct rec_session *s, struct rec_task *t)
{
	if (!t->space || !t->space->il)
		return 0;
	struct trace_inproc p = {.tid = (uint32_t)t->tid, .version = IL_VERSION, .base = IL_BASE};
	return trace_put_inproc(&s->w, &p);
}

/* Writes the count entries of s->ilents drained from t's ring (in
 * records of at most TRACE_BUFFER_MAX). */
static int put_entries(struct rec_session *s, struct rec_task *t, uint32_t count)
{
	int ret = 0;
	rec_mark(s, t->tid);
	for (uint32_t i = 0; i < count && !ret; i += TRACE_BUFFER_MAX) {
		uint32_t n = count - i < TRACE_BUFFER_MAX ? count - i : TRACE_BUFFER_MAX;
		struct trace_buffer b = {.tid = (uint32_t)t->tid, .count = n, .entries = s->ilents + i};
		if (s->il_notify_drain && i + n == count) {
			/* its last call is followed by the library's traced getpid:
			 * replay's library makes it too */
			b.flags = BUF_NOTIFY;
			s->il_notify_drain = 0;
		}
		ret = trace_put_buffer(&s->w, &b);
	}
	s->nbuffered += count;
	return ret;
}

#define RING_MAP_LEN (4096 + IL_BUF_SIZE) /* the ring's header page and the ring */
#define IL_SHARE_AFTER (1u << 20)       /* bytes drained from a private ring before rec shares it */

static struct il_ring_hdr *ring_hdr(const struct rec_ring *r)
{
	return (struct il_ring_hdr *)r->map;
}

void rec_ring_put(struct rec_ring *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	munmap(r->map, RING_MAP_LEN);
	free(r);
}

/* Parses the n ring bytes at p into entries ents[*count...] and their
 * regions regs[...] (pointing into p), *count moved past them; -EPROTO
 * (*bad: where, from p) if they are not well-formed entries. Each header
 * is read once: the program may write its ring meanwhile. */
static int parse_ring(const uint8_t *p, uint64_t n, struct trace_bufentry *ents, struct trace_region *regs,
		      uint32_t *count, uint64_t *bad)
{
	const uint32_t max = IL_BUF_SIZE / 8;
	uint32_t k = *count;
	for (uint64_t pos = 0; pos < n;) {
		struct il_entry e = {0};
		if (n - pos >= 8)
			memcpy(&e, p + pos, n - pos < sizeof e ? 8 : sizeof e);
		if (n - pos < 8 || e.length < 8 || (e.length & 7) || e.length > n - pos ||
		    (e.nr != IL_NR_WRAP && (e.length < sizeof e || il_entry_len(e.data_len) != e.length)) || k == max) {
			*bad = pos;
			return -EPROTO;
		}
		pos += e.length;
		if (e.nr == IL_NR_WRAP)
			continue;
		struct trace_bufentry *b = &ents[k];
		*b = (struct trace_bufentry){.nr = e.nr, .result = e.result, .args_hash = e.hash};
		if (e.data_len) {
			regs[k] = (struct trace_region){0, e.data_len, p + pos - e.length + sizeof e};
			b->nregions = 1;
			b->regions = &regs[k];
		}
		k++;
	}
	*count = k;
	return 0;
}

/* Allocates the entry arrays of a drain (enough for a whole ring). */
static int ents_alloc(struct trace_bufentry **ents, struct trace_region **regs)
{
	if (!*ents)
		*ents = malloc(IL_BUF_SIZE / 8 * sizeof **ents);
	if (!*regs)
		*regs = malloc(IL_BUF_SIZE / 8 * sizeof **regs);
	return *ents && *regs ? 0 : -ENOMEM;
}

/* Parses the n ring bytes at p (ring position tail) into s->ilents and
 * s->ilregs, their number in *count; -EPROTO (the recording failed,
 * naming tid) if they are not well-formed entries. */
static int parse_entries(struct rec_session *s, pid_t tid, const uint8_t *p, uint64_t n, uint64_t tail,
			 uint32_t *count)
{
	uint64_t bad = 0;
	int ret = ents_alloc(&s->ilents, &s->ilregs);
	*count = 0;
	if (ret)
		return ret;
	if (parse_ring(p, n, s->ilents, s->ilregs, count, &bad)) {
		rec_fail(s, "thread %d: the in-process library's ring is corrupt at %" PRIu64 ": recording stopped", tid,
			 tail + bad);
		return -EPROTO;
	}
	return 0;
}

/* A drain handed to the trace writer: ring bytes [tail, head) of tid's
 * process. */
struct ring_seg {
	struct rec_filler *fl;
	struct rec_ring *ring;
	pid_t tid;
	uint32_t flags;         /* BUF_NOTIFY */
	uint64_t tail, head;
};

/* trace_fill_fn of a drain (on the trace writer's thread): its buffer
 * record into b, made from the shared ring, whose bytes are then
 * released to the library. A corrupt ring gives a record of no entries
 * and fails the recording (rec_inproc_check). */
static int seg_fill(void *arg, struct buf *b)
{
	struct ring_seg *g = arg;
	struct rec_filler *fl = g->fl;
	int r = 0;
	if (b) {
		const uint8_t *ring = g->ring->map + 4096;
		uint64_t n = g->head - g->tail, off = g->tail & (IL_BUF_SIZE - 1);
		uint64_t first = n < IL_BUF_SIZE - off ? n : IL_BUF_SIZE - off, bad = 0;
		uint32_t count = 0;
		if (!(r = ents_alloc(&fl->ents, &fl->regs))) {
			r = parse_ring(ring + off, first, fl->ents, fl->regs, &count, &bad);
			if (!r && n > first && (r = parse_ring(ring, n - first, fl->ents, fl->regs, &count, &bad)))
				bad += first;
			if (!r && !count)
				r = -EPROTO; /* (the library writes a wrap marker with the entry after it) */
			if (r == -EPROTO) {
				if (!__atomic_load_n(&fl->failed, __ATOMIC_ACQUIRE)) {
					snprintf(fl->err, sizeof fl->err,
						 "thread %d: the in-process library's ring is corrupt at %" PRIu64 ": recording stopped",
						 g->tid, g->tail + bad);
					__atomic_store_n(&fl->failed, 1, __ATOMIC_RELEASE);
				}
				count = 0;
				r = 0;
			}
		}
		struct trace_buffer bf = {.tid = (uint32_t)g->tid, .flags = count ? g->flags : 0, .count = count,
					  .entries = fl->ents};
		if (!r)
			r = trace_buffer_encode(b, &bf);
	}
	__atomic_store_n(&ring_hdr(g->ring)->released, g->head, __ATOMIC_RELEASE);
	rec_ring_put(g->ring);
	free(g);
	return r;
}

int rec_inproc_check(struct rec_session *s, int wait)
{
	struct rec_filler *fl = s->il_filler;
	if (wait)
		trace_writer_fill_wait(&s->w);
	if (!fl || !__atomic_load_n(&fl->failed, __ATOMIC_ACQUIRE))
		return 0;
	rec_fail(s, "%s", fl->err);
	return -EPROTO;
}

/* Hands ring bytes [tail, head) of t's shared ring to the trace writer:
 * their buffer record goes in its place among the records, made on the
 * writer's thread, which then releases them. Returns 0 or -errno. */
static int seg_defer(struct rec_session *s, struct rec_task *t, uint64_t tail, uint64_t head)
{
	struct rec_space *sp = t->space;
	struct ring_seg *g = malloc(sizeof *g);
	if (!s->il_filler && !(s->il_filler = calloc(1, sizeof *s->il_filler))) {
		free(g);
		return -ENOMEM;
	}
	if (!g)
		return -ENOMEM;
	*g = (struct ring_seg){.fl = s->il_filler, .ring = sp->ring, .tid = t->tid, .tail = tail, .head = head};
	__atomic_add_fetch(&sp->ring->refs, 1, __ATOMIC_ACQ_REL);
	rec_mark(s, t->tid);
	if (s->il_notify_drain) {
		g->flags = BUF_NOTIFY;
		s->il_notify_drain = 0;
	}
	return trace_put_deferred(&s->w, seg_fill, g, head - tail);
}

/* The ring bytes [tail, head) of t's process in one piece at *p: in place
 * in the shared ring when they do not wrap around its end, else copied
 * into s->ilbuf; from a private ring with process_vm_readv. Returns 0,
 * 1 (t is gone) or -errno. */
static int ring_bytes(struct rec_session *s, struct rec_task *t, uint64_t tail, uint64_t n, const uint8_t **p)
{
	uint64_t off = tail & (IL_BUF_SIZE - 1), first = n < IL_BUF_SIZE - off ? n : IL_BUF_SIZE - off;
	int ret;
	if (t->space->ring && first == n) {
		*p = t->space->ring->map + 4096 + off;
		return 0;
	}
	s->ilbuf.len = 0;
	if ((ret = buf_reserve(&s->ilbuf, n)))
		return ret;
	*p = s->ilbuf.p;
	if (t->space->ring) {
		memcpy(s->ilbuf.p, t->space->ring->map + 4096 + off, first);
		memcpy(s->ilbuf.p + first, t->space->ring->map + 4096, n - first);
		return 0;
	}
	/* process_vm_readv: 40% faster than pread of /proc/PID/mem for a
	 * MiB */
	struct iovec local = {s->ilbuf.p, n};
	struct iovec remote[2] = {{(void *)(uintptr_t)(IL_BASE + IL_BUF_OFF + off), first},
				  {(void *)(uintptr_t)(IL_BASE + IL_BUF_OFF), n - first}};
	return process_vm_readv(t->tid, &local, 1, remote, n > first ? 2 : 1, 0) != (ssize_t)n;
}

#define IL_ASYNC_MIN (64u << 10) /* drains from a shared ring at least this big are made on the writer's thread */

int rec_inproc_flush(struct rec_session *s, struct rec_task *t)
{
	struct rec_space *sp = t->space;
	uint64_t head;
	const uint8_t *p;
	uint32_t count;
	int fd, ret;
	if (!sp || !sp->il || sp->il_ring_fix || (fd = space_fd(t)) < 0)
		return 0;
	if ((ret = rec_inproc_check(s, 0)))
		return ret;
	struct il_ring_hdr *rh = sp->ring ? ring_hdr(sp->ring) : NULL;
	if (rh)
		head = __atomic_load_n(&rh->head, __ATOMIC_ACQUIRE);
	else if (pread(fd, &head, sizeof head, (off_t)(IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, head))) !=
		 sizeof head)
		return 0; /* gone (killed): nothing to drain */
	uint64_t tail = sp->il_noted, n = head - tail;
	if (n > IL_BUF_SIZE || (head & 7)) {
		rec_fail(s, "thread %d: the in-process library's ring is corrupt (head %" PRIu64 ", tail %" PRIu64 "): recording stopped",
			 t->tid, head, tail);
		return -EPROTO;
	}
	if (rh && n && s->w.async &&
	    (n >= IL_ASYNC_MIN || __atomic_load_n(&rh->released, __ATOMIC_ACQUIRE) != tail)) {
		/* noted here, made into a record and released by the writer
		 * while the program goes on */
		sp->il_noted = head; /* (before seg_defer: its rec_mark drains too) */
		__atomic_store_n(&rh->noted, head, __ATOMIC_RELEASE);
		if (s->il_notify_drain)
			rh->kicked = 0;
		if ((ret = seg_defer(s, t, tail, head)))
			return ret;
	}
	if (rh && __atomic_load_n(&rh->full, __ATOMIC_ACQUIRE)) {
		/* a call found no room: the program waits for the writer */
		trace_writer_fill_wait(&s->w);
		rh->full = 0;
		if ((ret = rec_inproc_check(s, 0)))
			return ret;
	}
	n = head - sp->il_noted;
	if (!n)
		return 0;
	if ((ret = ring_bytes(s, t, tail, n, &p)))
		return ret < 0 ? ret : 0;
	if ((ret = parse_entries(s, t->tid, p, n, tail, &count)))
		return ret;
	sp->il_noted = head; /* (before put_entries: its rec_mark drains too) */
	if (rh && s->il_notify_drain)
		rh->kicked = 0;
	if ((ret = put_entries(s, t, count)))
		return ret;
	/* Consumed: the library may write there again once t runs. */
	if (rh) {
		__atomic_store_n(&rh->noted, head, __ATOMIC_RELEASE);
		__atomic_store_n(&rh->released, head, __ATOMIC_RELEASE);
		return 0;
	}
	sp->il_private_bytes += n;
	return mem_write(fd, IL_BASE + IL_RING_HDR_OFF + offsetof(struct il_ring_hdr, released), &head, sizeof head);
}

/* At t's syscall-exit stop, its ring empty: maps a memfd over its ring
 * and the ring's header page, shared with rec (one rec maps too), so
 * that rec reads the ring from its own memory: a memfd_create, an mmap
 * and a close injected at the library's traced syscall instruction.
 * Returns 0 (shared, or not: the ring stays private) or -errno. */
static int ring_share(struct rec_session *s, struct rec_task *t, uint64_t head)
{
	static const char name[] = "heisen-ring";
	struct rec_space *sp = t->space;
	uint64_t name_at = IL_BASE + IL_RING_HDR_OFF + 2048; /* (in the page the memfd replaces) */
	int64_t pfd = -1, res = -1;
	char path[64];
	int fd = space_fd(t), rfd = -1, ret;
	struct rec_ring *r = NULL;
	sp->il_no_share = 1; /* tried once */
	if (fd < 0)
		return 0;
	if ((ret = mem_write(fd, name_at, name, sizeof name)))
		return ret == -ESRCH ? 0 : ret;
	uint64_t a[6] = {name_at, MFD_CLOEXEC, 0, 0, 0, 0};
	if ((ret = rec_inject(t, s->il_traced, SYS_memfd_create, a, &pfd)) || pfd < 0 || pfd > INT32_MAX)
		goto out;
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)pfd);
	if ((rfd = open(path, O_RDWR | O_CLOEXEC)) < 0 || ftruncate(rfd, RING_MAP_LEN) < 0 || !(r = calloc(1, sizeof *r)))
		goto out;
	r->map = mmap(NULL, RING_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	if (r->map == MAP_FAILED)
		goto out;
	r->refs = 1;
	struct il_ring_hdr *rh = ring_hdr(r);
	rh->released = rh->head = rh->noted = head;
	rh->kick = 1;
	uint64_t m[6] = {IL_BASE + IL_RING_HDR_OFF, RING_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 (uint64_t)pfd, 0};
	if ((ret = rec_inject(t, s->il_traced, SYS_mmap, m, &res)) || (uint64_t)res != IL_BASE + IL_RING_HDR_OFF)
		goto out;
	sp->ring = r;
	r = NULL;
out:
	if (pfd >= 0 && !ret) {
		uint64_t c[6] = {(uint64_t)pfd, 0, 0, 0, 0, 0};
		int64_t cres;
		ret = rec_inject(t, s->il_traced, SYS_close, c, &cres);
	}
	if (rfd >= 0)
		close(rfd);
	if (r && r->map && r->map != MAP_FAILED)
		munmap(r->map, RING_MAP_LEN);
	free(r);
	if (ret && ret != -ESRCH) {
		rec_fail(s, "thread %d: cannot share the in-process library's ring: %s", t->tid, strerror(-ret));
		return ret;
	}
	if (!sp->ring && !s->opt->quiet)
		fprintf(stderr, "rec: thread %d: the in-process library's ring stays private (memfd %lld, mmap %lld)\n",
			t->tid, (long long)pfd, (long long)res);
	return 0;
}

int rec_inproc_filtered(struct rec_task *t)
{
	const uint64_t at = IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, allow);
	const uint32_t off = IL_MODE_OFF;
	uint8_t allow[SC_MAX / 8];
	int fd;
	if (!t->space || !t->space->il)
		return 0;
	if ((fd = space_fd(t)) < 0)
		return fd;
	if (il_helpers_denied(t->filt_deny)) /* the library cannot make the program's calls without them */
		return mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, mode), &off, sizeof off);
	if (pread(fd, allow, sizeof allow, (off_t)at) != (ssize_t)sizeof allow)
		return -EFAULT;
	for (size_t i = 0; i < sizeof allow; i++)
		allow[i] &= (uint8_t)~t->filt_deny[i];
	return mem_write(fd, at, allow, sizeof allow);
}

int rec_inproc_fork(struct rec_task *c)
{
	const uint32_t off = IL_MODE_OFF;
	int fd;
	if (!c->space || !c->space->il || c->space->il_ring_fix != 1)
		return 0;
	if ((fd = space_fd(c)) < 0)
		return fd;
	return mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, mode), &off, sizeof off);
}

/* At the first syscall exit of a fork's child whose ring was its parent's
 * shared one: a private ring of its own (an anonymous mapping injected
 * over it), positioned at its head, and its library on again. Returns 0
 * or -errno. */
static int ring_fix(struct rec_session *s, struct rec_task *t)
{
	struct rec_space *sp = t->space;
	const uint64_t m[6] = {IL_BASE + IL_RING_HDR_OFF, RING_MAP_LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (uint64_t)-1, 0};
	const uint32_t mode = il_helpers_denied(t->filt_deny) ? IL_MODE_OFF : IL_MODE_RECORD; /* (rec_inproc_filtered) */
	struct il_ring_hdr rh = {0};
	int64_t res = -1;
	int fd = space_fd(t), ret;
	sp->il_ring_fix = 2; /* (on failure: its library stays OFF) */
	if (fd < 0)
		return 0;
	if ((ret = rec_inject(t, s->il_traced, SYS_mmap, m, &res)))
		return ret == -ESRCH ? 0 : ret;
	if ((uint64_t)res != IL_BASE + IL_RING_HDR_OFF ||
	    pread(fd, &rh.head, 8, (off_t)(IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, head))) != 8)
		return 0;
	rh.released = rh.noted = rh.head;
	if ((ret = mem_write(fd, IL_BASE + IL_RING_HDR_OFF, &rh, sizeof rh)) ||
	    (ret = mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, mode), &mode, sizeof mode)))
		return ret == -ESRCH ? 0 : ret;
	sp->il_noted = rh.head;
	sp->il_private_bytes = 0;
	sp->il_ring_fix = 0;
	return 0;
}

/* At t's syscall exit: a fork's child gets its own ring; a process that
 * drains a lot from its private ring gets it shared with rec. Returns 0
 * or -errno. */
static int ring_exit(struct rec_session *s, struct rec_task *t, int64_t res)
{
	struct rec_space *sp = t->space;
	uint64_t head;
	int fd;
	if (res <= -512 && res >= -516)
		return 0; /* (a restart code: the kernel may make the call again, as it was) */
	if (sp->il_ring_fix == 1)
		return ring_fix(s, t);
	if (sp->ring || sp->il_ring_fix || sp->il_no_share || sp->il_private_bytes < IL_SHARE_AFTER ||
	    (fd = space_fd(t)) < 0)
		return 0;
	if (pread(fd, &head, 8, (off_t)(IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, head))) != 8 ||
	    head != sp->il_noted)
		return 0; /* (another time) */
	return ring_share(s, t, head);
}

static int unpatchable(const struct rec_space *sp, uint64_t sys)
{
	for (unsigned i = 0; i < sizeof sp->il_unpatchable / sizeof *sp->il_unpatchable; i++)
		if (sp->il_unpatchable[i] == sys)
			return 1;
	return 0;
}

static void note_unpatchable(struct rec_space *sp, uint64_t sys)
{
	const unsigned n = sizeof sp->il_unpatchable / sizeof *sp->il_unpatchable;
	sp->il_unpatchable[sp->il_nunpatchable++ % n] = sys;
}

/* Whether the site at sys was traced before (a second time: worth a
 * patch); notes it if not. A patch costs a capstone sweep of the code
 * around it (~150 us), a trampoline and often a page injected: more than
 * the traced call itself, and many sites (a program's startup) run once. */
static int seen_before(struct rec_space *sp, uint64_t sys)
{
	const unsigned n = sizeof sp->il_seen / sizeof *sp->il_seen;
	for (unsigned i = 0; i < n && i < sp->il_nseen; i++)
		if (sp->il_seen[i] == sys)
			return 1;
	sp->il_seen[sp->il_nseen++ % n] = sys;
	return 0;
}

/* The key of the file position of code at addr in mapping m (a file's,
 * not writable, executable), or 0 if it is not such code. */
static uint64_t site_key(const struct map_range *m, uint64_t addr)
{
	if (!m->inode || m->perms[1] == 'w' || m->perms[2] != 'x')
		return 0;
	uint64_t k[3] = {((uint64_t)m->dev_major << 32) | m->dev_minor, m->inode, addr - m->start + m->offset};
	return XXH3_64bits(k, sizeof k) | 1;
}

/* Whether a site at the file position key was patched in any process of
 * the recording; adds it if add. */
static int hot_site(struct rec_session *s, uint64_t key, int add)
{
	for (unsigned i = 0, h = (unsigned)key; i < REC_HOT_SITES; i++, h++) {
		uint64_t *e = &s->hot_sites[h % REC_HOT_SITES];
		if (*e == key)
			return 1;
		if (!*e) {
			if (add && s->nhot_sites < REC_HOT_SITES / 2) {
				*e = key;
				s->nhot_sites++;
			}
			return 0;
		}
	}
	return 0;
}

/* Patches the syscall (or rdtsc, rdtscp) site at sys, if it can be: at
 * its second traced call (fault), or at its first if the same file
 * position was patched in another process (make's compilers each run the
 * same ld.so and libc sites); returns 0 (patched or not) or -errno. */
/* Whether a thread of t's space but t is inside the run at [at, at+len):
 * for an rdtsc site (tsc) only one that rec cannot move now (in a
 * syscall, not started, ending); for a syscall site any (those inside a
 * syscall there come back through rec_inproc_exit). */
static int others_inside(struct rec_session *s, struct rec_task *t, uint64_t at, size_t len, int tsc)
{
	if (!tsc)
		return rec_thread_inside(s, t, at, len);
	for (struct rec_task *o = s->tasks; o; o = o->next) {
		struct user_regs_struct r;
		if (o != t && o->space == t->space && (o->state == T_KERNEL || o->state == T_NEW || o->state == T_EXITING) &&
		    !regs_get(o->tid, &r) && r.rip > at && r.rip < at + len)
			return 1;
	}
	return 0;
}

/* The threads of t's space but t stopped inside the run just patched go
 * on at the same instruction in its trampoline, as replay moves them at
 * the patch record: two threads in one rdtsc loop were each stopped past
 * the other's rdtsc at its every fault, and the site stayed trapped. */
static int move_others(struct rec_session *s, struct rec_task *t, const struct il_site *site)
{
	for (struct rec_task *o = s->tasks; o; o = o->next) {
		struct user_regs_struct r;
		if (o == t || o->space != t->space || regs_get(o->tid, &r) || r.rip <= site->addr ||
		    r.rip >= site->addr + site->len)
			continue;
		uint64_t to = il_patches_fix_rip(&t->space->patches, r.rip);
		if (!to)
			return -EPROTO;
		r.rip = to;
		int ret = regs_set(o->tid, &r);
		if (ret)
			return ret;
	}
	return 0;
}

static int patch_site(struct rec_session *s, struct rec_task *t, uint64_t sys)
{
	struct rec_space *sp = t->space;
	uint8_t win[SITE_WIN], tramp[IL_TRAMP_MAX], jump[IL_SITE_MAX];
	uint64_t wstart, base, key = 0;
	struct il_site site;
	struct map_range m;
	size_t tlen;
	int fd = space_fd(t), ret;
	if (fd < 0 || unpatchable(sp, sys) || il_patch_at(&sp->patches, sys, 2) ||
	    (sys >= IL_BASE && sys < IL_BASE + IL_MAP_SIZE))
		return 0;
	int seen = seen_before(sp, sys);
	if (!seen && !s->nhot_sites)
		return 0; /* (a first call, and no site patched anywhere yet: no /proc query) */
	if (sp->mapsfd < 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/maps", t->tid);
		sp->mapsfd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if ((sp->mapsfd >= 0 ? maps_find_fd(sp->mapsfd, t->tid, sys, &m) : maps_find(t->tid, sys, &m)) == 1)
		key = site_key(&m, sys);
	if (!seen && !(key && hot_site(s, key, 0)))
		return 0;
	size_t wlen = site_window(t->tid, sys, win, &wstart);
	if (!wlen || !key || il_site_find(win, wlen, wstart, sys, &site, &s->sweeps)) {
		note_unpatchable(sp, sys);
		return 0;
	}
	if (others_inside(s, t, site.addr, site.len, il_site_tsc(&site)))
		return 0; /* another time */
	if (il_site_tsc(&site) && rec_tsc_calibrate(s)) {
		note_unpatchable(sp, sys); /* (the clock went back: no rdtsc is patched) */
		return 0;
	}
	int k = il_patch_page_for(&sp->patches, site.addr);
	uint32_t slot = 0;
	if (k >= 0) {
		base = sp->patches.page[k].base;
		slot = il_patch_next_slot(&sp->patches, k);
	} else {
		if (sp->patches.npages == IL_PATCH_PAGES || !(base = site_free_page_near(t->tid, site.addr)))
			return 0;
		ret = rec_inject_page(t, base);
		if (ret == -EFAULT || ret == -EEXIST)
			return 0;
		if (ret)
			goto fail;
	}
	if (il_tramp_build(tramp, &tlen, base + slot, &site, il_site_tsc(&site) ? s->il_tsc_entry : s->il_entry) ||
	    il_site_jump(jump, &site, base + slot)) {
		note_unpatchable(sp, sys);
		return 0;
	}
	if ((ret = il_patch_add(&sp->patches, &site, base, slot)))
		return ret == -ENOSPC ? 0 : ret;
	if ((ret = mem_write(fd, base + slot, tramp, tlen)) || (ret = mem_write(fd, site.addr, jump, site.len)) ||
	    (il_site_tsc(&site) && (ret = move_others(s, t, &site))))
		goto fail;
	hot_site(s, key, 1);
	struct trace_patch p = {.tid = (uint32_t)t->tid, .len = site.len, .addr = site.addr, .page = base, .slot = slot};
	memcpy(p.code, site.code, site.len);
	return trace_put_patch(&s->w, &p);
fail:
	rec_fail(s, "thread %d: cannot patch the %s site at %#llx: %s", t->tid,
		 il_site_tsc(&site) ? "rdtsc" : "syscall", (unsigned long long)sys, strerror(-ret));
	return ret;
}

/* After t's traced call with result res: the library's fd kinds in t's
 * process are cleared where the call may have closed or replaced an fd
 * (il_fd_replacing: the one fd of close, dup2 and dup3, all for
 * close_range), or where a vfork-like child sharing the memory but
 * not the fd table has ended or exec'd (its fds were cached there too);
 * the cache is turned off for good where such sharing goes on (a CLONE_VM
 * child without CLONE_FILES or CLONE_VFORK, unshare(CLONE_FILES)).
 * (A process being killed is not told.) */
static void fdcache_forget(struct rec_task *t, int64_t res)
{
	static const uint8_t zero[IL_FDCACHE_N];
	const struct sc_desc *d = sc_lookup(t->nr);
	struct sc_clone ca;
	uint32_t off = 0;
	int fd;
	if (t->space->il_fdcache_off || !d)
		return;
	if (t->nr == SYS_unshare)
		off = !res && (t->args[0] & CLONE_FILES);
	else if (d->cls == SCC_PROCESS) {
		if (res <= 0 || sc_clone_args(t->nr, t->args, mem_read_pid, &t->tid, &ca) ||
		    (ca.flags & (CLONE_VM | CLONE_FILES)) != CLONE_VM)
			return;
		off = !(ca.flags & CLONE_VFORK);
	} else if (!il_fd_replacing(t->nr))
		return;
	if ((fd = space_fd(t)) < 0)
		return;
	/* close, dup2 and dup3 name the one fd (an unsigned int) they close or replace */
	uint64_t one = ~0ull;
	if (t->nr == SYS_close)
		one = (uint32_t)t->args[0];
	else if (t->nr == SYS_dup2 || t->nr == SYS_dup3)
		one = (uint32_t)t->args[1];
	if (off) {
		t->space->il_fdcache_off = 1;
		mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, fdcache_off), &off, sizeof off);
	} else if (one != ~0ull) {
		if (one < IL_FDCACHE_N)
			mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, fdcache) + one, zero, 1);
	} else
		mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, fdcache), zero, sizeof zero);
}

/* After a traced socket() (a site's first, before it is patched) that
 * made fd res: the library's cache learns it as new_socket in
 * inproc/lib.c would (a socket, its O_NONBLOCK, SO_LINGER off since it
 * was made), so that the connections it accepts are known too. */
static void fdcache_new_socket(struct rec_task *t, int64_t res)
{
	uint8_t k = IL_FD_SOCKET | IL_FD_NBKNOWN | IL_FD_NOLINGER | IL_FD_NEVERLINGER;
	int fd;
	if (t->nr != SYS_socket || res < 0 || res >= IL_FDCACHE_N || t->space->il_fdcache_off || (fd = space_fd(t)) < 0)
		return;
	if (t->args[1] & SOCK_NONBLOCK)
		k |= IL_FD_NB;
	mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, fdcache) + (uint64_t)res, &k, 1);
}

int rec_inproc_exit(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r)
{
	struct rec_space *sp = t->space;
	int ret = 0;
	unsigned bits = s->il_ctl ? il_fd_state_changing(t->nr, t->args) : 0;
	if (bits)
		fdcache_clear_all(s, t, bits);
	if (!sp || !sp->il)
		return 0;
	if ((ret = ring_exit(s, t, (int64_t)r->rax)))
		return ret;
	il_patches_syscall_forget(&sp->patches, t->nr, t->args, (int64_t)r->rax);
	fdcache_forget(t, (int64_t)r->rax);
	fdcache_new_socket(t, (int64_t)r->rax);
	if (t->nr >= 0 && t->nr < SC_MAX && (s->il_ctl->allow[t->nr / 8] & (1u << (t->nr % 8))) &&
	    (ret = patch_site(s, t, r->rip - 2)))
		return ret;
	uint64_t to = il_patches_fix_rip(&sp->patches, r->rip);
	if (to == r->rip)
		return 0;
	if (!to) {
		rec_fail(s, "thread %d: %s returned inside a patched syscall site at %#llx: recording stopped", t->tid,
			 sc_lookup(t->nr) ? sc_lookup(t->nr)->name : "a syscall", (unsigned long long)r->rip);
		return -EPROTO;
	}
	r->rip = to;
	t->exit_regs = *r;
	return regs_set(t->tid, r);
}

int rec_inproc_tsc(struct rec_session *s, struct rec_task *t, uint64_t insn, struct user_regs_struct *r)
{
	struct rec_space *sp = t->space;
	int ret = 0;
	if (!s->il_ctl || !sp || !sp->il || sp->il_ring_fix || (ret = patch_site(s, t, insn)))
		return ret;
	uint64_t to = il_patches_fix_rip(&sp->patches, r->rip);
	if (to == r->rip)
		return 0;
	if (!to) {
		rec_fail(s, "thread %d: rdtsc at %#llx: its thread is inside the patched site, at no instruction: recording stopped",
			 t->tid, (unsigned long long)insn);
		return -EPROTO;
	}
	r->rip = to;
	return regs_set(t->tid, r);
}

int rec_inproc_notify(struct rec_task *t, int on)
{
	struct rec_space *sp = t->space;
	uint32_t v = on ? 1 : 0;
	int fd;
	if (!sp || !sp->il || sp->il_notify == (int)v)
		return sp && sp->il ? (int)v : 0;
	if ((fd = space_fd(t)) < 0)
		return fd;
	int r = mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, notify), &v, sizeof v);
	if (r)
		return r;
	sp->il_notify = (int)v;
	return (int)v;
}

int rec_inproc_at_notify(struct rec_session *s, struct rec_task *t)
{
	struct user_regs_struct r;
	uint64_t ret;
	/* at the library's traced syscall, called (not jumped to: a call the
	 * library made traced returns to its trampoline) from its own text */
	return t->space && t->space->il &&
	       (t->space->il_notify || (t->space->ring && __atomic_load_n(&ring_hdr(t->space->ring)->kicked, __ATOMIC_ACQUIRE))) &&
	       !regs_get(t->tid, &r) &&
	       r.rip == s->il_traced + 2 && r.orig_rax == SYS_getpid && mem_read(t->tid, r.rsp, &ret, 8) == 8 &&
	       ret >= IL_BASE && ret < IL_BASE + IL_TEXT_MAX;
}

/* 1 if rip is in the library's text or a trampoline of t's process. */
static int in_library(const struct rec_task *t, uint64_t rip)
{
	return t->space && t->space->il &&
	       ((rip >= IL_BASE && rip < IL_BASE + IL_TEXT_MAX) || il_patch_in_tramp(&t->space->patches, rip));
}

/* Sets debug register i of t to v; 0 or -errno. */
static int set_dr(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, (void *)off, (void *)v) < 0 ? -errno : 0;
}

int rec_step_fix_pushf(struct rec_task *t, const struct user_regs_struct *before)
{
	struct user_regs_struct now;
	uint8_t c[2];
	uint64_t w = 0;
	int fd;
	if ((before->eflags & 0x100) || mem_read(t->tid, before->rip, c, 2) != 2)
		return 0;
	/* pushfq (9c, 48 9c) pushes 8 bytes, pushfw (66 9c) 2 */
	size_t len = c[0] == 0x9c ? 1 : (c[0] == 0x48 || c[0] == 0x66) && c[1] == 0x9c ? 2 : 0;
	size_t n = c[0] == 0x66 ? 2 : 8;
	if (!len || regs_get(t->tid, &now) || now.rip != before->rip + len || now.rsp != before->rsp - n ||
	    mem_read(t->tid, now.rsp, &w, n) != (long)n || !(w & 0x100))
		return 0;
	w &= ~(uint64_t)0x100;
	if (!t->space)
		return -EIO;
	if ((fd = space_fd(t)) < 0)
		return fd;
	return mem_write(fd, now.rsp, &w, n);
}

int rec_run_to(struct rec_task *t, uint64_t next)
{
	size_t off7 = offsetof(struct user, u_debugreg) + 7 * sizeof(long);
	errno = 0;
	long dr7 = ptrace(PTRACE_PEEKUSER, t->tid, (void *)off7, 0);
	if (errno)
		return -errno;
	int ret = set_dr(t->tid, 3, next);
	if (!ret)
		ret = set_dr(t->tid, 7, ((uint64_t)dr7 & ~(0xfull << 28)) | (1ull << 6));
	for (int i = 0; !ret; i++) {
		int status;
		siginfo_t si;
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 || (ret = tracee_wait_stop(t->tid, &status, NULL)))
			ret = ret ? ret : -errno;
		else if ((status >> 16) == PTRACE_EVENT_STOP && WSTOPSIG(status) == SIGTRAP)
			continue;
		else if ((status >> 16) != 0 || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
			ret = -EPROTO;
		else if (WSTOPSIG(status) == SIGTRAP && si.si_code == TRAP_HWBKPT)
			break;
		else
			ret = rec_sig_is_sync(&si) ? 1 : rec_hold_async(t, WSTOPSIG(status), &si);
	}
	int r2 = set_dr(t->tid, 7, (uint64_t)dr7);
	return ret ? ret : r2;
}

/* Lets t, in the library's text (not a trampoline), run on to where it
 * returns to its trampoline, with a hardware breakpoint there (DR2):
 * single steps cost ~10 us each, and a copy or hash of a 4 KiB write
 * takes thousands (a rep movsb one per byte). The return address is the
 * word at the program's rsp that the entry saved; a stale one (t before
 * the entry saved it) is no return address of a trampoline, or one whose
 * breakpoint a later pass hits: t is then stopped there instead, which
 * rec_preempt_stop takes as it comes. Returns 2 (t runs on: its next stop
 * is that breakpoint or the library's traced syscall), 0 (not done) or
 * -errno. */
static int to_library_return(struct rec_task *t, uint64_t rip)
{
	uint64_t sp = 0, ret = 0;
	if (rip < IL_BASE || rip >= IL_BASE + IL_TEXT_MAX ||
	    mem_read(t->tid, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, saved_rsp), &sp, 8) != 8 ||
	    mem_read(t->tid, sp, &ret, 8) != 8 || !il_patch_in_tramp(&t->space->patches, ret))
		return 0;
	size_t off7 = offsetof(struct user, u_debugreg) + 7 * sizeof(long);
	errno = 0;
	long dr7 = ptrace(PTRACE_PEEKUSER, t->tid, (void *)off7, 0);
	if (errno)
		return -errno;
	/* L2, an execution breakpoint (R/W2 and LEN2 zero) */
	int r = set_dr(t->tid, 2, ret);
	if (!r)
		r = set_dr(t->tid, 7, ((uint64_t)dr7 & ~(0xfull << 24)) | (1ull << 4));
	if (r)
		return r;
	t->leave_bp = 1;
	return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 2;
}

int rec_inproc_leave_clear(struct rec_task *t)
{
	if (!t->leave_bp)
		return 0;
	t->leave_bp = 0;
	size_t off7 = offsetof(struct user, u_debugreg) + 7 * sizeof(long);
	errno = 0;
	long dr7 = ptrace(PTRACE_PEEKUSER, t->tid, (void *)off7, 0);
	if (errno)
		return -errno;
	return set_dr(t->tid, 7, (uint64_t)dr7 & ~(3ull << 4));
}

#define STEP_OUT_MAX 100000 /* instructions: the library's longest path is a few hundred */

int rec_inproc_step_out(struct rec_session *s, struct rec_task *t)
{
	for (int i = 0; i < STEP_OUT_MAX; i++) {
		struct user_regs_struct r;
		int status, ret;
		siginfo_t si;
		if ((ret = regs_get(t->tid, &r)))
			return ret;
		if (!in_library(t, r.rip))
			return 0;
		if (r.rip == s->il_rdtsc_traced || r.rip == s->il_rdtscp_traced) {
			/* the library's own rdtsc (a step would fault): answered
			 * here as at its fault, a record of its own */
			if ((ret = rec_tsc_emulate(s, t, &r)) < 0)
				return ret;
			if (!ret)
				return -EPROTO;
			continue;
		}
		if (r.rip == s->il_traced || r.rip == s->il_traced + 2)
			/* its traced syscall is next, or it just made it and the
			 * kernel may restart it (a step would enter it again): on
			 * to that stop, or to its next preemption */
			return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 1;
		if (r.rip == s->untraced_ip - 2) {
			/* (a single step over a syscall leaves a SIGTRAP queued
			 * for the program) */
			if ((ret = rec_run_to(t, s->untraced_ip)))
				return ret == 1 ? -EPROTO : ret;
			continue;
		}
		if ((ret = to_library_return(t, r.rip)))
			return ret;
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) < 0)
			return -errno;
		if ((ret = tracee_wait_stop(t->tid, &status, NULL)))
			return ret;
		int sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP && sig == SIGTRAP)
			continue; /* an interrupt of rec's: no step made */
		if ((status >> 16) != 0 || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
			return -EPROTO;
		if (sig == SIGTRAP && si.si_code == TRAP_TRACE) {
			if ((ret = rec_step_fix_pushf(t, &r)))
				return ret;
			continue;
		}
		if (rec_sig_is_sync(&si)) {
			rec_fail(s, "thread %d: fault (signal %d) in the in-process library at %#llx: recording stopped",
				 t->tid, sig, (unsigned long long)r.rip);
			return -EPROTO;
		}
		if ((ret = rec_hold_async(t, sig, &si)))
			return ret;
	}
	rec_fail(s, "thread %d: still in the in-process library after %d instructions: recording stopped", t->tid,
		 STEP_OUT_MAX);
	return -EPROTO;
}
