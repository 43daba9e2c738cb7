#!/usr/bin/env bash
# bench/run.sh - what recording and replay cost (run by `make bench`, which
# builds bin/rec and bin/replay first). Builds the workloads bench/*.c and
# bench/*.go (the latter when go is installed) into build/bench/ and times
# each natively, under bin/rec, under bin/replay and under
# `strace -f -o /dev/null`, best of 3 runs (rdtsc_loop: 1M rdtsc), and reports the trace size per
# syscall. Then the threaded workloads (bench/compute_threads.c, 4 compute
# threads; bench/py_threads.py, 4 python3 threads): wall and CPU time
# natively, under bin/rec and bin/replay. Measures only: no pass/fail.
# Environment: BIN (where rec and replay are, default bin), RUNS (default 3),
# PYTHON (default /usr/bin/python3, else python3 in PATH).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
OUT=build/bench
mkdir -p "$OUT"

for t in rec replay; do
	[ -x "$BIN/$t" ] || { echo "bench: $BIN/$t is missing: run make first" >&2; exit 1; }
done
WORKLOADS="syscall_heavy compute_heavy threads_mixed rdtsc_loop"
for w in $WORKLOADS compute_threads; do
	cc -std=gnu11 -O2 -Wall -Wextra -pthread -o "$OUT/$w" "bench/$w.c" || exit 1
done
# The Go workloads: static, built offline with the Go cache under build/
# (as the Makefile builds tests/programs/*.go); skipped without go.
gonote=''
for f in bench/*.go; do
	[ -e "$f" ] || continue
	w=$(basename "$f" .go)
	if ! command -v "${GO:-go}" >/dev/null; then gonote="$gonote$w: skipped (no go: make deps installs golang-go); "; continue; fi
	CGO_ENABLED=0 GO111MODULE=off GOFLAGS= GOPROXY=off GOENV=off GOTELEMETRY=off \
		GOCACHE="$PWD/build/gocache" GOPATH="$PWD/build/gopath" HOME="${HOME:-$PWD/build}" \
		"${GO:-go}" build -o "$OUT/$w" "$f" || exit 1
	WORKLOADS="$WORKLOADS $w"
done

# best CMD...: runs CMD $RUNS times (output discarded, the last run's
# stderr in $OUT/last.err); sets $T to the fastest wall time in seconds and
# $st to the last run's exit status.
best() {
	local b='' i t0 t1
	for i in $(seq 1 "$RUNS"); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$OUT/last.err" </dev/null
		st=$?
		t1=$(date +%s%N)
		if [ -z "$b" ] || [ $((t1 - t0)) -lt "$b" ]; then b=$((t1 - t0)); fi
	done
	T=$(awk -v ns="$b" 'BEGIN { printf "%.3f", ns / 1e9 }')
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
# failed WHAT TRACE: notes that WHAT exited $st, with the first line rec or
# replay printed (from $OUT/last.err), and keeps TRACE as TRACE.failed.
failed() {
	local why
	why=$(grep -m1 -E '^(rec|replay):' "$OUT/last.err" 2>/dev/null)
	[ -n "$why" ] || why=$(head -n 1 "$OUT/last.err" 2>/dev/null)
	cp "$2" "$2.failed" 2>/dev/null
	warn="$warn$1 exited $st (${why:-no message}; trace kept as $2.failed); "
}
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
# The syscalls a trace records (syscall records and calls in buffer
# records), from replay --info.
nsyscalls() { "$BIN/replay" --info "$1" | awk '$1 == "syscall" && !s { s = $2 } $1 == "buffered" { b = $2 } END { print s + b }'; }

echo "host: $(nproc --all) CPUs, $(nproc) usable here ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1 /proc/loadavg) (other load skews the times)"
echo "each time is the best of $RUNS runs, in seconds; (Nx) = relative to native"
echo "B/syscall = trace bytes / syscalls recorded; marginal = the same without the fixed part"
echo "(the mapped files stored once per trace), from a run of the workload with N = 0"
echo
fmt='%-14s %9s %8s %16s %16s %16s %11s %10s %9s\n'
printf "$fmt" workload syscalls native rec replay "strace -f" "trace bytes" B/syscall marginal
warn=$gonote
switches=
for w in $WORKLOADS; do
	prog=$OUT/$w
	trace=$OUT/$w.lz4 base=$OUT/$w-0.lz4
	best "$prog"; native=$T
	rm -f "$trace"
	best sh -c 'rm -f "$1"; exec "$2" -q -o "$1" -- "$3"' sh "$trace" "$BIN/rec" "$prog"; rec=$T
	[ "$st" = 0 ] || failed "$w: bin/rec" "$trace"
	best "$BIN/replay" "$trace"; replay=$T
	[ "$st" = 0 ] || failed "$w: bin/replay" "$trace"
	if command -v strace >/dev/null; then
		best strace -f -o /dev/null "$prog"; strace=$T
		strace_col="$strace ($(ratio "$strace" "$native"))"
	else
		strace_col="(no strace)"
	fi
	rm -f "$base"
	"$BIN/rec" -q -o "$base" -- "$prog" 0 >/dev/null 2>&1
	bytes=$(stat -c %s "$trace")
	n=$(nsyscalls "$trace")
	bytes0=$(stat -c %s "$base")
	n0=$(nsyscalls "$base")
	per=$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.1f", n ? b / n : 0 }')
	marg=$(awk -v b="$bytes" -v n="$n" -v b0="$bytes0" -v n0="$n0" \
		'BEGIN { if (n - n0 >= 1000) printf "%.2f", (b - b0) / (n - n0); else print "-" }')
	printf "$fmt" "$w" "$n" "$native" "$rec ($(ratio "$rec" "$native"))" \
		"$replay ($(ratio "$replay" "$native"))" "$strace_col" "$bytes" "$per" "$marg"
	switches="$switches$(printf '%-15s' "$w") $("$BIN/replay" --info "$trace" | sed -n 's/^switches *//p')
"
done

# cputime CMD...: runs CMD $RUNS times (output discarded); sets $W to the
# fastest wall time and $C to the smallest CPU time (user+sys of CMD and
# all its descendants: rec or replay and the program), in seconds, and $st
# to the last run's exit status.
cputime() {
	local bw='' bc='' i t0 t1 c f=$OUT/time.out
	for i in $(seq 1 "$RUNS"); do
		t0=$(date +%s%N)
		/usr/bin/time -f '%U %S' -o "$f" "$@" >/dev/null 2>"$OUT/last.err" </dev/null
		st=$?
		t1=$(date +%s%N)
		c=$(tail -n 1 "$f" | awk '{ printf "%d", ($1 + $2) * 1e9 }')
		if [ -z "$bw" ] || [ $((t1 - t0)) -lt "$bw" ]; then bw=$((t1 - t0)); fi
		if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
	done
	W=$(awk -v ns="$bw" 'BEGIN { printf "%.3f", ns / 1e9 }')
	C=$(awk -v ns="$bc" 'BEGIN { printf "%.3f", ns / 1e9 }')
}

PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)
echo
if [ ! -x /usr/bin/time ]; then
	warn="${warn}threaded workloads skipped: no /usr/bin/time (make deps installs time); "
else
	echo "threaded workloads: wall = elapsed time, cpu = user+sys time of the whole process tree"
	echo "(rec or replay included), each the best of $RUNS runs, in seconds. rec and replay run one"
	echo "thread at a time, so their wall time is set against the native CPU time: (Nx cpu) ="
	echo "wall time / native CPU time (budget for compute_threads: rec and replay <= 1.3x cpu);"
	echo "replay/rec = replay wall / rec wall (budget for py_threads: <= 1.5x)"
	fmt2='%-16s %8s %8s %18s %8s %18s %8s %10s\n'
	printf "$fmt2" workload "nat wall" "nat cpu" "rec wall" "rec cpu" "replay wall" "rep cpu" replay/rec
	for w in compute_threads py_threads; do
		if [ "$w" = py_threads ]; then
			[ -n "$PY" ] || { warn="${warn}py_threads: skipped (no python3); "; continue; }
			set -- "$PY" bench/py_threads.py
		else
			set -- "$OUT/$w"
		fi
		trace=$OUT/$w.lz4
		cputime "$@"; nw=$W nc=$C
		cputime sh -c 't=$1 r=$2; shift 2; rm -f "$t"; exec "$r" -q -o "$t" -- "$@"' sh "$trace" "$BIN/rec" "$@"; rw=$W rc=$C
		[ "$st" = 0 ] || failed "$w: bin/rec" "$trace"
		cputime "$BIN/replay" "$trace"; pw=$W pc=$C
		[ "$st" = 0 ] || failed "$w: bin/replay" "$trace"
		printf "$fmt2" "$w" "$nw" "$nc" "$rw ($(ratio2 "$rw" "$nc") cpu)" "$rc" "$pw ($(ratio2 "$pw" "$nc") cpu)" "$pc" "$(ratio2 "$pw" "$rw")"
		switches="$switches$(printf '%-15s' "$w") $("$BIN/replay" --info "$trace" | sed -n 's/^switches *//p')
"
	done
fi

printf '\nthread switches in the last recording of each (replay --info):\n%s' "$switches"

# How long a computing thread keeps the core once another needs it (the
# budget: within 2x its 5 ms timeslice): bench/turn_latency.c under rec.
cc -std=gnu11 -O2 -Wall -Wextra -pthread -o "$OUT/turn_latency" bench/turn_latency.c || exit 1
printf '\nturn length, natively:  %s\n' "$("$OUT/turn_latency" 200)"
printf 'turn length, under rec: %s\n' "$("$BIN/rec" -q -o "$OUT/turn_latency.lz4" -- "$OUT/turn_latency" 200 2>&1)"
[ -z "$warn" ] || echo "note: $warn"
