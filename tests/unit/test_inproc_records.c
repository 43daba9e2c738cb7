/* test_inproc_records.c - the records of in-process recording (trace
 * format 6: inproc, patch, buffer) and the varints the buffer record is
 * made of: round trips through the writer and the reader, every prefix,
 * invalid fields, counts larger than the payload, varint overflow, the
 * writer's limits, random damage, and format 5 traces (still read, without
 * these records). */
#include "trace_test_util.h"

/* ---- samples ---- */

static uint8_t s_ts[16], s_rand[300], s_two[7];

static void sample_inproc(struct trace_inproc *p)
{
	*p = (struct trace_inproc){.tid = 4242, .version = 1, .base = 0x5a5c00000000ull};
}

static void sample_patch(struct trace_patch *p)
{
	static const uint8_t code[] = {0x0f, 0x05, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff}; /* syscall; cmp $-4095, %rax */
	memset(p, 0, sizeof *p);
	p->tid = 4243;
	p->len = sizeof code;
	p->addr = 0x7ffff7e9a1b2ull;
	p->page = 0x7ffff7ff0000ull;
	p->slot = 0x300;
	memcpy(p->code, code, sizeof code);
}

static struct trace_region s_bregions[5];
static struct trace_bufentry s_entries[7];

/* A buffer of seven entries: calls with one, two and no regions, a region
 * of 0 bytes, and the extreme numbers and results. */
static void sample_buffer(struct trace_buffer *b)
{
	s_bregions[0] = (struct trace_region){0, sizeof s_ts, s_ts};
	s_bregions[1] = (struct trace_region){0, sizeof s_rand, s_rand};
	s_bregions[2] = (struct trace_region){0, sizeof s_two, s_two};
	s_bregions[3] = (struct trace_region){0, 0, NULL};
	s_bregions[4] = (struct trace_region){0, 1, s_two};
	s_entries[0] = (struct trace_bufentry){228, 0, 0xdeadbeefu, 1, &s_bregions[0]}; /* clock_gettime */
	s_entries[1] = (struct trace_bufentry){39, 4242, 1, 0, NULL};                   /* getpid */
	s_entries[2] = (struct trace_bufentry){318, 300, 0x12345678u, 1, &s_bregions[1]}; /* getrandom */
	s_entries[3] = (struct trace_bufentry){0, -11, 0, 0, NULL};                     /* read: EAGAIN */
	s_entries[4] = (struct trace_bufentry){47, 8, 0xffffffffu, 3, &s_bregions[2]};  /* recvmsg-like */
	s_entries[5] = (struct trace_bufentry){65535, INT64_MIN, 7, 0, NULL};
	s_entries[6] = (struct trace_bufentry){1, INT64_MAX, 8, 0, NULL};
	*b = (struct trace_buffer){.tid = 4244, .flags = BUF_NOTIFY, .count = 7, .entries = s_entries};
}

/* Writes header, inproc, patch, buffer, an empty buffer, end. */
static void write_inproc_trace(const char *path, uint32_t version)
{
	struct trace_writer w;
	struct trace_header h;
	struct trace_inproc ip;
	struct trace_patch pa;
	struct trace_buffer bf, empty = {.tid = 1, .count = 0};
	struct trace_end end = {.status = 0, .reason = ""};
	sample_header(&h);
	h.version = version;
	sample_inproc(&ip);
	sample_patch(&pa);
	sample_buffer(&bf);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_inproc(&w, &ip), 0);
	assert_int_equal(trace_put_patch(&w, &pa), 0);
	assert_int_equal(trace_put_buffer(&w, &bf), 0);
	assert_int_equal(trace_put_buffer(&w, &empty), 0);
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
}

static void next_of(struct trace_reader *r, struct trace_rec *rec, uint32_t type)
{
	assert_int_equal(trace_next(r, rec), 1);
	assert_int_equal(rec->type, type);
}

static int setup_inproc(void **state)
{
	fill(s_ts, sizeof s_ts, 11);
	fill(s_rand, sizeof s_rand, 12);
	fill(s_two, sizeof s_two, 13);
	return setup(state);
}

/* ---- varints ---- */

static void test_varint(void **state)
{
	(void)state;
	static const struct {
		uint64_t v;
		size_t len;
	} u[] = {
		{0, 1}, {1, 1}, {127, 1}, {128, 2}, {16383, 2}, {16384, 3}, {1ull << 35, 6},
		{(1ull << 63) - 1, 9}, {1ull << 63, 10}, {UINT64_MAX, 10},
	};
	struct buf b = {0};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		b.len = 0;
		assert_int_equal(buf_varint(&b, u[i].v), 0);
		assert_int_equal(b.len, u[i].len);
		struct cursor c = {b.p, b.p + b.len, 0};
		assert_true(cur_varint(&c) == u[i].v);
		assert_false(c.bad);
		assert_true(c.p == c.end);
	}
	static const struct {
		int64_t v;
		size_t len;
	} z[] = {{0, 1}, {-1, 1}, {1, 1}, {-64, 1}, {64, 2}, {-65, 2}, {INT64_MAX, 10}, {INT64_MIN, 10}};
	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
		b.len = 0;
		assert_int_equal(buf_zigzag(&b, z[i].v), 0);
		assert_int_equal(b.len, z[i].len);
		struct cursor c = {b.p, b.p + b.len, 0};
		assert_true(cur_zigzag(&c) == z[i].v);
		assert_false(c.bad);
	}
	/* bad: empty, cut, 11 bytes, bit 64 and up, not the shortest form */
	static const struct {
		const char *bytes;
		size_t n;
	} bad[] = {
		{"", 0},
		{"\x80", 1},
		{"\xff\xff", 2},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01", 11},
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10},
		{"\x80\x00", 2},
		{"\xff\x80\x00", 3},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *p = malloc(bad[i].n + 1); /* exact size: an over-read shows under ASan */
		memcpy(p, bad[i].bytes, bad[i].n);
		struct cursor c = {p, p + bad[i].n, 0};
		assert_true(cur_varint(&c) == 0);
		if (!c.bad)
			fail_msg("bad varint %zu decoded", i);
		assert_int_equal(cur_u8(&c), 0); /* stays bad */
		free(p);
	}
	/* "\0" alone is 0, the 10th byte may be 1 */
	struct cursor c = {(const uint8_t *)"\0", (const uint8_t *)"\0" + 1, 0};
	assert_true(cur_varint(&c) == 0 && !c.bad);
	const uint8_t top[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	c = (struct cursor){top, top + sizeof top, 0};
	assert_true(cur_varint(&c) == 1ull << 63 && !c.bad);
	buf_free(&b);
}

/* ---- round trip ---- */

static void check_buffer(const struct trace_buffer *got, const struct trace_buffer *want)
{
	assert_int_equal(got->tid, want->tid);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->count, want->count);
	for (uint32_t i = 0; i < want->count; i++) {
		const struct trace_bufentry *a = &got->entries[i], *b = &want->entries[i];
		assert_int_equal(a->nr, b->nr);
		assert_true(a->result == b->result);
		assert_int_equal(a->args_hash, b->args_hash);
		assert_int_equal(a->nregions, b->nregions);
		for (uint32_t k = 0; k < b->nregions; k++) {
			assert_int_equal(a->regions[k].addr, 0);
			assert_int_equal(a->regions[k].len, b->regions[k].len);
			if (b->regions[k].len)
				assert_memory_equal(a->regions[k].data, b->regions[k].data, b->regions[k].len);
		}
	}
}

static void test_roundtrip(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	write_inproc_trace(path, TRACE_VERSION);
	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	assert_int_equal(r.hdr.version, TRACE_VERSION);

	struct trace_inproc ip, wip;
	sample_inproc(&wip);
	next_of(&r, &rec, TR_INPROC);
	assert_int_equal(rec.len, 16);
	assert_int_equal(trace_get_inproc(&rec, &ip), 0);
	assert_int_equal(ip.tid, wip.tid);
	assert_int_equal(ip.version, wip.version);
	assert_int_equal(ip.base, wip.base);

	struct trace_patch pa, wpa;
	sample_patch(&wpa);
	next_of(&r, &rec, TR_PATCH);
	assert_int_equal(rec.len, 28 + wpa.len);
	assert_int_equal(trace_get_patch(&rec, &pa), 0);
	assert_memory_equal(&pa, &wpa, sizeof pa);

	struct trace_buffer bf, wbf;
	sample_buffer(&wbf);
	next_of(&r, &rec, TR_BUFFER);
	assert_int_equal(trace_get_buffer(&rec, &bf), 0);
	check_buffer(&bf, &wbf);
	trace_buffer_free(&bf);
	assert_null(bf.entries);
	trace_buffer_free(&bf); /* twice is harmless */
	/* compact: getpid = 4242 takes 1 + 2 + 4 + 1 bytes */
	assert_int_equal(rec.len, 12 + (2 + 1 + 4 + 1 + 1 + 16) + (1 + 2 + 4 + 1) + (2 + 2 + 4 + 1 + 2 + 300) +
					  (1 + 1 + 4 + 1) + (1 + 1 + 4 + 1 + 1 + 7 + 1 + 0 + 1 + 1) + (3 + 10 + 4 + 1) +
					  (1 + 10 + 4 + 1));

	next_of(&r, &rec, TR_BUFFER);
	assert_int_equal(rec.len, 12);
	assert_int_equal(trace_get_buffer(&rec, &bf), 0);
	assert_int_equal(bf.count, 0);
	assert_int_equal(bf.tid, 1);
	trace_buffer_free(&bf);

	next_of(&r, &rec, TR_END);
	assert_int_equal(trace_next(&r, &rec), 0);
	trace_reader_close(&r);
	unlink(path);
}

/* Every strict prefix of each record and one byte more are errors (exact
 * size copies, so an over-read shows under ASan). */
static void test_prefixes(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	write_inproc_trace(path, TRACE_VERSION);
	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	struct scan s;
	memset(&s, 0, sizeof s);
	int n = 0;
	while (trace_next(&r, &rec) > 0) {
		if (rec.type == TR_END)
			continue;
		n++;
		for (uint32_t l = 0; l <= rec.len + 1; l++) {
			uint8_t *exact = malloc(l ? l : 1);
			memcpy(exact, rec.data, l <= rec.len ? l : rec.len);
			if (l > rec.len)
				exact[rec.len] = 0;
			struct trace_rec t = rec;
			t.data = exact;
			t.len = l;
			uint64_t before = s.decode_errs;
			decode_any(&t, &s);
			int ok = s.decode_errs == before;
			if (ok != (l == rec.len))
				fail_msg("%s record: %u of %u bytes %s", trace_type_name(rec.type), l, rec.len,
					 ok ? "decoded" : "did not decode");
			free(exact);
		}
	}
	assert_int_equal(n, 4);
	trace_reader_close(&r);
	unlink(path);
}

/* Ends and closes w's trace, then reads it whole: nrec records after the
 * header, all decoding. */
static void end_and_read(struct trace_writer *w, const char *path, uint64_t nrec)
{
	struct trace_end end = {.reason = ""};
	assert_int_equal(trace_put_end(w, &end), 0);
	assert_int_equal(trace_writer_close(w), 0);
	struct scan s;
	scan_file(path, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, nrec);
	assert_int_equal(s.decode_errs, 0);
}

/* ---- invalid fields ---- */

static int decode_buf(uint32_t type, const struct buf *b)
{
	uint8_t *exact = malloc(b->len ? b->len : 1);
	memcpy(exact, b->p, b->len);
	struct trace_rec rec = {type, 1, exact, (uint32_t)b->len, 0};
	struct scan s;
	memset(&s, 0, sizeof s);
	decode_any(&rec, &s);
	free(exact);
	return s.decode_errs ? -1 : 0;
}

static void test_inproc_patch_fields(void **state)
{
	(void)state;
	struct buf b = {0};
	static const struct {
		uint32_t version;
		uint64_t base;
		int ok;
	} ip[] = {{1, 0x5a5c00000000ull, 1}, {0, 0x5a5c00000000ull, 0}, {1, 0, 0}, {1, 0x5a5c00000800ull, 0},
		  {0xffffffffu, 0xfffffffffffff000ull, 1}};
	for (size_t i = 0; i < sizeof ip / sizeof ip[0]; i++) {
		b.len = 0;
		buf_u32(&b, 7);
		buf_u32(&b, ip[i].version);
		buf_u64(&b, ip[i].base);
		if (decode_buf(TR_INPROC, &b) != (ip[i].ok ? 0 : -1))
			fail_msg("inproc case %zu", i);
	}
	static const struct {
		uint32_t len, slot;
		uint64_t page;
		int ok;
	} pa[] = {{5, 0, 0x1000, 1}, {24, 4095, 0x1000, 1}, {4, 0, 0x1000, 0},   {25, 0, 0x1000, 0},
		  {0, 0, 0x1000, 0}, {0xffffffffu, 0, 0x1000, 0}, {8, 4096, 0x1000, 0}, {8, 0, 0x1008, 0}};
	uint8_t code[32];
	fill(code, sizeof code, 9);
	for (size_t i = 0; i < sizeof pa / sizeof pa[0]; i++) {
		b.len = 0;
		buf_u32(&b, 7);
		buf_u32(&b, pa[i].len);
		buf_u64(&b, 0x401000);
		buf_u64(&b, pa[i].page);
		buf_u32(&b, pa[i].slot);
		buf_put(&b, code, pa[i].len <= sizeof code ? pa[i].len : sizeof code);
		if (decode_buf(TR_PATCH, &b) != (pa[i].ok ? 0 : -1))
			fail_msg("patch case %zu", i);
	}
	buf_free(&b);
}

static void buffer_head(struct buf *b, uint32_t flags, uint32_t count)
{
	b->len = 0;
	buf_u32(b, 7);
	buf_u32(b, flags);
	buf_u32(b, count);
}

/* One entry: nr, result, hash, then nregions regions of len bytes. */
static void entry(struct buf *b, uint64_t nr, int64_t result, uint64_t nregions, uint64_t len)
{
	buf_varint(b, nr);
	buf_zigzag(b, result);
	buf_u32(b, 0xabcd);
	buf_varint(b, nregions);
	for (uint64_t k = 0; k < nregions; k++) {
		buf_varint(b, len);
		for (uint64_t j = 0; j < len; j++)
			buf_u8(b, (uint8_t)j);
	}
}

static void test_buffer_fields(void **state)
{
	(void)state;
	struct buf b = {0};
	/* zero entries */
	buffer_head(&b, 0, 0);
	assert_int_equal(decode_buf(TR_BUFFER, &b), 0);
	buffer_head(&b, BUF_NOTIFY, 0);
	assert_int_equal(decode_buf(TR_BUFFER, &b), 0);
	/* unknown flags */
	buffer_head(&b, 2, 0);
	assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	buffer_head(&b, 0x80000001u, 0);
	assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	/* counts larger than the payload */
	static const uint32_t counts[] = {1, 3, 0x10000, 0x7fffffffu, 0xffffffffu};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		buffer_head(&b, 0, counts[i]);
		entry(&b, 39, 4242, 0, 0);
		entry(&b, 39, 4242, 0, 0);
		assert_int_equal(decode_buf(TR_BUFFER, &b), counts[i] == 2 ? 0 : -1);
	}
	buffer_head(&b, 0, 2);
	entry(&b, 39, 4242, 0, 0);
	entry(&b, 39, 4242, 0, 0);
	assert_int_equal(decode_buf(TR_BUFFER, &b), 0);
	buf_u8(&b, 0); /* a byte after the last entry */
	assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	/* at most TRACE_BUFFER_MAX entries */
	for (uint32_t n = TRACE_BUFFER_MAX; n <= TRACE_BUFFER_MAX + 1; n++) {
		buffer_head(&b, 0, n);
		for (uint32_t i = 0; i < n; i++)
			entry(&b, 0, 0, 0, 0);
		assert_int_equal(decode_buf(TR_BUFFER, &b), n == TRACE_BUFFER_MAX ? 0 : -1);
	}
	/* syscall numbers up to 65535 */
	static const uint64_t nrs[] = {0, 65535, 65536, 1ull << 32, UINT64_MAX};
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {
		buffer_head(&b, 0, 1);
		entry(&b, nrs[i], 0, 0, 0);
		assert_int_equal(decode_buf(TR_BUFFER, &b), nrs[i] <= 65535 ? 0 : -1);
	}
	/* varints that overflow or are not in their shortest form */
	static const struct {
		const char *bytes;
		size_t n;
	} bad[] = {
		{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11}, /* nr: 11 bytes */
		{"\x27\xff\xff\xff\xff\xff\xff\xff\xff\xff\x03", 11}, /* result: bit 64 */
		{"\x80\x00\x00", 3},                                   /* nr 0 in two bytes */
		{"\x27\x80\x80\x00", 4},                               /* result 0 in three bytes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buffer_head(&b, 0, 1);
		buf_put(&b, bad[i].bytes, bad[i].n);
		buf_u32(&b, 0);
		buf_u8(&b, 0);
		if (decode_buf(TR_BUFFER, &b) != -1)
			fail_msg("buffer varint case %zu decoded", i);
	}
	/* regions: counts and lengths past the end, over the limits */
	buffer_head(&b, 0, 1);
	entry(&b, 0, 5, 1, 5);
	assert_int_equal(decode_buf(TR_BUFFER, &b), 0);
	b.len--; /* the region's last byte gone */
	assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	buffer_head(&b, 0, 1);
	entry(&b, 0, 5, 0, 0);
	b.len--;
	buf_varint(&b, 3); /* three regions claimed, none there */
	assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	static const uint64_t lens[] = {1ull << 31, 1ull << 32, 1ull << 40, UINT64_MAX};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		buffer_head(&b, 0, 1);
		entry(&b, 0, 5, 1, 0);
		b.len--;
		buf_varint(&b, lens[i]);
		buf_put(&b, "abcdefgh", 8);
		assert_int_equal(decode_buf(TR_BUFFER, &b), -1);
	}
	for (uint64_t n = TRACE_MAX_REGIONS; n <= TRACE_MAX_REGIONS + 1; n++) {
		buffer_head(&b, 0, 1);
		entry(&b, 0, 0, n, 0);
		assert_int_equal(decode_buf(TR_BUFFER, &b), n == TRACE_MAX_REGIONS ? 0 : -1);
	}
	/* at most TRACE_BUFFER_REGIONS_MAX regions in all */
	uint32_t per = TRACE_MAX_REGIONS, full = TRACE_BUFFER_REGIONS_MAX / TRACE_MAX_REGIONS;
	for (uint32_t extra = 0; extra <= 1; extra++) {
		buffer_head(&b, 0, full + extra);
		for (uint32_t i = 0; i < full + extra; i++)
			entry(&b, 0, 0, i < full ? per : 1, 0);
		assert_int_equal(decode_buf(TR_BUFFER, &b), extra ? -1 : 0);
	}
	buf_free(&b);
}

/* The writer refuses what the reader would: nothing is written and the
 * trace stays whole. */
static void test_writer_limits(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	struct trace_writer w;
	struct trace_header h;
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	uint64_t events = w.events;
	size_t len = w.rec.len;
	struct trace_bufentry *many = calloc(TRACE_BUFFER_MAX + 1, sizeof *many);
	assert_non_null(many);
	struct trace_buffer bf = {.tid = 1, .count = TRACE_BUFFER_MAX + 1, .entries = many};
	assert_int_equal(trace_put_buffer(&w, &bf), -E2BIG);
	struct trace_region *regs = calloc(TRACE_MAX_REGIONS + 1, sizeof *regs);
	assert_non_null(regs);
	many[0] = (struct trace_bufentry){.nr = 39, .nregions = TRACE_MAX_REGIONS + 1, .regions = regs};
	bf.count = 1;
	assert_int_equal(trace_put_buffer(&w, &bf), -EINVAL);
	for (uint32_t i = 0; i < TRACE_BUFFER_REGIONS_MAX / TRACE_MAX_REGIONS + 1; i++)
		many[i] = (struct trace_bufentry){.nr = 39, .nregions = TRACE_MAX_REGIONS, .regions = regs};
	bf.count = TRACE_BUFFER_REGIONS_MAX / TRACE_MAX_REGIONS + 1;
	assert_int_equal(trace_put_buffer(&w, &bf), -E2BIG);
	assert_int_equal(w.events, events);
	assert_int_equal(w.rec.len, len);
	bf.count = TRACE_BUFFER_REGIONS_MAX / TRACE_MAX_REGIONS;
	assert_int_equal(trace_put_buffer(&w, &bf), 0);
	end_and_read(&w, path, 2);
	free(many);
	free(regs);
	unlink(path);
}

/* ---- versions ---- */

/* A format 5 trace (no inproc, patch or buffer records then) is still
 * read; one holding such a record is corrupt; format 4 is refused as
 * older, naming 5. */
static void test_format5(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path);
	struct trace_writer w;
	struct trace_header h;
	struct trace_rdtsc rd;
	sample_header(&h);
	h.version = 5;
	sample_rdtsc(&rd);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_rdtsc(&w, &rd), 0);
	end_and_read(&w, path, 2);

	write_inproc_trace(path, 5);
	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	assert_int_equal(r.hdr.version, 5);
	assert_int_equal(trace_next(&r, &rec), -TRE_CORRUPT);
	assert_non_null(strstr(r.err, "record 1 has unknown type 15"));
	trace_reader_close(&r);

	write_inproc_trace(path, 6);
	struct scan s;
	scan_file(path, &s);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, 5);

	write_inproc_trace(path, 4);
	assert_int_equal(trace_reader_open(&r, path), -TRE_VERSION);
	assert_non_null(strstr(r.err, "trace format version 4 is older than this replay supports (5)"));
	trace_reader_close(&r);
	write_inproc_trace(path, TRACE_VERSION + 1);
	assert_int_equal(trace_reader_open(&r, path), -TRE_VERSION);
	char want[96];
	snprintf(want, sizeof want, "trace format version %d is newer than this replay supports (%d)", TRACE_VERSION + 1,
		 TRACE_VERSION);
	assert_non_null(strstr(r.err, want));
	trace_reader_close(&r);
	unlink(path);
}

/* Random damage to a trace of these records: errors, never a crash (the
 * scan decodes every record it gets). */
static void test_random_damage(void **state)
{
	(void)state;
	char path[128];
	size_t n;
	tmp_path(path);
	write_inproc_trace(path, TRACE_VERSION);
	uint8_t *p = read_whole(path, &n);
	struct buf raw = {0};
	raw_records(p, n, &raw);
	uint8_t *q = malloc(raw.len);
	assert_non_null(q);
	uint32_t seed = 777;
	for (int iter = 0; iter < 3000; iter++) {
		/* damage the raw records and pack them with right checksums, so
		 * the decoders see the damage */
		memcpy(q, raw.p, raw.len);
		for (int i = 0; i < 1 + iter % 4; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t off = (seed >> 8) % raw.len;
			seed = seed * 1103515245u + 12345u;
			q[off] = (uint8_t)(seed >> 16);
		}
		struct buf file = {0};
		put_frame(&file, q, raw.len);
		struct scan s;
		scan_bytes(file.p, file.len, &s);
		buf_free(&file);
	}
	free(q);
	free(p);
	buf_free(&raw);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_inproc_patch_fields),
		cmocka_unit_test(test_buffer_fields),
		cmocka_unit_test(test_writer_limits),
		cmocka_unit_test(test_format5),
		cmocka_unit_test(test_random_damage),
	};
	return cmocka_run_group_tests(tests, setup_inproc, teardown);
}
