/* trace_edit.c - rewrites a trace for tests and the replay fuzzer.
 *
 *   trace_edit IN OUT set EVENT OFFSET HEX   overwrite payload bytes of one record
 *   trace_edit IN OUT mutate SEED [N]        N random record edits (a field, or a
 *                                            record dropped, repeated or swapped)
 *   trace_edit IN OUT frames SEED            one random edit of whole LZ4 frames
 *                                            (dropped, repeated, swapped, cut)
 *   trace_edit IN OUT insert EVENT TYPE HEX  a record of TYPE with payload HEX
 *                                            put before event EVENT
 *
 * set and mutate read IN with the project's reader and write OUT with its
 * writer, frame by frame as IN had them: every checksum, frame record and
 * chain hash of OUT is right, so only replay's own checks can find the
 * edit. frames copies IN's frames byte for byte in another order. Prints
 * what it did on one line; exits 0, or 2 if IN cannot be read at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/trace.h"

struct rec {
	uint32_t type;
	struct buf data;
	int frame_end; /* IN's frame ended after this record */
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? rng % n : 0;
}

static int add(struct recs *rs, uint32_t type, const uint8_t *p, size_t len)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct rec *v = realloc(rs->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	struct rec *r = &rs->v[rs->n++];
	memset(r, 0, sizeof *r);
	r->type = type;
	return buf_put(&r->data, p, len);
}

/* Reads every record IN has (up to its first error); returns 0 or -1. */
static int load(const char *path, struct recs *rs)
{
	struct trace_reader r;
	struct trace_rec rec;
	int ret = trace_reader_open(&r, path);
	if (ret && ret != -TRE_VERSION) {
		fprintf(stderr, "trace_edit: %s\n", r.err);
		trace_reader_close(&r);
		return -1;
	}
	uint32_t len;
	memcpy(&len, r.frame.p + 4, 4); /* the header, read by trace_reader_open */
	add(rs, TR_HEADER, r.frame.p + 8, len);
	uint32_t frames = r.nframes;
	while (!ret && trace_next(&r, &rec) > 0) {
		if (r.nframes != frames && rs->n)
			rs->v[rs->n - 1].frame_end = 1;
		frames = r.nframes;
		add(rs, rec.type, rec.data, rec.len);
	}
	trace_reader_close(&r);
	return 0;
}

static int save(const char *path, struct recs *rs)
{
	struct trace_writer w;
	int ret = trace_writer_open(&w, path, 0);
	for (size_t i = 0; !ret && i < rs->n; i++) {
		struct buf *b = trace_begin(&w, rs->v[i].type);
		buf_put(b, rs->v[i].data.p, rs->v[i].data.len);
		ret = trace_end(&w);
		if (!ret && rs->v[i].frame_end)
			ret = trace_flush(&w);
	}
	int c = trace_writer_close(&w);
	if (ret || c) {
		fprintf(stderr, "trace_edit: writing %s: %s\n", path, strerror(-(ret ? ret : c)));
		return -1;
	}
	return 0;
}

static void mutate_field(struct recs *rs, size_t i)
{
	struct buf *d = &rs->v[i].data;
	if (d->len == 0)
		return;
	static const uint64_t special[] = {0, 1, 2, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
					   0xffffffffffffffffull, 0x8000000000000000ull, 4096, 60, 202};
	size_t width = (size_t)1 << rnd(4); /* 1, 2, 4 or 8 bytes */
	size_t off = rnd(4) == 0 ? rnd(d->len < 16 ? d->len : 16) : rnd(d->len);
	off &= ~(width - 1);
	if (off + width > d->len)
		width = d->len - off;
	uint64_t v = 0;
	memcpy(&v, d->p + off, width);
	const char *how;
	switch (rnd(4)) {
	case 0: v ^= 1ull << rnd(width * 8); how = "bit flipped"; break;
	case 1: v += rnd(17) - 8; how = "small change"; break;
	case 2: v = special[rnd(sizeof special / sizeof special[0])]; how = "special value"; break;
	default: { /* the same bytes of another record of this type */
		size_t j = rnd(rs->n);
		if (rs->v[j].type == rs->v[i].type && rs->v[j].data.len >= off + width)
			memcpy(&v, rs->v[j].data.p + off, width);
		how = "copied from another record";
	}
	}
	memcpy(d->p + off, &v, width);
	printf("record %zu (%s): %zu bytes at offset %zu: %s; ", i, trace_type_name(rs->v[i].type), width, off, how);
}

static void mutate(struct recs *rs, int n)
{
	for (int k = 0; k < n && rs->n > 2; k++) {
		size_t i = 1 + rnd(rs->n - 1);
		int op = (int)rnd(10);
		if (op < 7) {
			mutate_field(rs, i);
		} else if (op == 7) { /* dropped */
			buf_free(&rs->v[i].data);
			memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof *rs->v);
			rs->n--;
			printf("record %zu dropped; ", i);
		} else if (op == 8) { /* repeated */
			if (add(rs, 0, NULL, 0))
				return;
			struct rec copy = rs->v[i];
			memmove(&rs->v[i + 1], &rs->v[i], (rs->n - i - 1) * sizeof *rs->v);
			memset(&rs->v[i], 0, sizeof rs->v[i]);
			rs->v[i].type = copy.type;
			buf_put(&rs->v[i].data, rs->v[i + 1].data.p, rs->v[i + 1].data.len);
			printf("record %zu repeated; ", i);
		} else if (i + 1 < rs->n) { /* swapped with the next */
			struct rec t = rs->v[i];
			rs->v[i] = rs->v[i + 1];
			rs->v[i + 1] = t;
			printf("records %zu and %zu swapped; ", i, i + 1);
		}
	}
	printf("\n");
}

/* frames: IN's LZ4 frames found through its index. */
static int frames(const char *in, const char *out)
{
	FILE *f = fopen(in, "rb");
	struct buf b = {0}, o = {0};
	uint8_t chunk[65536];
	size_t n;
	while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	if (f)
		fclose(f);
	size_t off[4096], nf = 0, ix = 0;
	for (size_t k = 1; k < 4096 && 20 + 16 * k <= b.len; k++) {
		size_t at = b.len - (20 + 16 * k);
		uint32_t magic;
		memcpy(&magic, b.p + at, 4);
		if (magic == TRACE_INDEX_MAGIC && !memcmp(b.p + at + 8, "HXINDEX1", 8)) {
			for (size_t i = 0; i < k; i++)
				memcpy(&off[i], b.p + at + 20 + 16 * i, 8);
			nf = k;
			ix = at;
			off[nf] = ix;
			break;
		}
	}
	if (nf < 2) {
		fprintf(stderr, "trace_edit: %s: no index of 2 frames or more\n", in);
		buf_free(&b);
		return 2;
	}
	size_t a = 1 + rnd(nf - 1), keep_index = rnd(2);
	int op = (int)rnd(4);
	if (op == 2 && a + 1 >= nf) /* the last frame has no next one to swap with */
		op = 0;
	for (size_t i = 0; i < nf; i++) {
		size_t src = i;
		if (op == 0 && i == a) {
			continue; /* dropped */
		} else if (op == 2 && a + 1 < nf && (i == a || i == a + 1)) {
			src = i == a ? a + 1 : a; /* swapped */
		} else if (op == 3 && i == a) { /* cut inside it: the end of the file */
			buf_put(&o, b.p + off[i], 1 + rnd(off[i + 1] - off[i] - 1));
			keep_index = 0;
			break;
		}
		buf_put(&o, b.p + off[src], off[src + 1] - off[src]);
		if (op == 1 && i == a)
			buf_put(&o, b.p + off[i], off[i + 1] - off[i]); /* repeated */
	}
	if (keep_index)
		buf_put(&o, b.p + ix, b.len - ix);
	static const char *ops[] = {"dropped", "repeated", "swapped with the next", "cut"};
	printf("frame %zu of %zu %s%s\n", a, nf, ops[op], keep_index ? "" : ", no index");
	f = fopen(out, "wb");
	int ret = f && fwrite(o.p, 1, o.len, f) == o.len ? 0 : 2;
	if (f)
		fclose(f);
	buf_free(&b);
	buf_free(&o);
	return ret;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex into out (strlen(hex) / 2 bytes); returns 0 or -1. */
static int unhex(const char *hex, uint8_t *out)
{
	for (size_t i = 0; i < strlen(hex) / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || strlen(hex) % 2) {
			fprintf(stderr, "trace_edit: bad hex %s\n", hex);
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: trace_edit IN OUT set EVENT OFFSET HEX | mutate SEED [N] | frames SEED | insert EVENT TYPE HEX\n");
		return 2;
	}
	struct recs rs = {0};
	const char *in = argv[1], *out = argv[2], *what = argv[3];
	rng = strtoull(argv[4], NULL, 0) * 0x9E3779B97F4A7C15ull + 1;
	if (!strcmp(what, "frames"))
		return frames(in, out);
	if (load(in, &rs))
		return 2;
	if (!strcmp(what, "set") && argc == 7) {
		size_t ev = strtoull(argv[4], NULL, 0), off = strtoull(argv[5], NULL, 0);
		const char *hex = argv[6];
		size_t len = strlen(hex) / 2;
		if (ev >= rs.n || off + len > rs.v[ev].data.len) {
			fprintf(stderr, "trace_edit: no bytes %zu to %zu in event %zu\n", off, off + len, ev);
			return 2;
		}
		if (unhex(hex, rs.v[ev].data.p + off))
			return 2;
		printf("event %zu (%s): %zu bytes at offset %zu set\n", ev, trace_type_name(rs.v[ev].type), len, off);
	} else if (!strcmp(what, "insert") && argc == 7) {
		size_t ev = strtoull(argv[4], NULL, 0), len = strlen(argv[6]) / 2;
		uint32_t type = (uint32_t)strtoul(argv[5], NULL, 0);
		uint8_t *p = malloc(len + 1);
		if (ev == 0 || ev >= rs.n || !p || unhex(argv[6], p) || add(&rs, type, p, len)) {
			fprintf(stderr, "trace_edit: cannot insert a record before event %zu\n", ev);
			return 2;
		}
		free(p);
		struct rec r = rs.v[rs.n - 1];
		memmove(&rs.v[ev + 1], &rs.v[ev], (rs.n - 1 - ev) * sizeof r);
		rs.v[ev] = r;
		printf("event %zu: a %s record of %zu bytes inserted\n", ev, trace_type_name(type), len);
	} else if (!strcmp(what, "mutate")) {
		mutate(&rs, argc > 5 ? atoi(argv[5]) : 1);
	} else {
		fprintf(stderr, "trace_edit: unknown edit %s\n", what);
		return 2;
	}
	int ret = save(out, &rs) ? 2 : 0;
	for (size_t i = 0; i < rs.n; i++)
		buf_free(&rs.v[i].data);
	free(rs.v);
	return ret;
}
