#!/usr/bin/env python3
"""Front-end benchmark: `lvsc lint` against `keepalived -t` on the same generated files.

Prints, per size (virtual servers x 4 real servers with TCP_CHECK), the median wall time and
the peak RSS of each tool over several runs, and lvsc's ratio to keepalived. Not a test: it
asserts nothing; BENCHMARKS.md records its latest output.

Usage: bench/bench.py [--lvsc PATH] [--runs N] [--sizes 100,1000,10000]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

def measure(cmd):
    """Wall seconds and peak RSS (KiB) of one run: the clock around fork/exec/wait, and the
    kernel's ru_maxrss of the child (which includes its own waited-for children)."""
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_RDWR)
        os.dup2(fd, 1); os.dup2(fd, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lvsc", default=os.path.join(ROOT, ".build/release/lvsc"))
    ap.add_argument("--keepalived", default=shutil.which("keepalived") or "/usr/sbin/keepalived")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="100,1000,10000")
    a = ap.parse_args()
    for tool in (a.lvsc, a.keepalived):
        if not os.access(tool, os.X_OK):
            sys.exit("bench: %s is not executable (build with: swift build -c release)" % tool)
    work = tempfile.mkdtemp(prefix="lvsc-bench-")
    print("%-8s %9s | %10s %10s | %10s %10s | %10s %10s" % (
        "services", "size", "lvsc s", "lvsc MiB", "kad -t s", "kad MiB", "time ratio", "mem ratio"))
    try:
        for n in [int(x) for x in a.sizes.split(",")]:
            conf = os.path.join(work, "bench-%d.conf" % n)
            subprocess.run([sys.executable, os.path.join(HERE, "genconf.py"), str(n), conf], check=True)
            lv, ka = [], []
            for _ in range(a.runs):
                t, m, rc = measure([a.lvsc, "lint", "-q", conf])
                if rc != 0:
                    sys.exit("bench: lvsc lint exited %d on %s" % (rc, conf))
                lv.append((t, m))
                t, m, rc = measure([a.keepalived, "-t", "-f", conf])
                ka.append((t, m))
            lt = statistics.median(x[0] for x in lv); lm = max(x[1] for x in lv)
            kt = statistics.median(x[0] for x in ka); km = max(x[1] for x in ka)
            size = os.path.getsize(conf)
            print("%-8d %8.1fM | %10.3f %10.1f | %10.3f %10.1f | %10.2f %10.2f" % (
                n, size / 1e6, lt, lm / 1024, kt, km / 1024, lt / kt if kt else float("nan"), lm / km))
    finally:
        shutil.rmtree(work)

if __name__ == "__main__":
    main()
