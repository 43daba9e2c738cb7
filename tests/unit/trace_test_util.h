/* trace_test_util.h - helpers shared by the trace unit tests: temp files,
 * raw frames, one sample of every record type, scanning damaged traces. */
#ifndef HEISEN_TRACE_TEST_UTIL_H
#define HEISEN_TRACE_TEST_UTIL_H

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
#include <xxhash.h>

#include "../../common/trace.h"


/* ---- helpers ---- */

static char tmpdir[64];
static int tmpn;

static __attribute__((unused)) const char *tmp_path(char out[128])
{
	snprintf(out, 128, "%s/t%d.lz4", tmpdir, tmpn++);
	return out;
}

static __attribute__((unused)) void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, p, n), 0);
	assert_int_equal(close(fd), 0);
}

static __attribute__((unused)) uint8_t *read_whole(const char *path, size_t *n)
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
static __attribute__((unused)) void put_frame(struct buf *out, const void *raw, size_t n)
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
static __attribute__((unused)) void raw_records(const uint8_t *p, size_t n, struct buf *raw)
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

static __attribute__((unused)) void raw_rec(struct buf *b, uint32_t type, const void *payload, uint32_t len)
{
	buf_u32(b, type);
	buf_u32(b, len);
	buf_put(b, payload, len);
}

/* ---- sample records ---- */

static __attribute__((unused)) char *s_argv[] = {"/usr/bin/prog", "first arg", "", "--x=y", NULL};
static __attribute__((unused)) char *s_envp[] = {"PATH=/usr/bin:/bin", "HOME=/root", "EMPTY=", NULL};
static __attribute__((unused)) struct trace_cpuid s_cpuid[] = {
	{0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
	{7, 0, 0, 0x029c6fbf, 0x40000000, 0xbc000400},
	{0x80000001, 0, 0, 0, 0x121, 0x2c100800},
};

static __attribute__((unused)) void sample_header(struct trace_header *h)
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
	h->chaos = 1;
	h->chaos_seed = 0xfedcba9876543210ull;
}

static __attribute__((unused)) uint8_t s_filedata[3000];
static __attribute__((unused)) uint8_t s_content[2][8192];
static __attribute__((unused)) uint8_t s_regdata[3][300];
static __attribute__((unused)) uint8_t s_siginfo[128];

static __attribute__((unused)) void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static __attribute__((unused)) struct trace_map s_maps[5];

static __attribute__((unused)) void sample_exec(struct trace_exec *e)
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

static __attribute__((unused)) struct trace_region s_regions[3];

static __attribute__((unused)) void sample_syscall_regions(struct trace_syscall *s)
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

static __attribute__((unused)) void sample_syscall_blob(struct trace_syscall *s)
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

static __attribute__((unused)) void sample_syscall_fail(struct trace_syscall *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 1;
	s->nr = 257; /* openat */
	s->result = -ENOENT;
}

static __attribute__((unused)) uint8_t s_fwdata[77];

/* A write whose bytes are known only by hash. */
static __attribute__((unused)) void sample_syscall_datahash(struct trace_syscall *s)
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
static __attribute__((unused)) void sample_syscall_shared(struct trace_syscall *s)
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
static __attribute__((unused)) void sample_syscall_filewrite(struct trace_syscall *s)
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

static __attribute__((unused)) void sample_signal(struct trace_signal *s)
{
	memset(s, 0, sizeof *s);
	s->tid = 4242;
	s->signo = 11;
	s->code = -6;
	s->rip = 0x401234;
	memcpy(s->siginfo, s_siginfo, sizeof s->siginfo);
}

static __attribute__((unused)) void sample_rdtsc(struct trace_rdtsc *r)
{
	*r = (struct trace_rdtsc){.tid = 4242, .is_rdtscp = 1, .insn_len = 3, .aux = 5,
				  .rip = 0x7ffff7e01234ull, .tsc = 0x123456789abcdefull};
}

static __attribute__((unused)) void sample_end(struct trace_end *e)
{
	*e = (struct trace_end){.end_realtime_ns = 1790000001000000000ull, .duration_ns = 876543210,
				.status = 137, .flags = END_FAILED, .reason = "unknown syscall 333"};
}

/* Writes a trace of every record type; returns its number of records. */
static __attribute__((unused)) uint64_t write_all_types(const char *path)
{
	struct trace_writer w;
	struct trace_header h;
	struct trace_file f = {{0xabcdef, 0x123456}, "/usr/lib/libfoo.so.1", sizeof s_filedata, s_filedata, 0, 0, 0, NULL, 0};
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

static __attribute__((unused)) int setup(void **state)
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

static __attribute__((unused)) int teardown(void **state)
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

static __attribute__((unused)) void decode_any(const struct trace_rec *rec, struct scan *s)
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
	case TR_PREEMPT: {
		struct trace_preempt p;
		r = trace_get_preempt(rec, &p);
		break;
	}
	case TR_SITE: {
		struct trace_site si;
		r = trace_get_site(rec, &si);
		break;
	}
	case TR_SIGFRAME: {
		struct trace_sigframe f;
		r = trace_get_sigframe(rec, &f);
		break;
	}
	case TR_INPROC: {
		struct trace_inproc ip;
		r = trace_get_inproc(rec, &ip);
		break;
	}
	case TR_PATCH: {
		struct trace_patch pa;
		r = trace_get_patch(rec, &pa);
		break;
	}
	case TR_BUFFER: {
		struct trace_buffer bf;
		r = trace_get_buffer(rec, &bf);
		/* every region's last byte is in the record */
		for (uint32_t i = 0; !r && i < bf.count; i++)
			for (uint32_t k = 0; k < bf.entries[i].nregions; k++)
				if (bf.entries[i].regions[k].len)
					(void)*(volatile const uint8_t *)&bf.entries[i].regions[k]
						 .data[bf.entries[i].regions[k].len - 1];
		trace_buffer_free(&bf);
		break;
	}
	default:
		fail_msg("trace_next returned unknown type %u", rec->type);
	}
	if (r)
		s->decode_errs++;
}

static __attribute__((unused)) void scan_file(const char *path, struct scan *s)
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
static __attribute__((unused)) void scan_bytes(const uint8_t *p, size_t n, struct scan *s)
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


#endif
