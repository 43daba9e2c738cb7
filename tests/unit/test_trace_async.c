/* test_trace_async.c - the asynchronous trace writer (trace_writer_async):
 * its worker thread compresses and writes the frames in order, the real
 * reader reads back the same records as from a synchronous writer, the
 * caller waits when the queue is full, and write errors reach the caller. */
#include "trace_test_util.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#define NREC 60000
#define FLUSH_EVERY 7919 /* explicit flushes between the writer's own */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Incompressible bytes, the same for the same seed. */
static void gen_data(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = mix(seed * 1000003 + i);
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Record k's data length: mostly small, now and then over a frame. */
static uint32_t rec_len(uint64_t k)
{
	return k % 5000 == 4999 ? 300 * 1024 : (uint32_t)(mix(k) % 2000);
}

static int put_rec(struct trace_writer *w, uint64_t k, uint32_t len, uint8_t *data)
{
	gen_data(data, len, k);
	struct trace_region reg = {0x10000 + k * 64, len, data};
	struct trace_syscall s = {.tid = 100, .nr = 0, .args = {k, 0x10000 + k * 64, len},
				  .result = len, .nregions = 1, .regions = &reg};
	return trace_put_syscall(w, &s);
}

struct written {
	uint64_t events, raw_bytes, file_bytes;
	uint32_t nframes;
};

/* Writes NREC records (and header, end) at path, with a worker if async. */
static void write_trace(const char *path, int async, struct written *out)
{
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.status = 3, .reason = "done"};
	uint8_t *data = malloc(300 * 1024);
	assert_non_null(data);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	if (async)
		assert_int_equal(trace_writer_async(&w, NULL), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	for (uint64_t k = 0; k < NREC; k++) {
		assert_int_equal(put_rec(&w, k, rec_len(k), data), 0);
		if (k % FLUSH_EVERY == 0)
			assert_int_equal(trace_flush(&w), 0);
	}
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	out->events = w.events;
	out->raw_bytes = w.raw_bytes;
	out->file_bytes = w.file_bytes;
	out->nframes = w.nframes;
	free(data);
}

/* Reads path with the real reader: every record as written, the writer's
 * counts; appends each record (type, length, payload) to stream. */
static void check_trace(const char *path, const struct written *wr, struct buf *stream)
{
	struct trace_reader r;
	struct trace_rec rec;
	uint8_t *data = malloc(300 * 1024);
	assert_non_null(data);
	assert_int_equal(trace_reader_open(&r, path), 0);
	assert_int_equal(r.hdr.version, TRACE_VERSION);
	uint64_t k = 0;
	int n;
	while ((n = trace_next(&r, &rec)) > 0) {
		buf_u32(stream, rec.type);
		buf_u32(stream, rec.len);
		buf_put(stream, rec.data, rec.len);
		if (rec.type != TR_SYSCALL)
			break;
		struct trace_syscall s;
		uint32_t len = rec_len(k);
		assert_int_equal(rec.event, k + 1);
		assert_int_equal(trace_get_syscall(&rec, &s), 0);
		assert_int_equal(s.args[0], k);
		assert_int_equal(s.nregions, 1);
		assert_int_equal(s.regions[0].len, len);
		gen_data(data, len, k);
		assert_memory_equal(s.regions[0].data, data, len);
		free(s.regions);
		k++;
	}
	assert_int_equal(k, NREC);
	assert_int_equal(n, 1);
	assert_int_equal(rec.type, TR_END);
	struct trace_end e;
	assert_int_equal(trace_get_end(&rec, &e), 0);
	assert_int_equal(e.status, 3);
	assert_int_equal(rec.event, wr->events - 1);
	assert_int_equal(trace_next(&r, &rec), 0);
	assert_int_equal(r.nframes, wr->nframes);
	assert_int_equal(r.raw_bytes, wr->raw_bytes);
	trace_reader_close(&r);
	free(data);
}

/* The index frame at the end: every frame's offset (an LZ4 frame starts
 * there for the first, a check frame then the LZ4 frame for the others) in
 * order, the file's size the writer's file_bytes. */
static void check_index(const char *path, const struct written *wr)
{
	size_t n;
	uint8_t *p = read_whole(path, &n);
	assert_int_equal(n, wr->file_bytes);
	size_t ixlen = 8 + 12 + 16 * (size_t)wr->nframes, ix = n - ixlen;
	uint32_t magic, size, nframes;
	memcpy(&magic, p + ix, 4);
	memcpy(&size, p + ix + 4, 4);
	memcpy(&nframes, p + ix + 16, 4);
	assert_int_equal(magic, TRACE_INDEX_MAGIC);
	assert_int_equal(size, ixlen - 8);
	assert_memory_equal(p + ix + 8, "HXINDEX1", 8);
	assert_int_equal(nframes, wr->nframes);
	uint64_t prev_off = 0, prev_first = 0;
	for (uint32_t i = 0; i < nframes; i++) {
		uint64_t off, first;
		uint32_t fmagic;
		memcpy(&off, p + ix + 20 + 16 * i, 8);
		memcpy(&first, p + ix + 28 + 16 * i, 8);
		assert_true(i ? off > prev_off && first >= prev_first : off == 0 && first == 0);
		size_t lz = i ? TRACE_CHECK_SIZE : 0;
		assert_true(off + lz + 4 <= ix);
		memcpy(&fmagic, p + off, 4);
		assert_int_equal(fmagic, i ? TRACE_CHECK_MAGIC : 0x184D2204u);
		memcpy(&fmagic, p + off + lz, 4);
		assert_int_equal(fmagic, 0x184D2204u); /* LZ4 frame magic */
		prev_off = off;
		prev_first = first;
	}
	free(p);
}

/* Many records through the worker: the reader reads what a synchronous
 * writer's trace holds, record for record. */
static void test_async_round_trip(void **state)
{
	(void)state;
	char spath[128], apath[128];
	struct written sw, aw;
	struct buf sstream = {0}, astream = {0};
	tmp_path(spath);
	tmp_path(apath);
	write_trace(spath, 0, &sw);
	write_trace(apath, 1, &aw);
	assert_true(aw.nframes > 20);
	assert_int_equal(aw.events, sw.events);
	check_trace(spath, &sw, &sstream);
	check_trace(apath, &aw, &astream);
	check_index(apath, &aw);
	assert_int_equal(astream.len, sstream.len);
	assert_memory_equal(astream.p, sstream.p, sstream.len);
	buf_free(&sstream);
	buf_free(&astream);
	unlink(spath);
	unlink(apath);
}

/* Reads the file records of one file (hash lo), its chunks in order from
 * offset 0, and checks they hold want (size bytes). */
static void read_file_chunks(struct trace_reader *r, uint64_t lo, const uint8_t *want, size_t size)
{
	struct trace_rec rec;
	size_t off = 0;
	do {
		struct trace_file f;
		assert_int_equal(trace_next(r, &rec), 1);
		assert_int_equal(rec.type, TR_FILE);
		assert_int_equal(trace_get_file(&rec, &f), 0);
		assert_int_equal(f.hash.lo, lo);
		assert_int_equal(f.size, size);
		assert_int_equal(f.offset, off);
		assert_true(f.len > 0 && f.len <= TRACE_FILE_CHUNK);
		assert_memory_equal(f.data, want + off, f.len);
		off += f.len;
	} while (off < size);
}

/* Records bigger than the queue's byte bound (several 24 MiB file
 * chunks): the caller waits for the worker; the file's bytes come back. */
static void test_async_big_records(void **state)
{
	(void)state;
	char path[128];
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.reason = ""};
	const size_t size = 24u << 20;
	const int nfiles = 4;
	uint8_t *content = malloc(size);
	assert_non_null(content);
	for (size_t i = 0; i < size; i++)
		content[i] = (uint8_t)(i * 7 + (i >> 12));
	tmp_path(path);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_writer_async(&w, NULL), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	for (int i = 0; i < nfiles; i++) {
		content[0] = (uint8_t)i;
		struct trace_file f = {.hash = {(uint64_t)i, 0}, .path = "/big", .size = size, .data = content};
		assert_int_equal(trace_put_file(&w, &f), 0);
	}
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);

	struct trace_reader r;
	struct trace_rec rec;
	assert_int_equal(trace_reader_open(&r, path), 0);
	for (int i = 0; i < nfiles; i++) {
		content[0] = (uint8_t)i;
		read_file_chunks(&r, (uint64_t)i, content, size);
	}
	assert_int_equal(trace_next(&r, &rec), 1);
	assert_int_equal(rec.type, TR_END);
	assert_int_equal(trace_next(&r, &rec), 0);
	assert_int_equal(r.nframes, w.nframes);
	trace_reader_close(&r);
	free(content);
	unlink(path);
}

/* A mapped file handed over (trace_file.mapped): its bytes are not copied
 * but read by the writer, which unmaps the mapping once it compressed it;
 * synchronous and asynchronous writers alike, between other records. */
static void test_mapped_file(void **state)
{
	(void)state;
	const size_t size = (3u << 20) + 12345;
	uint8_t *content = malloc(size), *data = malloc(2000);
	assert_non_null(content);
	assert_non_null(data);
	for (size_t i = 0; i < size; i++)
		content[i] = (uint8_t)(i * 13 + (i >> 10));
	char fpath[128], path[128];
	tmp_path(fpath);
	write_file(fpath, content, size);
	for (int async = 0; async < 2; async++) {
		struct trace_writer w;
		struct trace_header h;
		struct trace_end end = {.reason = ""};
		int fd = open(fpath, O_RDONLY);
		assert_true(fd >= 0);
		uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		assert_true(map != MAP_FAILED);
		close(fd);
		tmp_path(path);
		sample_header(&h);
		assert_int_equal(trace_writer_open(&w, path, 0), 0);
		if (async)
			assert_int_equal(trace_writer_async(&w, NULL), 0);
		assert_int_equal(trace_put_header(&w, &h), 0);
		assert_int_equal(put_rec(&w, 1, 1000, data), 0);
		struct trace_file f = {.hash = {5, 6}, .path = "/mapped", .size = size, .data = map, .mapped = 1};
		assert_int_equal(trace_put_file(&w, &f), 0);
		assert_int_equal(put_rec(&w, 2, 1500, data), 0);
		assert_int_equal(trace_put_end(&w, &end), 0);
		assert_int_equal(trace_writer_close(&w), 0);
		/* unmapped by the writer: mincore fails on a hole */
		unsigned char vec[1];
		assert_int_equal(mincore(map, 4096, vec), -1);
		assert_int_equal(errno, ENOMEM);

		struct trace_reader r;
		struct trace_rec rec;
		struct trace_syscall sc;
		assert_int_equal(trace_reader_open(&r, path), 0);
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(trace_get_syscall(&rec, &sc), 0);
		assert_int_equal(sc.args[0], 1);
		free(sc.regions);
		read_file_chunks(&r, 5, content, size);
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(trace_get_syscall(&rec, &sc), 0);
		assert_int_equal(sc.args[0], 2);
		gen_data(data, 1500, 2);
		assert_memory_equal(sc.regions[0].data, data, 1500);
		free(sc.regions);
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(rec.type, TR_END);
		assert_int_equal(trace_next(&r, &rec), 0);
		trace_reader_close(&r);
		unlink(path);
	}
	unlink(fpath);
	free(content);
	free(data);
}

/* A trace written over an old one: the path gets a new file (the old
 * one's blocks are freed off the caller's path), a reader that had the old
 * one open still reads it whole; a path that is not a regular file is
 * written in place, never removed. */
static void test_replace_old(void **state)
{
	(void)state;
	char path[128];
	static const char old[] = "an old trace, still open";
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.reason = ""};
	struct stat st, dn;
	tmp_path(path);
	write_file(path, old, sizeof old);
	int rfd = open(path, O_RDONLY);
	assert_true(rfd >= 0);
	assert_int_equal(fstat(rfd, &st), 0);
	sample_header(&h);
	for (int async = 0; async < 2; async++) {
		assert_int_equal(trace_writer_open(&w, path, 0), 0);
		if (async)
			assert_int_equal(trace_writer_async(&w, NULL), 0);
		assert_int_equal(trace_put_header(&w, &h), 0);
		assert_int_equal(trace_put_end(&w, &end), 0);
		assert_int_equal(trace_writer_close(&w), 0);
		struct trace_reader r;
		struct trace_rec rec;
		assert_int_equal(trace_reader_open(&r, path), 0);
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(rec.type, TR_END);
		trace_reader_close(&r);
	}
	char got[sizeof old];
	assert_int_equal(pread(rfd, got, sizeof got, 0), sizeof old);
	assert_memory_equal(got, old, sizeof old);
	struct stat now;
	assert_int_equal(stat(path, &now), 0);
	assert_true(now.st_ino != st.st_ino);
	close(rfd);
	unlink(path);
	/* /dev/null: written to, still the device */
	assert_int_equal(trace_writer_open(&w, "/dev/null", 0), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	assert_int_equal(stat("/dev/null", &dn), 0);
	assert_true(S_ISCHR(dn.st_mode));
}

/* ---- a bounded queue: the trace goes into a FIFO read late ---- */

struct drain {
	const char *path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int go;      /* the writer has handed over a full queue */
	int reading; /* the FIFO is read from now on */
	struct buf got;
};

static void *drain_fifo(void *arg)
{
	struct drain *d = arg;
	uint8_t chunk[65536];
	int fd = open(d->path, O_RDONLY);
	if (fd < 0)
		return NULL;
	fcntl(fd, F_SETPIPE_SZ, 4096); /* the worker blocks in its first frame */
	pthread_mutex_lock(&d->mu);
	while (!d->go)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
	/* Late: a writer that does not wait for its queue goes on meanwhile. */
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	__atomic_store_n(&d->reading, 1, __ATOMIC_SEQ_CST);
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_put(&d->got, chunk, (size_t)n);
	close(fd);
	return NULL;
}

/* The caller hands over TRACE_QUEUE_FRAMES frames without waiting for the
 * file (the worker is stuck writing the first), then waits for room; the
 * trace read from the FIFO is whole. */
static void test_async_queue_bound(void **state)
{
	(void)state;
	char path[128], fpath[140];
	struct drain d = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.reason = ""};
	pthread_t th;
	uint8_t *data = malloc(64 * 1024);
	assert_non_null(data);
	alarm(60); /* a writer that waits for the FIFO on its own thread never ends */
	tmp_path(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	d.path = path;
	assert_int_equal(pthread_create(&th, NULL, drain_fifo, &d), 0);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, path, 0), 0);
	assert_int_equal(trace_writer_async(&w, NULL), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	uint64_t k = 0;
	while (w.nframes < TRACE_QUEUE_FRAMES) /* 64 KiB records: a frame every 4 */
		assert_int_equal(put_rec(&w, k++, 64 * 1024, data), 0);
	assert_int_equal(__atomic_load_n(&d.reading, __ATOMIC_SEQ_CST), 0);
	pthread_mutex_lock(&d.mu);
	d.go = 1;
	pthread_cond_signal(&d.cv);
	pthread_mutex_unlock(&d.mu);
	while (w.nframes == TRACE_QUEUE_FRAMES)
		assert_int_equal(put_rec(&w, k++, 64 * 1024, data), 0);
	/* Handing over one more frame waited for the worker, so for the FIFO. */
	assert_int_equal(__atomic_load_n(&d.reading, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(d.got.len, w.file_bytes);

	struct trace_reader r;
	struct trace_rec rec;
	snprintf(fpath, sizeof fpath, "%s.copy", path);
	write_file(fpath, d.got.p, d.got.len);
	assert_int_equal(trace_reader_open(&r, fpath), 0);
	for (uint64_t i = 0; i < k; i++) {
		struct trace_syscall s;
		assert_int_equal(trace_next(&r, &rec), 1);
		assert_int_equal(trace_get_syscall(&rec, &s), 0);
		assert_int_equal(s.args[0], i);
		gen_data(data, 64 * 1024, i);
		assert_memory_equal(s.regions[0].data, data, 64 * 1024);
		free(s.regions);
	}
	assert_int_equal(trace_next(&r, &rec), 1);
	assert_int_equal(rec.type, TR_END);
	assert_int_equal(trace_next(&r, &rec), 0);
	trace_reader_close(&r);
	alarm(600);
	buf_free(&d.got);
	free(data);
	unlink(path);
	unlink(fpath);
}

/* ---- write errors ---- */

/* A disk full while the worker writes: trace_end reports it within a
 * queue's worth of frames, it stays (the end record too), close returns it. */
static void test_async_write_error(void **state)
{
	(void)state;
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.reason = ""};
	uint8_t *data = malloc(64 * 1024);
	assert_non_null(data);
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, "/dev/full", 0), 0);
	assert_int_equal(trace_writer_async(&w, NULL), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	int r = 0;
	uint64_t k;
	for (k = 0; k < 8 * (TRACE_QUEUE_FRAMES + 2) && !r; k++)
		r = put_rec(&w, k, 64 * 1024, data);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(w.err, -ENOSPC);
	assert_int_equal(put_rec(&w, k, 10, data), -ENOSPC);
	assert_int_equal(trace_put_end(&w, &end), -ENOSPC);
	assert_int_equal(trace_flush(&w), -ENOSPC);
	assert_int_equal(trace_writer_close(&w), -ENOSPC);
	free(data);
}

/* A trace small enough for one frame: the error shows at close. */
static void test_async_write_error_at_close(void **state)
{
	(void)state;
	struct trace_writer w;
	struct trace_header h;
	struct trace_end end = {.reason = ""};
	sample_header(&h);
	assert_int_equal(trace_writer_open(&w, "/dev/full", 0), 0);
	assert_int_equal(trace_writer_async(&w, NULL), 0);
	assert_int_equal(trace_put_header(&w, &h), 0);
	assert_int_equal(trace_put_end(&w, &end), 0);
	assert_int_equal(trace_writer_close(&w), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_async_round_trip),
		cmocka_unit_test(test_async_big_records),
		cmocka_unit_test(test_mapped_file),
		cmocka_unit_test(test_replace_old),
		cmocka_unit_test(test_async_queue_bound),
		cmocka_unit_test(test_async_write_error),
		cmocka_unit_test(test_async_write_error_at_close),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
