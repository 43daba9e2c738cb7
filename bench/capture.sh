#!/usr/bin/env bash
# bench/capture.sh - how well heisen catches the heisenbug samples (run by
# `make bench-capture`, which builds bin/rec, bin/replay and build/samples/
# first). For each sample (samples/*.c and samples/*.go), prints one table
# row: the share of failing runs natively, under plain `rec` and under
# `rec --chaos --seed I` (run I of RUNS), and the median number of runs that
# `rec --chaos --until-fail` needs over CAPTURES captures. Measures only: no
# pass/fail. A column rec cannot produce says so ("rec: ..." note below).
# Native runs go one at a time (a sample's threads need both CPUs); rec runs
# JOBS at a time, each pinned to its own CPU (the recorded program runs on
# one core anyway).
# Environment: BIN (rec and replay, default bin), SBIN (built samples,
# default build/samples), RUNS (runs per column, default 50), CAPTURES
# (default 5), UNTIL (the N of --until-fail=N, default 100), JOBS (default
# the number of usable CPUs), SAMPLES (names to measure, default all).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
SBIN=${SBIN:-build/samples}
RUNS=${RUNS:-50}
CAPTURES=${CAPTURES:-5}
UNTIL=${UNTIL:-100}
JOBS=${JOBS:-$(nproc)}
W=$(mktemp -d /tmp/heisen-capture.XXXXXX)
trap 'rm -rf "$W"' EXIT
ulimit -c 0 # no core files from the crashes

[ -x "$BIN/rec" ] || { echo "bench-capture: $BIN/rec is missing: run make first" >&2; exit 1; }
samples=${SAMPLES:-}
if [ -z "$samples" ]; then
	for p in "$SBIN"/*; do
		n=$(basename "$p")
		[ -f "$p" ] && [ -x "$p" ] && { [ -f "samples/$n.c" ] || [ -f "samples/$n.go" ]; } && samples="$samples $n"
	done
fi
[ -n "$samples" ] || { echo "bench-capture: no sample built in $SBIN: run make tests first" >&2; exit 1; }

notes=$W/notes
: >"$notes"
# note TEXT: a line under the table, once.
note() { grep -qxF -- "$1" "$notes" || echo "$1" >>"$notes"; }

# run CMD...: CMD's status, through sh -c so that this shell prints no
# "Segmentation fault" notes of its own.
run() { sh -c '"$@"; exit $?' sh "$@"; }

# one_run OUT I CPU MODE PROG: runs PROG once (native, rec or chaos: run I,
# seed I) and appends its exit status to OUT; a rec error (status 120-127
# with a "rec: " line) is appended as "E" and its message noted.
one_run() {
	local out=$1 i=$2 cpu=$3 mode=$4 prog=$5 st t=$W/t.$2.$3.lz4
	case $mode in
	native) run timeout -k 5 60 "$prog" >/dev/null 2>"$W/err.$cpu" </dev/null ;;
	rec) run timeout -k 5 120 "$BIN/rec" -q --cpu "$cpu" -o "$t" -- "$prog" >/dev/null 2>"$W/err.$cpu" </dev/null ;;
	chaos) run timeout -k 5 120 "$BIN/rec" -q --cpu "$cpu" --chaos --seed "$i" -o "$t" -- "$prog" >/dev/null 2>"$W/err.$cpu" </dev/null ;;
	esac
	st=$?
	rm -f "$t"
	if [ "$mode" != native ] && [ "$st" -ge 120 ] && [ "$st" -le 127 ] && grep -q '^rec: ' "$W/err.$cpu"; then
		note "$mode: $(grep -m1 '^rec: ' "$W/err.$cpu")"
		st=E
	fi
	echo "$st" >>"$out"
}

# rate MODE PROG: "F/N (P%)" for RUNS runs of PROG in MODE, or "rec error"
# when rec could not run it at all; native runs one at a time, rec JOBS at once.
rate() {
	local mode=$1 prog=$2 out=$W/st.$1 j i f n e jobs=$JOBS
	: >"$out"
	[ "$mode" = native ] && jobs=1
	for j in $(seq 0 $((jobs - 1))); do
		(for i in $(seq $((j + 1)) "$jobs" "$RUNS"); do one_run "$out.$j" "$i" "$j" "$mode" "$prog"; done) &
	done
	wait
	cat "$out".* >"$out" 2>/dev/null
	rm -f "$out".*
	n=$(wc -l <"$out")
	e=$(grep -c '^E$' "$out")
	f=$(grep -vc -e '^0$' -e '^E$' "$out")
	if [ "$e" = "$n" ]; then
		echo "rec error"
	else
		awk -v f="$f" -v n="$((n - e))" -v e="$e" 'BEGIN { printf "%d/%d (%.0f%%)%s", f, n, 100 * f / n, e ? sprintf(" +%dE", e) : "" }'
	fi
}

# until_fail PROG: the median number of runs rec --chaos --until-fail needed
# over CAPTURES captures (seeds 1000, 2000, ...), as "M (min-max)"; "-" for
# a capture that found no failure in UNTIL runs (counted as UNTIL + 1).
until_fail() {
	local prog=$1 c st k runs=''
	for c in $(seq 1 "$CAPTURES"); do
		run timeout -k 5 1200 "$BIN/rec" -q --chaos --seed $((1000 * c)) --until-fail="$UNTIL" -j 1 -o "$W/u.lz4" -- "$prog" \
			>/dev/null 2>"$W/u.err" </dev/null
		st=$?
		rm -f "$W/u.lz4"
		if [ "$st" -ge 120 ] && [ "$st" -le 127 ] && grep -q '^rec: ' "$W/u.err"; then
			note "until-fail: $(grep -m1 '^rec: ' "$W/u.err")"
			echo "rec error"
			return
		fi
		if [ "$st" = 0 ]; then
			k=$((UNTIL + 1))
		else
			# rec's summary line says how many runs it took: "... N runs ..." or "run N ...".
			k=$(grep '^rec: ' "$W/u.err" | grep -oiE '[0-9]+ runs?|runs?:? [0-9]+|after [0-9]+' | head -1 | grep -oE '[0-9]+')
			[ -n "$k" ] || { note "until-fail: cannot read the number of runs from: $(grep -m1 '^rec: ' "$W/u.err")"; k=?; }
		fi
		runs="$runs $k"
	done
	echo "$runs" | tr ' ' '\n' | grep -v '^$' | sort -n | awk -v u="$UNTIL" '
		/\?/ { unknown = 1 } { v[NR] = $1 }
		END { if (unknown) { print "?"; exit }
		      if (v[1] > u) { printf "none in %d", u; exit }
		      m = v[int((NR + 1) / 2)]
		      printf "%s (%s-%s)", (m > u ? "-" : m), (v[1] > u ? "-" : v[1]), (v[NR] > u ? "-" : v[NR]) }'
}

# The native run time of PROG: the median of 5 runs, in ms.
native_ms() {
	local i t0 t1
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		run "$1" >/dev/null 2>&1 </dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	done | sort -n | sed -n 3p
}

echo "host: $(nproc) usable CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1 /proc/loadavg) (other load changes the native rates)"
echo "failing runs out of $RUNS: natively, under rec, under rec --chaos --seed I; runs rec --chaos --until-fail=$UNTIL needed: median (min-max) of $CAPTURES captures"
echo
fmt='%-16s %8s %14s %14s %16s %18s\n'
printf "$fmt" sample native-ms native rec "rec --chaos" "until-fail runs"
for s in $samples; do
	prog=$SBIN/$s
	printf "$fmt" "$s" "$(native_ms "$prog")" "$(rate native "$prog")" "$(rate rec "$prog")" "$(rate chaos "$prog")" "$(until_fail "$prog")"
done
if [ -s "$notes" ]; then
	echo
	sed 's/^/note: /' "$notes"
fi
exit 0
