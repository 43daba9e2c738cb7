/* gdb_server.h - what the gdb remote protocol means for a replay: the
 * server half (policy) on top of gdb_conn (packets). The replay loop stays
 * in charge: it calls these hooks at its own points and the server answers
 * gdb until gdb resumes, then returns. One recorded process is shown to
 * gdb (the first one, or the one -p picks), with its recorded pid and thread
 * ids; the others run on, unseen.
 *
 * Invariants: gdb's software breakpoints are in memory only while a thread
 * of that process runs program code (replay_run_task resumes it): every read
 * replay makes (memory hashes, code windows, trampolines, sites) and every
 * read gdb makes sees the program's own bytes. Hardware breakpoints and
 * watchpoints use DR1-DR3 (DR0 is replay's own, for state-matched
 * preemption points). The program's syscalls stay replay's: stepping runs
 * with PTRACE_SYSEMU_SINGLESTEP, a step onto a syscall completes after replay
 * has emulated or re-run it.
 *
 * A position in the replay is (event, stops): the last trace event applied
 * and the number of debugger stops of the shown process since it (see
 * struct gdb_pos). */
#ifndef HEISEN_GDB_SERVER_H
#define HEISEN_GDB_SERVER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "replay.h"

/* Returned through the replay loop when gdb killed the replay. */
#define GDB_KILLED (-ECANCELED)

/* Returned through the replay loop when gdb went back in time: the
 * session is replayed again from the start (replay_main.c), silently, to
 * the position the server is seeking. */
#define GDB_RESTART (-ERESTART)

/* One step of the way from the start of an event's code to a position:
 * the n-th single step, the n-th arrival at an address (the thread about
 * to run the instruction there: an int3 trap or a step landing on it), or
 * the n-th trigger of a watchpoint, counted from the previous op's end.
 * Replayed with only that armed, it lands at the same point whatever other
 * breakpoints there are: the replay is deterministic. */
enum gdb_op_kind { GDB_OP_STEP, GDB_OP_ARRIVE, GDB_OP_WATCH };
struct gdb_op {
	uint8_t kind, wtype, wlen; /* wtype, wlen: GDB_OP_WATCH (Z type, length) */
	uint64_t addr, n;
};
#define GDB_MAX_OPS 48

/* Where the replay is, as re-execution can reach it again: the start of
 * the replay (BEGIN), right after event `event` was applied (END: a
 * signal, a step that ended at a syscall, ^C), or inside event `event`'s
 * code (IN: ops from its start). stops: debugger stops since the event
 * began (monitor when). */
enum gdb_where { GDB_POS_BEGIN, GDB_POS_IN, GDB_POS_END };
struct gdb_pos {
	uint64_t event;
	uint64_t stops;
	uint8_t where;
	uint8_t lost;   /* more ops than fit: cannot be reached again */
	uint32_t tid;   /* the thread that stopped there */
	int nops;
	struct gdb_op ops[GDB_MAX_OPS];
};

struct gdb_server;

/* A server for session s that takes gdb's connection on the listening
 * socket lfd (taken over) when the replay reaches event goto_event (0: at
 * its start), first writing a byte to ready (-1: none; taken over) to say
 * so. NULL if out of memory. */
struct gdb_server *gdb_server_new(struct replay_session *s, int lfd, int ready, uint64_t goto_event);
/* -p: gdb is shown process pid, which appears at event (0: the first
 * process, at the start). */
void gdb_server_pick(struct gdb_server *g, uint32_t pid, uint64_t event);
/* Finds the process -p SPEC names in the trace at path (its recorded pid,
 * or the file name of what it executes: the first that does, the others
 * listed in a note with how each ended): its pid and the event where it
 * appears (0: the first process). 0, -ESRCH (none), -EINVAL (unreadable)
 * or -ENOMEM. */
int gdb_pick(const char *trace, const char *spec, uint32_t *pid, uint64_t *event);
/* Closes the connection and frees the server (NULL accepted). */
void gdb_server_free(struct gdb_server *g);

/* Hooks the replay loop calls (all return 0, GDB_KILLED, or -errno). */
/* The replay has built the first process: gdb sees it stopped there. */
int gdb_server_begin(struct gdb_server *g);
/* Before t is resumed to run program code: arms breakpoints and the
 * debug registers; *req becomes the ptrace request (SYSEMU or
 * SYSEMU_SINGLESTEP). */
int gdb_server_arm(struct gdb_server *g, struct replay_task *t, int *req);
/* After t stopped (wait status): disarms; returns 1 if the stop was the
 * debugger's (reported to gdb, who has resumed since: resume t again), 0 if
 * it is the replay's to handle, or an error. */
int gdb_server_stopped(struct gdb_server *g, struct replay_task *t, int status);
/* Takes gdb's breakpoints out of t's memory (armed for t) where t stopped
 * at a trap of replay's own and runs on: arming again over them would
 * take their int3 for the program's. */
void gdb_server_disarm(struct gdb_server *g, struct replay_task *t);
/* After a trace event was applied (rec: its record, t its thread or
 * NULL): reports a step that ended in it, a recorded signal, a write a
 * syscall made to a watched address, or gdb's interrupt. */
int gdb_server_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec);
/* The replay goes on from a checkpoint (replay_checkpoint.c), not from
 * its start: the seek that asked for it goes on. */
int gdb_server_resume(struct gdb_server *g);
/* Whether gdb is connected and debugging (checkpoints are taken then only). */
bool gdb_server_active(const struct gdb_server *g);
/* The replay ended with r (0: as recorded, s->status the program's status):
 * reports the exit and serves gdb until it detaches, kills or goes. */
int gdb_server_end(struct gdb_server *g, int r);

/* Listens on HOST:PORT ("PORT" or ":PORT": loopback; port 0: any free
 * one); returns the listening fd and the port in *port, or -errno. */
int gdb_listen(const char *spec, int *port);
/* Accepts one connection on the listening fd (then closes it); the
 * connected fd or -errno. */
int gdb_accept(int lfd);

#endif
