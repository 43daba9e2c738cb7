/* gdb_files.c - what gdb reads besides registers and memory: the files of
 * the recording (vFile, qXfer:exec-file), served from the trace's stored
 * copies, so gdb symbolizes the program and its libraries with none of
 * them on this machine; the recorded auxiliary vector, the target
 * description, siginfo, the thread list and the loaded libraries (qXfer). */
#include "gdb_int.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* gdb's File-I/O errno values. */
enum { FIO_ENOENT = 2, FIO_EBADF = 9, FIO_EACCES = 13, FIO_EINVAL = 22, FIO_EMFILE = 24, FIO_EROFS = 30 };

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static struct replay_blob *find_blob(struct gdb_server *g, const char *path);

static int fio_error(struct buf *out, int e)
{
	return gdb_buf_printf(out, "F-1,%x", e);
}

/* Appends a big-endian integer of n bytes. */
static void put_be(struct buf *out, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		buf_u8(out, (uint8_t)(v >> (8 * i)));
}

int gdb_files_vfile(struct gdb_server *g, const struct gdb_req *req)
{
	struct buf *out = &g->out;
	int64_t fd = req->u.vfile.fd;
	struct replay_blob *b = fd >= 0 && fd < GDB_MAX_VFD ? g->vfd[fd] : NULL;
	switch (req->u.vfile.op) {
	case GDB_VFILE_SETFS: return gdb_buf_printf(out, "F0");
	case GDB_VFILE_OPEN: {
		if ((req->u.vfile.flags & 3) != 0) /* O_RDONLY only: the trace is not written */
			return fio_error(out, FIO_EACCES);
		b = find_blob(g, req->str);
		if (!b)
			return fio_error(out, FIO_ENOENT);
		for (int i = 0; i < GDB_MAX_VFD; i++)
			if (!g->vfd[i]) {
				g->vfd[i] = b;
				return gdb_buf_printf(out, "F%x", i);
			}
		return fio_error(out, FIO_EMFILE);
	}
	case GDB_VFILE_CLOSE:
		if (!b)
			return fio_error(out, FIO_EBADF);
		g->vfd[fd] = NULL;
		return gdb_buf_printf(out, "F0");
	case GDB_VFILE_PREAD: {
		uint8_t data[GDB_REQ_READ_MAX];
		if (!b)
			return fio_error(out, FIO_EBADF);
		size_t n = req->u.vfile.count < sizeof data ? req->u.vfile.count : sizeof data;
		ssize_t k = req->u.vfile.offset >= b->filled ? 0 : pread(b->fd, data, n, (off_t)req->u.vfile.offset);
		if (k < 0)
			return fio_error(out, FIO_EINVAL);
		gdb_buf_printf(out, "F%zx;", (size_t)k);
		return buf_put(out, data, (size_t)k);
	}
	case GDB_VFILE_FSTAT: {
		if (!b)
			return fio_error(out, FIO_EBADF);
		gdb_buf_printf(out, "F40;");
		put_be(out, 0, 4);        /* st_dev */
		put_be(out, 0, 4);        /* st_ino */
		put_be(out, 0100555, 4);  /* st_mode: a regular file */
		put_be(out, 1, 4);        /* st_nlink */
		put_be(out, 0, 4);        /* st_uid */
		put_be(out, 0, 4);        /* st_gid */
		put_be(out, 0, 4);        /* st_rdev */
		put_be(out, b->size, 8);  /* st_size */
		put_be(out, 4096, 8);     /* st_blksize */
		put_be(out, (b->size + 511) / 512, 8);
		put_be(out, 0, 4);        /* st_atime, st_mtime, st_ctime */
		put_be(out, 0, 4);
		return put_be(out, 0, 4), out->err;
	}
	case GDB_VFILE_READLINK: return fio_error(out, FIO_EINVAL);
	case GDB_VFILE_UNLINK: return fio_error(out, FIO_EROFS);
	}
	return 0;
}

/* Answers a qXfer read of the whole object obj (n bytes). */
static int xfer_slice(struct buf *out, const struct gdb_req *req, const void *obj, size_t n)
{
	uint64_t off = req->u.xfer.offset, len = req->u.xfer.len;
	if (off >= n)
		return gdb_buf_printf(out, "l");
	size_t k = n - off < len ? n - off : len;
	gdb_buf_printf(out, off + k >= n ? "l" : "m");
	return buf_put(out, (const uint8_t *)obj + off, k);
}

/* The auxv entry of type `type` (0 if none). */
static uint64_t auxv_get(const struct gdb_server *g, uint64_t type)
{
	for (size_t i = 0; i + 16 <= g->auxv.len; i += 16) {
		uint64_t kv[2];
		memcpy(kv, g->auxv.p + i, 16);
		if (kv[0] == type)
			return kv[1];
	}
	return 0;
}

/* The dynamic linker's r_debug of t's process, found through the
 * executable's DT_DEBUG (its program headers at the recorded AT_PHDR); 0
 * if there is none yet (a static program, or before ld.so set it). */
static uint64_t r_debug_of(struct gdb_server *g, struct replay_task *t)
{
	uint64_t phdr = auxv_get(g, AT_PHDR), phnum = auxv_get(g, AT_PHNUM), bias = 0, dyn = 0;
	bool have_bias = false;
	for (uint64_t i = 0; phdr && i < phnum && i < 256; i++) {
		Elf64_Phdr ph;
		if (mem_read(t->tid, phdr + i * sizeof ph, &ph, sizeof ph) != sizeof ph)
			return 0;
		if (ph.p_type == PT_PHDR) {
			bias = phdr - ph.p_vaddr;
			have_bias = true;
		} else if (ph.p_type == PT_DYNAMIC) {
			dyn = ph.p_vaddr;
		}
	}
	if (!dyn || !have_bias)
		return 0;
	for (uint64_t at = bias + dyn, i = 0; i < 512; i++, at += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		if (mem_read(t->tid, at, &d, sizeof d) != sizeof d || d.d_tag == DT_NULL)
			return 0;
		if (d.d_tag == DT_DEBUG)
			return d.d_un.d_ptr;
	}
	return 0;
}

/* One entry of the dynamic linker's list at lm in t's process: l_addr,
 * l_name, l_ld, l_next into l, its name into name (n bytes); false if
 * unreadable. */
static bool lm_read(struct replay_task *t, uint64_t lm, uint64_t l[4], char *name, size_t n)
{
	if (mem_read(t->tid, lm, l, 4 * sizeof l[0]) != 4 * sizeof l[0])
		return false;
	long got = l[1] ? mem_read(t->tid, l[1], name, n - 1) : 0;
	name[got > 0 ? strnlen(name, (size_t)got) : 0] = 0;
	return true;
}

/* The stored file mapped at addr in t's process: the blob whose file the
 * mapping there maps (same device and inode), or NULL. */
static struct replay_blob *blob_mapped_at(struct gdb_server *g, struct replay_task *t, uint64_t addr)
{
	char path[64], line[512];
	unsigned long long lo, hi, inode = 0;
	unsigned int maj = 0, min = 0;
	bool found = false;
	snprintf(path, sizeof path, "/proc/%d/maps", (int)t->tid);
	FILE *f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof line, f))
		found = sscanf(line, "%llx-%llx %*s %*s %x:%x %llu", &lo, &hi, &maj, &min, &inode) == 5 && addr >= lo &&
			addr < hi && inode;
	if (f)
		fclose(f);
	for (struct replay_blob *b = g->s->blobs; found && b; b = b->next) {
		struct stat st;
		if (b->fd >= 0 && !fstat(b->fd, &st) && st.st_ino == inode && major(st.st_dev) == maj &&
		    minor(st.st_dev) == min)
			return b;
	}
	return NULL;
}

/* The stored file gdb asks for by path: the same path, else the same file
 * name (gdb asks for /lib64/ld-linux-x86-64.so.2, the recording saw the
 * file the link leads to), else the object the dynamic linker lists under
 * that name (a soname link: libz.so.1, the recording saw libz.so.1.2.13),
 * found by the file mapped at its dynamic section. */
static struct replay_blob *find_blob(struct gdb_server *g, const char *path)
{
	struct replay_blob *same_name = NULL;
	for (struct replay_blob *b = g->s->blobs; b; b = b->next) {
		if (!b->path)
			continue;
		if (!strcmp(b->path, path))
			return b;
		if (!same_name && !strcmp(base_name(b->path), base_name(path)))
			same_name = b;
	}
	struct replay_task *t = gdb_task(g, 0);
	uint64_t rd = same_name || !t ? 0 : r_debug_of(g, t), lm = 0, l[4];
	char name[4096];
	if (rd && mem_read(t->tid, rd + 8, &lm, 8) != 8)
		lm = 0;
	for (int i = 0; lm && i < 4096 && lm_read(t, lm, l, name, sizeof name); i++, lm = l[3])
		if (!strcmp(name, path))
			return l[2] ? blob_mapped_at(g, t, l[2]) : NULL;
	return same_name;
}

/* The loaded objects of t's process as gdb's library-list-svr4 XML, from
 * the dynamic linker's list (r_debug.r_map: l_addr, l_name, l_ld, l_next):
 * the first one, the executable, is main-lm. One namespace: the
 * program's (dlmopen's others are not listed). */
static int svr4_list(struct gdb_server *g, struct replay_task *t, struct buf *obj)
{
	uint64_t rd = t ? r_debug_of(g, t) : 0, lm = 0, main_lm = 0;
	if (rd && mem_read(t->tid, rd + 8, &lm, 8) != 8)
		lm = 0;
	struct buf libs = {0};
	for (int i = 0; lm && i < 4096; i++) {
		uint64_t l[4]; /* l_addr, l_name, l_ld, l_next */
		char name[4096];
		if (!lm_read(t, lm, l, name, sizeof name))
			break;
		if (!main_lm) {
			main_lm = lm;
		} else if (name[0]) {
			gdb_buf_printf(&libs, "<library name=\"");
			for (const char *c = name; *c; c++)
				gdb_buf_printf(&libs, *c == '&' ? "&amp;" : *c == '<' ? "&lt;" : *c == '"' ? "&quot;" : "%c", *c);
			/* lmid: the namespace, named by its r_debug (gdb 13 wants it) */
			gdb_buf_printf(&libs, "\" lm=\"0x%llx\" l_addr=\"0x%llx\" l_ld=\"0x%llx\" lmid=\"0x%llx\"/>\n",
				       (unsigned long long)lm, (unsigned long long)l[0], (unsigned long long)l[2],
				       (unsigned long long)rd);
		}
		lm = l[3];
	}
	gdb_buf_printf(obj, "<library-list-svr4 version=\"1.0\"");
	if (main_lm)
		gdb_buf_printf(obj, " main-lm=\"0x%llx\"", (unsigned long long)main_lm);
	gdb_buf_printf(obj, ">\n");
	buf_put(obj, libs.p, libs.len);
	buf_free(&libs);
	return gdb_buf_printf(obj, "</library-list-svr4>\n");
}

int gdb_files_xfer(struct gdb_server *g, const struct gdb_req *req)
{
	struct buf *out = &g->out, obj = {0};
	struct replay_task *t = gdb_task(g, 0);
	int r = 0;
	switch (req->u.xfer.object) {
	case GDB_XFER_FEATURES:
		if (strcmp(req->u.xfer.annex, "target.xml"))
			return gdb_buf_printf(out, "E00");
		r = gdb_regs_xml(g->regs, &obj);
		break;
	case GDB_XFER_AUXV:
		r = buf_put(&obj, g->auxv.p, g->auxv.len);
		break;
	case GDB_XFER_EXEC_FILE:
		r = buf_put(&obj, g->exec_path, strlen(g->exec_path));
		break;
	case GDB_XFER_LIBRARIES_SVR4:
		r = svr4_list(g, t, &obj);
		break;
	case GDB_XFER_SIGINFO: {
		siginfo_t si;
		if (!t || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
			return gdb_buf_printf(out, "E01");
		r = buf_put(&obj, &si, sizeof si);
		break;
	}
	case GDB_XFER_THREADS:
		gdb_buf_printf(&obj, "<?xml version=\"1.0\"?>\n<threads>\n");
		for (struct replay_task *o = g->s->tasks; o; o = o->next) {
			char name[64];
			if (!gdb_shown(g, o))
				continue;
			gdb_buf_printf(&obj, "<thread id=\"");
			gdb_put_tid(g, &obj, o->rec_tid);
			gdb_buf_printf(&obj, "\" name=\"%s\"/>\n", gdb_thread_name(g, o, name, sizeof name));
		}
		r = gdb_buf_printf(&obj, "</threads>\n");
		break;
	default:
		return 0; /* the empty packet: not served */
	}
	if (!r)
		r = xfer_slice(out, req, obj.p, obj.len);
	buf_free(&obj);
	return r;
}

void gdb_files_note_name(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec)
{
	struct trace_syscall sc;
	char name[16] = "";
	if (trace_get_syscall(rec, &sc))
		return;
	free(sc.regions);
	if (sc.nr != SYS_prctl || sc.args[0] != PR_SET_NAME || sc.result != 0 ||
	    mem_read(t->tid, sc.args[1], name, sizeof name - 1) <= 0)
		return;
	int i = 0;
	while (i < g->nnames && g->names[i].tid != t->rec_tid)
		i++;
	if (i == GDB_MAX_NAMES)
		i = (int)(t->rec_tid % GDB_MAX_NAMES); /* full: one is forgotten */
	else if (i == g->nnames)
		g->nnames++;
	g->names[i].tid = t->rec_tid;
	memcpy(g->names[i].name, name, sizeof name);
}

const char *gdb_thread_name(struct gdb_server *g, struct replay_task *t, char *buf, size_t n)
{
	/* What the kernel calls the replayed thread is the stub's name, and
	 * the program's prctl(PR_SET_NAME) is emulated: the name it set, else
	 * its file name, as at exec. Only [A-Za-z0-9._+-] pass (it goes into
	 * XML). */
	const char *b = base_name(g->exec_path);
	for (int i = 0; i < g->nnames; i++)
		if (g->names[i].tid == t->rec_tid)
			b = g->names[i].name;
	size_t k = 0;
	for (; *b && k + 1 < n && k < 15; b++)
		if ((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') ||
		    strchr("._+-", *b))
			buf[k++] = *b;
	buf[k] = 0;
	return buf;
}

int gdb_files_auxv(struct gdb_server *g, struct replay_task *t)
{
	struct trace_exec e;
	int r = regs_get(t->tid, &t->regs);
	if (r)
		return r;
	if (g->s->cur.rec.type == TR_EXEC && !trace_get_exec(&g->s->cur.rec, &e)) {
		snprintf(g->exec_path, sizeof g->exec_path, "%s", e.path ? e.path : "");
		free(e.maps);
	}
	/* At the exec's first instruction: argc, argv[], NULL, envp[], NULL, auxv. */
	uint64_t at = t->regs.rsp, argc, w;
	if (mem_read(t->tid, at, &argc, 8) != 8 || argc > 1000000)
		return -EFAULT;
	at += 8 * (argc + 2);
	for (int i = 0; i < 1000000; i++, at += 8) {
		if (mem_read(t->tid, at, &w, 8) != 8)
			return -EFAULT;
		if (!w)
			break;
	}
	at += 8;
	g->auxv.len = 0;
	for (int i = 0; i < 512; i++, at += 16) {
		uint64_t kv[2];
		if (mem_read(t->tid, at, kv, 16) != 16)
			return -EFAULT;
		buf_put(&g->auxv, kv, 16);
		if (kv[0] == AT_NULL)
			break;
	}
	return g->auxv.err;
}
