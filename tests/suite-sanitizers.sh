# tests/suite-sanitizers.sh - sanitizer builds of threaded programs
# (tests/sanitize/README.md), with each sanitizer's default options
# (LeakSanitizer on, as a new user's first build has it): recorded once and
# replayed $REPLAYS times by check_replay (same output and status, no
# divergence, the recording exits as a native run does), then:
#  - the sanitizer's report is in the recording's stderr and the last
#    replay's: LeakSanitizer's leak (it stops the world with a CLONE_UNTRACED
#    child that ptrace-attaches to the program's threads: rec_ptrace.c),
#    UBSan's overflow, TSan's race (TSan refuses mappings outside its
#    application ranges: the in-process library's and replay's stub's
#    addresses);
#  - no process of the program is left once rec has exited.
. tests/lib.sh
SBIN=${TBIN%/programs}/sanitize
for p in "$SBIN"/*; do
	[ -x "$p" ] || continue
	n=$(basename "$p")
	[ -f "tests/sanitize/${n%-*}.c" ] || continue # a stale build of a removed test
	case $n in
	*-asan) want='ERROR: LeakSanitizer: detected memory leaks' ;;
	*-ubsan) want='runtime error: signed integer overflow' ;;
	*-tsan) want='WARNING: ThreadSanitizer: data race' ;;
	*) continue ;;
	esac
	CHECK_NATIVE=1 check_replay "san-$n" -- "$p" || continue
	d="$TMPD/san-$n"
	if ! grep -q "$want" "$d/native.err"; then
		fail "san-$n-report: the native run has no \"$want\": $(head -1 "$d/native.err")"
	elif ! grep -q "$want" "$d/rec.err"; then
		fail "san-$n-report: not in the recording's stderr: \"$want\": $(grep -v '^$' "$d/rec.err" | head -1)"
	elif ! grep -q "$want" "$d/replay.err"; then
		fail "san-$n-report: not in the replay's stderr: \"$want\": $(grep -v '^$' "$d/replay.err" | head -1)"
	else
		pass "san-$n-report ($want, recorded and replayed)"
	fi
	if pgrep -f "$p" >/dev/null; then
		fail "san-$n-leftover: a process of $n is still running after rec and replay exited"
		pkill -9 -f "$p"
	else
		pass "san-$n-leftover (none)"
	fi
done
