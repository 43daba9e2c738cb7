/* replay_info.c - `replay --info` (a summary) and `replay --dump` (every event). */
#include "replay.h"

#include "../common/inproc.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sched.h>

static void print_time(const char *label, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("%-12s %s\n", label, buf);
}

/* Prints a string from the trace on stdout, escaped (str_escape): a
 * crafted trace sends no control byte to the terminal. */
static void put_esc(const char *str)
{
	size_t n = strlen(str) * 4 + 1;
	char *e = malloc(n);
	if (!e) {
		fputs("?", stdout);
		return;
	}
	fputs(str_escape(str, e, n), stdout);
	free(e);
}

int replay_rec_ok(const struct trace_rec *rec)
{
	union {
		struct trace_file f;
		struct trace_exec e;
		struct trace_syscall sc;
		struct trace_signal sg;
		struct trace_rdtsc rd;
		struct trace_exit x;
		struct trace_end end;
		struct trace_sysenter se;
		struct trace_newtask nt;
		struct trace_preempt pr;
		struct trace_site si;
		struct trace_sigframe sf;
		struct trace_inproc ip;
		struct trace_patch pa;
		struct trace_buffer bf;
	} u;
	int r = -TRE_CORRUPT;
	switch (rec->type) {
	case TR_FILE: r = trace_get_file(rec, &u.f); break;
	case TR_EXEC: r = trace_get_exec(rec, &u.e); if (!r) free(u.e.maps); break;
	case TR_SYSCALL: r = trace_get_syscall(rec, &u.sc); if (!r) free(u.sc.regions); break;
	case TR_SIGNAL: r = trace_get_signal(rec, &u.sg); break;
	case TR_RDTSC: r = trace_get_rdtsc(rec, &u.rd); break;
	case TR_EXIT: r = trace_get_exit(rec, &u.x); break;
	case TR_END: r = trace_get_end(rec, &u.end); break;
	case TR_SYSENTER: r = trace_get_sysenter(rec, &u.se); break;
	case TR_NEWTASK: r = trace_get_newtask(rec, &u.nt); break;
	case TR_PREEMPT: r = trace_get_preempt(rec, &u.pr); break;
	case TR_SITE: r = trace_get_site(rec, &u.si); break;
	case TR_SIGFRAME: r = trace_get_sigframe(rec, &u.sf); break;
	case TR_INPROC: r = trace_get_inproc(rec, &u.ip); break;
	case TR_PATCH: r = trace_get_patch(rec, &u.pa); break;
	case TR_BUFFER: r = trace_get_buffer(rec, &u.bf); trace_buffer_free(&u.bf); break;
	}
	return r == 0;
}

static void json_str(const char *str);

/* --info --json: the summary as one JSON object. */
static void info_json(const struct trace_header *h, const struct trace_end *end, const uint64_t nnew[2],
		      uint64_t nsysenter, const uint64_t npre[2])
{
	printf("{\"command\":[");
	for (uint32_t i = 0; i < h->argc; i++) {
		if (i)
			putchar(',');
		json_str(h->argv[i]);
	}
	printf("],\"cwd\":");
	json_str(h->cwd);
	printf(",\"trace_format\":%u,\"chaos\":%s,\"chaos_seed\":%" PRIu64, h->version, h->chaos ? "true" : "false",
	       h->chaos_seed);
	if (end) {
		printf(",\"exit\":%d,\"duration_ns\":%" PRIu64 ",\"recording_failed\":%s", end->status,
		       end->duration_ns, (end->flags & END_FAILED) ? "true" : "false");
		if (end->flags & END_FAILED) {
			printf(",\"note\":");
			json_str(end->reason);
		}
	}
	printf(",\"threads\":%" PRIu64 ",\"processes\":%" PRIu64, nnew[0] + nnew[1] + 1, nnew[1] + 1);
	printf(",\"switches\":{\"syscalls\":%" PRIu64 ",\"counted\":%" PRIu64 ",\"state_matched\":%" PRIu64 "}}\n",
	       nsysenter, npre[1], npre[0]);
}

/* Reads the rest of the trace; returns 0 or the reader error. */
int replay_info(struct replay_session *s)
{
	struct trace_header *h = &s->r.hdr;
	struct trace_rec rec;
	uint64_t counts[TR_TYPE_MAX + 1] = {0}, sc_counts[SC_MAX] = {0}, file_bytes = 0, nbuffered = 0;
	uint64_t sc_unknown = 0; /* numbers the table lacks (recorded as ENOSYS) */
	uint32_t threads[64], nthreads = 0;
	uint64_t nnew[2] = {0, 0}, npre[3] = {0, 0, 0};
	struct trace_end end = {0};
	int r, have_end = 0, json = s->opt->json;
	if (json)
		goto records;
	printf("%-12s", "command");
	for (uint32_t i = 0; i < h->argc; i++) {
		putchar(' ');
		put_esc(h->argv[i]);
	}
	printf("\n%-12s ", "cwd");
	put_esc(h->cwd);
	printf("\n%-12s ", "host");
	put_esc(h->sysname);
	putchar(' ');
	put_esc(h->release);
	fputs(" (", stdout);
	put_esc(h->machine);
	printf(")\n%-12s ", "kernel");
	put_esc(h->kversion);
	printf("\n%-12s ", "cpu");
	put_esc(h->cpu_model);
	printf(", %u CPUs\n%-12s heisen ", h->ncpus, "recorder");
	put_esc(h->tool_version);
	printf(", trace format %u\n", h->version);
	print_time("recorded", h->start_realtime_ns);
	if (h->chaos)
		printf("%-12s seed %" PRIu64 " (rec --chaos --seed %" PRIu64 " records this schedule policy again)\n",
		       "chaos", h->chaos_seed, h->chaos_seed);
	printf("files:\n");
records:
	while ((r = trace_next(&s->r, &rec)) > 0) {
		counts[rec.type]++;
		if (!replay_rec_ok(&rec)) {
			snprintf(s->r.err, sizeof s->r.err, "trace corrupt: bad %s record at event %llu",
				 trace_type_name(rec.type), (unsigned long long)rec.event);
			r = -TRE_CORRUPT;
			break;
		}
		if (rec.type == TR_FILE) {
			struct trace_file f;
			if (!trace_get_file(&rec, &f) && f.offset == 0 && !json) {
				printf("  %10" PRIu64 "  ", f.size);
				put_esc(f.path);
				putchar('\n');
				file_bytes += f.size;
			}
			counts[TR_FILE] -= f.offset != 0; /* a file in chunks counts once */
		} else if (rec.type == TR_SYSCALL) {
			struct trace_syscall sc;
			if (!trace_get_syscall(&rec, &sc)) {
				if (sc_lookup((long)sc.nr))
					sc_counts[sc.nr]++;
				else
					sc_unknown++;
				int known = 0;
				for (uint32_t i = 0; i < nthreads; i++)
					known |= threads[i] == sc.tid;
				if (!known && nthreads < 64)
					threads[nthreads++] = sc.tid;
				free(sc.regions);
			}
		} else if (rec.type == TR_BUFFER) {
			struct trace_buffer bf;
			if (!trace_get_buffer(&rec, &bf))
				for (uint32_t i = 0; i < bf.count; i++, nbuffered++)
					sc_counts[bf.entries[i].nr < SC_MAX ? bf.entries[i].nr : 0]++;
			trace_buffer_free(&bf);
		} else if (rec.type == TR_END) {
			have_end = !trace_get_end(&rec, &end);
		} else if (rec.type == TR_NEWTASK) {
			struct trace_newtask n;
			if (!trace_get_newtask(&rec, &n))
				nnew[(n.flags & CLONE_THREAD) ? 0 : 1]++;
		} else if (rec.type == TR_PREEMPT) {
			struct trace_preempt p;
			if (!trace_get_preempt(&rec, &p))
				npre[p.kind]++;
		}
	}
	if (json) {
		info_json(h, have_end ? &end : NULL, nnew, counts[TR_SYSENTER], npre);
		goto out;
	}
	printf("%-12s %" PRIu64 " (%" PRIu64 " bytes)\n", "files stored", counts[TR_FILE], file_bytes);
	if (have_end) {
		printf("%-12s %.3f s\n", "duration", (double)end.duration_ns / 1e9);
		if (end.status > 128)
			printf("%-12s killed by SIG%s (status %d)\n", "exit", sigabbrev_np(end.status - 128) ?: "?",
			       end.status);
		else
			printf("%-12s %d\n", "exit", end.status);
		if (end.flags & END_FAILED) {
			printf("%-12s recording failed: ", "note");
			put_esc(end.reason);
			putchar('\n');
		}
	}
	printf("%-12s %" PRIu64 " (%" PRIu64 " created), processes %" PRIu64 " (%" PRIu64 " created)\n", "threads",
	       nnew[0] + nnew[1] + 1, nnew[0], nnew[1] + 1, nnew[1]);
	printf("%-12s at syscalls %" PRIu64 ", at sites %" PRIu64 ", counted %" PRIu64 ", state-matched %" PRIu64 "\n",
	       "switches", counts[TR_SYSENTER], npre[PREEMPT_SITE], npre[PREEMPT_COUNTED], npre[PREEMPT_STATE]);
	printf("events:\n");
	for (int t = TR_EXEC; t <= TR_TYPE_MAX; t++)
		if (t != TR_END)
			printf("  %-10s %" PRIu64 "\n", trace_type_name((uint32_t)t), counts[t]);
	printf("%-12s %" PRIu64 " syscalls recorded inside the program (in the buffer records)\n", "buffered", nbuffered);
	printf("syscalls:    (traced and buffered)\n");
	for (int i = 0; i < SC_MAX; i++)
		if (sc_counts[i])
			printf("  %-20s %" PRIu64 "\n", sc_lookup(i) ? sc_lookup(i)->name : "?", sc_counts[i]);
	if (sc_unknown)
		printf("  %-20s %" PRIu64 "\n", "(numbers unknown)", sc_unknown);
	struct stat st;
	if (!fstat(s->r.fd, &st))
		printf("%-12s %lld bytes compressed, %" PRIu64 " raw (%.1fx), %u frames\n", "size",
		       (long long)st.st_size, s->r.raw_bytes, st.st_size ? (double)s->r.raw_bytes / (double)st.st_size : 0.0,
		       s->r.nframes);
out:
	if (r < 0) {
		fflush(stdout);
		msg("%s", s->r.err);
		return trace_err_exit(r);
	}
	return 0;
}

/* A JSON string: controls as \n, \t, \r or \u00XX, a byte that is not
 * UTF-8 as \u00XX of its value; the output stays valid JSON and ASCII
 * controls never reach the terminal raw. */
static void json_str(const char *str)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)str; *p;) {
		size_t k = str_printable(p);
		const char *nm = strchr("\n\t\r", *p);
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (k)
			fwrite(p, 1, k, stdout);
		else if (nm)
			printf("\\%c", "ntr"[nm - "\n\t\r"]);
		else
			printf("\\u%04x", *p);
		p += k ? k : 1;
	}
	putchar('"');
}

/* A buffer record: its count, then one line per entry (text) or an
 * array of entries (JSON). */
static void dump_buffer(const struct trace_rec *rec, int json)
{
	struct trace_buffer bf;
	if (trace_get_buffer(rec, &bf))
		return;
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < bf.count; i++)
		for (uint32_t k = 0; k < bf.entries[i].nregions; k++)
			bytes += bf.entries[i].regions[k].len;
	if (json)
		printf(",\"tid\":%u,\"count\":%u,\"notify\":%s,\"bytes\":%" PRIu64 ",\"entries\":[", bf.tid, bf.count,
		       bf.flags & BUF_NOTIFY ? "true" : "false", bytes);
	else
		printf(" tid %u: %u buffered syscalls, %" PRIu64 " bytes%s", bf.tid, bf.count, bytes,
		       bf.flags & BUF_NOTIFY ? ", then a stop for rec" : "");
	for (uint32_t i = 0; i < bf.count; i++) {
		const struct trace_bufentry *e = &bf.entries[i];
		char buf[32];
		const char *name = il_nr_name(e->nr, buf);
		uint64_t eb = 0;
		for (uint32_t k = 0; k < e->nregions; k++)
			eb += e->regions[k].len;
		if (json) {
			printf("%s{\"nr\":%u,\"call\":", i ? "," : "", e->nr);
			json_str(name);
			printf(",\"result\":%" PRId64 ",\"args_hash\":%u,\"regions\":%u,\"bytes\":%" PRIu64 "}", e->result,
			       e->args_hash, e->nregions, eb);
		} else {
			printf("\n%8s  %-8s   %s = %" PRId64, "", "", name, e->result);
			if (e->nregions)
				printf("  [%u regions, %" PRIu64 " bytes]", e->nregions, eb);
		}
	}
	if (json)
		putchar(']');
	trace_buffer_free(&bf);
}

static void dump_one(struct replay_session *s, const struct trace_rec *rec)
{
	int json = s->opt->json;
	char buf[512];
	if (json)
		printf("{\"event\":%" PRIu64 ",\"type\":\"%s\"", rec->event, trace_type_name(rec->type));
	else
		printf("%8" PRIu64 "  %-8s", rec->event, trace_type_name(rec->type));
	switch (rec->type) {
	case TR_FILE: {
		struct trace_file f;
		if (trace_get_file(rec, &f))
			break;
		if (json) {
			printf(",\"path\":");
			json_str(f.path);
			printf(",\"size\":%" PRIu64 ",\"hash\":\"%016" PRIx64 "%016" PRIx64 "\"", f.size, f.hash.hi, f.hash.lo);
			if (f.len != f.size)
				printf(",\"offset\":%" PRIu64 ",\"len\":%" PRIu64, f.offset, f.len);
		} else {
			putchar(' ');
			put_esc(f.path);
			printf(" (%" PRIu64 " bytes)", f.size);
			if (f.len != f.size)
				printf(" bytes %" PRIu64 " to %" PRIu64, f.offset, f.offset + f.len);
		}
		break;
	}
	case TR_EXEC: {
		struct trace_exec e;
		if (trace_get_exec(rec, &e))
			break;
		if (json) {
			printf(",\"tid\":%u,\"path\":", e.tid);
			json_str(e.path);
			printf(",\"maps\":%u,\"rip\":%llu", e.nmaps, e.regs.rip);
		} else {
			printf(" tid %u ", e.tid);
			put_esc(e.path);
			printf(", %u mappings, entry %#llx", e.nmaps, e.regs.rip);
		}
		free(e.maps);
		break;
	}
	case TR_SYSCALL: {
		struct trace_syscall sc;
		if (trace_get_syscall(rec, &sc))
			break;
		uint64_t bytes = 0;
		for (uint32_t i = 0; i < sc.nregions; i++)
			bytes += sc.regions[i].len;
		replay_fmt_syscall(sc.nr, sc.args, buf, sizeof buf);
		if (json) {
			printf(",\"tid\":%u,\"nr\":%lld,\"call\":", sc.tid, (long long)sc.nr);
			json_str(buf);
			printf(",\"result\":%" PRId64 ",\"regions\":%u,\"bytes\":%" PRIu64 "", sc.result, sc.nregions, bytes);
			if (sc.flags & SCF_NOT_RUN)
				printf(",\"filter\":\"%s\"", sc.flags & SCF_KILL ? "kill" : "answered");
		} else {
			printf(" tid %u %s = %" PRId64, sc.tid, buf, sc.result);
			if (sc.nregions)
				printf("  [%u regions, %" PRIu64 " bytes]", sc.nregions, bytes);
			if (sc.flags & SCF_NOT_RUN) /* (the program's seccomp filter) */
				printf(sc.flags & SCF_KILL ? "  [not run: its filter killed the %s]" : "  [not run: its filter answered]",
				       sc.result == 0 ? "thread" : "process");
		}
		free(sc.regions);
		break;
	}
	case TR_SIGNAL: {
		struct trace_signal sg;
		if (trace_get_signal(rec, &sg))
			break;
		printf(json ? ",\"tid\":%u,\"signo\":%u,\"code\":%d,\"rip\":%" PRIu64 : " tid %u signal %u code %d at %#" PRIx64,
		       sg.tid, sg.signo, sg.code, sg.rip);
		break;
	}
	case TR_SIGFRAME: {
		struct trace_sigframe sf;
		if (trace_get_sigframe(rec, &sf))
			break;
		if (json)
			printf(",\"tid\":%u,\"signo\":%u,\"addr\":%" PRIu64 ",\"len\":%u", sf.tid, sf.signo, sf.addr, sf.len);
		else
			printf(" tid %u enters its SIG%s handler, frame at %#" PRIx64 " (%u bytes)", sf.tid,
			       sigabbrev_np((int)sf.signo) ?: "?", sf.addr, sf.len);
		break;
	}
	case TR_RDTSC: {
		struct trace_rdtsc rd;
		if (trace_get_rdtsc(rec, &rd))
			break;
		printf(json ? ",\"tid\":%u,\"rip\":%" PRIu64 ",\"tsc\":%" PRIu64 : " tid %u at %#" PRIx64 " tsc %" PRIu64,
		       rd.tid, rd.rip, rd.tsc);
		break;
	}
	case TR_EXIT: {
		struct trace_exit x;
		if (trace_get_exit(rec, &x))
			break;
		printf(json ? ",\"tid\":%u,\"how\":%u,\"code\":%d" : " tid %u how %u code %d", x.tid, x.how, x.code);
		break;
	}
	case TR_SYSENTER: {
		struct trace_sysenter e;
		if (!trace_get_sysenter(rec, &e))
			printf(json ? ",\"tid\":%u,\"nr\":%u" : " tid %u enters syscall %u", e.tid, e.nr);
		break;
	}
	case TR_NEWTASK: {
		struct trace_newtask n;
		if (!trace_get_newtask(rec, &n))
			printf(json ? ",\"parent\":%u,\"child\":%u,\"flags\":%" PRIu64 : " tid %u creates %u (flags %#" PRIx64 ")",
			       n.parent, n.child, n.flags);
		break;
	}
	case TR_PREEMPT: {
		struct trace_preempt p;
		if (trace_get_preempt(rec, &p))
			break;
		if (json)
			printf(",\"tid\":%u,\"kind\":\"%s\",\"rip\":%llu,\"addr\":%" PRIu64 ",\"count\":%" PRIu64
			       ",\"words\":%u", p.tid, p.kind == PREEMPT_SITE ? "site" : p.kind ? "counted" : "state", p.regs.rip,
			       p.addr, p.count, p.nwords);
		else if (p.kind == PREEMPT_COUNTED)
			printf(" tid %u counted: execution %" PRIu64 " of %#" PRIx64, p.tid, p.count, p.addr);
		else if (p.kind == PREEMPT_SITE)
			printf(" tid %u at a site: execution %" PRIu64 " of the sites of page %#" PRIx64 " (rip %#llx)", p.tid,
			       p.count, p.addr, p.regs.rip);
		else {
			printf(" tid %u state-matched at %#llx (%u filter words", p.tid, p.regs.rip, p.nwords);
			for (uint32_t i = 0; i < p.nwords; i++)
				printf("%s%#" PRIx64 "=%#" PRIx64, i ? ", " : ": ", p.words[i].addr, p.words[i].val);
			printf(")");
		}
		break;
	}
	case TR_SITE: {
		struct trace_site si;
		if (trace_get_site(rec, &si))
			break;
		printf(json ? ",\"tid\":%u,\"addr\":%" PRIu64 ",\"page\":%" PRIu64 ",\"len\":%u,\"loop\":%s"
			    : " tid %u makes %#" PRIx64 " a counting site (page %#" PRIx64 ", %u bytes%s)",
		       si.tid, si.addr, si.page, si.len,
		       json ? (si.flags & SITE_LOOP ? "true" : "false") : si.flags & SITE_LOOP ? ", its loop in the slot" : "");
		break;
	}
	case TR_INPROC: {
		struct trace_inproc ip;
		if (!trace_get_inproc(rec, &ip))
			printf(json ? ",\"tid\":%u,\"base\":%" PRIu64 ",\"version\":%u"
				    : " tid %u has the in-process library at %#" PRIx64 " (version %u)",
			       ip.tid, ip.base, ip.version);
		break;
	}
	case TR_PATCH: {
		struct trace_patch pa;
		int tsc;
		if (trace_get_patch(rec, &pa))
			break;
		if (json)
			printf(",\"tid\":%u,\"addr\":%" PRIu64 ",\"len\":%u,\"page\":%" PRIu64 ",\"slot\":%u,\"code\":\"",
			       pa.tid, pa.addr, pa.len, pa.page, pa.slot);
		else
			printf(" tid %u patches the %s site %#" PRIx64 " (%u bytes) to slot %#" PRIx64 "+%#x, code ", pa.tid,
			       (il_site_insn(pa.code, pa.len, pa.addr, &tsc), tsc) ? "rdtsc" : "syscall",
			       pa.addr, pa.len, pa.page, pa.slot);
		for (uint32_t i = 0; i < pa.len; i++)
			printf("%02x", pa.code[i]);
		if (json)
			putchar('"');
		break;
	}
	case TR_BUFFER:
		dump_buffer(rec, json);
		break;
	case TR_END: {
		struct trace_end e;
		if (trace_get_end(rec, &e))
			break;
		printf(json ? ",\"status\":%d,\"duration_ns\":%" PRIu64 : " status %d after %" PRIu64 " ns", e.status,
		       e.duration_ns);
		break;
	}
	}
	printf(json ? "}\n" : "\n");
}

/* Lists every event after the header. */
int replay_dump(struct replay_session *s)
{
	struct trace_rec rec;
	int r;
	while ((r = trace_next(&s->r, &rec)) > 0) {
		if (!replay_rec_ok(&rec)) {
			snprintf(s->r.err, sizeof s->r.err, "trace corrupt: bad %s record at event %llu",
				 trace_type_name(rec.type), (unsigned long long)rec.event);
			r = -TRE_CORRUPT;
			break;
		}
		dump_one(s, &rec);
	}
	if (r < 0) {
		fflush(stdout);
		msg("%s", s->r.err);
		return trace_err_exit(r);
	}
	return 0;
}
