#!/usr/bin/env bash
# bench/gdb_reverse.sh - what reverse execution in gdb costs: records
# bench/reverse_target.c running SECONDS seconds (default 10), then, in gdb
# against `replay --gdbserver`, runs to its end (finish()), sets a
# watchpoint and times reverse-continue back to the last write of the
# watched global, a second reverse-continue, a reverse-stepi, a
# reverse-continue to a breakpoint hit shortly before (the line writing the
# global, every 1000 rounds), one to a breakpoint never hit before but
# armed all along (on finish(): back to the start; replay knows from the
# first run that nothing is there), and, after running to the end again,
# one to a breakpoint never armed before and never hit (on never_called():
# back to the start, a replay of all the history). Prints the times;
# measures only.
# Environment: BIN (default bin), SECONDS_RUN (default 10).
set -u
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
SECS=${SECONDS_RUN:-10}
OUT=build/bench
mkdir -p "$OUT"
command -v gdb >/dev/null || { echo "bench: gdb is not installed" >&2; exit 1; }
cc -std=gnu11 -O1 -g -Wall -Wextra -o "$OUT/reverse_target" bench/reverse_target.c || exit 1
start=$(date +%s.%N)
"$BIN/rec" -q -o "$OUT/reverse.lz4" -- "$OUT/reverse_target" "$SECS" >/dev/null || exit 1
rec_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
cat >"$OUT/reverse.gdb" <<'EOS'
break finish
shell date +T0=%s.%N
continue
shell date +T1=%s.%N
watch marker
reverse-continue
shell date +T2=%s.%N
reverse-continue
shell date +T3=%s.%N
reverse-stepi
shell date +T4=%s.%N
delete
break reverse_target.c:@LINE@
reverse-continue
shell date +T5=%s.%N
delete
break finish
reverse-continue
shell date +T6=%s.%N
continue
delete
break never_called
shell date +T7=%s.%N
reverse-continue
shell date +T8=%s.%N
kill
EOS
sed -i "s/@LINE@/$(grep -n 'marker = rounds;' bench/reverse_target.c | cut -d: -f1)/" "$OUT/reverse.gdb"
rm -f "$OUT/reverse.err"
"$BIN/replay" --gdbserver 0 "$OUT/reverse.lz4" >/dev/null 2>"$OUT/reverse.err" &
pid=$!
port=
for i in $(seq 200); do
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$OUT/reverse.err" 2>/dev/null)
	[ -n "$port" ] && break
	sleep 0.05
done
gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off' -ex "target extended-remote :$port" \
	-x "$OUT/reverse.gdb" >"$OUT/reverse.out" 2>&1 </dev/null
wait "$pid"
eval "$(grep -E '^T[0-9]=' "$OUT/reverse.out")"
d() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
printf 'recording of %s s (rec took %.1f s)\n' "$SECS" "$rec_s"
printf '  continue to the end (forward replay)   %6.2f s\n' "$(d "$T0" "$T1")"
printf '  reverse-continue to a watchpoint       %6.2f s\n' "$(d "$T1" "$T2")"
printf '  reverse-continue again                 %6.2f s\n' "$(d "$T2" "$T3")"
printf '  reverse-stepi                          %6.2f s\n' "$(d "$T3" "$T4")"
printf '  reverse-continue to a breakpoint       %6.2f s\n' "$(d "$T4" "$T5")"
printf '  reverse-continue to the start (no hit) %6.2f s\n' "$(d "$T5" "$T6")"
printf '  the same, a breakpoint never armed     %6.2f s\n' "$(d "$T7" "$T8")"
grep -q '^Old value = ' "$OUT/reverse.out" || echo "  (gdb did not stop at the watchpoint: see $OUT/reverse.out)"
