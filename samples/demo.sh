#!/usr/bin/env bash
# samples/demo.sh - heisen in one minute (run by `make demo`, which builds
# bin/rec and bin/replay first): a program that crashes only sometimes is
# recorded until it fails, and the failing run is then replayed, twice,
# with the same output and the same crash.
# Exits 0 when both replays matched the failing recording, 1 otherwise.
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
OUT=build/samples
TRIES=${TRIES:-50}
TRACE=$OUT/race_crash-failure.lz4
PROG=$OUT/race_crash

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

step "Compile samples/race_crash.c: it reads getrandom() and rdtsc and crashes about 1 run in 3"
cc -std=gnu11 -O0 -g -Wall -Wextra -o "$PROG" samples/race_crash.c || die "cannot compile the sample"

step "Run it 9 times natively: the failure comes and goes (a heisenbug)"
fails=0
for i in 1 2 3 4 5 6 7 8 9; do
	run "$OUT/native.out" "$PROG"
	[ "$st" = 0 ] || fails=$((fails + 1))
	printf '  run %d: %s\n' "$i" "$(describe "$st")"
done
echo "  $fails of 9 native runs failed"

step "Record it with bin/rec until a run fails (at most $TRIES tries), keeping only the failing trace"
found=0
for i in $(seq 1 "$TRIES"); do
	run "$OUT/rec.out" "$BIN/rec" -q -o "$OUT/try.lz4" -- "$PROG"
	if [ "$st" -ge 120 ] && [ "$st" -le 127 ]; then
		cat "$OUT/rec.out"
		die "bin/rec itself failed with status $st"
	fi
	if [ "$st" = 0 ]; then
		printf '  try %d: %s, passed: trace discarded\n' "$i" "$(describe "$st")"
		rm -f "$OUT/try.lz4"
	else
		printf '  try %d: %s, FAILED: trace kept as %s\n' "$i" "$(describe "$st")" "$TRACE"
		mv "$OUT/try.lz4" "$TRACE"
		rec_st=$st
		found=1
		break
	fi
done
[ "$found" = 1 ] || die "no failing run in $TRIES tries (each fails with probability about 1/3)"
echo "  what the failing run printed:"
sed 's/^/  | /' "$OUT/rec.out"

step "bin/replay --info: what the trace holds (the program's files come with it)"
"$BIN/replay" --info "$TRACE" || die "replay --info failed"

step "bin/replay --dump: its last events, the fatal SIGSEGV and the exit"
"$BIN/replay" --dump "$TRACE" | tail -n 4

ok=1
for n in 1 2; do
	step "Replay $n: bin/replay $TRACE (the program runs again, its inputs from the trace)"
	run "$OUT/replay$n.out" "$BIN/replay" "$TRACE"
	sed 's/^/  | /' "$OUT/replay$n.out"
	if [ "$st" = "$rec_st" ] && cmp -s "$OUT/rec.out" "$OUT/replay$n.out"; then
		echo "  same output as the recording, same $(describe "$st")"
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
