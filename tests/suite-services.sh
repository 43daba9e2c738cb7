# tests/suite-services.sh - real services recorded under load from outside,
# stopped with SIGTERM to rec (which passes it on), then replayed
# $SERVICE_REPLAYS times (default 2): each replay must exit as the recording
# did, print the same bytes, report nothing, and leave no process behind.
#  - redis: redis-server answering redis-benchmark (SET and GET);
#  - nginx: a master and a worker answering a loop of HTTP requests;
#  - postgres: PostgreSQL (its System V segment, its forked backends)
#    taking psql's inserts and answering a count.
# `make deps` installs redis-server, nginx and postgresql; a service that is
# not installed fails its test (it is not skipped).
. tests/lib.sh
SERVICE_REPLAYS=${SERVICE_REPLAYS:-2}
D="$TMPD/services"
mkdir -p "$D"
chmod 755 "$TMPD" "$D"

# port: a free TCP port on the loopback.
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for NAME SECONDS CMD...: runs CMD until it succeeds (0) or SECONDS pass (1).
wait_for() {
	local name=$1 n=$(($2 * 10)); shift 2
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# finish NAME RECPID PATTERN: SIGTERM to rec (the pid in NAME's rec.pid if
# there is one, else RECPID), its status, then the replays; PATTERN names
# the service's processes for the leftover check.
finish() {
	local name=$1 rp=$2 pat=$3 d="$D/$1" st i ps
	if [ -s "$d/rec.pid" ]; then kill -TERM "$(cat "$d/rec.pid")"; else kill -TERM "$rp"; fi
	wait "$rp"
	st=$?
	if [ ! -s "$d/trace.lz4" ] || grep -q '^rec: ' "$d/rec.err"; then
		fail "service-$name: recording failed (status $st): $(grep '^rec: ' "$d/rec.err" | head -1)"
		return
	fi
	for i in $(seq 1 "$SERVICE_REPLAYS"); do
		timeout -k 10 300 $RUNAS "$BIN/replay" "$d/trace.lz4" >"$d/replay.out" 2>"$d/replay.err" </dev/null
		ps=$?
		if [ "$ps" != "$st" ]; then
			fail "service-$name: replay $i exited $ps, the recording $st: $(grep -m1 '^replay: ' "$d/replay.err")"
			return
		fi
		if ! cmp -s "$d/rec.out" "$d/replay.out" ||
			! cmp -s <(grep -v '^rec: ' "$d/rec.err") <(grep -v '^replay: ' "$d/replay.err"); then
			fail "service-$name: replay $i printed other output than the recording ($d)"
			return
		fi
		if grep -q '^replay: ' "$d/replay.err"; then
			fail "service-$name: replay $i reported: $(grep -m1 '^replay: ' "$d/replay.err")"
			return
		fi
	done
	if pgrep -f "$pat" >/dev/null; then
		fail "service-$name: processes left behind: $(pgrep -af "$pat" | head -2)"
		pkill -9 -f "$pat"
		return
	fi
	pass "service-$name (status $st, $(cat "$d/rec.out" "$d/rec.err" | grep -c .) lines of output, $SERVICE_REPLAYS replays, $(wc -c <"$d/trace.lz4") bytes of trace)"
}

# redis-server and redis-benchmark
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
	fail "service-redis: redis-server or redis-benchmark missing ('make deps' installs redis-server)"
else
	RUNAS= d="$D/redis" p=$(port)
	mkdir -p "$d"
	"$BIN/rec" -q -o "$d/trace.lz4" -- redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$d" >"$d/rec.out" 2>"$d/rec.err" </dev/null &
	rp=$!
	if ! wait_for redis 30 redis-cli -p "$p" ping; then
		fail "service-redis: no answer to ping within 30 s: $(tail -1 "$d/rec.err")"
		kill -9 "$rp"
	else
		redis-benchmark -p "$p" -n 3000 -c 4 -t set,get -q >"$d/bench.out" 2>&1
		finish redis "$rp" "redis-server --port $p"
	fi
fi

# nginx: a master and one worker, on a loopback port
if ! command -v nginx >/dev/null; then
	fail "service-nginx: nginx missing ('make deps' installs it)"
else
	RUNAS= d="$D/nginx" p=$(port)
	mkdir -p "$d/logs" "$d/tmp"
	cat >"$d/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $d/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp;
	scgi_temp_path $d/tmp;
	server {
		listen 127.0.0.1:$p;
		location / { return 200 "hello from heisen\n"; }
	}
}
CONF
	"$BIN/rec" -q -o "$d/trace.lz4" -- nginx -p "$d" -c "$d/nginx.conf" >"$d/rec.out" 2>"$d/rec.err" </dev/null &
	rp=$!
	get() { python3 -c 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=5).read() == b"hello from heisen\n" else 1)' "http://127.0.0.1:$p/"; }
	if ! wait_for nginx 30 get; then
		fail "service-nginx: no answer within 30 s: $(tail -1 "$d/rec.err")"
		kill -9 "$rp"
	else
		python3 - "$p" <<'PY' >"$d/load.out" 2>&1
import http.client, sys
ok = 0
for i in range(300):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    c.request("GET", "/n%d" % i)
    ok += c.getresponse().read() == b"hello from heisen\n"
    c.close()
print(ok)
PY
		finish nginx "$rp" "nginx -p $d"
	fi
fi

# PostgreSQL: initdb, the server under rec (as the postgres user: it
# refuses root), psql's inserts from outside
PG=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PG" ] || ! command -v psql >/dev/null || ! id postgres >/dev/null 2>&1; then
	fail "service-postgres: PostgreSQL missing ('make deps' installs postgresql)"
else
	d="$D/postgres" p=$(port)
	mkdir -p "$d"
	RUNAS=
	[ "$(id -u)" = 0 ] && RUNAS="runuser -u postgres --" && chown postgres "$d"
	if ! $RUNAS "$PG/initdb" -D "$d/data" >"$d/initdb.log" 2>&1; then
		fail "service-postgres: initdb failed: $(tail -1 "$d/initdb.log")"
	else
		# (rec's own pid: runuser, signalled, would report the signal itself)
		$RUNAS sh -c 'echo $$ >"$0/rec.pid"; exec "$@"' "$d" "$BIN/rec" -q -o "$d/trace.lz4" -- "$PG/postgres" \
			-D "$d/data" -k "$d" -p "$p" -c listen_addresses= >"$d/rec.out" 2>"$d/rec.err" </dev/null &
		rp=$!
		wait_for postgres 10 test -s "$d/rec.pid"
		if ! wait_for postgres 60 psql -h "$d" -p "$p" -U postgres -Atc 'select 1'; then
			fail "service-postgres: no answer within 60 s: $(tail -1 "$d/rec.err")"
			kill -9 "$rp"
		else
			psql -q -h "$d" -p "$p" -U postgres -c 'create table t (i int, s text)' >"$d/psql.out" 2>&1
			for i in $(seq 1 20); do
				psql -q -h "$d" -p "$p" -U postgres -c "insert into t select g, md5(g::text) from generate_series($i * 100, $i * 100 + 99) g" >>"$d/psql.out" 2>&1
			done
			n=$(psql -h "$d" -p "$p" -U postgres -Atc 'select count(*) from t' 2>>"$d/psql.out")
			if [ "$n" != 2000 ]; then
				fail "service-postgres: 2000 rows inserted, the count says '$n': $(head -1 "$d/psql.out")"
				kill -TERM "$rp"
				wait "$rp"
			else
				finish postgres "$rp" "postgres -D $d/data"
			fi
		fi
	fi
fi
