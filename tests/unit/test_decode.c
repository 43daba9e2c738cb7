/* test_decode.c - record decoders: bad record structure, every prefix of
 * every record, invalid field values, names and the bounds-checked cursor. */
#include "trace_test_util.h"

static void test_bad_record_structure(void **state)
{
	(void)state;
	char path[128];
	size_t n;
	tmp_path(path);
	uint64_t nall = write_all_types(path);
	uint8_t *p = read_whole(path, &n);
	struct buf raw = {0};
	raw_records(p, n, &raw);
	free(p);

	/* Split the raw stream into records. */
	size_t off[64], len[64], nrec = 0;
	for (size_t o = 0; o < raw.len; nrec++) {
		uint32_t l;
		memcpy(&l, raw.p + o + 4, 4);
		off[nrec] = o;
		len[nrec] = 8 + l;
		o += 8 + l;
	}
	assert_int_equal(nrec, nall);

	struct buf b = {0}, file = {0};
	struct scan s;
#define REBUILD(...)                                   \
	do {                                           \
		b.len = 0;                             \
		file.len = 0;                          \
		__VA_ARGS__;                           \
		put_frame(&file, b.p, b.len);          \
		scan_bytes(file.p, file.len, &s);      \
	} while (0)
#define COPY(i) buf_put(&b, raw.p + off[i], len[i])

	/* as written */
	REBUILD(for (size_t i = 0; i < nrec; i++) COPY(i));
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, nall - 1);
	assert_int_equal(s.decode_errs, 0);

	/* no END record: truncated */
	REBUILD(for (size_t i = 0; i + 1 < nrec; i++) COPY(i));
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, -TRE_TRUNC);
	assert_int_equal(s.nrec, nall - 2);

	/* a record after END */
	REBUILD(for (size_t i = 0; i < nrec; i++) COPY(i); COPY(3));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	assert_int_equal(s.nrec, nall - 1);

	/* a second header */
	REBUILD(COPY(0); COPY(1); COPY(0); COPY(nrec - 1));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	assert_int_equal(s.nrec, 1);

	/* unknown record types */
	static const uint32_t types[] = {0, TR_TYPE_MAX + 1, 0xffffffffu};
	for (size_t t = 0; t < 3; t++) {
		REBUILD(COPY(0); buf_u32(&b, types[t]); buf_u32(&b, 0); COPY(nrec - 1));
		assert_int_equal(s.open_ret, 0);
		assert_int_equal(s.next_ret, -TRE_CORRUPT);
		assert_int_equal(s.nrec, 0);
	}

	/* a record longer than its frame */
	REBUILD(COPY(0); buf_u32(&b, TR_RDTSC); buf_u32(&b, 1000); buf_put(&b, "abcd", 4));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	REBUILD(COPY(0); buf_u32(&b, TR_RDTSC); buf_u32(&b, 0xffffffffu));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	REBUILD(COPY(0); buf_u32(&b, TR_RDTSC); buf_u32(&b, 0xfffffff8u));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);

	/* a record cut by its frame's end (its 8-byte header incomplete) */
	REBUILD(COPY(0); buf_put(&b, raw.p + off[1], 5));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);

	/* a record that spans two frames */
	b.len = 0;
	file.len = 0;
	COPY(0);
	buf_put(&b, raw.p + off[1], 20);
	put_frame(&file, b.p, b.len);
	put_frame(&file, raw.p + off[1] + 20, len[1] - 20);
	b.len = 0;
	for (size_t i = 2; i < nrec; i++)
		COPY(i);
	put_frame(&file, b.p, b.len);
	scan_bytes(file.p, file.len, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	assert_int_equal(s.nrec, 0);

	/* an empty frame in the middle is harmless; a frame that does not
	 * start with its frame record is corrupt */
	for (int with_frame_rec = 0; with_frame_rec < 2; with_frame_rec++) {
		b.len = 0;
		file.len = 0;
		COPY(0);
		put_frame(&file, b.p, b.len);
		put_frame(&file, "", 0);
		uint64_t fr[4] = {1, 1, 0, XXH3_64bits(raw.p + off[0], len[0])};
		b.len = 0;
		if (with_frame_rec)
			raw_rec(&b, TR_FRAME, fr, sizeof fr);
		for (size_t i = 1; i < nrec; i++)
			COPY(i);
		put_frame(&file, b.p, b.len);
		scan_bytes(file.p, file.len, &s);
		assert_int_equal(s.open_ret, 0);
		assert_int_equal(s.next_ret, with_frame_rec ? 0 : -TRE_CORRUPT);
		assert_int_equal(s.nrec, with_frame_rec ? nall - 1 : 0);
	}

	/* a second trace concatenated after the first */
	REBUILD(for (size_t i = 0; i < nrec; i++) COPY(i); for (size_t i = 0; i < nrec; i++) COPY(i));
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	assert_int_equal(s.nrec, nall - 1);

	/* garbage after the last frame */
	REBUILD(for (size_t i = 0; i < nrec; i++) COPY(i));
	buf_put(&file, "\0\0\0\0\0\0\0\0junk", 12);
	scan_bytes(file.p, file.len, &s);
	assert_int_equal(s.next_ret, -TRE_CORRUPT);
	file.len -= 9;
	scan_bytes(file.p, file.len, &s); /* 3 bytes left: a partial frame */
	assert_int_equal(s.next_ret, -TRE_TRUNC);
#undef COPY
#undef REBUILD
	buf_free(&b);
	buf_free(&file);
	buf_free(&raw);
	unlink(path);
}

/* Each payload decodes only whole: every strict prefix and any extra byte
 * is an error, never an over-read (payloads are copied to exact-size
 * allocations so a sanitizer build catches one). */
static void test_decode_prefixes(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	uint64_t nall = write_all_types(path);
	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	struct scan s;
	memset(&s, 0, sizeof s);
	uint64_t nrec = 0;
	/* the header record is read by trace_reader_open: rebuild it from the frame */
	uint32_t hlen;
	memcpy(&hlen, r.frame.p + 4, 4);
	uint8_t *hcopy = malloc(hlen);
	memcpy(hcopy, r.frame.p + 8, hlen);
	struct trace_rec hrec = {TR_HEADER, 0, hcopy, hlen, 0};
	for (int i = 0;; i++) {
		struct trace_rec cur;
		if (i == 0)
			cur = hrec;
		else if (trace_next(&r, &rec) > 0)
			cur = rec;
		else
			break;
		nrec++;
		uint8_t *copy = malloc(cur.len + 1);
		assert_non_null(copy);
		memcpy(copy, cur.data, cur.len);
		struct trace_rec t = cur;
		for (uint32_t l = 0; l < cur.len; l++) {
			uint8_t *exact = malloc(l ? l : 1);
			memcpy(exact, copy, l);
			t.data = exact;
			t.len = l;
			uint64_t before = s.decode_errs;
			decode_any(&t, &s);
			if (s.decode_errs != before + 1)
				fail_msg("%s record: prefix of %u of %u bytes decoded", trace_type_name(cur.type), l,
					 cur.len);
			free(exact);
		}
		/* one byte too many */
		copy[cur.len] = 0;
		t.data = copy;
		t.len = cur.len + 1;
		uint64_t before = s.decode_errs;
		decode_any(&t, &s);
		assert_int_equal(s.decode_errs, before + 1);
		/* whole */
		t.len = cur.len;
		decode_any(&t, &s);
		assert_int_equal(s.decode_errs, before + 1);
		free(copy);
	}
	assert_int_equal(nrec, nall);
	free(hcopy);
	trace_reader_close(&r);
	unlink(path);
}

static void put_hash(struct buf *b, uint64_t lo, uint64_t hi)
{
	buf_u64(b, lo);
	buf_u64(b, hi);
}

static int decode_buf(uint32_t type, struct buf *b)
{
	struct trace_rec rec = {type, 1, b->p, (uint32_t)b->len, 0};
	struct scan s;
	memset(&s, 0, sizeof s);
	decode_any(&rec, &s);
	return s.decode_errs ? -1 : 0;
}

/* Field values the decoders refuse. */
static void test_decode_invalid_fields(void **state)
{
	(void)state;
	struct buf b = {0};

	/* signal numbers 1..64 only */
	static const uint32_t signos[] = {0, 1, 64, 65, 0xffffffffu};
	for (size_t i = 0; i < 5; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, signos[i]);
		buf_u32(&b, 0);
		buf_u64(&b, 0);
		uint8_t si[128] = {0};
		buf_put(&b, si, 128);
		assert_int_equal(decode_buf(TR_SIGNAL, &b), (signos[i] >= 1 && signos[i] <= 64) ? 0 : -1);
	}

	/* a signal frame: a signal 1..64, 1..TRACE_SIGFRAME_MAX bytes, all there */
	static const struct { uint32_t signo, len, have; int ok; } frames[] = {
		{10, 16, 16, 1}, {64, TRACE_SIGFRAME_MAX, TRACE_SIGFRAME_MAX, 1}, {0, 16, 16, 0}, {65, 16, 16, 0},
		{10, 0, 0, 0}, {10, TRACE_SIGFRAME_MAX + 1, TRACE_SIGFRAME_MAX + 1, 0}, {10, 16, 15, 0}, {10, 16, 17, 0}};
	static uint8_t fbytes[TRACE_SIGFRAME_MAX + 1];
	for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, frames[i].signo);
		buf_u64(&b, 0x7ffff000);
		buf_u32(&b, frames[i].len);
		buf_put(&b, fbytes, frames[i].have);
		assert_int_equal(decode_buf(TR_SIGFRAME, &b), frames[i].ok ? 0 : -1);
	}

	/* a site's run is 5..24 bytes, its page 4096-aligned, its flags 0 or
	 * 1 (SITE_LOOP) */
	static const struct { uint32_t len, flags; uint64_t page; int ok; } sites[] = {
		{5, 0, 0x10000, 1}, {24, 1, 0x10000, 1}, {4, 0, 0x10000, 0}, {25, 0, 0x10000, 0}, {8, 0, 0x10008, 0},
		{8, 2, 0x10000, 0}};
	for (size_t i = 0; i < sizeof sites / sizeof sites[0]; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, sites[i].len);
		buf_u32(&b, sites[i].flags);
		buf_u64(&b, sites[i].page);
		buf_u64(&b, 0x401000);
		uint8_t code[24] = {0};
		buf_put(&b, code, sizeof code);
		assert_int_equal(decode_buf(TR_SITE, &b), sites[i].ok ? 0 : -1);
	}

	/* a preemption: a known kind; filter words only for state-matched
	 * points, at most PREEMPT_WORDS (8), 8-aligned; counted and site points count from 1 */
	static const struct { uint32_t kind; uint64_t count; uint32_t nwords; uint64_t waddr; int ok; } pre[] = {
		{PREEMPT_STATE, 0, 2, 0x1000, 1}, {PREEMPT_STATE, 0, 8, 0x1000, 1}, {PREEMPT_STATE, 0, 9, 0x1000, 0},
		{PREEMPT_STATE, 0, 1, 0x1004, 0}, {PREEMPT_SITE, 5, 0, 0, 1},       {PREEMPT_SITE, 0, 0, 0, 0},
		{PREEMPT_SITE, 5, 1, 0x1000, 0},  {3, 0, 0, 0, 0}};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, pre[i].kind);
		buf_u64(&b, 0);
		buf_u64(&b, pre[i].count);
		buf_u64(&b, 0);
		buf_u64(&b, 0);
		uint8_t regs[sizeof(struct user_regs_struct)] = {0};
		buf_put(&b, regs, sizeof regs);
		buf_u32(&b, pre[i].nwords);
		for (uint32_t k = 0; k < pre[i].nwords && k < 9; k++) {
			buf_u64(&b, pre[i].waddr);
			buf_u64(&b, 42);
		}
		assert_int_equal(decode_buf(TR_PREEMPT, &b), pre[i].ok ? 0 : -1);
	}

	/* rdtsc instructions are 1..15 bytes */
	static const uint32_t lens[] = {0, 1, 15, 16, 0xffffffffu};
	for (size_t i = 0; i < 5; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, 0);
		buf_u32(&b, lens[i]);
		buf_u32(&b, 0);
		buf_u64(&b, 0);
		buf_u64(&b, 0);
		assert_int_equal(decode_buf(TR_RDTSC, &b), (lens[i] >= 1 && lens[i] <= 15) ? 0 : -1);
	}

	/* exit how: exited or signaled */
	for (uint32_t how = 0; how < 4; how++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_u32(&b, how);
		buf_u32(&b, 0);
		assert_int_equal(decode_buf(TR_EXIT, &b), how <= EXIT_HOW_SIGNALED ? 0 : -1);
	}

	/* syscalls: each flag with the fields it announces (SCF_WIDE_NR: the
	 * u16 nr 65535, the number last); unknown flags,
	 * SCF_SHARED without SCF_BLOB, SCF_RESIZE without SCF_FILEWRITE, SCF_KILL without SCF_NOT_RUN,
	 * SCF_NOT_RUN with regions or other flags, too many regions, a region past the end */
	struct {
		uint16_t flags;
		uint32_t nregions;
		uint32_t reglen;
		int ok;
	} scs[] = {
		{0, 0, 0, 1},
		{SCF_BLOB, 0, 0, 1},
		{SCF_DATAHASH, 0, 0, 1},
		{SCF_BLOB | SCF_SHARED, 0, 0, 1},
		{SCF_FILEWRITE, 0, 0, 1},
		{SCF_FILEWRITE | SCF_DATAHASH, 1, 4, 1},
		{SCF_WIDE_NR, 0, 0, 1},
		{SCF_WIDE_NR | SCF_DATAHASH, 1, 4, 1},
		{SCF_FILEWRITE | SCF_RESIZE, 0, 0, 1},
		{SCF_ALL & ~(SCF_NOT_RUN | SCF_KILL), 0, 0, 1},
		{SCF_NOT_RUN, 0, 0, 1},
		{SCF_NOT_RUN | SCF_KILL, 0, 0, 1},
		{SCF_NOT_RUN | SCF_WIDE_NR, 0, 0, 1},
		{SCF_KILL, 0, 0, 0},
		{SCF_NOT_RUN | SCF_DATAHASH, 0, 0, 0},
		{SCF_NOT_RUN, 1, 4, 0},
		{SCF_ALL, 0, 0, 0},
		{SCF_SHARED, 0, 0, 0},
		{SCF_RESIZE, 0, 0, 0},
		{SCF_SHARED | SCF_DATAHASH, 0, 0, 0},
		{SCF_ALL + 1, 0, 0, 0},
		{0x8000, 0, 0, 0},
		{0, 1, 4, 1},
		{0, 1, 5, 0},
		{0, TRACE_MAX_REGIONS + 1, 0, 0},
		{0, 0xffffffffu, 0, 0},
		{0, 1, 0xffffffffu, 0},
	};
	for (size_t i = 0; i < sizeof scs / sizeof scs[0]; i++) {
		for (int fwlen = 0; fwlen < 3; fwlen++) {
			uint16_t fl = scs[i].flags;
			if (fwlen && !(fl & SCF_FILEWRITE))
				break;
			b.len = 0;
			buf_u32(&b, 1);
			buf_u16(&b, fl & SCF_WIDE_NR ? 0xffff : 0);
			buf_u16(&b, fl);
			for (int a = 0; a < 7; a++)
				buf_u64(&b, 0);
			buf_u32(&b, scs[i].nregions);
			if (scs[i].nregions == 1) {
				buf_u64(&b, 0x1000);
				buf_u32(&b, scs[i].reglen);
				buf_put(&b, "abcd", 4);
			}
			if (fl & SCF_BLOB)
				put_hash(&b, 1, 2);
			if (fl & (SCF_SHARED | SCF_FILEWRITE))
				buf_u64(&b, 77);
			if (fl & SCF_DATAHASH)
				buf_u64(&b, 0x1234);
			/* file write data: fits, one byte short, a length past the end */
			if (fl & SCF_FILEWRITE) {
				buf_u64(&b, 4096);
				buf_u32(&b, fwlen == 2 ? 0xffffffffu : 6);
				buf_put(&b, "abcdef", fwlen == 1 ? 5 : 6);
			}
			if (fl & SCF_RESIZE)
				buf_u64(&b, 8192);
			if (fl & SCF_WIDE_NR)
				buf_u64(&b, (uint64_t)-1); /* syscall(-1) */
			int want = scs[i].ok && fwlen == 0 ? 0 : -1;
			if (decode_buf(TR_SYSCALL, &b) != want)
				fail_msg("syscall case %zu (file write variant %d)", i, fwlen);
		}
	}
	/* exactly TRACE_MAX_REGIONS empty regions is fine */
	b.len = 0;
	buf_u32(&b, 1);
	buf_u16(&b, 0);
	buf_u16(&b, 0);
	for (int a = 0; a < 7; a++)
		buf_u64(&b, 0);
	buf_u32(&b, TRACE_MAX_REGIONS);
	for (int i = 0; i < TRACE_MAX_REGIONS; i++) {
		buf_u64(&b, (uint64_t)i);
		buf_u32(&b, 0);
	}
	assert_int_equal(decode_buf(TR_SYSCALL, &b), 0);

	/* exec maps: end > start, kind known, content all or nothing */
	struct {
		uint64_t start, end;
		uint8_t kind;
		uint64_t content_len;
		int ok;
	} maps[] = {
		{0x1000, 0x2000, MAPK_ANON, 0, 1},      {0x1000, 0x1010, MAPK_ANON, 16, 1},
		{0x2000, 0x1000, MAPK_ANON, 0, 0},      {0x1000, 0x1000, MAPK_ANON, 0, 0},
		{0x1000, 0x2000, MAPK_SPECIAL + 1, 0, 0}, {0x1000, 0x1010, MAPK_FILE, 8, 0},
		{0x1000, 0x1010, MAPK_FILE, 17, 0},     {0, 0xffffffffffffffffull, MAPK_ANON, 0xffffffffffffffffull, 0},
	};
	uint8_t content[32] = {0};
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
		b.len = 0;
		buf_u32(&b, 1);
		buf_str(&b, "/bin/x");
		buf_u64(&b, 0);
		buf_u64(&b, 0);
		buf_u64(&b, 0);
		struct user_regs_struct regs = {0};
		buf_put(&b, &regs, sizeof regs);
		buf_u32(&b, 1);
		buf_u64(&b, maps[i].start);
		buf_u64(&b, maps[i].end);
		buf_u64(&b, 0);
		buf_u32(&b, 3);
		buf_u32(&b, 0);
		buf_u8(&b, maps[i].kind);
		put_hash(&b, 0, 0);
		buf_str(&b, "");
		buf_u64(&b, maps[i].content_len);
		buf_put(&b, content, maps[i].content_len < sizeof content ? maps[i].content_len : 0);
		if (decode_buf(TR_EXEC, &b) != (maps[i].ok ? 0 : -1))
			fail_msg("exec map case %zu", i);
	}
	/* a huge map count in a small record */
	b.len = 0;
	buf_u32(&b, 1);
	buf_str(&b, "/bin/x");
	buf_u64(&b, 0);
	buf_u64(&b, 0);
	buf_u64(&b, 0);
	struct user_regs_struct regs = {0};
	buf_put(&b, &regs, sizeof regs);
	buf_u32(&b, 0xffffffffu);
	assert_int_equal(decode_buf(TR_EXEC, &b), -1);

	/* strings: length 0, no NUL, an inner NUL, a length past the end */
	static const struct {
		uint32_t len;
		const char *bytes;
		size_t n;
		int ok;
	} strs[] = {
		{1, "", 1, 1}, {0, "", 0, 0}, {3, "ab\0", 3, 1}, {3, "abc", 3, 0},
		{3, "a\0\0", 3, 0}, {4, "ab\0", 3, 0}, {0xffffffffu, "ab\0", 3, 0},
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		b.len = 0;
		buf_u64(&b, 0);
		buf_u64(&b, 0);
		buf_u32(&b, 0);
		buf_u32(&b, 0);
		buf_u32(&b, strs[i].len);
		buf_put(&b, strs[i].bytes, strs[i].n);
		if (decode_buf(TR_END, &b) != (strs[i].ok ? 0 : -1))
			fail_msg("string case %zu", i);
	}

	/* file: a chunk length past the end, or outside the file's size */
	static const uint64_t sizes[] = {4, 3, 5, 0xffffffffffffffffull, 0x8000000000000000ull};
	for (size_t i = 0; i < 5; i++) {
		b.len = 0;
		put_hash(&b, 1, 2);
		buf_str(&b, "/f");
		buf_u64(&b, 4);
		buf_u64(&b, 0);
		buf_u64(&b, sizes[i]);
		buf_put(&b, "abcd", 4);
		assert_int_equal(decode_buf(TR_FILE, &b), sizes[i] == 4 ? 0 : -1);
	}
	static const struct {
		uint64_t size, offset, len;
		int ok;
	} chunks[] = {{10, 6, 4, 1}, {10, 7, 4, 0}, {10, 0xfffffffffffffffeull, 4, 0}, {3, 0, 4, 0},
		      {4, 4, 0, 1} /* a sparse file's end (format 9) */, {4, 2, 0, 0} /* empty, not at the end */};
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		b.len = 0;
		put_hash(&b, 1, 2);
		buf_str(&b, "/f");
		buf_u64(&b, chunks[i].size);
		buf_u64(&b, chunks[i].offset);
		buf_u64(&b, chunks[i].len);
		buf_put(&b, "abcd", chunks[i].len < 4 ? chunks[i].len : 4);
		if (decode_buf(TR_FILE, &b) != (chunks[i].ok ? 0 : -1))
			fail_msg("file chunk case %zu", i);
	}

	/* header: huge argc/envc/ncpuid counts */
	static const uint32_t counts[] = {0xffffffffu, 0x40000000u, 1000};
	for (int field = 0; field < 3; field++)
		for (size_t i = 0; i < 3; i++) {
			b.len = 0;
			buf_put(&b, TRACE_MAGIC, 8);
			buf_u32(&b, TRACE_VERSION);
			buf_str(&b, "v");
			buf_u32(&b, field == 0 ? counts[i] : 0);
			buf_str(&b, "/");
			buf_u32(&b, field == 1 ? counts[i] : 0);
			for (int k = 0; k < 5; k++)
				buf_str(&b, "x");
			buf_u32(&b, field == 2 ? counts[i] : 0);
			buf_u64(&b, 0);
			buf_u32(&b, 0);
			buf_u32(&b, 0);
			assert_int_equal(decode_buf(TR_HEADER, &b), -1);
		}
	buf_free(&b);
}

/* A header that fails to decode leaves nothing allocated and nothing to free twice. */
static void test_header_free_after_error(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_put(&b, TRACE_MAGIC, 8);
	buf_u32(&b, TRACE_VERSION);
	buf_str(&b, "v");
	buf_u32(&b, 2);
	buf_str(&b, "a");
	buf_u32(&b, 7); /* the second string runs past the end */
	buf_put(&b, "bc", 2);
	struct trace_rec rec = {TR_HEADER, 0, b.p, (uint32_t)b.len, 0};
	struct trace_header h;
	assert_int_equal(trace_get_header(&rec, &h), -TRE_CORRUPT);
	assert_null(h.argv);
	assert_null(h.tool_version);
	trace_header_free(&h);
	trace_header_free(&h);
	buf_free(&b);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(trace_type_name(TR_HEADER), "header");
	assert_string_equal(trace_type_name(TR_FILE), "file");
	assert_string_equal(trace_type_name(TR_EXEC), "exec");
	assert_string_equal(trace_type_name(TR_SYSCALL), "syscall");
	assert_string_equal(trace_type_name(TR_SIGNAL), "signal");
	assert_string_equal(trace_type_name(TR_SIGFRAME), "sigframe");
	assert_string_equal(trace_type_name(TR_RDTSC), "rdtsc");
	assert_string_equal(trace_type_name(TR_EXIT), "exit");
	assert_string_equal(trace_type_name(TR_END), "end");
	assert_string_equal(trace_type_name(TR_SYSENTER), "sysenter");
	assert_string_equal(trace_type_name(TR_NEWTASK), "newtask");
	for (uint32_t t = 1; t <= TR_TYPE_MAX; t++)
		assert_string_not_equal(trace_type_name(t), "?");
	assert_string_equal(trace_type_name(0), "?");
	assert_string_equal(trace_type_name(TR_TYPE_MAX + 1), "?");
	assert_string_equal(trace_type_name(0xffffffffu), "?");
	assert_int_equal(trace_err_exit(-TRE_NOTTRACE), EXIT_NOTRACE);
	assert_int_equal(trace_err_exit(-TRE_CORRUPT), EXIT_CORRUPT);
	assert_int_equal(trace_err_exit(-TRE_VERSION), EXIT_VERSION);
	assert_int_equal(trace_err_exit(-TRE_TRUNC), EXIT_TRUNCATED);
	assert_int_equal(trace_err_exit(-TRE_IO), EXIT_NOTRACE);
	assert_int_equal(trace_err_exit(-EACCES), EXIT_NOTRACE);
}

/* The cursor and buffer helpers the decoders are built on. */
static void test_cursor(void **state)
{
	(void)state;
	struct buf b = {0};
	buf_u8(&b, 0x11);
	buf_u16(&b, 0x2233);
	buf_u32(&b, 0x44556677u);
	buf_u64(&b, 0x8899aabbccddeeffull);
	buf_str(&b, "str");
	buf_str(&b, NULL);
	struct cursor c = {b.p, b.p + b.len, 0};
	assert_int_equal(cur_u8(&c), 0x11);
	assert_int_equal(cur_u16(&c), 0x2233);
	assert_int_equal(cur_u32(&c), 0x44556677u);
	assert_int_equal(cur_u64(&c), 0x8899aabbccddeeffull);
	assert_string_equal(cur_cstr(&c), "str");
	char *s = cur_str(&c);
	assert_string_equal(s, "");
	free(s);
	assert_false(c.bad);
	assert_true(c.p == c.end);
	assert_int_equal(cur_u8(&c), 0);
	assert_true(c.bad);
	assert_int_equal(cur_u64(&c), 0);
	assert_null(cur_bytes(&c, 0));
	assert_null(cur_cstr(&c));
	assert_null(cur_str(&c));

	struct cursor d = {b.p, b.p + 3, 0};
	assert_int_equal(cur_u16(&d), 0x3311);
	assert_int_equal(cur_u16(&d), 0);
	assert_true(d.bad);
	assert_int_equal(cur_u8(&d), 0); /* stays bad even though a byte is left */
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

/* An optional argument selects tests by name (a cmocka filter pattern). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_record_structure),
		cmocka_unit_test(test_decode_prefixes),
		cmocka_unit_test(test_decode_invalid_fields),
		cmocka_unit_test(test_header_free_after_error),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cursor),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
