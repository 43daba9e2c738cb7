# py_mix.py: file I/O, json and threads, a few seconds' worth at most. A
# workload of bench/syscall_mix.sh. Argument 1: a scratch directory.
import json, os, sys, threading, time, hashlib

d = sys.argv[1] if len(sys.argv) > 1 else "."
records = [{"id": i, "name": "item%d" % i, "tags": ["a", "b", str(i % 7)], "v": i * 0.5} for i in range(2000)]

def worker(k):
    p = os.path.join(d, "part%d.json" % k)
    for rnd in range(5):
        with open(p, "w") as f:
            json.dump(records[k::4], f)
        with open(p) as f:
            got = json.load(f)
        h = hashlib.sha256(json.dumps(got).encode()).hexdigest()
        with open(os.path.join(d, "log%d.txt" % k), "a") as f:
            for r in got[:50]:
                f.write("%d %s %s\n" % (r["id"], r["name"], h[:8]))
        time.sleep(0.001)

ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
for t in ts: t.start()
for t in ts: t.join()
n = 0
for name in sorted(os.listdir(d)):
    st = os.stat(os.path.join(d, name))
    with open(os.path.join(d, name), "rb") as f:
        for line in f:
            n += 1
print("files", len(os.listdir(d)), "lines", n)
