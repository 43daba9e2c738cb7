/* trace_write.c - the trace writer: records into LZ4 frames, sticky errors;
 * synchronous, or with a worker thread that compresses and writes the
 * frames in order while the caller records (trace_writer_async). */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

int trace_writer_open(struct trace_writer *w, const char *path, int excl)
{
	memset(w, 0, sizeof *w);
	w->chain = XXH3_createState();
	if (!w->chain || XXH3_64bits_reset(w->chain) != XXH_OK) {
		XXH3_freeState(w->chain);
		w->chain = NULL;
		w->fd = -1;
		return -ENOMEM;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC), 0644);
	if (w->fd < 0) {
		int e = errno;
		XXH3_freeState(w->chain);
		w->chain = NULL;
		return -e;
	}
	w->prefs.frameInfo.blockSizeID = LZ4F_max256KB;
	w->prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	w->prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
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

struct buf *trace_begin(struct trace_writer *w, uint32_t type)
{
	uint64_t now = now_ns();
	/* Every record of a frame is written within TRACE_FRAME_SPAN_NS of its
	 * frame record's time: replay bounds its waits by these times. */
	if (w->rec.len > 0 && now - w->frame_ns > TRACE_FRAME_SPAN_NS)
		trace_flush(w);
	if (w->rec.len == 0 && w->nframes > 0) {
		struct trace_frame f = {w->nframes, w->events, now - w->start_ns, XXH3_64bits_digest(w->chain)};
		trace_put_frame(w, &f);
		w->frame_ns = now;
	}
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
	size_t len = w->rec.len - w->rec_start - 8;
	if (len > TRACE_RECORD_MAX) {
		w->rec.len = w->rec_start; /* dropped: the trace stays readable */
		return -EFBIG;
	}
	uint32_t l32 = (uint32_t)len;
	memcpy(w->rec.p + w->rec_start + 4, &l32, 4);
	w->events++;
	if (w->rec.len >= TRACE_FRAME_TARGET || now_ns() - w->frame_ns > TRACE_FRAME_SPAN_NS)
		return trace_flush(w);
	return 0;
}

/* A queue slot's buffer above this capacity is freed once its frame is
 * written, so that one big record does not hold its memory for good. */
#define QBUF_KEEP (4 * TRACE_FRAME_TARGET)

/* Compresses raw as one LZ4 frame, appends its index entry and writes it:
 * the caller's in sync mode, the worker's in async mode (never both).
 * Returns 0 or -errno. */
static int frame_write(struct trace_writer *w, const struct buf *raw, uint64_t first_event)
{
	size_t bound = LZ4F_compressFrameBound(raw->len, &w->prefs);
	w->out.len = 0;
	if (buf_reserve(&w->out, bound))
		return -ENOMEM;
	size_t n = LZ4F_compressFrame(w->out.p, bound, raw->p, raw->len, &w->prefs);
	if (LZ4F_isError(n))
		return -EIO;
	buf_u64(&w->index, w->file_bytes);
	buf_u64(&w->index, first_event);
	int r = write_all(w->fd, w->out.p, n);
	if (r)
		return r;
	w->file_bytes += n;
	if (w->out.cap > 2 * QBUF_KEEP)
		buf_free(&w->out);
	return 0;
}

/* The worker: writes the queued frames in order until closing and empty.
 * After an error it drops the frames (the caller never waits for
 * nothing): the file ends within the frame that failed. */
static void *worker(void *arg)
{
	struct trace_writer *w = arg;
	int err = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->qcount == 0 && !w->closing)
			pthread_cond_wait(&w->queued, &w->mu);
		if (w->qcount == 0)
			break;
		struct trace_qframe *f = &w->q[w->qhead];
		size_t len = f->raw.len;
		pthread_mutex_unlock(&w->mu);
		if (!err)
			err = frame_write(w, &f->raw, f->first_event);
		f->raw.len = 0;
		f->raw.err = 0;
		if (f->raw.cap > QBUF_KEEP)
			buf_free(&f->raw);
		pthread_mutex_lock(&w->mu);
		if (err && !w->werr)
			__atomic_store_n(&w->werr, err, __ATOMIC_RELEASE);
		w->qhead = (w->qhead + 1) % TRACE_QUEUE_FRAMES;
		w->qcount--;
		w->qbytes -= len;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
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

/* Hands w->rec to the worker (swapped with a free slot's buffer: no copy),
 * waiting while the queue is full (the worker may use the caller's CPU
 * meanwhile); returns 0 or -errno. */
static int hand_over(struct trace_writer *w)
{
	int r = 0, widened = 0;
	pthread_mutex_lock(&w->mu);
	while (!w->werr && (w->qcount == TRACE_QUEUE_FRAMES ||
			    (w->qcount > 0 && w->qbytes + w->rec.len > TRACE_QUEUE_BYTES))) {
		if (!widened++)
			worker_cpus(w, &w->wait_cpus);
		pthread_cond_wait(&w->done, &w->mu);
	}
	if (widened)
		worker_cpus(w, &w->cpus);
	if (w->werr) {
		r = w->werr;
		goto out;
	}
	struct trace_qframe *f = &w->q[(w->qhead + w->qcount) % TRACE_QUEUE_FRAMES];
	struct buf empty = f->raw;
	f->raw = w->rec;
	f->first_event = w->frame_first_event;
	w->rec = empty;
	w->qbytes += f->raw.len;
	w->qcount++;
	pthread_cond_signal(&w->queued);
out:
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Waits for the worker to write every queued frame and ends it; takes its
 * error; frees the queue. */
static void worker_stop(struct trace_writer *w)
{
	if (!w->async)
		return;
	if (w->started) {
		worker_cpus(w, &w->wait_cpus);
		pthread_mutex_lock(&w->mu);
		w->closing = 1;
		pthread_cond_signal(&w->queued);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
	worker_err(w);
	for (int i = 0; i < TRACE_QUEUE_FRAMES; i++)
		buf_free(&w->q[i].raw);
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
	/* The chain and the counters are the caller's: the next frame record
	 * needs them now, whoever writes this frame. */
	size_t len = w->rec.len;
	XXH3_64bits_update(w->chain, w->rec.p, len);
	int r;
	if (w->async) {
		r = hand_over(w);
	} else {
		r = frame_write(w, &w->rec, w->frame_first_event);
		w->rec.len = 0;
	}
	if (r)
		return w->err = r;
	w->raw_bytes += len;
	w->nframes++;
	w->frame_first_event = w->events;
	return 0;
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
	if (!w->err && !w->index.err) {
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
