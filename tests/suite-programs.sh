# tests/suite-programs.sh - each tests/programs/*.c is recorded once and
# replayed $REPLAYS times; output and exit status must match exactly, and
# the recording must exit as a native run does.
. tests/lib.sh
for p in "$TBIN"/*; do
	[ -x "$p" ] || continue
	CHECK_NATIVE=1 check_replay "prog-$(basename "$p")" -- "$p"
done
