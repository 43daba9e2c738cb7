#!/usr/bin/env bash
# bench/real.sh - what recording costs real programs (issue 10's workloads;
# run by `make bench` after bench/run.sh). Each workload runs natively,
# natively pinned to one CPU (taskset: the floor of a recorder that runs
# every thread on one core), under bin/rec, under bin/replay (of that recording), under
# `strace -f -o /dev/null` and under `bin/rec --no-inprocess` (when rec
# accepts that option: probed once, "n/a" otherwise); times are the best of
# the workload's runs (native: at least RUNS), as ratios to native. Also:
# the trace's bytes per syscall record, rec's peak RSS (bench/peak_rss.c:
# rec's own, not the recorded program's) and a check that the recording and
# its replay exited 0 and the replay printed what the recording did. Measures only: no
# pass/fail (a failed check is marked in the row and explained below it).
# Workloads (files under build/bench/real, removed at the end):
#   cp       bench/copy4k.c copying a generated 200 MiB file in 4 KiB reads
#            and writes (rr's `cp` benchmark)
#   sqlite3  the sqlite3 shell running a generated script: a table with an
#            index, 100,000 INSERTs in one transaction, a SELECT
#   python3  /usr/bin/python3 starting and running bench/real_py.py (json
#            written to and read from 5 files)
#   go http  bench/inproc/http_mix.go (static): a net/http server answering
#            10,000 requests from 4 client goroutines in the same program
#   make     `make -j2` of a generated 20-file C project (bench/cproj.sh),
#            then its program
# Environment: BIN (rec and replay, default bin), RUNS (runs of the light
# workloads, sqlite3 and python3, default 3), HEAVY_RUNS (runs of cp, go
# http and make natively, pinned, under rec and replay, default 3; under
# strace and rec --no-inprocess, the peers' columns, they run once), WORKLOADS (names to run, default all: cp
# sqlite3 python3 go_http make), PYTHON (default /usr/bin/python3), GO.
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
HEAVY_RUNS=${HEAVY_RUNS:-3}
WORKLOADS=${WORKLOADS:-cp sqlite3 python3 go_http make}
OUT=build/bench
W=$OUT/real
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)
for t in rec replay; do
	[ -x "$BIN/$t" ] || { echo "bench: $BIN/$t is missing: run make first" >&2; exit 1; }
done
start=$(date +%s%N)
rm -rf "$W"
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
for p in copy4k peak_rss; do
	cc -std=gnu11 -O2 -Wall -Wextra -o "$OUT/$p" "bench/$p.c" || exit 1
done

# The CPU the "native 1 CPU" runs are pinned to: the first this shell may use.
ONECPU=
command -v taskset >/dev/null && ONECPU=$(taskset -cp $$ 2>/dev/null | sed -E 's/.*: *//; s/[-,].*//')
notes=$W/notes
: >"$notes"
# note TEXT: a line under the table.
note() { echo "$1" >>"$notes"; }

# Whether rec has --no-inprocess: a recording of /bin/true with it.
if "$BIN/rec" --no-inprocess -q -o "$W/probe.lz4" -- /bin/true >/dev/null 2>&1 </dev/null; then
	noinproc=1
else
	noinproc=0
fi
rm -f "$W/probe.lz4"

# setup NAME: prepares workload NAME; sets LABEL, N (its runs), CMD (an
# array), PREP (a command run before each run, untimed) and ONE_ENV (the
# environment of the "native 1 CPU" runs). Returns 1 (with a note) when the
# workload cannot run here.
setup() {
	PREP=: HEAVY=0 ONE_ENV=()
	case $1 in
	cp)
		LABEL="cp 200M/4K" N=$HEAVY_RUNS HEAVY=1
		"$OUT/copy4k" --make "$W/cp-src" 200 && sync "$W/cp-src" || return 1
		CMD=("$OUT/copy4k" "$W/cp-src" "$W/cp-dst")
		PREP="rm -f $W/cp-dst" ;;
	sqlite3)
		LABEL="sqlite3 100k" N=$RUNS
		command -v sqlite3 >/dev/null || { note "sqlite3: skipped (no sqlite3: make deps installs it)"; return 1; }
		awk 'BEGIN {
			print "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL);"
			print "CREATE INDEX t_grp ON t(grp);"
			print "BEGIN;"
			for (i = 0; i < 100000; i++)
				printf "INSERT INTO t(name, grp, v) VALUES(\047row%d\047, %d, %d.5);\n", i, i % 17, i
			print "COMMIT;"
			print "SELECT count(*), sum(grp), max(name) FROM t;"
		}' >"$W/load.sql"
		CMD=(sqlite3 "$W/db.sqlite" ".read $W/load.sql")
		PREP="rm -f $W/db.sqlite $W/db.sqlite-journal" ;;
	python3)
		LABEL="python3" N=$RUNS
		[ -n "$PY" ] || { note "python3: skipped (no python3)"; return 1; }
		[ "$PY" = /usr/bin/python3 ] || note "python3: $PY (no /usr/bin/python3)"
		CMD=("$PY" bench/real_py.py "$W/py")
		PREP="rm -rf $W/py; mkdir $W/py" ;;
	go_http)
		LABEL="go http 10k" N=$HEAVY_RUNS HEAVY=1
		command -v "${GO:-go}" >/dev/null || { note "go http: skipped (no go: make deps installs golang-go)"; return 1; }
		CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOPROXY=off GOENV=off GOTELEMETRY=off \
			GOCACHE="$PWD/build/gocache" GOPATH="$PWD/build/gopath" HOME="${HOME:-$PWD/build}" \
			"${GO:-go}" build -o "$OUT/http_mix" bench/inproc/http_mix.go || return 1
		CMD=("$OUT/http_mix" 10000)
		# Go sizes its scheduler (GOMAXPROCS) from the CPUs it may use. Under
		# rec it sees all of them (rec reports the mask it would have had), so
		# its pinned floor keeps that many: pinned alone, it would take one.
		ONE_ENV=("GOMAXPROCS=$(nproc)") ;;
	make)
		LABEL="make -j2 20" N=$HEAVY_RUNS HEAVY=1
		bench/cproj.sh "$W/cproj" 20 || return 1
		CMD=(make -s -C "$W/cproj" -j2 run)
		PREP="rm -f $W/cproj/*.o $W/cproj/prog" ;;
	*) note "$1: no such workload"; return 1 ;;
	esac
}

# measure MODE: runs the workload $N times in MODE (native, rec, replay,
# strace, noinproc; native at least $RUNS times), PREP before each; sets T
# to the fastest wall time in seconds and ST to the last run's exit status;
# the last run's stdout and stderr are in $W/$w.MODE.out and .err.
measure() {
	local mode=$1 b='' i t0 t1 pk runs=$N
	local -a run
	if [ "$mode" = native ] && [ "$RUNS" -gt "$N" ]; then runs=$RUNS; fi
	# (the slow peers' columns of a heavy workload: once, whatever N)
	if { [ "$mode" = strace ] || [ "$mode" = noinproc ]; } && [ "$HEAVY" = 1 ]; then runs=1; fi
	case $mode in
	native) run=("${CMD[@]}") ;;
	one) run=(env "${ONE_ENV[@]}" taskset -c "$ONECPU" "${CMD[@]}") ;;
	rec) run=("$OUT/peak_rss" "$W/rss" "$BIN/rec" -q -o "$W/$w.lz4" -- "${CMD[@]}") ;;
	replay) run=("$BIN/replay" "$W/$w.lz4") ;;
	strace) run=(strace -f -o /dev/null "${CMD[@]}") ;;
	noinproc) run=("$BIN/rec" --no-inprocess -q -o "$W/$w-ni.lz4" -- "${CMD[@]}") ;;
	esac
	for i in $(seq 1 "$runs"); do
		sh -c "$PREP"
		[ "$mode" = rec ] && rm -f "$W/$w.lz4"
		[ "$mode" = noinproc ] && rm -f "$W/$w-ni.lz4"
		child_cpu "$W/c0"
		t0=$(date +%s%N)
		"${run[@]}" >"$W/$w.$mode.out" 2>"$W/$w.$mode.err" </dev/null
		ST=$?
		t1=$(date +%s%N)
		child_cpu "$W/c1"
		if [ -z "$b" ] || [ $((t1 - t0)) -lt "$b" ]; then
			b=$((t1 - t0))
			CPU=$(awk 'NR == FNR { a = $1; next } { printf "%.3f", $1 - a }' "$W/c0" "$W/c1")
		fi
		if [ "$mode" = rec ]; then
			pk=$(cat "$W/rss" 2>/dev/null || echo 0)
			[ "$pk" -gt "$rss" ] && rss=$pk
		fi
	done
	T=$(awk -v ns="$b" 'BEGIN { printf "%.3f", ns / 1e9 }')
}
# child_cpu FILE: writes the user + system seconds of this shell's
# waited-for children so far to FILE (bash's times, in this shell: no
# process of its own around the timed one; clock ticks, 10 ms).
child_cpu() {
	times >"$1.t"
	awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1.t" >"$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# failed MODE WHAT: notes how MODE's last run failed (the command, WHAT and
# the first line of its stderr naming an error, else its last line) and
# marks the row.
failed() {
	local cmd err=$W/$w.$1.err msg
	case $1 in
	rec) cmd="$BIN/rec -o $W/$w.lz4 -- ${CMD[*]}" ;;
	replay) cmd="$BIN/replay $W/$w.lz4" ;;
	noinproc) cmd="$BIN/rec --no-inprocess -o $W/$w-ni.lz4 -- ${CMD[*]}" ;;
	*) cmd="${CMD[*]}" ;;
	esac
	msg=$(grep -m1 -iE '^(rec|replay):|error|fault|signal|diverg' "$err" || tail -n 1 "$err")
	note "$LABEL: $2: \`$cmd\`: $msg"
	if [ "$check" = ok ]; then check="FAIL:$1"; else check="$check,$1"; fi
}

echo
echo "real workloads (bench/real.sh): $(nproc) usable CPUs, load average $(cut -d' ' -f1 /proc/loadavg) (other load skews the times)"
echo "each time is the best of the row's runs (native: of at least $RUNS), in seconds; (Nx) = relative to native;"
echo "runs: cp, go http and make run HEAVY_RUNS=$HEAVY_RUNS time(s) natively, pinned, under rec and under replay (once under"
echo "strace -f and rec --no-inprocess), sqlite3 and python3 RUNS=$RUNS times in each mode"
echo "RSS = rec's peak resident memory (its own process, not the program's)"
echo "syscalls = syscalls in the trace, traced and buffered (replay --info); B/syscall = trace bytes / syscalls"
echo
echo "native CPU = user + system time of the fastest native run: rec runs the program's threads on one"
echo "virtual core, so a program that keeps both CPUs busy cannot record faster than its CPU time;"
echo "native 1 CPU = the native run pinned to one CPU (taskset): the floor for such a recorder (go http:"
echo "with GOMAXPROCS as many as the CPUs it sees under rec, as it runs there)"
echo
fmt='%-13s %4s %8s %7s %15s %15s %15s %15s %15s %15s %11s %9s %8s %s\n'
printf "$fmt" workload runs syscalls native "native CPU" "native 1 CPU" rec replay "strace -f" "rec --no-inproc" "trace bytes" B/syscall "RSS MiB" check
for w in $WORKLOADS; do
	setup "$w" || continue
	rss=0 check=ok
	CPU=
	measure native; native=$T cpu_col="${CPU:--} ($(ratio "${CPU:-0}" "$native"))"
	[ "$ST" = 0 ] || failed native "exited $ST natively"
	if [ -n "$ONECPU" ]; then
		measure one; one_col="$T ($(ratio "$T" "$native"))"
	else
		one_col="(no taskset)"
	fi
	measure rec; rec=$T rec_st=$ST
	if [ "$ST" != 0 ]; then
		failed rec "rec exited $ST"
	elif ! cmp -s "$W/$w.native.out" "$W/$w.rec.out"; then
		note "$LABEL: under rec it printed other output than natively"
	fi
	# replay exits with the recorded status and prints the recorded output
	measure replay; replay=$T
	if [ "$ST" != "$rec_st" ]; then
		failed replay "replay exited $ST, the recording $rec_st"
	elif ! cmp -s "$W/$w.rec.out" "$W/$w.replay.out"; then
		failed replay "replay printed other output than the recording"
	fi
	if command -v strace >/dev/null; then
		measure strace; strace_col="$T ($(ratio "$T" "$native"))"
	else
		strace_col="(no strace)"
	fi
	if [ "$noinproc" = 1 ]; then
		measure noinproc; ni_col="$T ($(ratio "$T" "$native"))"
		[ "$ST" = 0 ] || failed noinproc "rec --no-inprocess exited $ST"
	else
		ni_col=n/a
	fi
	bytes=$(stat -c %s "$W/$w.lz4" 2>/dev/null || echo 0)
	n=$("$BIN/replay" --info "$W/$w.lz4" 2>/dev/null | awk '$1 == "syscall" && !s { s = $2 } $1 == "buffered" { b = $2 } END { print s + b }')
	per=$(awk -v b="$bytes" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.1f", b / n; else print "-" }')
	printf "$fmt" "$LABEL" "$N" "${n:--}" "$native" "$cpu_col" "$one_col" "$rec ($(ratio "$rec" "$native"))" \
		"$replay ($(ratio "$replay" "$native"))" "$strace_col" "$ni_col" "$bytes" "$per" \
		"$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$check"
	rm -f "$W/$w.lz4" "$W/$w-ni.lz4" "$W/cp-src" "$W/cp-dst"
done
echo
echo "cp: copy4k, 200 MiB of text-like lines (LZ4: 1.5x) in 4 KiB read/write; sqlite3: 100,000 INSERTs in one"
echo "transaction (one BEGIN/COMMIT) into a file database with an index; python3: startup + json in 5 files;"
echo "go http: 10,000 requests, half kept-alive, 4 client goroutines; make: make -j2 of 20 C files + link + run."
[ "$noinproc" = 1 ] || echo "rec --no-inprocess: n/a (this rec has no such option)"
sed 's/^/note: /' "$notes"
echo "real workloads took $(awk -v ns="$(($(date +%s%N) - start))" 'BEGIN { printf "%.0f", ns / 1e9 }') s; load average at the end $(cut -d' ' -f1 /proc/loadavg)"
exit 0
