# tests/suite-gdb.sh - debugging a replay in gdb (docs/debugging.md): real gdb
# in batch mode (tests/gdb/*.gdb) against `replay --gdbserver` on a free
# port; each test asserts what gdb prints. The program debugged is a copy of
# tests/programs/gdb_sample removed before any session: gdb reads it and its
# libraries from the trace.
. tests/lib.sh
D=$TMPD/gdb
mkdir -p "$D"
if ! command -v gdb >/dev/null; then
	fail "gdb: gdb is not installed ('make deps' installs it)"
	exit 0
fi
cp "$TBIN/gdb_sample" "$D/sample"
timeout 60 "$BIN/rec" -q -o "$D/ok.lz4" -- "$D/sample" >"$D/ok.rec.out" 2>/dev/null
ok_status=$?
timeout 60 "$BIN/rec" -q -o "$D/crash.lz4" -- "$D/sample" crash >"$D/crash.rec.out" 2>/dev/null
crash_status=$?
rm -f "$D/sample"
rec_pid=$("$BIN/replay" --dump "$D/ok.lz4" | sed -n 's/.* exec *tid \([0-9]*\) .*/\1/p' | head -1)

# server_start NAME TRACE: `replay --gdbserver 0 $SARGS TRACE` (a free port)
# in the background, its stdout and stderr in $D/NAME.out and $D/NAME.err;
# sets port and pid. server_wait NAME: its exit status into $D/NAME.status.
SARGS=
server_start() {
	local name=$1 trace=$2 i
	# shellcheck disable=SC2086
	timeout -k 5 60 "$BIN/replay" --gdbserver 0 $SARGS "$trace" >"$D/$name.out" 2>"$D/$name.err" </dev/null &
	pid=$!
	port=
	for i in $(seq 200); do
		port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$D/$name.err" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
}
server_wait() {
	wait "$pid"
	echo $? >"$D/$1.status"
}

# gdb_run NAME TRACE SCRIPT: gdb -batch running SCRIPT against a server;
# gdb's output goes to $D/NAME.gdb.
gdb_run() {
	server_start "$1" "$2"
	timeout 60 gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off' \
		-ex "target extended-remote :$port" -x "$3" >"$D/$1.gdb" 2>&1 </dev/null
	server_wait "$1"
}

# expect NAME FILE REGEX...: every extended regex must match a line of FILE.
expect() {
	local name=$1 file=$2 re
	shift 2
	for re in "$@"; do
		if ! grep -Eq -- "$re" "$file"; then
			fail "$name: gdb did not print /$re/ ($file)"
			return 1
		fi
	done
	pass "$name"
}

# The replay after gdb went: exactly the recording's output and status, and
# no message but the port and a refused breakpoint.
expect_recorded_end() {
	local name=$1 rec_out=$2 want=$3 got quiet='listening on port|inside code replay patched|the function gdb called makes a syscall'
	got=$(cat "$D/$name.status")
	if [ "$got" != "$want" ]; then
		fail "$name-end: replay exited $got, the recording $want: $(grep -Ev "$quiet" "$D/$name.err" | grep -m1 '^replay: ')"
	elif ! cmp -s "$rec_out" "$D/$name.out"; then
		fail "$name-end: replay printed other output than the recording ($D/$name.out)"
	elif grep -Ev "$quiet" "$D/$name.err" | grep -q '^replay: '; then
		fail "$name-end: replay reported: $(grep -Ev "$quiet" "$D/$name.err" | grep -m1 '^replay: ')"
	else
		pass "$name-end (status $got, output as recorded)"
	fi
}

gdb_run break "$D/ok.lz4" tests/gdb/break.gdb
expect gdb-break "$D/break.gdb" '^Breakpoint 1, area \(p=.*scale=.*\) at .*gdb_sample.c:[0-9]+' \
	'^#1 +0x[0-9a-f]+ in main \(' '^w = ' '^\$1 = \{x = 3, y = 4, name = 0x[0-9a-f]+ "origin"\}' \
	'^Value returned is \$[0-9]+ = 48'
expect gdb-symbols-from-trace "$D/break.gdb" '^Reading symbols from target:.*/sample' \
	'Reading .*libc.so.6 from remote target'
expect gdb-registers "$D/break.gdb" '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\+[0-9]+>' '^eflags +0x[0-9a-f]+ +\[ .*\]'
if grep -qw avx /proc/cpuinfo; then
	expect gdb-avx "$D/break.gdb" '^\$[0-9]+ = \{(-?[0-9]+, ){7}-?[0-9]+\}'
fi
expect gdb-next-syscall "$D/break.gdb" '^Breakpoint 2, say \(' '^[0-9]+	.*= write\(1, s, strlen\(s\)\);' \
	'^[0-9]+		\(void\)n;|^[0-9]+	\}'
expect gdb-monitor-when "$D/break.gdb" '^Current event: [0-9]+'
expect gdb-detach "$D/break.gdb" '^\[Inferior 1 \(process [0-9]+\) detached\]'
expect_recorded_end break "$D/ok.rec.out" "$ok_status"

gdb_run step "$D/ok.lz4" tests/gdb/step_syscall.gdb
expect gdb-step-syscall "$D/step.gdb" '^at syscall: 1' '^after syscall: rax=18 advanced=2' \
	'^back at syscall: 1' \
	'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end step "$D/ok.rec.out" "$ok_status"

gdb_run threads "$D/ok.lz4" tests/gdb/threads.gdb
expect gdb-threads "$D/threads.gdb" "^\\* 1 +Thread $rec_pid\\.$rec_pid \"sample\" checkpoint" \
	'^  3 +Thread [0-9]+\.[0-9]+ "worker"' '^Thread 3 \(Thread' '^Thread 2 \(Thread' \
	'^#[0-9] +0x[0-9a-f]+ in worker \(' '^thread1 pc in checkpoint: 1' '^thread2 pc in checkpoint: 0' \
	'^\[Switching to thread 2 '
if [ "$(grep -Ec '^#[0-9] +0x[0-9a-f]+ in worker \(' "$D/threads.gdb")" != 2 ]; then
	fail "gdb-threads-bt: want worker() in the backtraces of 2 threads ($D/threads.gdb)"
else
	pass "gdb-threads-bt"
fi

gdb_run watch "$D/ok.lz4" tests/gdb/watch.gdb
expect gdb-watch "$D/watch.gdb" '^Hardware watchpoint 1: counter' '^Old value = 0' '^New value = 5' \
	'^Old value = 5' '^New value = 12' 'in bump \(by=.*7\)'
expect_recorded_end watch "$D/ok.rec.out" "$ok_status"

gdb_run syswatch "$D/ok.lz4" tests/gdb/syscall_watch.gdb
expect gdb-watch-syscall "$D/syswatch.gdb" '^Old value = 0' '^New value = 27503' 'in (__GI___libc_read|read) ' \
	'^#1 +0x[0-9a-f]+ in main \('
expect_recorded_end syswatch "$D/ok.rec.out" "$ok_status"

gdb_run crash "$D/crash.lz4" tests/gdb/crash.gdb
expect gdb-crash "$D/crash.gdb" '^Program received signal SIGSEGV' '^crash_here \(p=' \
	'^#1 +0x[0-9a-f]+ in main \(' '^\$1 = 11$' '^\$2 = \(void \*\) 0x0$' \
	'^Program terminated with signal SIGSEGV'
expect_recorded_end crash "$D/crash.rec.out" "$crash_status"

# Reverse execution (gdb_reverse.c): re-execution from the start to the
# last hit before the current position; the program's output is printed
# once whatever gdb does, and the replay ends as recorded.
gdb_run rwatch "$D/ok.lz4" tests/gdb/reverse_watch.gdb
expect gdb-reverse-watch "$D/rwatch.gdb" '^Old value = 12' '^New value = 5' '^back once: counter=5$' \
	'^back twice: counter=0$' '^[0-9]+	+counter = counter \+ by;'
expect gdb-reverse-begin "$D/rwatch.gdb" '^No more reverse-execution history\.' \
	'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end rwatch "$D/ok.rec.out" "$ok_status"

gdb_run rcrash "$D/crash.lz4" tests/gdb/reverse_crash.gdb
expect gdb-reverse-crash "$D/rcrash.gdb" '^Program received signal SIGSEGV' \
	'^main \(argc=2, .*gdb_sample\.c:[0-9]+$' '^[0-9]+			crash_here\(NULL\);' \
	'^back to bump: by=7 counter=5$' '^back to bump: by=5 counter=0$' \
	'^Program terminated with signal SIGSEGV'
expect_recorded_end rcrash "$D/crash.rec.out" "$crash_status"

gdb_run rnext "$D/ok.lz4" tests/gdb/reverse_next.gdb
expect gdb-reverse-next "$D/rnext.gdb" '^25	+volatile int h = p->y \* scale;' \
	'^(Run till exit|0x[0-9a-f]+ in main \(argc=1)' '^63	+int a = area\(&origin, 2\);' \
	'^64	+snprintf' '^a=48$' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
lines=$(grep -E '^[0-9]+	' "$D/rnext.gdb" | awk '{printf "%s ", $1}')
if [ "$lines" != "24 25 26 25 63 64 65 64 " ]; then
	fail "gdb-reverse-next-lines: lines shown $lines, want 24 25 26 25 63 64 65 64 ($D/rnext.gdb)"
else
	pass "gdb-reverse-next-lines (24 25 26, back to 25, out to 63, 64 65, back to 64)"
fi
expect_recorded_end rnext "$D/ok.rec.out" "$ok_status"

gdb_run rmon "$D/ok.lz4" tests/gdb/reverse_monitor.gdb
expect gdb-reverse-monitor "$D/rmon.gdb" '^Checkpoint 1 at event [0-9]+' '^later: by=7$' \
	'^At checkpoint 1 \(event [0-9]+\)' '^restarted: by=5 counter=0$' '^At the end of event 5$' \
	'^Current event: 5$' '^restarted again: by=5$' '^no checkpoint 9' \
	'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end rmon "$D/ok.rec.out" "$ok_status"

# Four threads write one counter: three sessions in a row answer alike, and
# each reverse-continue lands in the thread that made the write.
timeout 60 "$BIN/rec" -q -o "$D/thr.lz4" -- "$TBIN/gdb_threads" >"$D/thr.rec.out" 2>/dev/null
thr_status=$?
for i in 1 2 3; do
	gdb_run "rthr$i" "$D/thr.lz4" tests/gdb/reverse_threads.gdb
done
val() { sed -n "s/^$1 arg=\([0-9]*\) total=\([0-9]*\)\$/\1 \2/p" "$D/rthr1.gdb"; }
read -r a1 t1 <<<"$(val fwd1)"; read -r a2 t2 <<<"$(val fwd2)"; read -r a3 t3 <<<"$(val fwd3)"
read -r r1a r1t <<<"$(val rev1)"; read -r r2a r2t <<<"$(val rev2)"
if [ -z "$t1" ] || [ -z "$r2t" ] || [ "$a2" = "$a3" ] || [ "$r1a $r1t" != "$a3 $t2" ] || [ "$r2a $r2t" != "$a2 $t1" ]; then
	fail "gdb-reverse-threads: forward ($a1 $t1, $a2 $t2, $a3 $t3), back ($r1a $r1t, $r2a $r2t) ($D/rthr1.gdb)"
else
	pass "gdb-reverse-threads (back across thread switches: $a3 then $a2)"
fi
if cmp -s <(grep -v 'Remote debugging using' "$D/rthr1.gdb") <(grep -v 'Remote debugging using' "$D/rthr2.gdb") &&
	cmp -s <(grep -v 'Remote debugging using' "$D/rthr1.gdb") <(grep -v 'Remote debugging using' "$D/rthr3.gdb"); then
	pass "gdb-reverse-threads-deterministic (three sessions print the same)"
else
	fail "gdb-reverse-threads-deterministic: sessions differ ($D/rthr[123].gdb)"
fi
expect_recorded_end rthr3 "$D/thr.rec.out" "$thr_status"

# Checkpoints of the replay (replay_checkpoint.c), taken every few events
# here (HEISEN_CKPT_EVERY; -1: none): reverse execution starts from the
# latest one before its target, reverse-continue scans back span by span;
# the answers are those of re-execution from the start.
HEISEN_CKPT_EVERY=2 gdb_run rthrc "$D/thr.lz4" tests/gdb/reverse_threads.gdb
if ! grep -q '^rev2 arg=' "$D/rthrc.gdb" ||
	! cmp -s <(grep -v 'Remote debugging using' "$D/rthr1.gdb") <(grep -v 'Remote debugging using' "$D/rthrc.gdb"); then
	fail "gdb-ckpt-threads: with a checkpoint every 2 events gdb printed otherwise ($D/rthrc.gdb, $D/rthr1.gdb)"
else
	pass "gdb-ckpt-threads (four threads, a checkpoint every 2 events: as without)"
fi
expect_recorded_end rthrc "$D/thr.rec.out" "$thr_status"

timeout 60 "$BIN/rec" -q -o "$D/ckpt.lz4" -- "$TBIN/gdb_ckpt" >"$D/ckpt.rec.out" 2>/dev/null
ckpt_status=$?
HEISEN_CKPT_EVERY=10 gdb_run rckpt "$D/ckpt.lz4" tests/gdb/reverse_ckpt.gdb
HEISEN_CKPT_EVERY=-1 gdb_run rckpt0 "$D/ckpt.lz4" tests/gdb/reverse_ckpt.gdb
ck() { sed -n "s/^$1: by=\([0-9]*\).* total=\([0-9]*\)\$/\1 \2/p" "$D/rckpt.gdb"; }
read -r lb lt <<<"$(ck late)"; read -r b1 t1 <<<"$(ck back1)"; read -r b2 t2 <<<"$(ck back2)"
read -r f1 ft1 <<<"$(ck first)"; read -r f2 ft2 <<<"$(ck first2)"
if [ -z "$ft2" ] || ! [ "$t2" -lt "$t1" ] || ! [ "$t1" -le "$lt" ] || ! [ "$ft2" -lt "$ft1" ] || ! [ "$ft1" -lt "$t2" ] ||
	[ "$f1" = "$f2" ] || ! grep -Eq '^back1: by=[0-9]+ round=[0-9]+ now=([0-9]+) total=\1$' "$D/rckpt.gdb"; then
	fail "gdb-ckpt-reverse: late ($lb $lt), back ($b1 $t1, $b2 $t2), first ($f1 $ft1, $f2 $ft2) ($D/rckpt.gdb)"
elif ! grep -Eq '^The last re-execution began at the snapshot of event [1-9]' "$D/rckpt.gdb"; then
	fail "gdb-ckpt-reverse: re-execution did not start from a checkpoint ($D/rckpt.gdb)"
elif ! cmp -s <(grep -Ev 'Remote debugging using|^Events known|^Snapshots|^The last re-exec' "$D/rckpt.gdb") \
	<(grep -Ev 'Remote debugging using|^Events known|^Snapshots|^The last re-exec' "$D/rckpt0.gdb"); then
	fail "gdb-ckpt-reverse: with checkpoints gdb printed otherwise than without ($D/rckpt.gdb, $D/rckpt0.gdb)"
else
	pass "gdb-ckpt-reverse (back after the last checkpoint, and to hits only before it, as without checkpoints)"
fi
expect_recorded_end rckpt "$D/ckpt.rec.out" "$ckpt_status"

# What replay learned while breakpoints and watchpoints were armed
# (gdb_cov.c): reverse-continue skips the events known free of every one
# set, and lands where full scans (no checkpoints: every scan from the
# start) land: back to the start past a breakpoint hit only here, to the
# last hit long before, to a write long before, and to the write a syscall
# (clock_gettime) made, stopped at its syscall instruction.
HEISEN_CKPT_EVERY=10 gdb_run rknown "$D/ckpt.lz4" tests/gdb/reverse_known.gdb
HEISEN_CKPT_EVERY=-1 gdb_run rknown0 "$D/ckpt.lz4" tests/gdb/reverse_known.gdb
kv() { sed -n "s/^$1: by=//p" "$D/rknown.gdb" | head -1; }
known_re='^Events known free of a breakpoint or watchpoint: [1-9][0-9]*; reverse-continue skipped [1-9][0-9]*$'
if [ -z "$(kv f3)" ] || [ "$(kv 'back f3')" != "$(kv f3)" ] || [ "$(kv 'back f2')" != "$(kv f2)" ] ||
	[ "$(kv 'back f1')" != "$(kv f1)" ]; then
	fail "gdb-reverse-known: back to first_round's hits otherwise than forward ($D/rknown.gdb)"
elif ! grep -A1 '^begin$' "$D/rknown.gdb" | grep -Eq "$known_re"; then
	fail "gdb-reverse-known: reverse-continue skipped nothing ($D/rknown.gdb)"
elif ! cmp -s <(grep -Ev 'Remote debugging using|^Events known|^Snapshots|^The last re-exec' "$D/rknown.gdb") \
	<(grep -Ev 'Remote debugging using|^Events known|^Snapshots|^The last re-exec' "$D/rknown0.gdb"); then
	fail "gdb-reverse-known: skipping, gdb printed otherwise than with full scans ($D/rknown.gdb, $D/rknown0.gdb)"
else
	expect gdb-reverse-known "$D/rknown.gdb" '^No more reverse-execution history\.' '^begin$' '^before f1$' \
		'^back: phase=0$' '^stamp back: phase=0$' '^=> 0x[0-9a-f]+ <[_A-Za-z]*clock_gettime[^>]*>:[[:space:]]+syscall' \
		'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
fi
expect_recorded_end rknown "$D/ckpt.rec.out" "$ckpt_status"

# monitor checkpoint at an event's end snapshots the replay there; monitor
# restart goes back to it, and the run from it is the same again.
ev=$("$BIN/replay" --dump "$D/ckpt.lz4" | awk '/clock_nanosleep/ && ++n == 40 {print $1}')
cat >"$D/ckmon.script" <<EOS
monitor goto $ev
maint flush register-cache
monitor checkpoint
break noted
continue
printf "after: by=%ld round=%d now=%ld\n", by, round, now
continue
printf "after2: by=%ld round=%d now=%ld\n", by, round, now
monitor restart 1
maint flush register-cache
monitor when
monitor checkpoints
continue
printf "again: by=%ld round=%d now=%ld\n", by, round, now
continue
printf "again2: by=%ld round=%d now=%ld\n", by, round, now
delete
continue
EOS
HEISEN_CKPT_EVERY=-1 gdb_run ckmon "$D/ckpt.lz4" "$D/ckmon.script"
a1=$(sed -n 's/^after: //p' "$D/ckmon.gdb"); a2=$(sed -n 's/^after2: //p' "$D/ckmon.gdb")
if [ -z "$a1" ] || [ "$a1" = "$a2" ] || [ "$a1" != "$(sed -n 's/^again: //p' "$D/ckmon.gdb")" ] ||
	[ "$a2" != "$(sed -n 's/^again2: //p' "$D/ckmon.gdb")" ]; then
	fail "gdb-ckpt-monitor: from the checkpoint the run went otherwise ($D/ckmon.gdb)"
else
	expect gdb-ckpt-monitor "$D/ckmon.gdb" "^Checkpoint 1 at event $ev \(a snapshot of the replay\)" \
		"^Current event: $ev\$" "^The last re-execution began at the snapshot of event $ev\$" \
		'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
fi
expect_recorded_end ckmon "$D/ckpt.rec.out" "$ckpt_status"

# Syscall sites rec patched to record in-process (gdb_inproc): gdb reads
# the program's code there (not the jump), one stepi goes over the site and
# its buffered call (the recorded result in rax), reverse-stepi comes back.
# (the real rec: this test is about in-process recording, whatever REC_FLAGS says)
timeout 60 "${REC_REAL:-$BIN/rec}" -q -o "$D/inproc.lz4" -- "$TBIN/gdb_inproc" >"$D/inproc.rec.out" 2>/dev/null
inproc_status=$?
inproc_pid=$(sed -n 's/^pid \([0-9]*\) .*/\1/p' "$D/inproc.rec.out")
if ! "$BIN/replay" --dump "$D/inproc.lz4" | grep -q ' patch .* code b827000000'; then
	fail "gdb-inproc: getpid's site is not patched in the recording of gdb_inproc"
else
	gdb_run inproc "$D/inproc.lz4" tests/gdb/inproc_step.gdb
	expect gdb-inproc "$D/inproc.gdb" '^=> 0x[0-9a-f]+ <(__GI_)?getpid>:[[:space:]]+mov +\$0x27,%eax' \
		'<(__GI_)?getpid\+5>:[[:space:]]+syscall' "^after buffered getpid: rax=$inproc_pid advanced=7" \
		'^back at the site: 1' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
	expect_recorded_end inproc "$D/inproc.rec.out" "$inproc_status"
fi

# A counting site replay installs (gdb_sites): a breakpoint on it stops there,
# gdb reads the program's instructions (not replay's jump), a step goes
# through the site's slot back to the program's code, a breakpoint inside
# the jump is refused with a message, and the replay ends as recorded.
timeout 60 "$BIN/rec" -q -o "$D/sites.lz4" -- "$TBIN/gdb_sites" >"$D/sites.rec.out" 2>/dev/null
sites_status=$?
site=$("$BIN/replay" --dump "$D/sites.lz4" | sed -n 's/.* makes \(0x[0-9a-f]*\) a counting site (page 0x[0-9a-f]*, \([0-9]*\) bytes).*/\1 \2/p' | head -1)
site_event=$("$BIN/replay" --dump "$D/sites.lz4" | awk '/a counting site/ {print $1; exit}')
if [ -z "$site" ]; then
	fail "gdb-sites: no counting site in the recording of gdb_sites ($("$BIN/replay" --info "$D/sites.lz4" | grep switches))"
else
	set -- $site
	cat >"$D/sites.script" <<EOS
break lap
set \$n = 0
set \$_shell_exitcode = 1
while \$_shell_exitcode != 0 && \$n < 400
  continue
  pipe monitor when | awk '/^Current event/ { exit !(\$3 > $site_event) }'
  set \$n = \$n + 1
end
monitor when
delete
break *$1
continue
x/i \$pc
stepi
printf "stepped: %d\\n", \$pc - $1
break *$1+3
delete 2
continue
EOS
	gdb_run sites "$D/sites.lz4" "$D/sites.script"
	when=$(sed -n 's/^Current event: \([0-9]*\)/\1/p' "$D/sites.gdb")
	if [ -z "$when" ] || [ "$when" -le "$site_event" ]; then
		fail "gdb-sites: gdb stopped at event ${when:-?}, not past the site's event $site_event"
	else
		expect gdb-sites "$D/sites.gdb" "Breakpoint 2, (0x0*${1#0x} in )?work \\(" "^=> $1 <work\\+[0-9]+>:	[a-z]" \
			'^stepped: [1-9]' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
		if grep -q "=> $1 <work+[0-9]*>:	jmp" "$D/sites.gdb"; then
			fail "gdb-sites-bytes: gdb read replay's jump at the site ($D/sites.gdb)"
		else
			pass "gdb-sites-bytes (gdb reads the program's instruction at the site)"
		fi
		inside=$(printf '%#x' $(($1 + 3)))
		if [ "$2" -gt 3 ] && ! grep -q "breakpoint at $inside is inside code replay patched" "$D/sites.err"; then
			fail "gdb-sites-inside: no message for a breakpoint inside the site's jump ($D/sites.err)"
		else
			pass "gdb-sites-inside"
		fi
		expect_recorded_end sites "$D/sites.rec.out" "$sites_status"
	fi
fi

# A call from gdb that runs through a counting site (the whole of work()
# from lap()): its value, and the replay still ends as recorded.
if [ -n "$site" ]; then
	printf 'break lap\nignore 1 60\ncontinue\nprint work((void *)0)\nprint sums\ndelete\ncontinue\n' >"$D/csites.script"
	gdb_run csites "$D/sites.lz4" "$D/csites.script"
	want=$(printf '%d' "0x$(sed -n 's/^sums \([0-9a-f]*\) .*/\1/p' "$D/sites.rec.out")")
	expect gdb-call-sites "$D/csites.gdb" "^\\\$2 = \\{$want, [0-9]+\\}\$" '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
	expect_recorded_end csites "$D/sites.rec.out" "$sites_status"
fi

# Steps over and into signal handlers (tests/programs/signals, segv_recover):
# the replay still ends as recorded.
for prog in signals segv_recover; do
	timeout 60 "$BIN/rec" -q -o "$D/$prog.lz4" -- "$TBIN/$prog" >"$D/$prog.rec.out" 2>/dev/null
	st=$?
	gdb_run "$prog" "$D/$prog.lz4" tests/gdb/step_many.gdb
	expect "gdb-steps-$prog" "$D/$prog.gdb" '^Breakpoint 1, main \(' \
		'^\[Inferior 1 \(process [0-9]+\) (exited normally|detached)\]'
	expect_recorded_end "$prog" "$D/$prog.rec.out" "$st"
done

# The loaded libraries come from replay (qXfer:libraries-svr4:read, read from
# the dynamic linker's list in the replayed memory): gdb lists libc with
# its symbols, and a backtrace from inside libc's write names it. gdb 13
# wants each library's namespace (lmid) and warns at every stop without it.
gdb_run libs "$D/ok.lz4" tests/gdb/libraries.gdb
expect gdb-libraries-svr4 "$D/libs.gdb" \
	'Packet received: l<library-list-svr4 version="1\.0" main-lm="0x[0-9a-f]+">.*<library name="[^"]*/libc\.so\.6" lm="0x[0-9a-f]+" l_addr="0x[0-9a-f]+" l_ld="0x[0-9a-f]+" lmid="0x[0-9a-f]+"/>' \
	'^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes .*libc\.so\.6$' '^#0 +(__GI___libc_write|__libc_write|write) \(' \
	'^#1 +0x[0-9a-f]+ in say \(' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
if grep -q 'while parsing target library list' "$D"/*.gdb; then
	fail "gdb-libraries-xml: gdb warned about the library list: $(grep -h -m1 'while parsing target library list' "$D"/*.gdb | head -1)"
else
	pass "gdb-libraries-xml (no warning from gdb about the library list, in any session so far)"
fi
expect_recorded_end libs "$D/ok.rec.out" "$ok_status"

# A library loaded through its soname link (libz.so.1 -> libz.so.1.2.x):
# gdb asks for it by the soname, the recording stored the file the link
# leads to; replay finds it through the dynamic linker's list and the file
# mapped there. gdb stops in it and lists it with its symbols.
if [ -e /lib/x86_64-linux-gnu/libz.so.1 ] || [ -e /usr/lib/x86_64-linux-gnu/libz.so.1 ]; then
	timeout 60 "$BIN/rec" -q -o "$D/soname.lz4" -- "$TBIN/gdb_soname" >"$D/soname.rec.out" 2>/dev/null
	soname_status=$?
	gdb_run soname "$D/soname.lz4" tests/gdb/soname.gdb
	if grep -q "Could not open" "$D/soname.gdb"; then
		fail "gdb-soname: gdb could not read a library: $(grep -m1 'Could not open' "$D/soname.gdb")"
	else
		expect gdb-soname "$D/soname.gdb" '^Breakpoint 1, (0x[0-9a-f]+ in )?zlibVersion \(\) from target:.*libz\.so\.1$' \
			'^#1 +0x[0-9a-f]+ in main \(\)' '^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes.* target:.*libz\.so\.1$'
	fi
	expect_recorded_end soname "$D/soname.rec.out" "$soname_status"
else
	echo "SKIP: gdb-soname: no libz.so.1 on this machine"
fi

# AVX-512 (org.gnu.gdb.i386.avx512, from the XSAVE area): opmasks, zmm
# upper halves, xmm16-31, when this CPU and the recording's have it.
if grep -qw avx512f /proc/cpuinfo; then
	timeout 60 "$BIN/rec" -q -o "$D/avx.lz4" -- "$TBIN/gdb_avx512" >"$D/avx.rec.out" 2>/dev/null
	avx_status=$?
	gdb_run avx512 "$D/avx.lz4" tests/gdb/avx512.gdb
	expect gdb-avx512 "$D/avx512.gdb" '^Breakpoint 1, avx_done \(' '^\$1 = 23130$' \
		'^\$2 = \{0x11111111 <repeats 16 times>\}$' '^\$3 = \{0x22222222 <repeats 16 times>\}$' \
		'^\$4 = \{0x22222222, 0x22222222, 0x22222222, 0x22222222\}$' '^\$5 = 0x77$' '^k1 +0x5a5a +23130' \
		'^\[Inferior 1 \(process [0-9]+\) exited normally\]'
	expect_recorded_end avx512 "$D/avx.rec.out" "$avx_status"
else
	echo "SKIP: gdb-avx512: this CPU has no AVX-512 (avx512f in /proc/cpuinfo)"
fi

# Calling the program's functions from gdb: a call that makes no syscall
# returns its value (one that writes a global shows it); one that calls
# write() is abandoned (SIGSYS: replay runs no syscall of its own), the
# thread and memory as they were; and the replay goes on exactly as
# recorded (the calls' effects undone).
gdb_run call "$D/ok.lz4" tests/gdb/call.gdb
expect gdb-call "$D/call.gdb" '^\$1 = 108$' '^\$2 = 100$' '^Program received signal SIGSYS' \
	'^call failed: The program being debugged was signaled while in a function called from GDB\.' \
	'^after: by=5 counter=0$' '^\$3 = 12$' '^next: by=7 counter=5$' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end call "$D/ok.rec.out" "$ok_status"
printf 'break bump\ncontinue\ncall bump(100)\nprint counter\ndetach\n' >"$D/cdetach.script"
gdb_run cdetach "$D/ok.lz4" "$D/cdetach.script"
expect gdb-call-detach "$D/cdetach.gdb" '^\$1 = 100$' '^\[Inferior 1 \(process [0-9]+\) detached\]'
expect_recorded_end cdetach "$D/ok.rec.out" "$ok_status"

# gdb's run (vRun): the replay starts again, the breakpoint is hit again
# with the same values, and the replay still ends as recorded.
gdb_run rerun "$D/ok.lz4" tests/gdb/run.gdb
expect gdb-run "$D/rerun.gdb" '^first: by=5 counter=0$' '^first: by=7 counter=5$' '^again: by=5 counter=0$' \
	'^again: by=7 counter=5$' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end rerun "$D/ok.rec.out" "$ok_status"

# A signal handler that prints its frame's trap number (sig_frame_kernel),
# after gdb single-stepped its thread: replay shows the recorded frame, so
# the replay still ends as recorded.
timeout 60 "$BIN/rec" -q -o "$D/sigframe.lz4" -- "$TBIN/sig_frame_kernel" >"$D/sigframe.rec.out" 2>/dev/null
sigframe_status=$?
gdb_run sigframe "$D/sigframe.lz4" tests/gdb/sigframe.gdb
expect gdb-sigframe "$D/sigframe.gdb" '^Thread [0-9]+ .* hit Breakpoint 1, raiser' \
	'^Thread [0-9]+ .* received signal SIGSEGV' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end sigframe "$D/sigframe.rec.out" "$sigframe_status"

# Only `continue`, the signals passed: gdb's single step at startup (over
# its shared-library breakpoint) changes the trap number in every later
# frame, and the frames left below the main thread's stack pointer are in
# the memory a computing thread's state-matched preemption point compares
# (the recording has one in most runs: replay --dump shows it).
gdb_run sigcont "$D/sigframe.lz4" tests/gdb/continue_signals.gdb
expect gdb-sigframe-continue "$D/sigcont.gdb" '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
expect_recorded_end sigcont "$D/sigframe.rec.out" "$sigframe_status"

# A state-matched point found by the debug register (DR0) rather than a
# trampoline leaves DR6.B0 set until the thread's next debug exception: a
# later stop at gdb's int3 in that thread is gdb's breakpoint all the same.
dr_event=$("$BIN/replay" --dump "$D/sigframe.lz4" | awk '$2 == "preempt" && /state-matched/ { print $1; exit }')
if [ -z "$dr_event" ]; then
	echo "SKIP: gdb-dr-point: this recording has no state-matched point"
else
	export HEISEN_TEST_NO_TRAMPOLINE=$dr_event
	after_loop=$(grep -n 'after the loop: tests/gdb/dr_point.gdb' tests/programs/sig_frame_kernel.c | cut -d: -f1)
	sed "s/AFTER_LOOP/$after_loop/" tests/gdb/dr_point.gdb >"$D/dr_point.gdb"
	gdb_run drpoint "$D/sigframe.lz4" "$D/dr_point.gdb"
	unset HEISEN_TEST_NO_TRAMPOLINE
	if [ "$(grep -Ec '^Thread [0-9]+ .* hit Breakpoint 1, compute ' "$D/drpoint.gdb")" != 3 ]; then
		fail "gdb-dr-point: want 3 threads stopped at the breakpoint in compute ($D/drpoint.gdb)"
	else
		expect gdb-dr-point "$D/drpoint.gdb" '^\[Inferior 1 \(process [0-9]+\) exited normally\]'
	fi
	expect_recorded_end drpoint "$D/sigframe.rec.out" "$sigframe_status"
fi

# Two sessions of one script answer alike.
gdb_run break2 "$D/ok.lz4" tests/gdb/break.gdb
if cmp -s <(grep -v 'Remote debugging using' "$D/break.gdb") <(grep -v 'Remote debugging using' "$D/break2.gdb"); then
	pass "gdb-deterministic (two sessions print the same)"
else
	fail "gdb-deterministic: two sessions differ ($D/break.gdb, $D/break2.gdb)"
fi

# replay --gdb: gdb run by replay, connected to it.
grep -v '^detach' tests/gdb/watch.gdb >"$D/own.gdb"
timeout -k 5 60 "$BIN/replay" --gdb "$D/ok.lz4" -- -batch -nx -x "$D/own.gdb" >"$D/own.out" 2>&1 </dev/null
expect gdb-own "$D/own.out" '^Old value = 5' '^New value = 12' '^\[Inferior 1 \(process [0-9]+\) exited normally\]'

# gdb's MI interpreter, which IDEs (VS Code, CLion) drive.
server_start mi "$D/ok.lz4"
printf '%s\n' '-gdb-set pagination off' "-target-select extended-remote :$port" '-break-insert area' \
	'-exec-continue' '-stack-list-frames' '-data-evaluate-expression *p' '-thread-info' '-target-detach' \
	'-gdb-exit' | timeout 60 gdb -nx -q --interpreter=mi2 >"$D/mi.gdb" 2>&1
server_wait mi
expect gdb-mi "$D/mi.gdb" '^\*stopped,reason="breakpoint-hit",.*func="area"' \
	'^\^done,stack=\[frame=\{level="0",.*func="area".*frame=\{level="1",.*func="main"' \
	'^\^done,value="\{x = 3, y = 4, name = 0x[0-9a-f]+ \\"origin\\"\}"' \
	"^\\^done,threads=\\[\\{id=\"1\",target-id=\"Thread $rec_pid\\.$rec_pid\",name=\"sample\""
expect_recorded_end mi "$D/ok.rec.out" "$ok_status"

# replay --gdb --goto EVENT: gdb's first stop is at that event (the first of
# a new thread's), with its thread current (whatever gdb numbers it: the
# other threads the recording had created by then are listed too).
set -- $("$BIN/replay" --dump "$D/ok.lz4" | awk '$2 == "newtask" && !c {c = $6} c && $2 != "newtask" && $4 == c {print $1, c; exit}')
ev=$1 child=$2
printf 'monitor when\ninfo threads\ncontinue\n' >"$D/goto.script"
timeout -k 5 60 "$BIN/replay" --gdb --goto "$ev" "$D/ok.lz4" -- -batch -nx -x "$D/goto.script" >"$D/goto.out" 2>&1 </dev/null
expect gdb-goto "$D/goto.out" "^Current event: $ev\$" "^\\* [0-9]+ +Thread $rec_pid\\.$child \"sample\"" \
	'^\[Inferior 1 \(process [0-9]+\) exited normally\]'

# Go (when built): with Go's runtime-gdb.py, `info goroutines` lists the
# replayed program's goroutines and `goroutine 1 bt` shows main.main; the
# replay then ends as recorded.
gort=$(command -v go >/dev/null && go env GOROOT 2>/dev/null)/src/runtime/runtime-gdb.py
if [ -x "$TBIN/go_channels" ] && [ -f "$gort" ]; then
	timeout 60 "$BIN/rec" -q -o "$D/go.lz4" -- "$TBIN/go_channels" >"$D/go.rec.out" 2>/dev/null
	go_status=$?
	server_start go "$D/go.lz4"
	timeout 60 gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off' \
		-ex "target extended-remote :$port" -ex "source $gort" -x tests/gdb/go_goroutines.gdb >"$D/go.gdb" 2>&1 </dev/null
	server_wait go
	expect gdb-go-goroutines "$D/go.gdb" 'hit Breakpoint 1, main\.main \(\)' '^\* +1 +running' \
		'^ +[0-9]+ +waiting +runtime\.gopark' '^#0 +main\.main \(\)'
	if [ "$(cat "$D/go.status")" != "$go_status" ] || ! cmp -s "$D/go.rec.out" "$D/go.out"; then
		fail "gdb-go-end: replay under gdb exited $(cat "$D/go.status") (recorded $go_status) or printed other output"
	else
		pass "gdb-go-end"
	fi
fi

# replay -p PID: gdb is shown a forked child, from where it appears; a
# breakpoint on a function both call stops in the child only; its exit is
# the child's. -p NAME: the process that executes NAME (a shell pipeline's
# middle command). A -p naming no process: a one-line error, before serving.
timeout 60 "$BIN/rec" -q -o "$D/procs.lz4" -- "$TBIN/gdb_procs" >"$D/procs.rec.out" 2>/dev/null
procs_status=$?
child=$("$BIN/replay" --dump "$D/procs.lz4" | sed -n 's/.* newtask .* creates \([0-9]*\) .*/\1/p' | head -1)
printf 'info inferiors\nbreak work\ncontinue\nprint n\nfinish\nrun\nprintf "rerun: n=%%d\\n", n\nreverse-continue\nmonitor goto 1\ncontinue\nprintf "reverse: n=%%d\\n", n\ncontinue\n' >"$D/pid.script"
SARGS="-p $child" gdb_run pid "$D/procs.lz4" "$D/pid.script"
expect gdb-process-pid "$D/pid.gdb" "^\\* 1 +process $child " '^Breakpoint 1, work \(n=(n@entry=)?5\)' '^\$1 = 5$' \
	'^Value returned is \$[0-9]+ = 55$' '^rerun: n=5$' \
	'^No more reverse-execution history\.' '^the process shown appears at event [0-9]+$' '^reverse: n=5$' "^\\[Inferior 1 \\(process $child\\) exited with code 067\\]"
if grep -Eq 'work \(n=(n@entry=)?[34]\)' "$D/pid.gdb"; then
	fail "gdb-process-pid-only: gdb stopped in the parent's work() ($D/pid.gdb)"
else
	pass "gdb-process-pid-only (the parent's calls run on)"
fi
expect_recorded_end pid "$D/procs.rec.out" "$procs_status"
cp "$TBIN/gdb_sample" "$D/sample"
timeout 60 "$BIN/rec" -q -o "$D/pipe.lz4" -- sh -c "echo hi | $D/sample | cat" >"$D/pipe.rec.out" 2>/dev/null
pipe_status=$?
timeout 60 "$BIN/rec" -q -o "$D/two.lz4" -- sh -c "$D/sample >/dev/null; $D/sample crash >/dev/null 2>&1; true" >/dev/null 2>&1
rm -f "$D/sample"
spid=$("$BIN/replay" --dump "$D/pipe.lz4" | sed -n 's/.* exec *tid \([0-9]*\) .*\/sample,.*/\1/p' | head -1)
printf 'info inferiors\nbreak area\ncontinue\nprint *p\ninfo threads\ncontinue\n' >"$D/name.script"
SARGS="-p sample" gdb_run name "$D/pipe.lz4" "$D/name.script"
expect gdb-process-name "$D/name.gdb" "^\\* 1 +process $spid .*target:$D/sample" '^Breakpoint 1, area \(p=' \
	'^\$1 = \{x = 3, y = 4, name = 0x[0-9a-f]+ "origin"\}' "^\\* 1 +Thread $spid\\.$spid \"sample\"" \
	"^\\[Inferior 1 \\(process $spid\\) exited normally\\]"
expect_recorded_end name "$D/pipe.rec.out" "$pipe_status"
# -p NAME run by several processes: the first is shown, and a note lists
# them with how each ended (here the second crashed).
printf 'info inferiors\nkill\n' >"$D/two.script"
SARGS="-p sample" gdb_run two "$D/two.lz4" "$D/two.script"
first=$(sed -n 's/^replay: -p sample: 2 processes ran it: \([0-9]*\) (exit 0), [0-9]* (killed by SIGSEGV); gdb is shown \([0-9]*\), the first (-p PID shows another)$/\1 \2/p' "$D/two.err")
if [ -z "$first" ] || [ "${first% *}" != "${first#* }" ]; then
	fail "gdb-process-name-several: no note of the two processes ($D/two.err)"
else
	expect gdb-process-name-several "$D/two.gdb" "^\\* 1 +process ${first% *} "
fi
timeout 10 "$BIN/replay" --gdbserver 0 -p nosuch "$D/pipe.lz4" >"$D/nosuch.out" 2>&1 </dev/null
st=$?
if [ "$st" != 120 ] || [ "$(wc -l <"$D/nosuch.out")" != 1 ] || ! grep -q '^replay: -p nosuch: no such process' "$D/nosuch.out"; then
	fail "gdb-process-bad: replay -p nosuch exited $st: $(head -2 "$D/nosuch.out")"
else
	pass "gdb-process-bad (one line, exit 120)"
fi

# A hostile peer: malformed packets get error replies, then a kill ends the replay.
server_start bad "$D/ok.lz4"
pkt() {
	local p=$1 s=0 i c
	for ((i = 0; i < ${#p}; i++)); do
		printf -v c '%d' "'${p:i:1}"
		s=$(((s + c) % 256))
	done
	printf '$%s#%02x' "$p" "$s"
}
{
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	for p in 'QStartNoAckMode' 'm zz' 'Z9,0,0' 'vCont;x' 'qXfer:features:read:target.xml:ffffffffffffffffffff,10' \
		'G12' 'P999=00' 'X1,ffffffffffff:' 'vFile:pread:99,10,0' 'p9999' 'Hgp99.99' 'm0,10' '?'; do
		pkt "$p" >&3
	done
	printf '$zz#00\003' >&3
	pkt 'k' >&3
	timeout 5 cat <&3 >"$D/bad.replies"
	exec 3>&-
} 2>/dev/null
server_wait bad
st=$(cat "$D/bad.status")
if [ "$st" != 137 ] || ! grep -q 'gdb killed the replay' "$D/bad.err"; then
	fail "gdb-hostile: replay exited $st, want 137 after the kill: $(tail -1 "$D/bad.err")"
elif ! grep -q 'E01' "$D/bad.replies" || ! grep -q 'T05thread' "$D/bad.replies"; then
	fail "gdb-hostile: no error replies or no stop reply ($D/bad.replies)"
else
	pass "gdb-hostile (error replies, then the kill)"
fi
