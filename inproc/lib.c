/* lib.c - the in-process library's decisions (docs/inprocess.md sections 4
 * and 11), freestanding: no libc, no writable data, no vector registers.
 * il_main() runs on the library's stack with busy set (entry.S). In RECORD
 * mode an allowed call is made at the untraced syscall instruction and
 * appended to the ring with the memory it wrote; in REPLAY mode it is fed
 * from the ring, with no syscall; anything else goes traced. */
#define IL_FREESTANDING 1
#pragma GCC visibility push(hidden)
#include "../common/inproc.h"

/* From lib.ld and entry.S. */
extern struct il_ctl il_ctl_area;
extern char il_ring_area[IL_BUF_SIZE];
extern struct il_ring_hdr il_ring_hdr;
long il_sys_untraced(long nr, const uint64_t args[6]);
void il_trap(void);

/* x86-64 numbers and layouts the library uses itself. */
#define NR_FSTAT 5
#define NR_FCNTL 72
#define F_GETFL 3
#define O_NONBLOCK 04000
#define EAGAIN 11
#define EOPNOTSUPP 95
#define NR_PREADV2 327
#define NR_PWRITEV2 328
#define NR_GETPID 39
#define NR_PROCESS_VM_READV 310
#define EFAULT 14
#define RWF_NOWAIT 0x8
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000
#define S_IFSOCK 0140000
#define NR_NEWFSTATAT 262
#define NR_GETSOCKOPT 55
#define AT_SYMLINK_NOFOLLOW 0x100
#define O_NOFOLLOW 0400000
#define ENOENT 2
#define NR_ACCEPT 43
#define NR_ACCEPT4 288
#define SOCK_NONBLOCK 04000
#define SOL_SOCKET 1
#define SO_LINGER 13
#define F_SETFL 4
#define NR_CLOCK_GETTIME 228
#define CLOCK_MONOTONIC_RAW 4
#define NR_GETCPU 309
struct il_stat {       /* struct stat: what the library reads of it */
	uint64_t dev, ino, nlink;
	uint32_t mode;
	uint8_t rest[144 - 28];
};
struct il_iovec {
	uint64_t base, len;
};

/* What il_main returns to entry.S: rax and rdx. */
struct il_ret {
	int64_t result;
	uint64_t action;
};
struct il_ret il_main(long nr, const uint64_t args[6]);
struct il_ret il_tsc_main(long kind, uint64_t saved[2]);

/* The compiler may call these for struct copies. rep movsb/stosb: fast
 * on every x86-64 with ERMS, and no vector register touched. DF is clear
 * (the entry's cld). */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

static char *ring(void)
{
	return il_ring_area;
}

/* The call's descriptor, or NULL if it may not be buffered. */
static const struct il_call *allowed(const struct il_ctl *ctl, long nr)
{
	if (nr < 0 || nr >= SC_MAX || !(ctl->allow[nr / 8] & (1u << (nr % 8))))
		return NULL;
	unsigned s = ctl->slot[nr];
	if (!s || s > ctl->ncalls || s > IL_MAX_CALLS || ctl->calls[s - 1].nr != nr)
		return NULL;
	return &ctl->calls[s - 1];
}

/* 1 if result is an error. */
static int failed(int64_t result)
{
	return result < 0 && result > -4096;
}

/* 1 for the output kinds whose length is in memory (OUT_LENPTR,
 * OUT_SOCKOPT): a buffer at arg a, a u32 length at arg b that the call
 * reads (the buffer's size) and writes (the length of the result). Their
 * entry data: the new length (4 bytes), then the bytes of the buffer the
 * call wrote (lenptr_bytes). */
static int lenptr_kind(const struct sc_out *o)
{
	return o->kind == OUT_LENPTR || o->kind == OUT_SOCKOPT;
}

/* 1 if length-pointer descriptor o has entry data for a call that
 * returned result: it succeeded and has a length pointer (accept with
 * none writes no address; getsockname fails). */
static int lenptr_has(const struct sc_out *o, const uint64_t args[6], int64_t result)
{
	return lenptr_kind(o) && !failed(result) && args[o->b];
}

/* Bytes a length-pointer call wrote into its buffer, its length being
 * in_len before the call and out_len after: the smaller (the kernel
 * truncates, and reports the full length), at most o->size if set; none
 * without a buffer (accept's length is then left alone). */
static uint64_t lenptr_bytes(const struct sc_out *o, const uint64_t args[6], uint32_t in_len, uint32_t out_len)
{
	uint64_t n = in_len < out_len ? in_len : out_len;
	if (!args[o->a])
		return 0;
	return o->size && n > o->size ? o->size : n;
}

/* Reads the program's u32 at addr into *v: directly if it lies in the
 * page of the program's stack the trampoline's call wrote (mapped and
 * writable: a length on the caller's stack, as Go's syscall package has
 * it), else through the kernel (a bad address is an error, not a fault in
 * the library); 0 or -errno. Record only: replay makes no syscall. */
static int64_t peek_u32(const struct il_ctl *ctl, uint64_t addr, uint32_t *v)
{
	uint64_t page = ctl->saved_rsp & ~(uint64_t)4095;
	if (addr >= page && addr <= page + 4096 - 4) {
		*v = *(const volatile uint32_t *)addr;
		return 0;
	}
	const uint64_t none[6] = {0};
	int64_t pid = ctl->pid > 0 ? ctl->pid : il_sys_untraced(NR_GETPID, none);
	struct il_iovec local = {(uint64_t)v, 4}, remote = {addr, 4};
	uint64_t a[6] = {(uint64_t)pid, (uint64_t)&local, 1, (uint64_t)&remote, 1, 0};
	int64_t n = il_sys_untraced(NR_PROCESS_VM_READV, a);
	return n == 4 ? 0 : failed(n) ? n : -EFAULT;
}

/* Most bytes length-pointer descriptor o may write (the length and the
 * buffer), its length before the call in *in_len; UINT64_MAX (the call
 * goes traced) for a length the library cannot read. */
static uint64_t lenptr_bound(const struct il_ctl *ctl, const struct sc_out *o, const uint64_t args[6],
			     uint32_t *in_len)
{
	if (!args[o->b])
		return 0;
	if (peek_u32(ctl, args[o->b], in_len) || *in_len > IL_MAX_ENTRY)
		return UINT64_MAX;
	return 4 + lenptr_bytes(o, args, *in_len, *in_len);
}

/* Appends at p the memory call c (args, result) wrote, in descriptor
 * order, in_len[i] being the length before the call of a length-pointer
 * descriptor i; returns the end. Reads only what the kernel wrote. */
static char *put_regions(const struct il_call *c, const uint64_t args[6], int64_t result, const uint32_t in_len[3],
			 char *p)
{
	for (int i = 0; i < 3; i++) {
		const struct sc_out *o = &c->out[i];
		if (lenptr_kind(o)) {
			if (!lenptr_has(o, args, result))
				continue;
			uint32_t out_len = *(const uint32_t *)args[o->b];
			uint64_t n = lenptr_bytes(o, args, in_len[i], out_len);
			memcpy(p, &out_len, 4);
			memcpy(p + 4, (const void *)args[o->a], n);
			p += 4 + n;
			continue;
		}
		uint64_t n = il_out_len(o, args, result);
		if (n)
			memcpy(p, (const void *)args[o->a], n);
		p += n;
	}
	return p;
}

/* Writes the memory of entry e (call c, args) into the program, in
 * descriptor order; -1 (nothing written) if the entry's length is not
 * what its result and lengths say. A length-pointer descriptor's bytes
 * follow from the length in the program's memory (as it was before the
 * call in the recording) and the recorded new one. */
static int take_regions(const struct il_call *c, const uint64_t args[6], const struct il_entry *e)
{
	const char *data = (const char *)(e + 1);
	uint64_t avail = e->length - sizeof *e, n = 0;
	uint32_t in_len[3] = {0}, out_len[3] = {0};
	for (int i = 0; i < 3; i++) {
		const struct sc_out *o = &c->out[i];
		if (lenptr_has(o, args, e->result)) {
			if (avail - n < 4)
				return -1;
			in_len[i] = *(const uint32_t *)args[o->b];
			memcpy(&out_len[i], data + n, 4);
			n += 4 + lenptr_bytes(o, args, in_len[i], out_len[i]);
		} else if (!lenptr_kind(o)) {
			n += il_out_len(o, args, e->result);
		}
		if (n > avail)
			return -1;
	}
	if (il_entry_len(n) != e->length)
		return -1;
	for (int i = 0; i < 3; i++) {
		const struct sc_out *o = &c->out[i];
		int has = lenptr_has(o, args, e->result);
		uint64_t k = lenptr_kind(o) ? (has ? lenptr_bytes(o, args, in_len[i], out_len[i]) : 0)
					    : il_out_len(o, args, e->result);
		if (has) {
			memcpy((void *)args[o->b], data, 4);
			data += 4;
		}
		if (k)
			memcpy((void *)args[o->a], data, k);
		data += k;
	}
	return 0;
}

/* Where an entry of len bytes goes after head (a wrap marker first if it
 * would cross the ring's end), or UINT64_MAX if the ring lacks room. */
static uint64_t reserve(uint64_t head, uint64_t tail, uint64_t len)
{
	uint64_t off = head & (IL_BUF_SIZE - 1), at = head;
	if (off + len > IL_BUF_SIZE)
		at = head + (IL_BUF_SIZE - off);
	if (head - tail > IL_BUF_SIZE || at + len - tail > IL_BUF_SIZE)
		return UINT64_MAX;
	return at;
}

/* fstat of fd into *st; 0 or -errno. */
static int64_t il_fstat(uint64_t fd, struct il_stat *st)
{
	uint64_t a[6] = {fd, (uint64_t)st, 0, 0, 0, 0};
	return il_sys_untraced(NR_FSTAT, a);
}

/* IL_FD_* of fd if the cache knows it, else 0. */
static unsigned fd_known(const struct il_ctl *ctl, uint64_t fd)
{
	return fd < IL_FDCACHE_N && !ctl->fdcache_off ? ctl->fdcache[fd] : 0;
}

/* Caches k for fd (if the cache is on). */
static void fd_learn(struct il_ctl *ctl, uint64_t fd, unsigned k)
{
	if (fd < IL_FDCACHE_N && !ctl->fdcache_off)
		ctl->fdcache[fd] = (uint8_t)k;
}

/* IL_FD_* of a file with stat st. */
static unsigned stat_kind(const struct il_ctl *ctl, const struct il_stat *st)
{
	uint32_t type = st->mode & S_IFMT;
	unsigned k = type == S_IFREG ? IL_FD_FILE : type == S_IFSOCK ? IL_FD_SOCKET : IL_FD_OTHER;
	for (int i = 0; i < 2; i++)
		if (st->dev == ctl->echo_dev[i] && st->ino == ctl->echo_ino[i])
			k |= IL_FD_ECHO;
	for (uint32_t i = 0; i < ctl->nshared && i < IL_SHARED_N; i++)
		if (type == S_IFREG && st->dev == ctl->shared_dev[i] && st->ino == ctl->shared_ino[i])
			k |= IL_FD_SHARED;
	if (type == S_IFREG && ctl->proc_dev && st->dev == ctl->proc_dev)
		k |= IL_FD_SHARED; /* /proc/PID/mem and the like */
	return k;
}

/* IL_FD_* of fd, from the cache or from an fstat the cache then keeps;
 * 0 if fstat fails. */
static unsigned fd_kind(struct il_ctl *ctl, uint64_t fd)
{
	struct il_stat st;
	unsigned k = fd_known(ctl, fd);
	if (k)
		return k;
	if (il_fstat(fd, &st) < 0)
		return 0;
	k = stat_kind(ctl, &st);
	fd_learn(ctl, fd, k);
	return k;
}

/* 1 if fd is non-blocking (its EAGAIN is the program's own answer): from
 * the cache for a socket, else fcntl F_GETFL (cached for a socket: what
 * the fd is, from an fstat, is cached first). */
static int nonblocking(struct il_ctl *ctl, uint64_t fd)
{
	unsigned k = ctl->fdcache_off ? 0 : fd_kind(ctl, fd);
	if (k & IL_FD_NBKNOWN)
		return !!(k & IL_FD_NB);
	uint64_t f[6] = {fd, F_GETFL, 0, 0, 0, 0};
	int64_t fl = il_sys_untraced(NR_FCNTL, f);
	if (fl < 0)
		return 0;
	if ((k & IL_FD_KIND) == IL_FD_SOCKET)
		fd_learn(ctl, fd, k | IL_FD_NBKNOWN | (fl & O_NONBLOCK ? IL_FD_NB : 0));
	return !!(fl & O_NONBLOCK);
}

/* Caches what a socket the library just made (socket, accept, accept4)
 * is: a socket, O_NONBLOCK as flags say (an accepted socket does not
 * inherit it), and linger, in IL_FD_NOLINGER | IL_FD_NEVERLINGER for a
 * new socket (off, its default). An accepted TCP connection was cloned
 * from its listener when it came, before the accept: it has SO_LINGER off
 * if the listener has had it off since it was made (IL_FD_NEVERLINGER in
 * linger_k), else it is not known. */
static void new_socket(struct il_ctl *ctl, int64_t fd, uint64_t flags, unsigned linger)
{
	if (fd >= 0)
		fd_learn(ctl, (uint64_t)fd, IL_FD_SOCKET | IL_FD_NBKNOWN | (flags & SOCK_NONBLOCK ? IL_FD_NB : 0) | linger);
}

/* 1 if closing socket fd returns at once: SO_LINGER off (on, close
 * waits for the unsent data to go out); from the cache, else getsockopt. */
static int linger_off(const struct il_ctl *ctl, uint64_t fd)
{
	if (fd_known(ctl, fd) & IL_FD_NOLINGER)
		return 1;
	struct {
		int32_t onoff, secs;
	} l = {1, 0};
	uint32_t len = sizeof l;
	uint64_t a[6] = {fd, SOL_SOCKET, SO_LINGER, (uint64_t)&l, (uint64_t)&len, 0};
	return il_sys_untraced(NR_GETSOCKOPT, a) == 0 && len == sizeof l && l.onoff == 0;
}

/* Makes a call of kind IL_IO_POLL or IL_IO_NBFD without blocking, or
 * sets *traced (nothing done, or nothing the program sees): an epoll
 * wait with a temporary signal mask (epoll_pwait's arg 4), an epoll wait
 * that, made with timeout 0, found nothing ready or failed while the
 * program's timeout (arg 3) is not 0 (the traced call waits: a stop where
 * rec runs another thread); an accept or connect on a blocking fd. */
static int64_t net_call(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6], int *traced)
{
	if (c->io == IL_IO_NBFD) {
		if (!nonblocking(ctl, args[0])) {
			*traced = 1;
			return 0;
		}
		int64_t r = il_sys_untraced(nr, args);
		if ((nr == NR_ACCEPT || nr == NR_ACCEPT4) && r >= 0)
			new_socket(ctl, r, nr == NR_ACCEPT4 ? args[3] : 0,
				   fd_known(ctl, args[0]) & IL_FD_NEVERLINGER ? IL_FD_NOLINGER : 0);
		return r;
	}
	if (c->nargs > 4 && args[4]) {
		*traced = 1;
		return 0;
	}
	uint64_t a[6] = {args[0], args[1], args[2], 0, args[4], args[5]};
	int64_t r = il_sys_untraced(nr, a);
	*traced = failed(r) || (r == 0 && (int32_t)args[3] != 0);
	return r;
}

/* 1 if openat(args) opens a regular file, a directory or a symbolic link
 * (O_NOFOLLOW, O_PATH), or nothing (it fails, or O_CREAT makes a regular
 * file): no open of a FIFO or a device, which may block or act. */
static int open_ok(const uint64_t args[6])
{
	struct il_stat st;
	uint64_t a[6] = {args[0], args[1], (uint64_t)&st, args[2] & O_NOFOLLOW ? AT_SYMLINK_NOFOLLOW : 0, 0, 0};
	int64_t r = il_sys_untraced(NR_NEWFSTATAT, a);
	if (r)
		return r == -ENOENT;
	uint32_t type = st.mode & S_IFMT;
	return type == S_IFREG || type == S_IFDIR || type == S_IFLNK;
}

/* 1 if fcntl command cmd never blocks, writes at most a struct flock
 * (il_fcntl_out) and changes nothing the fdcache keeps: F_GETFD, F_SETFD,
 * F_GETFL, F_GETLK, F_SETLK, F_OFD_GETLK, F_OFD_SETLK; never the waiting
 * F_SETLKW, nor F_SETFL (O_NONBLOCK: rec clears the fdcache of every
 * process sharing the file at its exit). */
static int fcntl_ok(uint64_t cmd)
{
	return (cmd >= 1 && cmd <= 6 && cmd != F_SETFL) || cmd == 36 || cmd == 37;
}

/* Makes call c with a check (IL_CHECK_*), or sets *traced (nothing done)
 * if the check does not let it through. */
static int64_t make_checked(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6], int *traced)
{
	uint64_t cmd = args[1] & ~(uint64_t)(128 | 256); /* futex: without FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
	*traced = 1;
	switch (c->check) {
	case IL_CHECK_OPEN:
		if (!open_ok(args))
			return 0;
		break;
	case IL_CHECK_CLOSE:
		/* (an fd fstat refuses: the close fails the same way) */
		if ((fd_kind(ctl, args[0]) & IL_FD_KIND) == IL_FD_SOCKET && !linger_off(ctl, args[0]))
			return 0;
		if (args[0] < IL_FDCACHE_N)
			ctl->fdcache[args[0]] = 0;
		break;
	case IL_CHECK_FCNTL:
		if (!fcntl_ok(args[1]))
			return 0;
		break;
	case IL_CHECK_FUTEX:
		if (cmd != 1 /* FUTEX_WAKE */ && cmd != 10 /* FUTEX_WAKE_BITSET */)
			return 0;
		break;
	case IL_CHECK_IOCTL:
		if (args[1] != IL_TCGETS)
			return 0;
		break;
	case IL_CHECK_SOCKOPT:
		if ((int32_t)args[1] == SOL_SOCKET && (int32_t)args[2] == SO_LINGER)
			return 0;
		break;
	case IL_CHECK_SOCKET: {
		*traced = 0;
		int64_t r = il_sys_untraced(nr, args);
		new_socket(ctl, r, args[1], IL_FD_NOLINGER | IL_FD_NEVERLINGER);
		return r;
	}
	default:
		return 0;
	}
	*traced = 0;
	return il_sys_untraced(nr, args);
}

/* Makes call c: as it is, or an I/O call that must not block. Regular
 * files are read and written as asked (the disk does not wait for another
 * thread); anything else with preadv2/pwritev2 and RWF_NOWAIT at the file
 * position or the offset. *traced is set (nothing done) where the call
 * must be made traced instead: it would block (EAGAIN, but on a
 * non-blocking fd, where that is the program's own answer), it failed (the
 * traced call gives the program its own answer), a write larger than a
 * pipe's atomic size, to rec's stdout or stderr (replay shows those), or
 * to a file mapped shared (rec captures those). What
 * an fd is comes from the control area's fdcache, filled by an fstat. */
static int64_t make_call(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6], int *traced)
{
	if (c->check)
		return make_checked(ctl, c, nr, args, traced);
	if (c->io == IL_IO_POLL || c->io == IL_IO_NBFD)
		return net_call(ctl, c, nr, args, traced);
	if (c->io == IL_IO_NONE)
		return il_sys_untraced(nr, args);
	int wr = c->io == IL_IO_WRITE || c->io == IL_IO_PWRITE;
	int64_t r;
	*traced = 1;
	if (wr) {
		unsigned k = fd_kind(ctl, args[0]);
		if (!k || (k & (IL_FD_ECHO | IL_FD_SHARED)))
			return 0;
		if ((k & IL_FD_KIND) == IL_FD_FILE) {
			if (ctl->no_file_writes)
				return 0;
			*traced = 0;
			return il_sys_untraced(nr, args);
		}
		if (args[2] > IL_IO_WRITE_MAX)
			return 0;
	} else if ((fd_known(ctl, args[0]) & IL_FD_KIND) == IL_FD_FILE) {
		*traced = 0;
		return il_sys_untraced(nr, args);
	}
	struct il_iovec iov = {args[1], args[2]};
	uint64_t pos = c->io == IL_IO_READ || c->io == IL_IO_WRITE ? (uint64_t)-1 : args[3];
	uint64_t a[6] = {args[0], (uint64_t)&iov, 1, pos, 0, RWF_NOWAIT};
	r = il_sys_untraced(wr ? NR_PWRITEV2 : NR_PREADV2, a);
	if (!wr && (r == -EAGAIN || r == -EOPNOTSUPP) && (fd_kind(ctl, args[0]) & IL_FD_KIND) == IL_FD_FILE) {
		*traced = 0;
		return il_sys_untraced(nr, args); /* a file not in the page cache */
	}
	if (r == -EAGAIN && nonblocking(ctl, args[0]))
		*traced = 0;
	else
		*traced = r < 0 && r > -4096;
	return r;
}

/* The entry at ring position at, a wrap marker first at head if at is
 * past it (the entry would have crossed the ring's end). */
static struct il_entry *entry_start(uint64_t head, uint64_t at)
{
	if (at != head) {
		struct il_entry *w = il_ring_at(ring(), head);
		w->nr = IL_NR_WRAP;
		w->flags = 0;
		w->length = (uint32_t)(at - head);
	}
	return il_ring_at(ring(), at);
}

/* Moves the ring's head to end, past an entry just written (a release
 * store: rec reads the entry once it sees head); the entry's action:
 * IL_ACT_NOTIFY when half the ring is not yet noted by rec (a stop,
 * where rec notes it and its trace writer takes it while this goes on
 * with the other half), else IL_ACT_RETURN. */
static uint64_t entry_publish(struct il_ctl *ctl, uint64_t end)
{
	struct il_ring_hdr *rh = &il_ring_hdr;
	__atomic_store_n(&ctl->head, end, __ATOMIC_RELEASE);
	__atomic_store_n(&rh->head, end, __ATOMIC_RELEASE);
	ctl->done++;
	if (rh->kick && !rh->kicked && end - __atomic_load_n(&rh->noted, __ATOMIC_ACQUIRE) >= IL_BUF_SIZE / 2) {
		rh->kicked = 1;
		return IL_ACT_NOTIFY;
	}
	return IL_ACT_RETURN;
}

static struct il_ret record(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6])
{
	struct il_ret r = {0, IL_ACT_TRACED};
	uint64_t bound = 0;
	uint32_t in_len[3] = {0};
	for (int i = 0; i < 3; i++) {
		uint64_t b = il_out_bound(&c->out[i], args);
		if (lenptr_kind(&c->out[i]))
			b = lenptr_bound(ctl, &c->out[i], args, &in_len[i]);
		if (b > IL_MAX_ENTRY)
			return r;
		bound += b;
	}
	if (il_entry_len(bound) > IL_MAX_ENTRY)
		return r;
	struct il_ring_hdr *rh = &il_ring_hdr;
	uint64_t head = ctl->head, tail = __atomic_load_n(&rh->released, __ATOMIC_ACQUIRE);
	uint64_t at = reserve(head, tail, il_entry_len(bound));
	if (at == UINT64_MAX) {
		__atomic_store_n(&rh->full, 1, __ATOMIC_RELAXED); /* rec waits for room at the stop */
		return r;
	}

	int traced = 0;
	r.result = make_call(ctl, c, nr, args, &traced);
	if (traced)
		return (struct il_ret){0, IL_ACT_TRACED};
	struct il_entry *e = entry_start(head, at);
	char *p = put_regions(c, args, r.result, in_len, (char *)(e + 1));
	e->nr = (uint16_t)nr;
	e->flags = 0;
	e->length = il_entry_len((uint64_t)(p - (char *)(e + 1)));
	e->hash = il_args_hash(args, c->nargs);
	if (c->echo && r.result > 0)
		e->hash = il_echo_hash(e->hash, (const void *)args[1], (uint64_t)r.result);
	e->data_len = (uint32_t)(p - (char *)(e + 1));
	e->result = r.result;
	r.action = entry_publish(ctl, at + e->length);
	return r;
}

/* Notes what replay's library found and stops for the tracer. */
static void trap(struct il_ctl *ctl, uint32_t kind, long nr, uint32_t hash, const struct il_entry *e, uint64_t tail)
{
	ctl->diverged.kind = kind;
	ctl->diverged.nr = (uint32_t)nr;
	ctl->diverged.hash = hash;
	ctl->diverged.found_nr = e ? e->nr : 0;
	ctl->diverged.found_hash = e ? e->hash : 0;
	ctl->diverged.tail = tail;
	il_trap();
}

/* The next entry of the ring for the call nr (its args hash: hash), past
 * wrap markers; NULL if the ring is empty and replay said the call went
 * traced. Traps while the ring is empty or the entry malformed, and looks
 * again once replay resumes it. */
static const struct il_entry *next_entry(struct il_ctl *ctl, long nr, uint32_t hash)
{
	for (;;) {
		uint64_t tail = ctl->tail, head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
		if (tail == head) {
			if (ctl->go_traced) {
				ctl->go_traced = 0;
				return NULL;
			}
			trap(ctl, IL_DIV_EMPTY, nr, hash, NULL, tail);
			continue;
		}
		const struct il_entry *e = il_ring_at(ring(), tail);
		uint64_t room = IL_BUF_SIZE - (tail & (IL_BUF_SIZE - 1));
		if (head - tail < 8 || (tail & 7) || e->length < 8 || (e->length & 7) || e->length > room ||
		    e->length > head - tail) {
			trap(ctl, IL_DIV_ENTRY, nr, hash, NULL, tail);
			continue;
		}
		if (e->nr == IL_NR_WRAP) {
			__atomic_store_n(&ctl->tail, tail + e->length, __ATOMIC_RELEASE);
			continue;
		}
		if (e->length < sizeof *e) {
			trap(ctl, IL_DIV_ENTRY, nr, hash, NULL, tail);
			continue;
		}
		return e;
	}
}

/* Takes entry e (the next one) off the ring: its result and action. */
static struct il_ret entry_take(struct il_ctl *ctl, const struct il_entry *e)
{
	struct il_ret r = {e->result, e->flags & IL_EF_NOTIFY ? IL_ACT_NOTIFY : IL_ACT_RETURN};
	__atomic_store_n(&ctl->tail, ctl->tail + e->length, __ATOMIC_RELEASE);
	ctl->done++;
	return r;
}

static struct il_ret replay(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6])
{
	uint32_t hash = il_args_hash(args, c->nargs);
	for (;;) {
		const struct il_entry *e = next_entry(ctl, nr, hash);
		if (!e)
			return (struct il_ret){0, IL_ACT_TRACED};
		uint32_t want = hash;
		if (c->echo && e->nr == nr && e->result > 0)
			want = (uint64_t)e->result <= args[2] ? il_echo_hash(hash, (const void *)args[1], (uint64_t)e->result)
							       : ~e->hash; /* wrote more than it has */
		if (e->nr != nr || e->hash != want) {
			trap(ctl, IL_DIV_CALL, nr, hash, e, ctl->tail);
			continue;
		}
		if (take_regions(c, args, e)) {
			trap(ctl, IL_DIV_ENTRY, nr, hash, e, ctl->tail);
			continue;
		}
		return entry_take(ctl, e);
	}
}

/* An rdtsc (kind IL_NR_RDTSC) or rdtscp (IL_NR_RDTSCP) in RECORD mode:
 * its value from CLOCK_MONOTONIC_RAW (ctl->tsc), TSC_AUX from getcpu as
 * Linux sets it (node << 12 | cpu) into saved[1] (the program's rcx),
 * appended to the ring. TRACED (the instruction runs, and faults) until
 * rec has calibrated, without room, or if a syscall fails. */
static struct il_ret record_tsc(struct il_ctl *ctl, long kind, uint64_t saved[2])
{
	struct il_ret r = {kind, IL_ACT_TRACED};
	uint64_t data = kind == IL_NR_RDTSCP ? IL_TSC_AUX_LEN : 0;
	struct {
		int64_t sec, nsec;
	} ts;
	uint32_t cpu = 0, node = 0;
	if (!ctl->tsc.mult || !(ctl->allow[NR_CLOCK_GETTIME / 8] & (1u << (NR_CLOCK_GETTIME % 8))) ||
	    (data && !(ctl->allow[NR_GETCPU / 8] & (1u << (NR_GETCPU % 8)))))
		return r; /* (a program's seccomp filter may refuse them: rec_inproc_filtered) */
	struct il_ring_hdr *rh = &il_ring_hdr;
	uint64_t head = ctl->head, at = reserve(head, __atomic_load_n(&rh->released, __ATOMIC_ACQUIRE), il_entry_len(data));
	if (at == UINT64_MAX) {
		__atomic_store_n(&rh->full, 1, __ATOMIC_RELAXED);
		return r;
	}
	uint64_t a[6] = {CLOCK_MONOTONIC_RAW, (uint64_t)&ts, 0, 0, 0, 0};
	if (il_sys_untraced(NR_CLOCK_GETTIME, a))
		return r;
	uint64_t g[6] = {(uint64_t)&cpu, (uint64_t)&node, 0, 0, 0, 0};
	if (data && il_sys_untraced(NR_GETCPU, g))
		return r;
	uint32_t aux = node << 12 | cpu;
	struct il_entry *e = entry_start(head, at);
	e->nr = (uint16_t)kind;
	e->flags = 0;
	e->length = il_entry_len(data);
	e->hash = 0;
	e->data_len = (uint32_t)data;
	e->result = (int64_t)il_tsc_at(&ctl->tsc, (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec);
	if (data) {
		memcpy(e + 1, &aux, sizeof aux);
		saved[1] = aux;
	}
	r.result = e->result;
	r.action = entry_publish(ctl, at + e->length);
	return r;
}

/* An rdtsc or rdtscp in REPLAY mode: the next entry's value (and TSC_AUX
 * into saved[1]). */
static struct il_ret replay_tsc(struct il_ctl *ctl, long kind, uint64_t saved[2])
{
	uint64_t data = kind == IL_NR_RDTSCP ? IL_TSC_AUX_LEN : 0;
	for (;;) {
		const struct il_entry *e = next_entry(ctl, kind, 0);
		if (!e)
			return (struct il_ret){kind, IL_ACT_TRACED};
		if (e->nr != kind || e->hash) {
			trap(ctl, IL_DIV_CALL, kind, 0, e, ctl->tail);
			continue;
		}
		if (e->length != il_entry_len(data) || e->data_len != data) {
			trap(ctl, IL_DIV_ENTRY, kind, 0, e, ctl->tail);
			continue;
		}
		if (data) {
			uint32_t aux;
			memcpy(&aux, e + 1, sizeof aux);
			saved[1] = aux;
		}
		return entry_take(ctl, e);
	}
}

/* Answers an rdtsc or rdtscp (kind) for entry.S's il_tsc_entry: the
 * value in result, or IL_ACT_TRACED with the kind. */
struct il_ret il_tsc_main(long kind, uint64_t saved[2])
{
	struct il_ctl *ctl = &il_ctl_area;
	if (kind != IL_NR_RDTSC && kind != IL_NR_RDTSCP)
		return (struct il_ret){kind, IL_ACT_TRACED};
	if (ctl->mode == IL_MODE_RECORD)
		return record_tsc(ctl, kind, saved);
	if (ctl->mode == IL_MODE_REPLAY)
		return replay_tsc(ctl, kind, saved);
	return (struct il_ret){kind, IL_ACT_TRACED};
}

/* Decides and does the call nr(args) for entry.S. */
struct il_ret il_main(long nr, const uint64_t args[6])
{
	struct il_ctl *ctl = &il_ctl_area;
	const struct il_call *c = allowed(ctl, nr);
	if (c && ctl->mode == IL_MODE_RECORD)
		return record(ctl, c, nr, args);
	if (c && ctl->mode == IL_MODE_REPLAY)
		return replay(ctl, c, nr, args);
	return (struct il_ret){0, IL_ACT_TRACED};
}
