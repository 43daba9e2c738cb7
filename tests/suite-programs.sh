# tests/suite-programs.sh - each tests/programs/*.c and *.go is recorded once and
# replayed $REPLAYS times; output and exit status must match exactly, and
# the recording must exit as a native run does.
. tests/lib.sh
for p in "$TBIN"/*; do
	n=$(basename "$p")
	[ -x "$p" ] || continue
	[ -f "tests/programs/$n.c" ] || [ -f "tests/programs/$n.go" ] || continue # a stale build of a removed test
	CHECK_NATIVE=1 check_replay "prog-$(basename "$p")" -- "$p"
done
