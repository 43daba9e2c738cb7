#!/usr/bin/env bash
# tests/fuzz/run.sh - three fuzzers, run by `make fuzz`:
# 1. the trace reader fuzzer (libFuzzer + ASan + UBSan, with common/*.c)
#    for FUZZ_SECONDS (default 30) over the seed corpus tests/fuzz/corpus/;
# 1b. the gdb remote protocol fuzzer (fuzz_gdb.c: replayer/gdb_conn.c and
#    gdb_req.c, same sanitizers) for FUZZ_SECONDS over tests/fuzz/corpus-gdb/;
# 2. replay_fuzz.py for REPLAY_FUZZ_SECONDS (default 30): real replays, by
#    the ASan build in $REPLAY_BIN, of recorded traces mutated by trace_edit
#    (record fields and records re-encoded with valid checksums; whole
#    frames dropped, repeated, swapped, cut), four at once, each within
#    REPLAY_LIMIT seconds (default 150; replay's own bound gives up after
#    30 s plus 10 times the recorded time).
# Crashes, hangs and leaks go to tests/fuzz/findings/; exits non-zero if
# there are any there. Environment: FUZZ_SECONDS, REPLAY_FUZZ_SECONDS
# (0: skip), REPLAY_LIMIT, CLANG (default clang), FUZZ_ARGS (more
# libFuzzer options, e.g. "-jobs=4 -workers=4"); BIN, REPLAY_BIN, TBIN,
# TOOLS (set by make fuzz).
# `tests/fuzz/run.sh FILE...` runs the given inputs once through the reader
# fuzzer instead (to reproduce a finding; FUZZER=gdb: through the gdb
# protocol fuzzer, for a finding in findings/gdb/); a replay finding (.lz4) is
# reproduced with `bin-asan/replay FILE`.
set -u
cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
REPLAY_FUZZ_SECONDS=${REPLAY_FUZZ_SECONDS:-30}
BIN=${BIN:-bin}
REPLAY_BIN=${REPLAY_BIN:-bin-asan}
TBIN=${TBIN:-build/tests/programs}
TOOLS=${TOOLS:-build/tests/tools}
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
	-lseccomp -lcapstone -llz4 -lxxhash -pthread || exit 2
"$CLANG" -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$OUT/fuzz_gdb" tests/fuzz/fuzz_gdb.c replayer/gdb_conn.c replayer/gdb_req.c common/util.c || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ $# -gt 0 ]; then
	exec "$OUT/fuzz_${FUZZER:-trace}" -runs=1 "$@"
fi

# New inputs go to build/fuzz/corpus; the seeds in the tree stay as they are.
"$OUT/fuzz_trace" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2048 \
	-max_len=262144 -dict=tests/fuzz/trace.dict -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/" ${FUZZ_ARGS:-} "$OUT/corpus" tests/fuzz/corpus
st=$?
mkdir -p "$OUT/corpus-gdb" "$FINDINGS/gdb"
"$OUT/fuzz_gdb" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2048 \
	-max_len=65536 -dict=tests/fuzz/gdb.dict -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/gdb/" ${FUZZ_ARGS:-} "$OUT/corpus-gdb" tests/fuzz/corpus-gdb
gst=$?
[ "$st" = 0 ] && st=$gst
rst=0
if [ "$REPLAY_FUZZ_SECONDS" != 0 ]; then
	# Programs of several kinds: threads, signals, fork, files, preemption,
	# a seccomp filter's answers and kills (SCF_NOT_RUN, SCF_KILL).
	progs=()
	for p in exit_3 env_argv pipes file_io mmap_file race_counter cond_pingpong sig_alarm signals \
		segv_crash fork_tree preempt_compute threads_sync spin_handoff seccomp_filter; do
		[ -x "$TBIN/$p" ] && progs+=("$TBIN/$p")
	done
	python3 tests/fuzz/replay_fuzz.py --rec "$BIN/rec" --replay "$REPLAY_BIN/replay" --edit "$TOOLS/trace_edit" \
		--seconds "$REPLAY_FUZZ_SECONDS" --limit "${REPLAY_LIMIT:-150}" --work "$OUT/replay" \
		--findings "$FINDINGS" "${progs[@]}"
	rst=$?
fi
found=$(find "$FINDINGS" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'replay-*.lz4' \) | wc -l)
if [ "$found" -gt 0 ]; then
	echo "fuzz: $found finding(s) in $FINDINGS:" >&2
	ls -lR "$FINDINGS" >&2
	exit 1
fi
if [ "$st" != 0 ] || [ "$rst" != 0 ]; then
	echo "fuzz: the fuzzer exited with status $st, replay_fuzz with $rst" >&2
	exit 1
fi
echo "fuzz: no findings in ${FUZZ_SECONDS}s of reader fuzzing, ${FUZZ_SECONDS}s of gdb protocol fuzzing and ${REPLAY_FUZZ_SECONDS}s of replays"
