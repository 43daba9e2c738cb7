#!/usr/bin/env bash
# tests/fuzz/run.sh - builds the trace reader fuzzer (libFuzzer + ASan +
# UBSan, with common/*.c) and runs it for FUZZ_SECONDS (default 60) over
# the seed corpus tests/fuzz/corpus/. Crashes, hangs and leaks go to
# tests/fuzz/findings/; exits non-zero if there are any there.
# Environment: FUZZ_SECONDS, CLANG (default clang), FUZZ_ARGS (more
# libFuzzer options, e.g. "-jobs=4 -workers=4").
# `tests/fuzz/run.sh FILE...` runs the given inputs once instead (to
# reproduce a finding).
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${CLANG:-clang}
OUT=build/fuzz
FINDINGS=tests/fuzz/findings

if ! command -v "$CLANG" >/dev/null; then
	echo "fuzz: $CLANG not found (apt-get install clang)" >&2
	exit 2
fi
mkdir -p "$OUT/corpus" "$FINDINGS"
"$CLANG" -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wno-string-plus-int \
	-o "$OUT/fuzz_trace" tests/fuzz/fuzz_trace.c common/*.c \
	-lseccomp -lcapstone -llz4 -lxxhash || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ $# -gt 0 ]; then
	exec "$OUT/fuzz_trace" -runs=1 "$@"
fi

# New inputs go to build/fuzz/corpus; the seeds in the tree stay as they are.
"$OUT/fuzz_trace" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	-max_len=262144 -dict=tests/fuzz/trace.dict -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/" ${FUZZ_ARGS:-} "$OUT/corpus" tests/fuzz/corpus
st=$?
found=$(find "$FINDINGS" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
if [ "$found" -gt 0 ]; then
	echo "fuzz: $found finding(s) in $FINDINGS:" >&2
	ls -l "$FINDINGS" >&2
	exit 1
fi
if [ "$st" != 0 ]; then
	echo "fuzz: the fuzzer exited with status $st" >&2
	exit 1
fi
echo "fuzz: no findings in ${FUZZ_SECONDS}s"
