/* trace_craft.c - makes the crafted traces the confinement suite replays:
 * a real recording, copied record by record with the project's own reader
 * and writer (so every checksum is valid), with one edit an attacker could
 * make:
 *   trace_craft abi IN OUT      the `syscall` instruction that follows the
 *                               marker "HEISEN-CRAFT-SYSCALL" in the
 *                               program's code becomes `int $0x80`
 *   trace_craft newtask IN OUT  a new task is claimed for the first clone
 *                               that failed
 * Exits 0, or 1 with a message if the edit found nothing to change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/trace.h"

#define MARKER "HEISEN-CRAFT-SYSCALL"

/* Turns `syscall` (0f 05) right after the marker into `int $0x80` (cd 80). */
static int patch_abi(uint8_t *p, size_t len)
{
	int n = 0;
	for (uint8_t *m = p; (m = memmem(m, len - (size_t)(m - p), MARKER, strlen(MARKER)));) {
		m += strlen(MARKER);
		if ((size_t)(m - p) + 2 <= len && m[0] == 0x0f && m[1] == 0x05) {
			m[0] = 0xcd;
			m[1] = 0x80;
			n++;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	struct trace_reader r;
	struct trace_writer w;
	struct trace_rec rec;
	int edits = 0, ret;
	if (argc != 4 || (strcmp(argv[1], "abi") && strcmp(argv[1], "newtask"))) {
		fprintf(stderr, "usage: trace_craft abi|newtask IN OUT\n");
		return 2;
	}
	int abi = !strcmp(argv[1], "abi");
	if ((ret = trace_reader_open(&r, argv[2]))) {
		fprintf(stderr, "trace_craft: %s\n", r.err);
		return 1;
	}
	if ((ret = trace_writer_open(&w, argv[3], 0))) {
		fprintf(stderr, "trace_craft: %s: %s\n", argv[3], strerror(-ret));
		return 1;
	}
	trace_put_header(&w, &r.hdr);
	while ((ret = trace_next(&r, &rec)) > 0) {
		struct trace_syscall sc;
		if (!abi && !edits && rec.type == TR_SYSCALL && !trace_get_syscall(&rec, &sc)) {
			if (sc.nr == 56 /* clone */ && sc.result < 0) {
				struct trace_newtask n = {.parent = sc.tid, .child = sc.tid + 1, .flags = sc.args[0]};
				trace_put_newtask(&w, &n);
				edits++;
			}
			free(sc.regions);
		}
		struct buf *b = trace_begin(&w, rec.type);
		size_t at = b->len;
		buf_put(b, rec.data, rec.len);
		if (abi && (rec.type == TR_FILE || rec.type == TR_EXEC) && !b->err)
			edits += patch_abi(b->p + at, rec.len);
		trace_end(&w);
	}
	if (ret < 0) {
		fprintf(stderr, "trace_craft: %s\n", r.err);
		return 1;
	}
	trace_reader_close(&r);
	if ((ret = trace_writer_close(&w))) {
		fprintf(stderr, "trace_craft: %s: %s\n", argv[3], strerror(-ret));
		return 1;
	}
	if (!edits) {
		fprintf(stderr, "trace_craft: %s: nothing to edit\n", argv[2]);
		return 1;
	}
	return 0;
}
