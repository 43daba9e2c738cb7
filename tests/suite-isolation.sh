# tests/suite-isolation.sh - replay works from the trace alone and has no
# side effects; rec leaves a usable trace when it is killed; the recorded
# program sees what it would see unrecorded.
#  - fs: replaying a program that creates, writes, renames and deletes files
#    leaves its directory exactly as it was (and does not recreate it when
#    it is gone); same for sqlite3 writing a database.
#  - net: replaying a program that connected to a loopback listener does not
#    reach a new listener on the same port.
#  - portability: a program compiled (with its own shared library) into a
#    temp directory replays after that directory is deleted.
#  - rec killed with SIGKILL: replay of the partial trace exits 124 with one
#    line on stderr, after printing a prefix of what the program printed.
#  - transparency: exit statuses and the CPU count under rec equal those of
#    an unrecorded run.
. tests/lib.sh

PY=/usr/bin/python3
ISO="$TMPD/isolation"
mkdir -p "$ISO"

# replay_same NAME TRACE WANT_STATUS WANT_OUT: replays TRACE $REPLAYS times;
# each must exit WANT_STATUS, print WANT_OUT exactly, report no divergence.
# Returns 1 (after one fail) on the first difference.
replay_same() {
	local name=$1 trace=$2 want=$3 wantout=$4 i st
	for i in $(seq 1 "$REPLAYS"); do
		timeout 60 "$BIN/replay" "$trace" >"$ISO/$name.replay.out" 2>"$ISO/$name.replay.err" </dev/null
		st=$?
		if [ "$st" != "$want" ]; then
			fail "$name: replay $i exited $st, want $want: $(head -1 "$ISO/$name.replay.err")"
			return 1
		fi
		if ! cmp -s "$wantout" "$ISO/$name.replay.out"; then
			fail "$name: replay $i printed other output than the recording ($ISO/$name.replay.out)"
			return 1
		fi
		if grep -q '^replay: ' "$ISO/$name.replay.err"; then
			fail "$name: replay $i reported: $(grep -m1 '^replay: ' "$ISO/$name.replay.err")"
			return 1
		fi
	done
	return 0
}

# snapshot DIR: every entry's path, type, size, mode, inode, link count,
# mtime, ctime and symlink target, then a checksum of each regular file.
# (Not atime: reading the files for the checksums changes it.)
snapshot() {
	(cd "$1" && find . -printf '%p %y %s %m %i %n %T@ %C@ %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# record NAME OUT TRACE PROG ARGS...: records; sets REC_STATUS. Fails the
# test NAME and returns 1 when rec itself failed.
record() {
	local name=$1 out=$2 trace=$3; shift 3
	timeout 60 "$BIN/rec" -q -o "$trace" -- "$@" >"$out" 2>"$ISO/$name.rec.err" </dev/null
	REC_STATUS=$?
	if [ ! -s "$trace" ] || grep -q '^rec: ' "$ISO/$name.rec.err"; then
		fail "$name: recording failed (status $REC_STATUS): $(grep -m1 '^rec: ' "$ISO/$name.rec.err")"
		return 1
	fi
}

## fs: replay must not touch the file system.
fs_test() {
	local name=iso-fs W="$ISO/fs-work"
	mkdir -p "$W"
	echo "existing file" >"$W/pre-existing.txt"
	record $name "$ISO/fs.rec.out" "$ISO/fs.lz4" "$TBIN/fs_effects" "$W" || return
	if [ "$REC_STATUS" != 0 ] || [ ! -e "$W/renamed.bin" ] || [ -e "$W/b.txt" ]; then
		fail "$name: the recorded run did not do its work (status $REC_STATUS): $(ls "$W" | tr '\n' ' ')"
		return
	fi
	snapshot "$W" >"$ISO/fs.before"
	# Let a second pass of time go by so that any rewrite changes mtime/ctime.
	sleep 0.05
	replay_same $name "$ISO/fs.lz4" "$REC_STATUS" "$ISO/fs.rec.out" || return
	snapshot "$W" >"$ISO/fs.after"
	if ! cmp -s "$ISO/fs.before" "$ISO/fs.after"; then
		fail "$name: replay changed $W: $(diff "$ISO/fs.before" "$ISO/fs.after" | grep '^[<>]' | head -3 | tr '\n' ' ')"
		return
	fi
	pass "$name: $REPLAYS replays left $(wc -l <"$ISO/fs.before") snapshot lines of $W unchanged"

	# With the directory gone, replay still works and does not recreate it.
	rm -rf "$W"
	replay_same iso-fs-dir-gone "$ISO/fs.lz4" "$REC_STATUS" "$ISO/fs.rec.out" || return
	if [ -e "$W" ]; then
		fail "iso-fs-dir-gone: replay recreated $W: $(ls -A "$W" | tr '\n' ' ')"
	else
		pass "iso-fs-dir-gone: replay ran without $W and did not recreate it"
	fi
}

## sqlite3 writing a database (journal files, locks, fsync).
sqlite_test() {
	local name=iso-sqlite3 W="$ISO/sqlite"
	if [ ! -x /usr/bin/sqlite3 ]; then
		echo "SKIP: $name: sqlite3 is not installed"
		return
	fi
	mkdir -p "$W"
	timeout 30 /usr/bin/sqlite3 "$W/db" 'create table t(x); insert into t values (random());' </dev/null
	record $name "$ISO/sqlite.rec.out" "$ISO/sqlite.lz4" /usr/bin/sqlite3 "$W/db" \
		'insert into t select random() from t; insert into t select random() from t; delete from t where x < 0; select count(*) from t; vacuum;' || return
	snapshot "$W" >"$ISO/sqlite.before"
	sleep 0.05
	replay_same $name "$ISO/sqlite.lz4" "$REC_STATUS" "$ISO/sqlite.rec.out" || return
	snapshot "$W" >"$ISO/sqlite.after"
	if cmp -s "$ISO/sqlite.before" "$ISO/sqlite.after"; then
		pass "$name: replays left the database directory unchanged"
	else
		fail "$name: replay changed $W: $(diff "$ISO/sqlite.before" "$ISO/sqlite.after" | grep '^[<>]' | head -3 | tr '\n' ' ')"
	fi
}

## net: replay must not connect to anything.
# listener PORT OUTFILE: a one-connection loopback TCP server in the
# background (PORT 0: any); it writes its port to OUTFILE.port, then the first
# line it receives to OUTFILE, and answers "pong".
listener() {
	timeout 20 "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
s.settimeout(15)
open(sys.argv[2] + ".port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[2] + ".port.tmp", sys.argv[2] + ".port")
try:
    c, _ = s.accept()
    c.settimeout(5)
    line = c.recv(100).decode(errors="replace").strip()
    c.sendall(b"pong\n")
    c.close()
except Exception as e:
    line = "ERROR " + type(e).__name__
open(sys.argv[2], "w").write(line + "\n")
' "$1" "$2" &
	LISTENER_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$2.port" ] && return 0
		sleep 0.05
	done
	return 1
}

net_test() {
	local name=iso-net port
	if [ ! -x "$PY" ]; then
		echo "SKIP: $name: $PY is not installed"
		return
	fi
	if ! listener 0 "$ISO/net.first"; then
		fail "$name: test listener did not start"
		return
	fi
	port=$(cat "$ISO/net.first.port")
	record $name "$ISO/net.rec.out" "$ISO/net.lz4" "$TBIN/tcp_client" "$port"
	local rc=$?
	wait "$LISTENER_PID"
	[ $rc = 0 ] || return
	if ! grep -q 'hello from tcp_client' "$ISO/net.first"; then
		fail "$name: the recorded run did not reach the listener (it got: $(cat "$ISO/net.first" 2>/dev/null))"
		return
	fi
	if ! listener "$port" "$ISO/net.second"; then
		echo "SKIP: $name: could not listen on port $port again"
		kill "$LISTENER_PID" 2>/dev/null
		wait "$LISTENER_PID" 2>/dev/null
		return
	fi
	replay_same $name "$ISO/net.lz4" "$REC_STATUS" "$ISO/net.rec.out"
	rc=$?
	# Our own probe: whatever reached the listener first is what it reports.
	timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$port"' && echo PROBE >&3 && head -1 <&3 >/dev/null' 2>/dev/null
	wait "$LISTENER_PID"
	[ $rc = 0 ] || return
	if grep -q '^PROBE' "$ISO/net.second"; then
		pass "$name: replay did not connect to the listener on port $port"
	else
		fail "$name: a replay reached the listener on port $port: $(cat "$ISO/net.second")"
	fi
}

## portability: the program's directory (binary, shared library, data file)
## is gone at replay.
portability_test() {
	local name=iso-portable P
	if ! command -v gcc >/dev/null; then
		echo "SKIP: $name: gcc is not installed"
		return
	fi
	P=$(mktemp -d /tmp/heisen-portable.XXXXXX)
	cat >"$P/libport.c" <<'EOF'
int port_value(int x) { return x * 1000 + 7; }
EOF
	cat >"$P/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int port_value(int x);
int main(int argc, char **argv)
{
	char self[4096], path[4200], line[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	printf("argc %d argv[0] %s\nexe %s\n", argc, argv[0], self);
	printf("port_value %d\n", port_value(42));
	strcpy(path, self);
	strcpy(strrchr(path, '/') + 1, "data.txt");
	FILE *f = fopen(path, "r");
	if (!f || !fgets(line, sizeof line, f)) { printf("no data file\n"); return 1; }
	fclose(f);
	printf("data: %s", line);
	printf("pid %d time %ld\n", getpid(), (long)time(NULL));
	return 42;
}
EOF
	echo "data written at $(date +%s%N)" >"$P/data.txt"
	if ! (cd "$P" && timeout 60 gcc -O1 -shared -fPIC -o libport.so libport.c &&
		timeout 60 gcc -O1 -o prog prog.c -L. -lport -Wl,-rpath,"$P") >"$ISO/portable.cc.err" 2>&1; then
		fail "$name: could not compile: $(head -1 "$ISO/portable.cc.err")"
		rm -rf "$P"
		return
	fi
	record $name "$ISO/portable.rec.out" "$ISO/portable.lz4" "$P/prog" one two
	local rc=$?
	rm -rf "$P"
	[ $rc = 0 ] || return
	if [ "$REC_STATUS" != 42 ] || ! grep -q '^data: data written' "$ISO/portable.rec.out"; then
		fail "$name: the recorded run went wrong (status $REC_STATUS): $(head -5 "$ISO/portable.rec.out" | tr '\n' ' ')"
		return
	fi
	[ -e "$P" ] && { fail "$name: could not delete $P"; return; }
	replay_same $name "$ISO/portable.lz4" 42 "$ISO/portable.rec.out" &&
		pass "$name: replayed with $P (binary, libport.so, data.txt) deleted, status 42"
}

## rec killed with SIGKILL in the middle of a recording.
rec_kill_test() {
	local name=iso-rec-kill9 T="$ISO/killed.lz4" st recpid lines rlines size1 size2
	# 150 lines 20 ms apart: about 3 s, so it ends by itself if it survives.
	"$BIN/rec" -q -o "$T" -- "$TBIN/ticker" 150 20 >"$ISO/killed.rec.out" 2>"$ISO/killed.rec.err" </dev/null &
	recpid=$!
	sleep 1
	if ! kill -0 "$recpid" 2>/dev/null; then
		wait "$recpid"
		fail "$name: rec ended before it could be killed (status $?): $(head -1 "$ISO/killed.rec.err")"
		return
	fi
	kill -9 "$recpid"
	wait "$recpid" 2>/dev/null
	# The tracee must die with its tracer (PTRACE_O_EXITKILL): its output
	# file stops growing.
	size1=$(stat -c %s "$ISO/killed.rec.out")
	sleep 0.3
	size2=$(stat -c %s "$ISO/killed.rec.out")
	if [ "$size1" != "$size2" ]; then
		fail "$name-tracee: the recorded program kept running after rec was killed"
	else
		pass "$name-tracee: the recorded program died with rec ($(wc -l <"$ISO/killed.rec.out") lines printed)"
	fi
	if [ ! -e "$T" ]; then
		fail "$name: no trace file left behind"
		return
	fi

	timeout 30 "$BIN/replay" "$T" >"$ISO/killed.replay.out" 2>"$ISO/killed.replay.err" </dev/null
	st=$?
	lines=$(wc -l <"$ISO/killed.replay.err")
	rlines=$(wc -l <"$ISO/killed.replay.out")
	if [ "$st" != 124 ]; then
		fail "$name: replay of the partial trace exited $st, want 124 (truncated): $(head -3 "$ISO/killed.replay.err" | tr '\n' ' ')"
	elif [ "$lines" != 1 ] || ! grep -qi 'truncat' "$ISO/killed.replay.err"; then
		fail "$name: want one line on stderr mentioning truncation, got $lines: $(head -3 "$ISO/killed.replay.err" | tr '\n' ' ')"
	else
		pass "$name: replay exited 124: $(cat "$ISO/killed.replay.err")"
	fi
	# What replay printed is a prefix of what the program printed.
	if [ "$(stat -c %s "$ISO/killed.replay.out")" -gt "$(stat -c %s "$ISO/killed.rec.out")" ] ||
		! cmp -s -n "$(stat -c %s "$ISO/killed.replay.out")" "$ISO/killed.replay.out" "$ISO/killed.rec.out"; then
		fail "$name-prefix: replay printed what the recording did not ($ISO/killed.replay.out)"
	elif [ "$rlines" = 0 ]; then
		fail "$name-prefix: replay printed nothing of the $(wc -l <"$ISO/killed.rec.out") lines recorded in the 1 s before the kill (frames not flushed while recording?)"
	else
		pass "$name-prefix: replay printed $rlines of $(wc -l <"$ISO/killed.rec.out") lines, a prefix"
	fi
	# Same for --info and --dump: they must not crash or hang on it.
	timeout 30 "$BIN/replay" --dump "$T" >/dev/null 2>"$ISO/killed.dump.err"
	st=$?
	if [ "$st" = 124 ] || [ "$st" = 0 ]; then
		pass "$name-dump: replay --dump of the partial trace exited $st"
	else
		fail "$name-dump: replay --dump of the partial trace exited $st: $(head -1 "$ISO/killed.dump.err")"
	fi
}

## A complete trace cut short by hand also reads as truncated.
cut_trace_test() {
	local T="$ISO/cut.lz4" size
	timeout 60 "$BIN/rec" -q -o "$ISO/whole.lz4" -- "$TBIN/ticker" 5 1 >/dev/null 2>&1 </dev/null
	size=$(stat -c %s "$ISO/whole.lz4" 2>/dev/null || echo 0)
	if [ "$size" -lt 1000 ]; then
		fail "iso-cut-trace: could not record ticker (trace of $size bytes)"
		return
	fi
	head -c $((size * 2 / 3)) "$ISO/whole.lz4" >"$T"
	expect_status iso-cut-trace 124 "$BIN/replay" "$T"
}

## Transparency: what a recorded program sees equals an unrecorded run.
transparency_test() {
	local p want nat st
	for p in exit_0:0 exit_3:3 exit_255:255 segv_crash:139 abort:134; do
		want=${p#*:}; p=${p%%:*}
		[ -x "$TBIN/$p" ] || { fail "iso-status-$p: $TBIN/$p not built"; continue; }
		# (braces: keeps bash's "Segmentation fault" notice off the log)
		{ timeout 30 "$TBIN/$p" >/dev/null 2>&1 </dev/null; nat=$?; } 2>/dev/null
		timeout 30 "$BIN/rec" -q -o "$ISO/status-$p.lz4" -- "$TBIN/$p" >/dev/null 2>&1 </dev/null
		st=$?
		if [ "$nat" = "$want" ] && [ "$st" = "$want" ]; then
			pass "iso-status-$p: exit status $want unrecorded and under rec"
		else
			fail "iso-status-$p: want status $want, unrecorded $nat, under rec $st"
		fi
	done
	timeout 30 "$BIN/rec" -q -o "$ISO/affinity.lz4" -- "$TBIN/affinity" >"$ISO/affinity.out" 2>&1 </dev/null
	if grep -q '^cpus match' "$ISO/affinity.out"; then
		pass "iso-affinity: under rec sched_getaffinity reports all $(grep -o 'CPU_COUNT [0-9]*' "$ISO/affinity.out") online CPUs"
	else
		fail "iso-affinity: under rec sched_getaffinity does not report the online CPUs: $(head -1 "$ISO/affinity.out")"
	fi
	"$TBIN/env_argv" "arg one" '' "ünïcode" >"$ISO/env.native" 2>&1
	timeout 30 "$BIN/rec" -q -o "$ISO/env.lz4" -- "$TBIN/env_argv" "arg one" '' "ünïcode" >"$ISO/env.rec" 2>&1 </dev/null
	# argv[0] and $_ (set by bash to the command run) differ by nature.
	if cmp -s <(grep -v '^argv\[0\]\|^env _=' "$ISO/env.native") <(grep -v '^argv\[0\]\|^env _=' "$ISO/env.rec"); then
		pass "iso-env: argv and environment under rec equal an unrecorded run"
	else
		fail "iso-env: argv/environment differ under rec: $(diff "$ISO/env.native" "$ISO/env.rec" | grep '^[<>]' | head -2 | tr '\n' ' ')"
	fi
	check_replay iso-env-replay -- "$TBIN/env_argv" "arg one" '' "ünïcode"
}

fs_test
sqlite_test
net_test
portability_test
rec_kill_test
cut_trace_test
transparency_test
exit 0
