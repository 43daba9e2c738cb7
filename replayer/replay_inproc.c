/* replay_inproc.c - in-process recording in replay (docs/inprocess.md
 * section 11): the library the exec snapshot brought set to replay mode,
 * the same sites patched at the same points as in rec, and the recorded
 * results fed into its ring, where the library takes them with no
 * syscall. Its only syscall in replay is its traced one, a PTRACE_SYSEMU
 * stop like any other. */
#include "replay.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/inproc.h"

#define CTL(field) (IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, field))

int replay_inproc_start(struct replay_session *s, struct replay_task *t, const struct trace_inproc *ip)
{
	struct il_header h;
	uint32_t mode = IL_MODE_REPLAY;
	uint64_t ht[2];
	if (ip->version < IL_VERSION_MIN || ip->version > IL_VERSION || ip->base != IL_BASE)
		return replay_diverged(s, t, "the in-process library of the recording (version %u at %#llx) is not this replay's (version %u at %#llx)",
				       ip->version, (unsigned long long)ip->base, IL_VERSION, (unsigned long long)IL_BASE);
	if (mem_read(t->tid, IL_BASE, &h, sizeof h) != sizeof h || h.magic != IL_MAGIC || h.version != ip->version ||
	    h.size > IL_TEXT_MAX || h.entry >= h.size || h.traced >= h.size || h.trap_ret >= h.size ||
	    mem_read(t->tid, CTL(head), ht, sizeof ht) != sizeof ht || ht[0] != ht[1] || (ht[0] & 7))
		return replay_diverged(s, t, "the exec snapshot has no in-process library at %#llx", (unsigned long long)IL_BASE);
	int r = mem_write(t->memfd, CTL(mode), &mode, sizeof mode);
	if (r)
		return r;
	t->space->il = 1;
	t->space->il_entry = IL_BASE + h.entry;
	t->space->il_traced = IL_BASE + h.traced;
	t->space->il_trap_ret = IL_BASE + h.trap_ret;
	/* (version 3's header ends before tsc_entry: its recordings patched no rdtsc) */
	t->space->il_tsc_entry = h.version >= 4 && h.tsc_entry < h.size ? IL_BASE + h.tsc_entry : 0;
	t->space->il_head = ht[0];
	memset(&t->space->patches, 0, sizeof t->space->patches);
	return 0;
}

/* Moves t out of a patched run (rip inside one: a syscall's end, a
 * signal frame's return), as rec did at the same point. */
static int fix_rip(struct replay_session *s, struct replay_task *t)
{
	int r = regs_get(t->tid, &t->regs);
	if (r)
		return r;
	uint64_t to = il_patches_fix_rip(&t->space->patches, t->regs.rip);
	if (to == t->regs.rip)
		return 0;
	if (!to)
		return replay_diverged(s, t, "it is inside the patched syscall site at %#llx, at no instruction",
				       (unsigned long long)t->regs.rip);
	t->regs.rip = to;
	return regs_set(t->tid, &t->regs);
}

/* Maps a trampoline page at base where rec did. */
static int map_page(struct replay_session *s, struct replay_task *t, uint64_t base)
{
	uint64_t args[6] = {base, IL_TRAMP_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, (uint64_t)-1, 0};
	int64_t res;
	int r = replay_inject(t, t->gadget, SYS_mmap, args, &res, 0);
	if (r)
		return r == -EPROTO ? replay_diverged(s, t, "the mmap of a trampoline page did not run as set up") : r;
	if ((uint64_t)res != base)
		return replay_diverged(s, t, "cannot map a trampoline page at %#llx (%lld)", (unsigned long long)base,
				       (long long)res);
	return 0;
}

int replay_inproc_patch(struct replay_session *s, struct replay_task *t, const struct trace_patch *pa)
{
	struct replay_space *sp = t->space;
	uint8_t win[SITE_WIN], tramp[IL_TRAMP_MAX], jump[IL_SITE_MAX];
	uint64_t wstart;
	struct il_site site;
	size_t tlen;
	int r, k;
	if (!sp || !sp->il || t->at_syscall || t->in_clone)
		return replay_diverged(s, t, "a syscall site patched %s",
				       sp && sp->il ? "inside a syscall" : "in a process without the in-process library");
	size_t wlen = site_window(t->tid, pa->addr, win, &wstart);
	if (!wlen || pa->addr < wstart || pa->addr - wstart + pa->len > wlen ||
	    memcmp(win + (pa->addr - wstart), pa->code, pa->len))
		return replay_diverged(s, t, "the code at %#llx differs from the recording's: it cannot be patched",
				       (unsigned long long)pa->addr);
	int tsc;
	uint64_t sys = il_site_insn(pa->code, pa->len, pa->addr, &tsc);
	if (il_site_find(win, wlen, wstart, sys, &site, NULL) || site.addr != pa->addr || site.len != pa->len ||
	    !site_code_is_file(t->tid, pa->addr) || il_patch_at(&sp->patches, site.addr, site.len) ||
	    (tsc && !sp->il_tsc_entry))
		return replay_diverged(s, t, "the %s site at %#llx cannot be patched as recorded", tsc ? "rdtsc" : "syscall",
				       (unsigned long long)pa->addr);
	for (k = 0; k < (int)sp->patches.npages && sp->patches.page[k].base != pa->page; k++)
		;
	if (k == (int)sp->patches.npages && sp->patches.npages < IL_PATCH_PAGES && pa->slot == 0 &&
	    (r = map_page(s, t, pa->page)))
		return r;
	if (il_patch_add(&sp->patches, &site, pa->page, pa->slot) ||
	    il_tramp_build(tramp, &tlen, pa->page + pa->slot, &site, tsc ? sp->il_tsc_entry : sp->il_entry) ||
	    il_site_jump(jump, &site, pa->page + pa->slot))
		return replay_diverged(s, t, "the syscall site at %#llx cannot be patched to %#llx+%#x as recorded",
				       (unsigned long long)pa->addr, (unsigned long long)pa->page, pa->slot);
	if ((r = mem_write(t->memfd, pa->page + pa->slot, tramp, tlen)) ||
	    (r = mem_write(t->memfd, site.addr, jump, site.len)))
		return r;
	/* The process's other threads stopped inside the run go on in the
	 * trampoline, as rec moved them (an rdtsc site's; none for a
	 * syscall site's: rec patches none with a thread inside). */
	for (struct replay_task *o = s->tasks; o && !r; o = o->next)
		if (o != t && o->space == sp && o->alive && !o->group_dead && !o->at_syscall && !o->in_clone)
			r = fix_rip(s, o);
	return r ? r : fix_rip(s, t);
}

/* Ring bytes the library has not taken yet, or -1 if unreadable. */
static int64_t ring_left(struct replay_task *t)
{
	uint64_t tail;
	if (mem_read(t->tid, CTL(tail), &tail, sizeof tail) != sizeof tail)
		return -1;
	return (int64_t)(t->space->il_head - tail);
}

int replay_inproc_feed(struct replay_session *s, struct replay_task *t, const struct trace_buffer *b)
{
	struct replay_space *sp = t->space;
	int r;
	if (!sp || !sp->il)
		return replay_diverged(s, t, "buffered syscalls recorded in a process without the in-process library");
	/* Entries of another thread must have been made (each thread makes
	 * its own before its next record); this thread's may still wait. */
	int64_t left = ring_left(t);
	if (left < 0 || (left && sp->il_feeder != t->rec_tid) || left > IL_BUF_SIZE)
		return replay_diverged(s, t, "%lld bytes of buffered syscalls of thread %u were not made before thread %u's were fed",
				       (long long)left, sp->il_feeder, t->rec_tid);
	uint64_t head = sp->il_head, tail = sp->il_head - (uint64_t)left, start = head;
	uint8_t *img = malloc(IL_BUF_SIZE); /* the ring's bytes from start on, written at once */
	if (!img)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->count; i++) {
		const struct trace_bufentry *e = &b->entries[i];
		uint64_t data = 0;
		for (uint32_t j = 0; j < e->nregions; j++)
			data += e->regions[j].len;
		uint32_t len = il_entry_len(data);
		uint64_t off = head & (IL_BUF_SIZE - 1), at = head;
		if (off + len > IL_BUF_SIZE)
			at = head + (IL_BUF_SIZE - off);
		if (data > IL_MAX_ENTRY || at + len - tail > IL_BUF_SIZE) {
			free(img);
			return replay_diverged(s, t, "buffered syscalls that the library's ring cannot have held (entry %u of %u)",
					       i, b->count);
		}
		if (at != head) {
			struct il_entry w = {.nr = IL_NR_WRAP, .length = (uint32_t)(at - head)};
			memcpy(img + (head - start), &w, 8);
		}
		struct il_entry h = {.nr = e->nr, .length = len, .hash = e->args_hash, .data_len = (uint32_t)data,
				     .result = e->result};
		if ((b->flags & BUF_NOTIFY) && i + 1 == b->count)
			h.flags = IL_EF_NOTIFY; /* the library's traced getpid follows, as recorded */
		uint8_t *p = img + (at - start);
		memcpy(p, &h, sizeof h);
		p += sizeof h;
		for (uint32_t j = 0; j < e->nregions; j++) {
			memcpy(p, e->regions[j].data, e->regions[j].len);
			p += e->regions[j].len;
		}
		memset(p, 0, len - sizeof h - data);
		head = at + len;
	}
	uint64_t n = head - start, off = start & (IL_BUF_SIZE - 1), first = n < IL_BUF_SIZE - off ? n : IL_BUF_SIZE - off;
	r = n ? mem_write(t->memfd, IL_BASE + IL_BUF_OFF + off, img, first) : 0;
	if (!r && n > first)
		r = mem_write(t->memfd, IL_BASE + IL_BUF_OFF, img + first, n - first);
	free(img);
	if (r)
		return r;
	/* the library reads head with an acquire load: everything is there */
	if ((r = mem_write(t->memfd, CTL(head), &head, sizeof head)))
		return r;
	sp->il_head = head;
	sp->il_feeder = t->rec_tid;
	return 0;
}

int replay_inproc_check(struct replay_session *s, struct replay_task *t)
{
	struct il_entry e;
	uint64_t tail;
	char want[32], got[256];
	if (!t || !t->alive || !t->space || !t->space->il || t->space->il_feeder != t->rec_tid)
		return 0;
	if (mem_read(t->tid, CTL(tail), &tail, sizeof tail) != sizeof tail || tail == t->space->il_head)
		return 0;
	/* the next entry (past a wrap marker) names the call not made */
	for (int i = 0; i < 2; i++) {
		if (mem_read(t->tid, IL_BASE + IL_BUF_OFF + (tail & (IL_BUF_SIZE - 1)), &e, sizeof e) != sizeof e)
			e.nr = IL_NR_WRAP;
		if (e.nr != IL_NR_WRAP || e.length < 8 || e.length > IL_BUF_SIZE)
			break;
		tail += e.length;
	}
	return replay_diverged(s, t, "expected %s(), got %s (%llu bytes of the recording's buffered calls, from that one, not made before it)",
			       e.nr == IL_NR_WRAP ? "a buffered call" : il_nr_name(e.nr, want), describe_rec(&s->cur.rec, got, sizeof got),
			       (unsigned long long)(t->space->il_head - tail));
}

int replay_inproc_syscall_done(struct replay_session *s, struct replay_task *t, const struct trace_syscall *sc)
{
	struct replay_space *sp = t->space;
	if (!sp || !sp->il || !t->alive)
		return 0;
	il_patches_syscall_forget(&sp->patches, sc->nr, sc->args, sc->result);
	int restart = sc->result == -512 || sc->result == -513 || sc->result == -514 || sc->result == -516;
	if (!sp->patches.n || (restart && sc->nr != SYS_rt_sigreturn))
		return 0;
	return fix_rip(s, t);
}

/* 1 with what the library found in *d if t is stopped at its int3. */
static int at_trap(struct replay_task *t, struct il_diverged *d)
{
	struct user_regs_struct regs;
	return t->space && t->space->il && !regs_get(t->tid, &regs) && regs.rip == t->space->il_trap_ret &&
	       mem_read(t->tid, CTL(diverged), d, sizeof *d) == sizeof *d;
}

int replay_inproc_trap(struct replay_task *t)
{
	struct il_diverged d;
	uint32_t one = 1;
	if (!at_trap(t, &d) || d.kind != IL_DIV_EMPTY)
		return 0;
	/* The call went traced in the recording (the ring was full): its
	 * syscall record follows, which the stop it makes is checked against. */
	memset(&d, 0, sizeof d);
	int r = mem_write(t->memfd, CTL(go_traced), &one, sizeof one);
	if (!r)
		r = mem_write(t->memfd, CTL(diverged), &d, sizeof d);
	return r ? r : 1;
}

const char *replay_inproc_describe(struct replay_task *t, char *buf, size_t n)
{
	struct il_diverged d;
	char a[32], b[32];
	if (!at_trap(t, &d))
		return NULL;
	if (d.kind == IL_DIV_CALL)
		snprintf(buf, n, "%s(), buffered, where the recording's next buffered call is %s() (arguments hash %08x, recorded %08x)",
			 il_nr_name(d.nr, a), il_nr_name(d.found_nr, b), d.hash, d.found_hash);
	else if (d.kind == IL_DIV_ENTRY)
		snprintf(buf, n, "%s(), buffered, and a malformed recorded entry at ring position %llu", il_nr_name(d.nr, a),
			 (unsigned long long)d.tail);
	else
		snprintf(buf, n, "%s(), buffered, with no recorded result left", il_nr_name(d.nr, a));
	return buf;
}

long replay_inproc_trap_call(struct replay_task *t)
{
	struct il_diverged d;
	return at_trap(t, &d) ? (long)d.nr : -1;
}
