#!/usr/bin/env bash
# tests/fuzz/seeds.sh - remakes the seed corpus tests/fuzz/corpus/: small real
# traces of tests/fuzz/seed.c (recorded with an empty environment from /),
# the same records raw ('R' inputs, see fuzz_trace.c) and behind a check frame
# ('C'), and hand-made inputs.
# Needs bin/rec (make), gcc, lz4 and python3.
set -eu
cd "$(dirname "$0")/../.."
C=tests/fuzz/corpus
T=$(mktemp -d /tmp/heisen-seeds.XXXXXX)
trap 'rm -rf "$T"' EXIT
REC=$PWD/bin/rec
gcc -O1 -static -nostdlib -fno-stack-protector -fno-pie -no-pie -Wl,--build-id=none \
	-o "$T/seed" tests/fuzz/seed.c
rm -rf "$C"
mkdir -p "$C"
(cd / && env -i "$REC" -q -o "$T/exit.lz4" -- "$T/seed" </dev/null >/dev/null)
(cd / && env -i "$REC" -q -o "$T/crash.lz4" -- "$T/seed" crash </dev/null >/dev/null) || true
(cd / && env -i "$REC" -q -o "$T/frames.lz4" -- "$T/seed" sleep x </dev/null >/dev/null)
cp "$T/exit.lz4" "$T/crash.lz4" "$T/frames.lz4" "$C/"

python3 - "$T" "$C" <<'PY'
import struct, subprocess, sys
t, c = sys.argv[1], sys.argv[2]
def raw(name):
    return subprocess.run(["lz4", "-dc", f"{t}/{name}"], check=True, capture_output=True).stdout
def records(b):
    out, o = [], 0
    while o < len(b):
        typ, n = struct.unpack_from("<II", b, o)
        out.append(b[o:o + 8 + n])
        o += 8 + n
    return out
def put(name, data):
    open(f"{c}/{name}", "wb").write(data)
r = records(raw("crash.lz4"))
types = [struct.unpack_from("<I", x)[0] for x in r]
# raw inputs: every record; without the big exec and file records; header alone
put("raw-crash", b"R" + b"".join(r))
small = [x for x, ty in zip(r, types) if ty not in (2, 3, 12)]
put("raw-small", b"R" + b"".join(small))
# 'C' inputs: an LZ4 frame without checksums, behind a check frame
def lz4_plain(b):
    return subprocess.run(["lz4", "-q", "-z", "--no-frame-crc", "-c"], input=b, check=True, capture_output=True).stdout
put("checked-small", b"C" + lz4_plain(b"".join(small)))
put("raw-header", b"R" + r[0])
# a header from a future format version (u32 at byte 16 of the record)
h = bytearray(r[0]); h[16:20] = struct.pack("<I", 99)
put("raw-version99", b"R" + bytes(h) + r[-1])
# a record after the end, an unknown type, a record longer than its frame
put("raw-after-end", b"R" + b"".join(small) + small[1])
put("raw-badtype", b"R" + r[0] + struct.pack("<II", 9, 0) + r[-1])
put("raw-overlong", b"R" + r[0] + struct.pack("<II", 4, 1000) + b"x" * 16)
# the in-process records after the exec record
ip = struct.pack("<IIQ", 7, 1, 0x5a5c00000000)
pa = struct.pack("<IIQQI", 7, 8, 0x7ffff7e9a1b2, 0x7ffff7ff0000, 0x300) + bytes.fromhex("0f05483d01f0ffff")
bf = struct.pack("<III", 7, 0, 1) + bytes.fromhex("27a442") + struct.pack("<I", 1) + b"\0"
ex = types.index(3)
inproc = [struct.pack("<II", 15, len(ip)) + ip, struct.pack("<II", 16, len(pa)) + pa, struct.pack("<II", 17, len(bf)) + bf]
put("raw-inproc", b"R" + b"".join(x for x, ty in zip(r[:ex + 1], types) if ty not in (2, 3, 12)) + b"".join(inproc) + b"".join(small[1:]))
# single payloads for the decoders ('D', type - 1, payload)
for i, (x, ty) in enumerate(zip(r, types)):
    if ty in (2, 3) and len(x) > 20000:
        continue  # the file and exec records are big; the 'R' inputs have them
    put(f"dec-{i:02d}-type{ty}", b"D" + bytes([ty - 1]) + x[8:])
# a small exec record: one map with content, one without
regs = bytes(27 * 8)
m1 = struct.pack("<QQQIIB", 0x400000, 0x401000, 0, 5, 0, 1) + bytes(16) + struct.pack("<I", 6) + b"/prog\0" + struct.pack("<Q", 0)
m2 = struct.pack("<QQQIIB", 0x600000, 0x600010, 0, 3, 0, 0) + bytes(16) + struct.pack("<I", 1) + b"\0" + struct.pack("<Q", 16) + bytes(range(16))
ex = struct.pack("<I", 7) + struct.pack("<I", 6) + b"/prog\0" + struct.pack("<QQQ", 0x602000, 0, 0) + regs + struct.pack("<I", 2) + m1 + m2
put("dec-exec-small", b"D" + bytes([2]) + ex)
fl = struct.pack("<QQ", 1, 2) + struct.pack("<I", 3) + b"/f\0" + struct.pack("<QQQ", 4, 0, 4) + b"data"
put("dec-file-small", b"D" + bytes([1]) + fl)
put("dec-sysenter", b"D" + bytes([8]) + struct.pack("<II", 7, 202))
put("dec-newtask", b"D" + bytes([9]) + struct.pack("<IIQQQ", 7, 8, 0x3d0f00, 0x7000, 0x7000))
put("dec-frame", b"D" + bytes([11]) + struct.pack("<QQQQ", 1, 5, 1000, 0x1234))
put("dec-sigframe", b"D" + bytes([13]) + struct.pack("<IIQI", 7, 10, 0x7ffff000, 16) + bytes(range(16)))
# in-process recording: the library's base, a patched syscall site, a
# buffer of two calls (getpid = 4242; clock_gettime = 0 with 16 bytes)
put("dec-inproc", b"D" + bytes([14]) + struct.pack("<IIQ", 7, 1, 0x5a5c00000000))
put("dec-patch", b"D" + bytes([15]) + struct.pack("<IIQQI", 7, 8, 0x7ffff7e9a1b2, 0x7ffff7ff0000, 0x300)
    + bytes.fromhex("0f05483d01f0ffff"))
put("dec-buffer", b"D" + bytes([16]) + struct.pack("<III", 7, 1, 2) + bytes.fromhex("27a442") + struct.pack("<I", 1)
    + b"\0" + bytes.fromhex("e40100") + struct.pack("<I", 0xdeadbeef) + b"\x01\x10" + bytes(range(16)))
# cut traces
whole = open(f"{t}/frames.lz4", "rb").read()
put("cut-half.lz4", whole[:len(whole) // 2])
put("cut-end.lz4", whole[:-30])
# not traces
put("empty", b"")
put("text", b"this is not a heisen trace\n")
put("magic-only", bytes.fromhex("04224d18"))
put("skippable-only", bytes.fromhex("5e2a4d1804000000") + b"abcd")
PY
# an LZ4 frame of nothing, and one of text
printf '' | lz4 -q -z -BX -c > "$C/frame-empty.lz4"
printf 'hello, not records\n' | lz4 -q -z -BX -c > "$C/frame-text.lz4"
du -sh "$C"
