/* rec_exec.c - the exec snapshot (registers, every mapping, the bytes of
 * writable and anonymous ones) and the store of mapped files. */
#include "rec.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xxhash.h>

#include "../common/inproc.h"
#include "../common/ptrace_util.h"

/* The stored file st names (same device, inode, size and mtime), or NULL. */
static const struct rec_blob *blob_known(const struct rec_session *s, const struct stat *st)
{
	for (const struct rec_blob *b = s->blobs; b; b = b->next)
		if (b->dev == st->st_dev && b->ino == st->st_ino && b->size == st->st_size &&
		    b->mtime.tv_sec == st->st_mtim.tv_sec && b->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return b;
	return NULL;
}

#define SPARSE_MIN (1 << 20) /* a file with less than half of it allocated, from this size: stored sparse */

/* Stores a sparse file: its data extents (SEEK_DATA, SEEK_HOLE), hashed
 * with their offsets and the size, its holes left out (a 1 TiB memfd with
 * two pages written took minutes to hash and store whole). 0 or -errno. */
static int store_sparse(struct rec_session *s, int fd, const struct stat *st, const char *name, struct trace_hash *h)
{
	struct trace_extent *ext = NULL;
	uint32_t n = 0, cap = 0;
	uint64_t size = (uint64_t)st->st_size;
	int ret = 0;
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	XXH3_state_t *x = XXH3_createState();
	if (map == MAP_FAILED || !x) {
		ret = map == MAP_FAILED ? -errno : -ENOMEM;
		goto out;
	}
	XXH3_128bits_reset(x);
	XXH3_128bits_update(x, &size, sizeof size);
	for (off_t at = 0; (uint64_t)at < size;) {
		off_t d = lseek(fd, at, SEEK_DATA), e;
		if (d < 0)
			break; /* ENXIO: only a hole is left */
		if ((e = lseek(fd, d, SEEK_HOLE)) < 0) {
			ret = -errno;
			goto out;
		}
		if (n == cap) {
			struct trace_extent *g = realloc(ext, (cap = cap ? cap * 2 : 16) * sizeof *g);
			if (!g) {
				ret = -ENOMEM;
				goto out;
			}
			ext = g;
		}
		ext[n++] = (struct trace_extent){(uint64_t)d, (uint64_t)(e - d)};
		XXH3_128bits_update(x, &ext[n - 1], sizeof ext[n - 1]);
		XXH3_128bits_update(x, (const uint8_t *)map + d, (size_t)(e - d));
		at = e;
	}
	XXH128_hash_t hh = XXH3_128bits_digest(x);
	*h = (struct trace_hash){hh.low64, hh.high64};
	struct rec_blob *b = calloc(1, sizeof *b);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	*b = (struct rec_blob){*h, st->st_dev, st->st_ino, st->st_size, st->st_mtim, s->blobs};
	s->blobs = b;
	struct trace_file f = {*h, name, size, map, 0, 0, 0, ext ? ext : (struct trace_extent[1]){{0, 0}}, n};
	ret = trace_put_file(&s->w, &f);
out:
	if (map != MAP_FAILED)
		munmap(map, size);
	XXH3_freeState(x);
	free(ext);
	return ret;
}

int rec_blob_store(struct rec_session *s, const char *path, const char *name, int stable, struct trace_hash *h)
{
	struct stat st;
	const struct rec_blob *known;
	/* a file stored before (make's compilers map the same libraries
	 * again and again): a stat, not an open, fstat and close */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (known = blob_known(s, &st))) {
		*h = known->hash;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = 0;
	void *map = MAP_FAILED;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -ENODEV;
		goto out;
	}
	if ((known = blob_known(s, &st))) {
		*h = known->hash;
		goto out;
	}
	if (st.st_size > SPARSE_MIN && (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size / 2) {
		ret = store_sparse(s, fd, &st, name ? name : path, h);
		goto out;
	}
	if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	const void *data = st.st_size > 0 ? map : "";
	XXH128_hash_t x = XXH3_128bits(data, (size_t)st.st_size);
	h->lo = x.low64;
	h->hi = x.high64;
	int same = 0; /* the same bytes stored under another name */
	for (struct rec_blob *b = s->blobs; b; b = b->next)
		same |= b->hash.lo == h->lo && b->hash.hi == h->hi;
	struct rec_blob *b = calloc(1, sizeof *b);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	*b = (struct rec_blob){*h, st.st_dev, st.st_ino, st.st_size, st.st_mtim, s->blobs};
	s->blobs = b;
	if (!same) {
		char target[4096];
		ssize_t n = name ? -1 : readlink(path, target, sizeof target - 1);
		if (n >= 0)
			target[n] = 0;
		/* A stable file's mapping goes to the writer, not copied; any
		 * other may change before the writer compresses it: copied. */
		struct trace_file f = {*h, name ? name : n >= 0 ? target : path, (uint64_t)st.st_size, data, 0, 0,
				       stable && map != MAP_FAILED, NULL, 0};
		ret = trace_put_file(&s->w, &f);
		if (f.mapped)
			map = MAP_FAILED; /* the writer's now: unmapped once compressed */
	}
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	return ret;
}

/* Turns AT_SYSINFO_EHDR into AT_IGNORE in the new image's auxv, so libc
 * makes real time syscalls instead of calling into the vDSO. */
static int hide_vdso(pid_t tid, uint64_t sp)
{
	uint64_t words[8192];
	long n = mem_read(tid, sp, words, sizeof words);
	if (n < 16)
		return -EFAULT;
	size_t cnt = (size_t)n / 8, i = 1 + words[0] + 1; /* argc, argv..., NULL */
	while (i < cnt && words[i])
		i++; /* envp */
	for (i++; i + 1 < cnt && words[i] != AT_NULL; i += 2) {
		if (words[i] == AT_SYSINFO_EHDR) {
			uint64_t ignore = AT_IGNORE;
			int fd = mem_open(tid);
			if (fd < 0)
				return fd;
			int r = mem_write(fd, sp + i * 8, &ignore, 8);
			close(fd);
			return r;
		}
	}
	return 0;
}

static uint64_t start_brk(pid_t tid)
{
	char path[64], line[4096];
	snprintf(path, sizeof path, "/proc/%d/stat", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(line, 1, sizeof line - 1, f);
	fclose(f);
	line[n] = 0;
	char *p = strrchr(line, ')'); /* the command name may hold spaces */
	uint64_t v = 0;
	for (int field = 2; p && field < 47; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

struct maps_ctx {
	struct trace_map *maps;
	uint32_t n, cap;
};

static int parse_maps(struct rec_session *s, pid_t tid, struct maps_ctx *m)
{
	char path[64], line[4352];
	snprintf(path, sizeof path, "/proc/%d/maps", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int ret = 0;
	while (!ret && fgets(line, sizeof line, f)) {
		uint64_t start, end, off;
		char perms[5], name[4096] = "";
		unsigned long ino;
		unsigned dmaj, dmin;
		int pos = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %lu %n", &start, &end, perms,
			   &off, &dmaj, &dmin, &ino, &pos) < 7)
			continue;
		sscanf(line + pos, "%4095[^\n]", name);
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 32;
			struct trace_map *nm = realloc(m->maps, m->cap * sizeof *nm);
			if (!nm) {
				ret = -ENOMEM;
				break;
			}
			m->maps = nm;
		}
		struct trace_map *mp = &m->maps[m->n++];
		memset(mp, 0, sizeof *mp);
		mp->start = start;
		mp->end = end;
		mp->offset = off;
		mp->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
			   (perms[2] == 'x' ? PROT_EXEC : 0);
		mp->flags = perms[3] == 's' ? MAPF_SHARED : 0;
		mp->name = strdup(name);
		if (!mp->name) {
			ret = -ENOMEM;
			break;
		}
		/* the vDSO, patched (rec_vdso.c): its bytes, for replay to map */
		if (name[0] == '[' && strcmp(name, "[stack]") && strcmp(name, "[heap]") && strcmp(name, "[vdso]")) {
			mp->kind = MAPK_SPECIAL;
			continue;
		}
		if (!strcmp(name, "[stack]"))
			mp->flags |= MAPF_GROWSDOWN;
		if (name[0] == '/' && ino) {
			char mf[96];
			snprintf(mf, sizeof mf, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, tid, start, end);
			mp->kind = MAPK_FILE;
			/* the program and its interpreter: exec denies writes to them */
			int stable = !(mp->flags & MAPF_SHARED);
			ret = rec_blob_store(s, mf, name, stable, &mp->hash);
			/* map_files needs CAP_CHECKPOINT_RESTORE: an ordinary user
			 * reads the file by its name, if it is still the one mapped. */
			struct stat st;
			if ((ret == -EPERM || ret == -EACCES) && !stat(name, &st) && st.st_ino == ino &&
			    st.st_dev == makedev(dmaj, dmin))
				ret = rec_blob_store(s, name, name, stable, &mp->hash);
			if (ret) {
				rec_fail(s, "thread %d: exec: cannot store mapped file %s: %s", tid, name, strerror(-ret));
				break;
			}
		}
	}
	fclose(f);
	return ret;
}

#define IL_ZEROS (IL_BASE + IL_STACK_OFF + IL_STACK_SIZE) /* the library's ring and what precedes it */

/* Splits the in-process library's writable mapping, just injected, into
 * its control page and stack, stored, and the rest (the ring: zeros that
 * need no bytes in the trace; 2 MiB read and compressed at every exec
 * before). Returns 0 or -ENOMEM. */
static int split_library(struct maps_ctx *m)
{
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->maps[i].start != IL_BASE + IL_CTL_OFF || m->maps[i].end != IL_BASE + IL_MAP_SIZE ||
		    m->maps[i].kind)
			continue;
		char *name = strdup(m->maps[i].name);
		struct trace_map *nm = name ? realloc(m->maps, (m->n + 1) * sizeof *nm) : NULL;
		if (!nm) {
			free(name);
			return -ENOMEM;
		}
		m->maps = nm;
		m->cap = ++m->n;
		memmove(&nm[i + 2], &nm[i + 1], (m->n - i - 2) * sizeof *nm);
		nm[i + 1] = nm[i];
		nm[i + 1].name = name;
		nm[i].end = nm[i + 1].start = IL_ZEROS;
		return 0;
	}
	return 0;
}

int rec_exec_snapshot(struct rec_session *s, struct rec_task *t)
{
	struct trace_exec e = {.tid = (uint32_t)(t->exec_former ? t->exec_former : t->tid)};
	struct maps_ctx m = {0};
	char exe[4096], path[64];
	int ret = regs_get(t->tid, &e.regs);
	if (ret)
		return ret;
	rec_space_put(t->space); /* a new image: no sites */
	if (!(t->space = rec_space_new(NULL)))
		return -ENOMEM;
	if ((ret = hide_vdso(t->tid, e.regs.rsp)) || (ret = rec_vdso_patch(t->tid))) {
		rec_fail(s, "thread %d: exec: cannot hide the vDSO or make it record: %s", t->tid, strerror(-ret));
		return ret;
	}
	if ((ret = rec_inproc_inject(s, t)))
		return ret;
	snprintf(path, sizeof path, "/proc/%d/exe", t->tid);
	ssize_t n = readlink(path, exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	e.path = exe;
	e.start_brk = start_brk(t->tid);
	e.sigblocked = proc_status_hex(t->tid, "SigBlk:");
	e.sigignored = proc_status_hex(t->tid, "SigIgn:");
	if ((ret = parse_maps(s, t->tid, &m)) || (t->space->il && (ret = split_library(&m))))
		goto out;
	/* The bytes of every writable or anonymous mapping. */
	s->scratch.len = 0;
	for (uint32_t i = 0; i < m.n; i++) {
		struct trace_map *mp = &m.maps[i];
		mp->content = NULL;
		if (mp->kind == MAPK_SPECIAL || !(mp->prot & PROT_READ) ||
		    (mp->kind == MAPK_FILE && !(mp->prot & PROT_WRITE)) ||
		    (t->space->il && mp->start == IL_ZEROS && mp->end == IL_BASE + IL_MAP_SIZE))
			continue;
		size_t len = mp->end - mp->start;
		if ((ret = buf_reserve(&s->scratch, len)))
			goto out;
		long got = mem_read(t->tid, mp->start, s->scratch.p + s->scratch.len, len);
		if (got != (long)len) {
			rec_fail(s, "thread %d: exec: cannot read mapping %s at %#" PRIx64, t->tid, mp->name, mp->start);
			ret = -EFAULT;
			goto out;
		}
		mp->content_len = len;
		mp->content = (const uint8_t *)(uintptr_t)s->scratch.len;
		s->scratch.len += len;
	}
	for (uint32_t i = 0; i < m.n; i++)
		if (m.maps[i].content_len)
			m.maps[i].content = s->scratch.p + (uintptr_t)m.maps[i].content;
	e.nmaps = m.n;
	e.maps = m.maps;
	rec_mark(s, t->tid);
	ret = trace_put_exec(&s->w, &e);
	s->snapshots += !ret;
	if (!ret)
		ret = rec_inproc_announce(s, t);
	if (ret == -EFBIG)
		rec_fail(s, "thread %d: exec: the new image's memory is larger than a trace record can hold (%u MiB): recording stopped",
			 t->tid, TRACE_RECORD_MAX >> 20);
	t->marked = 1; /* the exec record placed its syscall's entry */
out:
	for (uint32_t i = 0; i < m.n; i++)
		free((char *)m.maps[i].name);
	free(m.maps);
	return ret;
}

/* Whether thread o is inside an execve (or execveat). */
static int in_execve(const struct rec_task *o)
{
	return o->state == T_KERNEL && (o->nr == SYS_execve || o->nr == SYS_execveat);
}

int rec_exec_stop_of(const struct rec_task *run, const struct rec_task *t)
{
	return run && run != t && (!t || run->tgid == t->tgid) && in_execve(run);
}

int rec_exec_victim(struct rec_session *s, struct rec_task *t, int status)
{
	struct user_regs_struct r;
	struct rec_task *o = s->tasks;
	if (!s->started || status != 0 || t->exit_recorded)
		return 0;
	while (o && (o == t || o->tgid != t->tgid || !in_execve(o)))
		o = o->next;
	/* An execve kills the other threads as an exit_group(0) would: exit
	 * status 0, wherever they were but in exit (their own end). (Ended
	 * without a PTRACE_EVENT_EXIT stop of its own, taken by rec stepping
	 * it: the last syscall rec saw it enter.) */
	long nr = !o || regs_get(t->tid, &r) ? t->nr : (long)r.orig_rax;
	if (!o || nr == SYS_exit || nr == SYS_exit_group)
		return 0;
	if (s->nexec_dead == s->capexec_dead) {
		size_t cap = s->capexec_dead ? s->capexec_dead * 2 : 8;
		void *n = realloc(s->exec_dead, cap * sizeof *s->exec_dead);
		if (!n)
			return 0; /* (recorded now) */
		s->exec_dead = n;
		s->capexec_dead = cap;
	}
	/* Its place among the others' records: the syscalls it and the others
	 * were inside are entered before the execve's end. */
	rec_mark(s, t->tid);
	struct rec_exec_dead *d = &s->exec_dead[s->nexec_dead++];
	d->tgid = t->tgid;
	d->x = (struct trace_exit){.tid = (uint32_t)t->tid, .how = EXIT_HOW_EXITED, .code = 0};
	t->exit_recorded = 1;
	return 1;
}

int rec_exec_flush(struct rec_session *s, pid_t tgid, int exec)
{
	int r = 0;
	size_t j = 0;
	for (size_t i = 0; i < s->nexec_dead; i++) {
		struct rec_exec_dead *d = &s->exec_dead[i];
		if (d->tgid != tgid) {
			s->exec_dead[j++] = *d;
			continue;
		}
		/* The first thread's end: the kernel reports none, the exec'ing
		 * thread goes on under its tid. */
		if (exec && d->x.tid == (uint32_t)tgid)
			continue;
		if (!r)
			r = trace_put_exit(&s->w, &d->x);
	}
	s->nexec_dead = j;
	return r;
}
