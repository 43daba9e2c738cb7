/* rec_shared.c - files mapped MAP_SHARED: replay keeps one copy per file,
 * so mappings see each other's stores and the program's writes. */
#include "rec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "../common/ptrace_util.h"
#include <xxhash.h>

static int fd_stat(pid_t tid, int fd, struct stat *st)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", tid, fd);
	return stat(path, st) < 0 ? -errno : 0;
}

static uint64_t file_id(const struct stat *st)
{
	return ((uint64_t)st->st_dev << 40) ^ (uint64_t)st->st_ino;
}

static struct rec_shared *find_shared(struct rec_session *s, const struct stat *st)
{
	struct rec_shared *f = s->shared;
	while (f && (f->dev != st->st_dev || f->ino != st->st_ino))
		f = f->next;
	return f;
}

int rec_shared_mmap(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec)
{
	struct stat st;
	int type = (int)(t->args[3] & 3);
	if (!(rec->flags & SCF_BLOB))
		return 0;
	int r = fd_stat(t->tid, (int)t->args[4], &st);
	if (r)
		return r;
	/* A private mapping follows the copy too where the file's later
	 * size or content shows through its pages not yet copied: one that
	 * ends past the file's end (SIGBUS there until the file grows), or
	 * of a file already followed. Not ld.so's (MAP_DENYWRITE), whose
	 * first mapping of a library spans its bss. */
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE &&
	    (type != MAP_PRIVATE || (t->args[3] & MAP_DENYWRITE) || !S_ISREG(st.st_mode) ||
	     (t->args[5] + t->args[1] <= (uint64_t)st.st_size && !find_shared(s, &st))))
		return 0;
	rec->flags |= SCF_SHARED;
	rec->file_id = file_id(&st);
	if (find_shared(s, &st))
		return 0;
	struct rec_shared *f = calloc(1, sizeof *f);
	if (!f)
		return -ENOMEM;
	*f = (struct rec_shared){st.st_dev, st.st_ino, s->shared};
	s->shared = f;
	/* writes into the file are now traced, where rec sees them */
	return rec_inproc_shared_file(s, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
}

/* A System V segment's id in file_id's space: bit 63 set (a file's
 * device number shifted by 40 never reaches it). */
#define SHM_FILE_ID (1ull << 63)

/* Stores len bytes of memory as a blob named name (a segment's content);
 * its hash in *h. Returns 0 or -errno. */
static int blob_from_memory(struct rec_session *s, const char *name, const uint8_t *data, size_t len,
			    struct trace_hash *h)
{
	XXH128_hash_t x = XXH3_128bits(data, len);
	h->lo = x.low64;
	h->hi = x.high64;
	for (struct rec_blob *b = s->blobs; b; b = b->next)
		if (b->hash.lo == h->lo && b->hash.hi == h->hi)
			return 0;
	struct rec_blob *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	*b = (struct rec_blob){.hash = *h, .ino = (ino_t)-1, .size = (off_t)len, .next = s->blobs};
	s->blobs = b;
	struct trace_file f = {*h, name, len, data, 0, 0, 0, NULL, 0};
	return trace_put_file(&s->w, &f);
}

int rec_shared_shmat(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec)
{
	struct map_range m;
	uint64_t at = (uint64_t)rec->result;
	if (t->nr != SYS_shmat || at >= (uint64_t)-4096 || !t->space)
		return 0;
	int r = maps_find(t->tid, at, &m);
	if (r <= 0)
		return r ? r : -EFAULT;
	size_t len = (size_t)(m.end - at);
	uint8_t *data = malloc(len ? len : 1);
	if (!data)
		return -ENOMEM;
	/* what it holds now: replay starts its one copy of the segment from it */
	char name[64];
	snprintf(name, sizeof name, "System V shared memory segment %d", (int)t->args[0]);
	r = mem_read(t->tid, at, data, len) == (long)len ? blob_from_memory(s, name, data, len, &rec->blob) : -EFAULT;
	free(data);
	if (r)
		return r;
	rec->flags |= SCF_BLOB | SCF_SHARED;
	rec->file_id = SHM_FILE_ID | (uint32_t)t->args[0];
	if (t->args[2] & SHM_RDONLY)
		t->space->shared_ro = 1;
	else
		t->space->shared_mem = 1;
	return 0;
}

/* The field of fd's /proc/TID/fdinfo that fmt reads ("pos: %" SCNd64 or
 * "flags: %o" and the like), into v; 1 if found, else 0. */
static int fdinfo_field(pid_t tid, int fd, const char *fmt, void *v)
{
	char path[64], line[128];
	int found = 0;
	snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", tid, fd);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = sscanf(line, fmt, v) == 1;
	fclose(f);
	return found;
}

/* File position of fd after the syscall, from /proc/TID/fdinfo. */
static int64_t fd_pos(pid_t tid, int fd)
{
	int64_t pos = -1;
	return fdinfo_field(tid, fd, "pos: %" SCNd64, &pos) ? pos : -1;
}

void rec_shared_map_note(struct rec_task *t)
{
	unsigned flags = O_RDWR;
	if (!(t->args[3] & MAP_ANONYMOUS) && !(t->args[2] & PROT_WRITE))
		fdinfo_field(t->tid, (int)t->args[4], "flags: %o", &flags);
	if ((flags & O_ACCMODE) == O_RDONLY)
		t->space->shared_ro = 1;
	else
		t->space->shared_mem = 1;
}

static long read_cb(void *ctx, uint64_t addr, void *dst, size_t len)
{
	return mem_read(((struct rec_task **)ctx)[1]->tid, addr, dst, len);
}

static int collect_cb(void *ctx, uint64_t addr, uint64_t len)
{
	struct rec_session *s = ((void **)ctx)[0];
	struct rec_task *t = ((void **)ctx)[1];
	if (buf_reserve(&s->fwbuf, len))
		return -ENOMEM;
	long got = mem_read(t->tid, addr, s->fwbuf.p + s->fwbuf.len, len);
	if (got != (long)len)
		return -EFAULT;
	s->fwbuf.len += len;
	return 0;
}

/* The pid of the /proc/PID/mem file t's call writes to (fd in its
 * argument 0), or 0 if it is another file. */
static int procmem_pid(struct rec_task *t)
{
	char path[64], target[64], end = 0;
	int pid;
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)t->args[0]);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	return sscanf(target, "/proc/%d/mem%c", &pid, &end) == 1 && pid > 0 ? pid : 0;
}

int rec_procmem_elsewhere(struct rec_task *t)
{
	int pid = procmem_pid(t);
	if (!pid)
		return 0;
	long r = syscall(SYS_kcmp, t->tid, pid, KCMP_VM, 0, 0);
	return r > 0 || (r < 0 && errno != ESRCH) ? pid : 0;
}

int rec_procmem_write(struct rec_task *t, const struct sc_desc *d, int64_t result)
{
	int pid;
	if (!d || !d->echo || result <= 0 || t->nemu >= REC_EMU_REGIONS)
		return 0;
	if (!(pid = procmem_pid(t)) || syscall(SYS_kcmp, t->tid, pid, KCMP_VM, 0, 0) != 0)
		return 0; /* (another address space: refused at its entry) */
	int positional = t->nr == SYS_pwrite64 || t->nr == SYS_pwritev || t->nr == SYS_pwritev2;
	int64_t off = positional ? (int64_t)t->args[3] : fd_pos(t->tid, (int)t->args[0]) - result;
	if (off < 0 && !positional)
		return -EINVAL;
	/* the bytes it wrote into its own memory: replay writes them there */
	t->emu_regions[t->nemu].addr = (uint64_t)off;
	t->emu_regions[t->nemu].len = (uint64_t)result;
	t->nemu++;
	return 0;
}

/* The file's new size and, where it grew, what it now holds from its old
 * end to the end of that page: zeros on most file systems, where tmpfs
 * keeps what was stored there through a mapping (t->size_before). */
static int resized(struct rec_session *s, struct rec_task *t, struct trace_syscall *rec, const struct stat *st)
{
	rec->flags |= SCF_RESIZE;
	rec->fw_size = (uint64_t)st->st_size;
	rec->fw_offset = t->size_before >= 0 ? (uint64_t)t->size_before : 0;
	rec->fw_len = 0;
	uint64_t end = (rec->fw_offset | 4095) + 1;
	if (t->size_before < 0 || rec->fw_offset >= rec->fw_size || !(rec->fw_offset & 4095))
		return 0;
	if (end > rec->fw_size)
		end = rec->fw_size;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", t->tid, (int)t->args[0]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	s->fwbuf.len = 0;
	if (fd < 0 || buf_reserve(&s->fwbuf, end - rec->fw_offset)) {
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : -ENOMEM;
	}
	ssize_t n = pread(fd, s->fwbuf.p, end - rec->fw_offset, (off_t)rec->fw_offset);
	close(fd);
	if (n != (ssize_t)(end - rec->fw_offset))
		return n < 0 ? -errno : -EIO;
	rec->fw_len = (uint32_t)n;
	rec->fw_data = s->fwbuf.p;
	return 0;
}

void rec_shared_size_before(struct rec_session *s, struct rec_task *t)
{
	struct stat st;
	t->size_before = -1;
	if (s->shared && (t->nr == SYS_ftruncate || t->nr == SYS_fallocate) &&
	    !fd_stat(t->tid, (int)t->args[0], &st) && find_shared(s, &st))
		t->size_before = st.st_size;
}

int rec_shared_write(struct rec_session *s, struct rec_task *t, const struct sc_desc *d, struct trace_syscall *rec)
{
	struct stat st;
	int resize = t->nr == SYS_ftruncate || t->nr == SYS_fallocate;
	if (!s->shared || !(d->echo ? rec->result > 0 : resize && !rec->result) ||
	    fd_stat(t->tid, (int)t->args[0], &st) || !find_shared(s, &st))
		return 0;
	s->shared_written = 1; /* read-only shared mappings: no more soft preemptions (rec_preempt.c) */
	rec->flags |= SCF_FILEWRITE;
	rec->file_id = file_id(&st);
	if (resize)
		return resized(s, t, rec, &st);
	int positional = t->nr == SYS_pwrite64 || t->nr == SYS_pwritev || t->nr == SYS_pwritev2;
	int64_t off = positional ? (int64_t)t->args[3] : fd_pos(t->tid, (int)t->args[0]) - rec->result;
	if (off < 0 || rec->result > UINT32_MAX)
		return -EINVAL;
	void *ctx[2] = {s, t};
	s->fwbuf.len = 0;
	int r = sc_written(d, t->args, rec->result, read_cb, collect_cb, ctx);
	if (r)
		return r;
	rec->fw_offset = (uint64_t)off;
	rec->fw_len = (uint32_t)s->fwbuf.len;
	rec->fw_data = s->fwbuf.p;
	return 0;
}
