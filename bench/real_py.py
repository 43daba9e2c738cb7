# real_py.py: python3 startup and a small script, a workload of
# bench/real.sh: json written to and read back from a few files in the
# scratch directory given as argument 1, then a summary line (the same
# every run).
import json, os, sys

d = sys.argv[1]
records = [{"id": i, "name": "item%d" % i, "tags": ["a", "b", str(i % 7)], "v": i * 0.5} for i in range(3000)]
for k in range(5):
    with open(os.path.join(d, "part%d.json" % k), "w") as f:
        json.dump(records[k::5], f)
total, ids = 0.0, 0
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name)) as f:
        for r in json.load(f):
            total += r["v"]
            ids += r["id"]
print("files %d, ids %d, sum %.1f" % (len(os.listdir(d)), ids, total))
