#!/usr/bin/env bash
# tests/run.sh - runs every test suite (tests/suite-*.sh) and the unit tests,
# then prints one closing line: "N passed, N failed".
# SUITES="a b" runs only those; REPLAYS=N replays per recording; REC_FLAGS
# adds rec options to the recordings check_replay makes (tests/lib.sh).
set -u
cd "$(dirname "$0")/.."
export BIN=${BIN:-bin} TBIN=${TBIN:-build/tests/programs} UBIN=${UBIN:-build/tests/unit}
export REC_FLAGS=${REC_FLAGS:-}
export TMPD=$(mktemp -d /tmp/heisen-test.XXXXXX)
export RESULTS=$TMPD/results
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
