/* util.h - small shared helpers: errors, messages, exit codes, buffers. */
#ifndef HEISEN_UTIL_H
#define HEISEN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define HEISEN_VERSION "0.1.0"

/* Exit statuses of rec and replay when the failure is heisen's own
 * (see docs/usage.md). Otherwise both exit with the program's status. */
enum {
	EXIT_USAGE = 120,      /* bad command line */
	EXIT_NOTRACE = 121,    /* trace missing, unreadable or not a trace */
	EXIT_CORRUPT = 122,    /* trace damaged (checksum, bad record) */
	EXIT_VERSION = 123,    /* trace written by a newer format version */
	EXIT_TRUNCATED = 124,  /* trace ends before the program did */
	EXIT_DIVERGED = 125,   /* replay diverged from the recording */
	EXIT_RECFAIL = 125,    /* rec: recording failed (e.g. unknown syscall) */
	EXIT_NOEXEC = 126,     /* rec: program found but not executable */
	EXIT_NOTFOUND = 127,   /* rec: program not found */
};

/* Prints "prog: message" on stderr; returns nothing. */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sets the program name used as message prefix. */
void msg_set_prog(const char *name);

/* Length of the printable UTF-8 character at p (1 to 4), or 0 if the byte
 * at p is to be escaped: a control (C0, DEL, C1) or not valid UTF-8. */
size_t str_printable(const unsigned char *p);
/* Copies s into out (n bytes, NUL included), escaped for a terminal: \n,
 * \t, \r, \\ and \xNN for every other byte str_printable refuses;
 * returns out (truncated if too small). */
char *str_escape(const char *s, char *out, size_t n);

/* A growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	int err;           /* sticky: set to -ENOMEM on allocation failure */
};

/* Makes room for n more bytes; returns 0 or -ENOMEM (also made sticky). */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes; returns 0 or -ENOMEM. */
int buf_put(struct buf *b, const void *p, size_t n);
/* Appends a little-endian integer of the given width. */
int buf_u8(struct buf *b, uint8_t v);
int buf_u16(struct buf *b, uint16_t v);
int buf_u32(struct buf *b, uint32_t v);
int buf_u64(struct buf *b, uint64_t v);
/* Appends v as an unsigned LEB128 varint: 7 bits a byte, low bits first,
 * the top bit set on every byte but the last (1 to 10 bytes). */
int buf_varint(struct buf *b, uint64_t v);
/* Appends a signed value as the varint of its zigzag form (0, -1, 1, -2,
 * ... as 0, 1, 2, 3, ...), so that small negatives stay short. */
int buf_zigzag(struct buf *b, int64_t v);
/* Appends a string as u32 length (NUL included), bytes, NUL (NULL = ""). */
int buf_str(struct buf *b, const char *s);
/* Frees the buffer's memory and resets it. */
void buf_free(struct buf *b);

/* A bounds-checked reader over a byte range; once it runs past the end
 * every later get returns zeros and `bad` stays set. */
struct cursor {
	const uint8_t *p, *end;
	int bad;
};

uint8_t cur_u8(struct cursor *c);
uint16_t cur_u16(struct cursor *c);
uint32_t cur_u32(struct cursor *c);
uint64_t cur_u64(struct cursor *c);
/* Reads a varint written by buf_varint; sets bad (and returns 0) if it
 * runs past the end, is longer than 10 bytes, overflows 64 bits or is not
 * in its shortest form (a last byte of 0 after the first): one value, one
 * encoding. */
uint64_t cur_varint(struct cursor *c);
/* Reads a value written by buf_zigzag; bad as cur_varint. */
int64_t cur_zigzag(struct cursor *c);
/* Returns a pointer to the next n bytes, or NULL (and sets bad) if fewer remain. */
const uint8_t *cur_bytes(struct cursor *c, size_t n);
/* Returns a string written by buf_str, pointing into the data; NULL if bad. */
const char *cur_cstr(struct cursor *c);
/* Like cur_cstr but returns a malloc'd copy; NULL if bad. */
char *cur_str(struct cursor *c);

/* Monotonic and real-time clocks in nanoseconds. */
uint64_t now_ns(void);
uint64_t realtime_ns(void);

/* Writes all of n bytes to fd; returns 0 or -errno. */
int write_all(int fd, const void *p, size_t n);

#endif
