/* trace_write.c - the trace writer: records into LZ4 frames, sticky errors. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
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
	if (w->err)
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

int trace_flush(struct trace_writer *w)
{
	if (w->err || w->rec.len == 0)
		return w->err;
	size_t bound = LZ4F_compressFrameBound(w->rec.len, &w->prefs);
	w->out.len = 0;
	if (buf_reserve(&w->out, bound))
		return w->err = -ENOMEM;
	size_t n = LZ4F_compressFrame(w->out.p, bound, w->rec.p, w->rec.len, &w->prefs);
	if (LZ4F_isError(n))
		return w->err = -EIO;
	buf_u64(&w->index, w->file_bytes);
	buf_u64(&w->index, w->frame_first_event);
	int r = write_all(w->fd, w->out.p, n);
	if (r)
		return w->err = r;
	XXH3_64bits_update(w->chain, w->rec.p, w->rec.len);
	w->file_bytes += n;
	w->raw_bytes += w->rec.len;
	w->nframes++;
	w->rec.len = 0;
	w->frame_first_event = w->events;
	return 0;
}

int trace_writer_close(struct trace_writer *w)
{
	trace_flush(w);
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
