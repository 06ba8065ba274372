#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run each benchmark workload under Kestrel and under QEMU, N times each,
in one run, and print a table: min and median wall time of each, and the
ratio Kestrel/QEMU of the medians (lower is better). Also writes
BUILD/bench/results.csv and, when gnuplot is installed, results.png.

usage: run-bench.py BUILDDIR [WORKLOAD...]     (BENCH_RUNS=N, default 3)

Workloads (WORKLOADS below) are of two kinds: "bare", a 64 KiB BIOS image
from bench/workloads/ that prints PASS on the debug console and exits
through isa-debug-exit; "linux", the i386 Linux guest of
scripts/make-linux-guest (BUILD/guests/linux-i386), timed from process
start to the marker line on the serial console, when the emulator is
killed; "net" (tcp-tx), that guest with the e1000 module sending
NET_BYTES over slirp to a listener here, timed from accept to the last
byte; "prog", a C program of bench/linux/ (built here with gcc -m32,
no libc) added to that guest's initramfs and run by its /init, which
prints the guest's own clock_gettime figure ("BENCH-NS n"): that figure
is the time. Each has extra emulator arguments (-cpu ...) used for both.
"""
import csv
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

QEMU = "/usr/bin/qemu-system-x86_64"
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


BOOT_MARKER = b"KESTREL-BOOT-OK"
PROG_MARKER = b"BENCH-NS"
PROG_INIT = """#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
/%s
poweroff -f
"""

# name, kind, extra arguments (for both emulators), guest RAM in MiB
WORKLOADS = [
    ("startup", "bare", [], 64),
    ("loop-int32", "bare", [], 64),
    ("loop-real16", "bare", [], 64),
    ("smc", "bare", [], 64),
    ("x87", "bare", ["-cpu", "qemu64"], 64),
    ("sse2", "bare", ["-cpu", "qemu64"], 64),
    ("irq-pit", "bare", ["-cpu", "486"], 64),
    ("paging", "bare", ["-cpu", "qemu64"], 64),
    ("syscalls-int80", "bare", ["-cpu", "qemu64"], 64),
    ("boot", "linux", [], 256),
    ("integer", "prog", ["-cpu", "qemu64"], 256),
    ("syscalls", "prog", ["-cpu", "qemu64"], 256),
    ("tcp-tx", "net", [], 256),
]
NET_BYTES = 32 << 20
UDHCPC_SCRIPT = r"""#!/bin/sh
case "$1" in
deconfig) ip addr flush dev $interface; ip link set $interface up ;;
bound|renew)
    ip addr flush dev $interface
    ip addr add $ip/${mask:-24} dev $interface
    for r in $router; do ip route add default via $r dev $interface; done
    echo "lease $ip router $router dns $dns" ;;
esac
"""
DEFAULT = [w[0] for w in WORKLOADS]


def bare(image, mem=64):
    """Arguments for a bare workload image (exits through debug-exit)."""
    return ["-display", "none", "-nodefaults", "-m", str(mem), "-bios", image,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def linux(build, mem=256):
    """Arguments for the i386 Linux guest (serial console on stdout)."""
    d = os.path.join(build, "guests", "linux-i386")
    return ["-display", "none", "-nodefaults", "-m", str(mem),
            "-kernel", os.path.join(d, "vmlinuz"),
            "-initrd", os.path.join(d, "initramfs.cpio.gz"),
            "-append", "console=ttyS0 quiet", "-serial", "stdio"]


def run_marker(cmd, timeout, marker=BOOT_MARKER):
    """Wall seconds from process start until MARKER appears on stdout (the
    emulator is killed then) and max RSS (KiB); None when it failed. With
    a prog's marker (BENCH-NS), the guest's figure after it instead."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    buf = b""
    wall = None
    try:
        fd = p.stdout.fileno()
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([fd], [], [], 0.5)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            if marker == PROG_MARKER:
                m = re.search(rb"BENCH-NS (\d+)\r?\n", buf)
                if m:
                    wall = int(m.group(1)) / 1e9
                    break
            elif marker in buf:
                wall = time.monotonic() - t0
                break
    finally:
        p.send_signal(signal.SIGKILL)
        _, _, ru = os.wait4(p.pid, 0)
        p.returncode = 0
        p.stdout.close()
        p.stdin.close()
    return (wall, ru.ru_maxrss) if wall is not None else None


def prog_guest(build, name):
    """The i386 guest's initramfs with bench/linux/NAME.c built and run by
    /init: a second cpio archive after the first (the kernel unpacks both,
    the later /init wins). Its path, or None (no gcc -m32, no guest)."""
    base = os.path.join(build, "guests", "linux-i386", "initramfs.cpio.gz")
    src = os.path.join(SRC, "bench", "linux", name + ".c")
    out = os.path.join(build, "bench", name + ".cpio.gz")
    if not os.path.exists(base):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, name)
        if subprocess.run(["gcc", "-m32", "-static", "-nostdlib",
                           "-ffreestanding", "-fno-pic", "-no-pie", "-O2",
                           "-fno-tree-loop-distribute-patterns", "-Wall",
                           "-I", os.path.dirname(src), src, "-o", exe]
                          ).returncode != 0:
            return None
        with open(os.path.join(tmp, "init"), "w") as f:
            f.write(PROG_INIT % name)
        os.chmod(os.path.join(tmp, "init"), 0o755)
        arch = subprocess.run("printf 'init\\n%s\\n' | cpio -o -H newc "
                              "--quiet | gzip -1" % name, shell=True,
                              cwd=tmp, capture_output=True)
        if arch.returncode != 0:
            return None
    with open(out, "wb") as f:
        f.write(open(base, "rb").read() + arch.stdout)
    return out


def net_guest(build):
    """Kernel and initrd of the i386 Linux guest with the e1000 module."""
    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", build, "--modules", "e1000", "i386"],
                       capture_output=True, text=True)
    return p.stdout.split() if p.returncode == 0 else None


def run_tcp_tx(cmd, timeout):
    """Guest -> host TCP over slirp: boot the e1000 Linux guest, get a
    lease, then busybox nc sends NET_BYTES to a listener on the host
    (10.0.2.2 in the guest). Seconds from the connection's accept to the
    last byte, and max RSS (KiB); None when it failed."""
    import socket
    sys.path.insert(0, os.path.join(SRC, "tests", "functional"))
    import guestlib
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    res = {}

    def listener():
        lsock.settimeout(timeout)
        try:
            c, _ = lsock.accept()
        except OSError:
            return
        t0 = time.monotonic()
        n = 0
        c.settimeout(timeout)
        try:
            while n < NET_BYTES:
                d = c.recv(1 << 16)
                if not d:
                    break
                n += len(d)
        except OSError:
            pass
        res["secs"] = time.monotonic() - t0
        res["bytes"] = n
        c.close()
    th = threading.Thread(target=listener, daemon=True)
    th.start()
    g = guestlib.Guest(cmd[0], cmd[1:])
    try:
        g.expect("KESTREL-BOOT-OK", timeout)
        g.shell_ready()
        for line in UDHCPC_SCRIPT.strip().split("\n"):
            g.run("echo '%s' >> /bin/dhcp.sh" % line.replace("'", ""))
        g.run("chmod +x /bin/dhcp.sh")
        g.run("for i in $(seq 60); do [ -e /sys/class/net/eth0 ] && break; "
              "sleep 1; done", 90)
        out, st = g.run("udhcpc -i eth0 -s /bin/dhcp.sh -q -n -t 5", 120)
        if st != 0:
            return None
        g.run("dd if=/dev/zero bs=65536 count=%d 2>/dev/null | "
              "nc 10.0.2.2 %d" % (NET_BYTES >> 16, port), timeout)
        th.join(timeout)
    except guestlib.TestFailure as e:
        sys.stderr.write(str(e)[:2000])
        return None
    finally:
        lsock.close()
        g.proc.kill()
        _, _, ru = os.wait4(g.proc.pid, 0)
        g.proc.returncode = -9
    if res.get("bytes") != NET_BYTES:
        return None
    return res["secs"], ru.ru_maxrss


def run_once(cmd, timeout, kind="bare"):
    """Wall seconds and max RSS (KiB) of one run; None when it failed."""
    if kind == "linux":
        return run_marker(cmd, timeout)
    if kind == "prog":
        return run_marker(cmd, timeout, PROG_MARKER)
    if kind == "net":
        return run_tcp_tx(cmd, timeout)
    with tempfile.TemporaryDirectory() as tmp:
        con = os.path.join(tmp, "con")
        t0 = time.monotonic()
        p = subprocess.Popen(cmd + ["-debugcon", "file:" + con],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        # a guest that never exits (or an emulator that hangs) is killed
        # after the timeout and counts as failed
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except KeyboardInterrupt:
            p.kill()
            raise
        finally:
            killer.cancel()
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        ok = p.returncode == 1 and open(con).read().endswith("PASS\n")
    cpu = ru.ru_utime + ru.ru_stime
    return (wall, ru.ru_maxrss, cpu) if ok else None


def measure(cmd, runs, timeout=600, kind="bare"):
    """min and median wall s, max RSS (KiB), median CPU s (bare only, else
    None); None when a run failed."""
    walls, rss, cpus = [], [], []
    for _ in range(runs):
        r = run_once(cmd, timeout, kind)
        if r is None:
            return None
        walls.append(r[0])
        rss.append(r[1])
        if len(r) > 2:
            cpus.append(r[2])
    return (min(walls), statistics.median(walls), max(rss),
            statistics.median(cpus) if cpus else None)


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("-"):
        print(__doc__.strip())
        print("\nworkloads: " + " ".join(DEFAULT))
        sys.exit(0 if sys.argv[1] in ("-h", "--help") else 2)
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    if not os.path.isfile(os.path.join(build, "kestrel")):
        sys.exit("run-bench.py: %s/kestrel not found (build first)" % build)
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    kestrel = os.path.join(build, "kestrel")
    names = sys.argv[2:] or DEFAULT
    table = {w[0]: w for w in WORKLOADS}
    for name in names:
        if name not in table:
            sys.exit("run-bench.py: unknown workload %s (have: %s)"
                     % (name, " ".join(DEFAULT)))
    outdir = os.path.join(build, "bench")
    os.makedirs(outdir, exist_ok=True)
    rows = []
    print("%-15s %22s %22s %8s %14s %16s %14s" % ("workload",
          "kestrel min/median s", "qemu min/median s", "ratio",
          "RSS K/Q MiB", "RSS-RAM K/Q MiB", "CPU K/Q s"))
    for name in names:
        _, kind, extra, mem = table[name]
        tmo = {"linux": 120, "prog": 300, "net": 300}.get(kind, 120)
        if kind == "net":
            kr = net_guest(build)
            if not kr:
                print("%-15s skipped: cannot build the Linux guest with e1000"
                      % name)
                continue
            gargs = ["-display", "none", "-nodefaults", "-m", str(mem),
                     "-kernel", kr[0], "-initrd", kr[1],
                     "-append", "console=ttyS0 quiet", "-serial", "stdio",
                     "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"]
        elif kind == "prog":
            gargs = linux(build, mem)
            initrd = prog_guest(build, name)
            if not initrd:
                print("%-15s skipped: no Linux guest or no gcc -m32" % name)
                continue
            gargs[gargs.index("-initrd") + 1] = initrd
        elif kind == "linux":
            gargs = linux(build, mem)
            if not os.path.exists(gargs[gargs.index("-kernel") + 1]):
                print("%-15s skipped: no Linux guest (scripts/make-linux-guest"
                      " --builddir %s i386)" % (name, build))
                continue
        else:
            gargs = bare(os.path.join(build, "bench", name + ".bin"), mem)
        k = measure([kestrel, "-accel", "tcg"] + extra + gargs, runs, tmo,
                    kind=kind)
        q = measure([QEMU, "-machine", "pc", "-accel", "tcg"] + extra + gargs,
                    runs, tmo, kind=kind) if os.path.exists(QEMU) else None

        def fmt(r):
            return "%9.3f / %9.3f" % (r[0], r[1]) if r else "%22s" % "failed"
        ratio = "%8.2f" % (k[1] / q[1]) if k and q else "%8s" % "-"
        rss = "%6.0f/%-6.0f" % (k[2] / 1024 if k else 0,
                                q[2] / 1024 if q else 0)
        # resident memory beyond guest RAM (RAM the guest never touches
        # may not be resident, so this can be negative)
        extra_rss = "%7.0f/%-7.0f" % (k[2] / 1024 - mem if k else 0,
                                      q[2] / 1024 - mem if q else 0)
        # CPU time (user + system, median) of the bare kinds: steadier
        # than wall time on a loaded machine
        def cpu(r):
            return "%.2f" % r[3] if r and r[3] is not None else "-"
        print("%-15s %22s %22s %s %14s %16s %14s" % (
            name, fmt(k), fmt(q), ratio, rss, extra_rss,
            cpu(k) + "/" + cpu(q)))
        if kind == "net":
            def mbs(r):
                return "%.1f" % (NET_BYTES / 1e6 / r[1]) if r else "-"
            print("%-15s %s MiB guest->host: Kestrel %s MB/s, QEMU %s MB/s"
                  " (median)" % ("", NET_BYTES >> 20, mbs(k), mbs(q)))
        sys.stdout.flush()
        rows.append([name] + (list(k[:3]) if k else ["", "", ""]) +
                    (list(q[:3]) if q else ["", "", ""]) + [ratio.strip()] +
                    [r[3] if r and r[3] is not None else ""
                     for r in (k, q)])
    path = os.path.join(outdir, "results.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "kestrel_min_s", "kestrel_median_s",
                    "kestrel_rss_kib", "qemu_min_s", "qemu_median_s",
                    "qemu_rss_kib", "ratio", "kestrel_cpu_s",
                    "qemu_cpu_s"])
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
