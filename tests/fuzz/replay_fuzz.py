#!/usr/bin/env python3
"""tests/fuzz/replay_fuzz.py - replays mutated traces for real.

Records a few test programs, then until the time is up: mutates one of the
traces with trace_edit (record fields, records dropped/repeated/swapped,
all re-encoded by the project's writer so every checksum and chain hash is
right; or whole LZ4 frames dropped/repeated/swapped/cut) and replays it
with the given replay (the ASan build) under a time limit. Counts:

  crash  replay killed by a signal, or an ASan/UBSan/LSan report
  hang   replay still running after --limit seconds
  wrong  a frame edit not reported as a corrupt (122) or truncated (124) trace

Each finding is kept in --findings (the trace and replay's stderr). The
replays run as uid 65534 in new PID and network namespaces when this runs
as root (a mutated trace may make the program run syscalls replay did not
decide on; docs/security.md), four at a time (--jobs), with replay's own
wait bound as users get it (HEISEN_WAIT_FLOOR=30, --floor: an ASan replay
in this sandbox on a loaded 2-core machine was seen stalled 17 s at its
start). Exits 1 if anything was found."""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

SANITIZER = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
             b"ERROR: UndefinedBehaviorSanitizer")
# Runs the command and reports a death by signal as status 200 and a line
# (replay may be PID 1 of its namespace otherwise, and a shell would turn
# a signal into 128+N, like a program's own status).
WRAP = ("import subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "if r.returncode < 0:\n"
        "    print('replay_fuzz: killed by signal', -r.returncode, file=sys.stderr)\n"
        "sys.exit(200 if r.returncode < 0 else r.returncode)\n")


def sandbox():
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return []
    pre = ["unshare", "--pid", "--fork", "--net", "--mount-proc", "--kill-child",
           "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run(pre + ["true"], capture_output=True).returncode != 0:
        return []
    return pre


def run(cmd, limit, env):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        _, err = p.communicate(timeout=limit)
        return p.returncode, err, False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        return None, err, True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rec", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--edit", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--limit", type=float, default=150, help="seconds a replay may take")
    ap.add_argument("--floor", default="30", help="HEISEN_WAIT_FLOOR for the replays")
    ap.add_argument("--work", required=True)
    ap.add_argument("--findings", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=4, help="replays at once (most wait, idle, for their bound)")
    ap.add_argument("programs", nargs="+")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    rnd = random.Random(seed)
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.findings, exist_ok=True)
    os.chmod(a.work, 0o755)
    pre = sandbox()
    env = dict(os.environ, HEISEN_WAIT_FLOOR=a.floor,
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"),
               UBSAN_OPTIONS=os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1"))
    py = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    replay = [py, "-c", WRAP, os.path.abspath(a.replay)]
    if pre and subprocess.run(pre + replay + ["--version"], capture_output=True).returncode != 0:
        print(f"replay_fuzz: uid 65534 cannot run {a.replay} (a directory on its path not searchable by all?)")
        return 2

    seeds = []
    for prog in a.programs:
        name = os.path.basename(prog)
        t = os.path.join(a.work, f"seed-{name}.lz4")
        r = subprocess.run([a.rec, "-q", "-o", t, "--", prog], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        if not os.path.exists(t):
            print(f"replay_fuzz: cannot record {prog}; left out")
            continue
        os.chmod(t, 0o644)
        st, err, hung = run(pre + replay + [t], a.limit, env)
        if st != r.returncode:
            print(f"replay_fuzz: {name}: the unmutated trace replays with {st}, recorded {r.returncode}; left out")
            continue
        seeds.append(t)
    if not seeds:
        print("replay_fuzz: no seed traces")
        return 2
    print(f"replay_fuzz: {len(seeds)} seed traces, seed {seed}, {a.jobs} at once, sandbox: {'uid 65534, new pid+net namespaces' if pre else 'none'}")

    counts = {"runs": 0, "crash": 0, "hang": 0, "wrong": 0, "frames": 0, "records": 0}
    statuses = {}
    slowest = [0.0]
    end = time.time() + a.seconds
    lock = threading.Lock()

    def worker(w):
        wr = random.Random(rnd.randrange(1 << 62))
        m = os.path.join(a.work, f"mutated-{w}.lz4")
        while time.time() < end:
            t = wr.choice(seeds)
            kind = "frames" if wr.random() < 0.3 else "records"
            s = wr.randrange(1 << 30)
            args = ["frames", str(s)] if kind == "frames" else ["mutate", str(s), str(wr.randint(1, 3))]
            e = subprocess.run([a.edit, t, m] + args, capture_output=True)
            if e.returncode != 0:
                continue
            os.chmod(m, 0o644)
            t0 = time.time()
            st, err, hung = run(pre + replay + [m], a.limit, env)
            took = time.time() - t0
            what = None
            if hung:
                what = "hang"
            elif st == 200 or any(x in err for x in SANITIZER):
                what = "crash"
            elif kind == "frames" and st not in (122, 124):
                what = "wrong"
            note = f"{os.path.basename(t)} {' '.join(args)}: {e.stdout.decode().strip()}\n"
            with lock:
                counts["runs"] += 1
                counts[kind] += 1
                n = counts["runs"]
                statuses[st] = statuses.get(st, 0) + 1
                slowest[0] = max(slowest[0], took)
                if what:
                    counts[what] += 1
            if what:
                base = os.path.join(a.findings, f"replay-{what}-{n}")
                shutil.copy(m, base + ".lz4")
                with open(base + ".txt", "wb") as f:
                    f.write(note.encode() + f"status {st}\n".encode() + err)
                print(f"replay_fuzz: {what}: {base}.lz4 ({e.stdout.decode().strip()}): status {st}", flush=True)
            elif took > a.limit / 4:  # kept to look at: what made it slow
                base = os.path.join(a.work, f"slow-{n}-{took:.0f}s")
                shutil.copy(m, base + ".lz4")
                with open(base + ".txt", "wb") as f:
                    f.write(note.encode() + err)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    slowest = slowest[0]
    print(f"replay_fuzz: {counts['runs']} replays ({counts['records']} record edits, {counts['frames']} frame edits) "
          f"in {a.seconds:.0f} s: {counts['crash']} crashes, {counts['hang']} hangs, {counts['wrong']} wrong statuses; "
          f"slowest {slowest:.1f} s; statuses " +
          ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
    return 1 if counts["crash"] or counts["hang"] or counts["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
