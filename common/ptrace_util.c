/* ptrace_util.c - tracee registers and memory, wait statuses, disassembly. */
#include "ptrace_util.h"
#include "inproc.h"

#include <capstone/capstone.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "patch.h"
#include "syscalls.h"
#include "util.h"

long mem_read(pid_t tid, uint64_t addr, void *dst, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct iovec local = {(char *)dst + done, len - done};
		struct iovec remote = {(void *)(uintptr_t)(addr + done), len - done};
		ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0) {
			if (done)
				break;
			return n < 0 ? -errno : -EFAULT;
		}
		done += (size_t)n;
	}
	return (long)done;
}

long mem_read_anon(int pm, pid_t tid, uint64_t addr, void *dst, size_t len)
{
	uint64_t ent[256];
	size_t done = 0;
	if (pm < 0 || (addr & 4095) || (len & 4095))
		return mem_read(tid, addr, dst, len);
	while (done < len) {
		size_t n = (len - done) / 4096 < 256 ? (len - done) / 4096 : 256;
		ssize_t got = pread(pm, ent, n * 8, (off_t)((addr + done) / 4096 * 8));
		if (got != (ssize_t)(n * 8))
			return done ? (long)done : mem_read(tid, addr, dst, len);
		for (size_t i = 0; i < n;) {
			/* a run of pages alike: never touched (bits 63 and 62 clear:
			 * they read as zeros), or to be read */
			int absent = !(ent[i] >> 62);
			size_t j = i + 1;
			while (j < n && (!(ent[j] >> 62)) == absent)
				j++;
			uint8_t *d = (uint8_t *)dst + done + i * 4096;
			size_t bytes = (j - i) * 4096;
			if (absent) {
				memset(d, 0, bytes);
			} else {
				long r = mem_read(tid, addr + done + i * 4096, d, bytes);
				if (r != (long)bytes)
					return (long)(done + i * 4096) + (r > 0 ? r : 0);
			}
			i = j;
		}
		done += n * 4096;
	}
	return (long)done;
}

/* PAGEMAP_SCAN (Linux 6.7), declared here: older headers lack it. */
struct pm_region {
	uint64_t start, end, categories;
};
struct pm_scan {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PM_SCAN_IOCTL _IOWR('f', 16, struct pm_scan)
#define PM_PAGE_IS_PRESENT (1u << 3)
#define PM_PAGE_IS_SWAPPED (1u << 4)

long mem_touched(int pm, uint64_t start, uint64_t end, struct mem_range *out, size_t n, uint64_t *next)
{
	struct pm_region reg[64];
	if (n > sizeof reg / sizeof reg[0])
		n = sizeof reg / sizeof reg[0];
	struct pm_scan a = {.size = sizeof a, .start = start, .end = end, .vec = (uint64_t)(uintptr_t)reg,
			    .vec_len = n, .category_anyof_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED,
			    .return_mask = PM_PAGE_IS_PRESENT | PM_PAGE_IS_SWAPPED};
	if (pm < 0)
		return -EBADF;
	int got = ioctl(pm, PM_SCAN_IOCTL, &a);
	if (got < 0)
		return -errno;
	for (int i = 0; i < got; i++) {
		out[i].a = reg[i].start;
		out[i].b = reg[i].end;
	}
	*next = a.walk_end;
	return got;
}

int mem_pagemap_open(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int mem_open(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

long mem_read_pid(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return mem_read(*(pid_t *)ctx, addr, dst, len);
}

int mem_write(int memfd, uint64_t addr, const void *src, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(memfd, (const char *)src + done, len - done, (off_t)(addr + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int regs_get(pid_t tid, struct user_regs_struct *r)
{
	return ptrace(PTRACE_GETREGS, tid, 0, r) < 0 ? -errno : 0;
}

int regs_set(pid_t tid, const struct user_regs_struct *r)
{
	return ptrace(PTRACE_SETREGS, tid, 0, r) < 0 ? -errno : 0;
}

void regs_syscall_args(const struct user_regs_struct *r, uint64_t a[6])
{
	a[0] = r->rdi;
	a[1] = r->rsi;
	a[2] = r->rdx;
	a[3] = r->r10;
	a[4] = r->r8;
	a[5] = r->r9;
}

void regs_print(FILE *f, const struct user_regs_struct *r)
{
	fprintf(f,
		"  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n"
		"  rsi %016llx  rdi %016llx  rbp %016llx  rsp %016llx\n"
		"  r8  %016llx  r9  %016llx  r10 %016llx  r11 %016llx\n"
		"  r12 %016llx  r13 %016llx  r14 %016llx  r15 %016llx\n"
		"  rip %016llx  eflags %08llx  orig_rax %lld  fs_base %llx\n",
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8, r->r9, r->r10,
		r->r11, r->r12, r->r13, r->r14, r->r15, r->rip, r->eflags, (long long)r->orig_rax,
		r->fs_base);
}

int disasm_one(const uint8_t *code, size_t len, uint64_t addr, unsigned *id, unsigned *size)
{
	csh h;
	cs_insn *insn;
	if (!(h = patch_decoder(0)))
		return -EINVAL;
	size_t n = cs_disasm(h, code, len, addr, 1, &insn);
	int ret = -EINVAL;
	if (n == 1) {
		*id = insn->id;
		*size = insn->size;
		cs_free(insn, n);
		ret = 0;
	}
	return ret;
}

void disasm_print(FILE *f, pid_t tid, uint64_t addr, int n)
{
	uint8_t code[16 * 8];
	long got = mem_read(tid, addr, code, sizeof code);
	csh h;
	if (got <= 0) {
		fprintf(f, "  (no code readable at %#" PRIx64 ")\n", addr);
		return;
	}
	if (!(h = patch_decoder(0)))
		return;
	cs_insn *insn;
	size_t cnt = cs_disasm(h, code, (size_t)got, addr, (size_t)n, &insn);
	for (size_t i = 0; i < cnt; i++)
		fprintf(f, "  %s %#" PRIx64 ":  %-8s %s\n", i ? "  " : "=>", insn[i].address,
			insn[i].mnemonic, insn[i].op_str);
	if (cnt == 0)
		fprintf(f, "  (undecodable bytes at %#" PRIx64 ")\n", addr);
	else
		cs_free(insn, cnt);
}

unsigned disasm_id_rdtsc(void) { return X86_INS_RDTSC; }
unsigned disasm_id_rdtscp(void) { return X86_INS_RDTSCP; }

int disasm_ends_line(unsigned id)
{
	/* X86_INS_JAE..X86_INS_JS: every jmp and jcc, jrcxz included */
	return id == X86_INS_RET || id == X86_INS_INT3 || id == X86_INS_UD2 || id == X86_INS_HLT ||
	       id == X86_INS_SYSCALL || id == X86_INS_LOOP || (id >= X86_INS_JAE && id <= X86_INS_JS);
}

const char *wait_describe(int status, char *buf, size_t n)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else if (WIFSTOPPED(status))
		snprintf(buf, n, "stopped by signal %d (event %d)", WSTOPSIG(status), status >> 16);
	else
		snprintf(buf, n, "status %#x", status);
	return buf;
}

void tracee_kill_all(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	for (;;) {
		pid_t p = waitpid(-1, &status, __WALL);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFSTOPPED(status)) /* e.g. the PTRACE_EVENT_EXIT stop of a killed tracee */
			ptrace(PTRACE_CONT, p, 0, 0);
	}
}

struct written_ctx {
	pid_t tid;
	int echo_fd;
	XXH3_state_t *st;
	uint8_t chunk[65536];
};

static long written_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return mem_read(((struct written_ctx *)ctx)->tid, addr, dst, len);
}

static int written_piece(void *ctx, uint64_t addr, uint64_t len)
{
	struct written_ctx *w = ctx;
	while (len) {
		size_t n = len < sizeof w->chunk ? (size_t)len : sizeof w->chunk;
		long got = mem_read(w->tid, addr, w->chunk, n);
		if (got <= 0)
			return got < 0 ? (int)got : -EFAULT;
		XXH3_64bits_update(w->st, w->chunk, (size_t)got);
		if (w->echo_fd >= 0)
			(void)write_all(w->echo_fd, w->chunk, (size_t)got);
		addr += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

int mem_written_hash(pid_t tid, const struct sc_desc *d, const uint64_t args[6], int64_t result, int echo_fd,
		     uint64_t *hash)
{
	struct written_ctx *w = malloc(sizeof *w);
	if (!w)
		return -ENOMEM;
	w->tid = tid;
	w->echo_fd = echo_fd;
	w->st = XXH3_createState();
	int r = -ENOMEM;
	if (w->st) {
		XXH3_64bits_reset(w->st);
		r = sc_written(d, args, result, written_read, written_piece, w);
		*hash = XXH3_64bits_digest(w->st);
		XXH3_freeState(w->st);
	}
	free(w);
	return r;
}

uint64_t fpregs_hash(pid_t tid)
{
	struct user_fpregs_struct fp;
	if (ptrace(PTRACE_GETFPREGS, tid, 0, &fp) < 0)
		return 0;
	return XXH3_64bits(&fp, sizeof fp);
}

int mem_skip_add(struct mem_skip *k, uint64_t a, uint64_t len)
{
	if (!len)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 8;
		void *r = realloc(k->r, cap * sizeof *k->r);
		if (!r)
			return -ENOMEM;
		k->r = r;
		k->cap = cap;
	}
	k->r[k->n].a = a;
	k->r[k->n++].b = a + len < a ? UINT64_MAX : a + len;
	return 0;
}

void mem_skip_free(struct mem_skip *k)
{
	free(k->r);
	k->r = NULL;
	k->n = k->cap = 0;
}

struct skip_ctx {
	pid_t tid;
	struct mem_skip *k;
};

static long skip_read(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return mem_read(((struct skip_ctx *)ctx)->tid, addr, dst, len);
}

static int skip_piece(void *ctx, uint64_t addr, uint64_t len)
{
	return mem_skip_add(((struct skip_ctx *)ctx)->k, addr, len);
}

int maps_foreach(pid_t tid, maps_fn fn, void *ctx)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int r = 0;
	while (!r && fgets(line, sizeof line, f)) {
		struct map_range m = {0};
		unsigned long long off = 0;
		unsigned maj = 0, min = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %llx %x:%x %" SCNu64, &m.start, &m.end, m.perms, &off, &maj,
			   &min, &m.inode) >= 3) {
			m.offset = off;
			m.dev_major = maj;
			m.dev_minor = min;
			r = fn(ctx, &m);
		}
	}
	fclose(f);
	return r;
}

#ifndef PROCMAP_QUERY
/* Linux 6.11's query of one mapping by address (uapi linux/fs.h). */
struct procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#endif
#define PMQ_READ 0x1
#define PMQ_WRITE 0x2
#define PMQ_EXEC 0x4
#define PMQ_SHARED 0x8

struct find_ctx {
	uint64_t addr;
	struct map_range *m;
};

static int find_map(void *ctx, const struct map_range *m)
{
	struct find_ctx *c = ctx;
	if (c->addr < m->start || c->addr >= m->end)
		return 0;
	*c->m = *m;
	return 1;
}

int maps_find(pid_t tid, uint64_t addr, struct map_range *m)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = maps_find_fd(fd, tid, addr, m);
	close(fd);
	return r;
}

int maps_find_fd(int fd, pid_t tid, uint64_t addr, struct map_range *m)
{
	struct procmap_query q = {.size = sizeof q, .query_addr = addr};
	int r = ioctl(fd, PROCMAP_QUERY, &q), err = errno;
	if (r == 0) {
		*m = (struct map_range){.start = q.vma_start, .end = q.vma_end, .inode = q.inode, .offset = q.vma_offset,
					.dev_major = q.dev_major, .dev_minor = q.dev_minor};
		m->perms[0] = q.vma_flags & PMQ_READ ? 'r' : '-';
		m->perms[1] = q.vma_flags & PMQ_WRITE ? 'w' : '-';
		m->perms[2] = q.vma_flags & PMQ_EXEC ? 'x' : '-';
		m->perms[3] = q.vma_flags & PMQ_SHARED ? 's' : 'p';
		return 1;
	}
	if (err == ENOENT)
		return 0; /* no mapping there */
	/* an older kernel (ENOTTY, EINVAL): the text */
	struct find_ctx c = {addr, m};
	r = maps_foreach(tid, find_map, &c);
	return r < 0 ? r : r > 0;
}

struct dead_stack_ctx {
	struct mem_skip *k;
	uint64_t self;
	const uint64_t *rsp;
	size_t n;
};

static int dead_stack_map(void *ctx, const struct map_range *m)
{
	struct dead_stack_ctx *c = ctx;
	uint64_t low = 0;
	if (m->start <= c->self && c->self < m->end) {
		low = c->self; /* its own live frames stay hashed, whoever else is below */
	} else {
		for (size_t i = 0; i < c->n; i++)
			if (m->start <= c->rsp[i] && c->rsp[i] < m->end && (!low || c->rsp[i] < low))
				low = c->rsp[i];
	}
	return low && low - m->start > 128 ? mem_skip_add(c->k, m->start, low - 128 - m->start) : 0;
}

int mem_skip_dead_stacks(struct mem_skip *k, pid_t tid, uint64_t self, const uint64_t *rsp, size_t n)
{
	struct dead_stack_ctx c = {k, self, rsp, n};
	return maps_foreach(tid, dead_stack_map, &c);
}

int mem_skip_inproc(struct mem_skip *k)
{
	return mem_skip_add(k, IL_BASE + IL_CTL_OFF, IL_MAP_SIZE - IL_CTL_OFF);
}

int mem_skip_syscall(struct mem_skip *k, pid_t tid, const struct sc_desc *d, const uint64_t args[6])
{
	struct skip_ctx c = {tid, k};
	return d->cls == SCC_EMU ? sc_out_bound(d, args, skip_read, skip_piece, &c) : 0;
}

int mem_skip_covers(const struct mem_skip *k, uint64_t a, uint64_t len)
{
	for (size_t i = 0; i < k->n; i++)
		if (a + len > k->r[i].a && a < k->r[i].b)
			return 1;
	return 0;
}

/* Zeroes the bytes of chunk (at addr, n bytes) that skip leaves out. */
static void skip_ranges(const struct mem_skip *skip, uint64_t addr, uint8_t *chunk, size_t n)
{
	for (size_t i = 0; skip && i < skip->n; i++) {
		uint64_t a = skip->r[i].a > addr ? skip->r[i].a : addr;
		uint64_t b = skip->r[i].b < addr + n ? skip->r[i].b : addr + n;
		if (a < b)
			memset(chunk + (a - addr), 0, (size_t)(b - a));
	}
}

struct hash_ctx {
	pid_t tid;
	const struct mem_skip *skip;
	XXH3_state_t *st;
	uint8_t *chunk;
	uint64_t prev_end;
	int pm; /* the process's pagemap, or -1 */
	int sparse; /* zero pages of private anonymous memory left out (trace format 9) */
	FILE *log; /* HEISEN_HASH_LOG: each hashed page's address and hash (docs/scheduling.md), or NULL */
};

/* Touched page ranges of [start, end) from pagemap entries, for a kernel
 * without PAGEMAP_SCAN: as mem_touched, up to n ranges. */
static long touched_entries(int pm, uint64_t start, uint64_t end, struct mem_range *out, size_t n, uint64_t *next)
{
	uint64_t ent[256];
	size_t k = 0;
	uint64_t a = start;
	while (a < end && k < n) {
		size_t m = (end - a) / 4096 < 256 ? (size_t)((end - a) / 4096) : 256;
		if (pread(pm, ent, m * 8, (off_t)(a / 4096 * 8)) != (ssize_t)(m * 8))
			return -EIO;
		for (size_t i = 0; i < m; i++, a += 4096) {
			if (!(ent[i] >> 62))
				continue;
			if (k && out[k - 1].b == a)
				out[k - 1].b = a + 4096;
			else if (k < n)
				out[k++] = (struct mem_range){a, a + 4096};
			else
				break;
		}
	}
	*next = a < end ? a : end;
	return (long)k;
}

/* 1 if the 4096 bytes at p are all zero. */
static int page_zero(const uint8_t *p)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < 4096; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	return !acc;
}

/* Hashes the pages of [a, b) that are not all zeros, each with its
 * address (trace format 9 on), what skip leaves out zeroed first. */
static void hash_nonzero(struct hash_ctx *c, uint64_t a, uint64_t b)
{
	while (a < b) {
		size_t len = b - a < (1u << 20) ? (size_t)(b - a) : (1u << 20);
		long got = mem_read(c->tid, a, c->chunk, len);
		if (got <= 0)
			return; /* unreadable pages count as absent, the same in record and replay */
		skip_ranges(c->skip, a, c->chunk, (size_t)got);
		for (size_t off = 0; off + 4096 <= (size_t)got; off += 4096) {
			if (page_zero(c->chunk + off))
				continue;
			uint64_t at = a + off;
			XXH3_64bits_update(c->st, &at, sizeof at);
			XXH3_64bits_update(c->st, c->chunk + off, 4096);
			if (c->log)
				fprintf(c->log, "%#" PRIx64 " %016" PRIx64 "\n", at, XXH3_64bits(c->chunk + off, 4096));
		}
		a += (uint64_t)got;
	}
}

/* hash_map from trace format 9 on: every page of a writable mapping that
 * is not all zeros, with its address, whatever the mapping's kind or
 * bounds (the in-process library's ring is a shared memfd in rec and
 * anonymous memory in replay). Of private anonymous memory only the
 * touched pages are read (pagemap): the untouched read as zeros, so the
 * terabytes of a sanitizer's shadow cost nothing. */
static void hash_sparse(struct hash_ctx *c, const struct map_range *m)
{
	struct mem_range r[64];
	uint64_t next;
	if (m->inode != 0 || m->perms[3] != 'p' || (m->start & 4095) || (m->end & 4095)) {
		hash_nonzero(c, m->start, m->end);
		return;
	}
	for (uint64_t a = m->start; a < m->end; a = next) {
		long n = mem_touched(c->pm, a, m->end, r, 64, &next);
		if (n < 0)
			n = touched_entries(c->pm, a, m->end, r, 64, &next);
		if (n < 0) { /* no pagemap: every page */
			r[0] = (struct mem_range){a, m->end};
			n = 1;
			next = m->end;
		}
		for (long i = 0; i < n; i++)
			hash_nonzero(c, r[i].a, r[i].b);
		if (next <= a)
			break;
	}
}

static int hash_map(void *ctx, const struct map_range *m)
{
	struct hash_ctx *c = ctx;
	if (m->perms[0] != 'r' || m->perms[1] != 'w' || (c->skip && c->skip->map && m->start == c->skip->map))
		return 0;
	if (c->sparse) {
		hash_sparse(c, m);
		return 0;
	}
	/* Where memory starts again after a hole: how the kernel splits it
	 * into mappings (forks, merges) is not the program's state. */
	if (m->start != c->prev_end)
		XXH3_64bits_update(c->st, &m->start, sizeof m->start);
	c->prev_end = m->end;
	for (uint64_t p = m->start; p < m->end;) {
		size_t n = m->end - p < (1u << 20) ? (size_t)(m->end - p) : (1u << 20);
		/* untouched pages of private anonymous memory are zeros: not read */
		long got = m->inode == 0 && m->perms[3] == 'p' ? mem_read_anon(c->pm, c->tid, p, c->chunk, n)
							       : mem_read(c->tid, p, c->chunk, n);
		if (got <= 0)
			break; /* unreadable pages count as absent, the same in record and replay */
		skip_ranges(c->skip, p, c->chunk, (size_t)got);
		XXH3_64bits_update(c->st, c->chunk, (size_t)got);
		p += (uint64_t)got;
	}
	return 0;
}

int mem_writable_hash(pid_t tid, const struct mem_skip *skip, int sparse, uint64_t *hash)
{
	const char *log = getenv("HEISEN_HASH_LOG");
	struct hash_ctx c = {tid, skip, XXH3_createState(), malloc(1 << 20), 0, mem_pagemap_open(tid), sparse,
			     log ? fopen(log, "ae") : NULL};
	int r = c.st && c.chunk ? 0 : -ENOMEM;
	if (!r) {
		XXH3_64bits_reset(c.st);
		r = maps_foreach(tid, hash_map, &c);
	}
	if (!r)
		*hash = XXH3_64bits_digest(c.st);
	if (c.log) {
		fprintf(c.log, "hash of thread %d: %016" PRIx64 " (%d)\n", tid, r ? 0 : *hash, r);
		fclose(c.log);
	}
	XXH3_freeState(c.st);
	free(c.chunk);
	if (c.pm >= 0)
		close(c.pm);
	return r;
}

int bp_counter_open(pid_t tid, uint64_t addr, uint64_t period, int sig)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_BREAKPOINT;
	a.size = sizeof a;
	a.bp_type = HW_BREAKPOINT_X;
	a.bp_addr = addr;
	a.bp_len = sizeof(long);
	a.sample_period = period;
	a.wakeup_events = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (period) {
		struct f_owner_ex own = {F_OWNER_TID, tid};
		if (fcntl(fd, F_SETOWN_EX, &own) < 0 || fcntl(fd, F_SETSIG, sig) < 0 ||
		    fcntl(fd, F_SETFL, O_ASYNC) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	return fd;
}

int bp_counter_read(int fd, uint64_t *count)
{
	return read(fd, count, sizeof *count) == (ssize_t)sizeof *count ? 0 : -EIO;
}

pid_t tracee_tgid(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

/* Whether tid leads a thread group that has threads other than tid. */
static int has_other_threads(pid_t tid)
{
	char path[64];
	if (tracee_tgid(tid) != tid)
		return 0; /* not a leader: it is reported dead by itself */
	snprintf(path, sizeof path, "/proc/%d/task", tid);
	DIR *d = opendir(path);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 1;
}

const char *tracee_stat(pid_t tid, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t len = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[len] = 0;
	char *c = strrchr(buf, ')'); /* the name may hold anything */
	return c && c[1] == ' ' && c[2] ? c + 2 : NULL;
}

long xstate_get(pid_t tid, void *buf, size_t cap)
{
	struct iovec iov = {buf, cap};
	return ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, &iov) < 0 ? -errno : (long)iov.iov_len;
}

int xstate_set(pid_t tid, const void *buf, size_t len)
{
	struct iovec iov = {(void *)buf, len};
	return ptrace(PTRACE_SETREGSET, tid, NT_X86_XSTATE, &iov) < 0 ? -errno : 0;
}

uint64_t proc_status_hex(pid_t tid, const char *field)
{
	char path[64], line[256];
	uint64_t v = 0;
	size_t n = strlen(field);
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, n)) {
			v = strtoull(line + n, NULL, 16);
			break;
		}
	fclose(f);
	return v;
}

char tracee_state(pid_t tid)
{
	char buf[256];
	const char *st = tracee_stat(tid, buf, sizeof buf);
	return st ? *st : 0;
}

int tracee_alive(pid_t tid)
{
	char st = tracee_state(tid);
	return st && st != 'Z' && st != 'X';
}

int tracee_wait_dead(pid_t tid, int *status)
{
	for (int i = 0; i < 20000; i++) {
		if (has_other_threads(tid))
			return 0; /* a group leader is reported dead only after the others */
		pid_t p = waitpid(tid, status, __WALL | WNOHANG);
		if (p == tid)
			return WIFEXITED(*status) || WIFSIGNALED(*status);
		if (p < 0 && errno == ECHILD)
			return 0;
		if (!tracee_alive(tid))
			return 0;
		usleep(50);
	}
	return 0;
}

/* Waits for tid within b: SIGCHLD blocked, polled, and slept for with a
 * timeout, so a stop between the poll and the sleep is not missed. */
static int wait_bounded(pid_t tid, int *status, struct wait_bound *b)
{
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	int r;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= b->deadline_ns) {
			r = b->expired(b, tid);
			break;
		}
		pid_t p = waitpid(tid, status, __WALL | WNOHANG);
		if (p == tid) {
			r = 0;
			break;
		}
		if (p < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (p == 0) {
			uint64_t left = b->deadline_ns - now;
			struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
			sigtimedwait(&chld, NULL, &ts);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int tracee_wait(pid_t tid, int *status, struct wait_bound *b)
{
	if (b && b->deadline_ns)
		return wait_bounded(tid, status, b);
	pid_t p;
	while ((p = waitpid(tid, status, __WALL)) < 0 && errno == EINTR)
		;
	return p < 0 ? -errno : 0;
}

int tracee_wait_stop(pid_t tid, int *status, struct wait_bound *b)
{
	int r = tracee_wait(tid, status, b);
	if (r)
		return r;
	return WIFEXITED(*status) || WIFSIGNALED(*status) ? -ESRCH : 0;
}
