#!/usr/bin/env bash
# samples/demo.sh - heisen in one minute (run by `make demo`, which builds
# bin/rec and bin/replay first): a threaded service that crashes only
# sometimes (samples/shutdown_free.c: its shutdown frees the results table
# while a writer is still in flight) is recorded with rec --chaos
# --until-fail, which keeps only the failing run's trace; the failure is
# then replayed, twice, with the same output and the same crash.
# Exits 0 when both replays matched the failing recording, 1 otherwise.
# Environment: BIN (rec and replay, default bin), SAMPLE (default
# shutdown_free), TRIES (runs --until-fail may take, default 50).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
OUT=build/samples/demo
SAMPLE=${SAMPLE:-shutdown_free}
TRIES=${TRIES:-50}
TRACE=$OUT/$SAMPLE-failure.lz4
PROG=$OUT/$SAMPLE

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
die() { printf 'demo failed: %s\n' "$*" >&2; exit 1; }
# Runs a command with its stdout and stderr in a file; its status in $st.
# Through sh -c so that no "Segmentation fault" note from this shell mixes in.
run() { local out=$1; shift; sh -c '"$@"; exit $?' sh "$@" >"$out" 2>&1; st=$?; }
describe() { if [ "$1" -gt 128 ]; then echo "status $1 (killed by SIG$(kill -l $(($1 - 128))))"; else echo "status $1"; fi; }

[ -x "$BIN/rec" ] && [ -x "$BIN/replay" ] || die "$BIN/rec and $BIN/replay are missing: run make first"
ulimit -c 0 # no core files from the crashes
mkdir -p "$OUT"
rm -f "$OUT"/*.lz4

step "Compile samples/$SAMPLE.c (a threaded service with a heisenbug: samples/README.md says which)"
cc -std=gnu11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -pthread -o "$PROG" "samples/$SAMPLE.c" || die "cannot compile the sample"

step "Run it 9 times natively: the failure comes and goes (a heisenbug)"
fails=0
for i in 1 2 3 4 5 6 7 8 9; do
	run "$OUT/native.out" "$PROG"
	[ "$st" = 0 ] || fails=$((fails + 1))
	printf '  run %d: %s\n' "$i" "$(describe "$st")"
done
echo "  $fails of 9 native runs failed"

step "Capture it: bin/rec --chaos --until-fail=$TRIES -o $TRACE $PROG"
echo "  (the chaos scheduler widens the race window; only the failing run's trace is kept)"
run "$OUT/rec.out" "$BIN/rec" --chaos --until-fail="$TRIES" -o "$TRACE" -- "$PROG"
rec_st=$st
grep '^rec: ' "$OUT/rec.out" | sed 's/^/  | /'
if [ "$rec_st" -ge 120 ] && [ "$rec_st" -le 127 ]; then
	die "bin/rec itself failed with status $rec_st"
fi
[ "$rec_st" != 0 ] && [ -s "$TRACE" ] || die "no failing run in $TRIES runs"
echo "  the failing run ended with $(describe "$rec_st")"

step "bin/replay --info: what the trace holds (the program's files come with it)"
"$BIN/replay" --info "$TRACE" || die "replay --info failed"

step "bin/replay --dump: its last events, the failure and the exit"
"$BIN/replay" --dump "$TRACE" | tail -n 4

ok=1
for n in 1 2; do
	step "Replay $n: bin/replay $TRACE (the program runs again, its inputs from the trace)"
	run "$OUT/replay$n.out" "$BIN/replay" "$TRACE"
	sed 's/^/  | /' "$OUT/replay$n.out" | tail -n 8
	# rec printed the output of every run it made: the failing run's is its end
	if [ "$st" = "$rec_st" ] && grep -v '^rec: ' "$OUT/rec.out" | tail -c "$(wc -c <"$OUT/replay$n.out")" | cmp -s - "$OUT/replay$n.out"; then
		echo "  same output as the failing run, same $(describe "$st")"
	else
		echo "  DIFFERENT from the recording: $(describe "$st"), recorded $(describe "$rec_st")"
		ok=0
	fi
done

step "Result"
if [ "$ok" = 1 ]; then
	echo "  The failure was captured once and replayed identically twice: $TRACE"
	echo "  Replay it yourself: $BIN/replay $TRACE"
	exit 0
fi
echo "  The replays did not match the recording (see above)."
exit 1
