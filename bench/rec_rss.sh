#!/usr/bin/env bash
# bench/rec_rss.sh - rec's memory over a long syscall-heavy recording (issue
# 10: "a 5-minute syscall-heavy recording does not grow rec's peak RSS past
# a fixed bound"). Records bench/syscall_heavy (write+read pairs on a pipe,
# buffered in-process) for SECONDS_TOTAL (default 300), prints rec's peak
# resident memory (VmHWM of rec's own process, not the program's) at each
# of the MARKS seconds, then stops rec with SIGTERM (its trace is finished;
# replay --info reads it whole and counts its syscalls; it is removed at
# the end). Measures only: no pass/fail; a peak that keeps growing with
# the seconds is the defect to look for. Not run by `make bench` (it takes
# SECONDS_TOTAL). The
# environment: BIN (default bin), SECONDS_TOTAL (default 300), MARKS
# (default "5 30 60 120 300").
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
TOTAL=${SECONDS_TOTAL:-300}
MARKS=${MARKS:-5 30 60 120 300}
OUT=build/bench
mkdir -p "$OUT"
for t in rec replay; do
	[ -x "$BIN/$t" ] || { echo "bench: $BIN/$t is missing: run make first" >&2; exit 1; }
done
cc -std=gnu11 -O2 -Wall -Wextra -o "$OUT/syscall_heavy" bench/syscall_heavy.c || exit 1
trace=$OUT/rec_rss.lz4
rm -f "$trace"
trap 'rm -f "$trace"' EXIT
# 10^12 pairs: far more than SECONDS_TOTAL allows; rec is stopped first.
"$BIN/rec" -q -o "$trace" -- "$OUT/syscall_heavy" 1000000000000 >/dev/null &
rpid=$!
field() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$rpid/status" 2>/dev/null; }
start=$(date +%s)
printf '%-8s %-14s %-14s %s\n' seconds rec-VmHWM rec-VmRSS trace-bytes
for m in $MARKS; do
	[ "$m" -le "$TOTAL" ] || break
	while [ $(($(date +%s) - start)) -lt "$m" ]; do
		kill -0 "$rpid" 2>/dev/null || { echo "bench: rec ended early" >&2; exit 1; }
		sleep 1
	done
	printf '%-8s %-14s %-14s %s\n' "$m" "$(field VmHWM) kB" "$(field VmRSS) kB" "$(stat -c %s "$trace")"
done
kill -TERM "$rpid"
wait "$rpid"
st=$?
events=$("$BIN/replay" --info "$trace" 2>&1 | awk '/^  syscall /{s=$2} /^buffered /{b=$2} END {print s + b}')
echo "rec exited $st after SIGTERM (128+15 expected); the trace holds $events syscalls (traced and buffered), $(stat -c %s "$trace") bytes"
