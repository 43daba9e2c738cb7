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

struct gdb_server {
	struct replay_session *s;
	struct gdb_conn *c;  /* NULL until gdb is connected */
	int fd, lfd, ready;  /* the connection, the listening socket, the --gdb pipe */
	uint64_t goto_event; /* gdb's first stop is at this event (0: the start) */
	bool multiprocess, detached, ended, closed;
	bool started;        /* gdb has had its first stop */
	uint32_t pid;        /* recorded pid of the process shown */
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
/* Appends the target description XML. */
int gdb_regs_xml(struct buf *out);
/* Appends every register of tid as hex (a 'g' reply); 0 or -errno. */
int gdb_regs_read_all(pid_t tid, struct buf *out);
/* Appends register n of tid as hex; 0, -EINVAL (no such) or -errno. */
int gdb_regs_read_one(pid_t tid, uint32_t n, struct buf *out);
/* Sets register n of tid to v (its len bytes); *gp: the general
 * registers after. 0 or -errno. */
int gdb_regs_write_one(pid_t tid, uint32_t n, const uint8_t *v, size_t len, struct user_regs_struct *gp);
/* Sets every register a 'G' packet carries; *gp as above. 0 or -errno. */
int gdb_regs_write_all(pid_t tid, const uint8_t *v, size_t len, struct user_regs_struct *gp);

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

/* gdb_serve.c */
/* Answers gdb's requests until it resumes (0), detaches (0, g->detached),
 * goes away (0, g->closed) or kills (GDB_KILLED). */
int gdb_serve(struct gdb_server *g);

/* gdb_server.c */
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

#endif
