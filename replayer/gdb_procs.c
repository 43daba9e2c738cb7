/* gdb_procs.c - which process of a multi-process trace gdb is shown
 * (replay -p PID|NAME): found in the trace before serving, then followed
 * while the replay runs. Until that process appears (a fork, an exec),
 * the replay runs on its own, noting each process's executable and
 * auxiliary vector (a forked child has its parent's), so gdb gets the
 * shown process's when it first stops there. */
#include "gdb_int.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Whether NAME names the executable at path (its file name, or the first
 * 15 bytes of it as the kernel's comm keeps). */
static bool name_matches(const char *name, const char *path)
{
	const char *b = base_of(path);
	return !strcmp(b, name) || (strlen(name) == 15 && !strncmp(b, name, 15));
}

#define PICK_SEEN 64 /* processes that ran NAME whose ends are followed */
#define PICK_LISTED 8

/* One process that ran NAME, and how it ended. */
struct pick_seen {
	uint32_t pid;
	bool ended;
	struct trace_exit x;
};

/* The note when several processes ran NAME: which they are, how each
 * ended, which one gdb is shown. */
static void pick_note(const char *name, const struct pick_seen *seen, int nseen, uint64_t total)
{
	char line[1024];
	size_t len = (size_t)snprintf(line, sizeof line, "-p %s: %llu processes ran it:", name, (unsigned long long)total);
	for (int i = 0; i < nseen && i < PICK_LISTED && len < sizeof line; i++) {
		const struct pick_seen *p = &seen[i];
		const char *sig = p->ended && p->x.how != EXIT_HOW_EXITED ? sigabbrev_np(p->x.code) : NULL, *sep = i ? "," : "";
		if (!p->ended)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s %u (running at the end)", sep, p->pid);
		else if (p->x.how == EXIT_HOW_EXITED)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s %u (exit %d)", sep, p->pid, p->x.code);
		else
			len += (size_t)snprintf(line + len, sizeof line - len, "%s %u (killed by SIG%s)", sep, p->pid,
						sig ? sig : "?");
	}
	if (total > PICK_LISTED && len < sizeof line)
		len += (size_t)snprintf(line + len, sizeof line - len, ", ...");
	msg("%s; gdb is shown %u, the first (-p PID shows another)", line, seen[0].pid);
}

int gdb_pick(const char *trace, const char *spec, uint32_t *pid, uint64_t *event)
{
	struct trace_reader *r = calloc(1, sizeof *r);
	struct trace_rec rec;
	bool numeric = *spec && strspn(spec, "0123456789") == strlen(spec), first = true;
	unsigned long want = numeric ? strtoul(spec, NULL, 10) : 0;
	struct pick_seen seen[PICK_SEEN];
	int k = -ESRCH, nseen = 0;
	uint64_t total = 0;
	if (!r)
		return -ENOMEM;
	if (trace_reader_open(r, trace)) {
		k = -EINVAL;
		goto out;
	}
	/* PID: up to its appearance; NAME: on to the end, for the others */
	while (!(numeric && !k) && trace_next(r, &rec) > 0) {
		if (rec.type == TR_EXEC) {
			struct trace_exec e;
			if (trace_get_exec(&rec, &e))
				break;
			free(e.maps);
			bool named = !numeric && e.path && name_matches(spec, e.path);
			if (k == -ESRCH && ((numeric && e.tid == want && first) || named)) {
				*pid = e.tid;
				*event = first ? 0 : rec.event;
				k = 0;
			}
			total += named;
			if (named && nseen < PICK_SEEN)
				seen[nseen++] = (struct pick_seen){.pid = e.tid};
			first = false;
		} else if (rec.type == TR_EXIT && nseen) {
			struct trace_exit x;
			if (trace_get_exit(&rec, &x))
				break;
			for (int i = 0; i < nseen; i++)
				if (seen[i].pid == x.tid) {
					seen[i].ended = true;
					seen[i].x = x;
				}
		} else if (rec.type == TR_NEWTASK && numeric) {
			struct trace_newtask n;
			if (trace_get_newtask(&rec, &n))
				break;
			if (n.child == want && !(n.flags & CLONE_THREAD)) {
				*pid = n.child;
				*event = rec.event;
				k = 0;
			}
		}
	}
	if (!k && total > 1)
		pick_note(spec, seen, nseen, total);
out:
	trace_reader_close(r);
	free(r);
	return k;
}

/* The entry of process tgid (a fresh one if new: the oldest is reused
 * when the table is full). */
static struct gdb_proc *proc_of(struct gdb_server *g, uint32_t tgid)
{
	int i = 0;
	while (i < g->nprocs && g->procs[i].tgid != tgid)
		i++;
	if (i < g->nprocs)
		return &g->procs[i];
	if (g->nprocs < GDB_MAX_PROCS)
		i = g->nprocs++;
	else
		i = (int)(tgid % GDB_MAX_PROCS);
	struct gdb_proc *p = &g->procs[i];
	free(p->path);
	buf_free(&p->auxv);
	*p = (struct gdb_proc){.tgid = tgid};
	return p;
}

/* Notes what gdb_files_auxv found last (g->auxv, g->exec_path) as tgid's. */
static void proc_save(struct gdb_server *g, uint32_t tgid)
{
	struct gdb_proc *p = proc_of(g, tgid);
	free(p->path);
	p->path = strdup(g->exec_path);
	p->auxv.len = 0;
	buf_put(&p->auxv, g->auxv.p, g->auxv.len);
}

void gdb_procs_begin(struct gdb_server *g, struct replay_task *t)
{
	proc_save(g, t->tgid);
}

void gdb_procs_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec)
{
	if (!t || g->started || !g->pick_event || rec->event > g->pick_event)
		return;
	if (rec->type == TR_EXEC) {
		int r = gdb_files_auxv(g, t);
		if (r)
			msg("thread %u: exec: the recorded auxiliary vector cannot be read: %s", t->rec_tid, strerror(-r));
		proc_save(g, t->tgid);
	} else if (rec->type == TR_NEWTASK) {
		struct trace_newtask n;
		if (trace_get_newtask(rec, &n) || (n.flags & CLONE_THREAD))
			return;
		struct gdb_proc *parent = proc_of(g, t->tgid), *child;
		char *path = strdup(parent->path ? parent->path : "");
		struct buf auxv = {0};
		buf_put(&auxv, parent->auxv.p, parent->auxv.len);
		child = proc_of(g, n.child);
		free(child->path);
		buf_free(&child->auxv);
		child->path = path;
		child->auxv = auxv;
	}
}

void gdb_procs_show(struct gdb_server *g)
{
	for (int i = 0; i < g->nprocs; i++)
		if (g->procs[i].tgid == g->pid) {
			snprintf(g->exec_path, sizeof g->exec_path, "%s", g->procs[i].path ? g->procs[i].path : "");
			g->auxv.len = 0;
			buf_put(&g->auxv, g->procs[i].auxv.p, g->procs[i].auxv.len);
		}
}

void gdb_procs_free(struct gdb_server *g)
{
	for (int i = 0; i < g->nprocs; i++) {
		free(g->procs[i].path);
		buf_free(&g->procs[i].auxv);
		g->procs[i] = (struct gdb_proc){0};
	}
	g->nprocs = 0;
}

bool gdb_procs_exited(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec)
{
	struct trace_exit x;
	if (rec->type != TR_EXIT || !t || t->tgid != g->pid || !g->pick_event || g->ended || gdb_any_task(g) ||
	    trace_get_exit(rec, &x))
		return false;
	g->stop.len = 0;
	if (x.how == EXIT_HOW_SIGNALED)
		gdb_buf_printf(&g->stop, "X%02x", gdb_sig_from_linux(x.code) & 0xff);
	else
		gdb_buf_printf(&g->stop, "W%02x", x.code & 0xff);
	if (g->multiprocess)
		gdb_buf_printf(&g->stop, ";process:%x", g->pid);
	g->ended = true;
	return true;
}
