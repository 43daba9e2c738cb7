# tests/suite-real.sh - real programs (python3, sqlite3, coreutils) recorded
# once and replayed $REPLAYS times with check_replay: same output, same exit
# status, no divergence. A program that is not installed is skipped (no pass,
# no fail).
. tests/lib.sh

# have NAME PATH: PATH is an executable; says SKIP otherwise.
have() {
	[ -x "$2" ] && return 0
	echo "SKIP: $1: $2 is not installed"
	return 1
}

D="$TMPD/real-data"
mkdir -p "$D/dir/sub"
# Inputs: a text file of numbers in random order, a few files to list.
for i in $(seq 1 2000); do echo "$(( (i * 7919 + RANDOM) % 100000 )) line $i"; done >"$D/numbers.txt"
printf 'alpha\nbeta\ngamma\n' >"$D/dir/a.txt"
head -c 5000 /etc/services >"$D/dir/b.bin" 2>/dev/null || head -c 5000 /etc/passwd >"$D/dir/b.bin"
ln -s a.txt "$D/dir/link"
touch -d '2001-02-03 04:05:06' "$D/dir/sub"

PY=/usr/bin/python3
if have python3 "$PY"; then
	# Random numbers, wall-clock and monotonic time, a file hash, pid,
	# os.urandom and a directory listing, all printed.
	check_replay real-python3 -- "$PY" -c '
import hashlib, os, random, time
print("random", random.random(), random.randint(0, 10**9))
print("time", time.time(), time.monotonic(), time.perf_counter_ns())
print("passwd sha256", hashlib.sha256(open("/etc/passwd", "rb").read()).hexdigest())
print("urandom", os.urandom(16).hex())
print("pid", os.getpid(), "ppid", os.getppid(), "cwd", os.getcwd())
print("listdir", sorted(os.listdir("/etc"))[:5])
st = os.stat("/etc/passwd"); print("stat", st.st_ino, st.st_mtime_ns, st.st_size)
time.sleep(0.01)
print("after sleep", time.time())
'
	# Python writing, reading and deleting its own files.
	check_replay real-python3-files -- "$PY" -c '
import os, tempfile, json, random
d = tempfile.mkdtemp(prefix="heisen-py-")
p = os.path.join(d, "data.json")
with open(p, "w") as f: json.dump({"r": random.random(), "n": list(range(5))}, f)
with open(p) as f: print(f.read())
os.rename(p, p + ".old"); print(sorted(os.listdir(d)))
os.unlink(p + ".old"); os.rmdir(d); print("exists", os.path.exists(d))
'
	# sys.exit(7): the status must come back as 7.
	check_replay real-python3-exit -- "$PY" -c 'import sys, time; print(time.time()); sys.exit(7)'
	# Threads computing under the GIL (handed over every 5 ms with futexes
	# and timed waits): the switch order and the racy sum replay exactly.
	check_replay real-python3-threads -- "$PY" -c '
import threading
total = [0]
def work(k):
    for i in range(200000):
        total[0] += i * k
ts = [threading.Thread(target=work, args=(k,)) for k in (1, 2, 3)]
for t in ts: t.start()
for t in ts: t.join()
print("total", total[0])
'
	# A pool of 4 worker processes: their futex waits, interrupted by
	# signals, return kernel-internal restart codes (-ERESTARTSYS) the
	# program never sees; replay must not hand them to it either.
	check_replay real-python3-pool -- "$PY" -c '
import multiprocessing as m
print(sum(m.Pool(4).map(abs, range(-1000, 1000))))
'
fi

if have sqlite3 /usr/bin/sqlite3; then
	mkdir -p "$D/sqlite"
	check_replay real-sqlite3 -- /usr/bin/sqlite3 "$D/sqlite/test.db" '
create table t(id integer primary key, r integer, ts text);
insert into t(r, ts) values (random(), strftime("%Y-%m-%d %H:%M:%f", "now"));
insert into t(r, ts) select random(), datetime("now") from t;
insert into t(r, ts) select random(), datetime("now") from t;
insert into t(r, ts) select random(), julianday("now") from t;
select id, r, ts from t order by id;
select count(*), sum(r % 1000), hex(randomblob(8)) from t;
pragma integrity_check;'
	# A second recording opens the database written above.
	check_replay real-sqlite3-reopen -- /usr/bin/sqlite3 "$D/sqlite/test.db" \
		'update t set r = random() where id % 2 = 0; select sum(r & 255), count(*) from t; vacuum;'
fi

if have ls /usr/bin/ls; then
	check_replay real-ls-l -- /usr/bin/ls -l --time-style=full-iso "$D/dir" /etc/passwd
	check_replay real-ls-lai -- /usr/bin/ls -laiR "$D/dir"
fi
# A benchmark: SIGALRM ends each of its tight loops (no syscall in them),
# which replay must find again in about the recording's time; the timings
# it prints replay identically.
have openssl /usr/bin/openssl && check_replay real-openssl-speed -- /usr/bin/openssl speed -seconds 1 sha256
have date /usr/bin/date && check_replay real-date -- /usr/bin/date +%s%N
have sha256sum /usr/bin/sha256sum && check_replay real-sha256sum -- /usr/bin/sha256sum "$D/numbers.txt" /etc/passwd
have od /usr/bin/od && check_replay real-od-urandom -- /usr/bin/od -An -N32 -tx1 /dev/urandom
have cat /usr/bin/cat && check_replay real-cat -- /usr/bin/cat "$D/dir/a.txt" "$D/numbers.txt"
if have wc /usr/bin/wc; then
	check_replay real-wc -- /usr/bin/wc "$D/numbers.txt" "$D/dir/b.bin"
	check_replay real-wc-stdin --stdin "$D/numbers.txt" -- /usr/bin/wc -lc
fi
# --parallel=1: sort could otherwise start threads, which heisen cannot
# record yet (the input is far below sort's threading threshold anyway).
have sort /usr/bin/sort && check_replay real-sort -- /usr/bin/sort -n --parallel=1 "$D/numbers.txt"
have stat /usr/bin/stat && check_replay real-stat -- /usr/bin/stat "$D/dir" "$D/dir/link" "$D/numbers.txt" /etc/passwd
have head /usr/bin/head && check_replay real-head-stdin --stdin "$D/numbers.txt" -- /usr/bin/head -n 3
have false /usr/bin/false && check_replay real-false -- /usr/bin/false
have id /usr/bin/id && check_replay real-id -- /usr/bin/id
# In-process recording (docs/inprocess.md, section 13, stage 1):
# inproc_clock makes 100,000 clock and id calls in two threads, then
# getrandom and the other id calls. With it, they are recorded inside the
# process: its trace must hold `buffer` records with entries and under
# 1,000 syscall records (inproc-buffered); with rec --no-inprocess, no
# buffer record and a syscall record for each of the 100,000 calls
# (inproc-buffered-off). Both traces replay to the recording's output and
# status. The two threads run together far longer than a 5 ms turn, and
# their turns end at rec's notify (docs/inprocess.md, section 15): with
# in-process recording on, at least one buffer record must say so. The
# real rec ($REC_REAL): this test sets the option itself, whatever
# REC_FLAGS says.
IP=$TBIN/inproc_clock
if [ -x "$IP" ]; then
	d=$TMPD/inproc-buffered
	mkdir -p "$d"
	for mode in on off; do
		name=inproc-buffered flags=
		[ "$mode" = off ] && name=inproc-buffered-off flags=--no-inprocess
		timeout -k 10 120 "$REC_REAL" $flags -q -o "$d/$mode.lz4" -- "$IP" </dev/null >"$d/$mode.out" 2>"$d/$mode.err"
		rs=$?
		timeout -k 10 120 "$BIN/replay" "$d/$mode.lz4" </dev/null >"$d/$mode.replay" 2>"$d/$mode.replay.err"
		ps=$?
		timeout 120 "$BIN/replay" --dump --json "$d/$mode.lz4" >"$d/$mode.json" 2>"$d/$mode.json.err"
		nsys=$(grep -c '^{"event":[0-9]*,"type":"syscall"' "$d/$mode.json")
		nbuf=$(grep -c '^{"event":[0-9]*,"type":"buffer"' "$d/$mode.json")
		nent=$(sed -n 's/^{"event":[0-9]*,"type":"buffer","tid":[0-9]*,"count":\([0-9]*\),.*/\1/p' "$d/$mode.json" |
			awk '{ n += $1 } END { print n + 0 }')
		nnot=$(grep -c '^{"event":[0-9]*,"type":"buffer",.*"notify":true' "$d/$mode.json")
		found="rec ${flags:-(in-process on)}: $nsys syscall records, $nbuf buffer records holding $nent buffered calls, $nnot ending a turn at rec's notify"
		if [ "$rs" != 0 ] || grep -q '^rec: ' "$d/$mode.err"; then
			fail "$name: recording inproc_clock exited $rs: $(grep -m1 '^rec: ' "$d/$mode.err")$(tail -1 "$d/$mode.out")"
		elif [ "$ps" != "$rs" ] || ! cmp -s "$d/$mode.out" "$d/$mode.replay" || grep -q '^replay: ' "$d/$mode.replay.err"; then
			fail "$name: replay exited $ps (recording $rs), output $(cmp -s "$d/$mode.out" "$d/$mode.replay" && echo same || echo OTHER): $(grep -m1 '^replay: ' "$d/$mode.replay.err"); $found"
		elif [ ! -s "$d/$mode.json" ] || [ -s "$d/$mode.json.err" ]; then
			fail "$name: replay --dump --json failed: $(head -1 "$d/$mode.json.err")"
		elif [ "$mode" = on ] && { [ "$nbuf" = 0 ] || [ "$nent" = 0 ] || [ "$nsys" -ge 1000 ] || [ "$nnot" = 0 ]; }; then
			fail "$name: want buffer records with buffered calls, one at least ending a turn at rec's notify, and under 1000 syscall records; $found"
		elif [ "$mode" = off ] && { [ "$nbuf" != 0 ] || [ "$nsys" -lt 100000 ]; }; then
			fail "$name: want no buffer record and 100000 syscall records or more; $found"
		else
			pass "$name: $found; replay: same output, status 0"
		fi
	done
fi
# rdtsc in-process (docs/inprocess.md, section 16): inproc_rdtsc reads the
# TSC about 60,000 times in two threads, a signal handler and a child. With
# in-process recording each site faults twice, then the library answers
# it: its trace must hold buffer entries for rdtsc and rdtscp (50,000 at
# least) and under 200 rdtsc records (inproc-rdtsc); with rec
# --no-inprocess, an rdtsc record for each read and no buffer entry for
# them (inproc-rdtsc-off). Both replay to the recording's output and
# status (0). The real rec ($REC_REAL), whatever REC_FLAGS says.
IP=$TBIN/inproc_rdtsc
if [ -x "$IP" ]; then
	d=$TMPD/inproc-rdtsc
	mkdir -p "$d"
	for mode in on off; do
		name=inproc-rdtsc flags=
		[ "$mode" = off ] && name=inproc-rdtsc-off flags=--no-inprocess
		timeout -k 10 300 "$REC_REAL" $flags -q -o "$d/$mode.lz4" -- "$IP" </dev/null >"$d/$mode.out" 2>"$d/$mode.err"
		rs=$?
		timeout -k 10 300 "$BIN/replay" "$d/$mode.lz4" </dev/null >"$d/$mode.replay" 2>"$d/$mode.replay.err"
		ps=$?
		timeout 120 "$BIN/replay" --dump --json "$d/$mode.lz4" >"$d/$mode.json" 2>"$d/$mode.json.err"
		ntrap=$(grep -c '^{"event":[0-9]*,"type":"rdtsc"' "$d/$mode.json")
		nent=$(grep -o '"call":"rdtscp*"' "$d/$mode.json" | wc -l)
		found="rec ${flags:-(in-process on)}: $ntrap rdtsc records, $nent rdtsc and rdtscp buffer entries"
		if [ "$rs" != 0 ] || grep -q '^rec: ' "$d/$mode.err"; then
			fail "$name: recording inproc_rdtsc exited $rs: $(grep -m1 '^rec: ' "$d/$mode.err")$(tail -1 "$d/$mode.out")"
		elif [ "$ps" != "$rs" ] || ! cmp -s "$d/$mode.out" "$d/$mode.replay" || grep -q '^replay: ' "$d/$mode.replay.err"; then
			fail "$name: replay exited $ps (recording $rs), output $(cmp -s "$d/$mode.out" "$d/$mode.replay" && echo same || echo OTHER): $(grep -m1 '^replay: ' "$d/$mode.replay.err"); $found"
		elif [ ! -s "$d/$mode.json" ] || [ -s "$d/$mode.json.err" ]; then
			fail "$name: replay --dump --json failed: $(head -1 "$d/$mode.json.err")"
		elif [ "$mode" = on ] && { [ "$nent" -lt 50000 ] || [ "$ntrap" -ge 200 ]; }; then
			fail "$name: want 50000 rdtsc buffer entries or more and under 200 rdtsc records; $found"
		elif [ "$mode" = off ] && { [ "$nent" != 0 ] || [ "$ntrap" -lt 50000 ]; }; then
			fail "$name: want no rdtsc buffer entry and 50000 rdtsc records or more; $found"
		else
			pass "$name: $found; replay: same output, status 0"
		fi
	done
fi
# inproc_run NAME PROG: records PROG with the real rec ($REC_REAL, in-process
# on) into $TMPD/NAME, replays it and dumps it as JSON there (out, err,
# replay, replay.err, json); sets rs and ps to rec's and replay's status.
inproc_run() {
	d=$TMPD/$1
	mkdir -p "$d"
	timeout -k 10 120 "$REC_REAL" -q -o "$d/t.lz4" -- "$2" </dev/null >"$d/out" 2>"$d/err"
	rs=$?
	timeout -k 10 120 "$BIN/replay" "$d/t.lz4" </dev/null >"$d/replay" 2>"$d/replay.err"
	ps=$?
	timeout 120 "$BIN/replay" --dump --json "$d/t.lz4" >"$d/json" 2>"$d/json.err"
}
# inproc_failed NAME PROG: fails NAME (and returns 0) when the recording or
# its replay of inproc_run went wrong.
inproc_failed() {
	if [ "$rs" != 0 ] || grep -q '^rec: ' "$d/err"; then
		fail "$1: recording $2 exited $rs: $(grep -m1 '^rec: ' "$d/err")$(tail -1 "$d/out")"
	elif [ "$ps" != 0 ] || ! cmp -s "$d/out" "$d/replay" || grep -q '^replay: ' "$d/replay.err"; then
		fail "$1: replay exited $ps, output $(cmp -s "$d/out" "$d/replay" && echo same || echo OTHER): $(grep -m1 '^replay: ' "$d/replay.err")"
	else
		return 1
	fi
}
# Sockets and epoll recorded in-process (docs/inprocess.md, section 15):
# inproc_sock makes, 100 times, the calls of a Go net/http server's
# connection (socket, setsockopt, connect, epoll_ctl, epoll_wait and
# epoll_pwait, accept4, getsockopt, getsockname, getpeername). Its trace
# must hold at least 50 buffered entries of each (inproc-sock-buffered),
# and epoll_pwait with a signal mask must stay traced (at least 30 syscall
# records: one round in three); the trace replays to the recording's
# output and status. The real rec ($REC_REAL), in-process on.
IS=$TBIN/inproc_sock
if [ -x "$IS" ]; then
	inproc_run inproc-sock "$IS"
	missing= found=
	for c in socket setsockopt connect epoll_ctl epoll_wait epoll_pwait accept4 getsockopt getsockname getpeername; do
		n=$(grep '^{"event":[0-9]*,"type":"buffer"' "$d/json" | grep -o "\"call\":\"$c\"" | wc -l)
		found="$found $c $n"
		[ "$n" -ge 50 ] || missing="$missing $c"
	done
	masked=$(grep -c '^{"event":[0-9]*,"type":"syscall".*"call":"epoll_pwait(.*, 0x[0-9a-f]*, 8)"' "$d/json")
	if inproc_failed inproc-sock-buffered inproc_sock; then
		:
	elif [ -n "$missing" ] || [ "$masked" -lt 30 ]; then
		fail "inproc-sock-buffered: want 50 buffered calls or more of each, and 30 traced epoll_pwait with a mask or more; not buffered enough:$missing; buffered:$found; traced epoll_pwait with a mask: $masked"
	else
		pass "inproc-sock-buffered: buffered:$found; traced epoll_pwait with a mask: $masked; replay: same output, status 0"
	fi
fi
# File calls recorded in-process (docs/inprocess.md section 15):
# inproc_files makes 60 rounds of openat, fcntl locks, lseek, read, write,
# fstat (glibc: newfstatat), newfstatat, statx, access, readlink(at),
# getdents64, futex wakes and close. Each of those calls must be in the trace's buffer records at
# least 50 times (a site's first call is traced: it is patched then), and
# the trace replays to the recording's output and status. The real rec.
IF=$TBIN/inproc_files
if [ -x "$IF" ]; then
	inproc_run inproc-files "$IF"
	missing=
	for c in openat close fcntl lseek read write newfstatat statx access readlink readlinkat getdents64 futex; do
		n=$(grep -o "\"call\":\"$c\"" "$d/json" | wc -l)
		[ "$n" -ge 50 ] || missing="$missing $c ($n)"
	done
	if inproc_failed inproc-files inproc_files; then
		:
	elif [ -n "$missing" ]; then
		fail "inproc-files: want each file call buffered 50 times or more; buffered:$missing"
	else
		pass "inproc-files: openat, close, fcntl, lseek, read, write, newfstatat, statx, access, readlink(at), getdents64, futex buffered; replay: same output, status 0"
	fi
fi
exit 0
