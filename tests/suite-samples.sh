# tests/suite-samples.sh - every heisenbug sample (samples/*.c and
# samples/*.go, built into build/samples/) is captured failing with
#   rec --chaos --seed S --until-fail=N -o TRACE PROG
# then replayed $REPLAYS times: each replay must exit with the status of the
# failing run (rec exits with it; a sample that passes exits 0), report no
# divergence, and print the same stdout and stderr bytes as the failing run.
# rec may echo the output of the runs before the failing one too, and adds
# its own "rec: " lines (runs taken, seed): so the failing run's output is
# the end of what rec printed, without those lines. replay --info must name
# the seed.
# Environment: SBIN (built samples, default next to TBIN), SAMPLE_SEED and
# SAMPLE_TRIES (defaults for samples not in the table below).
. tests/lib.sh

SBIN=${SBIN:-${TBIN%/tests/programs}/samples}
S="$TMPD/samples"
mkdir -p "$S"

# A seed known to make each sample fail within its number of runs (from
# bench/capture.sh); samples not listed use SAMPLE_SEED and SAMPLE_TRIES.
# Runs are short: enough tries that a sample failing in half of the chaos
# runs is captured but for 1 in 10^9 runs of the suite (race_crash fails
# by its random inputs, in about 1 run of 2, chaos or not).
capture_args() {
	case $1 in
	race_crash) echo "${SAMPLE_SEED:-1} 100" ;;
	*) echo "${SAMPLE_SEED:-1} ${SAMPLE_TRIES:-30}" ;;
	esac
}

# ends_with BIG SMALL: whether file BIG ends with the bytes of file SMALL.
ends_with() {
	local n
	n=$(wc -c <"$2")
	[ "$(wc -c <"$1")" -ge "$n" ] && cmp -s <(tail -c "$n" "$1") "$2"
}

sample_case() {
	local prog=$1 name seed tries d rs ps i
	name=$(basename "$prog")
	read -r seed tries <<<"$(capture_args "$name")"
	d="$S/$name"
	mkdir -p "$d"
	timeout -k 10 600 "$BIN/rec" --chaos --seed "$seed" --until-fail="$tries" -q -o "$d/trace.lz4" -- "$prog" \
		</dev/null >"$d/rec.out" 2>"$d/rec.all.err"
	rs=$?
	grep -v '^rec: ' "$d/rec.all.err" >"$d/rec.err"
	if [ "$rs" -ge 120 ] && [ "$rs" -le 127 ] && grep -q '^rec: ' "$d/rec.all.err"; then
		fail "sample-$name: rec --chaos --seed $seed --until-fail=$tries failed (status $rs): $(grep -m1 '^rec: ' "$d/rec.all.err")"
		return
	fi
	if [ ! -s "$d/trace.lz4" ] || [ "$rs" = 0 ]; then
		fail "sample-$name: no failure captured with --chaos --seed $seed --until-fail=$tries (status $rs, trace $([ -s "$d/trace.lz4" ] && echo kept || echo missing))"
		return
	fi
	if ! "$BIN/replay" --info "$d/trace.lz4" 2>&1 | grep -qi 'seed'; then
		fail "sample-$name: replay --info does not show the chaos seed"
		return
	fi
	for i in $(seq 1 "$REPLAYS"); do
		timeout -k 10 120 "$BIN/replay" "$d/trace.lz4" >"$d/replay.out" 2>"$d/replay.all.err" </dev/null
		ps=$?
		grep -v '^replay: ' "$d/replay.all.err" >"$d/replay.err"
		if [ "$ps" != "$rs" ]; then
			fail "sample-$name: replay $i exited $ps, the failing run $rs: $(grep -m1 '^replay: ' "$d/replay.all.err")"
			return
		fi
		if grep -q '^replay: ' "$d/replay.all.err"; then
			fail "sample-$name: replay $i reported: $(grep -m1 '^replay: ' "$d/replay.all.err")"
			return
		fi
		if ! ends_with "$d/rec.out" "$d/replay.out" || ! ends_with "$d/rec.err" "$d/replay.err"; then
			fail "sample-$name: replay $i printed other output than the failing run ($d)"
			return
		fi
	done
	pass "sample-$name (seed $seed: status $rs, $(cat "$d/replay.out" "$d/replay.err" | wc -c) bytes of output, $REPLAYS replays)"
}

n=0
for p in "$SBIN"/*; do
	name=$(basename "$p")
	[ -f "$p" ] && [ -x "$p" ] || continue
	[ -f "samples/$name.c" ] || [ -f "samples/$name.go" ] || continue # not a sample (or a stale build)
	sample_case "$p"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "samples: no sample built in $SBIN (make tests builds them)"
