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
	if [ "$st" = 125 ] && grep -q '^replay: divergence at event [0-9]* (thread [0-9]*): expected get.*pid(), got get.*pid()' "$d/rdrand.err" &&
		grep -q '^registers:' "$d/rdrand.err" && grep -q '=> 0x' "$d/rdrand.err"; then
		pass "divergence: rdrand-driven syscalls are reported (event, expected vs actual, registers, code)"
	else
		fail "divergence: rdrand: status $st, report: $(head -3 "$d/rdrand.err")"
	fi
else
	echo "skip: no rdrand on this CPU"
fi

# An unknown syscall stops recording with its name; replay stops there too.
"$BIN/rec" -o "$d/unknown.lz4" -- "$DBIN/unknown_syscall" >"$d/unknown.rec.out" 2>"$d/unknown.rec.err"
st=$?
if [ "$st" = 125 ] && grep -q 'unsupported syscall syscall_1000' "$d/unknown.rec.err" && [ "$(cat "$d/unknown.rec.out")" = before ]; then
	pass "unknown syscall: rec stops naming it (status $st)"
else
	fail "unknown syscall: rec status $st: $(head -2 "$d/unknown.rec.err")"
fi
"$BIN/replay" "$d/unknown.lz4" >"$d/unknown.out" 2>"$d/unknown.err"
st=$?
if [ "$st" = 124 ] && [ "$(cat "$d/unknown.out")" = before ] && grep -q 'recording stopped at event' "$d/unknown.err"; then
	pass "unknown syscall: the trace so far replays, then replay says where recording stopped"
else
	fail "unknown syscall: replay status $st: $(head -2 "$d/unknown.err")"
fi

# A 32-bit syscall (int 0x80) stops rec with a message, not a silent SIGSYS.
"$BIN/rec" -o "$d/int80.lz4" -- "$DBIN/int80" >"$d/int80.rec.out" 2>"$d/int80.rec.err"
st=$?
if [ "$st" = 125 ] && grep -q '32-bit syscall (int 0x80)' "$d/int80.rec.err" && [ "$(cat "$d/int80.rec.out")" = before ]; then
	pass "int 0x80: rec stops naming it (status $st)"
else
	fail "int 0x80: rec status $st: $(head -2 "$d/int80.rec.err")"
fi
"$BIN/replay" "$d/int80.lz4" >"$d/int80.out" 2>"$d/int80.err"
st=$?
if [ "$st" = 124 ] && [ "$(cat "$d/int80.out")" = before ]; then
	pass "int 0x80: the trace so far replays, then replay says where recording stopped"
else
	fail "int 0x80: replay status $st: $(head -2 "$d/int80.err")"
fi
