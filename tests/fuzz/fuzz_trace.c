/* fuzz_trace.c - libFuzzer target for the trace reader and record decoders.
 * An input is a trace file as it is; or, when it starts with 'R', raw
 * records that are first packed into a checksummed LZ4 frame, so the
 * fuzzer reaches the decoders without having to forge checksums; or,
 * when it starts with 'C', bytes that follow a check frame made for them
 * (the LZ4 frame rec would write after it: the reader decompresses
 * whatever a right hash covers); or, when it starts with 'D', a record type byte and one record payload
 * handed straight to that type's decoder. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xxhash.h>

#include "../../common/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;

/* Packs raw records as one LZ4 frame; returns a malloc'd file image. */
static uint8_t *pack_raw(const uint8_t *raw, size_t n, size_t *out_len)
{
	LZ4F_preferences_t prefs;
	memset(&prefs, 0, sizeof prefs);
	prefs.frameInfo.blockSizeID = LZ4F_max64KB;
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	size_t bound = LZ4F_compressFrameBound(n, &prefs);
	uint8_t *out = malloc(bound);
	if (!out)
		return NULL;
	size_t r = LZ4F_compressFrame(out, bound, raw, n, &prefs);
	if (LZ4F_isError(r)) {
		free(out);
		return NULL;
	}
	*out_len = r;
	return out;
}

/* A check frame (TRACE_CHECK_MAGIC: length, XXH3-64) for the n bytes at p,
 * then those bytes; returns a malloc'd file image. */
static uint8_t *pack_checked(const uint8_t *p, size_t n, size_t *out_len)
{
	uint8_t *out = malloc(TRACE_CHECK_SIZE + n);
	if (!out)
		return NULL;
	uint32_t hdr[2] = {TRACE_CHECK_MAGIC, 16};
	uint64_t chk[2] = {n, XXH3_64bits_withSeed(p, n, n)};
	memcpy(out, hdr, 8);
	memcpy(out + 8, chk, 16);
	memcpy(out + TRACE_CHECK_SIZE, p, n);
	*out_len = TRACE_CHECK_SIZE + n;
	return out;
}

static void decode(const struct trace_rec *rec)
{
	if (rec->type == 0 || rec->type > TR_TYPE_MAX)
		abort(); /* trace_next must never return an unknown type */
	switch (rec->type) {
	case TR_HEADER: {
		struct trace_header h;
		trace_get_header(rec, &h);
		trace_header_free(&h);
		break;
	}
	case TR_FILE: {
		struct trace_file f;
		if (!trace_get_file(rec, &f) && f.len)
			(void)*(volatile const uint8_t *)&f.data[f.len - 1];
		break;
	}
	case TR_EXEC: {
		struct trace_exec e;
		if (!trace_get_exec(rec, &e))
			for (uint32_t i = 0; i < e.nmaps; i++)
				if (e.maps[i].content_len)
					(void)*(volatile const uint8_t *)&e.maps[i].content[e.maps[i].content_len - 1];
		free(e.maps);
		break;
	}
	case TR_SYSCALL: {
		struct trace_syscall s;
		if (!trace_get_syscall(rec, &s)) {
			for (uint32_t i = 0; i < s.nregions; i++)
				if (s.regions[i].len)
					(void)*(volatile const uint8_t *)&s.regions[i].data[s.regions[i].len - 1];
			if (s.fw_len)
				(void)*(volatile const uint8_t *)&s.fw_data[s.fw_len - 1];
		}
		free(s.regions);
		break;
	}
	case TR_SIGNAL: {
		struct trace_signal s;
		trace_get_signal(rec, &s);
		break;
	}
	case TR_RDTSC: {
		struct trace_rdtsc r;
		trace_get_rdtsc(rec, &r);
		break;
	}
	case TR_EXIT: {
		struct trace_exit x;
		trace_get_exit(rec, &x);
		break;
	}
	case TR_END: {
		struct trace_end e;
		if (!trace_get_end(rec, &e))
			(void)strlen(e.reason);
		break;
	}
	case TR_SYSENTER: {
		struct trace_sysenter e;
		trace_get_sysenter(rec, &e);
		break;
	}
	case TR_NEWTASK: {
		struct trace_newtask n;
		trace_get_newtask(rec, &n);
		break;
	}
	case TR_PREEMPT: {
		struct trace_preempt p;
		trace_get_preempt(rec, &p);
		break;
	}
	case TR_FRAME: {
		struct trace_frame f;
		trace_get_frame(rec, &f);
		break;
	}
	case TR_SITE: {
		struct trace_site si;
		trace_get_site(rec, &si);
		break;
	}
	case TR_SIGFRAME: {
		struct trace_sigframe f;
		if (!trace_get_sigframe(rec, &f))
			(void)*(volatile const uint8_t *)&f.data[f.len - 1];
		break;
	}
	case TR_INPROC: {
		struct trace_inproc p;
		trace_get_inproc(rec, &p);
		break;
	}
	case TR_PATCH: {
		struct trace_patch p;
		trace_get_patch(rec, &p);
		break;
	}
	case TR_BUFFER: {
		struct trace_buffer b;
		if (!trace_get_buffer(rec, &b))
			for (uint32_t i = 0; i < b.count; i++)
				for (uint32_t k = 0; k < b.entries[i].nregions; k++)
					if (b.entries[i].regions[k].len)
						(void)*(volatile const uint8_t *)&b.entries[i].regions[k]
							 .data[b.entries[i].regions[k].len - 1];
		trace_buffer_free(&b);
		break;
	}
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 'D') {
		/* an exact-size copy, so that any over-read is caught */
		size_t n = size - 2;
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			return 0;
		memcpy(copy, data + 2, n);
		struct trace_rec rec = {(uint32_t)(data[1] % TR_TYPE_MAX) + 1, 1, copy, (uint32_t)n, 0};
		decode(&rec);
		free(copy);
		return 0;
	}
	uint8_t *packed = NULL;
	if (size > 0 && (data[0] == 'R' || data[0] == 'C')) {
		packed = data[0] == 'R' ? pack_raw(data + 1, size - 1, &size) : pack_checked(data + 1, size - 1, &size);
		if (!packed)
			return 0;
		data = packed;
	}
	if (memfd < 0 && (memfd = memfd_create("fuzz_trace", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(memfd, 0) < 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();
	free(packed);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);

	struct trace_reader r;
	struct trace_rec rec;
	int ret = trace_reader_open(&r, path);
	if (ret == 0) {
		if (r.hdr.argc && !r.hdr.argv)
			abort();
		for (uint32_t i = 0; i < r.hdr.argc; i++)
			(void)strlen(r.hdr.argv[i]);
		for (uint32_t i = 0; i < r.hdr.envc; i++)
			(void)strlen(r.hdr.envp[i]);
		uint64_t n = 0;
		while ((ret = trace_next(&r, &rec)) > 0) {
			if (rec.event != ++n || rec.type == TR_FRAME)
				abort(); /* frame records are the reader's own */
			decode(&rec);
		}
		/* an error stays an error; a clean end stays clean */
		int again = trace_next(&r, &rec);
		if ((ret == 0) != (again == 0) || again > 0)
			abort();
	}
	if (ret < 0 && !r.err[0])
		abort(); /* every error comes with its message */
	trace_reader_close(&r);
	return 0;
}
