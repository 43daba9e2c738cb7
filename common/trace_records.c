/* trace_records.c - encoding and decoding of each trace record type. */
#include "trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void put_hash(struct buf *b, struct trace_hash h)
{
	buf_u64(b, h.lo);
	buf_u64(b, h.hi);
}

static struct trace_hash get_hash(struct cursor *c)
{
	struct trace_hash h;
	h.lo = cur_u64(c);
	h.hi = cur_u64(c);
	return h;
}

static struct cursor rec_cursor(const struct trace_rec *rec)
{
	struct cursor c = {rec->data, rec->data + rec->len, 0};
	return c;
}

/* A record decodes cleanly only if it used every byte. */
static int finish(struct cursor *c)
{
	return (c->bad || c->p != c->end) ? -TRE_CORRUPT : 0;
}

int trace_put_header(struct trace_writer *w, const struct trace_header *h)
{
	struct buf *b = trace_begin(w, TR_HEADER);
	buf_put(b, TRACE_MAGIC, 8);
	buf_u32(b, h->version);
	buf_str(b, h->tool_version);
	buf_u32(b, h->argc);
	for (uint32_t i = 0; i < h->argc; i++)
		buf_str(b, h->argv[i]);
	buf_str(b, h->cwd);
	buf_u32(b, h->envc);
	for (uint32_t i = 0; i < h->envc; i++)
		buf_str(b, h->envp[i]);
	buf_str(b, h->sysname);
	buf_str(b, h->release);
	buf_str(b, h->kversion);
	buf_str(b, h->machine);
	buf_str(b, h->cpu_model);
	buf_u32(b, h->ncpuid);
	for (uint32_t i = 0; i < h->ncpuid; i++)
		buf_put(b, &h->cpuid[i], sizeof h->cpuid[i]);
	buf_u64(b, h->start_realtime_ns);
	buf_u32(b, h->pid);
	buf_u32(b, h->ncpus);
	buf_u32(b, h->chaos);
	buf_u64(b, h->chaos_seed);
	return trace_end(w);
}

static char **get_strv(struct cursor *c, uint32_t n)
{
	if (n > (size_t)(c->end - c->p) / 5) { /* each string takes >= 5 bytes */
		c->bad = 1;
		return NULL;
	}
	char **v = calloc((size_t)n + 1, sizeof *v);
	if (!v) {
		c->bad = 1;
		return NULL;
	}
	for (uint32_t i = 0; i < n && !c->bad; i++)
		v[i] = cur_str(c);
	return v;
}

int trace_get_header(const struct trace_rec *rec, struct trace_header *h)
{
	struct cursor c = rec_cursor(rec);
	memset(h, 0, sizeof *h);
	const uint8_t *magic = cur_bytes(&c, 8);
	if (!magic || memcmp(magic, TRACE_MAGIC, 8))
		return -TRE_NOTTRACE;
	h->version = cur_u32(&c);
	if (h->version < TRACE_VERSION_MIN || h->version > TRACE_VERSION)
		return -TRE_VERSION;
	h->tool_version = cur_str(&c);
	h->argc = cur_u32(&c);
	h->argv = get_strv(&c, h->argc);
	h->cwd = cur_str(&c);
	h->envc = cur_u32(&c);
	h->envp = get_strv(&c, h->envc);
	h->sysname = cur_str(&c);
	h->release = cur_str(&c);
	h->kversion = cur_str(&c);
	h->machine = cur_str(&c);
	h->cpu_model = cur_str(&c);
	h->ncpuid = cur_u32(&c);
	if (!c.bad && h->ncpuid <= (size_t)(c.end - c.p) / sizeof(struct trace_cpuid)) {
		h->cpuid = calloc(h->ncpuid + 1, sizeof *h->cpuid);
		const uint8_t *p = cur_bytes(&c, h->ncpuid * sizeof *h->cpuid);
		if (h->cpuid && p)
			memcpy(h->cpuid, p, h->ncpuid * sizeof *h->cpuid);
		else
			c.bad = 1;
	} else {
		c.bad = 1;
	}
	h->start_realtime_ns = cur_u64(&c);
	h->pid = cur_u32(&c);
	h->ncpus = cur_u32(&c);
	h->chaos = cur_u32(&c);
	h->chaos_seed = cur_u64(&c);
	int r = finish(&c);
	if (r) {
		trace_header_free(h);
		h->version = 0;
	}
	return r;
}

static void free_strv(char **v, uint32_t n)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void trace_header_free(struct trace_header *h)
{
	free(h->tool_version);
	free_strv(h->argv, h->argc);
	free(h->cwd);
	free_strv(h->envp, h->envc);
	free(h->sysname);
	free(h->release);
	free(h->kversion);
	free(h->machine);
	free(h->cpu_model);
	free(h->cpuid);
	uint32_t v = h->version;
	memset(h, 0, sizeof *h);
	h->version = v;
}

/* One TR_FILE record: f's bytes [off, off + len). */
static int put_chunk(struct trace_writer *w, const struct trace_file *f, uint64_t off, uint64_t len)
{
	struct buf *b = trace_begin(w, TR_FILE);
	put_hash(b, f->hash);
	buf_str(b, f->path);
	buf_u64(b, f->size);
	buf_u64(b, off);
	buf_u64(b, len);
	if (f->mapped && len) {
		w->ext = f->data + off; /* the frame ends with it, not copied */
		w->ext_len = len;
	} else {
		buf_put(b, len ? f->data + off : f->data, len);
	}
	int r = trace_end(w);
	if (w->ext) { /* not taken over (an error) */
		munmap((void *)(uintptr_t)w->ext, (w->ext_len + 4095) & ~(uint64_t)4095);
		w->ext = NULL;
		w->ext_len = 0;
	}
	return r;
}

int trace_put_file(struct trace_writer *w, const struct trace_file *f)
{
	uint64_t off = 0, len = 0;
	int r = 0;
	if (f->extents) {
		/* a sparse file: chunks of its data only, then an empty one at
		 * its end if a hole ends it (format 9) */
		uint64_t end = 0;
		for (uint32_t i = 0; !r && i < f->nextents; i++)
			for (off = f->extents[i].offset, end = off + f->extents[i].len; !r && off < end; off += len) {
				len = end - off < TRACE_FILE_CHUNK ? end - off : TRACE_FILE_CHUNK;
				r = put_chunk(w, f, off, len);
			}
		return r || end == f->size ? r : put_chunk(w, f, f->size, 0);
	}
	do { /* one record per chunk; an empty file is one empty chunk */
		len = f->size - off < TRACE_FILE_CHUNK ? f->size - off : TRACE_FILE_CHUNK;
		r = put_chunk(w, f, off, len);
		off += len;
	} while (!r && off < f->size);
	if (f->mapped && off < f->size) /* the chunks an error left */
		munmap((void *)(uintptr_t)(f->data + off), (f->size - off + 4095) & ~(uint64_t)4095);
	return r;
}

int trace_get_file(const struct trace_rec *rec, struct trace_file *f)
{
	struct cursor c = rec_cursor(rec);
	f->hash = get_hash(&c);
	f->path = cur_cstr(&c);
	f->size = cur_u64(&c);
	f->offset = cur_u64(&c);
	f->len = cur_u64(&c);
	/* (an empty chunk: an empty file's, or a sparse file's end) */
	if (f->offset > f->size || f->len > f->size - f->offset || (f->len == 0 && f->size != 0 && f->offset != f->size))
		c.bad = 1;
	f->data = c.bad ? NULL : cur_bytes(&c, f->len);
	return finish(&c);
}

int trace_put_exec(struct trace_writer *w, const struct trace_exec *e)
{
	struct buf *b = trace_begin(w, TR_EXEC);
	buf_u32(b, e->tid);
	buf_str(b, e->path);
	buf_u64(b, e->start_brk);
	buf_u64(b, e->sigblocked);
	buf_u64(b, e->sigignored);
	buf_put(b, &e->regs, sizeof e->regs);
	buf_u32(b, e->nmaps);
	for (uint32_t i = 0; i < e->nmaps; i++) {
		const struct trace_map *m = &e->maps[i];
		buf_u64(b, m->start);
		buf_u64(b, m->end);
		buf_u64(b, m->offset);
		buf_u32(b, m->prot);
		buf_u32(b, m->flags);
		buf_u8(b, m->kind);
		put_hash(b, m->hash);
		buf_str(b, m->name);
		buf_u64(b, m->content_len);
		buf_put(b, m->content, m->content_len);
	}
	return trace_end(w);
}

int trace_get_exec(const struct trace_rec *rec, struct trace_exec *e)
{
	struct cursor c = rec_cursor(rec);
	memset(e, 0, sizeof *e);
	e->tid = cur_u32(&c);
	e->path = cur_cstr(&c);
	e->start_brk = cur_u64(&c);
	e->sigblocked = cur_u64(&c);
	e->sigignored = cur_u64(&c);
	const uint8_t *regs = cur_bytes(&c, sizeof e->regs);
	if (regs)
		memcpy(&e->regs, regs, sizeof e->regs);
	e->nmaps = cur_u32(&c);
	if (c.bad || e->nmaps > (size_t)(c.end - c.p) / 57)
		return -TRE_CORRUPT;
	e->maps = calloc(e->nmaps + 1, sizeof *e->maps);
	if (!e->maps)
		return -TRE_CORRUPT;
	for (uint32_t i = 0; i < e->nmaps && !c.bad; i++) {
		struct trace_map *m = &e->maps[i];
		m->start = cur_u64(&c);
		m->end = cur_u64(&c);
		m->offset = cur_u64(&c);
		m->prot = cur_u32(&c);
		m->flags = cur_u32(&c);
		m->kind = cur_u8(&c);
		m->hash = get_hash(&c);
		m->name = cur_cstr(&c);
		m->content_len = cur_u64(&c);
		m->content = cur_bytes(&c, m->content_len);
		if (m->end <= m->start || m->kind > MAPK_SPECIAL ||
		    (m->content_len && m->content_len != m->end - m->start))
			c.bad = 1;
	}
	int r = finish(&c);
	if (r) {
		free(e->maps);
		e->maps = NULL;
	}
	return r;
}

int trace_put_syscall(struct trace_writer *w, const struct trace_syscall *s)
{
	struct buf *b = trace_begin(w, TR_SYSCALL);
	int wide = s->nr < 0 || s->nr > UINT16_MAX;
	buf_u32(b, s->tid);
	buf_u16(b, wide ? UINT16_MAX : (uint16_t)s->nr);
	buf_u16(b, (uint16_t)((s->flags & ~SCF_WIDE_NR) | (wide ? SCF_WIDE_NR : 0)));
	for (int i = 0; i < 6; i++)
		buf_u64(b, s->args[i]);
	buf_u64(b, (uint64_t)s->result);
	buf_u32(b, s->nregions);
	for (uint32_t i = 0; i < s->nregions; i++) {
		buf_u64(b, s->regions[i].addr);
		buf_u32(b, s->regions[i].len);
		buf_put(b, s->regions[i].data, s->regions[i].len);
	}
	if (s->flags & SCF_BLOB)
		put_hash(b, s->blob);
	if (s->flags & (SCF_SHARED | SCF_FILEWRITE))
		buf_u64(b, s->file_id);
	if (s->flags & SCF_DATAHASH)
		buf_u64(b, s->datahash);
	if (s->flags & SCF_FILEWRITE) {
		buf_u64(b, s->fw_offset);
		buf_u32(b, s->fw_len);
		buf_put(b, s->fw_data, s->fw_len);
	}
	if (s->flags & SCF_RESIZE)
		buf_u64(b, s->fw_size);
	if (wide)
		buf_u64(b, (uint64_t)s->nr);
	return trace_end(w);
}

int trace_get_syscall(const struct trace_rec *rec, struct trace_syscall *s)
{
	struct cursor c = rec_cursor(rec);
	memset(s, 0, sizeof *s);
	s->tid = cur_u32(&c);
	s->nr = cur_u16(&c);
	s->flags = cur_u16(&c);
	for (int i = 0; i < 6; i++)
		s->args[i] = cur_u64(&c);
	s->result = (int64_t)cur_u64(&c);
	s->nregions = cur_u32(&c);
	if (c.bad || s->nregions > TRACE_MAX_REGIONS || s->nregions > (size_t)(c.end - c.p) / 12)
		return -TRE_CORRUPT;
	if (s->nregions) {
		s->regions = calloc(s->nregions, sizeof *s->regions);
		if (!s->regions)
			return -TRE_CORRUPT;
	}
	for (uint32_t i = 0; i < s->nregions && !c.bad; i++) {
		s->regions[i].addr = cur_u64(&c);
		s->regions[i].len = cur_u32(&c);
		s->regions[i].data = cur_bytes(&c, s->regions[i].len);
	}
	if (s->flags & SCF_BLOB)
		s->blob = get_hash(&c);
	if (s->flags & (SCF_SHARED | SCF_FILEWRITE))
		s->file_id = cur_u64(&c);
	if (s->flags & SCF_DATAHASH)
		s->datahash = cur_u64(&c);
	if (s->flags & SCF_FILEWRITE) {
		s->fw_offset = cur_u64(&c);
		s->fw_len = cur_u32(&c);
		s->fw_data = cur_bytes(&c, s->fw_len);
	}
	if (s->flags & SCF_RESIZE)
		s->fw_size = cur_u64(&c);
	if (s->flags & SCF_WIDE_NR) {
		/* (a number that fits the u16 is written there: corrupt) */
		c.bad |= s->nr != UINT16_MAX;
		s->nr = (int64_t)cur_u64(&c);
		c.bad |= s->nr >= 0 && s->nr <= UINT16_MAX;
	}
	if ((s->flags & ~SCF_ALL) || ((s->flags & SCF_SHARED) && !(s->flags & SCF_BLOB)) ||
	    ((s->flags & SCF_RESIZE) && !(s->flags & SCF_FILEWRITE)) ||
	    ((s->flags & SCF_KILL) && !(s->flags & SCF_NOT_RUN)) ||
	    ((s->flags & SCF_NOT_RUN) && (s->nregions || (s->flags & ~(SCF_NOT_RUN | SCF_KILL | SCF_WIDE_NR)))))
		c.bad = 1;
	int r = finish(&c);
	if (r) {
		free(s->regions);
		s->regions = NULL;
	}
	return r;
}

int trace_put_signal(struct trace_writer *w, const struct trace_signal *s)
{
	struct buf *b = trace_begin(w, TR_SIGNAL);
	buf_u32(b, s->tid);
	buf_u32(b, s->signo);
	buf_u32(b, (uint32_t)s->code);
	buf_u64(b, s->rip);
	buf_put(b, s->siginfo, sizeof s->siginfo);
	return trace_end(w);
}

int trace_get_signal(const struct trace_rec *rec, struct trace_signal *s)
{
	struct cursor c = rec_cursor(rec);
	s->tid = cur_u32(&c);
	s->signo = cur_u32(&c);
	s->code = (int32_t)cur_u32(&c);
	s->rip = cur_u64(&c);
	const uint8_t *si = cur_bytes(&c, sizeof s->siginfo);
	if (si)
		memcpy(s->siginfo, si, sizeof s->siginfo);
	if (s->signo == 0 || s->signo > 64)
		c.bad = 1;
	return finish(&c);
}

int trace_put_sigframe(struct trace_writer *w, const struct trace_sigframe *f)
{
	struct buf *b = trace_begin(w, TR_SIGFRAME);
	buf_u32(b, f->tid);
	buf_u32(b, f->signo);
	buf_u64(b, f->addr);
	buf_u32(b, f->len);
	buf_put(b, f->data, f->len);
	return trace_end(w);
}

int trace_get_sigframe(const struct trace_rec *rec, struct trace_sigframe *f)
{
	struct cursor c = rec_cursor(rec);
	f->tid = cur_u32(&c);
	f->signo = cur_u32(&c);
	f->addr = cur_u64(&c);
	f->len = cur_u32(&c);
	if (f->signo == 0 || f->signo > 64 || f->len == 0 || f->len > TRACE_SIGFRAME_MAX)
		c.bad = 1;
	f->data = c.bad ? NULL : cur_bytes(&c, f->len);
	return finish(&c);
}

int trace_put_rdtsc(struct trace_writer *w, const struct trace_rdtsc *r)
{
	struct buf *b = trace_begin(w, TR_RDTSC);
	buf_u32(b, r->tid);
	buf_u32(b, r->is_rdtscp);
	buf_u32(b, r->insn_len);
	buf_u32(b, r->aux);
	buf_u64(b, r->rip);
	buf_u64(b, r->tsc);
	return trace_end(w);
}

int trace_get_rdtsc(const struct trace_rec *rec, struct trace_rdtsc *r)
{
	struct cursor c = rec_cursor(rec);
	r->tid = cur_u32(&c);
	r->is_rdtscp = cur_u32(&c);
	r->insn_len = cur_u32(&c);
	r->aux = cur_u32(&c);
	r->rip = cur_u64(&c);
	r->tsc = cur_u64(&c);
	if (r->insn_len == 0 || r->insn_len > 15)
		c.bad = 1;
	return finish(&c);
}

int trace_put_exit(struct trace_writer *w, const struct trace_exit *x)
{
	struct buf *b = trace_begin(w, TR_EXIT);
	buf_u32(b, x->tid);
	buf_u32(b, x->how);
	buf_u32(b, (uint32_t)x->code);
	return trace_end(w);
}

int trace_get_exit(const struct trace_rec *rec, struct trace_exit *x)
{
	struct cursor c = rec_cursor(rec);
	x->tid = cur_u32(&c);
	x->how = cur_u32(&c);
	x->code = (int32_t)cur_u32(&c);
	if (x->how > EXIT_HOW_SIGNALED)
		c.bad = 1;
	return finish(&c);
}

int trace_put_end(struct trace_writer *w, const struct trace_end *e)
{
	struct buf *b = trace_begin(w, TR_END);
	buf_u64(b, e->end_realtime_ns);
	buf_u64(b, e->duration_ns);
	buf_u32(b, (uint32_t)e->status);
	buf_u32(b, e->flags);
	buf_str(b, e->reason);
	return trace_end(w);
}

int trace_get_end(const struct trace_rec *rec, struct trace_end *e)
{
	struct cursor c = rec_cursor(rec);
	e->end_realtime_ns = cur_u64(&c);
	e->duration_ns = cur_u64(&c);
	e->status = (int32_t)cur_u32(&c);
	e->flags = cur_u32(&c);
	e->reason = cur_cstr(&c);
	return finish(&c);
}

int trace_put_sysenter(struct trace_writer *w, const struct trace_sysenter *e)
{
	struct buf *b = trace_begin(w, TR_SYSENTER);
	buf_u32(b, e->tid);
	buf_u32(b, e->nr);
	return trace_end(w);
}

int trace_get_sysenter(const struct trace_rec *rec, struct trace_sysenter *e)
{
	struct cursor c = rec_cursor(rec);
	e->tid = cur_u32(&c);
	e->nr = cur_u32(&c);
	return finish(&c);
}

int trace_put_newtask(struct trace_writer *w, const struct trace_newtask *n)
{
	struct buf *b = trace_begin(w, TR_NEWTASK);
	buf_u32(b, n->parent);
	buf_u32(b, n->child);
	buf_u64(b, n->flags);
	buf_u64(b, n->parent_tid_ptr);
	buf_u64(b, n->child_tid_ptr);
	return trace_end(w);
}

int trace_get_newtask(const struct trace_rec *rec, struct trace_newtask *n)
{
	struct cursor c = rec_cursor(rec);
	n->parent = cur_u32(&c);
	n->child = cur_u32(&c);
	n->flags = cur_u64(&c);
	n->parent_tid_ptr = cur_u64(&c);
	n->child_tid_ptr = cur_u64(&c);
	return finish(&c);
}

int trace_put_preempt(struct trace_writer *w, const struct trace_preempt *p)
{
	struct buf *b = trace_begin(w, TR_PREEMPT);
	buf_u32(b, p->tid);
	buf_u32(b, p->kind);
	buf_u64(b, p->addr);
	buf_u64(b, p->count);
	buf_u64(b, p->fphash);
	buf_u64(b, p->memhash);
	buf_put(b, &p->regs, sizeof p->regs);
	buf_u32(b, p->nwords);
	for (uint32_t i = 0; i < p->nwords && i < PREEMPT_WORDS; i++) {
		buf_u64(b, p->words[i].addr);
		buf_u64(b, p->words[i].val);
	}
	return trace_end(w);
}

int trace_get_preempt(const struct trace_rec *rec, struct trace_preempt *p)
{
	struct cursor c = rec_cursor(rec);
	p->tid = cur_u32(&c);
	p->kind = cur_u32(&c);
	p->addr = cur_u64(&c);
	p->count = cur_u64(&c);
	p->fphash = cur_u64(&c);
	p->memhash = cur_u64(&c);
	const uint8_t *regs = cur_bytes(&c, sizeof p->regs);
	if (regs)
		memcpy(&p->regs, regs, sizeof p->regs);
	p->nwords = cur_u32(&c);
	if (p->nwords > PREEMPT_WORDS)
		c.bad = 1;
	for (uint32_t i = 0; i < p->nwords && !c.bad; i++) {
		p->words[i].addr = cur_u64(&c);
		p->words[i].val = cur_u64(&c);
		if (p->words[i].addr & 7)
			c.bad = 1;
	}
	if (p->kind > PREEMPT_SITE || (p->kind != PREEMPT_STATE && p->count == 0) || (p->kind != PREEMPT_STATE && p->nwords))
		c.bad = 1;
	return finish(&c);
}

int trace_put_site(struct trace_writer *w, const struct trace_site *p)
{
	struct buf *b = trace_begin(w, TR_SITE);
	buf_u32(b, p->tid);
	buf_u32(b, p->len);
	buf_u32(b, p->flags);
	buf_u64(b, p->page);
	buf_u64(b, p->addr);
	buf_put(b, p->code, sizeof p->code);
	return trace_end(w);
}

int trace_get_site(const struct trace_rec *rec, struct trace_site *p)
{
	struct cursor c = rec_cursor(rec);
	p->tid = cur_u32(&c);
	p->len = cur_u32(&c);
	p->flags = cur_u32(&c);
	p->page = cur_u64(&c);
	p->addr = cur_u64(&c);
	const uint8_t *code = cur_bytes(&c, sizeof p->code);
	if (code)
		memcpy(p->code, code, sizeof p->code);
	if (p->len < 5 || p->len > sizeof p->code || (p->page & 4095) || p->flags > 1)
		c.bad = 1;
	return finish(&c);
}

int trace_put_inproc(struct trace_writer *w, const struct trace_inproc *p)
{
	struct buf *b = trace_begin(w, TR_INPROC);
	buf_u32(b, p->tid);
	buf_u32(b, p->version);
	buf_u64(b, p->base);
	return trace_end(w);
}

int trace_get_inproc(const struct trace_rec *rec, struct trace_inproc *p)
{
	struct cursor c = rec_cursor(rec);
	p->tid = cur_u32(&c);
	p->version = cur_u32(&c);
	p->base = cur_u64(&c);
	if (p->version == 0 || p->base == 0 || (p->base & 4095))
		c.bad = 1;
	return finish(&c);
}

int trace_put_patch(struct trace_writer *w, const struct trace_patch *p)
{
	struct buf *b = trace_begin(w, TR_PATCH);
	buf_u32(b, p->tid);
	buf_u32(b, p->len);
	buf_u64(b, p->addr);
	buf_u64(b, p->page);
	buf_u32(b, p->slot);
	buf_put(b, p->code, p->len <= sizeof p->code ? p->len : sizeof p->code);
	return trace_end(w);
}

int trace_get_patch(const struct trace_rec *rec, struct trace_patch *p)
{
	struct cursor c = rec_cursor(rec);
	memset(p, 0, sizeof *p);
	p->tid = cur_u32(&c);
	p->len = cur_u32(&c);
	p->addr = cur_u64(&c);
	p->page = cur_u64(&c);
	p->slot = cur_u32(&c);
	if (p->len < 5 || p->len > sizeof p->code || (p->page & 4095) || p->slot >= 4096)
		c.bad = 1;
	const uint8_t *code = c.bad ? NULL : cur_bytes(&c, p->len);
	if (code)
		memcpy(p->code, code, p->len);
	return finish(&c);
}

/* 0 if bf can be a buffer record, else -E2BIG or -EINVAL. */
static int buffer_check(const struct trace_buffer *bf)
{
	uint64_t nreg = 0;
	for (uint32_t i = 0; i < bf->count && bf->count <= TRACE_BUFFER_MAX; i++)
		nreg += bf->entries[i].nregions;
	if (bf->count > TRACE_BUFFER_MAX || nreg > TRACE_BUFFER_REGIONS_MAX)
		return -E2BIG;
	for (uint32_t i = 0; i < bf->count; i++)
		if (bf->entries[i].nregions > TRACE_MAX_REGIONS)
			return -EINVAL;
	return 0;
}

/* Appends a buffer record's payload to b. */
static void buffer_payload(struct buf *b, const struct trace_buffer *bf)
{
	buf_u32(b, bf->tid);
	buf_u32(b, bf->flags);
	buf_u32(b, bf->count);
	for (uint32_t i = 0; i < bf->count; i++) {
		const struct trace_bufentry *e = &bf->entries[i];
		buf_varint(b, e->nr);
		buf_zigzag(b, e->result);
		buf_u32(b, e->args_hash);
		buf_varint(b, e->nregions);
		for (uint32_t k = 0; k < e->nregions; k++) {
			buf_varint(b, e->regions[k].len);
			buf_put(b, e->regions[k].data, e->regions[k].len);
		}
	}
}

int trace_put_buffer(struct trace_writer *w, const struct trace_buffer *bf)
{
	int r = buffer_check(bf);
	if (r)
		return r;
	buffer_payload(trace_begin(w, TR_BUFFER), bf);
	return trace_end(w);
}

size_t trace_record_open(struct buf *b, uint32_t type)
{
	size_t start = b->len;
	buf_u32(b, type);
	buf_u32(b, 0);
	return start;
}

int trace_record_close(struct buf *b, size_t start)
{
	if (b->err)
		return b->err;
	size_t len = b->len - start - 8;
	if (len > TRACE_RECORD_MAX) {
		b->len = start;
		return -EFBIG;
	}
	uint32_t l32 = (uint32_t)len;
	memcpy(b->p + start + 4, &l32, 4);
	return 0;
}

int trace_buffer_encode(struct buf *b, const struct trace_buffer *bf)
{
	int r = buffer_check(bf);
	if (r)
		return r;
	size_t start = trace_record_open(b, TR_BUFFER);
	buffer_payload(b, bf);
	return trace_record_close(b, start);
}

/* Reads a buffer record's entries from c: into entries and regions when
 * they are given, else only checking them and counting the regions
 * into *nreg. */
static void get_bufentries(struct cursor *c, uint32_t count, struct trace_bufentry *entries,
			   struct trace_region *regions, uint64_t *nreg)
{
	uint64_t k = 0;
	for (uint32_t i = 0; i < count && !c->bad; i++) {
		struct trace_bufentry e = {0};
		uint64_t nr = cur_varint(c);
		e.nr = (uint16_t)nr;
		e.result = cur_zigzag(c);
		e.args_hash = cur_u32(c);
		uint64_t n = cur_varint(c);
		/* a region takes at least its length's byte */
		if (nr > UINT16_MAX || n > TRACE_MAX_REGIONS || n > (size_t)(c->end - c->p) ||
		    k + n > TRACE_BUFFER_REGIONS_MAX) {
			c->bad = 1;
			break;
		}
		e.nregions = (uint32_t)n;
		e.regions = regions ? regions + k : NULL;
		for (uint64_t j = 0; j < n && !c->bad; j++, k++) {
			uint64_t len = cur_varint(c);
			if (len > (size_t)(c->end - c->p)) {
				c->bad = 1;
				break;
			}
			const uint8_t *data = cur_bytes(c, (size_t)len);
			if (regions)
				regions[k] = (struct trace_region){0, (uint32_t)len, data};
		}
		if (entries)
			entries[i] = e;
	}
	*nreg = k;
}

int trace_get_buffer(const struct trace_rec *rec, struct trace_buffer *b)
{
	struct cursor c = rec_cursor(rec);
	memset(b, 0, sizeof *b);
	b->tid = cur_u32(&c);
	b->flags = cur_u32(&c);
	b->count = cur_u32(&c);
	/* an entry takes at least 7 bytes: nr, result, hash, nregions */
	if (c.bad || (b->flags & ~(uint32_t)BUF_NOTIFY) || b->count > TRACE_BUFFER_MAX ||
	    b->count > (size_t)(c.end - c.p) / 7)
		return -TRE_CORRUPT;
	struct cursor check = c;
	uint64_t nreg = 0;
	get_bufentries(&check, b->count, NULL, NULL, &nreg);
	if (finish(&check))
		return -TRE_CORRUPT;
	b->entries = calloc(b->count + 1, sizeof *b->entries);
	b->regions = calloc(nreg + 1, sizeof *b->regions);
	if (!b->entries || !b->regions) {
		trace_buffer_free(b);
		return -TRE_CORRUPT;
	}
	get_bufentries(&c, b->count, b->entries, b->regions, &nreg);
	int r = finish(&c);
	if (r)
		trace_buffer_free(b);
	return r;
}

void trace_buffer_free(struct trace_buffer *b)
{
	free(b->entries);
	free(b->regions);
	b->entries = NULL;
	b->regions = NULL;
}

void trace_put_frame(struct trace_writer *w, const struct trace_frame *f)
{
	buf_u32(&w->rec, TR_FRAME);
	buf_u32(&w->rec, 32);
	buf_u64(&w->rec, f->seq);
	buf_u64(&w->rec, f->event);
	buf_u64(&w->rec, f->time_ns);
	buf_u64(&w->rec, f->chain);
}

int trace_get_frame(const struct trace_rec *rec, struct trace_frame *f)
{
	struct cursor c = rec_cursor(rec);
	f->seq = cur_u64(&c);
	f->event = cur_u64(&c);
	f->time_ns = cur_u64(&c);
	f->chain = cur_u64(&c);
	return finish(&c) || f->seq == 0 ? -TRE_CORRUPT : 0;
}

const char *trace_type_name(uint32_t type)
{
	static const char *const names[] = {
		[TR_HEADER] = "header", [TR_FILE] = "file",     [TR_EXEC] = "exec",
		[TR_SYSCALL] = "syscall", [TR_SIGNAL] = "signal", [TR_RDTSC] = "rdtsc",
		[TR_EXIT] = "exit",     [TR_END] = "end",       [TR_SYSENTER] = "sysenter",
		[TR_NEWTASK] = "newtask", [TR_PREEMPT] = "preempt", [TR_FRAME] = "frame",
		[TR_SITE] = "site",     [TR_SIGFRAME] = "sigframe", [TR_INPROC] = "inproc",
		[TR_PATCH] = "patch",   [TR_BUFFER] = "buffer",
	};
	return (type > 0 && type <= TR_TYPE_MAX) ? names[type] : "?";
}
