#!/usr/bin/env bash
# bench/syscall_mix.sh - which syscalls real programs make: the measurement
# behind the order of in-process recording (docs/inprocess.md). Records four
# workloads under bin/rec (python3: file I/O, json and threads; sqlite3: a
# few thousand inserts and queries on a file database; a Go HTTP server with
# its client in one program, bench/inproc/http_mix.go; `make -j1` of a small
# generated C project), counts the syscall records of each trace by name
# from `bin/replay --dump --json`, and prints per workload the top syscalls
# with count and share, and the share the syscalls of issue 10's list make
# up. Measures only: no pass/fail.
# rec hides the vDSO (docs/design.md), so clock_gettime, gettimeofday, time
# and getcpu, which natively are vDSO calls and no syscalls at all, are real
# syscalls under rec and are counted here: they are part of what recording
# costs.
# Environment: BIN (rec and replay, default bin), PYTHON (default
# /usr/bin/python3, else python3 in PATH), TOP (rows per workload, default
# 12), WORKLOADS (names to run, default "python sqlite go_http make"),
# KEEP (a directory to keep the traces in).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
TOP=${TOP:-12}
WORKLOADS=${WORKLOADS:-python sqlite go_http make}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
for t in rec replay; do
	[ -x "$BIN/$t" ] || { echo "syscall_mix: $BIN/$t is missing: run make first" >&2; exit 1; }
done
W=$(mktemp -d /tmp/heisen-mix.XXXXXX)
trap 'rm -rf "$W"' EXIT
OUT=build/bench
mkdir -p "$OUT"

# setup NAME: prepares workload NAME in $W and sets CMD (an array) to it.
setup() {
	case $1 in
	python)
		mkdir -p "$W/py"
		CMD=("$PYTHON" bench/inproc/py_mix.py "$W/py") ;;
	sqlite)
		command -v sqlite3 >/dev/null || { echo "syscall_mix: no sqlite3 (make deps installs it)" >&2; return 1; }
		{
			echo "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL);"
			echo "CREATE INDEX t_grp ON t(grp);"
			for b in $(seq 0 29); do
				echo "BEGIN;"
				for i in $(seq $((b * 100)) $((b * 100 + 99))); do
					echo "INSERT INTO t(name, grp, v) VALUES('row$i', $((i % 17)), $i.5);"
				done
				echo "COMMIT;"
			done
			for i in $(seq 1 200); do echo "INSERT INTO t(name, grp, v) VALUES('single$i', 3, 1.0);"; done
			for g in $(seq 0 16); do echo "SELECT grp, count(*), sum(v) FROM t WHERE grp = $g;"; done
			echo "SELECT name FROM t WHERE name LIKE 'row29%' ORDER BY v DESC LIMIT 5;"
			echo "UPDATE t SET v = v * 2 WHERE grp = 5;"
			echo "DELETE FROM t WHERE grp = 6;"
			echo "SELECT count(*), max(v) FROM t;"
		} >"$W/load.sql"
		rm -f "$W/db.sqlite"
		CMD=(sqlite3 "$W/db.sqlite" ".read $W/load.sql") ;;
	go_http)
		command -v "${GO:-go}" >/dev/null || { echo "syscall_mix: no go (make deps installs golang-go)" >&2; return 1; }
		CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOPROXY=off GOENV=off GOTELEMETRY=off \
			GOCACHE="$PWD/build/gocache" GOPATH="$PWD/build/gopath" HOME="${HOME:-$PWD/build}" \
			"${GO:-go}" build -o "$OUT/http_mix" bench/inproc/http_mix.go || return 1
		CMD=("$OUT/http_mix" 300) ;;
	make)
		bench/cproj.sh "$W/cproj" 9 || return 1
		CMD=(make -s -C "$W/cproj" -j1) ;;
	*) echo "syscall_mix: unknown workload $1" >&2; return 1 ;;
	esac
}

echo "host: $(nproc) usable CPUs, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
for w in $WORKLOADS; do
	setup "$w" || continue
	t0=$(date +%s%N)
	"$BIN/rec" -q -o "$W/$w.lz4" -- "${CMD[@]}" >"$W/$w.out" 2>&1 </dev/null
	st=$?
	t1=$(date +%s%N)
	[ "$st" = 0 ] || { echo "syscall_mix: $w: rec exited $st: $(tail -1 "$W/$w.out")" >&2; continue; }
	"$BIN/replay" --dump --json "$W/$w.lz4" >"$W/$w.json" || { echo "syscall_mix: $w: replay --dump failed" >&2; continue; }
	echo "$w $(( (t1 - t0) / 1000000 )) ${CMD[*]}" >>"$W/list"
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$W/$w.lz4" "$KEEP/"
done
[ -s "$W/list" ] || exit 1

"$PYTHON" - "$W" "$TOP" <<'PY'
import json, sys, collections
w, top = sys.argv[1], int(sys.argv[2])
# Issue 10's list, by group (x86-64 names; recv/send are recvfrom/sendto).
GROUPS = [
    ("read/write",  "read write pread64 pwrite64 readv writev preadv pwritev preadv2 pwritev2"),
    ("recv/send",   "recvfrom recvmsg recvmmsg sendto sendmsg sendmmsg"),
    ("poll/epoll",  "poll ppoll select pselect6 epoll_wait epoll_pwait epoll_pwait2"),
    ("futex",       "futex"),
    ("clocks",      "clock_gettime gettimeofday time"),
    ("ids",         "getpid gettid getppid getuid geteuid getgid getegid getpgrp getpgid getsid"),
    ("stat",        "fstat newfstatat statx stat lstat"),
    ("lseek",       "lseek"),
    ("open/close",  "openat open close"),
    ("getrandom",   "getrandom"),
    ("sleep/yield", "nanosleep clock_nanosleep sched_yield"),
    ("madvise",     "madvise"),
]
group_of = {n: g for g, names in GROUPS for n in names.split()}
runs = [l.split(" ", 2) for l in open(w + "/list").read().splitlines()]
summary = {}
for name, ms, cmd in runs:
    c = collections.Counter()
    for line in open("%s/%s.json" % (w, name)):
        r = json.loads(line)
        if r.get("type") == "syscall":
            c[r["call"].split("(", 1)[0]] += 1
    total = sum(c.values())
    g = collections.Counter()
    for n, k in c.items():
        g[group_of.get(n, "other")] += k
    summary[name] = (total, g)
    cov = total - g["other"]
    print("\n== %s: %d syscalls, %.1f s under rec  (%s)" % (name, total, int(ms) / 1000, cmd))
    print("   %-18s %8s %7s" % ("syscall", "count", "share"))
    for n, k in c.most_common(top):
        print("   %-18s %8d %6.1f%%%s" % (n, k, 100 * k / total, "" if n in group_of else "  (not in the list)"))
    print("   issue 10's list covers %d of %d (%.1f%%)" % (cov, total, 100 * cov / max(total, 1)))
print("\n== share of each group of the list, per workload")
names = [r[0] for r in runs]
print("   %-12s" % "group" + "".join("%10s" % n for n in names))
for gname, _ in GROUPS + [("other", "")]:
    print("   %-12s" % gname + "".join("%9.1f%%" % (100 * summary[n][1][gname] / max(summary[n][0], 1)) for n in names))
print("   %-12s" % "covered" + "".join("%9.1f%%" % (100 * (summary[n][0] - summary[n][1]["other"]) / max(summary[n][0], 1)) for n in names))
print("(clocks: vDSO calls natively; real syscalls under rec, which hides the vDSO)")
PY
