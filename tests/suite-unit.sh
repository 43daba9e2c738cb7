# tests/suite-unit.sh - runs each cmocka unit test binary built from tests/unit/*.c.
. tests/lib.sh
for t in "$UBIN"/*; do
	[ -x "$t" ] || continue
	if "$t" >"$TMPD/unit.$(basename "$t").out" 2>&1; then
		pass "unit $(basename "$t"): $(grep -c '\[       OK \]' "$TMPD/unit.$(basename "$t").out") cases"
	else
		fail "unit $(basename "$t")"
		grep -E 'FAILED|ERROR|error' "$TMPD/unit.$(basename "$t").out" | head -20
	fi
done
