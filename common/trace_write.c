/* trace_write.c - the trace writer: records into LZ4 frames, sticky errors;
 * synchronous, or with a worker thread that compresses and writes the
 * frames in order while the caller records (trace_writer_async). */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* Closes the file a trace replaced, if any (its blocks are freed now). */
static void old_close(struct trace_writer *w)
{
	if (w->old_fd >= 0)
		close(w->old_fd);
	w->old_fd = -1;
}

int trace_writer_open(struct trace_writer *w, const char *path, int excl)
{
	memset(w, 0, sizeof *w);
	w->old_fd = -1;
	w->chain = XXH3_createState();
	if (!w->chain || XXH3_64bits_reset(w->chain) != XXH_OK) {
		XXH3_freeState(w->chain);
		w->chain = NULL;
		w->fd = -1;
		return -ENOMEM;
	}
	/* A regular file there (not a link, FIFO or device): unlinked and made
	 * anew rather than truncated, its blocks freed when old_fd is closed,
	 * on the worker (truncating a 7 MB trace took 1-5 ms); a reader that
	 * has it open keeps reading the old trace. */
	struct stat st;
	w->fd = -1;
	if (!excl && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (w->old_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		if (unlink(path) == 0)
			w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_EXCL, 0644);
		if (w->fd < 0)
			old_close(w);
	}
	if (w->fd < 0)
		w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC), 0644);
	if (w->fd < 0) {
		int e = errno;
		XXH3_freeState(w->chain);
		w->chain = NULL;
		return -e;
	}
	w->prefs.frameInfo.blockSizeID = LZ4F_max256KB;
	/* no xxHash32 checksums: the check frame before it covers the frame */
	w->prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
	w->prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
	w->prefs.compressionLevel = 1;
	w->start_ns = w->frame_ns = now_ns();
	return 0;
}

/* Takes the worker's error into w->err (sticky); returns w->err. */
static int worker_err(struct trace_writer *w)
{
	if (w->async && !w->err)
		w->err = __atomic_load_n(&w->werr, __ATOMIC_ACQUIRE);
	return w->err;
}

/* Before a record: ends the pending frame if it is too old, and starts a
 * new one with its frame record (whose chain the worker's chain stage
 * writes when async). */
static void frame_open(struct trace_writer *w)
{
	uint64_t now = now_ns();
	/* Every record of a frame is written within TRACE_FRAME_SPAN_NS of its
	 * frame record's time: replay bounds its waits by these times. */
	if (w->rec.len > 0 && now - w->frame_ns > TRACE_FRAME_SPAN_NS)
		trace_flush(w);
	if (w->rec.len == 0 && w->nframes > 0) {
		struct trace_frame f = {w->nframes, w->events, now - w->start_ns, w->async ? 0 : XXH3_64bits_digest(w->chain)};
		trace_put_frame(w, &f);
		w->frame_ns = now;
	}
}

struct buf *trace_begin(struct trace_writer *w, uint32_t type)
{
	frame_open(w);
	w->rec_start = w->rec.len;
	buf_u32(&w->rec, type);
	buf_u32(&w->rec, 0);
	return &w->rec;
}

int trace_end(struct trace_writer *w)
{
	if (w->rec.err && !w->err)
		w->err = w->rec.err;
	if (worker_err(w))
		return w->err;
	size_t len = w->rec.len - w->rec_start - 8 + w->ext_len;
	if (len > TRACE_RECORD_MAX) {
		w->rec.len = w->rec_start; /* dropped: the trace stays readable */
		return -EFBIG; /* (an ext is the caller's to release) */
	}
	uint32_t l32 = (uint32_t)len;
	memcpy(w->rec.p + w->rec_start + 4, &l32, 4);
	w->events++;
	if (w->ext_len || w->rec.len >= TRACE_FRAME_TARGET || now_ns() - w->frame_ns > TRACE_FRAME_SPAN_NS)
		return trace_flush(w);
	return 0;
}

/* The sync writer's compression buffer above this capacity is freed once
 * its frame is written, so that one big record does not hold its memory
 * for good. */
#define QBUF_KEEP (4 * TRACE_FRAME_TARGET)
/* Buffers of written frames are kept in a pool for the next frames (no
 * page faults per frame: cp's 1 MiB frames), up to QBUF_POOL of them and
 * QBUF_IDLE_MAX bytes of capacity; the rest are freed. */
#define QBUF_IDLE_MAX (4u << 20)

/* Puts b's memory into w's pool or frees it (w->mu held); b is left empty. */
static void pool_put(struct trace_writer *w, struct buf *b)
{
	if (b->cap && w->npool < QBUF_POOL && w->pool_bytes + b->cap <= QBUF_IDLE_MAX) {
		b->len = 0;
		b->err = 0;
		w->pool_bytes += b->cap;
		w->pool[w->npool++] = *b;
	} else {
		buf_free(b);
	}
	*b = (struct buf){0};
}

/* A buffer from w's pool, or an empty one (w->mu held). */
static struct buf pool_get(struct trace_writer *w)
{
	if (!w->npool)
		return (struct buf){0};
	struct buf b = w->pool[--w->npool];
	w->pool_bytes -= b.cap;
	return b;
}

/* Unmaps a mapped file's chunk (from a page boundary: chunks begin at
 * multiples of TRACE_FILE_CHUNK) once it is compressed. */
static void ext_release(const uint8_t *ext, size_t len)
{
	if (ext && len)
		munmap((void *)(uintptr_t)ext, (len + 4095) & ~(size_t)4095);
}

/* The largest block of a frame (LZ4F_max256KB), stored or compressed. */
#define STORE_BLOCK (256u << 10)

/* Puts raw, then ext_len bytes at ext, into out at offset at as an LZ4 frame
 * of uncompressed blocks (a copy: for when the queue is nearly full); its
 * size in *n; returns 0 or -ENOMEM. */
static int frame_store(const struct buf *raw, const uint8_t *ext, size_t ext_len, struct buf *out, size_t at,
		       size_t *n)
{
	size_t blocks = (raw->len + STORE_BLOCK - 1) / STORE_BLOCK + (ext_len + STORE_BLOCK - 1) / STORE_BLOCK;
	if (buf_reserve(out, at + 7 + 4 * blocks + raw->len + ext_len + 4))
		return -ENOMEM;
	uint8_t *p = out->p + at, *q = p + 7;
	uint32_t magic = 0x184D2204u, blk;
	memcpy(p, &magic, 4);
	p[4] = 0x60; /* FLG: version 01, independent blocks, no checksums, no size */
	p[5] = 0x50; /* BD: blocks of at most 256 KB */
	p[6] = (uint8_t)(XXH32(p + 4, 2, 0) >> 8);
	for (int part = 0; part < 2; part++) {
		const uint8_t *src = part ? ext : raw->p;
		size_t left = part ? ext_len : raw->len;
		while (left > 0) {
			size_t k = left < STORE_BLOCK ? left : STORE_BLOCK;
			blk = (uint32_t)k | 0x80000000u; /* high bit: stored */
			memcpy(q, &blk, 4);
			memcpy(q + 4, src, k);
			q += 4 + k;
			src += k;
			left -= k;
		}
	}
	blk = 0; /* end mark */
	memcpy(q, &blk, 4);
	*n = (size_t)(q + 4 - p);
	return 0;
}

/* Compresses raw, then ext_len bytes at ext, as one LZ4 frame into out at
 * offset at, with prefs at LZ4 level level (or stored: TRACE_STORE_LEVEL),
 * its size in *n; returns 0 or -errno. */
static int frame_lz4(LZ4F_preferences_t prefs, const struct buf *raw, const uint8_t *ext, size_t ext_len,
		     struct buf *out, size_t at, int level, size_t *n)
{
	if (level == TRACE_STORE_LEVEL)
		return frame_store(raw, ext, ext_len, out, at, n);
	prefs.compressionLevel = level;
	if (!ext_len) {
		size_t bound = LZ4F_compressFrameBound(raw->len, &prefs);
		if (buf_reserve(out, at + bound))
			return -ENOMEM;
		*n = LZ4F_compressFrame(out->p + at, bound, raw->p, raw->len, &prefs);
		return LZ4F_isError(*n) ? -EIO : 0;
	}
	size_t bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(raw->len, &prefs) +
		       LZ4F_compressBound(ext_len, &prefs) + LZ4F_compressBound(0, &prefs);
	LZ4F_cctx *cx;
	if (buf_reserve(out, at + bound))
		return -ENOMEM;
	if (LZ4F_isError(LZ4F_createCompressionContext(&cx, LZ4F_VERSION)))
		return -ENOMEM;
	uint8_t *o = out->p + at;
	size_t k = 0, r = LZ4F_compressBegin(cx, o, bound, &prefs);
	if (!LZ4F_isError(r) && (k += r, 1))
		r = LZ4F_compressUpdate(cx, o + k, bound - k, raw->p, raw->len, NULL);
	if (!LZ4F_isError(r) && (k += r, 1))
		r = LZ4F_compressUpdate(cx, o + k, bound - k, ext, ext_len, NULL);
	if (!LZ4F_isError(r) && (k += r, 1))
		r = LZ4F_compressEnd(cx, o + k, bound - k, NULL);
	LZ4F_freeCompressionContext(cx);
	if (LZ4F_isError(r))
		return -EIO;
	*n = k + r;
	return 0;
}

/* Compresses raw, then ext_len bytes at ext, into out: a check frame (the
 * LZ4 frame's length and XXH3-64) and the LZ4 frame, their size in *n;
 * returns 0 or -errno. The first frame (the header's, first_event 0, a few
 * KiB) is an LZ4 frame with its own block and content checksums instead, as
 * in format 7, so that an older replay reads the header and names the
 * version it does not support. */
static int frame_compress(const struct trace_writer *w, const struct buf *raw, const uint8_t *ext, size_t ext_len,
			  struct buf *out, int level, uint64_t first_event, size_t *n)
{
	size_t len;
	out->len = 0;
	if (first_event == 0) {
		LZ4F_preferences_t prefs = w->prefs;
		prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
		prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
		return frame_lz4(prefs, raw, ext, ext_len, out, 0, level == TRACE_STORE_LEVEL ? 1 : level, n);
	}
	int r = frame_lz4(w->prefs, raw, ext, ext_len, out, TRACE_CHECK_SIZE, level, &len);
	if (r)
		return r;
	uint32_t hdr[2] = {TRACE_CHECK_MAGIC, 16};
	uint64_t chk[2] = {len, XXH3_64bits_withSeed(out->p + TRACE_CHECK_SIZE, len, len)};
	memcpy(out->p, hdr, 8);
	memcpy(out->p + 8, chk, 16);
	*n = TRACE_CHECK_SIZE + len;
	return 0;
}

/* Appends a compressed frame's index entry and writes the frame: the
 * caller's in sync mode, the one writing thread's in async mode. Returns 0
 * or -errno. */
static int frame_put(struct trace_writer *w, const void *p, size_t n, uint64_t first_event)
{
	if (w->index.len >= (size_t)TRACE_INDEX_MAX * 16) {
		buf_free(&w->index); /* a long recording: no index, rec's memory stays bounded */
		w->no_index = 1;
	}
	if (!w->no_index) {
		buf_u64(&w->index, w->file_bytes);
		buf_u64(&w->index, first_event);
	}
	int r = write_all(w->fd, p, n);
	if (!r)
		w->file_bytes += n;
	return r;
}

/* Frees the head slot (w->mu held). */
static void head_release(struct trace_writer *w)
{
	struct trace_qframe *f = &w->q[w->qhead];
	w->qbytes -= f->raw.len + f->ext_len;
	ext_release(f->ext, f->ext_len); /* dropped after an error: not compressed */
	f->ext = NULL;
	f->ext_len = 0;
	pool_put(w, &f->raw);
	pool_put(w, &f->out);
	f->state = QF_FREE;
	w->qhead = (w->qhead + 1) % TRACE_QUEUE_FRAMES;
	w->qcount--;
}

/* Whether the head frame can go: compressed, or (after an error, when
 * frames are dropped) not being compressed. */
static int head_ready(const struct trace_writer *w)
{
	int st = w->q[w->qhead].state;
	return w->qcount > 0 && (st == QF_DONE || (w->werr && st == QF_QUEUED));
}

/* The oldest queued frame in state (QF_*), or NULL (w->mu held). */
static struct trace_qframe *oldest(struct trace_writer *w, int state)
{
	for (unsigned i = 0; i < w->qcount; i++) {
		struct trace_qframe *g = &w->q[(w->qhead + i) % TRACE_QUEUE_FRAMES];
		if (g->state == state)
			return g;
	}
	return NULL;
}

/* The chain stage, w->mu held (let go meanwhile): for the oldest QF_RAW
 * frame, unless another thread is at it: its deferred record made (or
 * dropped after an error), its frame record's chain written (the hash of
 * every raw byte before it) and its bytes hashed into the chain; then it
 * may be compressed. Frames go through it one at a time, in order.
 * Returns 1 if it did something. */
static int chain_step(struct trace_writer *w)
{
	struct trace_qframe *f = w->chaining ? NULL : oldest(w, QF_RAW);
	if (!f)
		return 0;
	w->chaining = 1;
	size_t before = f->raw.len;
	int err = w->werr;
	pthread_mutex_unlock(&w->mu);
	if (f->fill) {
		int r = f->fill(f->fill_arg, err ? NULL : &f->raw);
		err = err ? err : r ? r : f->raw.err;
		f->fill = NULL;
	}
	if (!err) {
		/* (the frame record's chain: 8 bytes of header, seq, event, time) */
		uint64_t d = XXH3_64bits_digest(w->chain);
		if (f->has_frec && f->raw.len >= 40)
			memcpy(f->raw.p + 32, &d, 8);
		XXH3_64bits_update(w->chain, f->raw.p, f->raw.len);
		if (f->ext_len)
			XXH3_64bits_update(w->chain, f->ext, f->ext_len);
	}
	pthread_mutex_lock(&w->mu);
	w->qbytes = w->qbytes + f->raw.len - before - f->fill_est;
	f->fill_est = 0;
	if (err && !w->werr)
		__atomic_store_n(&w->werr, err, __ATOMIC_RELEASE);
	f->state = QF_QUEUED;
	w->chaining = 0;
	pthread_cond_broadcast(&w->queued);
	pthread_cond_broadcast(&w->done);
	return 1;
}

/* One step of the queue's work, w->mu held (let go meanwhile): writes the
 * compressed frames at the head in order, unless another thread is
 * writing; else compresses the oldest frame nobody has taken. After an
 * error, frames are dropped unwritten. Returns 1 if it did something, 0 if
 * nothing was left to this thread. */
static int queue_step(struct trace_writer *w)
{
	if (!w->writing && head_ready(w)) {
		w->writing = 1;
		while (head_ready(w)) {
			struct trace_qframe *f = &w->q[w->qhead];
			if (!w->werr) {
				pthread_mutex_unlock(&w->mu);
				int err = frame_put(w, f->out.p, f->outlen, f->first_event);
				pthread_mutex_lock(&w->mu);
				if (err && !w->werr)
					__atomic_store_n(&w->werr, err, __ATOMIC_RELEASE);
			}
			head_release(w);
			pthread_cond_broadcast(&w->done);
		}
		w->writing = 0;
		return 1;
	}
	if (chain_step(w))
		return 1;
	if (w->werr)
		return 0;
	struct trace_qframe *f = oldest(w, QF_QUEUED);
	if (!f)
		return 0;
	f->state = QF_BUSY;
	if (!f->out.cap)
		f->out = pool_get(w);
	/* Falling behind: faster, for a larger trace. */
	int level = w->prefs.compressionLevel;
	if (w->qcount >= TRACE_QUEUE_FRAMES * 7 / 8 || w->qbytes >= TRACE_QUEUE_BYTES / 8 * 7 ||
	    (w->draining && w->qbytes >= TRACE_DRAIN_STORE))
		level = TRACE_STORE_LEVEL;
	else if (w->qcount >= TRACE_QUEUE_FRAMES * 3 / 4 || w->qbytes >= TRACE_QUEUE_BYTES / 4 * 3)
		level = TRACE_FAST_LEVEL * 4;
	else if (w->qcount >= TRACE_QUEUE_FRAMES / 2 || w->qbytes >= TRACE_QUEUE_BYTES / 2)
		level = TRACE_FAST_LEVEL;
	pthread_mutex_unlock(&w->mu);
	int err = frame_compress(w, &f->raw, f->ext, f->ext_len, &f->out, level, f->first_event, &f->outlen);
	ext_release(f->ext, f->ext_len);
	pthread_mutex_lock(&w->mu);
	f->ext = NULL; /* (its length stays counted in qbytes until written) */
	if (err && !w->werr)
		__atomic_store_n(&w->werr, err, __ATOMIC_RELEASE);
	f->state = QF_DONE;
	/* the head may be written now (by whoever is free) */
	pthread_cond_broadcast(&w->queued);
	return 1;
}

/* Runs step (a stage of the writer's pipeline) under w->mu until w is
 * closing and its queue empty. */
static void *run_stage(struct trace_writer *w, int (*step)(struct trace_writer *))
{
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (step(w))
			continue;
		if (w->closing && w->qcount == 0)
			break;
		pthread_cond_wait(&w->queued, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The worker: compresses and writes queued frames until closing and
 * empty. */
static void *worker(void *arg)
{
	struct trace_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	old_close(w);
	pthread_mutex_unlock(&w->mu);
	return run_stage(w, queue_step);
}

/* The chainer: the chain stage alone (chain_step), so that a deferred
 * record does not wait for the frame the worker is compressing; it ends
 * with the worker. */
static void *chainer(void *arg)
{
	return run_stage(arg, chain_step);
}

/* Starts the worker with every signal blocked (rec takes SIGCHLD and the
 * signals it passes on with sigtimedwait on its own thread) and on w->cpus;
 * returns 0 or -errno. */
static int worker_start(struct trace_writer *w)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r = pthread_attr_init(&attr);
	if (r)
		return -r;
	if (CPU_COUNT(&w->cpus) > 0)
		r = pthread_attr_setaffinity_np(&attr, sizeof w->cpus, &w->cpus);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (!r)
		r = pthread_create(&w->thread, &attr, worker, w);
	/* (without it the worker does the chain stage too) */
	if (!r)
		w->chainer_started = !pthread_create(&w->chainer, &attr, chainer, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	w->started = 1;
	return 0;
}

/* Lets the worker run on set (w->cpus or w->wait_cpus), if w has them. A
 * failure is no error: the worker stays where it was. */
static void worker_cpus(struct trace_writer *w, const cpu_set_t *set)
{
	if (w->started && CPU_COUNT(&w->cpus) > 0)
		(void)pthread_setaffinity_np(w->thread, sizeof *set, set);
}

/* The caller's wait (w->mu held) while cond holds: it does the queue's
 * work meanwhile, and lets the worker onto its CPUs when nothing is left
 * to it. */
static void caller_wait(struct trace_writer *w, int (*cond)(const struct trace_writer *))
{
	int widened = 0;
	while (cond(w)) {
		if (queue_step(w))
			continue;
		if (!widened++)
			worker_cpus(w, &w->wait_cpus);
		pthread_cond_wait(&w->done, &w->mu);
	}
	if (widened)
		worker_cpus(w, &w->cpus);
}

static int queue_full(const struct trace_writer *w)
{
	return !w->werr && (w->qcount == TRACE_QUEUE_FRAMES ||
			    (w->qcount > 0 && w->qbytes + w->rec.len + w->ext_len > TRACE_QUEUE_BYTES));
}

static int queue_busy(const struct trace_writer *w)
{
	return w->qcount > 0;
}

/* Hands w->rec to the worker (swapped with a free slot's buffer: no copy),
 * working on the queue while it is full; returns 0 or -errno. */
static int hand_over(struct trace_writer *w)
{
	int r = 0;
	pthread_mutex_lock(&w->mu);
	caller_wait(w, queue_full);
	if (w->werr) {
		r = w->werr;
		goto out;
	}
	struct trace_qframe *f = &w->q[(w->qhead + w->qcount) % TRACE_QUEUE_FRAMES];
	f->raw = w->rec;
	f->ext = w->ext;
	f->ext_len = w->ext_len;
	f->first_event = w->frame_first_event;
	f->state = QF_RAW;
	f->has_frec = w->nframes > 0;
	f->fill = w->fill;
	f->fill_arg = w->fill_arg;
	f->fill_est = w->fill_est;
	w->fill = NULL;
	w->fill_est = 0;
	w->rec = pool_get(w);
	w->ext = NULL;
	w->ext_len = 0;
	w->qbytes += f->raw.len + f->ext_len + f->fill_est;
	w->qcount++;
	pthread_cond_broadcast(&w->queued); /* (the worker and the chainer) */
out:
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Waits for every queued frame to be written (working on them too) and
 * ends the worker; takes its error; frees the queue. */
static void worker_stop(struct trace_writer *w)
{
	if (!w->async)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->draining = 1;
		caller_wait(w, queue_busy);
		w->closing = 1;
		pthread_cond_broadcast(&w->queued);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		if (w->chainer_started)
			pthread_join(w->chainer, NULL);
		w->chainer_started = 0;
		w->started = 0;
	}
	worker_err(w);
	for (int i = 0; i < TRACE_QUEUE_FRAMES; i++) {
		buf_free(&w->q[i].raw);
		buf_free(&w->q[i].out);
	}
	while (w->npool)
		buf_free(&w->pool[--w->npool]);
	w->pool_bytes = 0;
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->queued);
	pthread_mutex_destroy(&w->mu);
	w->async = 0;
}

int trace_flush(struct trace_writer *w)
{
	if (w->rec.err && !w->err)
		w->err = w->rec.err;
	if (worker_err(w) || w->rec.len == 0)
		return w->err;
	if (w->async && !w->started && worker_start(w))
		worker_stop(w); /* no thread: the writer stays synchronous */
	/* The counters are the caller's: the next frame record needs them
	 * now, whoever writes this frame. The chain is too when synchronous;
	 * else the writer's chain stage hashes it, in order (chain_step). */
	size_t len = w->rec.len + w->ext_len;
	int r;
	if (!w->async) {
		uint32_t type;
		memcpy(&type, w->rec.p, 4);
		if (type == TR_FRAME && w->rec.len >= 40) { /* (begun for a worker that could not start) */
			uint64_t d = XXH3_64bits_digest(w->chain);
			memcpy(w->rec.p + 32, &d, 8);
		}
		XXH3_64bits_update(w->chain, w->rec.p, w->rec.len);
		if (w->ext_len)
			XXH3_64bits_update(w->chain, w->ext, w->ext_len);
	}
	if (w->async) {
		r = hand_over(w); /* takes the ext over, unless it fails */
	} else {
		size_t n;
		r = frame_compress(w, &w->rec, w->ext, w->ext_len, &w->out, w->prefs.compressionLevel,
				   w->frame_first_event, &n);
		if (!r)
			r = frame_put(w, w->out.p, n, w->frame_first_event);
		if (w->out.cap > 2 * QBUF_KEEP)
			buf_free(&w->out);
		w->rec.len = 0;
		ext_release(w->ext, w->ext_len);
		w->ext = NULL;
		w->ext_len = 0;
	}
	if (r)
		return w->err = r;
	w->raw_bytes += len;
	w->nframes++;
	w->frame_first_event = w->events;
	return 0;
}

int trace_put_deferred(struct trace_writer *w, trace_fill_fn fill, void *arg, size_t est)
{
	int r;
	if (w->async && !w->started && worker_start(w))
		worker_stop(w); /* no thread: the writer stays synchronous */
	if (worker_err(w)) {
		fill(arg, NULL);
		return w->err;
	}
	if (!w->async || (w->nframes == 0 && w->rec.len == 0)) {
		frame_open(w);
		size_t start = w->rec.len;
		if ((r = fill(arg, &w->rec))) {
			w->rec.len = start;
			return r;
		}
		w->events++;
		if (w->rec.err && !w->err)
			w->err = w->rec.err;
		if (!w->err && w->rec.len >= TRACE_FRAME_TARGET)
			return trace_flush(w);
		return w->err;
	}
	/* the last record of the pending frame, which is handed over now;
	 * the chain stage appends it (and writes the frame record's chain) */
	frame_open(w);
	w->fill = fill;
	w->fill_arg = arg;
	w->fill_est = est;
	w->events++;
	if ((r = trace_flush(w)) && w->fill) {
		w->fill = NULL;
		fill(arg, NULL);
	}
	return r;
}

/* Whether a handed-over frame waits for the chain stage (w->mu held). */
static int fill_pending(const struct trace_writer *w)
{
	for (unsigned i = 0; i < w->qcount; i++)
		if (w->q[(w->qhead + i) % TRACE_QUEUE_FRAMES].state == QF_RAW)
			return 1;
	return 0;
}

void trace_writer_fill_wait(struct trace_writer *w)
{
	if (!w->async || !w->started)
		return;
	pthread_mutex_lock(&w->mu);
	while (fill_pending(w))
		if (!chain_step(w))
			pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int trace_writer_async(struct trace_writer *w, const cpu_set_t *cpus)
{
	int r, conds = 0;
	if (w->async)
		return 0;
	if ((r = pthread_mutex_init(&w->mu, NULL)))
		return -r;
	if ((r = pthread_cond_init(&w->queued, NULL)))
		goto fail;
	conds = 1;
	if ((r = pthread_cond_init(&w->done, NULL)))
		goto fail;
	CPU_ZERO(&w->cpus);
	CPU_ZERO(&w->wait_cpus);
	if (cpus && sched_getaffinity(0, sizeof w->wait_cpus, &w->wait_cpus) == 0) {
		w->cpus = *cpus;
		CPU_OR(&w->wait_cpus, &w->wait_cpus, cpus);
	}
	w->async = 1;
	return 0;
fail:
	if (conds)
		pthread_cond_destroy(&w->queued);
	pthread_mutex_destroy(&w->mu);
	return -r;
}

int trace_writer_close(struct trace_writer *w)
{
	trace_flush(w);
	worker_stop(w);
	old_close(w);
	if (!w->err && !w->index.err && !w->no_index) {
		/* Skippable frame: magic, size, "HXINDEX1", nframes, entries. */
		struct buf b = {0};
		uint32_t size = (uint32_t)(8 + 4 + w->index.len);
		buf_u32(&b, TRACE_INDEX_MAGIC);
		buf_u32(&b, size);
		buf_put(&b, "HXINDEX1", 8);
		buf_u32(&b, w->nframes);
		buf_put(&b, w->index.p, w->index.len);
		if (b.err)
			w->err = b.err;
		else if ((w->err = write_all(w->fd, b.p, b.len)) == 0)
			w->file_bytes += b.len;
		buf_free(&b);
	}
	if (w->fd >= 0 && close(w->fd) && !w->err)
		w->err = -errno;
	w->fd = -1;
	buf_free(&w->rec);
	buf_free(&w->out);
	buf_free(&w->index);
	XXH3_freeState(w->chain);
	w->chain = NULL;
	return w->err;
}
