# tests/suite-confine.sh - a trace is untrusted input: replay runs the code
# inside it. Crafted traces (real recordings edited with the project's own
# reader and writer, checksums valid) must end in a divergence report with
# no effect outside the replay; and the sandbox every replayed process runs
# under must kill any syscall replay did not decide on, with a report.
. tests/lib.sh
DBIN=${DBIN:-${TBIN%/programs}/diverge}
CRAFT=${CRAFT:-${TBIN%/programs}/tools/trace_craft}
d=$TMPD/confine
mkdir -p "$d"

# crafted NAME TRACE PATTERN CHECK...: replaying TRACE must exit 125 with a
# divergence report matching PATTERN, and CHECK (a shell test) must hold after.
crafted() {
	local name=$1 trace=$2 pattern=$3 st
	shift 3
	timeout -k 5 60 "$BIN/replay" "$trace" >"$d/$name.out" 2>"$d/$name.err" </dev/null
	st=$?
	if [ "$st" != 125 ] || ! grep -q "^replay: divergence at event [0-9]* (thread [0-9]*): .*$pattern" "$d/$name.err"; then
		fail "$name: status $st: $(head -1 "$d/$name.err")"
	elif ! "$@"; then
		fail "$name: replay acted outside the replay ($*)"
	else
		pass "$name: divergence reported, nothing done outside ($(head -1 "$d/$name.err" | cut -c1-120))"
	fi
}

# 1. int $0x80 with eax=60 where the recording made the x86-64 exit: as
# i386 it is umask, and the code after it creates a file. Replay answers
# the int 0x80 -ENOSYS without running it (as rec's filter does) and stops
# at the open, which is not the recorded exit.
"$BIN/rec" -q -o "$d/exit.lz4" -- "$DBIN/craft_abi" exit "$d/created" >/dev/null 2>&1
rm -f "$d/created"
if "$CRAFT" abi "$d/exit.lz4" "$d/exit.crafted.lz4"; then
	crafted "crafted int80 for exit" "$d/exit.crafted.lz4" "expected the exit, got openat(" \
		test ! -e "$d/created"
else
	fail "crafted int80 for exit: cannot craft the trace"
fi

# 2. A new task claimed for a clone that fails: nothing may run after it.
"$BIN/rec" -q -o "$d/clone.lz4" -- "$DBIN/craft_clone" "$d/cloned" >/dev/null 2>&1
rm -f "$d/cloned"
if "$CRAFT" newtask "$d/clone.lz4" "$d/clone.crafted.lz4"; then
	crafted "crafted newtask for a failed clone" "$d/clone.crafted.lz4" "clone failed in replay" \
		test ! -e "$d/cloned"
else
	fail "crafted newtask for a failed clone: cannot craft the trace"
fi

# 3. int $0x80 at a re-executed syscall: mprotect (10) is unlink as i386;
# answered -ENOSYS unrun, then the next syscall is not the recorded mprotect.
echo keep >"$d/victim"
"$BIN/rec" -q -o "$d/mprotect.lz4" -- "$DBIN/craft_abi" mprotect "$d/victim" >/dev/null 2>&1
echo keep >"$d/victim"
if "$CRAFT" abi "$d/mprotect.lz4" "$d/mprotect.crafted.lz4"; then
	crafted "crafted int80 at a re-executed mprotect" "$d/mprotect.crafted.lz4" \
		"expected mprotect(.*), got " test -e "$d/victim"
else
	fail "crafted int80 at a re-executed mprotect: cannot craft the trace"
fi

# 4. The sandbox itself: the test hook HEISEN_TEST_UNCONFINED_AFTER lets the
# program run its own syscalls after its getppid (110), as a replay with a
# bug would; one syscall of each family that acts outside must be killed.
failed=0
for family in create unlink chmod mknod truncate read socket kill clone exec ptrace; do
	f="$d/file-$family"
	echo keep >"$f" && chmod 600 "$f"
	rm -f "$f.new"
	"$BIN/rec" -q -o "$d/escape-$family.lz4" -- "$DBIN/escape" "$family" "$f" >/dev/null 2>&1
	echo keep >"$f" && chmod 600 "$f"
	rm -f "$f.new"
	HEISEN_TEST_UNCONFINED_AFTER=110 timeout -k 5 60 "$BIN/replay" "$d/escape-$family.lz4" \
		>"$d/escape-$family.out" 2>"$d/escape-$family.err" </dev/null
	st=$?
	if [ "$st" != 125 ] || ! grep -q "killed by SIGSYS (replay's sandbox stopped its " "$d/escape-$family.err"; then
		echo "  $family: status $st: $(head -1 "$d/escape-$family.err")"
		failed=1
	elif [ "$(cat "$f")" != keep ] || [ "$(stat -c %a "$f")" != 600 ] || [ -e "$f.new" ] ||
		grep -q "^$family:" "$d/escape-$family.out"; then
		echo "  $family: it acted outside the replay"
		failed=1
	fi
done
if [ $failed = 0 ]; then
	pass "sandbox: 11 families of outside syscalls from replayed code are killed and reported"
else
	fail "sandbox: a family of outside syscalls got through (above)"
fi

# The same traces replay normally when replay keeps control (all but the
# untraced clone, which rec cannot follow, and exec, which prints nothing).
st=0
for family in create unlink chmod read socket kill ptrace; do
	"$BIN/replay" "$d/escape-$family.lz4" >"$d/plain.out" 2>"$d/plain.err" </dev/null || st=$?
	grep -q "^$family: " "$d/plain.out" || st=1
done
if [ $st = 0 ]; then
	pass "sandbox: without the hook the same traces replay (status 0, output as recorded)"
else
	fail "sandbox: a plain replay failed: $(head -1 "$d/plain.err")"
fi
