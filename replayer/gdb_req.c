/* gdb_req.c - parsing of a gdb remote protocol payload into a struct
 * gdb_req: every number bounded and overflow-checked, every hex string
 * decoded into the request's own buffer, anything off -> MALFORMED. */
#include "gdb_conn.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* A parse in progress: a cursor over the payload, and the request with
 * the next free byte of its buffer. */
struct pc {
	const uint8_t *p, *end;
	struct gdb_req *req;
	size_t bp;
};

#define ID_MAX 0x7fffffff /* pids and thread ids */

static bool at_end(const struct pc *c) { return c->p == c->end; }

/* Consumes ch if it is next. */
static bool lit(struct pc *c, char ch)
{
	if (c->p == c->end || *c->p != (uint8_t)ch)
		return false;
	c->p++;
	return true;
}

/* Consumes s if the rest begins with it. */
static bool prefix(struct pc *c, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

/* Whether the rest is exactly s (consumed if so). */
static bool rest_is(struct pc *c, const char *s)
{
	const uint8_t *p = c->p;
	if (prefix(c, s) && at_end(c))
		return true;
	c->p = p;
	return false;
}

/* One or more hex digits with a value at most max. */
static bool hexnum(struct pc *c, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	const uint8_t *start = c->p;
	int d;
	while (c->p < c->end && (d = gdb_hex_digit(*c->p)) >= 0) {
		if (x > max / 16 || (uint64_t)d > max - x * 16)
			return false;
		x = x * 16 + (uint64_t)d;
		c->p++;
	}
	*v = x;
	return c->p != start;
}

/* A pid or thread id part: "-1" or hex up to ID_MAX. */
static bool idnum(struct pc *c, int64_t *v)
{
	uint64_t x;
	if (prefix(c, "-1")) {
		*v = GDB_ID_ALL;
		return true;
	}
	if (!hexnum(c, ID_MAX, &x))
		return false;
	*v = (int64_t)x;
	return true;
}

/* A thread id: p<pid>[.<tid>] or <tid>. */
static bool thread_id(struct pc *c, struct gdb_tid *t)
{
	t->pid = GDB_ID_ANY;
	t->tid = GDB_ID_ALL;
	if (lit(c, 'p'))
		return idnum(c, &t->pid) && (!lit(c, '.') || idnum(c, &t->tid));
	return idnum(c, &t->tid);
}

/* Length of the rest up to (not including) delim or the end. */
static size_t span(const struct pc *c, char delim)
{
	const uint8_t *q = memchr(c->p, delim, (size_t)(c->end - c->p));
	return (size_t)((q ? q : c->end) - c->p);
}

/* Copies n raw bytes into the request's buffer, NUL-terminated. */
static const char *copy(struct pc *c, const uint8_t *p, size_t n)
{
	uint8_t *out = c->req->buf + c->bp;
	if (n + 1 > sizeof c->req->buf - c->bp)
		return NULL;
	memcpy(out, p, n);
	out[n] = 0;
	c->bp += n + 1;
	return (const char *)out;
}

/* Decodes the hex digits up to delim (or the end) into the request's
 * buffer, NUL-terminated; with text, a decoded NUL byte is refused. */
static const uint8_t *hexbytes(struct pc *c, char delim, bool text, size_t *len)
{
	size_t n = span(c, delim);
	uint8_t *out = c->req->buf + c->bp;
	if (n % 2 || n / 2 + 1 > sizeof c->req->buf - c->bp)
		return NULL;
	if (gdb_hex_decode((const char *)c->p, n / 2, out))
		return NULL;
	if (text && memchr(out, 0, n / 2))
		return NULL;
	out[n / 2] = 0;
	c->p += n;
	c->bp += n / 2 + 1;
	*len = n / 2;
	return out;
}

/* A hex-encoded string into req->str. */
static bool hexstr(struct pc *c, char delim)
{
	const uint8_t *s = hexbytes(c, delim, true, &c->req->str_len);
	c->req->str = (const char *)s;
	return s != NULL;
}

/* A signal number: two hex digits (at most 0xff). */
static bool signum(struct pc *c, int *sig)
{
	uint64_t v;
	if (!hexnum(c, 0xff, &v))
		return false;
	*sig = (int)v;
	return true;
}

static enum gdb_req_kind bad(struct gdb_req *req, const char *why)
{
	req->kind = GDB_REQ_MALFORMED;
	req->why = why;
	return req->kind;
}

/* Sets the kind if the rest is empty, else MALFORMED. */
static enum gdb_req_kind done(struct pc *c, enum gdb_req_kind kind)
{
	if (!at_end(c))
		return bad(c->req, "unexpected bytes at the end");
	c->req->kind = kind;
	return kind;
}

/* m addr,len / M addr,len:hex / X addr,len:bin */
static enum gdb_req_kind mem(struct pc *c, char op)
{
	struct gdb_req *req = c->req;
	if (!hexnum(c, UINT64_MAX, &req->u.mem.addr) || !lit(c, ',') ||
	    !hexnum(c, UINT64_MAX, &req->u.mem.len))
		return bad(req, "bad address or length");
	if (op == 'm') {
		if (req->u.mem.len > GDB_REQ_READ_MAX)
			req->u.mem.len = GDB_REQ_READ_MAX;
		return done(c, GDB_REQ_READ_MEM);
	}
	if (!lit(c, ':'))
		return bad(req, "no ':' before the data");
	if (op == 'M') {
		req->data = hexbytes(c, 0, false, &req->data_len);
	} else {
		req->data_len = (size_t)(c->end - c->p);
		req->data = (const uint8_t *)copy(c, c->p, req->data_len);
		c->p = c->end;
	}
	if (!req->data || req->data_len != req->u.mem.len)
		return bad(req, "data does not match the length");
	return done(c, GDB_REQ_WRITE_MEM);
}

/* Z/z type,addr,kind[;conditions;cmds] */
static enum gdb_req_kind breakpoint(struct pc *c, bool insert)
{
	struct gdb_req *req = c->req;
	uint64_t type;
	if (!hexnum(c, 4, &type) || !lit(c, ',') || !hexnum(c, UINT64_MAX, &req->u.bp.addr) ||
	    !lit(c, ',') || !hexnum(c, 0xffffffff, &req->u.bp.kind))
		return bad(req, "bad breakpoint type, address or kind");
	req->u.bp.type = (int)type;
	if (insert && lit(c, ';'))
		c->p = c->end; /* conditions and commands: the server ignores them */
	return done(c, insert ? GDB_REQ_INSERT_BP : GDB_REQ_REMOVE_BP);
}

/* c [addr] / s [addr] / C sig[;addr] / S sig[;addr] */
static enum gdb_req_kind resume(struct pc *c, char op)
{
	struct gdb_req *req = c->req;
	struct gdb_action *a = &req->u.resume.act[0];
	req->u.resume.n = 1;
	a->kind = op == 'c' || op == 'C' ? GDB_ACT_CONT : GDB_ACT_STEP;
	a->sig = -1;
	bool addr = !at_end(c);
	if (op == 'C' || op == 'S') {
		if (!signum(c, &a->sig))
			return bad(req, "bad signal");
		addr = lit(c, ';');
	}
	if (addr) {
		if (!hexnum(c, UINT64_MAX, &req->u.resume.addr))
			return bad(req, "bad resume address");
		req->u.resume.has_addr = true;
	}
	return done(c, GDB_REQ_CONT);
}

/* vCont;action[:tid];... */
static enum gdb_req_kind vcont(struct pc *c)
{
	struct gdb_req *req = c->req;
	while (lit(c, ';')) {
		if (req->u.resume.n == GDB_REQ_MAX_ACTIONS)
			return bad(req, "too many vCont actions");
		struct gdb_action *a = &req->u.resume.act[req->u.resume.n++];
		a->sig = -1;
		uint8_t op = at_end(c) ? 0 : *c->p++;
		switch (op) {
		case 'c': a->kind = GDB_ACT_CONT; break;
		case 's': a->kind = GDB_ACT_STEP; break;
		case 't': a->kind = GDB_ACT_STOP; break;
		case 'C':
		case 'S':
			a->kind = op == 'C' ? GDB_ACT_CONT : GDB_ACT_STEP;
			if (!signum(c, &a->sig))
				return bad(req, "bad vCont signal");
			break;
		case 'r':
			a->kind = GDB_ACT_RANGE;
			if (!hexnum(c, UINT64_MAX, &a->start) || !lit(c, ',') ||
			    !hexnum(c, UINT64_MAX, &a->end))
				return bad(req, "bad vCont range");
			break;
		default:
			return bad(req, "unknown vCont action");
		}
		if (lit(c, ':')) {
			if (!thread_id(c, &a->tid))
				return bad(req, "bad vCont thread id");
			a->has_tid = true;
		}
	}
	if (req->u.resume.n == 0)
		return bad(req, "vCont without an action");
	return done(c, GDB_REQ_VCONT);
}

/* The optional ";pid" (or ":pid") of D, qAttached; the mandatory one of
 * vKill and vAttach. */
static enum gdb_req_kind with_pid(struct pc *c, char sep, bool needed, enum gdb_req_kind kind)
{
	if (lit(c, sep) || needed) {
		if (!idnum(c, &c->req->u.pid.pid) || c->req->u.pid.pid <= 0)
			return bad(c->req, "bad process id");
		c->req->u.pid.has_pid = true;
	}
	return done(c, kind);
}

/* qSupported[:feature;...] */
static enum gdb_req_kind supported(struct pc *c)
{
	struct gdb_req *req = c->req;
	if (at_end(c))
		return done(c, GDB_REQ_SUPPORTED);
	if (!lit(c, ':'))
		return bad(req, "bad qSupported");
	while (!at_end(c)) {
		size_t n = span(c, ';');
		const uint8_t *item = c->p;
		c->p += n;
		lit(c, ';');
		const uint8_t *eq = memchr(item, '=', n);
		struct gdb_feature f = {.value = ""};
		if (eq) {
			f.sign = '=';
			f.name = copy(c, item, (size_t)(eq - item));
			f.value = copy(c, eq + 1, n - (size_t)(eq - item) - 1);
		} else if (n > 1 && strchr("+-?", item[n - 1])) {
			f.sign = (char)item[n - 1];
			f.name = copy(c, item, n - 1);
		} else {
			continue; /* not a feature gdb documents: ignored */
		}
		if (!f.name || !f.value)
			return bad(req, "qSupported too long");
		if (req->u.supported.n < GDB_REQ_MAX_FEATURES)
			req->u.supported.f[req->u.supported.n++] = f;
	}
	return done(c, GDB_REQ_SUPPORTED);
}

/* qXfer:object:read:annex:offset,length */
static enum gdb_req_kind xfer(struct pc *c)
{
	static const char *const objects[] = {
		[GDB_XFER_FEATURES] = "features", [GDB_XFER_AUXV] = "auxv",
		[GDB_XFER_EXEC_FILE] = "exec-file", [GDB_XFER_SIGINFO] = "siginfo",
		[GDB_XFER_LIBRARIES_SVR4] = "libraries-svr4", [GDB_XFER_THREADS] = "threads",
	};
	struct gdb_req *req = c->req;
	size_t n = span(c, ':');
	req->u.xfer.name = copy(c, c->p, n);
	c->p += n;
	if (!prefix(c, ":read:")) {
		req->kind = GDB_REQ_UNKNOWN; /* writes and other operations */
		return req->kind;
	}
	const uint8_t *colon = c->p;
	for (const uint8_t *q = c->p; q < c->end; q++)
		if (*q == ':')
			colon = q;
	if (colon == c->p && (c->p == c->end || *c->p != ':'))
		return bad(req, "qXfer without offset and length");
	req->u.xfer.annex = copy(c, c->p, (size_t)(colon - c->p));
	c->p = colon + 1;
	if (!req->u.xfer.name || !req->u.xfer.annex)
		return bad(req, "qXfer too long");
	if (!hexnum(c, UINT64_MAX, &req->u.xfer.offset) || !lit(c, ',') ||
	    !hexnum(c, UINT64_MAX, &req->u.xfer.len))
		return bad(req, "bad qXfer offset or length");
	if (req->u.xfer.len > GDB_REQ_READ_MAX)
		req->u.xfer.len = GDB_REQ_READ_MAX;
	req->u.xfer.object = GDB_XFER_OTHER;
	for (size_t i = 1; i < sizeof objects / sizeof *objects; i++)
		if (!strcmp(req->u.xfer.name, objects[i]))
			req->u.xfer.object = (enum gdb_xfer_object)i;
	if (req->u.xfer.object == GDB_XFER_EXEC_FILE && *req->u.xfer.annex) {
		struct pc a = {.p = (const uint8_t *)req->u.xfer.annex};
		a.end = a.p + strlen(req->u.xfer.annex);
		if (!idnum(&a, &req->u.xfer.pid) || req->u.xfer.pid <= 0 || !at_end(&a))
			return bad(req, "bad exec-file process id");
	}
	return done(c, GDB_REQ_XFER_READ);
}

/* QPassSignals:sig;sig... / QProgramSignals:... */
static enum gdb_req_kind signals(struct pc *c, enum gdb_req_kind kind)
{
	int sig;
	while (!at_end(c)) {
		if (lit(c, ';'))
			continue;
		if (!signum(c, &sig) || (!at_end(c) && *c->p != ';'))
			return bad(c->req, "bad signal number");
		c->req->u.signals[sig / 64] |= 1ull << (sig % 64);
	}
	return done(c, kind);
}

/* An fd or pid argument of vFile. */
static bool vfile_id(struct pc *c, int64_t *v)
{
	uint64_t x;
	if (!hexnum(c, ID_MAX, &x))
		return false;
	*v = (int64_t)x;
	return true;
}

/* vFile:operation:args */
static enum gdb_req_kind vfile(struct pc *c)
{
	struct gdb_req *req = c->req;
	__typeof__(req->u.vfile) *v = &req->u.vfile;
	bool ok;
	if (prefix(c, "open:")) {
		v->op = GDB_VFILE_OPEN;
		ok = hexstr(c, ',') && lit(c, ',') && hexnum(c, 0xffffffff, &v->flags) &&
		     lit(c, ',') && hexnum(c, 0xffffffff, &v->mode);
	} else if (prefix(c, "pread:")) {
		v->op = GDB_VFILE_PREAD;
		ok = vfile_id(c, &v->fd) && lit(c, ',') && hexnum(c, UINT64_MAX, &v->count) &&
		     lit(c, ',') && hexnum(c, INT64_MAX, &v->offset);
		if (v->count > GDB_REQ_READ_MAX)
			v->count = GDB_REQ_READ_MAX;
	} else if (prefix(c, "close:")) {
		v->op = GDB_VFILE_CLOSE;
		ok = vfile_id(c, &v->fd);
	} else if (prefix(c, "fstat:")) {
		v->op = GDB_VFILE_FSTAT;
		ok = vfile_id(c, &v->fd);
	} else if (prefix(c, "setfs:")) {
		v->op = GDB_VFILE_SETFS;
		ok = vfile_id(c, &v->pid);
	} else if (prefix(c, "readlink:")) {
		v->op = GDB_VFILE_READLINK;
		ok = hexstr(c, 0);
	} else if (prefix(c, "unlink:")) {
		v->op = GDB_VFILE_UNLINK;
		ok = hexstr(c, 0);
	} else {
		req->kind = GDB_REQ_UNKNOWN; /* pwrite and the rest: not served */
		return req->kind;
	}
	if (!ok || !at_end(c))
		return bad(req, "bad vFile arguments");
	return done(c, GDB_REQ_VFILE);
}

/* vRun;file[;arg]... */
static enum gdb_req_kind run(struct pc *c)
{
	struct gdb_req *req = c->req;
	while (lit(c, ';')) {
		size_t len;
		if (req->u.run.argc == GDB_REQ_MAX_ARGS)
			return bad(req, "too many vRun arguments");
		const uint8_t *a = hexbytes(c, ';', true, &len);
		if (!a)
			return bad(req, "bad vRun argument");
		req->u.run.argv[req->u.run.argc++] = (const char *)a;
	}
	if (req->u.run.argc == 0)
		return bad(req, "vRun without a file");
	return done(c, GDB_REQ_RUN);
}

/* qSymbol:[value]:[hexname] */
static enum gdb_req_kind symbol(struct pc *c)
{
	struct gdb_req *req = c->req;
	if (!at_end(c) && *c->p != ':') {
		if (!hexnum(c, UINT64_MAX, &req->u.symbol.value))
			return bad(req, "bad qSymbol value");
		req->u.symbol.has_value = true;
	}
	if (!lit(c, ':') || !hexstr(c, 0))
		return bad(req, "bad qSymbol name");
	return done(c, GDB_REQ_SYMBOL);
}

/* qGetTLSAddr:tid,offset,lm */
static enum gdb_req_kind tls_addr(struct pc *c)
{
	struct gdb_req *req = c->req;
	if (!thread_id(c, &req->u.tls.tid) || !lit(c, ',') ||
	    !hexnum(c, UINT64_MAX, &req->u.tls.offset) || !lit(c, ',') ||
	    !hexnum(c, UINT64_MAX, &req->u.tls.lm))
		return bad(req, "bad qGetTLSAddr");
	return done(c, GDB_REQ_TLS_ADDR);
}

/* qSearch:memory:addr;len;pattern */
static enum gdb_req_kind search(struct pc *c)
{
	struct gdb_req *req = c->req;
	if (!hexnum(c, UINT64_MAX, &req->u.mem.addr) || !lit(c, ';') ||
	    !hexnum(c, UINT64_MAX, &req->u.mem.len) || !lit(c, ';') || at_end(c))
		return bad(req, "bad qSearch:memory");
	req->data_len = (size_t)(c->end - c->p);
	req->data = (const uint8_t *)copy(c, c->p, req->data_len);
	c->p = c->end;
	return done(c, GDB_REQ_SEARCH_MEM);
}

/* Packets starting with 'q', 'Q' or 'v'. */
static enum gdb_req_kind named(struct pc *c)
{
	struct gdb_req *req = c->req;
	static const struct { const char *name; enum gdb_req_kind kind; } exact[] = {
		{"qfThreadInfo", GDB_REQ_THREAD_FIRST}, {"qsThreadInfo", GDB_REQ_THREAD_NEXT},
		{"qC", GDB_REQ_CURRENT_THREAD}, {"qOffsets", GDB_REQ_OFFSETS},
		{"qTStatus", GDB_REQ_TSTATUS}, {"QStartNoAckMode", GDB_REQ_START_NOACK},
		{"vCont?", GDB_REQ_VCONT_QUERY}, {"vMustReplyEmpty", GDB_REQ_MUST_REPLY_EMPTY},
	};
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (rest_is(c, exact[i].name))
			return req->kind = exact[i].kind;
	if (prefix(c, "qAttached"))
		return with_pid(c, ':', false, GDB_REQ_ATTACHED);
	if (prefix(c, "qSupported"))
		return supported(c);
	if (prefix(c, "qXfer:"))
		return xfer(c);
	if (prefix(c, "qThreadExtraInfo,")) {
		if (!thread_id(c, &req->u.thread.tid))
			return bad(req, "bad thread id");
		return done(c, GDB_REQ_THREAD_EXTRA);
	}
	if (prefix(c, "qGetTLSAddr:"))
		return tls_addr(c);
	if (prefix(c, "qSearch:memory:"))
		return search(c);
	if (prefix(c, "qRcmd,"))
		return hexstr(c, 0) ? done(c, GDB_REQ_MONITOR) : bad(req, "bad monitor command");
	if (prefix(c, "qSymbol:"))
		return symbol(c);
	if (prefix(c, "QPassSignals:"))
		return signals(c, GDB_REQ_PASS_SIGNALS);
	if (prefix(c, "QProgramSignals:"))
		return signals(c, GDB_REQ_PROGRAM_SIGNALS);
	if (prefix(c, "vCont;")) {
		c->p--;
		return vcont(c);
	}
	if (prefix(c, "vFile:"))
		return vfile(c);
	if (prefix(c, "vRun")) {
		if (at_end(c) || *c->p != ';')
			return bad(req, "vRun without a file");
		return run(c);
	}
	if (prefix(c, "vAttach;"))
		return with_pid(c, 0, true, GDB_REQ_ATTACH);
	if (prefix(c, "vKill;"))
		return with_pid(c, 0, true, GDB_REQ_VKILL);
	return req->kind = GDB_REQ_UNKNOWN;
}

int gdb_hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int gdb_hex_decode(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hex_digit((unsigned char)s[2 * i]);
		int lo = hi < 0 ? -1 : gdb_hex_digit((unsigned char)s[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

enum gdb_req_kind gdb_req_parse(const uint8_t *payload, size_t len, struct gdb_req *req)
{
	memset(req, 0, offsetof(struct gdb_req, buf));
	struct pc c = {.p = payload, .end = payload + len, .req = req};
	if (len > GDB_CONN_PACKET_SIZE)
		return bad(req, "packet longer than PacketSize");
	if (len == 0)
		return req->kind = GDB_REQ_UNKNOWN;
	uint8_t op = *c.p++;
	uint64_t v;
	switch (op) {
	case '?': return done(&c, GDB_REQ_HALT_REASON);
	case '!': return done(&c, GDB_REQ_EXTENDED);
	case 'g': return done(&c, GDB_REQ_READ_REGS);
	case 'k': return done(&c, GDB_REQ_KILL);
	case 'R': return req->kind = GDB_REQ_RESTART; /* its argument means nothing */
	case 'G':
		req->data = hexbytes(&c, 0, false, &req->data_len);
		if (!req->data || !req->data_len)
			return bad(req, "bad register data");
		return done(&c, GDB_REQ_WRITE_REGS);
	case 'p':
	case 'P':
		if (!hexnum(&c, 0xffff, &v))
			return bad(req, "bad register number");
		req->u.reg = (uint32_t)v;
		if (op == 'p')
			return done(&c, GDB_REQ_READ_REG);
		if (!lit(&c, '=') || !(req->data = hexbytes(&c, 0, false, &req->data_len)) ||
		    !req->data_len)
			return bad(req, "bad register value");
		return done(&c, GDB_REQ_WRITE_REG);
	case 'm':
	case 'M':
	case 'X':
		return mem(&c, (char)op);
	case 'Z':
	case 'z':
		return breakpoint(&c, op == 'Z');
	case 'c':
	case 's':
	case 'C':
	case 'S':
		return resume(&c, (char)op);
	case 'b':
		if (rest_is(&c, "c"))
			return req->kind = GDB_REQ_REVERSE_CONT;
		if (rest_is(&c, "s"))
			return req->kind = GDB_REQ_REVERSE_STEP;
		return req->kind = GDB_REQ_UNKNOWN;
	case 'H':
		if (at_end(&c) || (*c.p != 'g' && *c.p != 'c'))
			return bad(req, "H with an operation other than g and c");
		req->u.thread.op = (char)*c.p++;
		/* fall through */
	case 'T':
		if (!thread_id(&c, &req->u.thread.tid))
			return bad(req, "bad thread id");
		return done(&c, op == 'H' ? GDB_REQ_SET_THREAD : GDB_REQ_THREAD_ALIVE);
	case 'D':
		return with_pid(&c, ';', false, GDB_REQ_DETACH);
	case 'q':
	case 'Q':
	case 'v':
		c.p--;
		return named(&c);
	default:
		return req->kind = GDB_REQ_UNKNOWN;
	}
}

const char *gdb_req_kind_name(enum gdb_req_kind kind)
{
	static const char *const names[GDB_REQ_KIND_COUNT] = {
		"UNKNOWN", "MALFORMED", "HALT_REASON", "EXTENDED", "READ_REGS", "WRITE_REGS",
		"READ_REG", "WRITE_REG", "READ_MEM", "WRITE_MEM", "INSERT_BP", "REMOVE_BP",
		"CONT", "VCONT", "VCONT_QUERY", "REVERSE_CONT", "REVERSE_STEP", "SET_THREAD",
		"THREAD_ALIVE", "THREAD_FIRST", "THREAD_NEXT", "CURRENT_THREAD", "THREAD_EXTRA",
		"ATTACHED", "SUPPORTED", "XFER_READ", "START_NOACK", "PASS_SIGNALS",
		"PROGRAM_SIGNALS", "VFILE", "RUN", "ATTACH", "VKILL", "KILL", "DETACH",
		"MONITOR", "OFFSETS", "SYMBOL", "TSTATUS", "MUST_REPLY_EMPTY", "TLS_ADDR",
		"SEARCH_MEM", "RESTART",
	};
	return (unsigned)kind < GDB_REQ_KIND_COUNT && names[kind] ? names[kind] : "?";
}

bool gdb_req_has_signal(const struct gdb_req *req, int sig)
{
	return sig >= 0 && sig < 256 && (req->u.signals[sig / 64] >> (sig % 64) & 1);
}

const struct gdb_feature *gdb_req_feature(const struct gdb_req *req, const char *name)
{
	for (int i = 0; i < req->u.supported.n; i++)
		if (!strcmp(req->u.supported.f[i].name, name))
			return &req->u.supported.f[i];
	return NULL;
}
