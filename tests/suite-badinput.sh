# tests/suite-badinput.sh - rec and replay on bad input: each must exit with
# its documented status and say why on exactly one line of stderr, in time.
. tests/lib.sh

D="$TMPD/badinput"
mkdir -p "$D"
# An inner timeout that kills: a hang shows as status 137, never as a
# status that could be mistaken for one of heisen's own (timeout's 124 is
# EXIT_TRUNCATED).
T="timeout -s KILL 30"
R="$BIN/replay"

# expect_fail NAME CMD... : CMD must exit non-zero (not killed by a signal)
# and print exactly one line on stderr.
expect_fail() {
	local name=$1; shift
	local err="$TMPD/$name.err" st
	$T "$@" >/dev/null 2>"$err" </dev/null
	st=$?
	if [ "$st" = 0 ] || [ "$st" -gt 128 ]; then
		fail "$name: exit status $st, want a failure: $(head -1 "$err")"
	elif [ "$(wc -l <"$err")" != 1 ]; then
		fail "$name: want one line on stderr, got $(wc -l <"$err"): $(head -3 "$err")"
	else
		pass "$name (status $st: $(cat "$err"))"
	fi
}

# frames TRACE: prints "start end" of each LZ4 frame, from the trace's index.
frames() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
for n in range(1, 1 << 16):
    o = len(b) - (20 + 16 * n)
    if o < 0:
        break
    if b[o:o + 4] == bytes.fromhex("5e2a4d18") and b[o + 8:o + 16] == b"HXINDEX1":
        offs = [struct.unpack_from("<Q", b, o + 20 + 16 * i)[0] for i in range(n)] + [o]
        for i in range(n):
            print(offs[i], offs[i + 1])
        break
EOF
}

# flip FILE OFFSET: inverts the byte at OFFSET.
flip() {
	local v
	v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((v ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# A real trace to damage: /bin/true stores its libraries, so it has several frames.
$T "$BIN/rec" -q -o "$D/good.lz4" -- /bin/true
if [ ! -s "$D/good.lz4" ]; then
	fail "badinput: cannot record /bin/true"
	return 0 2>/dev/null || exit 0
fi
mapfile -t FR < <(frames "$D/good.lz4")
if [ "${#FR[@]}" -lt 2 ]; then
	fail "badinput: want a trace of at least 2 frames, got ${#FR[@]}"
	return 0 2>/dev/null || exit 0
fi
read -r f0s f0e <<<"${FR[0]}"
read -r f1s f1e <<<"${FR[1]}"
read -r fls fle <<<"${FR[${#FR[@]} - 1]}"
size=$(stat -c %s "$D/good.lz4")

: >"$D/empty"
echo "this is a text file, not a trace" >"$D/text.txt"
mkdir -p "$D/dir"
rm -f "$D/fifo"
mkfifo "$D/fifo"
head -c $(((f1s + f1e) / 2)) "$D/good.lz4" >"$D/cut-mid.lz4"      # inside frame 1
head -c "$f1e" "$D/good.lz4" >"$D/cut-frame.lz4"                  # at a frame's end
head -c $(((fls + fle) / 2)) "$D/good.lz4" >"$D/cut-late.lz4"     # inside the last frame
head -c $(((f0s + f0e) / 2)) "$D/good.lz4" >"$D/cut-header.lz4"   # inside the header's frame
cp "$D/good.lz4" "$D/flip-mid.lz4"
flip "$D/flip-mid.lz4" $(((f1s + f1e) / 2))
cp "$D/good.lz4" "$D/flip-header.lz4"
flip "$D/flip-header.lz4" $(((f0s + f0e) / 2))
# A future format version: the u32 after the header record's 8-byte record
# header and 8-byte magic.
lz4 -q -d -c "$D/good.lz4" >"$D/raw"
printf '\143\000\000\000' | dd of="$D/raw" bs=1 seek=16 conv=notrunc status=none
lz4 -q -z -c "$D/raw" >"$D/v99.lz4"
# A record that does not decode, inside frames whose checksums are right:
# the first syscall record gets an unknown flag.
lz4 -q -d -c "$D/good.lz4" >"$D/raw"
python3 - "$D/raw" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
o = 0
while o < len(b):
    t, n = struct.unpack_from("<II", b, o)
    if t == 4:
        b[o + 8 + 6:o + 8 + 8] = struct.pack("<H", 0x4000)
        break
    o += 8 + n
open(sys.argv[1], "wb").write(b)
EOF
lz4 -q -z -c "$D/raw" >"$D/badrec.lz4"
rm -f "$D/raw"

# Whole frames dropped, repeated or swapped, each frame intact (its LZ4
# checksums right): the frame records' numbers and chain hash tell.
if [ "${#FR[@]}" -lt 3 ]; then
	fail "badinput: want a trace of at least 3 frames for the frame-order tests, got ${#FR[@]}"
fi
part() { tail -c +$(($2 + 1)) "$1" | head -c $(($3 - $2)); } # FILE START END
{ part "$D/good.lz4" "$f0s" "$f0e"; part "$D/good.lz4" "$f1e" "$size"; } >"$D/frame-drop.lz4"
{ part "$D/good.lz4" "$f0s" "$f1e"; part "$D/good.lz4" "$f1s" "$size"; } >"$D/frame-dup.lz4"
read -r f2s f2e <<<"${FR[2]}"
{ part "$D/good.lz4" "$f0s" "$f0e"; part "$D/good.lz4" "$f2s" "$f2e"; part "$D/good.lz4" "$f1s" "$f1e"
  part "$D/good.lz4" "$f2e" "$size"; } >"$D/frame-swap.lz4"
{ part "$D/good.lz4" "$f0s" "$fls"; part "$D/good.lz4" "$fle" "$size"; } >"$D/frame-droplast.lz4"
# A trace of the previous format version (1).
lz4 -q -d -c "$D/good.lz4" >"$D/raw"
printf '\001\000\000\000' | dd of="$D/raw" bs=1 seek=16 conv=notrunc status=none
lz4 -q -z -c "$D/raw" >"$D/v1.lz4"

# The good trace itself replays, and the damaged copies differ from it.
expect_status badinput-good-info 0 sh -c "$R --info '$D/good.lz4' >/dev/null && echo ok >&2"
for f in cut-mid cut-late flip-mid v99 badrec v1 frame-drop frame-dup frame-swap frame-droplast; do
	cmp -s "$D/good.lz4" "$D/$f.lz4" && fail "badinput: $f.lz4 is not damaged"
done

for mode in replay info dump json; do
	case $mode in
	replay) opt=() ;;
	info) opt=(--info) ;;
	dump) opt=(--dump) ;;
	json) opt=(--dump --json) ;;
	esac
	expect_status "badinput-$mode-missing" 121 $T "$R" "${opt[@]}" "$D/no-such-trace.lz4"
	expect_status "badinput-$mode-dir" 121 $T "$R" "${opt[@]}" "$D/dir"
	expect_status "badinput-$mode-fifo" 121 $T "$R" "${opt[@]}" "$D/fifo"
	expect_status "badinput-$mode-empty" 121 $T "$R" "${opt[@]}" "$D/empty"
	expect_status "badinput-$mode-text" 121 $T "$R" "${opt[@]}" "$D/text.txt"
	expect_status "badinput-$mode-elf" 121 $T "$R" "${opt[@]}" /bin/true
	expect_status "badinput-$mode-cut-mid" 124 $T "$R" "${opt[@]}" "$D/cut-mid.lz4"
	expect_status "badinput-$mode-cut-frame" 124 $T "$R" "${opt[@]}" "$D/cut-frame.lz4"
	expect_status "badinput-$mode-cut-late" 124 $T "$R" "${opt[@]}" "$D/cut-late.lz4"
	expect_status "badinput-$mode-cut-header" 122 $T "$R" "${opt[@]}" "$D/cut-header.lz4"
	expect_status "badinput-$mode-flip-mid" 122 $T "$R" "${opt[@]}" "$D/flip-mid.lz4"
	expect_status "badinput-$mode-flip-header" 122 $T "$R" "${opt[@]}" "$D/flip-header.lz4"
	expect_status "badinput-$mode-version" 123 $T "$R" "${opt[@]}" "$D/v99.lz4"
	expect_status "badinput-$mode-badrecord" 122 $T "$R" "${opt[@]}" "$D/badrec.lz4"
	expect_status "badinput-$mode-oldversion" 123 $T "$R" "${opt[@]}" "$D/v1.lz4"
	for f in frame-drop frame-dup frame-swap frame-droplast; do
		expect_status "badinput-$mode-$f" 122 $T "$R" "${opt[@]}" "$D/$f.lz4"
	done
done
# The messages name the frame and what is wrong with it.
for f in frame-drop:"frame 1 missing" frame-dup:"frame 1 again or out of order" frame-swap:"frame 1 missing: the frame at byte $f1s is frame 2" \
	frame-droplast:"the index at byte"; do
	if $T "$R" "$D/${f%%:*}.lz4" 2>&1 >/dev/null | grep -q "^replay: .*trace corrupt: .*${f#*:}"; then
		pass "badinput: ${f%%:*}: replay says '${f#*:}'"
	else
		fail "badinput: ${f%%:*}: replay does not say '${f#*:}': $($T "$R" "$D/${f%%:*}.lz4" 2>&1 >/dev/null | head -1)"
	fi
done
if $T "$R" "$D/v1.lz4" 2>&1 >/dev/null | grep -q "trace format version 1 is older than this replay supports"; then
	pass "badinput: a version-1 trace is refused as older"
else
	fail "badinput: version-1 trace: $($T "$R" "$D/v1.lz4" 2>&1 >/dev/null | head -1)"
fi

# In-process recording's records (trace format 6), inserted after the
# exec record of a real trace made without them (checksums right), for a
# thread that does not exist: replay says so in one line (status 125);
# --dump and --dump --json show them, and a buffer record claiming more
# entries than it holds is corrupt. A format-5 trace (the header's version
# set back; it has none of them) still replays, and one with such a record
# is corrupt.
$T "$BIN/rec" --no-inprocess -q -o "$D/plain.lz4" -- /bin/true
TOOLS=${TOOLS:-${TBIN%/programs}/tools}
ev=$($T "$R" --dump "$D/plain.lz4" | awk '$2 == "exec" { print $1 + 1; exit }')
IP=d204000001000000000000005c5a0000     # tid 1234, version 1, base 0x5a5c00000000
PA=d204000008000000b2a1e9f7ff7f00000000fff7ff7f0000000300000f05483d01f0ffff
# tid 1234, flags 1 (notify), 2 entries: getpid = 4242 (hash 1, no region),
# clock_gettime = 0 (hash 0xdeadbeef, one region of 16 bytes)
BF=d20400000100000002000000""27a4420100000000""e40100efbeadde0110000102030405060708090a0b0c0d0e0f
BFBAD=d2040000000000000300000027a4420100000000 # 3 entries claimed, one there
if [ -z "$ev" ] || ! "$TOOLS/trace_edit" "$D/plain.lz4" "$D/ip.lz4" insert "$ev" 15 "$IP" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/ip.lz4" "$D/ippa.lz4" insert $((ev + 1)) 16 "$PA" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/ippa.lz4" "$D/inproc.lz4" insert $((ev + 2)) 17 "$BF" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/plain.lz4" "$D/pa.lz4" insert "$ev" 16 "$PA" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/plain.lz4" "$D/bf.lz4" insert "$ev" 17 "$BF" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/plain.lz4" "$D/bfbad.lz4" insert "$ev" 17 "$BFBAD" >/dev/null ||
	! "$TOOLS/trace_edit" "$D/plain.lz4" "$D/v5.lz4" set 0 8 05000000 >/dev/null ||
	! "$TOOLS/trace_edit" "$D/v5.lz4" "$D/v5ip.lz4" insert "$ev" 15 "$IP" >/dev/null; then
	fail "badinput-inproc: cannot make the traces with trace_edit (exec record at event ${ev:-?})"
else
	for f in ip:inproc pa:patch bf:buffer; do
		expect_status "badinput-inproc-${f%%:*}" 125 $T "$R" "$D/${f%%:*}.lz4"
		grep -q "^replay: divergence at event $ev (thread 0): ${f#*:} record for thread 1234, which does not exist" \
			"$TMPD/badinput-inproc-${f%%:*}.err" ||
			fail "badinput-inproc-${f%%:*}: not the message: $(head -1 "$TMPD/badinput-inproc-${f%%:*}.err")"
	done
	$T "$R" --dump "$D/inproc.lz4" >"$D/inproc.dump" 2>&1
	st=$?
	if [ "$st" = 0 ] && grep -q " inproc   tid 1234 has the in-process library at 0x5a5c00000000 (version 1)" "$D/inproc.dump" &&
		grep -q " patch    tid 1234 patches the syscall site 0x7ffff7e9a1b2 (8 bytes) to slot 0x7ffff7ff0000+0x300, code 0f05483d01f0ffff" "$D/inproc.dump" &&
		grep -q " buffer   tid 1234: 2 buffered syscalls, 16 bytes, then a stop for rec" "$D/inproc.dump" &&
		grep -q "^ *getpid = 4242$" "$D/inproc.dump" && grep -q "^ *clock_gettime = 0  \[1 regions, 16 bytes\]$" "$D/inproc.dump"; then
		pass "badinput-inproc-dump (the three records shown)"
	else
		fail "badinput-inproc-dump: status $st: $(grep -E 'inproc|patch|buffer|getpid|clock' "$D/inproc.dump" | head -5)"
	fi
	$T "$R" --dump --json "$D/inproc.lz4" >"$D/inproc.json" 2>&1
	if python3 -c '
import json, sys
recs = {r["type"]: r for r in map(json.loads, open(sys.argv[1]))}
b = recs["buffer"]
ok = recs["inproc"]["base"] == 0x5a5c00000000 and recs["patch"]["code"] == "0f05483d01f0ffff" and \
     b["count"] == 2 and b["notify"] and [(e["call"], e["result"], e["args_hash"]) for e in b["entries"]] == \
     [("getpid", 4242, 1), ("clock_gettime", 0, 0xdeadbeef)]
sys.exit(0 if ok else 1)' "$D/inproc.json"; then
		pass "badinput-inproc-json (valid JSON, fields decoded)"
	else
		fail "badinput-inproc-json: $(grep -E 'inproc|patch|buffer' "$D/inproc.json" | head -3)"
	fi
	for opt in "" --dump --info; do
		expect_status "badinput-inproc-badbuffer${opt:+-${opt#--}}" 122 $T "$R" $opt "$D/bfbad.lz4"
	done
	expect_status badinput-format5-replays 0 sh -c "$R '$D/v5.lz4' && $R --info '$D/v5.lz4' | grep -q 'trace format 5' && echo replayed >&2"
	expect_status badinput-format5-inproc 122 $T "$R" --dump "$D/v5ip.lz4"
fi

# Trace format 7 and later: the program runs rt_sigaction itself, in rec and in
# replay, with no record (sc_unrecorded). sig_flags (sigaction with its
# flags) records none and replays; the same trace read as format 6, whose
# rt_sigaction calls have records, diverges (status 125).
$T "$BIN/rec" -q -o "$D/sigact.lz4" -- "$TBIN/sig_flags" >"$D/sigact.rec.out" 2>/dev/null
if ! "$TOOLS/trace_edit" "$D/sigact.lz4" "$D/sigact6.lz4" set 0 8 06000000 >/dev/null; then
	fail "badinput-format7-sigaction: cannot make the format-6 copy with trace_edit"
else
	expect_status badinput-format7-sigaction 0 sh -c "$R --info '$D/sigact.lz4' | grep -q 'trace format 11' &&
		! $R --dump '$D/sigact.lz4' | grep -q ' rt_sigaction(' && $R '$D/sigact.lz4' >'$D/sigact.rep.out' &&
		cmp -s '$D/sigact.rec.out' '$D/sigact.rep.out' && echo replayed with no rt_sigaction record >&2"
	$T "$R" -q "$D/sigact6.lz4" >/dev/null 2>"$D/sigact6.err"
	st=$?
	if [ "$st" = 125 ] && head -1 "$D/sigact6.err" | grep -q "divergence at event .*, got rt_sigaction("; then
		pass "badinput-format6-sigaction ($(head -1 "$D/sigact6.err"))"
	else
		fail "badinput-format6-sigaction: status $st: $(head -1 "$D/sigact6.err")"
	fi
fi

# replay's command line
expect_status badinput-replay-noargs 120 $T "$R"
expect_status badinput-replay-badopt 120 $T "$R" --no-such-option "$D/good.lz4"
expect_status badinput-replay-badshort 120 $T "$R" -Z "$D/good.lz4"
expect_status badinput-replay-twotraces 120 $T "$R" "$D/good.lz4" "$D/good.lz4"
expect_status badinput-replay-json-alone 120 $T "$R" --json "$D/good.lz4"

# rec's command line and programs it cannot run; no trace may be left behind
expect_status badinput-rec-noprog 120 $T "$BIN/rec" -q -o "$D/r1.lz4"
expect_status badinput-rec-noargs 120 $T "$BIN/rec"
expect_status badinput-rec-badopt 120 $T "$BIN/rec" --no-such-option -- /bin/true
expect_status badinput-rec-missing 127 $T "$BIN/rec" -q -o "$D/r2.lz4" -- "$D/no-such-program"
expect_status badinput-rec-notinpath 127 $T "$BIN/rec" -q -o "$D/r3.lz4" -- heisen-no-such-program-in-path
chmod -x "$D/text.txt"
expect_status badinput-rec-noexec 126 $T "$BIN/rec" -q -o "$D/r4.lz4" -- "$D/text.txt"
for f in r1 r2 r3 r4; do
	[ -e "$D/$f.lz4" ] && fail "badinput: rec left a trace $f.lz4 for a program it could not run"
done
expect_status badinput-rec-dir 126 $T "$BIN/rec" -q -o "$D/r5.lz4" -- "$D/dir"
printf 'not a program\001\002' >"$D/junk.bin"
chmod +x "$D/junk.bin"
expect_status badinput-rec-notelf 126 $T "$BIN/rec" -q -o "$D/r6.lz4" -- "$D/junk.bin"
# --no-inprocess: no library in the trace (the default has it), and both replay
# (the real rec, whatever REC_FLAGS says)
expect_status badinput-rec-noinprocess 0 sh -c "${REC_REAL:-$BIN/rec} --no-inprocess -q -o '$D/noinproc.lz4' -- /bin/true && $R '$D/noinproc.lz4' &&
	${REC_REAL:-$BIN/rec} -q -o '$D/inproc-on.lz4' -- /bin/true && $R '$D/inproc-on.lz4' &&
	! $R --dump '$D/noinproc.lz4' | grep -q ' inproc ' && $R --dump '$D/inproc-on.lz4' | grep -q ' inproc ' && echo recorded and replayed >&2"
expect_fail badinput-rec-outdir "$BIN/rec" -q -o "$D/no/such/dir/t.lz4" -- /bin/true
expect_fail badinput-rec-outisdir "$BIN/rec" -q -o "$D/dir" -- /bin/true
# a disk full (rec's writer thread fails to write a frame): one line, no hang
expect_fail badinput-rec-diskfull "$BIN/rec" -q -o /dev/full -- /bin/true
expect_fail badinput-rec-diskfull-long "$BIN/rec" -q -o /dev/full -- "$TBIN/ticker" 400 1
# an existing trace named with -o is replaced, not appended to
$T "$BIN/rec" -q -o "$D/good.lz4" -- /bin/true
expect_status badinput-rec-overwrite 0 sh -c "$R --info '$D/good.lz4' >/dev/null && echo ok >&2"
rm -rf "$D/dir" "$D/fifo"

# rec as an ordinary user: it records (/proc/PID/map_files is root's; the
# mapped files are read by name), or, for a program it may run but not
# read, it stops at once with one line, status 125 and no trace.
if ! command -v setpriv >/dev/null; then
	echo "SKIP: badinput-rec-user: setpriv not found"
else
	NB=$(mktemp -d /tmp/heisen-user.XXXXXX)
	chmod 755 "$NB"
	mkdir -m 1777 "$NB/w"
	cp "$BIN/rec" "$BIN/replay" "$NB/"
	# with REC_FLAGS, rec is run.sh's wrapper: the real rec and its options go too
	if [ -d "$BIN/real" ]; then mkdir -m 755 "$NB/real" && cp "$BIN/real/rec" "$BIN/real/flags" "$NB/real/"; fi
	cp /bin/true "$NB/true-noread"
	chmod 711 "$NB/true-noread"
	AS_USER=()
	[ "$(id -u)" = 0 ] && AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	expect_status badinput-rec-user 0 "${AS_USER[@]}" sh -c "cd '$NB/w' && ../rec -q -o t.lz4 -- /bin/true && ../replay t.lz4 && echo recorded and replayed >&2"
	expect_status badinput-rec-user-noread 125 "${AS_USER[@]}" "$NB/rec" -q -o "$NB/w/t2.lz4" -- "$NB/true-noread"
	[ -e "$NB/w/t2.lz4" ] && fail "badinput: rec left a trace of a program it could not record"
	# What rec does for every program, unprivileged: threads, signal
	# frames, faults, rdtsc, preemption with counting sites, fork and
	# exec, mapped files (read by name, not /proc/PID/map_files): each
	# recorded as that user, with no message from rec, and replayed as that
	# user to the same output.
	for p in sig_frame_kernel preempt_compute fork_tree mmap_file proc_exec; do
		[ -x "$TBIN/$p" ] || continue
		cp "$TBIN/$p" "$NB/$p"
		"${AS_USER[@]}" sh -c "cd '$NB/w' && ../rec -q -o $p.lz4 -- ../$p >$p.rec 2>$p.rec.err && ../replay $p.lz4 >$p.rep 2>$p.rep.err"
		st=$?
		if [ "$st" = 0 ] && [ -s "$NB/w/$p.rec" ] && cmp -s "$NB/w/$p.rec" "$NB/w/$p.rep" &&
			! grep -q '^rec: ' "$NB/w/$p.rec.err" && ! grep -q '^replay: ' "$NB/w/$p.rep.err"; then
			pass "badinput-rec-user-$p (recorded and replayed unprivileged, $(wc -c <"$NB/w/$p.rec") bytes as recorded)"
		else
			fail "badinput-rec-user-$p: status $st: $(cat "$NB/w/$p.rec.err" "$NB/w/$p.rep.err" 2>/dev/null | head -2)"
		fi
	done
	rm -rf "$NB"
fi

# --version of both: one line on stdout, status 0.
for tool in rec replay; do
	out=$($T "$BIN/$tool" --version 2>&1)
	st=$?
	if [ "$st" = 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
		printf '%s\n' "$out" | grep -q "^$tool heisen [0-9][0-9.]*, trace format [0-9][0-9]*$"; then
		pass "badinput-$tool-version ($out)"
	else
		fail "badinput-$tool-version: status $st, output: $out"
	fi
done
# --json alone names --dump
$T "$R" --json "$D/good.lz4" >/dev/null 2>"$D/json-alone.err"
grep -q -- '--json needs --dump' "$D/json-alone.err" && pass "badinput-replay-json-says-dump ($(cat "$D/json-alone.err"))" ||
	fail "badinput-replay-json-says-dump: $(cat "$D/json-alone.err")"

# Control bytes from a trace never reach the terminal raw: a recorded argv
# with an escape sequence and a newline, and a program whose path holds one
# (its file, exec records: --dump), are printed escaped by --info and
# --dump; --dump --json stays valid JSON that decodes to the real path.
ESC=$(printf '\033')
no_raw_controls() { # FILE: no byte below 0x20 but the newline, no DEL
	! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$1")
}
escdir="$D/dir-${ESC}[1m"
mkdir -p "$escdir"
cp /bin/echo "$escdir/echo"
$T "$BIN/rec" -q -o "$D/esc.lz4" -- "$escdir/echo" "${ESC}[31mred" "$(printf 'two\nlines')" >/dev/null 2>"$D/esc.rec.err"
if [ ! -s "$D/esc.lz4" ]; then
	fail "badinput-escape: cannot record $escdir/echo: $(head -1 "$D/esc.rec.err")"
else
	$T "$R" --info "$D/esc.lz4" >"$D/esc.info" 2>&1
	if ! no_raw_controls "$D/esc.info"; then
		fail "badinput-escape-info: replay --info printed a raw control byte: $(head -1 "$D/esc.info" | od -c | head -2)"
	elif ! grep -qF 'command      '"$D"'/dir-\x1b[1m/echo \x1b[31mred two\nlines' "$D/esc.info"; then
		fail "badinput-escape-info: the command line is not shown escaped: $(head -1 "$D/esc.info")"
	else
		pass "badinput-escape-info ($(head -1 "$D/esc.info" | sed "s|$D|...|"))"
	fi
	$T "$R" --dump "$D/esc.lz4" >"$D/esc.dump" 2>&1
	if ! no_raw_controls "$D/esc.dump"; then
		fail "badinput-escape-dump: replay --dump printed a raw control byte"
	elif ! grep -qF 'dir-\x1b[1m/echo' "$D/esc.dump"; then
		fail "badinput-escape-dump: the program's path is not shown escaped: $(grep -m1 exec "$D/esc.dump")"
	else
		pass "badinput-escape-dump ($(grep -m1 ' exec ' "$D/esc.dump" | sed "s|$D|...|"))"
	fi
	$T "$R" --dump --json "$D/esc.lz4" >"$D/esc.json" 2>&1
	if ! no_raw_controls "$D/esc.json"; then
		fail "badinput-escape-json: replay --dump --json printed a raw control byte"
	elif ! python3 -c '
import json, sys
want = sys.argv[2]
paths = [r.get("path") for r in map(json.loads, open(sys.argv[1]))]
sys.exit(0 if want in paths else 1)' "$D/esc.json" "$escdir/echo"; then
		fail "badinput-escape-json: not valid JSON, or no record decodes to the real path: $(grep -m1 exec "$D/esc.json")"
	else
		pass "badinput-escape-json (valid JSON, the path decodes with its escape byte)"
	fi
fi
expect_status badinput-escape-rec-msg 127 $T "$BIN/rec" -q -o "$D/r7.lz4" -- "$D/no-${ESC}[2J-program"
grep -q "$ESC" "$TMPD/badinput-escape-rec-msg.err" && fail "badinput-escape-rec-msg: rec's message holds a raw escape byte"
rm -rf "$escdir"
