#!/usr/bin/env python3
"""`lvsc simulate --all-single-failures` on a generated 2-director cluster (N virtual servers x
4 real servers each, the cluster bench.py lints): every director, link and real server failed
one at a time. Prints the wall time and peak RSS of the whole command (median of several runs),
lvsc's own phase timings, and beside them `keepalived -t` on both directors' files (the
reference tool only parses them: it has no simulator) and the ratio. Not a test.

Usage: bench/simulate.py [--lvsc PATH] [--runs N] [--services 10000]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lvsc", default=os.path.join(ROOT, ".build/release/lvsc"))
    ap.add_argument("--keepalived", default=shutil.which("keepalived") or "/usr/sbin/keepalived")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--services", type=int, default=10000)
    a = ap.parse_args()
    for tool in (a.lvsc, a.keepalived):
        if not os.access(tool, os.X_OK):
            sys.exit("bench: %s is not executable (build with: swift build -c release)" % tool)
    work = tempfile.mkdtemp(prefix="lvsc-bench-sim-")
    try:
        folder = os.path.join(work, "cluster")
        bench.write_cluster(a.services, folder)
        inv = os.path.join(folder, "cluster.txt")
        cmd = [a.lvsc, "simulate", "--inventory", inv, "--all-single-failures"]
        lv, ka = [], []
        for _ in range(a.runs):
            t, m, rc = bench.measure(cmd)
            if rc not in (0, 1):
                sys.exit("bench: lvsc simulate exited %d" % rc)
            lv.append((t, m))
            t1, m1, _ = bench.measure([a.keepalived, "-t", "-f", os.path.join(folder, "lvs01.conf")])
            t2, m2, _ = bench.measure([a.keepalived, "-t", "-f", os.path.join(folder, "lvs02.conf")])
            ka.append((t1 + t2, max(m1, m2)))
        r = subprocess.run(cmd + ["--timings"], capture_output=True, text=True)
        summary = r.stdout.splitlines()[0] if r.stdout else ""
        phases = [l for l in r.stderr.splitlines() if "timings:" in l]
        lt = statistics.median(x[0] for x in lv); lm = max(x[1] for x in lv)
        kt = statistics.median(x[0] for x in ka); km = max(x[1] for x in ka)
        print("cluster: 2 directors x %d virtual services x 4 real servers" % a.services)
        print(summary)
        print("%-34s %10s %10s" % ("", "seconds", "MiB"))
        print("%-34s %10.3f %10.1f" % ("lvsc simulate --all-single-failures", lt, lm / 1024))
        print("%-34s %10.3f %10.1f" % ("keepalived -t, both directors", kt, km / 1024))
        print("%-34s %10.2f %10.2f" % ("ratio", lt / kt if kt else float("nan"), lm / km))
        for p in phases:
            print(p)
    finally:
        shutil.rmtree(work)

if __name__ == "__main__":
    main()
