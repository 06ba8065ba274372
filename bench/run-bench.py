#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run each benchmark workload under Kestrel and under QEMU, N times each,
in one run, and print a table: min and median wall time of each, and the
ratio Kestrel/QEMU of the medians (lower is better). Also writes
BUILD/bench/results.csv and, when gnuplot is installed, results.png.

usage: run-bench.py BUILDDIR [WORKLOAD...]     (BENCH_RUNS=N, default 3)
"""
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time

QEMU = "/usr/bin/qemu-system-x86_64"
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bare(image):
    """Arguments for a bare workload image (exits through debug-exit)."""
    return ["-display", "none", "-nodefaults", "-m", "64", "-bios", image,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def run_once(cmd, timeout):
    """Wall seconds and max RSS (KiB) of one run; None when it failed."""
    with tempfile.TemporaryDirectory() as tmp:
        con = os.path.join(tmp, "con")
        t0 = time.monotonic()
        p = subprocess.Popen(cmd + ["-debugcon", "file:" + con],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except KeyboardInterrupt:
            p.kill()
            raise
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        ok = p.returncode == 1 and open(con).read().endswith("PASS\n")
    return (wall, ru.ru_maxrss) if ok else None


def measure(cmd, runs, timeout=600):
    walls, rss = [], []
    for _ in range(runs):
        r = run_once(cmd, timeout)
        if r is None:
            return None
        walls.append(r[0])
        rss.append(r[1])
    return min(walls), statistics.median(walls), max(rss)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    kestrel = os.path.join(build, "kestrel")
    names = sys.argv[2:] or ["startup", "loop-int32", "loop-real16", "smc"]
    outdir = os.path.join(build, "bench")
    os.makedirs(outdir, exist_ok=True)
    rows = []
    print("%-12s %22s %22s %8s %14s" % ("workload", "kestrel min/median s",
          "qemu min/median s", "ratio", "RSS K/Q MiB"))
    for name in names:
        image = os.path.join(build, "bench", name + ".bin")
        k = measure([kestrel, "-accel", "tcg"] + bare(image), runs)
        q = measure([QEMU, "-machine", "pc", "-accel", "tcg"] + bare(image),
                    runs) if os.path.exists(QEMU) else None

        def fmt(r):
            return "%9.3f / %9.3f" % (r[0], r[1]) if r else "%22s" % "failed"
        ratio = "%8.2f" % (k[1] / q[1]) if k and q else "%8s" % "-"
        rss = "%6.0f/%-6.0f" % (k[2] / 1024 if k else 0,
                                q[2] / 1024 if q else 0)
        print("%-12s %22s %22s %s %14s" % (name, fmt(k), fmt(q), ratio, rss))
        rows.append([name] + (list(k) if k else ["", "", ""]) +
                    (list(q) if q else ["", "", ""]) + [ratio.strip()])
    path = os.path.join(outdir, "results.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "kestrel_min_s", "kestrel_median_s",
                    "kestrel_rss_kib", "qemu_min_s", "qemu_median_s",
                    "qemu_rss_kib", "ratio"])
        w.writerows(rows)
    print("results: " + path)
    plot(outdir, rows)


def plot(outdir, rows):
    gp = "/usr/bin/gnuplot"
    data = [r for r in rows if r[2] != "" and r[5] != ""]
    if not os.path.exists(gp) or not data:
        return
    dat = os.path.join(outdir, "results.dat")
    with open(dat, "w") as f:
        for r in data:
            f.write("%s %f %f\n" % (r[0], r[2], r[5]))
    script = """set terminal png size 800,400
set output '%s'
set style data histograms
set style fill solid
set ylabel 'median seconds (lower is better)'
plot '%s' using 2:xtic(1) title 'Kestrel', '' using 3 title 'QEMU'
""" % (os.path.join(outdir, "results.png"), dat)
    subprocess.run([gp], input=script.encode(), check=False)


if __name__ == "__main__":
    main()
