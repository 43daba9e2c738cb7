# tests/lib.sh - shared helpers for the test suites (sourced, not run).
# Each suite reports with pass/fail; run.sh adds them up.
# Environment: BIN (where rec and replay are), TBIN (built test programs),
# TMPD (a scratch directory of this run), REPLAYS (replays per recording),
# REC_FLAGS (extra rec options, e.g. --no-inprocess: see below), REC_REAL.
#
# REC_FLAGS reaches every rec the suites run: when it is set, run.sh
# makes BIN a directory of its own ($TMPD/bin) whose `rec` is
# tests/tools/rec_flags, which execs the real rec (real/rec there) with
# $REC_FLAGS (real/flags) before the test's own arguments, leaving pid,
# environment and stdio as they are, and whose `replay` is a link. So the
# suites keep calling "$BIN/rec" (check_replay too); REC_REAL names the
# real rec for a test that sets rec's options itself (suite-real's
# inproc-buffered).
# With REC_FLAGS empty, BIN is left as it is.

BIN=${BIN:-bin}
TBIN=${TBIN:-build/tests/programs}
REPLAYS=${REPLAYS:-10}
: "${TMPD:?TMPD must be set by run.sh}"
: "${RESULTS:?RESULTS must be set by run.sh}"

pass() { echo "PASS: $*"; echo pass >>"$RESULTS"; }
fail() { echo "FAIL: $*"; echo fail >>"$RESULTS"; }

# check_replay NAME [--stdin FILE] -- PROG ARGS...
# Records PROG once (with CHECK_NATIVE=1, runs it natively first: the
# recording must exit as the native run did, since test programs check
# themselves and exit 1 if wrong), then replays it $REPLAYS times; each replay must print byte-identical stdout,
# exit with the same status and report no divergence.
check_replay() {
	local name=$1; shift
	local stdin=/dev/null
	if [ "$1" = --stdin ]; then stdin=$2; shift 2; fi
	[ "$1" = -- ] && shift
	local d="$TMPD/$name" i rs ps
	mkdir -p "$d"
	timeout -k 10 120 "$BIN/rec" -q -o "$d/trace.lz4" -- "$@" <"$stdin" >"$d/rec.out" 2>"$d/rec.err"
	rs=$?
	ns=$rs
	if [ -n "${CHECK_NATIVE:-}" ]; then
		timeout 120 "$@" <"$stdin" >"$d/native.out" 2>"$d/native.err"
		ns=$?
	fi
	if [ ! -s "$d/trace.lz4" ] || grep -q '^rec: ' "$d/rec.err"; then
		fail "$name: recording failed (status $rs): $(grep '^rec: ' "$d/rec.err" | head -1)"
		return 1
	fi
	if [ "$rs" != "$ns" ]; then
		fail "$name: the recording exited $rs, a native run $ns: $(tail -1 "$d/rec.out")"
		return 1
	fi
	for i in $(seq 1 "$REPLAYS"); do
		timeout -k 10 120 "$BIN/replay" "$d/trace.lz4" >"$d/replay.out" 2>"$d/replay.err" </dev/null
		ps=$?
		if [ "$ps" != "$rs" ]; then
			fail "$name: replay $i exited $ps, recording exited $rs: $(grep -m1 '^replay: ' "$d/replay.err")"
			return 1
		fi
		if ! cmp -s "$d/rec.out" "$d/replay.out"; then
			fail "$name: replay $i printed other output than the recording ($d)"
			return 1
		fi
		if grep -q '^replay: ' "$d/replay.err"; then
			fail "$name: replay $i reported: $(grep -m1 '^replay: ' "$d/replay.err")"
			return 1
		fi
	done
	pass "$name (status $rs, $(wc -c <"$d/rec.out") bytes of output, $REPLAYS replays)"
}

# expect_status NAME WANT CMD... : CMD must exit with status WANT and print
# exactly one line on stderr.
expect_status() {
	local name=$1 want=$2; shift 2
	local err="$TMPD/$name.err" st
	timeout 60 "$@" >/dev/null 2>"$err" </dev/null
	st=$?
	if [ "$st" != "$want" ]; then
		fail "$name: exit status $st, want $want: $(head -1 "$err")"
	elif [ "$(wc -l <"$err")" != 1 ]; then
		fail "$name: want one line on stderr, got $(wc -l <"$err"): $(head -3 "$err")"
	else
		pass "$name (status $st: $(cat "$err"))"
	fi
}
