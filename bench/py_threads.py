# py_threads.py - a threaded python3 workload for bench/run.sh: 4 threads
# compute in pure Python (integer arithmetic, dict and list work), so they
# hand the GIL over to each other (every 5 ms by default: a futex and a
# timed wait) for about 0.7 s natively on the 2-core development VM at the
# default N. Prints each thread's checksum (deterministic: no shared state).
# Usage: python3 py_threads.py [N] (N steps per thread; 0: start and join).
import sys
import threading


def work(k, n, out):
    counts = {}
    window = []
    x = 2463534242 + k
    acc = 0
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        key = x % 1024
        counts[key] = counts.get(key, 0) + 1
        window.append(x & 0xFFFF)
        if len(window) > 64:
            acc = (acc + sum(window) * (i % 7 + 1)) % 1000000007
            window.clear()
    out[k] = (acc, len(counts), max(counts.values()) if counts else 0)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 450000
    out = {}
    threads = [threading.Thread(target=work, args=(k, n, out)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        print("thread", k, *out[k])


main()
