# tests/suite-long.sh - long and large runs, in short:
#  - zombies: tests/programs/fork_reap forks 2000 children, each reaped by
#    the program; its replay (the waits are emulated) must reap the real
#    children too. While the replayed program computes after its fork loop,
#    the suite counts its children in state Z (at most 5 allowed).
#  - memory: replay's maximum RSS (/usr/bin/time) for a recording of
#    tests/programs/syscall_loop with LONG_SMALL events and one with
#    LONG_BIG (default 20000 and 100000 syscalls) must differ by less than
#    LONG_RSS_SLACK_KB (default 8192): replay holds memory flat, whatever
#    the number of events. bench/replay_rss.sh does the same with millions.
. tests/lib.sh

L="$TMPD/long"
mkdir -p "$L"

## Zombies
zombie_case() {
	local prog=$TBIN/fork_reap rp pid i z st
	[ -x "$prog" ] || { fail "long-zombies: $prog not built"; return; }
	timeout -s KILL 120 "$BIN/rec" -q -o "$L/fork.lz4" -- "$prog" 2000 15 >"$L/fork.out" 2>"$L/fork.err"
	st=$?
	if [ "$st" != 0 ] || ! grep -q '^2000 children forked and reaped, 0 wrong' "$L/fork.out"; then
		fail "long-zombies: recording failed (status $st): $(head -1 "$L/fork.err") $(head -1 "$L/fork.out")"
		return
	fi
	timeout -s KILL 120 "$BIN/replay" "$L/fork.lz4" >"$L/fork.replay.out" 2>"$L/fork.replay.err" </dev/null &
	rp=$!
	for i in $(seq 1 600); do
		grep -q '^forked 2000, spinning$' "$L/fork.replay.out" && break
		kill -0 "$rp" 2>/dev/null || break
		sleep 0.1
	done
	# timeout's child is replay, replay's the program
	pid=$(cat /proc/"$rp"/task/*/children 2>/dev/null | awk '{print $1; exit}')
	[ -n "$pid" ] && pid=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{print $1; exit}')
	z=
	[ -n "$pid" ] && z=$(ps -o stat= --ppid "$pid" | grep -c '^Z')
	wait "$rp"
	st=$?
	if [ -z "$z" ]; then
		fail "long-zombies: could not find the replayed program mid-replay (replay status $st): $(head -1 "$L/fork.replay.err")"
	elif [ "$z" -gt 5 ]; then
		fail "long-zombies: $z zombie children of the replayed program after its 2000 reaped forks"
	elif [ "$st" != 0 ] || ! cmp -s "$L/fork.out" "$L/fork.replay.out"; then
		fail "long-zombies: replay exited $st: $(grep -m1 '^replay: ' "$L/fork.replay.err")"
	else
		pass "long-zombies: 2000 forks reaped by the program, $z zombies left in replay"
	fi
}
zombie_case

## Memory: replay's maximum RSS must not grow with the number of events.
# loop_rss N: records syscall_loop N, replays it under /usr/bin/time; sets
# RSS (kB). Returns 1 after a fail.
loop_rss() {
	local n=$1 st
	timeout -s KILL 600 "$BIN/rec" -q -o "$L/loop-$n.lz4" -- "$TBIN/syscall_loop" "$n" >"$L/loop-$n.out" 2>"$L/loop-$n.err"
	st=$?
	if [ "$st" != 0 ]; then
		fail "long-rss: recording $n syscalls failed (status $st): $(head -1 "$L/loop-$n.err")"
		return 1
	fi
	timeout -s KILL 600 /usr/bin/time -f 'maxrss %M' -o "$L/loop-$n.time" \
		"$BIN/replay" "$L/loop-$n.lz4" >"$L/loop-$n.replay.out" 2>"$L/loop-$n.replay.err" </dev/null
	st=$?
	if [ "$st" != 0 ] || ! cmp -s "$L/loop-$n.out" "$L/loop-$n.replay.out"; then
		fail "long-rss: replay of $n syscalls exited $st: $(grep -m1 '^replay: ' "$L/loop-$n.replay.err")"
		return 1
	fi
	RSS=$(awk '/^maxrss/ {print $2}' "$L/loop-$n.time")
	[ -n "$RSS" ] || { fail "long-rss: no maximum RSS measured for $n syscalls"; return 1; }
}

rss_case() {
	local small=${LONG_SMALL:-20000} big=${LONG_BIG:-100000} slack=${LONG_RSS_SLACK_KB:-8192} rss_small
	[ -x "$TBIN/syscall_loop" ] || { fail "long-rss: $TBIN/syscall_loop not built"; return; }
	[ -x /usr/bin/time ] || { fail "long-rss: /usr/bin/time is missing (apt-get install time)"; return; }
	loop_rss "$small" || return
	rss_small=$RSS
	loop_rss "$big" || return
	if [ $((RSS - rss_small)) -ge "$slack" ]; then
		fail "long-rss: replay's maximum RSS grew from $rss_small kB ($small syscalls) to $RSS kB ($big syscalls)"
	else
		pass "long-rss: replay's maximum RSS $rss_small kB for $small syscalls, $RSS kB for $big"
	fi
}
rss_case
