/* test_trace.c - trace writer and reader: round trips of every record type,
 * many frames, the index frame, and damaged files (cut, flipped, foreign). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/trace.h"

/* ---- helpers ---- */

static char tmpdir[64];
static int tmpn;

static const char *tmp_path(char out[128])
{
	snprintf(out, 128, "%s/t%d.lz4", tmpdir, tmpn++);
	return out;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, p, n), 0);
	assert_int_equal(close(fd), 0);
}

static uint8_t *read_whole(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	uint8_t *p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return p;
}

/* Compresses raw records as one checksummed LZ4 frame appended to out. */
static void put_frame(struct buf *out, const void *raw, size_t n)
{
	LZ4F_preferences_t prefs;
	memset(&prefs, 0, sizeof prefs);
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	size_t bound = LZ4F_compressFrameBound(n, &prefs);
	assert_int_equal(buf_reserve(out, bound), 0);
	size_t r = LZ4F_compressFrame(out->p + out->len, bound, raw, n, &prefs);
	assert_false(LZ4F_isError(r));
	out->len += r;
}

/* Decompresses every LZ4 frame of a trace file (skipping skippable ones)
 * into one raw record stream. */
static void raw_records(const uint8_t *p, size_t n, struct buf *raw)
{
	LZ4F_dctx *d;
	assert_false(LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)));
	size_t off = 0;
	while (off < n) {
		uint32_t magic;
		memcpy(&magic, p + off, 4);
		if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
			uint32_t sz;
			memcpy(&sz, p + off + 4, 4);
			off += 8 + sz;
			continue;
		}
		size_t ret;
		do {
			assert_int_equal(buf_reserve(raw, 65536), 0);
			size_t dst = raw->cap - raw->len, src = n - off;
			ret = LZ4F_decompress(d, raw->p + raw->len, &dst, p + off, &src, NULL);
			assert_false(LZ4F_isError(ret));
			raw->len += dst;
			off += src;
		} while (ret != 0);
	}
	LZ4F_freeDecompressionContext(d);
}

static void raw_rec(struct buf *b, uint32_t type, const void *payload, uint32_t len)
{
	buf_u32(b, type);
	buf_u32(b, len);
	buf_put(b, payload, len);
}

/* ---- sample records ---- */

static char *s_argv[] = {"/usr/bin/prog", "first arg", "", "--x=y", NULL};
static char *s_envp[] = {"PATH=/usr/bin:/bin", "HOME=/root", "EMPTY=", NULL};
static struct trace_cpuid s_cpuid[] = {
	{0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
	{7, 0, 0, 0x029c6fbf, 0x40000000, 0xbc000400},
	{0x80000001, 0, 0, 0, 0x121, 0x2c100800},
};

static void sample_header(struct trace_header *h)
{
	memset(h, 0, sizeof *h);
	h->version = TRACE_VERSION;
	h->tool_version = "9.8.7-test";
	h->argc = 4;
	h->argv = s_argv;
	h->cwd = "/home/user/work dir";
	h->envc = 3;
	h->envp = s_envp;
	h->sysname = "Linux";
	h->release = "6.1.0-test";
	h->kversion = "#1 SMP PREEMPT_DYNAMIC";
	h->machine = "x86_64";
	h->cpu_model = "Test CPU @ 3.00GHz";
	h->ncpuid = 3;
	h->cpuid = s_cpuid;
	h->start_realtime_ns = 1790000000123456789ull;
	h->pid = 4242;
	h->ncpus = 8;
}

static uint8_t s_filedata[3000];
static uint8_t s_content[2][8192];
static uint8_t s_regdata[3][300];
static uint8_t s_siginfo[128];

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static struct trace_map s_maps[5];

static void sample_exec(struct trace_exec *e)
{
	memset(e, 0, sizeof *e);
	e->tid = 4242;
	e->path = "/usr/bin/prog";
	e->start_brk = 0x555555559000ull;
	e->sigblocked = 0x8000000000010002ull;
	e->sigignored = 0x0000000000001001ull;
	uint8_t *rb = (uint8_t *)&e->regs;
	for (size_t i = 0; i < sizeof e->regs; i++)
		rb[i] = (uint8_t)(i * 7 + 1);
	e->regs.rip = 0x7ffff7fe3290ull;
	e->regs.rsp = 0x7fffffffe3c0ull;
	memset(s_maps, 0, sizeof s_maps);
	s_maps[0] = (struct trace_map){0x555555554000ull, 0x555555556000ull, 0x1000, 5, 0, MAPK_FILE,
				       {0x1111, 0x2222}, "/usr/bin/prog", 0, NULL};
	s_maps[1] = (struct trace_map){0x555555559000ull, 0x55555555b000ull, 0, 3, 0, MAPK_ANON,
				       {0, 0}, "[heap]", 8192, s_content[0]};
	s_maps[2] = (struct trace_map){0x7ffff7fc1000ull, 0x7ffff7fc3000ull, 0, 5, 0, MAPK_SPECIAL,
				       {0, 0}, "[vdso]", 8192, s_content[1]};
	s_maps[3] = (struct trace_map){0x7ffffffde000ull, 0x7ffffffff000ull, 0, 3, MAPF_GROWSDOWN, MAPK_ANON,
				       {0, 0}, "[stack]", 0, NULL};
	s_maps[4] = (struct trace_map){0x7ffff7d00000ull, 0x7ffff7e00000ull, 0x200000, 1, MAPF_SHARED, MAPK_FILE,
				       {0xdeadbeefcafef00dull, 0x0123456789abcdefull}, "/dev/shm/x y", 0, NULL};
	e->nmaps = 5;
	e->maps = s_maps;
}

static struct trace_region s_regions[3];

static void sample_syscall_regions(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4243;
	s->nr = 0; /* read */
	s->args[0] = 3;
	s->args[1] = 0x7fffffffd000ull;
	s->args[2] = 300;
	s->args[3] = 0xffffffffffffffffull;
	s->args[5] = 0x8000000000000000ull;
	s->result = 300;
	s_regions[0] = (struct trace_region){0x7fffffffd000ull, 300, s_regdata[0]};
	s_regions[1] = (struct trace_region){0x1000, 1, s_regdata[1]};
	s_regions[2] = (struct trace_region){0x7fffffffe000ull, 299, s_regdata[2]};
	s->nregions = 3;
	s->regions = s_regions;
}

static void sample_syscall_blob(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4242;
	s->nr = 9; /* mmap */
	s->flags = SCF_BLOB;
	s->args[0] = 0;
	s->args[1] = 8192;
	s->args[2] = 1;
	s->args[3] = 2;
	s->args[4] = 3;
	s->result = 0x7ffff7fb0000ll;
	s->blob = (struct trace_hash){0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull};
}

static void sample_syscall_fail(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 1;
	s->nr = 257; /* openat */
	s->result = -ENOENT;
}

static uint8_t s_fwdata[77];

/* A write whose bytes are known only by hash. */
static void sample_syscall_datahash(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4242;
	s->nr = 1; /* write */
	s->flags = SCF_DATAHASH;
	s->args[0] = 1;
	s->args[1] = 0x402000;
	s->args[2] = 5;
	s->result = 5;
	s->datahash = 0x1122334455667788ull;
}

/* A shared file mapping. */
static void sample_syscall_shared(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4242;
	s->nr = 9; /* mmap */
	s->flags = SCF_BLOB | SCF_SHARED;
	s->args[1] = 4096;
	s->args[2] = 3;
	s->args[3] = 1;
	s->args[4] = 5;
	s->result = 0x7ffff7fa0000ll;
	s->blob = (struct trace_hash){0x99, 0x98};
	s->file_id = 0xf11e1dull;
}

/* A pwrite into a file that is mapped shared, with a region and a hash. */
static void sample_syscall_filewrite(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4244;
	s->nr = 18; /* pwrite64 */
	s->flags = SCF_FILEWRITE | SCF_DATAHASH;
	s->args[0] = 5;
	s->args[1] = 0x403000;
	s->args[2] = sizeof s_fwdata;
	s->args[3] = 100;
	s->result = sizeof s_fwdata;
	s_regions[0] = (struct trace_region){0x7fffffffd000ull, 300, s_regdata[0]};
	s->nregions = 1;
	s->regions = s_regions;
	s->file_id = 0xf11e1dull;
	s->datahash = 0xabcdef0123456789ull;
	s->fw_offset = 100;
	s->fw_len = sizeof s_fwdata;
	s->fw_data = s_fwdata;
}

static void sample_signal(struct trace_signal *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4242;
	s->signo = 11;
	s->code = -6;
	s->rip = 0x401234;
	memcpy(s->siginfo, s_siginfo, sizeof s->siginfo);
}

static void sample_rdtsc(struct trace_rdtsc *r)
{
	*r = (struct trace_rdtsc){.tid = 4242, .is_rdtscp = 1, .insn_len = 3, .aux = 5,
				  .rip = 0x7ffff7e01234ull, .tsc = 0x123456789abcdefull};
}

static void sample_end(struct trace_end *e)
{
	*e = (struct trace_end){.end_realtime_ns = 1790000001000000000ull, .duration_ns = 876543210,
				.status = 137, .flags = END_FAILED, .reason = "unknown syscall 333"};
}

/* Writes a trace of every record type; returns its number of records. */
static uint64_t write_all_types(const char *path)
{
	struct trace_writer w;
	struct trace_header h;
	struct trace_file f = {{0xabcdef, 0x123456}, "/usr/lib/libfoo.so.1", sizeof s_filedata, s_filedata};
	struct trace_exec e;
	struct trace_syscall s1, s2, s3, s4, s5, s6;
	struct trace_sysenter se = {4243, 202};
	struct trace_newtask nt = {4242, 4244, 0x3d0f00, 0x7ffff7d8a990ull, 0x7ffff7d8a990ull};
	struct trace_signal sg;
	struct trace_rdtsc rd;
	struct trace_exit x1 = {4243, EXIT_HOW_EXITED, -1}, x2 = {4242, EXIT_HOW_SIGNALED, 9};
	struct trace_end end;
	sample_header(&h);
	sample_exec(&e);
	sample_syscall_regions(&s1);
	sample_syscall_blob(&s2);
	sample_syscall_fail(&s3);
	sample_syscall_datahash(&s4);
	sample_syscall_shared(&s5);
	sample_syscall_filewrite(&s6);
	sample_signal(&sg);
	sample_rdtsc(&rd);
	sample_end(&end);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_file(&w, &f), 0);
	assert_int_equal(trace_put_exec(&w, &e), 0);
	assert_int_equal(trace_put_syscall(&w, &s1), 0);
	assert_int_equal(trace_put_syscall(&w, &s2), 0);
	assert_int_equal(trace_put_syscall(&w, &s3), 0);
	assert_int_equal(trace_put_syscall(&w, &s4), 0);
	assert_int_equal(trace_put_syscall(&w, &s5), 0);
	assert_int_equal(trace_put_sysenter(&w, &se), 0);
	assert_int_equal(trace_put_newtask(&w, &nt), 0);
	assert_int_equal(trace_put_syscall(&w, &s6), 0);
	assert_int_equal(trace_put_signal(&w, &sg), 0);
	assert_int_equal(trace_put_rdtsc(&w, &rd), 0);
	assert_int_equal(trace_put_exit(&w, &x1), 0);
	assert_int_equal(trace_put_exit(&w, &x2), 0);
	assert_int_equal(trace_put_end(&w, &end), 0);
	uint64_t events = w.events;
	assert_int_equal(trace_writer_close(&w), 0);
	return events;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/heisen-unit.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	fill(s_filedata, sizeof s_filedata, 1);
	fill(s_content[0], sizeof s_content[0], 2);
	fill(s_content[1], sizeof s_content[1], 3);
	fill(s_regdata[0], sizeof s_regdata[0], 4);
	fill(s_regdata[1], sizeof s_regdata[1], 5);
	fill(s_regdata[2], sizeof s_regdata[2], 6);
	fill(s_siginfo, sizeof s_siginfo, 7);
	fill(s_fwdata, sizeof s_fwdata, 8);
	alarm(600); /* a hang in the reader fails the run instead of stalling it */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- scanning a possibly damaged trace ---- */

struct scan {
	int open_ret;    /* trace_reader_open's result */
	int next_ret;    /* the last trace_next result (0 clean end, < 0 error) */
	uint64_t nrec;   /* records after the header that trace_next returned */
	uint64_t decode_errs;
	int again_ret;   /* trace_next called once more after it stopped */
};

static void decode_any(const struct trace_rec *rec, struct scan *s)
{
	int r = 0;
	switch (rec->type) {
	case TR_HEADER: {
		struct trace_header h;
		r = trace_get_header(rec, &h);
		trace_header_free(&h);
		break;
	}
	case TR_FILE: {
		struct trace_file f;
		r = trace_get_file(rec, &f);
		break;
	}
	case TR_EXEC: {
		struct trace_exec e;
		r = trace_get_exec(rec, &e);
		free(e.maps);
		break;
	}
	case TR_SYSCALL: {
		struct trace_syscall sc;
		r = trace_get_syscall(rec, &sc);
		free(sc.regions);
		break;
	}
	case TR_SIGNAL: {
		struct trace_signal sg;
		r = trace_get_signal(rec, &sg);
		break;
	}
	case TR_RDTSC: {
		struct trace_rdtsc rd;
		r = trace_get_rdtsc(rec, &rd);
		break;
	}
	case TR_EXIT: {
		struct trace_exit x;
		r = trace_get_exit(rec, &x);
		break;
	}
	case TR_END: {
		struct trace_end e;
		r = trace_get_end(rec, &e);
		break;
	}
	case TR_SYSENTER: {
		struct trace_sysenter e;
		r = trace_get_sysenter(rec, &e);
		break;
	}
	case TR_NEWTASK: {
		struct trace_newtask n;
		r = trace_get_newtask(rec, &n);
		break;
	}
	default:
		fail_msg("trace_next returned unknown type %u", rec->type);
	}
	if (r)
		s->decode_errs++;
}

static void scan_file(const char *path, struct scan *s)
{
	struct trace_reader r;
	struct trace_rec rec;
	memset(s, 0, sizeof *s);
	s->open_ret = trace_reader_open(&r, path);
	if (s->open_ret == 0) {
		assert_true(r.hdr.argc == 0 || r.hdr.argv != NULL);
		int n;
		while ((n = trace_next(&r, &rec)) > 0) {
			assert_int_equal(rec.event, s->nrec + 1);
			s->nrec++;
			decode_any(&rec, s);
			assert_true(s->nrec < 10000000);
		}
		s->next_ret = n;
		s->again_ret = trace_next(&r, &rec);
		assert_true(n == 0 || r.err[0]);
	} else {
		assert_true(r.err[0] != 0);
	}
	trace_reader_close(&r);
}

/* Scans bytes through a memfd, the way a file of them would read. */
static void scan_bytes(const uint8_t *p, size_t n, struct scan *s)
{
	static int fd = -1;
	char path[64];
	if (fd < 0)
		fd = memfd_create("trace", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, p, n, 0), (ssize_t)n);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	scan_file(path, s);
}

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

static void test_many_frames(void **state)
{
	(void)state;
	char path[128];
	struct multi m;
	tmp_path(path);
	write_multi(path, &m);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	check_header(&r.hdr);
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
	struct trace_file f = {{1, 2}, "/big", big, data};
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
	/* the content checksum at the frame's end */
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

	/* an empty frame in the middle is harmless */
	b.len = 0;
	file.len = 0;
	COPY(0);
	put_frame(&file, b.p, b.len);
	put_frame(&file, "", 0);
	b.len = 0;
	for (size_t i = 1; i < nrec; i++)
		COPY(i);
	put_frame(&file, b.p, b.len);
	scan_bytes(file.p, file.len, &s);
	assert_int_equal(s.open_ret, 0);
	assert_int_equal(s.next_ret, 0);
	assert_int_equal(s.nrec, nall - 1);

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
	struct trace_rec hrec = {TR_HEADER, 0, hcopy, hlen};
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
	struct trace_rec rec = {type, 1, b->p, (uint32_t)b->len};
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

	/* syscalls: each flag with the fields it announces; unknown flags,
	 * SCF_SHARED without SCF_BLOB, too many regions, a region past the end */
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
		{SCF_ALL, 0, 0, 1},
		{SCF_SHARED, 0, 0, 0},
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
			buf_u16(&b, 0);
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

	/* file: a size past the end */
	static const uint64_t sizes[] = {4, 3, 5, 0xffffffffffffffffull, 0x8000000000000000ull};
	for (size_t i = 0; i < 5; i++) {
		b.len = 0;
		put_hash(&b, 1, 2);
		buf_str(&b, "/f");
		buf_u64(&b, sizes[i]);
		buf_put(&b, "abcd", 4);
		assert_int_equal(decode_buf(TR_FILE, &b), sizes[i] == 4 ? 0 : -1);
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
	struct trace_rec rec = {TR_HEADER, 0, b.p, (uint32_t)b.len};
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
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_roundtrip_empty_header),
		cmocka_unit_test(test_writer_excl),
		cmocka_unit_test(test_many_frames),
		cmocka_unit_test(test_index_frame),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_multiblock_frame),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_not_traces),
		cmocka_unit_test(test_frames_without_header),
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
