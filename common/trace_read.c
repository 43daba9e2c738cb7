/* trace_read.c - the trace reader: frame by frame, every byte checked. */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define LZ4_FRAME_MAGIC 0x184D2204u

static int fail(struct trace_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct trace_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return -err;
}

static uint32_t le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Drops a frame that failed to decompress, so that a later trace_next
 * fails again instead of returning its unverified bytes; returns err. */
static int frame_fail(struct trace_reader *r, int err)
{
	LZ4F_resetDecompressionContext(r->dctx);
	r->frame.len = 0;
	r->pos = 0;
	return err;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Decompresses the frame at r->off (its check frame, then the LZ4 frame)
 * into r->frame; 1 if read, 0 at end of file, or -TRE_*. Other skippable
 * frames are passed over. The LZ4 frame's bytes are checked before they
 * are decompressed: by the XXH3-64 of its check frame, or (a frame without
 * one: recompressed by the lz4 tool) by its own content checksum. */
static int read_frame(struct trace_reader *r)
{
	for (;;) {
		size_t left = r->size - r->off;
		if (left == 0)
			return 0;
		if (left < 8)
			return fail(r, TRE_TRUNC, "trace truncated after event %llu (a partial frame at byte %zu)",
				    (unsigned long long)r->event - (r->event > 0), r->off);
		uint32_t magic = le32(r->map + r->off);
		if (magic == TRACE_CHECK_MAGIC || magic == LZ4_FRAME_MAGIC)
			break;
		if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
			uint32_t sz = le32(r->map + r->off + 4);
			if (sz > left - 8)
				return fail(r, TRE_TRUNC, "trace truncated inside a skippable frame at byte %zu", r->off);
			const uint8_t *p = r->map + r->off + 8;
			/* The index counts the frames before it: a frame dropped
			 * at the end shows here. */
			if (magic == TRACE_INDEX_MAGIC && sz >= 12 && !memcmp(p, "HXINDEX1", 8) &&
			    le32(p + 8) != r->nframes)
				return fail(r, TRE_CORRUPT,
					    "trace corrupt: the index at byte %zu lists %u frames, %u come before it",
					    r->off, le32(p + 8), r->nframes);
			r->off += 8 + (size_t)sz;
			continue;
		}
		return fail(r, TRE_CORRUPT, "trace corrupt: no LZ4 frame at byte %zu", r->off);
	}
	size_t left = r->size - r->off, lz = r->off, lz4_len = left;
	int checked = le32(r->map + r->off) == TRACE_CHECK_MAGIC;
	if (checked) {
		if (le32(r->map + r->off + 4) != 16)
			return fail(r, TRE_CORRUPT, "trace corrupt: bad check frame at byte %zu", r->off);
		uint64_t len = left < TRACE_CHECK_SIZE ? 0 : le64(r->map + r->off + 8);
		if (left < TRACE_CHECK_SIZE || len > left - TRACE_CHECK_SIZE)
			return fail(r, TRE_TRUNC,
				    "trace truncated after event %llu: the recording was interrupted (partial frame at byte %zu)",
				    (unsigned long long)r->event - (r->event > 0), r->off);
		lz = r->off + TRACE_CHECK_SIZE;
		lz4_len = (size_t)len;
		if (XXH3_64bits_withSeed(r->map + lz, len, len) != le64(r->map + r->off + 16))
			return fail(r, TRE_CORRUPT, "trace corrupt: frame at byte %zu: checksum mismatch", r->off);
		if (len < 8 || le32(r->map + lz) != LZ4_FRAME_MAGIC)
			return fail(r, TRE_CORRUPT, "trace corrupt: no LZ4 frame after the check frame at byte %zu",
				    r->off);
	} else if (left < 5 || !(r->map[r->off + 4] & 0x04)) {
		/* FLG bit 2: the content checksum (the header checksum covers FLG) */
		return fail(r, TRE_CORRUPT, "trace corrupt: the frame at byte %zu has no checksum", r->off);
	}
	r->frame.len = 0;
	r->pos = 0;
	r->frame_off = r->off;
	const uint8_t *src = r->map + lz;
	size_t srcleft = lz4_len;
	for (;;) {
		if (buf_reserve(&r->frame, 256 * 1024))
			return frame_fail(r, fail(r, TRE_IO, "out of memory reading frame at byte %zu", r->frame_off));
		size_t dst = r->frame.cap - r->frame.len, sn = srcleft;
		size_t ret = LZ4F_decompress(r->dctx, r->frame.p + r->frame.len, &dst, src, &sn, NULL);
		if (LZ4F_isError(ret))
			return frame_fail(r, fail(r, TRE_CORRUPT, "trace corrupt: frame at byte %zu: %s", r->frame_off,
						  LZ4F_getErrorName(ret)));
		r->frame.len += dst;
		src += sn;
		srcleft -= sn;
		if (r->frame.len > TRACE_FRAME_MAX)
			return frame_fail(r, fail(r, TRE_CORRUPT, "trace corrupt: frame at byte %zu is too large",
						  r->frame_off));
		if (ret == 0)
			break;
		if (srcleft == 0 && dst == 0) {
			if (checked) /* its check frame said it ended here */
				return frame_fail(r, fail(r, TRE_CORRUPT, "trace corrupt: frame at byte %zu is cut short",
							  r->frame_off));
			return frame_fail(r, fail(r, TRE_TRUNC,
						  "trace truncated after event %llu: the recording was interrupted (partial frame at byte %zu)",
						  (unsigned long long)r->event - (r->event > 0), r->frame_off));
		}
	}
	if (checked && srcleft != 0)
		return frame_fail(r, fail(r, TRE_CORRUPT, "trace corrupt: frame at byte %zu ends before its checked length",
					  r->frame_off));
	/* The frame's compressed pages are not read again: they leave replay's
	 * memory (the trace is mapped whole; a long one would stay resident). */
	size_t from = r->frame_off & ~(size_t)4095, done = (size_t)(src - r->map) & ~(size_t)4095;
	if (done > from)
		madvise((void *)(r->map + from), done - from, MADV_DONTNEED);
	r->off = (size_t)(src - r->map);
	r->raw_bytes += r->frame.len;
	r->nframes++;
	return 1;
}

/* Checks a frame record against the frames read before it and takes its
 * time; returns 0 or -TRE_CORRUPT. */
static int frame_check(struct trace_reader *r, const struct trace_rec *rec)
{
	struct trace_frame f;
	unsigned long long at = r->frame_off, want = r->frame_seq + 1;
	if (trace_get_frame(rec, &f))
		return fail(r, TRE_CORRUPT, "trace corrupt: bad frame record in the frame at byte %llu", at);
	if (f.seq > want)
		return fail(r, TRE_CORRUPT,
			    "trace corrupt: frame %llu missing: the frame at byte %llu is frame %llu (event %llu)", want,
			    at, (unsigned long long)f.seq, (unsigned long long)f.event);
	if (f.seq < want)
		return fail(r, TRE_CORRUPT,
			    "trace corrupt: the frame at byte %llu is frame %llu again or out of order (frame %llu expected, event %llu)",
			    at, (unsigned long long)f.seq, want, (unsigned long long)r->event);
	if (f.event != r->event)
		return fail(r, TRE_CORRUPT, "trace corrupt: frame %llu at byte %llu starts at event %llu, not %llu", want,
			    at, (unsigned long long)f.event, (unsigned long long)r->event);
	if (f.chain != XXH3_64bits_digest(r->chain) || f.time_ns < r->time_ns)
		return fail(r, TRE_CORRUPT,
			    "trace corrupt: frame %llu at byte %llu (event %llu) does not continue the frames before it",
			    want, at, (unsigned long long)r->event);
	r->frame_seq = f.seq;
	r->time_ns = f.time_ns;
	return 0;
}

int trace_next(struct trace_reader *r, struct trace_rec *rec)
{
	if (r->done)
		return 0;
next:
	while (r->pos == r->frame.len) {
		int f = read_frame(r);
		if (f < 0)
			return f;
		if (f == 0) {
			if (!r->saw_end)
				return fail(r, TRE_TRUNC,
					    "trace truncated after event %llu: the recording was interrupted (no end record)",
					    (unsigned long long)r->event - (r->event > 0));
			r->done = 1;
			return 0;
		}
	}
	if (r->saw_end)
		return fail(r, TRE_CORRUPT, "trace corrupt: records after the end record");
	size_t left = r->frame.len - r->pos;
	if (left < 8)
		return fail(r, TRE_CORRUPT, "trace corrupt: record %llu cut by its frame's end",
			    (unsigned long long)r->event);
	const uint8_t *p = r->frame.p + r->pos;
	rec->type = le32(p);
	rec->len = le32(p + 4);
	if (rec->len > left - 8)
		return fail(r, TRE_CORRUPT, "trace corrupt: record %llu longer than its frame",
			    (unsigned long long)r->event);
	/* format 5 had no inproc, patch or buffer records */
	if (rec->type == 0 || rec->type > TR_TYPE_MAX || (r->hdr.version == 5 && rec->type >= TR_INPROC))
		return fail(r, TRE_CORRUPT, "trace corrupt: record %llu has unknown type %u",
			    (unsigned long long)r->event, rec->type);
	if ((rec->type == TR_HEADER) != (r->event == 0 && r->frame_seq == 0))
		return fail(r, TRE_CORRUPT, "trace corrupt: record %llu: header misplaced",
			    (unsigned long long)r->event);
	/* Every LZ4 frame but the first starts with a frame record (a
	 * recompressed trace may hold them anywhere in one frame). */
	if (r->pos == 0 && r->nframes > 1 && rec->type != TR_FRAME)
		return fail(r, TRE_CORRUPT, "trace corrupt: the frame at byte %zu (event %llu) has no frame record",
			    r->frame_off, (unsigned long long)r->event);
	rec->data = p + 8;
	rec->event = r->event;
	if (rec->type == TR_FRAME) {
		int f = frame_check(r, rec);
		if (f)
			return f;
	}
	XXH3_64bits_update(r->chain, p, 8 + (size_t)rec->len);
	r->pos += 8 + (size_t)rec->len;
	if (rec->type == TR_FRAME)
		goto next;
	r->event++;
	rec->time_ns = r->time_ns;
	if (rec->type == TR_END)
		r->saw_end = 1;
	return 1;
}

int trace_reader_mark(const struct trace_reader *r, struct trace_mark *m)
{
	*m = (struct trace_mark){.frame_off = r->frame_off, .frame_len = r->frame.len, .off = r->off, .pos = r->pos,
				 .event = r->event, .raw_bytes = r->raw_bytes, .frame_seq = r->frame_seq,
				 .time_ns = r->time_ns, .nframes = r->nframes, .saw_end = r->saw_end, .done = r->done};
	if (!(m->chain = XXH3_createState()))
		return -ENOMEM;
	XXH3_copyState(m->chain, r->chain);
	return 0;
}

int trace_reader_seek(struct trace_reader *r, const struct trace_mark *m)
{
	if (m->frame_len) {
		LZ4F_resetDecompressionContext(r->dctx);
		r->off = m->frame_off;
		int f = read_frame(r);
		if (f < 0)
			return f;
		if (f == 0 || r->frame.len != m->frame_len || r->off != m->off)
			return fail(r, TRE_CORRUPT, "trace corrupt: the frame at byte %zu reads otherwise than before",
				    m->frame_off);
	} else {
		r->frame.len = 0;
	}
	r->frame_off = m->frame_off;
	r->off = m->off;
	r->pos = m->pos;
	r->event = m->event;
	r->raw_bytes = m->raw_bytes;
	r->frame_seq = m->frame_seq;
	r->time_ns = m->time_ns;
	r->nframes = m->nframes;
	r->saw_end = m->saw_end;
	r->done = m->done;
	XXH3_copyState(r->chain, m->chain);
	return 0;
}

void trace_mark_free(struct trace_mark *m)
{
	XXH3_freeState(m->chain);
	m->chain = NULL;
}

int trace_reader_open(struct trace_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is
	 * refused below); a regular file is only mapped. */
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0) {
		int e = errno;
		snprintf(r->err, sizeof r->err, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(r->err, sizeof r->err, "%s is not a regular file", path);
		return -TRE_NOTTRACE;
	}
	r->size = (size_t)st.st_size;
	if (r->size < 4 || (r->map = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, r->fd, 0)) == MAP_FAILED) {
		r->map = NULL;
		snprintf(r->err, sizeof r->err, "%s is not a heisen trace (too short)", path);
		return -TRE_NOTTRACE;
	}
	if (le32(r->map) != LZ4_FRAME_MAGIC && le32(r->map) != TRACE_CHECK_MAGIC) {
		snprintf(r->err, sizeof r->err, "%s is not a heisen trace (no LZ4 frame)", path);
		return -TRE_NOTTRACE;
	}
	if (LZ4F_isError(LZ4F_createDecompressionContext(&r->dctx, LZ4F_VERSION)) ||
	    !(r->chain = XXH3_createState()) || XXH3_64bits_reset(r->chain) != XXH_OK) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return -TRE_IO;
	}
	struct trace_rec rec;
	int ret = trace_next(r, &rec);
	if (ret <= 0) {
		if (ret == -TRE_TRUNC || ret == 0)
			return fail(r, TRE_CORRUPT, "%s: trace corrupt: no complete header", path);
		return ret;
	}
	ret = trace_get_header(&rec, &r->hdr);
	if (ret == -TRE_VERSION && r->hdr.version > TRACE_VERSION)
		return fail(r, TRE_VERSION, "%s: trace format version %u is newer than this replay supports (%u)",
			    path, r->hdr.version, TRACE_VERSION);
	if (ret == -TRE_VERSION)
		return fail(r, TRE_VERSION,
			    "%s: trace format version %u is older than this replay supports (%u): replay it with the heisen release that recorded it",
			    path, r->hdr.version, TRACE_VERSION_MIN);
	if (ret)
		return fail(r, TRE_NOTTRACE, "%s is not a heisen trace (bad header)", path);
	return 0;
}

void trace_reader_close(struct trace_reader *r)
{
	if (r->map)
		munmap((void *)r->map, r->size);
	if (r->fd >= 0)
		close(r->fd);
	if (r->dctx)
		LZ4F_freeDecompressionContext(r->dctx);
	buf_free(&r->frame);
	XXH3_freeState(r->chain);
	trace_header_free(&r->hdr);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

int trace_err_exit(int err)
{
	switch (-err) {
	case TRE_CORRUPT: return EXIT_CORRUPT;
	case TRE_VERSION: return EXIT_VERSION;
	case TRE_TRUNC: return EXIT_TRUNCATED;
	default: return EXIT_NOTRACE;
	}
}
