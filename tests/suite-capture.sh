#!/usr/bin/env bash
# tests/suite-capture.sh - capturing a heisenbug: rec --chaos, --seed,
# --timeout, --until-fail [-j K] [--fail-on LIST] (docs/chaos.md,
# docs/usage.md). Programs from tests/capture/ (built to build/tests/capture):
#  - until-fail-*: rand_fail fails by its getrandom byte (exit 3 or SIGABRT,
#    1 in 4 each): --until-fail keeps exactly one trace, named by -o, no
#    temporary left, which replays with the failing status and output;
#    --fail-on SIGABRT (or 134) never stops at exit 3; -j 2 too; a program
#    that never fails: exit 0, no trace.
#  - chaos-until-fail: queue_overflow (fails only if the consumer starves)
#    under --chaos --until-fail: the seed is printed, in replay --info
#    (text and --json), the failure replays; rec --chaos --seed S of that
#    seed fails again.
#  - chaos-seed-stderr: a failing chaos run prints "rec: chaos seed N", -q too.
#  - chaos-race-counter: race_counter under --chaos, seeds 1-10: >= 8
#    distinct totals, each replaying exactly; plain-race-counter: not
#    always 4000000 under plain rec (computing threads are preempted).
#  - chaos-same-seed: lines (every syscall a write to stdout) recorded twice
#    with each of 5 seeds: output byte-identical per seed.
#  - chaos-seeds-differ: lines under 8 seeds: at least 2 distinct orders
#    (the default scheduler gives one order every time).
#  - timeout-*: hang (mutex deadlock, blocked read, spinners): --timeout
#    stops rec (status 124) within a few seconds; the trace replays to the
#    same point (124, "recording stopped", same output).
. tests/lib.sh

CBIN=${CBIN:-$(dirname "$TBIN")/capture}
C=$TMPD/capture
mkdir -p "$C"
R=$(cd "$BIN" && pwd)/rec # absolute: some tests run it from their own directory
P=$BIN/replay

# replays_as NAME TRACE STATUS OUTFILE: replay exits STATUS, prints OUTFILE's bytes.
replays_as() {
	local st
	timeout -k 5 120 "$P" "$2" >"$C/$1.rout" 2>"$C/$1.rerr" </dev/null
	st=$?
	if [ "$st" != "$3" ]; then
		fail "$1: replay exited $st, want $3: $(head -1 "$C/$1.rerr")"
		return 1
	fi
	if ! cmp -s "$4" "$C/$1.rout"; then
		fail "$1: replay printed other output than the recording"
		return 1
	fi
	return 0
}

# traces_in DIR: the number of files in DIR (the trace and nothing else).
traces_in() { find "$1" -type f | wc -l; }

## --until-fail without chaos: a failure decided by getrandom.
until_fail() {
	local name=$1 want=$2 d st n; shift 2
	d=$C/$name
	mkdir -p "$d"
	(cd "$d" && timeout -k 5 300 "$R" -o fail.lz4 "$@" "$OLDPWD/$CBIN/rand_fail" >out 2>err)
	st=$?
	n=$(traces_in "$d")
	if ! echo " $want " | grep -q " $st "; then
		fail "$name: rec exited $st, want one of $want: $(head -2 "$d/err")"
		return 1
	fi
	if [ ! -s "$d/fail.lz4" ] || [ "$n" != 3 ]; then # fail.lz4, out, err
		fail "$name: want exactly the trace fail.lz4 left, found: $(ls "$d" | tr '\n' ' ')"
		return 1
	fi
	if ! grep -q "^rec: run [0-9]* failed (.*) after [0-9]* runs; trace written to fail.lz4$" "$d/err"; then
		fail "$name: rec did not say which run failed: $(head -2 "$d/err")"
		return 1
	fi
	# the failing run's own output: the last "byte" line rec echoed for it is in the replay
	timeout -k 5 60 "$P" "$d/fail.lz4" >"$d/rout" 2>"$d/rerr"
	local rst=$?
	local byte=$(sed 's/byte //' "$d/rout")
	if [ "$rst" != "$st" ] || ! grep -qx "byte $byte" "$d/out"; then
		fail "$name: replay exited $rst (rec $st), printed '$(cat "$d/rout")': $(head -1 "$d/rerr")"
		return 1
	fi
	case $st in
	3) [ $((byte % 4)) = 0 ] ;;
	134) [ $((byte % 4)) = 1 ] ;;
	*) false ;;
	esac || { fail "$name: the kept run's byte $byte does not give status $st"; return 1; }
	pass "$name: status $st ($(grep -o 'run [0-9]* failed.*runs' "$d/err")), one trace kept, replays with $rst, byte $byte"
}

if [ ! -x "$CBIN/rand_fail" ]; then
	fail "capture: test programs not built ($CBIN)"
else
	until_fail until-fail-any "3 134" --until-fail
	until_fail until-fail-abort-only 134 --until-fail=200 --fail-on SIGABRT
	until_fail until-fail-134 134 --until-fail=200 --fail-on 7,134
	until_fail until-fail-exit3-only 3 --until-fail=200 --fail-on 3
	until_fail until-fail-j2 "3 134" --until-fail -j 2
fi

# A program that never fails: exit 0, a message, no trace, no temporaries.
d=$C/nofail
mkdir -p "$d"
(cd "$d" && timeout -k 5 120 "$R" --until-fail=5 -j 2 -o x.lz4 "$OLDPWD/$TBIN/exit_0" >out 2>err)
st=$?
if [ "$st" = 0 ] && [ "$(traces_in "$d")" = 2 ] && grep -q '^rec: no failure in 5 runs' "$d/err"; then
	pass "until-fail-none: exit_0 5 times: status 0, '$(cat "$d/err")', no trace left"
else
	fail "until-fail-none: status $st, files $(ls "$d" | tr '\n' ' '), said: $(head -2 "$d/err")"
fi

## --chaos: a bug only a starved thread shows; its seed; reproducing it.
d=$C/chaos
mkdir -p "$d"
(cd "$d" && timeout -k 5 300 "$R" --chaos --seed 1000 --until-fail=50 -o q.lz4 "$OLDPWD/$CBIN/queue_overflow" >out 2>err)
st=$?
seed=$(sed -n 's/^rec: chaos seed \([0-9]*\)$/\1/p' "$d/err")
if [ "$st" != 134 ] || [ -z "$seed" ] || [ "$(traces_in "$d")" != 3 ]; then
	fail "chaos-until-fail: queue_overflow: status $st (want 134), seed '$seed', files $(ls "$d" | tr '\n' ' '): $(head -2 "$d/err")"
else
	info=$("$P" --info "$d/q.lz4")
	json=$("$P" --info --json "$d/q.lz4")
	if ! echo "$info" | grep -q "^chaos *seed $seed "; then
		fail "chaos-until-fail: replay --info does not show seed $seed: $(echo "$info" | grep chaos)"
	elif ! echo "$json" | grep -q "\"chaos\":true,\"chaos_seed\":$seed,"; then
		fail "chaos-until-fail: replay --info --json does not show seed $seed: $json"
	elif [ "$seed" -lt 1000 ] || [ "$seed" -ge 1050 ]; then
		fail "chaos-until-fail: seed $seed is not one of --seed 1000's runs (1000..1049)"
	else
		# the kept run's output, as the replay prints it, ends with the overflow
		"$P" "$d/q.lz4" >"$d/rout" 2>"$d/rerr"
		rst=$?
		again=$(timeout -k 5 60 "$R" -q --chaos --seed "$seed" -o "$d/again.lz4" "$CBIN/queue_overflow" 2>&1 >/dev/null; echo "status $?")
		if [ "$rst" != 134 ] || ! grep -q '^queue overflow$' "$d/rout"; then
			fail "chaos-until-fail: replay exited $rst, printed $(tr '\n' '|' <"$d/rout")"
		elif ! echo "$again" | grep -q 'status 134'; then
			fail "chaos-until-fail: rec --chaos --seed $seed again: $again (want 134)"
		else
			pass "chaos-until-fail: queue_overflow failed with seed $seed ($(grep -o 'run [0-9]* failed' "$d/err")), replay --info and --json show it, replay 134, the seed fails again"
		fi
	fi
fi

# The seed on stderr when a chaos run fails, with -q too; none when it succeeds.
e1=$("$R" -q --chaos --seed 42 -o "$C/s1.lz4" "$TBIN/exit_3" 2>&1 >/dev/null)
e2=$("$R" -q --chaos --seed 42 -o "$C/s2.lz4" "$TBIN/exit_0" 2>&1 >/dev/null)
if [ "$e1" = "rec: chaos seed 42" ] && [ -z "$e2" ]; then
	pass "chaos-seed-stderr: exit 3 under -q: '$e1'; exit 0: nothing"
else
	fail "chaos-seed-stderr: failing run said '$e1', succeeding run said '$e2'"
fi

## Races between computing threads happen under rec (counting sites,
## docs/scheduling.md): race_counter's four threads do an unsynchronized
## counter++ 10^6 times each. Under --chaos, seeds 1 to 10 give at least 8
## different totals, each replaying to the same output; under plain rec the
## total is not always 4000000 (one of 20 recordings at least; 30 of 30
## raced once a thread preempted at its first turn's end let the next one
## run: before, the preempted thread went on unless rec's work at the point
## outlasted 5 ms, 1 in 30 with fast snapshots). Without preemption of
## computing threads, or when the preempted thread goes on, every total is
## 4000000.
totals= replayed=0
for seed in 1 2 3 4 5 6 7 8 9 10; do
	"$R" -q --chaos --seed "$seed" -o "$C/rc$seed.lz4" "$TBIN/race_counter" >"$C/rc$seed.out" 2>&1
	"$BIN/replay" "$C/rc$seed.lz4" >"$C/rc$seed.rep" 2>&1 && cmp -s "$C/rc$seed.out" "$C/rc$seed.rep" && replayed=$((replayed + 1))
	totals="$totals $(awk '{print $2}' "$C/rc$seed.out")"
done
ndist=$(echo $totals | tr ' ' '\n' | sort -u | wc -l)
if [ "$ndist" -ge 8 ] && [ "$replayed" = 10 ]; then
	pass "chaos-race-counter: $ndist distinct totals over seeds 1-10, all 10 replayed exactly:$totals"
else
	fail "chaos-race-counter: $ndist distinct totals, $replayed of 10 replayed exactly:$totals"
fi
plain=
for i in $(seq 1 20); do
	"$R" -q -o "$C/rcp$i.lz4" "$TBIN/race_counter" >"$C/rcp$i.out" 2>&1
	plain="$plain $(awk '{print $2}' "$C/rcp$i.out")"
	grep -qv '^counter 4000000$' "$C/rcp$i.out" && break
done
if echo "$plain" | tr ' ' '\n' | grep -qv '^4000000$\|^$'; then
	pass "plain-race-counter: totals under plain rec:$plain"
else
	fail "plain-race-counter: always 4000000 under plain rec:$plain"
fi

## Same seed, same decisions: every syscall of lines is a write to stdout
## (keeps the core), so its events are the same in every run.
same=0 orders=
for seed in 1 2 3 4 5 6 7 8; do
	"$R" -q --chaos --seed "$seed" -o "$C/l$seed.lz4" "$CBIN/lines" 4 25 >"$C/l$seed.a" 2>"$C/l$seed.err"
	a=$?
	"$R" -q --chaos --seed "$seed" -o "$C/l$seed.b.lz4" "$CBIN/lines" 4 25 >"$C/l$seed.b" 2>>"$C/l$seed.err"
	b=$?
	if [ "$a$b" != 00 ] || [ "$(wc -l <"$C/l$seed.a")" != 100 ]; then
		fail "chaos-same-seed: seed $seed: status $a/$b, $(wc -l <"$C/l$seed.a") lines: $(head -1 "$C/l$seed.err")"
		same=-1
		break
	fi
	cmp -s "$C/l$seed.a" "$C/l$seed.b" && same=$((same + 1))
	orders="$orders $(md5sum <"$C/l$seed.a" | cut -c1-8)"
done
ndistinct=$(echo $orders | tr ' ' '\n' | sort -u | wc -l)
# Equal outputs alone would hold without any chaos (one fixed order): the
# seeds must also give different orders.
if [ "$same" = 8 ] && [ "$ndistinct" -ge 3 ]; then
	pass "chaos-same-seed: lines 4x25 recorded twice under each of 8 seeds: the same output each time, $ndistinct distinct orders"
elif [ "$same" -ge 0 ]; then
	fail "chaos-same-seed: $same of 8 seeds gave the same output twice; $ndistinct distinct orders:$orders"
fi
if [ "$ndistinct" -ge 3 ]; then
	pass "chaos-seeds-differ: 8 seeds gave $ndistinct distinct line orders"
else
	fail "chaos-seeds-differ: 8 seeds gave only $ndistinct distinct orders:$orders"
fi
if replays_as chaos-lines-replay "$C/l3.lz4" 0 "$C/l3.a"; then
	pass "chaos-lines-replay: a chaos recording of lines replays with the same output"
fi

## --timeout: a hang is stopped; its trace replays to the same point.
for mode in mutex read spin; do
	name=timeout-$mode
	t0=${EPOCHREALTIME/./}
	timeout -s KILL 20 "$R" -q --timeout 1 -o "$C/$name.lz4" "$CBIN/hang" "$mode" >"$C/$name.out" 2>"$C/$name.err"
	st=$?
	ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	if [ "$st" != 124 ]; then
		fail "$name: rec exited $st, want 124 ($ms ms): $(head -1 "$C/$name.err")"
		continue
	fi
	if ! grep -q '^rec: thread [0-9]*: the program still ran after 1 s (--timeout): recording stopped$' "$C/$name.err"; then
		fail "$name: rec did not say why it stopped: $(head -1 "$C/$name.err")"
		continue
	fi
	if ! grep -q '^ready$' "$C/$name.out"; then
		fail "$name: the program never got to its hang: $(tr '\n' '|' <"$C/$name.out")"
		continue
	fi
	replays_as "$name" "$C/$name.lz4" 124 "$C/$name.out" || continue
	if ! grep -q '^replay: the recording stopped at event [0-9]*: .*(--timeout): recording stopped$' "$C/$name.rerr"; then
		fail "$name: replay did not say where the recording stopped: $(head -1 "$C/$name.rerr")"
		continue
	fi
	pass "$name: rec --timeout 1 stopped the hang after $ms ms (124); replay 124 at the same point, same output"
done

# --timeout with --until-fail: the first run hangs, counts as failing.
d=$C/until-timeout
mkdir -p "$d"
(cd "$d" && timeout -s KILL 60 "$R" --until-fail=3 --timeout 0.5 -o h.lz4 "$OLDPWD/$CBIN/hang" mutex >out 2>err)
st=$?
timeout -k 5 60 "$P" "$d/h.lz4" >/dev/null 2>&1
rst=$?
if [ "$st" = 124 ] && [ "$(traces_in "$d")" = 3 ] && [ "$rst" = 124 ] &&
	grep -q '^rec: run 1 failed (still running after 0.5 s) after 1 runs; trace written to h.lz4$' "$d/err"; then
	pass "until-fail-timeout: a deadlock under --until-fail --timeout 0.5: run 1 kept (124), replays to its stop (124)"
else
	fail "until-fail-timeout: status $st, replay $rst, files $(ls "$d" | tr '\n' ' '): $(head -2 "$d/err")"
fi

## Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while
## -j 2 recordings of a deadlock run: each recording rec is pinned to a CPU
## of its own; rec exits 130 within a few seconds, no process of the group
## is left, no trace and no temporary file either.
d=$C/ctrlc
mkdir -p "$d"
(cd "$d" && exec setsid "$R" --until-fail=5 -j 2 --timeout 60 -o c.lz4 "$OLDPWD/$CBIN/hang" mutex >out 2>err) &
spid=$!
for _ in $(seq 1 200); do [ "$(grep -c '^ready$' "$d/out" 2>/dev/null)" -ge 2 ] && break; sleep 0.05; done
kids=$(cat /proc/"$spid"/task/*/children 2>/dev/null)
cpus=
for k in $kids; do cpus="$cpus $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/"$k"/status 2>/dev/null)"; done
t0=${EPOCHREALTIME/./}
kill -INT -- -"$spid" 2>/dev/null
( sleep 20; kill -KILL -- -"$spid" 2>/dev/null ) &
guard=$!
wait "$spid"
st=$?
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
kill "$guard" 2>/dev/null
wait "$guard" 2>/dev/null
left=$(ps -eo pgid=,pid=,comm= | awk -v g="$spid" '$1 == g {print $2 "/" $3}' | tr '\n' ' ')
files=$(ls "$d" | grep -v -x -e out -e err | tr '\n' ' ')
ncpu=$(nproc)
distinct=$(echo $cpus | tr ' ' '\n' | sort -u | wc -l)
if [ "$(echo $kids | wc -w)" != 2 ]; then
	fail "until-fail-ctrlc: want 2 recordings in flight under -j 2, found: $kids"
elif [ "$ncpu" -ge 2 ] && [ "$distinct" != 2 ]; then
	fail "until-fail-ctrlc: the 2 recordings run on CPUs '$cpus', want one each"
elif [ "$st" != 130 ] || [ -n "$left" ] || [ -n "$files" ] || [ "$ms" -gt 5000 ]; then
	fail "until-fail-ctrlc: status $st (want 130) after $ms ms; left processes: '$left'; left files: '$files': $(tail -1 "$d/err")"
elif ! grep -q '^rec: stopped by SIGINT after [0-9]* runs: no trace kept$' "$d/err"; then
	fail "until-fail-ctrlc: rec did not say it stopped: $(tail -1 "$d/err")"
else
	pass "until-fail-ctrlc: 2 recordings on CPUs$cpus, SIGINT to the group: rec 130 after $ms ms, no process, no file left"
fi

## Bad options: one line, status 120.
for args in "--seed 5" "--chaos --seed x" "--timeout 0" "--timeout -1" "--until-fail=0" "-j 2" \
	"--until-fail --fail-on SIGNOPE" "--until-fail --fail-on 300" "--until-fail --fail-on 1,,2" "--until-fail -j 2 --cpu 0"; do
	# shellcheck disable=SC2086
	out=$("$R" $args "$TBIN/exit_0" 2>&1 >/dev/null)
	st=$?
	if [ "$st" != 120 ] || [ "$(echo "$out" | wc -l)" != 1 ]; then
		fail "capture-badopt: rec $args: status $st, said: $out"
	else
		pass "capture-badopt: rec $args: 120, '$out'"
	fi
done
