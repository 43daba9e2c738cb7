# tests/suite-programs.sh - each tests/programs/*.c is recorded once and
# replayed $REPLAYS times; output and exit status must match exactly.
. tests/lib.sh
for p in "$TBIN"/*; do
	[ -x "$p" ] || continue
	check_replay "prog-$(basename "$p")" -- "$p"
done
