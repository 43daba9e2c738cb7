#!/usr/bin/env bash
# bench/replay_rss.sh - replay's memory over long recordings: records
# tests/programs/syscall_loop with each number of syscalls in EVENTS
# (default "1000000 5000000": minutes of recording on a slow machine) and
# replays each under /usr/bin/time, printing replay's maximum RSS and wall
# time. Replay should hold its memory flat: the RSS must not grow with the
# events (tests/suite-long.sh checks the same on a short scale). Measures
# only: no pass/fail. Environment: BIN (default bin), EVENTS.
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
EVENTS=${EVENTS:-1000000 5000000}
OUT=build/bench
mkdir -p "$OUT"
for t in rec replay; do
	[ -x "$BIN/$t" ] || { echo "bench: $BIN/$t is missing: run make first" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
cc -std=gnu11 -O2 -Wall -Wextra -o "$OUT/syscall_loop" tests/programs/syscall_loop.c || exit 1
printf '%-10s %-12s %-10s %-14s %s\n' syscalls trace-bytes rec-s replay-maxrss replay-s
for n in $EVENTS; do
	t0=$(date +%s.%N)
	"$BIN/rec" -q -o "$OUT/loop-$n.lz4" -- "$OUT/syscall_loop" "$n" >/dev/null || { echo "bench: rec failed for $n" >&2; exit 1; }
	t1=$(date +%s.%N)
	/usr/bin/time -f '%M %e' -o "$OUT/loop-$n.time" "$BIN/replay" -q "$OUT/loop-$n.lz4" >/dev/null ||
		{ echo "bench: replay failed for $n" >&2; exit 1; }
	read -r rss secs <"$OUT/loop-$n.time"
	printf '%-10s %-12s %-10.1f %-14s %s\n' "$n" "$(stat -c %s "$OUT/loop-$n.lz4")" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "${rss} kB" "$secs"
	rm -f "$OUT/loop-$n.lz4"
done
