/* trace.h - the heisen trace file: LZ4 frames of typed records.
 * docs/trace-format.md describes every byte; keep the two in step. */
#ifndef HEISEN_TRACE_H
#define HEISEN_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <sys/user.h>
#include <lz4frame.h>

#include "util.h"

#define TRACE_MAGIC "HEISENTR"
#define TRACE_VERSION 11
#define TRACE_VERSION_TSC 10 /* from this version on, buffer records may hold rdtsc and rdtscp entries (nr
			      * IL_NR_RDTSC, IL_NR_RDTSCP) and patch records rdtsc sites (docs/inprocess.md
			      * section 16); with syscalls' SCF_NOT_RUN and SCF_KILL (seccomp filters) */
#define TRACE_VERSION_SPARSE_HASH 9 /* from this version on, point hashes leave out zero pages (mem_writable_hash),
				    * and a sparse file's chunks leave out its holes */
#define TRACE_VERSION_DEAD_STACKS 11 /* from this version on, point hashes leave out every thread's dead stack */
#define TRACE_VERSION_MIN 5  /* the oldest version the reader reads (5: no inproc, patch, buffer records) */
#define TRACE_VERSION_UNRECORDED 7 /* from this version on, sc_unrecorded's syscalls have no records */
#define TRACE_INDEX_MAGIC 0x184D2A5Eu   /* LZ4 skippable frame, nibble E */
#define TRACE_INDEX_MAX 65536u          /* frames an index lists at most (16 bytes each, in rec's memory) */
/* From version 8, every LZ4 frame rec writes follows a check frame: an LZ4
 * skippable frame (nibble D) of 16 bytes, the LZ4 frame's length and the
 * XXH3-64 of its bytes seeded with that length; the LZ4 frame itself has no
 * xxHash32 checksums. An LZ4 frame without a check frame before it must
 * have LZ4's content checksum (a trace recompressed with the lz4 tool). */
#define TRACE_CHECK_MAGIC 0x184D2A5Du
#define TRACE_CHECK_SIZE 24             /* the check frame: magic, size 16, u64 length, u64 hash */
#define TRACE_FRAME_TARGET (256 * 1024) /* flush a frame at this raw size */
#define TRACE_FRAME_SPAN_NS (200ull * 1000 * 1000) /* a frame's records span at most this */
#define TRACE_FRAME_MAX (1u << 30)      /* reader refuses larger frames */
/* The writer refuses (-EFBIG) a record whose payload is larger: with the
 * frame record and the records before it, its frame stays within
 * TRACE_FRAME_MAX. */
#define TRACE_RECORD_MAX (TRACE_FRAME_MAX - 4 * TRACE_FRAME_TARGET)
#define TRACE_FILE_CHUNK (1u << 20)     /* a file's content goes in records (frames) of at most this */
#define TRACE_MAX_REGIONS 4096

enum trace_type {
	TR_HEADER = 1,
	TR_FILE = 2,
	TR_EXEC = 3,
	TR_SYSCALL = 4,
	TR_SIGNAL = 5,
	TR_RDTSC = 6,
	TR_EXIT = 7,
	TR_END = 8,
	TR_SYSENTER = 9,
	TR_NEWTASK = 10,
	TR_PREEMPT = 11,
	TR_FRAME = 12,
	TR_SITE = 13,
	TR_SIGFRAME = 14,
	TR_INPROC = 15,
	TR_PATCH = 16,
	TR_BUFFER = 17,
	TR_TYPE_MAX = 17,
};

/* Reader errors (returned negated). */
enum trace_err {
	TRE_NOTTRACE = 1000, /* not a heisen trace at all */
	TRE_CORRUPT,         /* checksum or structure error */
	TRE_VERSION,         /* newer format version */
	TRE_TRUNC,           /* ends before its END record */
	TRE_IO,              /* cannot open or read */
};

struct trace_hash {
	uint64_t lo, hi;
};

struct trace_cpuid {
	uint32_t leaf, subleaf, eax, ebx, ecx, edx;
};

struct trace_header {
	uint32_t version;
	char *tool_version;
	uint32_t argc;
	char **argv;
	char *cwd;
	uint32_t envc;
	char **envp;
	char *sysname, *release, *kversion, *machine, *cpu_model;
	uint32_t ncpuid;
	struct trace_cpuid *cpuid;
	uint64_t start_realtime_ns;
	uint32_t pid;
	uint32_t ncpus; /* CPUs the program could use, unpinned */
	uint32_t chaos; /* recorded with rec --chaos */
	uint64_t chaos_seed; /* its seed */
};

/* A mapped file's content. The writer takes the whole content (data,
 * size) and stores it in chunks of at most TRACE_FILE_CHUNK bytes, one
 * record each; the decoder gives one chunk: len bytes at offset. */
struct trace_file {
	struct trace_hash hash;
	const char *path;       /* first path it was seen under */
	uint64_t size;          /* the whole file */
	const uint8_t *data;    /* writer: the whole content; decoder: the chunk, in the reader's frame */
	uint64_t offset, len;   /* decoder: where the chunk goes, its length */
	int mapped;             /* writer: data is a private mmap of the file the writer takes over
				 * (not copied; each chunk unmapped once compressed) */
	const struct trace_extent {
		uint64_t offset, len;
	} *extents;             /* writer: a sparse file's data, in order (the rest reads as zeros);
				 * NULL: all of it. Not with mapped. */
	uint32_t nextents;
};

/* Mapping kinds in an exec snapshot. */
enum { MAPK_ANON = 0, MAPK_FILE = 1, MAPK_SPECIAL = 2 };
/* Mapping flags in an exec snapshot. */
enum { MAPF_SHARED = 1, MAPF_GROWSDOWN = 2 };

struct trace_map {
	uint64_t start, end, offset;
	uint32_t prot, flags;
	uint8_t kind;
	struct trace_hash hash; /* MAPK_FILE */
	const char *name;
	uint64_t content_len;   /* 0 or end-start: the bytes follow */
	const uint8_t *content;
};

struct trace_exec {
	uint32_t tid;
	const char *path;
	uint64_t start_brk;
	uint64_t sigblocked;  /* signal mask at exec (bit N-1: signal N) */
	uint64_t sigignored;  /* signals ignored at exec (SIG_IGN survives exec) */
	struct user_regs_struct regs;
	uint32_t nmaps;
	struct trace_map *maps;
};

struct trace_region {
	uint64_t addr;
	uint32_t len;
	const uint8_t *data;
};

enum {
	SCF_BLOB = 1,     /* a file blob hash follows (mmap of a file) */
	SCF_DATAHASH = 2, /* a hash of the bytes a write-like syscall sent follows */
	SCF_SHARED = 4,   /* with SCF_BLOB: a shared mapping; file_id names the file */
	SCF_FILEWRITE = 8, /* bytes written into file_id, which is mapped shared */
	SCF_ECHO_OUT = 16, /* the bytes went to rec's own stdout: replay shows them */
	SCF_ECHO_ERR = 32, /* ...to rec's own stderr */
	SCF_WIDE_NR = 64,  /* the number is outside 0..65535 (syscall(-1)): an i64 follows */
	SCF_RESIZE = 128,  /* with SCF_FILEWRITE: the file's new size follows (ftruncate) */
	SCF_NOT_RUN = 256, /* a program's seccomp filter answered it: not run, nothing written (format 10) */
	SCF_KILL = 512,    /* with SCF_NOT_RUN: ...by killing the thread (result: SECCOMP_RET_KILL_THREAD)
			    * or its process (SECCOMP_RET_KILL_PROCESS) */
	SCF_ALL = 1023,
};

struct trace_syscall {
	uint32_t tid;
	int64_t nr;         /* orig_rax as the program set it (SCF_WIDE_NR: outside 0..65535) */
	uint16_t flags;
	uint64_t args[6];
	int64_t result;
	uint32_t nregions;
	struct trace_region *regions;
	struct trace_hash blob;
	uint64_t file_id;   /* SCF_SHARED, SCF_FILEWRITE: same id, same file */
	uint64_t datahash;  /* SCF_DATAHASH: XXH3-64 of the bytes sent */
	uint64_t fw_offset; /* SCF_FILEWRITE: where in the file */
	uint32_t fw_len;
	const uint8_t *fw_data;
	uint64_t fw_size;   /* SCF_RESIZE: the file's size, set before fw_data is written */
};

struct trace_signal {
	uint32_t tid, signo;
	int32_t code;
	uint64_t rip;
	uint8_t siginfo[128]; /* the siginfo_t as the recorder saw it */
};

/* The frame the kernel wrote on a thread's stack to run a signal's
 * handler (its siginfo, ucontext and XSAVE area), as the handler's entry
 * saw it. Some of it is the kernel's state and not the program's (the
 * trap number and fault address of the thread's last trap, the XSAVE
 * header's in-use bits): replay writes these bytes over its own frame. */
struct trace_sigframe {
	uint32_t tid, signo;
	uint64_t addr; /* the handler's stack pointer: the frame's start */
	uint32_t len;
	const uint8_t *data;
};

/* The most a signal frame may take (XSAVE areas with AMX are ~11 KiB). */
#define TRACE_SIGFRAME_MAX (64u << 10)

struct trace_rdtsc {
	uint32_t tid, is_rdtscp, insn_len, aux;
	uint64_t rip, tsc;
};

enum { EXIT_HOW_EXITED = 0, EXIT_HOW_SIGNALED = 1 };

struct trace_exit {
	uint32_t tid, how;
	int32_t code; /* exit status or signal number */
};

/* A thread entered a syscall and others ran before it returned: its
 * syscall record comes later. */
struct trace_sysenter {
	uint32_t tid, nr;
};

/* A thread or process was created by parent's clone, fork or vfork. */
struct trace_newtask {
	uint32_t parent, child;
	uint64_t flags;          /* clone flags (fork: SIGCHLD only) */
	uint64_t parent_tid_ptr; /* CLONE_PARENT_SETTID: where the parent got the child's tid */
	uint64_t child_tid_ptr;  /* CLONE_CHILD_SETTID: where the child got its tid */
};

/* A running thread was stopped where no syscall or signal marks the place. */
enum { PREEMPT_STATE = 0, PREEMPT_COUNTED = 1, PREEMPT_SITE = 2 };
#define PREEMPT_WORDS 8 /* memory words a state-matched point's filter compares */
struct preempt_word {
	uint64_t addr, val;
};
struct trace_preempt {
	uint32_t tid, kind;
	uint64_t addr;     /* COUNTED: the address whose executions are counted;
			    * SITE: the site page (common/site.h); STATE: 0 */
	uint64_t count;    /* COUNTED: stop before its count-th execution;
			    * SITE: before the page's count-th site execution; STATE: 0 */
	uint64_t fphash;   /* XXH3-64 of the x87/SSE state */
	uint64_t memhash;  /* STATE: XXH3-64 of all writable memory */
	struct user_regs_struct regs;
	uint32_t nwords;   /* STATE: words of memory (8-aligned) that, with the
			    * registers, tell the passes through the point apart:
			    * replay's trampoline compares them before hashing */
	struct preempt_word words[PREEMPT_WORDS];
};

/* Thread tid, at its current point, makes the instruction at addr (len
 * bytes, code) a counting site in its address space, in a slot of the
 * site page at page (mapped by this record if it is new). */
struct trace_site {
	uint32_t tid, len;
	uint32_t flags;   /* SITE_LOOP: its slot runs the loop around it */
	uint64_t page, addr;
	uint8_t code[24]; /* the run's bytes (len of them) */
};

/* The in-process recording library (docs/inprocess.md) was mapped into
 * the process of thread tid at its exec (the record follows the exec
 * record): at base, in the given version of its layout. */
struct trace_inproc {
	uint32_t tid;
	uint32_t version; /* not 0 */
	uint64_t base;    /* 4096-aligned, not 0 */
};

/* Thread tid, at its current point, patched the syscall site at addr: the
 * run of len bytes there (code, which a jump to the slot replaced) now
 * jumps to the trampoline at page + slot, which calls the library. */
struct trace_patch {
	uint32_t tid, len; /* len: 5 to TRACE_PATCH_CODE */
	uint64_t addr;
	uint64_t page;     /* 4096-aligned */
	uint32_t slot;     /* the slot's offset in its page: below 4096 */
	uint8_t code[24];  /* the run's bytes (len of them, zeros after) */
};
#define TRACE_PATCH_CODE 24 /* PATCH_RUN_MAX (common/patch.h) */

/* One syscall the library made and recorded in the process's ring. Its
 * regions are the bytes the syscall table's walker finds for it (replay
 * finds their addresses again from the arguments and the result); addr
 * is not stored (0 when decoded). */
struct trace_bufentry {
	uint16_t nr;
	int64_t result;
	uint32_t args_hash;   /* 32-bit hash of the arguments, as the library computed it */
	uint32_t nregions;
	const struct trace_region *regions;
};

/* The entries rec drained from a process's ring at one point, in the
 * order the thread tid made them, before the record of that point. */
enum { BUF_NOTIFY = 1 }; /* the drain was at rec's notify: a traced getpid follows the last entry */
struct trace_buffer {
	uint32_t tid, flags;
	uint32_t count;
	struct trace_bufentry *entries; /* decoder: malloc'd (trace_buffer_free) */
	struct trace_region *regions;   /* decoder: every entry's regions, malloc'd; data points into the record */
};
/* A buffer record holds at most this many entries and regions (rec splits
 * a bigger drain; the decoder refuses more). */
#define TRACE_BUFFER_MAX 65536
#define TRACE_BUFFER_REGIONS_MAX (4 * TRACE_BUFFER_MAX)

/* The first record of every LZ4 frame but the first: the frames' order. */
struct trace_frame {
	uint64_t seq;     /* 1 for the second LZ4 frame, then 2, 3, ... */
	uint64_t event;   /* event number of the next record */
	uint64_t time_ns; /* recording's elapsed time when the frame began */
	uint64_t chain;   /* XXH3-64 of every raw byte of the trace before this record */
};

enum { END_OK = 0, END_FAILED = 1 };

struct trace_end {
	uint64_t end_realtime_ns, duration_ns;
	int32_t status; /* shell-style: code, or 128+signal */
	uint32_t flags;
	const char *reason;
};

/* ---- writer ---- */

/* An asynchronous writer's queue: at most this many frames handed over and
 * not yet written (those being compressed included), and no more than
 * TRACE_QUEUE_BYTES raw bytes among them unless a single frame is larger.
 * The worker compresses the oldest frame not yet taken; a caller that would
 * wait for room compresses one itself meanwhile (its CPU is idle then), and
 * whoever finishes writes the compressed frames in order. Frames are
 * compressed faster while the queue fills up: LZ4 acceleration
 * -TRACE_FAST_LEVEL from half full, 4 times that from three quarters, and
 * stored uncompressed (TRACE_STORE_LEVEL: LZ4 blocks marked uncompressed,
 * a copy) from seven eighths, so that the writer keeps up with any
 * program. */
#define TRACE_QUEUE_FRAMES 32
#define TRACE_QUEUE_BYTES (16u << 20)
#define TRACE_FAST_LEVEL (-2)
#define TRACE_STORE_LEVEL (-(1 << 30)) /* not an LZ4 level: store */
/* While the writer closes (the program has ended and rec waits for the
 * queue), frames are stored as long as this many raw bytes remain queued:
 * rec's exit waits for at most that much compression. */
#define TRACE_DRAIN_STORE (4u << 20)
#define QBUF_POOL 8

/* A record the writer's worker makes in its place in the trace
 * (trace_put_deferred): fill appends the whole record (trace_record_open,
 * trace_record_close) to b and returns 0 or -errno; it is called once,
 * in frame order, by the worker or a caller waiting for it, with b NULL
 * after an error (the record is dropped: fill only frees arg). */
typedef int (*trace_fill_fn)(void *arg, struct buf *b);

/* QF_RAW: handed over, its chain hash not yet taken (in frame order,
 * after its deferred record is made); then compressed (QF_QUEUED, QF_BUSY,
 * QF_DONE) and written. */
enum { QF_FREE, QF_RAW, QF_QUEUED, QF_BUSY, QF_DONE };

struct trace_qframe {
	struct buf raw;       /* records of the frame */
	const uint8_t *ext;   /* and after them these bytes (a mapped file's chunk, unmapped once compressed) */
	size_t ext_len;
	struct buf out;       /* its LZ4 frame once compressed */
	size_t outlen;
	uint64_t first_event;
	int state;            /* QF_* */
	int has_frec;         /* it begins with a frame record, whose chain the chain stage writes */
	trace_fill_fn fill;   /* a deferred record to append before its chain hash is taken */
	void *fill_arg;
	size_t fill_est;      /* its size as counted in qbytes until it is made */
};

struct trace_writer {
	int fd;
	int old_fd;           /* the file this trace replaced, closed by the worker (-1: none) */
	int err;              /* sticky first error, -errno */
	struct buf rec;       /* records of the frame being built */
	size_t rec_start;     /* offset of the record being built */
	const uint8_t *ext;   /* the last record's payload ends with these bytes (not in rec) */
	size_t ext_len;
	struct buf out;       /* compression scratch (the worker's when async) */
	struct buf index;     /* (file offset, first event) per frame */
	int no_index;         /* more than TRACE_INDEX_MAX frames: no index (rec's memory stays bounded) */
	uint64_t events;      /* records written, header included */
	uint64_t frame_first_event;
	uint64_t file_bytes;  /* bytes in the file: when async, only after trace_writer_close */
	uint64_t raw_bytes;   /* raw bytes of the frames ended (handed over when async) */
	uint32_t nframes;     /* frames ended (handed over when async) */
	uint64_t start_ns;    /* when the writer was opened */
	uint64_t frame_ns;    /* when the pending frame began */
	struct XXH3_state_s *chain; /* hash of every raw byte flushed (async: compressed, by the
				     * thread that takes each frame, in order) */
	LZ4F_preferences_t prefs;
	/* Asynchronous mode (trace_writer_async): a worker thread compresses
	 * and writes the frames in order; the fields below but async, started
	 * and cpus are guarded by mu. */
	int async, started;
	cpu_set_t cpus;       /* the worker's CPUs (none set: inherited) */
	cpu_set_t wait_cpus;  /* ...and the caller's while it waits for the worker */
	pthread_t thread;
	pthread_t chainer;    /* a second thread for the chain stage alone: a deferred record is
			       * made (and its ring released) while the worker compresses */
	int chainer_started;
	pthread_mutex_t mu;
	pthread_cond_t queued;  /* a frame was queued, or closing */
	pthread_cond_t done;    /* a frame was written (or dropped after an error) */
	struct trace_qframe q[TRACE_QUEUE_FRAMES];
	int draining;           /* the writer is closing: its caller waits for the queue */
	unsigned qhead, qcount;
	size_t qbytes;          /* raw bytes queued */
	struct buf pool[QBUF_POOL]; /* buffers of written frames, for the next ones */
	unsigned npool;
	size_t pool_bytes;      /* their capacity */
	int writing;            /* a thread writes the head frames (one at a time, in order) */
	int chaining;           /* a thread takes the next QF_RAW frame's chain hash (one at a time, in order) */
	trace_fill_fn fill;     /* the caller's deferred record, handed over with its frame */
	void *fill_arg;
	size_t fill_est;
	int closing;
	int werr;               /* the worker's first error, -errno (also read atomically) */
};

/* Creates path (failing if it exists when excl) and prepares a writer;
 * returns 0 or -errno. Frames are compressed and written by the caller
 * (synchronous) until trace_writer_async. */
int trace_writer_open(struct trace_writer *w, const char *path, int excl);
/* Makes w asynchronous: from the next frame on, a worker thread (started
 * then, with every signal blocked) compresses and writes the frames while
 * the caller goes on; returns 0 or -errno. The worker runs on cpus if not
 * NULL, and also on the caller's CPUs while the caller waits for it (a full
 * queue, close). A process that forks after the first frame must not need
 * w in the child. */
int trace_writer_async(struct trace_writer *w, const cpu_set_t *cpus);
/* Starts a record of the given type in w->rec; returns w->rec for the payload. */
struct buf *trace_begin(struct trace_writer *w, uint32_t type);
/* Finishes the current record, flushing a frame when it is big enough or
 * old enough; returns the writer's sticky error (0 if none), or -EFBIG
 * (not sticky: the record is dropped) for a payload over TRACE_RECORD_MAX.
 * When async, an error of the worker shows here (and in w->err) at the
 * first call after it happened. */
int trace_end(struct trace_writer *w);
/* Ends the pending records' frame: compresses and writes it as one LZ4
 * frame, or hands it to the worker when async (waiting while the queue is
 * full); returns the sticky error, 0 if none. */
int trace_flush(struct trace_writer *w);
/* Flushes, waits for the worker to write every frame, writes the index
 * frame and closes; returns the first error or 0. */
int trace_writer_close(struct trace_writer *w);

/* Puts a record that fill makes later, in its place: the record after
 * those put before and before those put after, the last of the pending
 * frame (which ends with it). With a worker, fill runs there
 * (est: its size, roughly, for the queue's bound) while the caller goes
 * on; else at once. Returns the sticky error, 0 if none (fill then runs
 * once in any case, with b NULL to drop). */
int trace_put_deferred(struct trace_writer *w, trace_fill_fn fill, void *arg, size_t est);
/* Waits until every deferred record handed over is made (taking part in
 * the work meanwhile). */
void trace_writer_fill_wait(struct trace_writer *w);
/* Starts a record of type in b (a deferred record's fill); returns where
 * it starts, for trace_record_close. */
size_t trace_record_open(struct buf *b, uint32_t type);
/* Ends the record b holds from start: its length; -EFBIG (b back at start)
 * past TRACE_RECORD_MAX, -ENOMEM if b failed, else 0. */
int trace_record_close(struct buf *b, size_t start);
/* Appends a whole buffer record to b (a deferred record's fill); returns
 * 0 or -errno (-E2BIG, -EINVAL: as trace_put_buffer; nothing appended). */
int trace_buffer_encode(struct buf *b, const struct trace_buffer *bf);

/* Record encoders: each appends one whole record; return the sticky error. */
int trace_put_header(struct trace_writer *w, const struct trace_header *h);
int trace_put_file(struct trace_writer *w, const struct trace_file *f);
int trace_put_exec(struct trace_writer *w, const struct trace_exec *e);
int trace_put_syscall(struct trace_writer *w, const struct trace_syscall *s);
int trace_put_signal(struct trace_writer *w, const struct trace_signal *s);
int trace_put_rdtsc(struct trace_writer *w, const struct trace_rdtsc *r);
/* Appends a signal frame record; returns 0 or -errno. */
int trace_put_sigframe(struct trace_writer *w, const struct trace_sigframe *f);
int trace_put_exit(struct trace_writer *w, const struct trace_exit *x);
int trace_put_end(struct trace_writer *w, const struct trace_end *e);
int trace_put_sysenter(struct trace_writer *w, const struct trace_sysenter *e);
int trace_put_newtask(struct trace_writer *w, const struct trace_newtask *n);
int trace_put_preempt(struct trace_writer *w, const struct trace_preempt *p);
int trace_put_site(struct trace_writer *w, const struct trace_site *p);
int trace_put_inproc(struct trace_writer *w, const struct trace_inproc *p);
int trace_put_patch(struct trace_writer *w, const struct trace_patch *p);
/* Appends a buffer record; returns the sticky error, or -E2BIG (nothing
 * written) for more than TRACE_BUFFER_MAX entries or
 * TRACE_BUFFER_REGIONS_MAX regions, or -EINVAL for a bad entry. */
int trace_put_buffer(struct trace_writer *w, const struct trace_buffer *b);
/* Appends a frame record, which is not an event (trace_begin does, at
 * each new frame). */
void trace_put_frame(struct trace_writer *w, const struct trace_frame *f);

/* ---- reader ---- */

struct trace_rec {
	uint32_t type;
	uint64_t event;      /* 0 for the header, then 1, 2, ... */
	const uint8_t *data; /* payload, valid until the next trace_next */
	uint32_t len;
	uint64_t time_ns;    /* recording's elapsed time when its frame began */
};

struct trace_reader {
	int fd;
	const uint8_t *map;
	size_t size;
	size_t off;           /* file offset of the next frame */
	size_t frame_off;     /* file offset of the current frame */
	LZ4F_dctx *dctx;
	struct buf frame;     /* decompressed current frame */
	size_t pos;           /* next record in frame */
	uint64_t event;       /* event number of the next record */
	uint64_t raw_bytes;
	uint32_t nframes;
	uint64_t frame_seq;   /* frame records read */
	uint64_t time_ns;     /* the last frame record's time */
	struct XXH3_state_s *chain; /* hash of every raw byte read */
	int saw_end;
	int done;
	struct trace_header hdr;
	char err[256];        /* message for the last error */
};

/* Opens a trace and reads its header into r->hdr; returns 0, -errno for
 * I/O errors, or -TRE_* (r->err says what is wrong). */
int trace_reader_open(struct trace_reader *r, const char *path);
/* Reads the next record; returns 1, 0 at a clean end (after END), or -TRE_*
 * (r->err says what and at which event). */
int trace_next(struct trace_reader *r, struct trace_rec *rec);
/* Releases everything the reader holds. */
void trace_reader_close(struct trace_reader *r);

/* A reader's position, to come back to: its frame (decompressed again on
 * seek), the place in it and the counters and hash chain of that point. */
struct trace_mark {
	size_t frame_off, frame_len, off, pos;
	uint64_t event, raw_bytes, frame_seq, time_ns;
	uint32_t nframes;
	int saw_end, done;
	struct XXH3_state_s *chain;
};
/* Notes where r is into m; returns 0 or -ENOMEM (trace_mark_free frees it). */
int trace_reader_mark(const struct trace_reader *r, struct trace_mark *m);
/* Puts r back where mark m was taken (the same trace, opened by r); returns
 * 0 or -TRE_* (r->err says why). */
int trace_reader_seek(struct trace_reader *r, const struct trace_mark *m);
/* Frees what trace_reader_mark allocated. */
void trace_mark_free(struct trace_mark *m);

/* Record decoders: parse rec into out (pointers into rec's data or fresh
 * allocations noted per type); return 0 or -TRE_CORRUPT. */
int trace_get_header(const struct trace_rec *rec, struct trace_header *h);
int trace_get_file(const struct trace_rec *rec, struct trace_file *f);
int trace_get_exec(const struct trace_rec *rec, struct trace_exec *e); /* e->maps malloc'd */
int trace_get_syscall(const struct trace_rec *rec, struct trace_syscall *s); /* regions malloc'd */
int trace_get_signal(const struct trace_rec *rec, struct trace_signal *s);
/* Decodes a signal frame record (data points into rec); 0 or -TRE_CORRUPT. */
int trace_get_sigframe(const struct trace_rec *rec, struct trace_sigframe *f);
int trace_get_rdtsc(const struct trace_rec *rec, struct trace_rdtsc *r);
int trace_get_exit(const struct trace_rec *rec, struct trace_exit *x);
int trace_get_end(const struct trace_rec *rec, struct trace_end *e);
int trace_get_sysenter(const struct trace_rec *rec, struct trace_sysenter *e);
int trace_get_newtask(const struct trace_rec *rec, struct trace_newtask *n);
int trace_get_preempt(const struct trace_rec *rec, struct trace_preempt *p);
int trace_get_site(const struct trace_rec *rec, struct trace_site *p);
int trace_get_frame(const struct trace_rec *rec, struct trace_frame *f);
int trace_get_inproc(const struct trace_rec *rec, struct trace_inproc *p);
int trace_get_patch(const struct trace_rec *rec, struct trace_patch *p);
/* Decodes a buffer record (entries and regions malloc'd, freed by
 * trace_buffer_free even after an error); 0 or -TRE_CORRUPT. */
int trace_get_buffer(const struct trace_rec *rec, struct trace_buffer *b);
/* Frees what trace_get_buffer allocated. */
void trace_buffer_free(struct trace_buffer *b);
/* Frees what trace_get_header allocated. */
void trace_header_free(struct trace_header *h);

/* Name of a record type, "?" if unknown. */
const char *trace_type_name(uint32_t type);
/* Maps a reader error to the documented exit status. */
int trace_err_exit(int err);

#endif
