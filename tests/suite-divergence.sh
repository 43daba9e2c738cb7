# tests/suite-divergence.sh - replay must detect and report what it cannot
# reproduce, and rec must stop cleanly on what it cannot record.
. tests/lib.sh
DBIN=${DBIN:-${TBIN%/programs}/diverge}
d=$TMPD/diverge
mkdir -p "$d"

# rdrand is not trappable: the branch it picks differs in replay.
if grep -q rdrand /proc/cpuinfo; then
	"$BIN/rec" -q -o "$d/rdrand.lz4" -- "$DBIN/rdrand_branch" >/dev/null 2>&1
	"$BIN/replay" "$d/rdrand.lz4" >"$d/rdrand.out" 2>"$d/rdrand.err"
	st=$?
	# (a buffered call: its trap names the call and the recording's next)
	if [ "$st" = 125 ] && grep -Eq '^replay: divergence at event [0-9]+ \(thread [0-9]+\): (expected get.*pid\(\), got get.*pid\(\)|.*got get.*pid\(\), buffered, where the recording.s next buffered call is get.*pid\(\))' "$d/rdrand.err" &&
		grep -q '^registers:' "$d/rdrand.err" && grep -q '=> 0x' "$d/rdrand.err"; then
		pass "divergence: rdrand-driven syscalls are reported (event, expected vs actual, registers, code)"
	else
		fail "divergence: rdrand: status $st, report: $(head -3 "$d/rdrand.err")"
	fi
else
	echo "skip: no rdrand on this CPU"
fi

# check_rec_stops NAME PROG PATTERN: PROG prints "before", then does what
# rec cannot record; rec must stop (125) with a message matching PATTERN,
# and the trace so far must replay, ending with "recording stopped" (124).
check_rec_stops() {
	local name=$1 prog=$2 pattern=$3 st
	"$BIN/rec" -o "$d/$name.lz4" -- "$prog" >"$d/$name.rec.out" 2>"$d/$name.rec.err"
	st=$?
	if [ "$st" = 125 ] && grep -q "$pattern" "$d/$name.rec.err" && [ "$(cat "$d/$name.rec.out")" = before ]; then
		pass "$name: rec stops naming it (status $st)"
	else
		fail "$name: rec status $st: $(head -2 "$d/$name.rec.err")"
	fi
	"$BIN/replay" "$d/$name.lz4" >"$d/$name.out" 2>"$d/$name.err"
	st=$?
	if [ "$st" = 124 ] && [ "$(cat "$d/$name.out")" = before ] && grep -q 'recording stopped at event' "$d/$name.err"; then
		pass "$name: the trace so far replays, then replay says where recording stopped"
	else
		fail "$name: replay status $st: $(head -2 "$d/$name.err")"
	fi
}

# A syscall the kernel implements under a number heisen does not know.
# (Numbers the kernel lacks, and int 0x80, are answered ENOSYS and
# recorded or refused: tests/programs/sys_enosys.c, sys_int80.c.)
check_rec_stops "unknown syscall" "$DBIN/unknown_syscall" 'syscall number 0x100000027 has bits above the low 32 set: the kernel would run it as getpid'

# process_vm_writev into another recorded process: refused with EPERM and
# one line from rec (replay could not redo the write there); the program
# goes on, its output replays.
"$BIN/rec" -q -o "$d/vmw.lz4" -- "$DBIN/vm_write_child" >"$d/vmw.rec.out" 2>"$d/vmw.rec.err"
st=$?
if [ "$st" = 0 ] && [ "$(wc -l <"$d/vmw.rec.err")" = 1 ] &&
	grep -q '^rec: thread [0-9]*: process_vm_writev to process [0-9]*, another address space: refused with EPERM' "$d/vmw.rec.err" &&
	grep -q '^process_vm_writev child: EPERM$' "$d/vmw.rec.out" && grep -q '^child saw the write: no$' "$d/vmw.rec.out" &&
	"$BIN/replay" "$d/vmw.lz4" >"$d/vmw.out" 2>"$d/vmw.err" && cmp -s "$d/vmw.out" "$d/vmw.rec.out"; then
	pass "process_vm_writev into another process: EPERM, one line from rec, replays"
else
	fail "process_vm_writev into another process: rec status $st: $(head -2 "$d/vmw.rec.err") $(head -1 "$d/vmw.rec.out")"
fi

# ptrace requests heisen does not emulate: EPERM and one line each.
"$BIN/rec" -q -o "$d/ptr.lz4" -- "$DBIN/ptrace_refused" >"$d/ptr.rec.out" 2>"$d/ptr.rec.err"
st=$?
if [ "$st" = 0 ] && [ "$(wc -l <"$d/ptr.rec.err")" = 2 ] &&
	[ "$(grep -c '^rec: thread [0-9]*: ptrace request \(0\|16902\) for process [0-9]*: heisen emulates only .*: refused with EPERM$' "$d/ptr.rec.err")" = 2 ] &&
	[ "$(cat "$d/ptr.rec.out")" = "PTRACE_TRACEME: EPERM
PTRACE_SEIZE child: EPERM
child exited 0" ] &&
	"$BIN/replay" "$d/ptr.lz4" >"$d/ptr.out" 2>"$d/ptr.err" && cmp -s "$d/ptr.out" "$d/ptr.rec.out"; then
	pass "ptrace requests heisen does not emulate: EPERM, one line each, replays"
else
	fail "ptrace requests heisen does not emulate: rec status $st: $(head -2 "$d/ptr.rec.err" | tr '\n' ' ') $(head -3 "$d/ptr.rec.out" | tr '\n' ' ')"
fi

# A write through /proc/CHILD/mem: refused as process_vm_writev is.
"$BIN/rec" -q -o "$d/pmc.lz4" -- "$DBIN/procmem_child" >"$d/pmc.rec.out" 2>"$d/pmc.rec.err"
st=$?
if [ "$st" = 0 ] && [ "$(wc -l <"$d/pmc.rec.err")" = 1 ] &&
	grep -q '^rec: thread [0-9]*: pwrite64 to /proc/[0-9]*/mem, another address space: refused with EPERM' "$d/pmc.rec.err" &&
	grep -q '^pwrite to /proc/CHILD/mem: EPERM$' "$d/pmc.rec.out" && grep -q '^child saw the write: no$' "$d/pmc.rec.out" &&
	grep -q '^pwrite to /proc/self/mem: written, word now mine!$' "$d/pmc.rec.out" &&
	"$BIN/replay" "$d/pmc.lz4" >"$d/pmc.out" 2>"$d/pmc.err" && cmp -s "$d/pmc.out" "$d/pmc.rec.out"; then
	pass "a write to another process's /proc/PID/mem: EPERM, one line from rec, replays"
else
	fail "a write to another process's /proc/PID/mem: rec status $st: $(head -2 "$d/pmc.rec.err") $(head -1 "$d/pmc.rec.out")"
fi

# What rec cannot do of a program's seccomp use: EINVAL and one line each
# (tests/programs/seccomp_*.c: the filters it records).
"$BIN/rec" -q -o "$d/scr.lz4" -- "$DBIN/seccomp_refused" >"$d/scr.rec.out" 2>"$d/scr.rec.err"
st=$?
if [ "$st" = 0 ] && [ "$(wc -l <"$d/scr.rec.err")" = 3 ] &&
	grep -q '^rec: thread [0-9]*: prctl(PR_SET_SECCOMP): seccomp.s strict mode .* cannot be recorded: refused with EINVAL$' "$d/scr.rec.err" &&
	grep -q '^rec: thread [0-9]*: seccomp filter of 2 instructions: it returns an action computed at run time (ret A), which rec cannot rewrite: refused with EINVAL$' "$d/scr.rec.err" &&
	grep -q '^rec: thread [0-9]*: seccomp: a seccomp filter with a user-notification listener cannot be recorded: refused with EINVAL$' "$d/scr.rec.err" &&
	[ "$(cat "$d/scr.rec.out")" = "strict mode: Invalid argument
ret A: Invalid argument
listener: Invalid argument
plain filter: installed
getppid: -1 Numerical argument out of domain" ] &&
	"$BIN/replay" "$d/scr.lz4" >"$d/scr.out" 2>"$d/scr.err" && cmp -s "$d/scr.out" "$d/scr.rec.out"; then
	pass "seccomp uses rec cannot record: EINVAL, one line each, replays"
else
	fail "seccomp uses rec cannot record: rec status $st: $(head -3 "$d/scr.rec.err" | tr '\n' ' ') $(head -5 "$d/scr.rec.out" | tr '\n' ' ')"
fi

# A syscall whose results are larger than a trace record can hold.
check_rec_stops "huge read" "$DBIN/read_huge" 'read: its results are larger than a trace record can hold'

# The program writes over the in-process library's ring (shared with rec)
# before rec drained it: rec stops the recording (125) with one line naming
# the thread, whether it drains in its own loop (3 reads) or on the trace
# writer's thread (20 reads, 80 KiB: found there, the program may run on
# to its end before rec's next drain takes the error); the trace so far replays to its end
# (124) or to a divergence (125: the drain past the scribble is empty).
# With the real rec: in-process recording on, whatever REC_FLAGS says.
for n in 3 20; do
	"${REC_REAL:-$BIN/rec}" -o "$d/scribble$n.lz4" -- "$DBIN/ring_scribble" $n >"$d/scribble$n.out" 2>"$d/scribble$n.err"
	st=$?
	# (the writer's thread finds it while the program may go on)
	if [ "$st" = 125 ] && case "$(cat "$d/scribble$n.out")" in before | beforeafter) true ;; *) false ;; esac &&
		grep -Eq "^rec: thread [0-9]+: the in-process library's ring is corrupt at [0-9]+: recording stopped$" "$d/scribble$n.err"; then
		timeout 60 "$BIN/replay" "$d/scribble$n.lz4" >/dev/null 2>&1
		rst=$?
		if [ "$rst" = 124 ] || [ "$rst" = 125 ]; then
			pass "ring scribbled ($n reads): rec stops naming the thread (status $st), the trace replays (status $rst)"
		else
			fail "ring scribbled ($n reads): replay status $rst"
		fi
	else
		fail "ring scribbled ($n reads): rec status $st, output '$(cat "$d/scribble$n.out")': $(head -2 "$d/scribble$n.err")"
	fi
done

# Counting sites (docs/scheduling.md): a site preemption whose count is
# edited stops the thread at another pass (other registers), and a site
# record whose code is not the code there: both are divergences (125),
# reported as such, never a silent stop at a wrong point.
TOOLS=${TOOLS:-${TBIN%/programs}/tools}
"$BIN/rec" -q -o "$d/sites.lz4" -- "$DBIN/sites_compute" >"$d/sites.rec" 2>&1
ev=$("$BIN/replay" --dump --json "$d/sites.lz4" | grep '"kind":"site"' | sed -n '2{s/.*"event":\([0-9]*\).*"count":\([0-9]*\).*/\1 \2/;p}')
sev=$("$BIN/replay" --dump "$d/sites.lz4" | awk '$2 == "site" {print $1; exit}')
if [ -z "$ev" ] || [ -z "$sev" ]; then
	fail "sites: no site preemption or site record in the recording of sites_compute ($("$BIN/replay" --info "$d/sites.lz4" | grep switches))"
else
	set -- $ev
	le=$(printf '%016x' $(($2 + 1000)) | sed 's/\(..\)/\1 /g' | awk '{for (i = NF; i > 0; i--) printf "%s", $i}')
	"$TOOLS/trace_edit" "$d/sites.lz4" "$d/sites-count.lz4" set "$1" 16 "$le" >/dev/null
	"$TOOLS/trace_edit" "$d/sites.lz4" "$d/sites-code.lz4" set "$sev" 24 cc >/dev/null
	"$BIN/replay" "$d/sites.lz4" >"$d/sites.out" 2>&1
	st0=$?
	HEISEN_WAIT_FLOOR=5 "$BIN/replay" "$d/sites-count.lz4" >/dev/null 2>"$d/sites-count.err"
	st1=$?
	HEISEN_WAIT_FLOOR=5 "$BIN/replay" "$d/sites-code.lz4" >/dev/null 2>"$d/sites-code.err"
	st2=$?
	if [ "$st0" = 0 ] && cmp -s "$d/sites.out" "$d/sites.rec" && [ "$st1" = 125 ] && [ "$st2" = 125 ] &&
		grep -q "divergence at event $1 .*sites of page .*registers differ" "$d/sites-count.err" &&
		grep -q "divergence at event $sev .*code at .* differs from the recording" "$d/sites-code.err"; then
		pass "sites: an edited site count and an edited site record are divergences"
	else
		fail "sites: original $st0, edited count $st1 ($(head -c 300 "$d/sites-count.err")), edited code $st2 ($(head -c 300 "$d/sites-code.err"))"
	fi
fi

# A trace edited with valid checksums (re-encoded by the project's own
# writer) hands the program the byte that makes it spin without syscalls:
# replay waits for a stop that never comes, and must give up within its
# bound (10 x the recorded time + HEISEN_WAIT_FLOOR seconds) with 125.
TOOLS=${TOOLS:-${TBIN%/programs}/tools}
echo x | "$BIN/rec" -q -o "$d/spin.lz4" -- "$DBIN/spin_on_input" >/dev/null 2>&1
ev=$("$BIN/replay" --dump "$d/spin.lz4" | awk '$2 == "syscall" && $5 ~ /^read\(0,/ {print $1; exit}')
if [ -z "$ev" ] || ! "$TOOLS/trace_edit" "$d/spin.lz4" "$d/spin-edited.lz4" set "$ev" 80 4c >/dev/null; then
	fail "edited trace: cannot find or edit the read of stdin in $d/spin.lz4"
else
	"$BIN/replay" "$d/spin.lz4" >"$d/spin.out" 2>&1
	st0=$?
	t0=$(date +%s)
	HEISEN_WAIT_FLOOR=2 timeout -s KILL 60 "$BIN/replay" "$d/spin-edited.lz4" >/dev/null 2>"$d/spin.err"
	st=$?
	secs=$(($(date +%s) - t0))
	if [ "$st0" = 0 ] && [ "$st" = 125 ] && [ "$secs" -lt 30 ] && [ "$(wc -l <"$d/spin.err")" = 1 ] &&
		grep -q "^replay: thread [0-9]*: no stop after [0-9.]* s waiting for event [0-9]* (.*), recorded within [0-9.]* s: trace edited or replay diverged" "$d/spin.err"; then
		pass "edited trace: a wait that never ends is bounded ($secs s, status 125: $(cat "$d/spin.err"))"
	else
		fail "edited trace: original replays with $st0; edited: status $st after $secs s: $(head -2 "$d/spin.err")"
	fi
fi
