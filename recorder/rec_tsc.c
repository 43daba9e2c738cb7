/* rec_tsc.c - rdtsc and rdtscp in rec: the program runs with
 * PR_SET_TSC(PR_TSC_SIGSEGV), so each one faults here, is answered and
 * recorded (a TR_RDTSC record); a site that faults again is patched to
 * call the in-process library, which answers it without a fault and
 * records it in its ring (docs/inprocess.md section 16). With the library
 * the values of the recording come from one function of
 * CLOCK_MONOTONIC_RAW (struct il_tsc) from the first patch of an rdtsc
 * site on, which rec measures then (from a first sample at the first
 * rdtsc): the library cannot run rdtsc itself (it faults; enabling it
 * around one costs two prctl calls, ~8 us in a VM where CR4 writes exit
 * to the hypervisor), and trapped and in-process values must agree. */
#include "rec.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <x86intrin.h>

#include "../common/inproc.h"
#include "../common/ptrace_util.h"

#define CALIBRATE_NS 2000000ull /* the TSC and CLOCK_MONOTONIC_RAW are read at least this far apart */

static uint64_t raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The TSC and CLOCK_MONOTONIC_RAW at one instant: of a few tries, the
 * one whose clock read the fewest cycles apart, the TSC at its middle. */
static void sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t a = __rdtsc(), n = raw_ns(), b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = n;
		}
	}
}

int rec_tsc_calibrate(struct rec_session *s)
{
	struct il_tsc c;
	uint64_t t1, n1;
	if (!s->il_ctl || s->il_ctl->tsc.mult)
		return 0;
	if (!s->tsc_a_ns)
		sample(&s->tsc_a, &s->tsc_a_ns);
	while (raw_ns() < s->tsc_a_ns + CALIBRATE_NS)
		;
	sample(&t1, &n1);
	if (t1 <= s->tsc_a || n1 <= s->tsc_a_ns)
		return -EIO;
	c.base = t1;
	c.ns0 = n1;
	c.mult = (uint64_t)(((unsigned __int128)(t1 - s->tsc_a) << 32) / (n1 - s->tsc_a_ns));
	if (!c.mult)
		return -EIO;
	s->il_ctl->tsc = c;
	for (struct rec_task *t = s->tasks; t; t = t->next) {
		int fd = t->space && t->space->il ? rec_inproc_memfd(t) : -1;
		if (fd >= 0) /* (a process being killed is not told) */
			mem_write(fd, IL_BASE + IL_CTL_OFF + offsetof(struct il_ctl, tsc), &c, sizeof c);
	}
	return 0;
}

/* The value an rdtsc gets now: the TSC itself, until rec calibrates (the
 * first rdtsc takes its first sample), then the function of the clock
 * the library uses too (it starts where the TSC was then, so values never
 * go back). */
static uint64_t tsc_now(struct rec_session *s)
{
	if (!s->il_ctl || !s->il_ctl->tsc.mult) {
		if (s->il_ctl && !s->tsc_a_ns)
			sample(&s->tsc_a, &s->tsc_a_ns);
		return __rdtsc();
	}
	return il_tsc_at(&s->il_ctl->tsc, raw_ns());
}

int rec_tsc_emulate(struct rec_session *s, struct rec_task *t, struct user_regs_struct *r)
{
	uint8_t code[16];
	unsigned id, size;
	long n = mem_read(t->tid, r->rip, code, sizeof code);
	if (n <= 0 || disasm_one(code, (size_t)n, r->rip, &id, &size))
		return 0;
	struct trace_rdtsc rec = {.tid = (uint32_t)t->tid, .rip = r->rip, .insn_len = size};
	if (id == disasm_id_rdtscp()) {
		rec.is_rdtscp = 1;
		__rdtscp(&rec.aux);
	} else if (id != disasm_id_rdtsc()) {
		return 0;
	}
	int ret;
	rec.tsc = tsc_now(s);
	if (rec.is_rdtscp)
		r->rcx = rec.aux;
	r->rax = (uint32_t)rec.tsc;
	r->rdx = rec.tsc >> 32;
	r->rip += size;
	if ((ret = regs_set(t->tid, r)))
		return ret;
	s->nrdtsc++;
	rec_mark(s, t->tid);
	if ((ret = trace_put_rdtsc(&s->w, &rec)))
		return ret;
	/* a site that faults again calls the library from then on */
	if ((ret = rec_inproc_tsc(s, t, rec.rip, r)))
		return ret;
	return 1;
}
