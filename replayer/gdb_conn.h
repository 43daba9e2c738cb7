/* gdb_conn.h - the gdb remote serial protocol, packets only: framing
 * ($payload#cs, acks, no-ack mode, } escapes, * run lengths, the 0x03
 * interrupt byte), a bounded packet size, parsing of a payload into a
 * struct gdb_req, and reply framing. It knows nothing of the replay: the
 * server module decides what a request means and what to answer.
 *
 * Typical use (a server):
 *     struct gdb_conn *c = gdb_conn_new(sock);
 *     struct gdb_event ev; struct gdb_req req;
 *     while (gdb_conn_next(c, -1, -1, &ev) == 0 && ev.kind != GDB_EV_CLOSED) {
 *         if (ev.kind == GDB_EV_BAD_PACKET) { gdb_conn_send_str(c, "E01"); continue; }
 *         if (ev.kind != GDB_EV_PACKET) ...;           // interrupt, timeout
 *         switch (gdb_req_parse(ev.payload, ev.len, &req)) {
 *         case GDB_REQ_MALFORMED: gdb_conn_send_str(c, "E01"); break;
 *         case GDB_REQ_UNKNOWN:   gdb_conn_send_str(c, ""); break;
 *         case GDB_REQ_START_NOACK: gdb_conn_send_str(c, "OK");
 *                                   gdb_conn_set_noack(c, true); break;
 *         ...
 *         }
 *     }
 *     gdb_conn_free(c);
 *
 * Everything a peer sends is untrusted: every number is bounded and
 * overflow-checked, a malformed packet is a GDB_REQ_MALFORMED (never a
 * crash), memory is bounded by GDB_CONN_PACKET_SIZE. */
#ifndef HEISEN_GDB_CONN_H
#define HEISEN_GDB_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/util.h"

/* The largest packet accepted from gdb, its bytes between '$' and '#' as
 * sent (escaped, run-length encoded) and decoded; advertised in
 * qSupported as "PacketSize=" GDB_CONN_PACKET_SIZE_STR. */
#define GDB_CONN_PACKET_SIZE 0x4000
#define GDB_CONN_PACKET_SIZE_STR "4000"
/* Consecutive '-' (resend) answers to one packet before the connection
 * gives up with GDB_EV_ERROR. */
#define GDB_CONN_MAX_NACKS 8
/* Bounds of the parsed lists. */
#define GDB_REQ_MAX_ACTIONS 64   /* vCont actions (more: MALFORMED) */
#define GDB_REQ_MAX_FEATURES 48  /* qSupported features (more: ignored) */
#define GDB_REQ_MAX_ARGS 64      /* vRun filename and arguments (more: MALFORMED) */
/* Read lengths (m, qXfer, vFile:pread) are clamped to this: the reply,
 * hex or escaped binary, then fits in a packet of GDB_CONN_PACKET_SIZE.
 * The protocol allows a shorter answer than asked. */
#define GDB_REQ_READ_MAX ((GDB_CONN_PACKET_SIZE - 32) / 2)

/* What gdb_conn_feed / gdb_conn_next found in the byte stream. */
enum gdb_event_kind {
	GDB_EV_NONE,       /* all bytes consumed, nothing complete yet */
	GDB_EV_PACKET,     /* a packet: payload/len (acked if in ack mode) */
	GDB_EV_INTERRUPT,  /* a 0x03 byte outside a packet (gdb's ^C) */
	GDB_EV_BAD_PACKET, /* a packet that cannot be used (why): too long, bad
			      escape or run length, or a bad checksum in no-ack
			      mode; answer "E01" (or close) */
	GDB_EV_ERROR,      /* protocol failure (why: too many '-'): close */
	GDB_EV_CLOSED,     /* gdb_conn_next: the peer closed the connection */
	GDB_EV_FD,         /* gdb_conn_next: the extra fd is readable */
	GDB_EV_TIMEOUT,    /* gdb_conn_next: the timeout passed */
};

struct gdb_event {
	enum gdb_event_kind kind;
	/* GDB_EV_PACKET: the decoded payload (unescaped, run lengths
	 * expanded), NUL-terminated for convenience but it may hold any byte
	 * (X); points into the connection, valid until the next feed/next. */
	const uint8_t *payload;
	size_t len;
	const char *why; /* GDB_EV_BAD_PACKET, GDB_EV_ERROR: a static reason */
};

struct gdb_conn;

/* A connection over fd (a connected blocking socket or pipe; -1: bytes are only
 * fed with gdb_conn_feed and output taken with gdb_conn_pending). The fd
 * stays the caller's. NULL if out of memory. Starts in ack mode. */
struct gdb_conn *gdb_conn_new(int fd);
/* Frees the connection (does not close its fd). NULL is accepted. */
void gdb_conn_free(struct gdb_conn *c);
/* The fd given to gdb_conn_new. */
int gdb_conn_fd(const struct gdb_conn *c);
/* Switches no-ack mode on or off; the server turns it on right after it
 * has sent the "OK" answering QStartNoAckMode. */
void gdb_conn_set_noack(struct gdb_conn *c, bool on);
/* Whether no-ack mode is on. */
bool gdb_conn_noack(const struct gdb_conn *c);

/* Consumes bytes up to the one that completes an event and fills ev
 * (GDB_EV_NONE: all n consumed, nothing complete); returns the number of
 * bytes consumed. Call again with the rest. Acks ('+', '-') and resends
 * go to the pending output. No file descriptor involved. */
size_t gdb_conn_feed(struct gdb_conn *c, const void *bytes, size_t n, struct gdb_event *ev);

/* Frames payload (escaping # $ } *, with its checksum) into the pending
 * output, keeps it for a resend on '-', then flushes if there is an fd;
 * returns 0 or -errno (-EPIPE: the peer is gone). */
int gdb_conn_send(struct gdb_conn *c, const void *payload, size_t len);
/* gdb_conn_send of a NUL-terminated string ("" sends the empty packet). */
int gdb_conn_send_str(struct gdb_conn *c, const char *s);
/* gdb_conn_send of a buffer's bytes (-ENOMEM if the buffer failed). */
int gdb_conn_send_buf(struct gdb_conn *c, const struct buf *b);
/* Writes the pending output to the fd (no SIGPIPE); 0 or -errno. */
int gdb_conn_flush(struct gdb_conn *c);
/* The pending output (acks and packets not yet written); *len its size. */
const uint8_t *gdb_conn_pending(const struct gdb_conn *c, size_t *len);
/* Drops the first n bytes of the pending output (written by the caller). */
void gdb_conn_consume(struct gdb_conn *c, size_t n);

/* Waits for the next event on the fd: feeds what is already buffered,
 * else flushes the pending output and polls the fd and extra_fd (-1:
 * none) for at most timeout_ms (-1: forever), reading what arrives.
 * Returns 0 with ev filled (PACKET, INTERRUPT, BAD_PACKET, ERROR, CLOSED,
 * FD or TIMEOUT), or -errno of a failed poll/read/write. */
int gdb_conn_next(struct gdb_conn *c, int extra_fd, int timeout_ms, struct gdb_event *ev);

/* Reply building on common's struct buf. */
/* Appends printf-formatted text; returns 0 or -ENOMEM. */
int gdb_buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes as lowercase hex (two digits a byte). */
int gdb_buf_hex(struct buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string as hex (qRcmd output "O" packets, names). */
int gdb_buf_hex_str(struct buf *b, const char *s);
/* Appends a thread id as "p<pid>.<tid>" (multiprocess) or "<tid>". */
int gdb_buf_tid(struct buf *b, int64_t pid, int64_t tid, bool multiprocess);
/* The value of a hex digit, or -1. */
int gdb_hex_digit(int ch);
/* Decodes 2*n hex digits at s into out; returns 0 or -EINVAL. */
int gdb_hex_decode(const char *s, size_t n, uint8_t *out);

/* A thread id: "p<pid>.<tid>", "p<pid>" (tid ALL), "<tid>" (pid ANY), each
 * part hex, -1 (ALL) or 0 (ANY). */
#define GDB_ID_ALL (-1)
#define GDB_ID_ANY 0
struct gdb_tid {
	int64_t pid;  /* > 0, GDB_ID_ALL, or GDB_ID_ANY (also: no "p" given) */
	int64_t tid;  /* > 0, GDB_ID_ALL, GDB_ID_ANY */
};

enum gdb_req_kind {
	GDB_REQ_UNKNOWN,         /* anything else: answer the empty packet */
	GDB_REQ_MALFORMED,       /* a known packet that does not parse: answer "E01" */
	GDB_REQ_HALT_REASON,     /* ? */
	GDB_REQ_EXTENDED,        /* ! (extended mode) */
	GDB_REQ_READ_REGS,       /* g */
	GDB_REQ_WRITE_REGS,      /* G hex: data, data_len */
	GDB_REQ_READ_REG,        /* p n: reg */
	GDB_REQ_WRITE_REG,       /* P n=hex: reg, data, data_len */
	GDB_REQ_READ_MEM,        /* m addr,len: mem (len clamped to GDB_REQ_READ_MAX) */
	GDB_REQ_WRITE_MEM,       /* M addr,len:hex and X addr,len:bin: mem, data (len bytes) */
	GDB_REQ_INSERT_BP,       /* Z type,addr,kind[;cond...]: bp (conditions ignored) */
	GDB_REQ_REMOVE_BP,       /* z type,addr,kind: bp */
	GDB_REQ_CONT,            /* c/s/C sig/S sig [addr]: resume, one action, no tid */
	GDB_REQ_VCONT,           /* vCont;action[:tid]...: resume */
	GDB_REQ_VCONT_QUERY,     /* vCont? */
	GDB_REQ_REVERSE_CONT,    /* bc */
	GDB_REQ_REVERSE_STEP,    /* bs */
	GDB_REQ_SET_THREAD,      /* H{g,c}tid: thread (op 'g' or 'c') */
	GDB_REQ_THREAD_ALIVE,    /* T tid: thread */
	GDB_REQ_THREAD_FIRST,    /* qfThreadInfo */
	GDB_REQ_THREAD_NEXT,     /* qsThreadInfo */
	GDB_REQ_CURRENT_THREAD,  /* qC */
	GDB_REQ_THREAD_EXTRA,    /* qThreadExtraInfo,tid: thread */
	GDB_REQ_ATTACHED,        /* qAttached[:pid]: pid */
	GDB_REQ_SUPPORTED,       /* qSupported[:f;f...]: supported */
	GDB_REQ_XFER_READ,       /* qXfer:object:read:annex:off,len: xfer */
	GDB_REQ_START_NOACK,     /* QStartNoAckMode */
	GDB_REQ_PASS_SIGNALS,    /* QPassSignals:s;s...: signals */
	GDB_REQ_PROGRAM_SIGNALS, /* QProgramSignals:s;s...: signals */
	GDB_REQ_VFILE,           /* vFile:op:args: vfile (path in str) */
	GDB_REQ_RUN,             /* vRun;file[;arg...]: run */
	GDB_REQ_ATTACH,          /* vAttach;pid: pid */
	GDB_REQ_VKILL,           /* vKill;pid: pid */
	GDB_REQ_KILL,            /* k */
	GDB_REQ_DETACH,          /* D or D;pid: pid */
	GDB_REQ_MONITOR,         /* qRcmd,hex: str (the command, decoded) */
	GDB_REQ_OFFSETS,         /* qOffsets */
	GDB_REQ_SYMBOL,          /* qSymbol:[value]:[hexname]: symbol, str (name) */
	GDB_REQ_TSTATUS,         /* qTStatus */
	GDB_REQ_MUST_REPLY_EMPTY,/* vMustReplyEmpty: answer the empty packet */
	GDB_REQ_TLS_ADDR,        /* qGetTLSAddr:tid,offset,lm: tls */
	GDB_REQ_SEARCH_MEM,      /* qSearch:memory:addr;len;bin: mem, data (the pattern) */
	GDB_REQ_RESTART,         /* R[XX]: restart (no reply) */
	GDB_REQ_KIND_COUNT
};

enum gdb_action_kind {
	GDB_ACT_CONT,   /* c, C sig */
	GDB_ACT_STEP,   /* s, S sig */
	GDB_ACT_STOP,   /* t (vCont only) */
	GDB_ACT_RANGE,  /* r start,end: step while pc in [start, end) (vCont only) */
};

struct gdb_action {
	enum gdb_action_kind kind;
	int sig;            /* C/S: the gdb signal number 0..255; -1: none */
	bool has_tid;       /* false: applies to every thread not named before */
	struct gdb_tid tid;
	uint64_t start, end; /* GDB_ACT_RANGE */
};

enum gdb_xfer_object {
	GDB_XFER_OTHER, GDB_XFER_FEATURES, GDB_XFER_AUXV, GDB_XFER_EXEC_FILE,
	GDB_XFER_SIGINFO, GDB_XFER_LIBRARIES_SVR4, GDB_XFER_THREADS,
};

enum gdb_vfile_op {
	GDB_VFILE_OPEN,     /* path, flags, mode */
	GDB_VFILE_PREAD,    /* fd, count (clamped to GDB_REQ_READ_MAX), offset */
	GDB_VFILE_CLOSE,    /* fd */
	GDB_VFILE_FSTAT,    /* fd */
	GDB_VFILE_SETFS,    /* pid (0: the process of the current thread) */
	GDB_VFILE_READLINK, /* path */
	GDB_VFILE_UNLINK,   /* path */
};

struct gdb_feature {
	const char *name;   /* NUL-terminated, in the request */
	char sign;          /* '+', '-', '?' or '=' */
	const char *value;  /* '=': the text after it; else "" */
};

/* A parsed request. Pointers (data, str, names, argv) point into the
 * request itself (buf): it stays valid as long as the request does,
 * whatever happens to the packet it was parsed from. */
struct gdb_req {
	enum gdb_req_kind kind;
	const char *why;           /* MALFORMED: what was wrong (static) */
	const uint8_t *data;       /* decoded bytes of G, P, M, X */
	size_t data_len;
	const char *str;           /* decoded string of qRcmd, vFile, qSymbol */
	size_t str_len;            /* (decoded strings hold no NUL byte) */
	union {
		uint32_t reg;                                   /* p, P */
		struct { uint64_t addr, len; } mem;             /* m, M, X, qSearch */
		struct { int type; uint64_t addr, kind; } bp;   /* Z, z: type 0..4 */
		struct { char op; struct gdb_tid tid; } thread; /* H, T, qThreadExtraInfo */
		struct {
			int n;
			struct gdb_action act[GDB_REQ_MAX_ACTIONS];
			bool has_addr;  /* c/s/C/S addr: resume at addr */
			uint64_t addr;
		} resume;
		struct { bool has_pid; int64_t pid; } pid;      /* qAttached, vAttach, vKill, D */
		struct {
			int n;
			struct gdb_feature f[GDB_REQ_MAX_FEATURES];
		} supported;
		struct {
			enum gdb_xfer_object object;
			const char *name;   /* the object as sent */
			const char *annex;
			uint64_t offset, len; /* len clamped to GDB_REQ_READ_MAX */
			int64_t pid;          /* exec-file: the annex as a pid (0: none) */
		} xfer;
		uint64_t signals[4];    /* QPassSignals, QProgramSignals: bit n = signal n */
		struct {
			enum gdb_vfile_op op;
			int64_t fd, pid;
			uint64_t flags, mode, count, offset;
		} vfile;
		struct { int argc; const char *argv[GDB_REQ_MAX_ARGS]; } run; /* argv[0]: file ("": default) */
		struct { bool has_value; uint64_t value; } symbol; /* name in str ("": none) */
		struct { struct gdb_tid tid; uint64_t offset, lm; } tls;
	} u;
	uint8_t buf[GDB_CONN_PACKET_SIZE + 2 * GDB_REQ_MAX_FEATURES + 16];
};

/* Parses a payload (from a GDB_EV_PACKET) into req; returns req->kind. */
enum gdb_req_kind gdb_req_parse(const uint8_t *payload, size_t len, struct gdb_req *req);
/* The name of a request kind, for logs ("READ_MEM"). */
const char *gdb_req_kind_name(enum gdb_req_kind kind);
/* Whether signal sig is in the set of a QPassSignals/QProgramSignals request. */
bool gdb_req_has_signal(const struct gdb_req *req, int sig);
/* The qSupported feature called name, or NULL if gdb did not name it. */
const struct gdb_feature *gdb_req_feature(const struct gdb_req *req, const char *name);

#endif
