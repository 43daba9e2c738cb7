#!/usr/bin/env bash
# tests/run.sh - runs every test suite (tests/suite-*.sh) and the unit tests,
# then prints one closing line: "N passed, N failed".
# SUITES="a b" runs only those; REPLAYS=N replays per recording; REC_FLAGS
# (blank-separated rec options, e.g. --no-inprocess) reaches every rec a
# suite runs: rec is then a wrapper that adds them (tests/lib.sh).
set -u
cd "$(dirname "$0")/.."
export BIN=${BIN:-bin} TBIN=${TBIN:-build/tests/programs} UBIN=${UBIN:-build/tests/unit}
export REC_FLAGS=${REC_FLAGS:-}
export TMPD=$(mktemp -d /tmp/heisen-test.XXXXXX)
export RESULTS=$TMPD/results
# REC_REAL: the real rec, for a test that must choose rec's options itself.
export REC_REAL=$BIN/rec
if [ -n "$REC_FLAGS" ]; then
	# $TMPD/bin: rec is a copy of tests/tools/rec_flags, which execs
	# real/rec (a link to the real one) with the options in real/flags
	# first: the same pid, environment and stdio. replay is a link.
	w=$TMPD/bin
	wrap=${TOOLS:-${TBIN%/programs}/tools}/rec_flags
	if [ ! -x "$wrap" ]; then
		echo "run.sh: REC_FLAGS needs $wrap ('make tests' builds it)" >&2
		exit 2
	fi
	mkdir -p "$w/real"
	cp "$wrap" "$w/rec"
	ln -s "$(cd "$BIN" && pwd)/rec" "$w/real/rec"
	ln -s "$(cd "$BIN" && pwd)/replay" "$w/replay"
	echo "$REC_FLAGS" >"$w/real/flags"
	BIN=$w
fi
: >"$RESULTS"
for suite in tests/suite-*.sh; do
	[ -n "${SUITES:-}" ] && ! echo " $SUITES " | grep -q " $(basename "$suite" .sh | sed 's/^suite-//') " && continue
	echo "== $suite"
	bash "$suite"
done
passed=$(grep -c '^pass$' "$RESULTS")
failed=$(grep -c '^fail$' "$RESULTS")
[ "$failed" = 0 ] && [ "${KEEP:-0}" = 0 ] && rm -rf "$TMPD"
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
