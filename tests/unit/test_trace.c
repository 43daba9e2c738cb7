/* test_trace.c - trace writer and reader: round trips of every record type,
 * many frames, the index frame, and damaged files (cut, flipped, foreign). */
#include "trace_test_util.h"

/* ---- round trips ---- */

static void check_header(const struct trace_header *h)
{
	struct trace_header w;
	sample_header(&w);
	assert_int_equal(h->version, TRACE_VERSION);
	assert_string_equal(h->tool_version, w.tool_version);
	assert_int_equal(h->argc, w.argc);
	for (uint32_t i = 0; i < w.argc; i++)
		assert_string_equal(h->argv[i], w.argv[i]);
	assert_null(h->argv[h->argc]);
	assert_string_equal(h->cwd, w.cwd);
	assert_int_equal(h->envc, w.envc);
	for (uint32_t i = 0; i < w.envc; i++)
		assert_string_equal(h->envp[i], w.envp[i]);
	assert_null(h->envp[h->envc]);
	assert_string_equal(h->sysname, w.sysname);
	assert_string_equal(h->release, w.release);
	assert_string_equal(h->kversion, w.kversion);
	assert_string_equal(h->machine, w.machine);
	assert_string_equal(h->cpu_model, w.cpu_model);
	assert_int_equal(h->ncpuid, w.ncpuid);
	assert_memory_equal(h->cpuid, w.cpuid, w.ncpuid * sizeof *w.cpuid);
	assert_int_equal(h->start_realtime_ns, w.start_realtime_ns);
	assert_int_equal(h->pid, w.pid);
	assert_int_equal(h->ncpus, w.ncpus);
	assert_int_equal(h->chaos, w.chaos);
	assert_int_equal(h->chaos_seed, w.chaos_seed);
}

static void check_syscall(const struct trace_syscall *got, const struct trace_syscall *want)
{
	assert_int_equal(got->tid, want->tid);
	assert_int_equal(got->nr, want->nr);
	assert_int_equal(got->flags, want->flags);
	for (int i = 0; i < 6; i++)
		assert_int_equal(got->args[i], want->args[i]);
	assert_int_equal(got->result, want->result);
	assert_int_equal(got->nregions, want->nregions);
	for (uint32_t i = 0; i < want->nregions; i++) {
		assert_int_equal(got->regions[i].addr, want->regions[i].addr);
		assert_int_equal(got->regions[i].len, want->regions[i].len);
		assert_memory_equal(got->regions[i].data, want->regions[i].data, want->regions[i].len);
	}
	if (!want->nregions)
		assert_null(got->regions);
	assert_int_equal(got->blob.lo, want->blob.lo);
	assert_int_equal(got->blob.hi, want->blob.hi);
	assert_int_equal(got->file_id, want->file_id);
	assert_int_equal(got->datahash, want->datahash);
	assert_int_equal(got->fw_offset, want->fw_offset);
	assert_int_equal(got->fw_len, want->fw_len);
	if (want->fw_len)
		assert_memory_equal(got->fw_data, want->fw_data, want->fw_len);
}

static void next_of(struct trace_reader *r, struct trace_rec *rec, uint32_t type, uint64_t event)
{
	assert_int_equal(trace_next(r, rec), 1);
	assert_int_equal(rec->type, type);
	assert_int_equal(rec->event, event);
}

static void test_roundtrip_all_types(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	assert_int_equal(write_all_types(path), 16);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	check_header(&r.hdr);

	struct trace_file f;
	next_of(&r, &rec, TR_FILE, 1);
	assert_int_equal(trace_get_file(&rec, &f), 0);
	assert_int_equal(f.hash.lo, 0xabcdef);
	assert_int_equal(f.hash.hi, 0x123456);
	assert_string_equal(f.path, "/usr/lib/libfoo.so.1");
	assert_int_equal(f.size, sizeof s_filedata);
	assert_memory_equal(f.data, s_filedata, sizeof s_filedata);

	struct trace_exec e, we;
	sample_exec(&we);
	next_of(&r, &rec, TR_EXEC, 2);
	assert_int_equal(trace_get_exec(&rec, &e), 0);
	assert_int_equal(e.tid, we.tid);
	assert_string_equal(e.path, we.path);
	assert_int_equal(e.start_brk, we.start_brk);
	assert_int_equal(e.sigblocked, we.sigblocked);
	assert_int_equal(e.sigignored, we.sigignored);
	assert_memory_equal(&e.regs, &we.regs, sizeof e.regs);
	assert_int_equal(e.nmaps, we.nmaps);
	for (uint32_t i = 0; i < we.nmaps; i++) {
		const struct trace_map *a = &e.maps[i], *b = &we.maps[i];
		assert_int_equal(a->start, b->start);
		assert_int_equal(a->end, b->end);
		assert_int_equal(a->offset, b->offset);
		assert_int_equal(a->prot, b->prot);
		assert_int_equal(a->flags, b->flags);
		assert_int_equal(a->kind, b->kind);
		assert_int_equal(a->hash.lo, b->hash.lo);
		assert_int_equal(a->hash.hi, b->hash.hi);
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->content_len, b->content_len);
		if (b->content_len)
			assert_memory_equal(a->content, b->content, b->content_len);
	}
	free(e.maps);

	struct trace_syscall sc, want;
	next_of(&r, &rec, TR_SYSCALL, 3);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_regions(&want);
	check_syscall(&sc, &want);
	free(sc.regions);
	next_of(&r, &rec, TR_SYSCALL, 4);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_blob(&want);
	check_syscall(&sc, &want);
	free(sc.regions);
	next_of(&r, &rec, TR_SYSCALL, 5);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_fail(&want);
	check_syscall(&sc, &want);
	free(sc.regions);
	next_of(&r, &rec, TR_SYSCALL, 6);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_datahash(&want);
	check_syscall(&sc, &want);
	free(sc.regions);
	next_of(&r, &rec, TR_SYSCALL, 7);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_shared(&want);
	check_syscall(&sc, &want);
	free(sc.regions);

	struct trace_sysenter se;
	next_of(&r, &rec, TR_SYSENTER, 8);
	assert_int_equal(trace_get_sysenter(&rec, &se), 0);
	assert_int_equal(se.tid, 4243);
	assert_int_equal(se.nr, 202);

	struct trace_newtask nt;
	next_of(&r, &rec, TR_NEWTASK, 9);
	assert_int_equal(trace_get_newtask(&rec, &nt), 0);
	assert_int_equal(nt.parent, 4242);
	assert_int_equal(nt.child, 4244);
	assert_int_equal(nt.flags, 0x3d0f00);
	assert_int_equal(nt.parent_tid_ptr, 0x7ffff7d8a990ull);
	assert_int_equal(nt.child_tid_ptr, 0x7ffff7d8a990ull);

	next_of(&r, &rec, TR_SYSCALL, 10);
	assert_int_equal(trace_get_syscall(&rec, &sc), 0);
	sample_syscall_filewrite(&want);
	check_syscall(&sc, &want);
	free(sc.regions);

	struct trace_signal sg, wsg;
	sample_signal(&wsg);
	next_of(&r, &rec, TR_SIGNAL, 11);
	assert_int_equal(trace_get_signal(&rec, &sg), 0);
	assert_int_equal(sg.tid, wsg.tid);
	assert_int_equal(sg.signo, wsg.signo);
	assert_int_equal(sg.code, wsg.code);
	assert_int_equal(sg.rip, wsg.rip);
	assert_memory_equal(sg.siginfo, wsg.siginfo, sizeof sg.siginfo);

	struct trace_rdtsc rd, wrd;
	sample_rdtsc(&wrd);
	next_of(&r, &rec, TR_RDTSC, 12);
	assert_int_equal(trace_get_rdtsc(&rec, &rd), 0);
	assert_int_equal(rd.tid, wrd.tid);
	assert_int_equal(rd.is_rdtscp, wrd.is_rdtscp);
	assert_int_equal(rd.insn_len, wrd.insn_len);
	assert_int_equal(rd.aux, wrd.aux);
	assert_int_equal(rd.rip, wrd.rip);
	assert_int_equal(rd.tsc, wrd.tsc);

	struct trace_exit x;
	next_of(&r, &rec, TR_EXIT, 13);
	assert_int_equal(trace_get_exit(&rec, &x), 0);
	assert_int_equal(x.tid, 4243);
	assert_int_equal(x.how, EXIT_HOW_EXITED);
	assert_int_equal(x.code, -1);
	next_of(&r, &rec, TR_EXIT, 14);
	assert_int_equal(trace_get_exit(&rec, &x), 0);
	assert_int_equal(x.tid, 4242);
	assert_int_equal(x.how, EXIT_HOW_SIGNALED);
	assert_int_equal(x.code, 9);

	struct trace_end en, wen;
	sample_end(&wen);
	next_of(&r, &rec, TR_END, 15);
	assert_int_equal(trace_get_end(&rec, &en), 0);
	assert_int_equal(en.end_realtime_ns, wen.end_realtime_ns);
	assert_int_equal(en.duration_ns, wen.duration_ns);
	assert_int_equal(en.status, wen.status);
	assert_int_equal(en.flags, wen.flags);
	assert_string_equal(en.reason, wen.reason);

	assert_int_equal(trace_next(&r, &rec), 0);
	assert_int_equal(trace_next(&r, &rec), 0); /* stays at the end */
	assert_int_equal(r.nframes, 1);
	trace_reader_close(&r);
	unlink(path);
}

/* NULL strings are written as "", empty vectors as none. */
static void test_roundtrip_empty_header(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h = {.version = TRACE_VERSION};
	struct trace_end end = {0};
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	assert_int_equal(r.hdr.argc, 0);
	assert_non_null(r.hdr.argv);
	assert_null(r.hdr.argv[0]);
	assert_int_equal(r.hdr.envc, 0);
	assert_string_equal(r.hdr.tool_version, "");
	assert_string_equal(r.hdr.cwd, "");
	assert_string_equal(r.hdr.cpu_model, "");
	assert_int_equal(r.hdr.ncpuid, 0);
	next_of(&r, &rec, TR_END, 1);
	struct trace_end e;
	assert_int_equal(trace_get_end(&rec, &e), 0);
	assert_string_equal(e.reason, "");
	assert_int_equal(trace_next(&r, &rec), 0);
	trace_reader_close(&r);
	unlink(path);
}

/* An existing file is kept when excl is set, replaced when not. */
static void test_writer_excl(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	tmp_path(path);
	write_file(path, "x", 1);
	assert_int_equal(trace_writer_open(&w, path, 1), -EEXIST);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	char bad[160];
	snprintf(bad, sizeof bad, "%s/no/such/dir/t.lz4", tmpdir);
	assert_int_equal(trace_writer_open(&w, bad, 0), -ENOENT);
	unlink(path);
}

/* ---- many frames and the index ---- */

#define MF_FRAMES 12
#define MF_PER_FRAME 40
#define MF_MAX 512

struct multi {
	size_t frame_end[MF_MAX]; /* file offset after each data frame */
	uint64_t events_after[MF_MAX];
	int nframes;
	size_t index_off;
	uint64_t events;
};

/* Notes a frame the writer finished (by trace_flush or on its own timer). */
static void note_frames(struct trace_writer *w, struct multi *m)
{
	if (w->nframes == (uint32_t)m->nframes)
		return;
	assert_int_equal(w->nframes, m->nframes + 1);
	assert_true(m->nframes < MF_MAX);
	m->frame_end[m->nframes] = w->file_bytes;
	m->events_after[m->nframes++] = w->events;
}

/* Header and end in frames of their own, MF_FRAMES frames of syscalls
 * between (more if the writer's timer flushes on a slow machine). */
static void write_multi(const char *path, struct multi *m)
{
	struct trace_writer w;
	struct trace_header h;
	uint8_t data[200];
	memset(m, 0, sizeof *m);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	note_frames(&w, m);
	assert_int_equal(trace_flush(&w), 0);
	note_frames(&w, m);
	uint64_t k = 0;
	for (int f = 0; f < MF_FRAMES; f++) {
		for (int i = 0; i < MF_PER_FRAME; i++, k++) {
			struct trace_region reg = {0x10000 + k * 256, (uint32_t)(k % 200), data};
			struct trace_syscall s = {.tid = 100, .nr = 0, .args = {k, 0x10000 + k * 256, 200},
						  .result = (int64_t)(k % 200), .nregions = 1, .regions = &reg};
			memset(data, (int)k, sizeof data);
			data[0] = (uint8_t)(k * 31);
			assert_int_equal(trace_put_syscall(&w, &s), 0);
			note_frames(&w, m);
		}
		assert_int_equal(trace_flush(&w), 0);
		note_frames(&w, m);
	}
	struct trace_end end = {.status = 0, .reason = "done"};
	assert_int_equal(trace_put_end(&w, &end), 0);
	note_frames(&w, m);
	assert_int_equal(trace_flush(&w), 0);
	note_frames(&w, m);
	assert_int_equal(trace_flush(&w), 0); /* nothing pending: no empty frame */
	assert_int_equal(w.nframes, m->nframes);
	assert_true(m->nframes >= MF_FRAMES + 2);
	m->index_off = w.file_bytes;
	m->events = w.events;
	assert_int_equal(trace_writer_close(&w), 0);
}

/* Writes the many-frames trace at a fresh path and opens it in r. */
static void open_multi(char *path, struct multi *m, struct trace_reader *r)
{
	tmp_path(path);
	write_multi(path, m);
	assert_int_equal(trace_reader_open(r, path), 0);
	check_header(&r->hdr);
}

static void test_many_frames(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	struct trace_reader r;
	struct trace_rec rec;
	open_multi(path, &m, &r);
	uint64_t k = 0;
	int n;
	while ((n = trace_next(&r, &rec)) > 0 && rec.type == TR_SYSCALL) {
		struct trace_syscall s;
		assert_int_equal(rec.event, k + 1);
		assert_int_equal(trace_get_syscall(&rec, &s), 0);
		assert_int_equal(s.args[0], k);
		assert_int_equal(s.nregions, 1);
		assert_int_equal(s.regions[0].addr, 0x10000 + k * 256);
		assert_int_equal(s.regions[0].len, k % 200);
		if (s.regions[0].len)
			assert_int_equal(s.regions[0].data[0], (uint8_t)(k * 31));
		for (uint32_t i = 1; i < s.regions[0].len; i++)
			assert_int_equal(s.regions[0].data[i], (uint8_t)k);
		free(s.regions);
		k++;
	}
	assert_int_equal(k, MF_FRAMES * MF_PER_FRAME);
	assert_int_equal(n, 1);
	assert_int_equal(rec.type, TR_END);
	assert_int_equal(rec.event, m.events - 1);
	assert_int_equal(trace_next(&r, &rec), 0);
	assert_int_equal(r.nframes, m.nframes);
	assert_true(r.raw_bytes > 0);
	trace_reader_close(&r);
	unlink(path);
}

/* A mark taken anywhere (mid-frame, at a frame's end) brings the reader
 * back there: the same records follow, checked as before (frame records'
 * sequence and hash chain), to the end. */
static void test_mark_seek(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	struct trace_reader r;
	struct trace_rec rec;
	open_multi(path, &m, &r);
	const uint64_t at[] = {1, MF_PER_FRAME / 2, MF_PER_FRAME, 3 * MF_PER_FRAME + 7};
	struct trace_mark mk[4];
	uint64_t k = 0;
	for (int i = 0; i < 4; i++) {
		while (k < at[i]) {
			assert_int_equal(trace_next(&r, &rec), 1);
			k++;
		}
		assert_int_equal(trace_reader_mark(&r, &mk[i]), 0);
	}
	for (int i = 3; i >= 0; i--) {
		assert_int_equal(trace_reader_seek(&r, &mk[i]), 0);
		struct trace_syscall s;
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(rec.event, at[i] + 1);
		assert_int_equal(trace_get_syscall(&rec, &s), 0);
		assert_int_equal(s.args[0], at[i]);
		free(s.regions);
		int n;
		while ((n = trace_next(&r, &rec)) > 0 && rec.type == TR_SYSCALL)
			;
		assert_int_equal(n, 1);
		assert_int_equal(rec.type, TR_END);
		assert_int_equal(trace_next(&r, &rec), 0);
	}
	for (int i = 0; i < 4; i++)
		trace_mark_free(&mk[i]);
	trace_reader_close(&r);
	unlink(path);
}

/* A recording of more than TRACE_INDEX_MAX frames gets no index (rec
 * would keep 16 bytes per frame in memory to the end): the file ends with
 * its last frame, which the reader reads as ever. */
static void test_index_capped(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	struct trace_reader r;
	struct trace_rec rec;
	size_t n;
	tmp_path(path);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	for (uint32_t f = 0; f <= TRACE_INDEX_MAX; f++) {
		struct trace_syscall s = {.tid = 100, .nr = 39, .result = f};
		assert_int_equal(trace_put_syscall(&w, &s), 0);
		assert_int_equal(trace_flush(&w), 0);
	}
	struct trace_end end = {.status = 0, .reason = "done"};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_flush(&w), 0);
	assert_true(w.nframes > TRACE_INDEX_MAX);
	uint64_t frames_end = w.file_bytes;
	assert_int_equal(trace_writer_close(&w), 0);
	uint8_t *p = read_whole(path, &n);
	assert_int_equal(n, frames_end); /* no index after the frames */
	free(p);
	assert_int_equal(trace_reader_open(&r, path), 0);
	uint64_t seen = 0;
	int k;
	while ((k = trace_next(&r, &rec)) > 0 && rec.type != TR_END)
		seen += rec.type == TR_SYSCALL;
	assert_int_equal(k, 1);
	assert_int_equal(trace_next(&r, &rec), 0);
	assert_int_equal(seen, (uint64_t)TRACE_INDEX_MAX + 1);
	trace_reader_close(&r);
	unlink(path);
}

/* The index frame at the end lists every frame's offset and first event,
 * and the reader passes over it (and over any other skippable frame). */
static void test_index_frame(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	size_t n;
	tmp_path(path);
	write_multi(path, &m);
	uint8_t *p = read_whole(path, &n);
	assert_true(n > m.index_off + 20);
	const uint8_t *ix = p + m.index_off;
	uint32_t magic, size, nframes;
	memcpy(&magic, ix, 4);
	memcpy(&size, ix + 4, 4);
	assert_int_equal(magic, TRACE_INDEX_MAGIC);
	assert_int_equal(size, n - m.index_off - 8);
	assert_memory_equal(ix + 8, "HXINDEX1", 8);
	memcpy(&nframes, ix + 16, 4);
	assert_int_equal(nframes, m.nframes);
	assert_int_equal(size, 12 + 16 * nframes);
	for (uint32_t i = 0; i < nframes; i++) {
		uint64_t off, first;
		memcpy(&off, ix + 20 + 16 * i, 8);
		memcpy(&first, ix + 28 + 16 * i, 8);
		assert_int_equal(off, i ? m.frame_end[i - 1] : 0);
		assert_int_equal(first, i ? m.events_after[i - 1] : 0);
	}

	/* A foreign skippable frame between two frames is passed over too. */
	struct buf b = {0};
	buf_put(&b, p, m.frame_end[2]);
	buf_u32(&b, 0x184D2A50u);
	buf_u32(&b, 5);
	buf_put(&b, "skip!", 5);
	buf_u32(&b, 0x184D2A5Fu);
	buf_u32(&b, 0);
	buf_put(&b, p + m.frame_end[2], n - m.frame_end[2]);
	struct scan s;
	scan_bytes(b.p, b.len, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, m.events - 1);
	assert_int_equal(s.decode_errs, 0);

	/* Without the index the trace still reads completely. */
	scan_bytes(p, m.index_off, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, m.events - 1);

	/* A skippable frame whose size runs past the end is a truncation. */
	b.len = 0;
	buf_put(&b, p, m.index_off);
	buf_u32(&b, TRACE_INDEX_MAGIC);
	buf_u32(&b, 1000);
	buf_put(&b, "HXINDEX1", 8);
	scan_bytes(b.p, b.len, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, -TRE_TRUNC);
	buf_free(&b);
	free(p);
	unlink(path);
}

/* Reads the trace in bytes p[0..n) to its end or first error; returns the
 * error (0 at a clean end), stores the records read and the message. */
static int read_to_end(const char *path, const uint8_t *p, size_t n, uint64_t *nrec, char *err, size_t errn)
{
	struct trace_reader r;
	struct trace_rec rec;
	write_file(path, p, n);
	int ret = trace_reader_open(&r, path);
	*nrec = 0;
	while (!ret && trace_next(&r, &rec) > 0)
		++*nrec;
	if (!ret)
		ret = trace_next(&r, &rec);
	snprintf(err, errn, "%s", r.err);
	trace_reader_close(&r);
	return ret;
}

/* Frames dropped, repeated or swapped, or taken from another recording,
 * make the trace corrupt at that frame: the frame records chain them. */
static void test_frame_order(void **state)
{
	(void)state;
	char path[128], path2[128], err[256];
	struct multi m;
	size_t n, n2;
	uint64_t nrec;
	tmp_path(path);
	write_multi(path, &m);
	uint8_t *p = read_whole(path, &n);
	/* frame i spans [start(i), m.frame_end[i]); the index follows the last */
#define START(i) ((i) ? m.frame_end[(i) - 1] : 0)
#define PUT(i) buf_put(&b, p + START(i), m.frame_end[i] - START(i))
	struct buf b = {0};
	int last = m.nframes - 1;
	assert_true(last >= 4);

	/* as written: a clean end */
	assert_int_equal(read_to_end(path, p, n, &nrec, err, sizeof err), 0);
	assert_int_equal(nrec, m.events - 1);

	for (int i = 1; i < last; i++) {
		/* frame i dropped: the records before it are read, then the error */
		b.len = 0;
		for (int j = 0; j <= last; j++)
			if (j != i)
				PUT(j);
		assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), -TRE_CORRUPT);
		assert_int_equal(nrec, m.events_after[i - 1] - 1);
		char want[64];
		snprintf(want, sizeof want, "frame %d missing", i);
		if (!strstr(err, want))
			fail_msg("dropped frame %d: %s", i, err);

		/* frame i twice */
		b.len = 0;
		for (int j = 0; j <= last; j++) {
			PUT(j);
			if (j == i)
				PUT(j);
		}
		assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), -TRE_CORRUPT);
		assert_int_equal(nrec, m.events_after[i] - 1);
		if (!strstr(err, "again or out of order"))
			fail_msg("repeated frame %d: %s", i, err);

		/* frames i and i+1 swapped */
		b.len = 0;
		for (int j = 0; j <= last; j++)
			PUT(j == i ? i + 1 : j == i + 1 ? i : j);
		assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), -TRE_CORRUPT);
		assert_int_equal(nrec, m.events_after[i - 1] - 1);
		snprintf(want, sizeof want, "frame %d missing", i);
		if (!strstr(err, want))
			fail_msg("swapped frame %d: %s", i, err);
	}

	/* the last frame (with the end record) dropped: with the index after
	 * it, corrupt; without an index it looks like an interrupted recording */
	b.len = 0;
	for (int j = 0; j < last; j++)
		PUT(j);
	buf_put(&b, p + m.index_off, n - m.index_off);
	assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), -TRE_CORRUPT);
	assert_non_null(strstr(err, "index"));
	assert_int_equal(read_to_end(path, b.p, m.frame_end[last - 1], &nrec, err, sizeof err), -TRE_TRUNC);

	/* a frame of another recording, in the right place and with the right
	 * number: its chain hash differs (the other trace's records differ) */
	struct trace_writer w;
	struct trace_header h;
	sample_header(&h);
	h.pid = 4343;
	tmp_path(path2);
	assert_int_equal(trace_writer_open(&w, path2, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_flush(&w), 0);
	size_t other_frame0 = w.file_bytes;
	struct trace_exit x = {100, EXIT_HOW_EXITED, 0};
	assert_int_equal(trace_put_exit(&w, &x), 0);
	assert_int_equal(trace_flush(&w), 0);
	size_t other_frame1 = w.file_bytes;
	assert_int_equal(trace_writer_close(&w), 0);
	uint8_t *p2 = read_whole(path2, &n2);
	b.len = 0;
	PUT(0);
	buf_put(&b, p2 + other_frame0, other_frame1 - other_frame0);
	assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), -TRE_CORRUPT);
	assert_int_equal(nrec, 0);
	assert_non_null(strstr(err, "frame 1 at byte"));
	assert_non_null(strstr(err, "does not continue"));

	/* all records in one frame (lz4 -dc | lz4): the frame records are
	 * mid-frame now, and still chain */
	struct buf raw = {0};
	raw_records(p, n, &raw);
	b.len = 0;
	put_frame(&b, raw.p, raw.len);
	assert_int_equal(read_to_end(path, b.p, b.len, &nrec, err, sizeof err), 0);
	assert_int_equal(nrec, m.events - 1);
#undef START
#undef PUT
	buf_free(&raw);
	buf_free(&b);
	free(p);
	free(p2);
	unlink(path);
	unlink(path2);
}

/* A file larger than a chunk is stored in several file records, in order;
 * a record over TRACE_RECORD_MAX is refused (-EFBIG) without spoiling the
 * trace: the records after it are written and read back. */
static void test_big_records(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	size_t fsize = (size_t)TRACE_FILE_CHUNK + 5, big = (size_t)TRACE_RECORD_MAX + 1;
	uint8_t *fdata = mmap(NULL, fsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *bdata = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fdata != MAP_FAILED && bdata != MAP_FAILED);
	memcpy(fdata, "first", 5);
	memcpy(fdata + fsize - 5, "last!", 5);
	sample_header(&h);
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	struct trace_file f = {{7, 8}, "/big", fsize, fdata, 0, 0, 0, NULL, 0};
	assert_int_equal(trace_put_file(&w, &f), 0);
	struct trace_region reg = {0x10000, (uint32_t)big, bdata};
	struct trace_syscall sc = {.tid = 9, .nr = 0, .result = (int64_t)big, .nregions = 1, .regions = &reg};
	assert_int_equal(trace_put_syscall(&w, &sc), -EFBIG);
	assert_int_equal(w.err, 0);
	struct trace_exit x = {9, EXIT_HOW_EXITED, 0};
	assert_int_equal(trace_put_exit(&w, &x), 0);
	struct trace_end end = {0};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	uint64_t want_off[] = {0, TRACE_FILE_CHUNK};
	for (int i = 0; i < 2; i++) {
		next_of(&r, &rec, TR_FILE, 1 + (uint64_t)i);
		assert_int_equal(trace_get_file(&rec, &f), 0);
		assert_int_equal(f.size, fsize);
		assert_int_equal(f.offset, want_off[i]);
		assert_int_equal(f.len, i ? 5 : TRACE_FILE_CHUNK);
		assert_memory_equal(f.data, i ? "last!" : "first", 5);
		assert_string_equal(f.path, "/big");
	}
	next_of(&r, &rec, TR_EXIT, 3);
	next_of(&r, &rec, TR_END, 4);
	assert_int_equal(trace_next(&r, &rec), 0);
	assert_true(r.nframes >= 3); /* each chunk over the frame target ends its frame */
	trace_reader_close(&r);
	munmap(fdata, fsize);
	munmap(bdata, big);
	unlink(path);
}

/* A sparse file (format 9): its data extents only, in chunks, then an
 * empty record at its end, since a hole ends it; the decoder takes that
 * record (len 0 at offset == size) and still refuses an empty chunk
 * elsewhere. */
static void test_sparse_file(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	const uint64_t size = 1ull << 40; /* never touched but where the extents are */
	uint8_t *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(data != MAP_FAILED);
	memcpy(data + 4096, "one", 3);
	memcpy(data + size / 2, "two", 3);
	const struct trace_extent ext[] = {{4096, 4096}, {size / 2, TRACE_FILE_CHUNK + 8192}};
	sample_header(&h);
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	struct trace_file f = {{3, 4}, "/sparse", size, data, 0, 0, 0, ext, 2};
	assert_int_equal(trace_put_file(&w, &f), 0);
	struct trace_end end = {0};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	const uint64_t off[] = {4096, size / 2, size / 2 + TRACE_FILE_CHUNK, size};
	const uint64_t len[] = {4096, TRACE_FILE_CHUNK, 8192, 0};
	for (int i = 0; i < 4; i++) {
		next_of(&r, &rec, TR_FILE, 1 + (uint64_t)i);
		assert_int_equal(trace_get_file(&rec, &f), 0);
		assert_int_equal(f.size, size);
		assert_int_equal(f.offset, off[i]);
		assert_int_equal(f.len, len[i]);
		if (i < 2)
			assert_memory_equal(f.data, i ? "two" : "one", 3);
	}
	next_of(&r, &rec, TR_END, 5);
	trace_reader_close(&r);
	/* an empty chunk not at the end is corrupt */
	for (int at_end = 0; at_end < 2; at_end++) {
		struct buf b = {0};
		buf_u64(&b, 3);
		buf_u64(&b, 4);
		buf_str(&b, "/x");
		buf_u64(&b, size);
		buf_u64(&b, at_end ? size : 4096);
		buf_u64(&b, 0);
		struct trace_rec bad = {.type = TR_FILE, .data = b.p, .len = (uint32_t)b.len};
		if (at_end)
			assert_int_equal(trace_get_file(&bad, &f), 0);
		else
			assert_int_not_equal(trace_get_file(&bad, &f), 0);
		buf_free(&b);
	}
	munmap(data, size);
	unlink(path);
}

/* Syscall numbers outside 0..65535 (syscall(-1), the x32 bit, bits the
 * kernel ignores above the low 32) come back exactly (SCF_WIDE_NR, set
 * by the writer alone); a record with the flag and a number that fits
 * the u16, or the u16 not 65535, is corrupt. */
static void test_wide_nr(void **state)
{
	(void)state;
	const int64_t nrs[] = {0, 511, 65535, 65536, -1, -1000, 0x40000000 + 1000, 0x1000003e8, INT64_MIN};
	const size_t n = sizeof nrs / sizeof nrs[0];
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	sample_header(&h);
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	for (size_t i = 0; i < n; i++) {
		struct trace_syscall sc = {.tid = 9, .nr = nrs[i], .result = -38, .args = {1, 2, 3, 4, 5, 6}};
		if (i == 1)
			sc.flags = SCF_WIDE_NR; /* not the caller's to set: dropped for a small number */
		assert_int_equal(trace_put_syscall(&w, &sc), 0);
	}
	struct trace_end end = {0};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);

	struct trace_reader r;
	struct trace_rec rec;
	struct trace_syscall sc;
	assert_int_equal(trace_reader_open(&r, path), 0);
	for (size_t i = 0; i < n; i++) {
		next_of(&r, &rec, TR_SYSCALL, 1 + (uint64_t)i);
		assert_int_equal(trace_get_syscall(&rec, &sc), 0);
		assert_int_equal(sc.nr, nrs[i]);
		assert_int_equal(sc.flags, nrs[i] < 0 || nrs[i] > 65535 ? SCF_WIDE_NR : 0);
		assert_int_equal(sc.result, -38);
		assert_int_equal(sc.args[5], 6);
		if (i == 4) {
			/* syscall(-1)'s record, damaged: the u16 nr, then the wide nr */
			uint8_t raw[128];
			assert_true(rec.len <= sizeof raw);
			memcpy(raw, rec.data, rec.len);
			struct trace_rec bad = rec;
			bad.data = raw;
			raw[4] = 39; /* u16 nr not 65535 */
			assert_int_equal(trace_get_syscall(&bad, &sc), -TRE_CORRUPT);
			raw[4] = 0xff;
			memset(raw + rec.len - 8, 0, 8); /* wide nr 0: fits the u16 */
			assert_int_equal(trace_get_syscall(&bad, &sc), -TRE_CORRUPT);
		}
	}
	next_of(&r, &rec, TR_END, 1 + n);
	trace_reader_close(&r);
	unlink(path);
}

/* A trace of an older format version is refused with its own message. */
static void test_old_version(void **state)
{
	(void)state;
	char path[128];
	struct buf raw = {0}, recs = {0}, file = {0};
	tmp_path(path);
	buf_put(&raw, TRACE_MAGIC, 8);
	buf_u32(&raw, 1);
	buf_str(&raw, "0.1.0");
	raw_rec(&recs, TR_HEADER, raw.p, (uint32_t)raw.len);
	put_frame(&file, recs.p, recs.len);
	write_file(path, file.p, file.len);
	struct trace_reader r;
	assert_int_equal(trace_reader_open(&r, path), -TRE_VERSION);
	assert_non_null(strstr(r.err, "trace format version 1 is older than this replay supports"));
	trace_reader_close(&r);
	assert_int_equal(trace_err_exit(-TRE_VERSION), EXIT_VERSION);
	buf_free(&raw);
	buf_free(&recs);
	buf_free(&file);
	unlink(path);
}

/* ---- damaged files ---- */

/* Every cut gives a clean error; the records of the frames before the cut
 * are all still read. */
static void test_truncated_everywhere(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	size_t n;
	tmp_path(path);
	write_multi(path, &m);
	uint8_t *p = read_whole(path, &n);
	for (size_t cut = 0; cut < n; cut++) {
		struct scan s;
		scan_bytes(p, cut, &s);
		if (cut < m.frame_end[0]) {
			/* The header frame is incomplete: not a usable trace. */
			if (cut < 4)
				assert_int_equal(s.open_ret, -TRE_NOTTRACE);
			else if (s.open_ret != -TRE_CORRUPT)
				fail_msg("cut at %zu: open gave %d", cut, s.open_ret);
			continue;
		}
		if (s.open_ret != 0)
			fail_msg("cut at %zu: open gave %d", cut, s.open_ret);
		assert_int_equal(s.decode_errs, 0);
		if (cut >= m.index_off) {
			/* All data frames are there; only the index is cut. */
			assert_int_equal(s.nrec, m.events - 1);
			if (cut == m.index_off)
				assert_int_equal(s.next_ret, 0);
			else
				assert_int_equal(s.next_ret, -TRE_TRUNC);
			continue;
		}
		int k = 0;
		while (k + 1 < m.nframes && m.frame_end[k + 1] <= cut)
			k++;
		if (s.next_ret != -TRE_TRUNC)
			fail_msg("cut at %zu (frame %d): trace_next gave %d", cut, k + 1, s.next_ret);
		if (s.nrec != m.events_after[k] - 1)
			fail_msg("cut at %zu: read %llu records, want %llu", cut, (unsigned long long)s.nrec,
				 (unsigned long long)(m.events_after[k] - 1));
		/* The error sticks: asking again does not yield more records. */
		assert_true(s.again_ret < 0);
	}
	free(p);
	unlink(path);
}

/* A record bigger than an LZ4 block makes a frame of several blocks: a
 * cut or a flip in a later block must not let the earlier blocks' records
 * out, now or on a later call. */
static void test_multiblock_frame(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	size_t big = 900 * 1024, n;
	uint8_t *data = malloc(big);
	assert_non_null(data);
	fill(data, big, 99);
	for (size_t i = 0; i < big; i += 2)
		data[i] = 0; /* compressible, but not trivially */
	sample_header(&h);
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_flush(&w), 0);
	size_t frame1 = w.file_bytes;
	struct trace_exit x = {1, EXIT_HOW_EXITED, 0};
	assert_int_equal(trace_put_exit(&w, &x), 0);
	struct trace_file f = {{1, 2}, "/big", big, data, 0, 0, 0, NULL, 0};
	assert_int_equal(trace_put_file(&w, &f), 0); /* flushes: over the frame target */
	size_t frame2 = w.file_bytes;
	assert_true(frame2 > frame1);
	struct trace_end end = {0};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	uint8_t *p = read_whole(path, &n);

	struct scan s;
	scan_bytes(p, n, &s);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, 3);
	assert_int_equal(s.decode_errs, 0);
	for (size_t cut = frame1 + 1; cut < frame2; cut += 997) {
		scan_bytes(p, cut, &s);
		assert_int_equal(s.open_ret, 0);
		assert_int_equal(s.next_ret, -TRE_TRUNC);
		assert_int_equal(s.nrec, 0);
		assert_int_equal(s.again_ret, -TRE_TRUNC);
	}
	for (size_t off = frame1 + 4; off < frame2; off += 1013) {
		p[off] ^= 0x20;
		scan_bytes(p, n, &s);
		p[off] ^= 0x20;
		assert_int_equal(s.open_ret, 0);
		assert_int_equal(s.next_ret, -TRE_CORRUPT);
		assert_int_equal(s.nrec, 0);
		assert_int_equal(s.again_ret, -TRE_CORRUPT);
	}
	/* the end mark at the frame's end (the check frame covers it) */
	for (size_t off = frame2 - 4; off < frame2; off++) {
		p[off] ^= 0x01;
		scan_bytes(p, n, &s);
		p[off] ^= 0x01;
		assert_int_equal(s.next_ret, -TRE_CORRUPT);
		assert_int_equal(s.nrec, 0);
		assert_int_equal(s.again_ret, -TRE_CORRUPT);
	}
	free(p);
	free(data);
	unlink(path);
}

/* Frames stored uncompressed (the level of a nearly full queue), from a
 * mapped file's content (the frame's ext) of several blocks: read back
 * byte for byte, every flip in them found by the check frame, and the LZ4
 * frame without its check frame refused (it has no checksum of its own). */
static void test_stored_frames(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	size_t big = 900 * 1024, n;
	uint8_t *want = malloc(big);
	uint8_t *data = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_non_null(want);
	assert_true(data != MAP_FAILED);
	fill(want, big, 7);
	memcpy(data, want, big);
	sample_header(&h);
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	w.prefs.compressionLevel = TRACE_STORE_LEVEL;
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_flush(&w), 0);
	size_t frame1 = w.file_bytes;
	struct trace_file f = {{1, 2}, "/big", big, data, 0, 0, 1, NULL, 0};
	assert_int_equal(trace_put_file(&w, &f), 0); /* a chunk, mapped: flushed as the frame's ext */
	size_t frame2 = w.file_bytes;
	assert_true(frame2 - frame1 > big); /* stored: larger than the data */
	struct trace_end end = {0};
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	uint8_t *p = read_whole(path, &n);
	uint32_t magic;
	memcpy(&magic, p + frame1, 4);
	assert_int_equal(magic, TRACE_CHECK_MAGIC);
	assert_int_equal(p[frame1 + TRACE_CHECK_SIZE + 4], 0x60); /* FLG: no checksums */

	struct trace_reader r;
	struct trace_rec rec;
	struct trace_file got;
	size_t at = 0;
	assert_int_equal(trace_reader_open(&r, path), 0);
	while (trace_next(&r, &rec) == 1 && rec.type == TR_FILE) {
		assert_int_equal(trace_get_file(&rec, &got), 0);
		assert_int_equal(got.offset, at);
		assert_memory_equal(got.data, want + at, got.len);
		at += got.len;
	}
	assert_int_equal(at, big);
	assert_int_equal(rec.type, TR_END);
	trace_reader_close(&r);

	struct scan s;
	for (size_t off = frame1; off < frame2; off += 1013) {
		p[off] ^= 0x01;
		scan_bytes(p, n, &s);
		p[off] ^= 0x01;
		assert_int_equal(s.open_ret, 0);
		assert_int_equal(s.next_ret, -TRE_CORRUPT);
		assert_int_equal(s.nrec, 0);
		assert_int_equal(s.again_ret, -TRE_CORRUPT);
	}
	/* the check frame dropped: the LZ4 frame alone is refused */
	memmove(p + frame1, p + frame1 + TRACE_CHECK_SIZE, n - frame1 - TRACE_CHECK_SIZE);
	write_file(path, p, n - TRACE_CHECK_SIZE);
	assert_int_equal(trace_reader_open(&r, path), 0);
	assert_int_equal(trace_next(&r, &rec), -TRE_CORRUPT);
	assert_non_null(strstr(r.err, "has no checksum"));
	trace_reader_close(&r);
	free(p);
	free(want);
	unlink(path);
}

static void test_flipped_bytes(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	size_t n;
	tmp_path(path);
	write_multi(path, &m);
	uint8_t *p = read_whole(path, &n);
	static const uint8_t masks[] = {0xff, 0x01};
	for (size_t off = 0; off < n; off++) {
		for (size_t k = 0; k < sizeof masks; k++) {
			struct scan s;
			p[off] ^= masks[k];
			scan_bytes(p, n, &s);
			p[off] ^= masks[k];
			if (off >= m.index_off)
				continue; /* index damage may go unnoticed: nothing reads it */
			if (s.open_ret == 0 && s.next_ret == 0)
				fail_msg("byte %zu ^ 0x%02x: no error (%llu records, %llu decode errors)", off,
					 masks[k], (unsigned long long)s.nrec, (unsigned long long)s.decode_errs);
			if (s.open_ret == 0) {
				assert_true(s.next_ret == -TRE_CORRUPT || s.next_ret == -TRE_TRUNC);
				assert_true(s.again_ret < 0);
			} else {
				assert_true(s.open_ret == -TRE_CORRUPT || s.open_ret == -TRE_TRUNC ||
					    s.open_ret == -TRE_NOTTRACE || s.open_ret == -TRE_VERSION);
			}
		}
	}
	free(p);
	unlink(path);
}

/* Random multi-byte damage of a small trace of every type. */
static void test_random_damage(void **state)
{
	(void)state;
	char path[128];
	size_t n;
	tmp_path(path);
	write_all_types(path);
	uint8_t *p = read_whole(path, &n);
	uint8_t *q = malloc(n);
	assert_non_null(q);
	uint32_t seed = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(q, p, n);
		int flips = 1 + iter % 8;
		for (int i = 0; i < flips; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			q[off] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		size_t len = iter % 3 == 0 ? (seed >> 8) % (n + 1) : n;
		struct scan s;
		scan_bytes(q, len, &s);
	}
	free(q);
	free(p);
	unlink(path);
}

static void test_future_version(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {0};
	sample_header(&h);
	h.version = TRACE_VERSION + 1;
	tmp_path(path);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	struct trace_reader r;
	assert_int_equal(trace_reader_open(&r, path), -TRE_VERSION);
	assert_int_equal(r.hdr.version, TRACE_VERSION + 1);
	assert_non_null(strstr(r.err, "version"));
	trace_reader_close(&r);
	assert_int_equal(trace_err_exit(-TRE_VERSION), EXIT_VERSION);

	/* A future version whose header layout we cannot parse is still a version error. */
	struct buf raw = {0}, file = {0};
	buf_put(&raw, TRACE_MAGIC, 8);
	buf_u32(&raw, 0xffffffffu);
	buf_put(&raw, "something else entirely", 23);
	struct buf recs = {0};
	raw_rec(&recs, TR_HEADER, raw.p, (uint32_t)raw.len);
	put_frame(&file, recs.p, recs.len);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_VERSION);
	trace_reader_close(&r);
	buf_free(&raw);
	buf_free(&recs);
	buf_free(&file);
	unlink(path);
}

static void test_not_traces(void **state)
{
	(void)state;
	char path[128];
	struct trace_reader r;
	tmp_path(path);

	/* missing */
	assert_int_equal(trace_reader_open(&r, path), -ENOENT);
	assert_non_null(strstr(r.err, path));
	trace_reader_close(&r);
	assert_int_equal(trace_err_exit(-ENOENT), EXIT_NOTRACE);

	/* a directory, a device, a FIFO without a writer (must not block) */
	assert_int_equal(trace_reader_open(&r, tmpdir), -TRE_NOTTRACE);
	trace_reader_close(&r);
	assert_int_equal(trace_reader_open(&r, "/dev/null"), -TRE_NOTTRACE);
	trace_reader_close(&r);
	char fifo[160];
	snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	assert_int_equal(trace_reader_open(&r, fifo), -TRE_NOTTRACE);
	alarm(600);
	trace_reader_close(&r);
	unlink(fifo);

	/* empty, tiny, text, the LZ4 magic alone, random bytes */
	static const struct {
		const char *data;
		size_t len;
	} cases[] = {
		{"", 0},
		{"\x04", 1},
		{"\x04\x22\x4d", 3},
		{"hello, world\nthis is not a trace\n", 33},
		{"\x04\x22\x4d\x18", 4},
		{"\x04\x22\x4d\x18\x64\x40", 6},
		{"\x04\x22\x4d\x18\x64\x40\xa7\x00\x00\x00\x00", 11},
		{"\x5e\x2a\x4d\x18\x00\x00\x00\x00", 8},
		{"\x28\xb5\x2f\xfd\x00\x00\x00\x00\x00\x00\x00\x00", 12},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(path, cases[i].data, cases[i].len);
		int ret = trace_reader_open(&r, path);
		assert_true(r.err[0] != 0);
		trace_reader_close(&r);
		if (i < 4 || i >= 7)
			assert_int_equal(ret, -TRE_NOTTRACE);
		else
			assert_true(ret == -TRE_CORRUPT || ret == -TRE_TRUNC || ret == -TRE_NOTTRACE);
		assert_true(trace_err_exit(ret) >= EXIT_NOTRACE && trace_err_exit(ret) <= EXIT_TRUNCATED);
	}
	unlink(path);
}

/* Valid LZ4 frames whose records are not a trace's. */
static void test_frames_without_header(void **state)
{
	(void)state;
	char path[128];
	struct trace_reader r;
	struct buf recs = {0}, file = {0};
	tmp_path(path);

	/* an END record first */
	struct buf e = {0};
	buf_u64(&e, 1);
	buf_u64(&e, 2);
	buf_u32(&e, 0);
	buf_u32(&e, 0);
	buf_str(&e, "");
	raw_rec(&recs, TR_END, e.p, (uint32_t)e.len);
	put_frame(&file, recs.p, recs.len);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_CORRUPT);
	trace_reader_close(&r);

	/* an empty frame, then nothing */
	file.len = 0;
	put_frame(&file, "", 0);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_CORRUPT);
	trace_reader_close(&r);

	/* a frame of text */
	file.len = 0;
	put_frame(&file, "hello world, this is not a record", 33);
	write_file(path, file.p, file.len);
	assert_true(trace_reader_open(&r, path) < 0);
	trace_reader_close(&r);

	/* a header record with the wrong magic */
	recs.len = 0;
	file.len = 0;
	raw_rec(&recs, TR_HEADER, "HEISENTX\x01\x00\x00\x00", 12);
	put_frame(&file, recs.p, recs.len);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_NOTTRACE);
	trace_reader_close(&r);

	/* a header record too short for its magic */
	recs.len = 0;
	file.len = 0;
	raw_rec(&recs, TR_HEADER, "HEIS", 4);
	put_frame(&file, recs.p, recs.len);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_NOTTRACE);
	trace_reader_close(&r);

	/* a record header cut by the frame's end */
	file.len = 0;
	put_frame(&file, "\x01\x00\x00\x00\x10", 5);
	write_file(path, file.p, file.len);
	assert_int_equal(trace_reader_open(&r, path), -TRE_CORRUPT);
	trace_reader_close(&r);

	buf_free(&e);
	buf_free(&recs);
	buf_free(&file);
	unlink(path);
}

/* Record-level structure errors inside checksummed frames. */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_roundtrip_empty_header),
		cmocka_unit_test(test_writer_excl),
		cmocka_unit_test(test_many_frames),
		cmocka_unit_test(test_mark_seek),
		cmocka_unit_test(test_index_frame),
		cmocka_unit_test(test_frame_order),
		cmocka_unit_test(test_old_version),
		cmocka_unit_test(test_big_records),
		cmocka_unit_test(test_wide_nr),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_multiblock_frame),
		cmocka_unit_test(test_stored_frames),
		cmocka_unit_test(test_index_capped),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_sparse_file),
		cmocka_unit_test(test_not_traces),
		cmocka_unit_test(test_frames_without_header),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
