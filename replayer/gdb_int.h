/* gdb_int.h - the gdb server's own state, shared by gdb_server.c (stops,
 * resumes, breakpoints), gdb_serve.c (requests), gdb_regs.c (registers)
 * and gdb_files.c (files and objects served from the trace). */
#ifndef HEISEN_GDB_INT_H
#define HEISEN_GDB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "gdb_conn.h"
#include "gdb_server.h"
#include "replay.h"

#define GDB_MAX_VFD 16
#define GDB_MAX_NAMES 64
#define GDB_NHW 4 /* debug registers; DR0 stays replay's */
#define GDB_MAX_PROCS 64
#define GDB_CALL_RETS 8

/* A process's executable and auxiliary vector (gdb_procs.c). */
struct gdb_proc {
	uint32_t tgid;
	char *path;
	struct buf auxv;
};

struct gdb_bp {
	uint64_t addr;
	uint8_t orig;  /* the byte under the int3 while armed */
	bool armed;    /* its int3 was put in at the last resume */
};

struct gdb_hw {
	bool used;
	int type;      /* Z type: 1 exec, 2 write, 3 read, 4 access */
	uint64_t addr, len;
	uint8_t old[8]; /* watched bytes when last seen (syscall writes) */
};

/* What the server sends when a seek reaches its target. */
enum gdb_reply { GDB_REPLY_STOP, GDB_REPLY_SWBREAK, GDB_REPLY_WATCH, GDB_REPLY_BEGIN, GDB_REPLY_MONITOR };
/* What a seek does on the way (gdb_reverse.c). */
enum gdb_seek_mode {
	GDB_SEEK_GO,    /* reach the target and answer gdb */
	GDB_SEEK_SCAN,  /* reach it with gdb's breakpoints and watchpoints armed, noting
			   each hit: the last one is where reverse-continue goes */
	GDB_SEEK_COUNT, /* reach it single-stepping its last op (or its event),
			   counting steps: the position one step before it */
	GDB_SEEK_WRITER, /* reach it with execution breakpoints on the instructions
			    that may have run just before its last op's end (made a
			    watchpoint's write, or fell through to an arrival): the
			    one stepped over right before is the step before */
};
#define GDB_MAX_CKPT 32
#define GDB_MAX_ANCHORS 64

struct gdb_seek {
	bool on;
	enum gdb_seek_mode mode;
	struct gdb_pos target;
	enum gdb_reply reply;    /* at the target */
	uint64_t reply_addr;     /* GDB_REPLY_WATCH: the watched address, */
	int reply_type;          /* its Z type */
	char text[256];          /* GDB_REPLY_MONITOR: the answer */
	uint64_t event;          /* the event the counters below belong to */
	uint64_t prev_event;     /* the event before it */
	int op;                  /* target.ops[op] is being run (IN, event reached) */
	uint64_t done;           /* of it so far */
	uint64_t steps;          /* single steps since the op (COUNT) */
	uint64_t here;           /* an arrival counted at this pc: step over it */
	struct { uint64_t addr, n; } arr[GDB_MAX_ANCHORS]; /* arrivals since the op began */
	int narr;
	uint64_t trig[GDB_NHW];  /* watchpoint triggers since the op began, by slot */
	uint64_t ubps[GDB_MAX_ANCHORS]; /* gdb's breakpoints (restored at the target) */
	int nubps;
	struct gdb_hw uhw[GDB_NHW];     /* gdb's debug registers */
	uint64_t cand[GDB_NHW - 2]; /* WRITER: the instructions that may write */
	int ncand;
	bool span_end;           /* SCAN: the target ends a checkpoint's span (its
				    event's own syscall write is one of the span's hits) */
};

/* The hits a reverse-continue scan noted (the last GDB_MAX_HITS of them):
 * the next reverse-continue from where the last one went, with the same
 * breakpoints, goes to the one before without scanning again. */
#define GDB_MAX_HITS 64
struct gdb_hit {
	struct gdb_pos pos;
	enum gdb_reply reply;
	uint64_t addr, rip;  /* the watched address; where it stopped */
	int type;
	bool before;         /* a watchpoint's: pos is before the write already */
};
struct gdb_hits {
	struct gdb_hit h[GDB_MAX_HITS]; /* hit i at h[i % GDB_MAX_HITS] */
	uint64_t n;          /* hits noted by the scan */
	uint64_t cur;        /* the one gone to */
	bool valid, pending; /* pending: at cur's position once reached */
	struct gdb_pos at;   /* where going to cur ended */
	uint64_t from;       /* the scan began at the checkpoint of this event
				(0: the start); hits before it need a scan of the span before */
	uint64_t ubps[GDB_MAX_ANCHORS]; /* the breakpoints of the scan */
	int nubps;
	struct gdb_hw uhw[GDB_NHW];
};

struct gdb_server {
	struct replay_session *s;
	struct gdb_conn *c;  /* NULL until gdb is connected */
	int fd, lfd, ready;  /* the connection, the listening socket, the --gdb pipe */
	uint64_t goto_event; /* gdb's first stop is at this event (0: the start) */
	bool multiprocess, detached, ended, closed;
	bool started;        /* gdb has had its first stop */
	uint32_t pid;        /* recorded pid of the process shown */
	uint32_t pick_pid;   /* -p: that process (0: the first one), */
	uint64_t pick_event; /* the event where it appears (0: at the start) */
	int regs;            /* GDB_REGS_*: the register sets shown */
	struct gdb_call *call; /* gdb wrote registers since the stop (gdb_call.c) */
	uint64_t call_rets[GDB_CALL_RETS]; /* the calls' return breakpoints */
	int ncall_rets;
	bool killed;         /* vKill: a vRun may follow, else the replay ends */
	bool run;            /* vRun: the first stop is its answer */
	struct gdb_proc procs[GDB_MAX_PROCS]; /* until the process shown appears */
	int nprocs;
	uint32_t gthread;    /* Hg: registers and memory of this thread (0: cur) */
	uint32_t cur;        /* thread of the last stop */
	struct gdb_bp *bps;
	size_t nbps, capbps;
	struct gdb_hw hw[GDB_NHW];
	uint64_t warned[8];  /* breakpoints said to be inside replay's jumps */
	uint64_t pass[4];    /* QPassSignals, gdb numbers */
	uint32_t step_tid;   /* the thread gdb asked to step (0: none) */
	bool step_armed;     /* its current resume is that single step */
	uint64_t range_start, range_end; /* vCont;r: it steps on while pc is in there */
	uint32_t step_pending; /* its step ended at a stop replay handles */
	bool armed;          /* breakpoints are in memory */
	pid_t armed_tid;
	uint64_t armed_ns;   /* when it was resumed */
	struct gdb_pos pos;
	struct gdb_seek seek;  /* re-executing to a position (reverse execution) */
	struct gdb_hits *hits; /* the last reverse-continue scan's, or NULL */
	struct gdb_cov *cov;   /* the history known free of breakpoints (gdb_cov.c) */
	struct gdb_pos ckpt[GDB_MAX_CKPT]; /* monitor checkpoint */
	int nckpt;
	struct buf auxv;     /* the recorded auxiliary vector */
	char exec_path[4096]; /* the program's path, as recorded */
	struct buf stop;     /* the last stop reply (for '?') */
	struct buf out;
	struct replay_blob *vfd[GDB_MAX_VFD];
	struct { uint32_t tid; char name[16]; } names[GDB_MAX_NAMES]; /* set by prctl */
	int nnames;
	struct gdb_req req;
};

/* gdb_regs.c */
/* Register sets shown beyond SSE: */
#define GDB_REGS_AVX 1     /* this CPU has AVX */
#define GDB_REGS_AVX512 2  /* this CPU and the recording's have AVX-512 */
/* The register sets shown for a replay of the recording with header h. */
int gdb_regs_features(const struct trace_header *h);
/* Appends the target description XML. */
int gdb_regs_xml(int feats, struct buf *out);
/* Appends every register of tid as hex (a 'g' reply); 0 or -errno. */
int gdb_regs_read_all(int feats, pid_t tid, struct buf *out);
/* Appends register n of tid as hex; 0, -EINVAL (no such) or -errno. */
int gdb_regs_read_one(int feats, pid_t tid, uint32_t n, struct buf *out);
/* Sets register n of tid to v (its len bytes); *gp: the general
 * registers after. 0 or -errno. */
int gdb_regs_write_one(int feats, pid_t tid, uint32_t n, const uint8_t *v, size_t len, struct user_regs_struct *gp);
/* Sets every register a 'G' packet carries; *gp as above. 0 or -errno. */
int gdb_regs_write_all(int feats, pid_t tid, const uint8_t *v, size_t len, struct user_regs_struct *gp);

/* gdb_files.c */
/* Answers a vFile request from the files stored in the trace. */
int gdb_files_vfile(struct gdb_server *g, const struct gdb_req *req);
/* Answers qXfer:OBJECT:read (features, auxv, exec-file, siginfo, threads). */
int gdb_files_xfer(struct gdb_server *g, const struct gdb_req *req);
/* Takes the recorded auxiliary vector from the stack of thread t, which
 * is at its exec's first instruction; 0 or -errno. */
int gdb_files_auxv(struct gdb_server *g, struct replay_task *t);
/* After a syscall event of thread t: notes the name a PR_SET_NAME gave it. */
void gdb_files_note_name(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec);
/* The name of thread t ("" if none known), into buf. */
const char *gdb_thread_name(struct gdb_server *g, struct replay_task *t, char *buf, size_t n);

/* gdb_call.c */
/* Before gdb writes t's registers or memory: notes their state at the
 * stop (once). */
void gdb_call_note(struct gdb_server *g, struct replay_task *t);
/* At gdb's resume: 1 if it was a call of a function (run, its stop
 * reply sent), else 0 (what a call left is put back, the replay goes on). */
int gdb_call_resume(struct gdb_server *g);
/* Whether addr is where a call's return breakpoint was (on the stack: gdb
 * keeps it after an abandoned call; an int3 there would be in the
 * program's data). */
bool gdb_call_dummy(const struct gdb_server *g, uint64_t addr);
/* gdb goes (detach): what calls changed is put back. */
void gdb_call_undo(struct gdb_server *g);
/* A stop of the replay (or a new start): what was noted is dropped. */
void gdb_call_forget(struct gdb_server *g);

/* gdb_procs.c */
/* At the replay's start: notes the first process's executable and auxv. */
void gdb_procs_begin(struct gdb_server *g, struct replay_task *t);
/* Before the process shown appears: notes an exec's or fork's process. */
void gdb_procs_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec);
/* The process shown appears: its executable and auxv become gdb's. */
void gdb_procs_show(struct gdb_server *g);
/* Frees what the notes hold. */
void gdb_procs_free(struct gdb_server *g);
/* After rec (t's): true if it ended the process shown (not the first
 * one: the end of the replay reports that), its exit reply in g->stop. */
bool gdb_procs_exited(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec);

/* gdb_serve.c */
/* Answers gdb's requests until it resumes (0), detaches (0, g->detached),
 * goes away (0, g->closed) or kills (GDB_KILLED). */
int gdb_serve(struct gdb_server *g);

/* gdb_reverse.c */
/* Forward execution: the position moves by one op (its kind, address,
 * watch type and length) in the current event. */
void gdb_pos_op(struct gdb_server *g, int kind, uint64_t addr, int wtype, uint64_t wlen);
/* The position is right after the current event (a stop reported there). */
void gdb_pos_end(struct gdb_server *g);
/* Answers bc (back = 'c') or bs ('s'): GDB_RESTART (the seek is set up,
 * the replay starts again) or 0 with the answer in g->out. */
int gdb_reverse(struct gdb_server *g, char back);
/* monitor goto/checkpoint/restart/checkpoints: 1 if cmd is one (GDB_RESTART
 * in *r when the replay starts again, else the answer in out). */
int gdb_reverse_monitor(struct gdb_server *g, const char *cmd, struct buf *out, int *r);
/* Seek hooks, called by gdb_server.c's while g->seek.on. */
/* Before t runs: sets up g->bps, g->hw and the step for the way to the
 * target; 1 if the target is right here (reported, gdb has resumed). */
int gdb_seek_arm(struct gdb_server *g, struct replay_task *t);
/* After t's stop that was the debugger's: hw (the watchpoint slot or 0),
 * sw (an int3 of g->bps), step (a single step's trap). 1: resume t. */
int gdb_seek_stopped(struct gdb_server *g, struct replay_task *t, int hw, bool sw, bool step);
/* After an event was applied. */
int gdb_seek_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec);
/* The replay ended before the target: gdb's breakpoints back. */
void gdb_seek_end(struct gdb_server *g);
/* At the replay's start (t: its first thread). */
int gdb_seek_begin(struct gdb_server *g, struct replay_task *t);
/* At a checkpoint the replay went back to. */
int gdb_seek_resume(struct gdb_server *g);

/* gdb_cov.c */
/* The replay (re)starts at the current event: noting starts again. */
void gdb_cov_restart(struct gdb_server *g);
/* gdb wrote memory or registers: nothing is noted until the replay goes back. */
void gdb_cov_taint(struct gdb_server *g);
/* A thread of the shown process resumes with g->bps and g->hw armed (hw_ok:
 * its debug registers were set), or (armed false) with none of them. */
void gdb_cov_resume(struct gdb_server *g, bool armed, bool hw_ok);
/* A debugger stop (an int3, a step, a debug register: g->hw's slot hw
 * or 0) of a shown thread at rip. */
void gdb_cov_stop(struct gdb_server *g, uint64_t rip, int hw);
/* Event `event` was applied: its segment is noted. */
void gdb_cov_event(struct gdb_server *g, uint64_t event);
/* The latest segment (event) at or before last not known free of every
 * breakpoint in bps and watchpoint in hw; 0: none back to the start. */
uint64_t gdb_cov_unknown(struct gdb_server *g, const uint64_t *bps, int nbps, const struct gdb_hw *hw, uint64_t last);
/* Counts events a reverse-continue skipped. */
void gdb_cov_skipped(struct gdb_server *g, uint64_t events);
/* One line for monitor checkpoints; snprintf's result. */
int gdb_cov_describe(struct gdb_server *g, char *buf, size_t n);
/* Frees what was noted. */
void gdb_cov_free(struct gdb_server *g);

/* gdb_server.c */
/* vRun (reply: its answer is the first stop) or R: the replay starts again
 * (the caller returns GDB_RESTART), gdb's first stop where it was at first. */
void gdb_server_rerun(struct gdb_server *g, bool reply);
/* Sends the stop reply in g->stop and serves gdb until it resumes. */
int gdb_report(struct gdb_server *g, struct replay_task *t);
/* Starts a stop reply "T<sig>thread:<tid>;" for thread t. */
void gdb_stop_begin(struct gdb_server *g, struct replay_task *t, int linux_sig);
/* A write a syscall made to one of the watchpoints in hw: its slot, or 0
 * (the old bytes are updated). */
int gdb_watch_changed(struct gdb_hw *hw, struct replay_task *t);
/* The live thread of the shown process with a /proc/PID/mem fd, or NULL. */
struct replay_task *gdb_any_task(struct gdb_server *g);
/* The live task of the shown process with recorded tid (0: the current
 * one), or NULL. */
struct replay_task *gdb_task(struct gdb_server *g, uint32_t tid);
/* Whether t belongs to the process shown to gdb. */
bool gdb_shown(struct gdb_server *g, const struct replay_task *t);
/* Inserts (Z) or removes (z) a breakpoint or watchpoint; 0, -ENOSPC,
 * -EINVAL (unsupported kind) or -errno. */
int gdb_bp_insert(struct gdb_server *g, int type, uint64_t addr, uint64_t len);
int gdb_bp_remove(struct gdb_server *g, int type, uint64_t addr, uint64_t len);
/* Puts the program's own bytes where replay patched its code (sites,
 * trampoline jumps) into p, the n bytes gdb reads at addr. */
void gdb_overlay(struct gdb_server *g, uint64_t addr, uint8_t *p, size_t n);
/* gdb's signal number of Linux signal sig, and back. */
int gdb_sig_from_linux(int sig);
int gdb_sig_to_linux(int gsig);
/* Appends "p<pid>.<tid>" or "<tid>" for recorded thread tid. */
int gdb_put_tid(struct gdb_server *g, struct buf *b, uint32_t tid);

/* 1 if rip is in replay's own code: a site page or a trampoline page,
 * the in-process library or a trampoline of a patched syscall site (a
 * step goes on through it: one step for gdb, forward and in seeks). */
int gdb_in_replay_code(const struct replay_task *t, uint64_t rip);

#endif
