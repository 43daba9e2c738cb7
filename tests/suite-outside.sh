# tests/suite-outside.sh - signals from outside: a kill -TERM sent to rec or
# to the recorded program, a Ctrl-C to the whole process group. rec must pass
# them on (once), record them, exit with the program's status and write a
# complete trace; replay must deliver them at the recorded point
# ($OUTSIDE_REPLAYS replays, default 10, each with the recorded status and
# output and no "replay: " message, so no divergence or truncation).
# The program (tests/programs/sig_outside.c) prints "ready" before it blocks;
# the suite waits for that line and for the program to sit in its syscall
# (every thread in state S) before it sends the signal. Each handler prints
# what it got, so a signal rec dropped (or delivered twice) changes the
# recorded output, which the checks below look at.
#  - term-rec-{read,pause,sigsuspend}: SIGTERM to rec, handler exits 0.
#  - term-prog-{read,pause}: SIGTERM straight to the program's pid.
#  - int-pgrp: rec in its own process group, kill -INT -PGID as a terminal's
#    Ctrl-C: both rec and the program get it, the handler must count 1.
#  - term-nohandler-{rec,prog}: no handler, killed by SIGTERM: status 143.
#  - term-busy-slow: SIGTERM during a loop without syscalls whose body is
#    20000 straight-line instructions (few passes before the signal).
#  - term-busy: the same in a tight loop.
#  - term-threads-{rec,prog}: 3 threads blocked in read, nanosleep and poll,
#    main in pthread_join.
#  - stop-{deadlock,compute,blocked,ignore}: SIGTERM, SIGINT and SIGHUP to
#    rec at random moments, 0-2 ms after rec's main began among them: rec
#    must exit (timeout -s KILL is the hang catcher) with 128+N, and the
#    trace must replay (with 128+N, or 124 after rec's "recording stopped"
#    when the program ignores the signal and rec ends it itself).
. tests/lib.sh

PROG=$TBIN/sig_outside
O=$TMPD/outside
NREP=${OUTSIDE_REPLAYS:-10}
mkdir -p "$O"

# start NAME MODE [pgrp]: records "$PROG MODE" in the background (with pgrp:
# as the leader of a process group of its own, like a shell's foreground job,
# but in this session); its stdin is a fifo this shell keeps open on fd 3
# without writing, so a read blocks. Sets RECPID.
start() {
	local name=$1 mode=$2 how=${3:-}
	rm -f "$O/$name.fifo" "$O/$name.lz4"
	mkfifo "$O/$name.fifo"
	exec 3<>"$O/$name.fifo"
	[ "$how" = pgrp ] && set -m # job control: a background job gets its own group
	"$BIN/rec" -q -o "$O/$name.lz4" -- "$PROG" "$mode" <"$O/$name.fifo" >"$O/$name.out" 2>"$O/$name.err" 3>&- &
	RECPID=$!
	set +m
	# Watchdog: a recording still running after 40 s is killed.
	(for _ in $(seq 1 200); do kill -0 "$RECPID" 2>/dev/null || exit 0; sleep 0.2; done
	 kill -KILL "$RECPID" 2>/dev/null) &
	WATCHDOG=$!
}

# finish: waits for rec; sets REC_STATUS; closes the fifo.
finish() {
	wait "$RECPID"
	REC_STATUS=$?
	wait "$WATCHDOG" 2>/dev/null
	exec 3>&-
}

# wait_ready NAME N: until the output has N lines ending in "ready" (10 s).
wait_ready() {
	local i
	for i in $(seq 1 200); do
		[ "$(grep -c 'ready$' "$O/$1.out" 2>/dev/null)" -ge "$2" ] && return 0
		kill -0 "$RECPID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# prog_pid: the recorded program's pid (rec's child), in PROGPID.
prog_pid() {
	local i
	PROGPID=
	for i in $(seq 1 100); do
		PROGPID=$(cat /proc/"$RECPID"/task/*/children 2>/dev/null | awk '{print $1; exit}')
		[ -n "$PROGPID" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_blocked PID N: until PID has N threads, all sleeping in a syscall
# (state S; a thread stopped by rec is in state t) (10 s).
wait_blocked() {
	local i t states
	for i in $(seq 1 200); do
		states=
		for t in /proc/"$1"/task/*; do
			states="$states$(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -c1)"
		done
		[ "$states" = "$(printf "%${2}s" | tr ' ' S)" ] && return 0
		sleep 0.05
	done
	BLOCKED_STATES=$states
	return 1
}

# check NAME WANT_STATUS PATTERN...: rec exited WANT_STATUS without a "rec: "
# message, its output has a line matching each PATTERN, and $NREP replays
# exit the same, print the same and say nothing on stderr. Prints nothing
# and returns 0 when all holds; otherwise one fail and returns 1.
check() {
	local name=$1 want=$2 p i st; shift 2
	if [ "$REC_STATUS" != "$want" ] || grep -q '^rec: ' "$O/$name.err"; then
		fail "$name: rec exited $REC_STATUS (want $want): $(grep -m1 '^rec: ' "$O/$name.err") output: $(tr '\n' '|' <"$O/$name.out")"
		return 1
	fi
	for p in "$@"; do
		if ! grep -q "$p" "$O/$name.out"; then
			fail "$name: recorded output lacks /$p/: $(tr '\n' '|' <"$O/$name.out")"
			return 1
		fi
	done
	if [ ! -s "$O/$name.lz4" ]; then
		fail "$name: no trace written"
		return 1
	fi
	for i in $(seq 1 "$NREP"); do
		timeout 120 "$BIN/replay" "$O/$name.lz4" >"$O/$name.replay.out" 2>"$O/$name.replay.err" </dev/null
		st=$?
		if [ "$st" != "$want" ]; then
			fail "$name: replay $i exited $st, recording $want: $(grep -m1 '^replay: ' "$O/$name.replay.err")"
			return 1
		fi
		if ! cmp -s "$O/$name.out" "$O/$name.replay.out"; then
			fail "$name: replay $i printed other output than the recording ($O/$name.replay.out)"
			return 1
		fi
		if grep -q '^replay: ' "$O/$name.replay.err"; then
			fail "$name: replay $i reported: $(grep -m1 '^replay: ' "$O/$name.replay.err")"
			return 1
		fi
	done
	return 0
}

# blocked_case NAME MODE TARGET NREADY NTHREADS WANT PATTERN...: records
# MODE, waits until it is ready and blocked, sends SIGTERM to TARGET (rec or
# prog), then checks.
blocked_case() {
	local name=$1 mode=$2 target=$3 nready=$4 nthreads=$5 want=$6 pid; shift 6
	[ -x "$PROG" ] || { fail "$name: $PROG not built"; return; }
	start "$name" "$mode"
	if ! wait_ready "$name" "$nready" || ! prog_pid || ! wait_blocked "$PROGPID" "$nthreads"; then
		kill -KILL "$RECPID" 2>/dev/null
		finish
		fail "$name: the program never got ready and blocked (thread states ${BLOCKED_STATES:-?}, rec status $REC_STATUS): $(tr '\n' '|' <"$O/$name.out") $(head -2 "$O/$name.err")"
		return
	fi
	pid=$RECPID
	[ "$target" = prog ] && pid=$PROGPID
	kill -TERM "$pid"
	finish
	check "$name" "$want" "$@" &&
		pass "$name: SIGTERM to $target while blocked: status $want, $(grep -m1 "$1" "$O/$name.out"), $NREP replays"
}

blocked_case term-rec-read read rec 1 1 0 '^handler: signal 15 in main$' '^read -> -1 errno EINTR got 15 count 1$'
blocked_case term-rec-pause pause rec 1 1 0 '^handler: signal 15 in main$' '^pause -> -1 errno EINTR got 15 count 1$'
blocked_case term-rec-sigsuspend sigsuspend rec 1 1 0 '^handler: signal 15 in main$' '^sigsuspend -> -1 errno EINTR got 15 count 1$'
blocked_case term-prog-read read prog 1 1 0 '^handler: signal 15 in main$' '^read -> -1 errno EINTR got 15 count 1$'
blocked_case term-prog-pause pause prog 1 1 0 '^handler: signal 15 in main$' '^pause -> -1 errno EINTR got 15 count 1$'
blocked_case term-nohandler-rec nohandler rec 1 1 143 '^ready$'
blocked_case term-nohandler-prog nohandler prog 1 1 143 '^ready$'
blocked_case term-threads-rec threads rec 3 4 0 '^handler: signal 15 in \(reader\|sleeper\)$' '^main: poller joined, count 1$'
blocked_case term-threads-prog threads prog 3 4 0 '^handler: signal 15 in \(reader\|sleeper\)$' '^main: poller joined, count 1$'

## Ctrl-C: SIGINT to rec's whole process group (rec and the program).
int_pgrp_case() {
	local name=int-pgrp pgid
	start $name intcount pgrp
	if ! wait_ready $name 1 || ! prog_pid || ! wait_blocked "$PROGPID" 1; then
		kill -KILL "$RECPID" 2>/dev/null
		finish
		fail "$name: the program never got ready and blocked (rec status $REC_STATUS): $(tr '\n' '|' <"$O/$name.out") $(head -2 "$O/$name.err")"
		return
	fi
	pgid=$(sed 's/.*) //' /proc/"$PROGPID"/stat | awk '{print $3}')
	if [ "$pgid" != "$RECPID" ]; then
		kill -KILL "$RECPID" 2>/dev/null
		finish
		fail "$name: the program's process group is $pgid, not rec's own ($RECPID)"
		return
	fi
	kill -INT -- -"$pgid"
	finish
	check $name 0 '^handler: signal 2 in main$' '^SIGINT received 1 time(s)$' &&
		pass "$name: kill -INT to the process group: the program got SIGINT once, $NREP replays"
}
int_pgrp_case

## A signal while the program computes without syscalls.
# busy_case NAME MODE: sends SIGTERM 50 ms after "ready" (the program is
# then in its loop, state R); the handler's iteration count must replay
# exactly (the signal is delivered at a preemption point replay finds).
busy_case() {
	local name=$1 mode=$2 t0 state
	start "$name" "$mode"
	if ! wait_ready "$name" 1 || ! prog_pid; then
		kill -KILL "$RECPID" 2>/dev/null
		finish
		fail "$name: the program never got ready (rec status $REC_STATUS): $(head -2 "$O/$name.err")"
		return
	fi
	sleep 0.05
	state=$(sed 's/.*) //' /proc/"$PROGPID"/stat | cut -c1)
	kill -TERM "$RECPID"
	finish
	t0=$(date +%s%N)
	check "$name" 0 '^handler: signal 15 in main$' '^signal 15 at iteration [0-9]* (of ' &&
		pass "$name: SIGTERM to rec in a loop without syscalls (state $state): $(grep -m1 '^signal 15 at' "$O/$name.out"), $NREP replays in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}
busy_case term-busy-slow slowbusy
busy_case term-busy busy

## A stop at any moment: SIGTERM, SIGINT, SIGHUP to rec, some sent as soon as
## rec's main has blocked them (SigBlk/SigCgt in /proc), others at random
## moments up to 300 ms later; the program deadlocked (two threads each
## waiting for the other's mutex), computing, blocked in read, or ignoring
## the signal (rec then ends it after its grace time, docs/usage.md).
STOP_BOUND=${STOP_BOUND:-5} # seconds for the whole recording: the hang catcher
stop_bits=$(( (1 << (15 - 1)) | (1 << (2 - 1)) | (1 << (1 - 1)) )) # TERM, INT, HUP

# rec_caught PID: PID is rec (exec'd: not timeout's child before its exec,
# which has timeout's handlers) and blocks or catches SIGTERM, SIGINT and
# SIGHUP (rec's main has begun).
rec_caught() {
	local k v blk=0 cgt=0 name=
	while read -r k v; do
		case $k in Name:) name=$v ;; SigBlk:) blk=0x$v ;; SigCgt:) cgt=0x$v ;; esac
	done 2>/dev/null <"/proc/$1/status"
	[ "$name" = rec ] && [ $(( (blk | cgt) & stop_bits )) = "$stop_bits" ]
}

# stop_case NAME MODE SIG DELAY_MS: the recording of "$PROG MODE", stopped
# with SIG DELAY_MS (0 to 2, or more) after rec blocked the signals (for
# ignore, after the program printed "ready"). Sets
# STOP_MS (from the signal to rec's end); returns 1 after a fail.
stop_case() {
	local name=$1 mode=$2 sig=$3 delay=$4 tpid rpid i st rst t0 want num
	num=$(kill -l "$sig")
	rm -f "$O/$name.fifo" "$O/$name.lz4"
	mkfifo "$O/$name.fifo"
	exec 3<>"$O/$name.fifo"
	timeout -s KILL "$STOP_BOUND" "$BIN/rec" -q -o "$O/$name.lz4" -- "$PROG" "$mode" \
		<"$O/$name.fifo" >"$O/$name.out" 2>"$O/$name.err" 3>&- &
	tpid=$!
	rpid=
	local until=$(( ${EPOCHREALTIME/./} + 10000000 )) # rec has 10 s to start
	local caught=0
	while [ "${EPOCHREALTIME/./}" -lt "$until" ]; do
		[ -z "$rpid" ] && read -r rpid _ 2>/dev/null <"/proc/$tpid/task/$tpid/children"
		[ -n "$rpid" ] && rec_caught "$rpid" && caught=1 && break
		[ -d "/proc/$tpid" ] || break
	done
	# (what the loop saw: asked again, rec_caught said no about 10 ms after
	# a yes, 1 suite run in 3 on one build; not understood)
	if [ "$caught" != 1 ]; then
		kill -KILL "$tpid" 2>/dev/null
		wait "$tpid"
		exec 3>&-
		fail "$name: rec never started or never took SIGTERM, SIGINT and SIGHUP: $(head -2 "$O/$name.err")"
		return 1
	fi
	if [ "$mode" = ignore ]; then # the delay counts from its "ready": it ignores the signal by then
		for i in $(seq 1 200); do
			grep -q '^ready$' "$O/$name.out" 2>/dev/null && break
			read -r -t 0.05 -u 3
		done
	fi
	[ "$delay" -gt 0 ] && read -r -t "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))" -u 3
	t0=${EPOCHREALTIME/./}
	kill -"$sig" "$rpid" 2>/dev/null
	wait "$tpid"
	st=$?
	STOP_MS=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	exec 3>&-
	if [ "$st" = 137 ]; then
		fail "$name: SIG$sig $delay ms after rec began: rec still ran after ${STOP_BOUND} s (killed by the hang catcher): $(tr '\n' '|' <"$O/$name.out") $(head -2 "$O/$name.err")"
		return 1
	fi
	want=$((128 + num))
	if [ "$st" != "$want" ]; then
		fail "$name: SIG$sig $delay ms after rec began: rec exited $st, want $want: $(head -2 "$O/$name.err")"
		return 1
	fi
	if [ "$mode" = ignore ]; then
		if ! grep -q "^rec: thread [0-9]*: rec got SIG$sig and the program did not end within [0-9]* ms: recording stopped$" "$O/$name.err"; then
			fail "$name: SIG$sig ignored by the program: rec did not say it stopped the recording: $(head -2 "$O/$name.err")"
			return 1
		fi
		want=124
	elif [ -s "$O/$name.err" ]; then
		fail "$name: SIG$sig $delay ms after rec began: rec said: $(head -2 "$O/$name.err")"
		return 1
	fi
	timeout -s KILL 60 "$BIN/replay" "$O/$name.lz4" >"$O/$name.replay.out" 2>"$O/$name.replay.err" </dev/null
	rst=$?
	if [ "$rst" != "$want" ]; then
		fail "$name: SIG$sig $delay ms after rec began (rec status $st): replay exited $rst, want $want: $(grep -m1 '^replay: ' "$O/$name.replay.err")"
		return 1
	fi
	if ! cmp -s "$O/$name.out" "$O/$name.replay.out"; then
		fail "$name: SIG$sig $delay ms after rec began: replay printed other output than the recording"
		return 1
	fi
	if [ "$want" != 124 ] && grep -q '^replay: ' "$O/$name.replay.err"; then
		fail "$name: SIG$sig $delay ms after rec began: replay reported: $(grep -m1 '^replay: ' "$O/$name.replay.err")"
		return 1
	fi
	if [ "$want" = 124 ] && ! grep -q '^replay: the recording stopped at event [0-9]*: .*recording stopped$' "$O/$name.replay.err"; then
		fail "$name: SIG$sig: replay did not say the recording was stopped: $(head -2 "$O/$name.replay.err")"
		return 1
	fi
	return 0
}

# stop_mode NAME MODE: each signal, once 0-2 ms after rec began and once at a
# random moment up to 300 ms.
stop_mode() {
	local name=$1 mode=$2 sig delay max=0 n=0 delays=
	[ -x "$PROG" ] || { fail "$name: $PROG not built"; return; }
	for sig in TERM INT HUP; do
		for delay in $((RANDOM % 3)) $((RANDOM % 300)); do
			stop_case "$name" "$mode" "$sig" "$delay" || return
			n=$((n + 1))
			delays="$delays $sig@${delay}"
			[ "$STOP_MS" -gt "$max" ] && max=$STOP_MS
		done
	done
	pass "$name: $n stops of rec ($delays ms): rec exited with 128+N at most $max ms after the signal, each trace replayed"
}

stop_mode stop-deadlock deadlock
stop_mode stop-compute compute
stop_mode stop-blocked nohandler
stop_mode stop-ignore ignore

# SIGKILL from outside to the program itself (rec cannot be asked: nothing
# catches SIGKILL) while its threads are deadlocked or blocked in read: rec
# exits 137 and the trace replays to the same death, $REPLAYS times.
kill_program() {
	local name=$1 mode=$2 rpid cpid i st rst
	rm -f "$O/$name.lz4" "$O/$name.fifo"
	mkfifo "$O/$name.fifo"
	exec 3<>"$O/$name.fifo"
	timeout -s KILL 20 "$BIN/rec" -q -o "$O/$name.lz4" -- "$PROG" "$mode" <"$O/$name.fifo" >"$O/$name.out" 2>"$O/$name.err" 3>&- &
	rpid=$!
	for i in $(seq 1 500); do
		grep -q ready "$O/$name.out" 2>/dev/null && break
		sleep 0.02
	done
	local recpid=
	read -r recpid _ 2>/dev/null <"/proc/$rpid/task/$rpid/children" # timeout's child: rec
	[ -n "$recpid" ] && read -r cpid _ 2>/dev/null <"/proc/$recpid/task/$recpid/children" # rec's: the program
	[ -n "$cpid" ] && kill -KILL "$cpid"
	wait "$rpid"
	st=$?
	exec 3>&-
	if [ -z "$cpid" ] || [ "$st" != 137 ]; then
		fail "$name: rec exited $st after SIGKILL to the program ${cpid:-(not found)}: $(head -1 "$O/$name.err")"
		return
	fi
	for i in $(seq 1 "$REPLAYS"); do
		timeout -s KILL 60 "$BIN/replay" "$O/$name.lz4" >"$O/$name.replay.out" 2>"$O/$name.replay.err" </dev/null
		rst=$?
		if [ "$rst" != 137 ] || ! cmp -s "$O/$name.out" "$O/$name.replay.out"; then
			fail "$name: replay $i exited $rst (want 137): $(grep -m1 '^replay: ' "$O/$name.replay.err")"
			return
		fi
	done
	pass "$name: SIGKILL to the program (sig_outside $mode: threads deadlocked or blocked): rec 137, $REPLAYS replays 137"
}
kill_program kill9-deadlock deadlock
kill_program kill9-blocked threads
## timeout(1) around rec while the program hangs, as a user runs it: timeout
## sends SIGTERM to rec and to its process group once the second is over.
## tests/capture/hang: a mutex deadlock, threads blocked in read or
## nanosleep, spinners, all at once. Each of TERM_RUNS (20) runs: rec must
## end within 2.5 s of the start (timeout's SIGKILL 5 s later is the hang
## catcher: status 137), leave a trace, and the trace must replay with the
## status it recorded and the same output.
term_hangs() {
	local hang=${CBIN:-$(dirname "$TBIN")/capture}/hang modes=(mutex read sleep spin mixed) i mode st rst want ms t0 max=0
	[ -x "$hang" ] || { fail "term-hang: $hang not built"; return; }
	for i in $(seq 1 "${TERM_RUNS:-20}"); do
		mode=${modes[$((i % 5))]}
		rm -f "$O/th.lz4"
		t0=${EPOCHREALTIME/./}
		timeout -k 5 1 "$BIN/rec" -q -o "$O/th.lz4" "$hang" "$mode" >"$O/th.out" 2>"$O/th.err" </dev/null
		st=$?
		ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
		[ "$ms" -gt "$max" ] && max=$ms
		if [ "$st" = 137 ] || [ "$ms" -gt 2500 ]; then
			fail "term-hang: run $i ($mode): rec took $ms ms after timeout's SIGTERM at 1 s (status $st): $(head -1 "$O/th.err")"
			return
		fi
		if [ ! -s "$O/th.lz4" ] || ! grep -q '^ready$' "$O/th.out"; then
			fail "term-hang: run $i ($mode): no trace, or the program never hung: $(tr '\n' '|' <"$O/th.out") $(head -1 "$O/th.err")"
			return
		fi
		want=$("$BIN/replay" --info --json "$O/th.lz4" | sed -n 's/.*"exit":\([0-9]*\).*/\1/p')
		[ "$want" -ge 124 ] 2>/dev/null && "$BIN/replay" --info "$O/th.lz4" | grep -q '^note .*recording stopped' && want=124
		timeout -s KILL 60 "$BIN/replay" "$O/th.lz4" >"$O/th.rout" 2>"$O/th.rerr" </dev/null
		rst=$?
		if [ -z "$want" ] || [ "$rst" != "$want" ] || ! cmp -s "$O/th.out" "$O/th.rout"; then
			fail "term-hang: run $i ($mode): replay exited $rst, the recording says ${want:-nothing}: $(head -1 "$O/th.rerr")"
			return
		fi
	done
	pass "term-hang: ${TERM_RUNS:-20} runs of timeout 1 rec hang (mutex, read, sleep, spin, mixed): rec ended within $max ms each, every trace replayed with its recorded status and output"
}
term_hangs

## No process left behind (issue 11): whatever ends rec, every process of
## the recording is gone. tests/programs/proc_leftover stuck: processes
## that ignore SIGTERM, SIGINT, SIGHUP, blocked in pause or read, computing,
## in a loop of nanosleep, one in a process group of its own; with
## "untraced", also one created with CLONE_UNTRACED (LeakSanitizer's
## stop-the-world does so: rec then left it running, orphaned, spinning).
## Each writes its pid to a file; after rec ends, none may be left (a
## zombie is not left: in some containers nothing reaps orphans).
LEFT=$TBIN/proc_leftover

# replays_same NAME WANT: $REPLAYS replays of $O/NAME.lz4 exit WANT, print
# what the recording did and say nothing ("replay: "); else one fail, 1.
replays_same() {
	local name=$1 want=$2 i st
	for i in $(seq 1 "$REPLAYS"); do
		timeout -s KILL 60 "$BIN/replay" "$O/$name.lz4" >"$O/$name.replay.out" 2>"$O/$name.replay.err" </dev/null
		st=$?
		if [ "$st" != "$want" ] || ! cmp -s "$O/$name.out" "$O/$name.replay.out" || grep -q '^replay: ' "$O/$name.replay.err"; then
			fail "$name: replay $i exited $st (want $want): $(head -1 "$O/$name.replay.err")"
			return 1
		fi
	done
}


# alive_pids FILE: the pids in FILE still running (not zombies), in ALIVE,
# after waiting up to 5 s for them to go.
alive_pids() {
	local p i st
	for i in $(seq 1 50); do
		ALIVE=
		for p in $(sort -u "$1"); do
			st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
			[ -n "$st" ] && [ "$st" != Z ] && ALIVE="$ALIVE $p"
		done
		[ -z "$ALIVE" ] && return 0
		sleep 0.1
	done
	return 1
}

# leftover_case NAME HOW WANT [untraced]: records "proc_leftover stuck",
# waits for its "ready", ends rec by HOW (TERM, INT, HUP, KILL: that signal
# to rec's pid; fail: the trace is a fifo whose reader then goes away, a
# recording error; timeout: rec --timeout 2), then checks rec's status
# (WANT) and that no pid of the recording is left.
leftover_case() {
	local name=$1 how=$2 want=$3 mode=${4:-} tpid rpid cpid= st i n trace=$O/$1.lz4 opts=
	[ -x "$LEFT" ] || { fail "$name: $LEFT not built"; return; }
	rm -f "$O/$name.pids" "$O/$name.fifo" "$trace"
	if [ "$how" = fail ]; then
		trace=$O/$name.fifo
		mkfifo "$trace"
		cat "$trace" >/dev/null &
		cpid=$!
	fi
	[ "$how" = timeout ] && opts="--timeout 2"
	# shellcheck disable=SC2086
	timeout -s KILL 30 "$BIN/rec" -q $opts -o "$trace" -- "$LEFT" stuck "$O/$name.pids" $mode \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null &
	tpid=$!
	for i in $(seq 1 200); do
		grep -q '^ready$' "$O/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	read -r rpid _ 2>/dev/null <"/proc/$tpid/task/$tpid/children"
	n=$(sort -u "$O/$name.pids" 2>/dev/null | wc -l)
	if ! grep -q '^ready$' "$O/$name.out" || [ -z "$rpid" ]; then
		kill -KILL "$tpid" ${cpid:+"$cpid"} 2>/dev/null
		wait "$tpid"
		fail "$name: the program never got ready (rec ${rpid:-not found}): $(head -2 "$O/$name.err")"
		return
	fi
	case $how in
	fail) kill "$cpid" ;;
	timeout) ;;
	*) kill -"$how" "$rpid" ;;
	esac
	wait "$tpid" 2>/dev/null
	st=$?
	[ -n "$cpid" ] && { kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; }
	if ! alive_pids "$O/$name.pids"; then
		fail "$name: rec ended by $how (status $st): processes of the recording still run 5 s later:$ALIVE ($(for p in $ALIVE; do tr '\0' ' ' <"/proc/$p/cmdline"; echo -n "; "; done))"
		kill -KILL $ALIVE 2>/dev/null
		return
	fi
	if [ "$st" != "$want" ]; then
		fail "$name: rec ended by $how exited $st, want $want: $(head -2 "$O/$name.err")"
		return
	fi
	pass "$name: rec ended by $how (status $st) with $n processes of the recording${mode:+ (one $mode)} stuck: none left"
}
leftover_case left-term TERM 143
leftover_case left-int INT 130
leftover_case left-hup HUP 129
leftover_case left-kill KILL 137
leftover_case left-fail fail 125
leftover_case left-timeout timeout 124
leftover_case left-term-untraced TERM 143 untraced
leftover_case left-fail-untraced fail 125 untraced
leftover_case left-timeout-untraced timeout 124 untraced

# The first process makes an untraced one (CLONE_UNTRACED) and exits: the
# untraced process, orphaned, must not outlive the recording.
orphan_case() {
	local name=left-orphan st
	[ -x "$LEFT" ] || { fail "$name: $LEFT not built"; return; }
	rm -f "$O/$name.pids"
	timeout -s KILL 30 "$BIN/rec" -q -o "$O/$name.lz4" -- "$LEFT" orphan "$O/$name.pids" \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null
	st=$?
	if [ ! -s "$O/$name.pids" ]; then
		fail "$name: rec exited $st, no pid written: $(head -2 "$O/$name.err")"
	elif ! alive_pids "$O/$name.pids"; then
		fail "$name: rec exited $st, the untraced process the program made still runs 5 s later:$ALIVE"
		kill -KILL $ALIVE 2>/dev/null
	else
		pass "$name: rec exited $st, the untraced process the program made before it exited is gone"
	fi
}
orphan_case

## A signal other than those that stop the recording, sent to rec's pid
## from outside (kill -USR1): passed on to the program, whose trap exits 0;
## rec goes on recording and exits 0 (it died of SIGUSR1 before).
usr1_case() {
	local name=usr1-rec st i
	rm -f "$O/$name.lz4"
	timeout -s KILL 30 "$BIN/rec" -q -o "$O/$name.lz4" -- bash -c \
		'trap "echo got USR1; exit 0" USR1; echo ready; while :; do sleep 0.1; done' \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null &
	local tpid=$! rpid=
	for i in $(seq 1 200); do
		grep -q '^ready$' "$O/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	read -r rpid _ 2>/dev/null <"/proc/$tpid/task/$tpid/children"
	[ -n "$rpid" ] && kill -USR1 "$rpid"
	wait "$tpid" 2>/dev/null
	st=$?
	if [ "$st" != 0 ] || ! grep -q '^got USR1$' "$O/$name.out" || [ -s "$O/$name.err" ]; then
		fail "$name: kill -USR1 to rec (${rpid:-not found}): rec exited $st (want 0): $(head -2 "$O/$name.err") output: $(tr '\n' '|' <"$O/$name.out")"
		return
	fi
	replays_same "$name" 0 || return
	pass "$name: kill -USR1 to rec's pid reached the program's trap, rec 0, $REPLAYS replays"
}
usr1_case

## The program's first process exits while a daemon it started sleeps:
## rec ends the recording then (the daemon killed, its end in the trace),
## and the trace replays; with --wait-all rec waits for the daemon (which
## creates PIDFILE.done before it exits).
daemon_case() {
	local name=$1 secs=$2 opt=${3:-} st i
	[ -x "$LEFT" ] || { fail "$name: $LEFT not built"; return; }
	rm -f "$O/$name.pids" "$O/$name.pids.done" "$O/$name.lz4"
	# shellcheck disable=SC2086
	timeout -s KILL 60 "$BIN/rec" -q $opt -o "$O/$name.lz4" -- "$LEFT" daemon "$O/$name.pids" "$secs" \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null
	st=$?
	if [ "$st" != 0 ] || [ -s "$O/$name.err" ]; then
		fail "$name: rec exited $st (want 0, the first process's status): $(head -2 "$O/$name.err")"
		kill -KILL $(cat "$O/$name.pids" 2>/dev/null) 2>/dev/null
		return
	fi
	if [ -z "$opt" ]; then
		if ! alive_pids "$O/$name.pids"; then
			fail "$name: the program's first process exited, rec ended, its daemon still runs:$ALIVE"
			kill -KILL $ALIVE 2>/dev/null
			return
		fi
		if [ -e "$O/$name.pids.done" ]; then
			fail "$name: the daemon ran to its end ($secs s): rec waited for it"
			return
		fi
	elif [ ! -e "$O/$name.pids.done" ]; then
		fail "$name: with $opt rec ended before the daemon did"
		return
	fi
	replays_same "$name" 0 || return
	pass "$name: a daemon sleeping $secs s ${opt:-killed when the first process exited}: $(replay_exits "$O/$name.lz4"), $REPLAYS replays"
}
# replay_exits TRACE: how the trace's processes ended, from replay --info.
replay_exits() {
	"$BIN/replay" --info "$1" 2>/dev/null | sed -n 's/^  exit *\([0-9]*\)$/\1 process ends recorded/p'
}
daemon_case daemon-end 30
daemon_case daemon-wait-all 1 --wait-all

## Signals the program sends to its own process group, which rec shares
## (rec in a session of its own: setsid): tests/programs/sig_pgrp sends 13
## (SIGUSR1, SIGABRT, SIGTRAP, SIGTERM, SIGTSTP...) with handlers in two
## processes, each must take each once (rec survives them and passes none
## on again), then ends by kill(0, SIGABRT) or kill(0, SIGUSR1) with the
## default action: rec exits as the program did, 134 or 138, and replays.
pgrp_case() {
	local name=$1 end=$2 want=$3 sig=$4 st i
	local prog=$TBIN/sig_pgrp
	[ -x "$prog" ] || { fail "$name: $prog not built"; return; }
	rm -f "$O/$name.lz4"
	timeout -s KILL 60 setsid "$BIN/rec" -q -o "$O/$name.lz4" -- "$prog" group "$end" \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null
	st=$?
	if [ "$st" != "$want" ] || [ -s "$O/$name.err" ] || ! grep -q '^each signal once$' "$O/$name.out"; then
		fail "$name: rec exited $st (want $want): $(head -2 "$O/$name.err") output: $(tr '\n' '|' <"$O/$name.out")"
		return
	fi
	replays_same "$name" "$want" || return
	pass "$name: 13 signals to the program's process group, rec's too, each taken once by both processes, then ${sig:-exit 0}: rec $want, $REPLAYS replays"
}
pgrp_case pgrp-abort abort 134 'kill(0, SIGABRT)'
pgrp_case pgrp-usr1 usr1 138 'kill(0, SIGUSR1)'
pgrp_case pgrp-exit exit 0

# rec --until-fail: its coordinating process shares the group too.
pgrp_until_fail() {
	local name=pgrp-until-fail prog=$TBIN/sig_pgrp st
	[ -x "$prog" ] || { fail "$name: $prog not built"; return; }
	rm -f "$O/$name.lz4"
	timeout -s KILL 60 setsid "$BIN/rec" --until-fail=2 -o "$O/$name.lz4" -- "$prog" group usr1 \
		>"$O/$name.out" 2>"$O/$name.err" </dev/null
	st=$?
	if [ "$st" != 138 ] || ! grep -q '^rec: run 1 failed (killed by SIGUSR1) after 1 runs; trace written to' "$O/$name.err"; then
		fail "$name: rec --until-fail exited $st (want 138): $(head -2 "$O/$name.err")"
		return
	fi
	timeout -s KILL 60 "$BIN/replay" "$O/$name.lz4" >"$O/$name.replay.out" 2>"$O/$name.replay.err" </dev/null
	st=$?
	if [ "$st" != 138 ] || ! cmp -s "$O/$name.out" "$O/$name.replay.out"; then
		fail "$name: replay exited $st (want 138): $(head -1 "$O/$name.replay.err")"
		return
	fi
	pass "$name: rec --until-fail survived the program's 13 signals to its group, kept run 1 (killed by kill(0, SIGUSR1)), which replays"
}
pgrp_until_fail

## Job control: the program stops its process group with kill(0, SIGSTOP)
## (rec stops with it) or kill(0, SIGTSTP) (default action: the program
## stops, rec, which ignores its group's signals, goes on); a SIGCONT to the
## group (as a shell's fg) lets them go on: rec must not be wedged, the
## program prints "continued", and the trace replays.
pgrp_stop_case() {
	local name=pgrp-$1 sig=$1 prog=$TBIN/sig_pgrp rpid cpid= i st state= who=rec
	[ -x "$prog" ] || { fail "$name: $prog not built"; return; }
	rm -f "$O/$name.lz4"
	# (a process group of its own in this session, as a shell's job: not an
	# orphaned group, which the kernel does not stop on SIGTSTP)
	set -m
	"$BIN/rec" -q -o "$O/$name.lz4" -- "$prog" group "$sig" >"$O/$name.out" 2>"$O/$name.err" </dev/null &
	rpid=$!
	set +m
	[ "$sig" = tstp ] && who=program
	for i in $(seq 1 200); do
		[ -z "$cpid" ] && read -r cpid _ 2>/dev/null <"/proc/$rpid/task/$rpid/children"
		if [ "$sig" = stop ]; then
			state=$(sed 's/.*) //' "/proc/$rpid/stat" 2>/dev/null | cut -c1)
		elif [ -n "$cpid" ]; then
			state=$(sed 's/.*) //' "/proc/$cpid/stat" 2>/dev/null | cut -c1)
		fi
		# (a stopped tracee under PTRACE_LISTEN shows t)
		case $state in T|t) grep -q '^each signal once$' "$O/$name.out" && break ;; esac
		sleep 0.05
	done
	kill -CONT -- -"$rpid" 2>/dev/null
	# Watchdog: a recording still running after 30 s is killed.
	(for _ in $(seq 1 150); do kill -0 "$rpid" 2>/dev/null || exit 0; sleep 0.2; done
	 kill -KILL "$rpid" 2>/dev/null) &
	local watchdog=$!
	wait "$rpid"
	st=$?
	wait "$watchdog" 2>/dev/null
	if [ "$st" != 0 ] || ! grep -q '^continued$' "$O/$name.out"; then
		fail "$name: after kill(0, SIG${sig^^}) and SIGCONT to the group (the $who's state was ${state:-?}): rec exited $st: $(head -2 "$O/$name.err") output: $(tr '\n' '|' <"$O/$name.out")"
		return
	fi
	replays_same "$name" 0 || return
	pass "$name: kill(0, SIG${sig^^}) stopped the $who (state $state), SIGCONT to the group: rec 0, $REPLAYS replays"
}
pgrp_stop_case stop
pgrp_stop_case tstp
exit 0
