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
long il_sys_untraced(long nr, const uint64_t args[6]);
void il_trap(void);

/* What il_main returns to entry.S: rax and rdx. */
struct il_ret {
	int64_t result;
	uint64_t action;
};
struct il_ret il_main(long nr, const uint64_t args[6]);

/* The compiler may call these for struct copies. */
void *memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	char *d = dst;
	while (n--)
		*d++ = (char)c;
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

/* Total region bytes of call c with args and result. */
static uint64_t regions_len(const struct il_call *c, const uint64_t args[6], int64_t result)
{
	uint64_t n = 0;
	for (int i = 0; i < 3; i++)
		n += il_out_len(&c->out[i], args, result);
	return n;
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

static struct il_ret record(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6])
{
	struct il_ret r = {0, IL_ACT_TRACED};
	uint64_t bound = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t b = il_out_bound(&c->out[i], args);
		if (b > IL_MAX_ENTRY)
			return r;
		bound += b;
	}
	if (il_entry_len(bound) > IL_MAX_ENTRY)
		return r;
	uint64_t head = ctl->head, tail = __atomic_load_n(&ctl->tail, __ATOMIC_ACQUIRE);
	uint64_t at = reserve(head, tail, il_entry_len(bound));
	if (at == UINT64_MAX)
		return r;

	r.result = il_sys_untraced(nr, args);
	r.action = IL_ACT_RETURN;
	if (at != head) {
		struct il_entry *w = il_ring_at(ring(), head);
		w->nr = IL_NR_WRAP;
		w->flags = 0;
		w->length = (uint32_t)(at - head);
	}
	struct il_entry *e = il_ring_at(ring(), at);
	char *p = (char *)(e + 1);
	for (int i = 0; i < 3; i++) {
		uint64_t n = il_out_len(&c->out[i], args, r.result);
		if (n)
			memcpy(p, (const void *)args[c->out[i].a], n);
		p += n;
	}
	e->nr = (uint16_t)nr;
	e->flags = 0;
	e->length = il_entry_len((uint64_t)(p - (char *)(e + 1)));
	e->hash = il_args_hash(args, c->nargs);
	e->data_len = (uint32_t)(p - (char *)(e + 1));
	e->result = r.result;
	__atomic_store_n(&ctl->head, at + e->length, __ATOMIC_RELEASE);
	ctl->done++;
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

static struct il_ret replay(struct il_ctl *ctl, const struct il_call *c, long nr, const uint64_t args[6])
{
	uint32_t hash = il_args_hash(args, c->nargs);
	for (;;) {
		uint64_t tail = ctl->tail, head = __atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE);
		if (tail == head) {
			if (ctl->go_traced) {
				ctl->go_traced = 0;
				return (struct il_ret){0, IL_ACT_TRACED};
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
		if (e->nr != nr || e->hash != hash) {
			trap(ctl, IL_DIV_CALL, nr, hash, e, tail);
			continue;
		}
		if (il_entry_len(regions_len(c, args, e->result)) != e->length) {
			trap(ctl, IL_DIV_ENTRY, nr, hash, e, tail);
			continue;
		}
		const char *p = (const char *)(e + 1);
		for (int i = 0; i < 3; i++) {
			uint64_t n = il_out_len(&c->out[i], args, e->result);
			if (n)
				memcpy((void *)args[c->out[i].a], p, n);
			p += n;
		}
		struct il_ret r = {e->result, e->flags & IL_EF_NOTIFY ? IL_ACT_NOTIFY : IL_ACT_RETURN};
		__atomic_store_n(&ctl->tail, tail + e->length, __ATOMIC_RELEASE);
		ctl->done++;
		return r;
	}
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
