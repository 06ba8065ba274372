#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make bench, KVM part: the integer workload (bench/linux/integer.c)
natively on the host, in the i386 Linux guest under Kestrel -accel kvm and
under QEMU -accel kvm (both -cpu qemu64), BENCH_RUNS times each (default
3). The figure is the program's own clock_gettime time (BENCH-NS), so the
guest's boot is not in it; the table gives min and median seconds and the
ratios of the medians to native and Kestrel to QEMU.

It runs only where /dev/kvm opens and the host CPU reports VMX or SVM;
elsewhere it prints one line, "kvm bench: skipped: WHY". A KVM without
VMX/SVM (kvm_pvm) emulates much of the guest in software, and a nested KVM
(tests/kvm/run-nested.py) runs on an emulated CPU: neither gives figures
of KVM's performance, so neither is measured here.

usage: run-kvm-bench.py BUILDDIR
"""
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD = "integer"


def load_run_bench():
    """bench/run-bench.py as a module: its guest and timing helpers."""
    spec = importlib.util.spec_from_file_location(
        "run_bench", os.path.join(SRC, "bench", "run-bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def why_not_kvm():
    """Why this host cannot give KVM figures, or None."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        return "/dev/kvm: " + e.strerror
    try:
        with open("/proc/cpuinfo") as f:
            flags = set()
            for line in f:
                if line.startswith("flags"):
                    flags |= set(line.split(":", 1)[1].split())
    except OSError as e:
        return "/proc/cpuinfo: " + e.strerror
    if not flags & {"vmx", "svm"}:
        return ("the host CPU has neither VMX nor SVM: /dev/kvm is a "
                "software KVM (kvm_pvm?), whose figures are not KVM's")
    return None


def native_exe(tmp):
    """The workload built for the host as prog_guest builds it for the
    guest (i386, static, no libc); its path, or None."""
    src = os.path.join(SRC, "bench", "linux", WORKLOAD + ".c")
    exe = os.path.join(tmp, WORKLOAD)
    r = subprocess.run(["gcc", "-m32", "-static", "-nostdlib",
                        "-ffreestanding", "-fno-pic", "-no-pie", "-O2",
                        "-fno-tree-loop-distribute-patterns", "-Wall",
                        "-I", os.path.dirname(src), src, "-o", exe],
                       capture_output=True)
    return exe if r.returncode == 0 else None


def run_native(exe, runs, marker):
    """BENCH-NS seconds of each native run; None when one failed (no
    IA-32 emulation in the host kernel, say)."""
    secs = []
    for _ in range(runs):
        r = subprocess.run([exe], capture_output=True, timeout=300)
        line = [ln for ln in r.stdout.split(b"\n") if ln.startswith(marker)]
        if r.returncode != 0 or not line:
            return None
        secs.append(int(line[0].split()[1]) / 1e9)
    return secs


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print(__doc__.strip())
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    build = sys.argv[1]
    why = why_not_kvm()
    if why:
        print("kvm bench: skipped: " + why)
        return 0
    rb = load_run_bench()
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    initrd = rb.prog_guest(build, WORKLOAD)
    if not initrd:
        print("kvm bench: skipped: no i386 Linux guest (scripts/"
              "make-linux-guest --builddir %s i386) or no gcc -m32" % build)
        return 0
    gargs = rb.linux(build, 256)
    gargs[gargs.index("-initrd") + 1] = initrd
    cpu = ["-accel", "kvm", "-cpu", "qemu64"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = native_exe(tmp)
        rows.append(("native", run_native(exe, runs, rb.PROG_MARKER)
                     if exe else None))
    for name, cmd in (("kestrel -accel kvm",
                       [os.path.join(build, "kestrel")] + cpu + gargs),
                      ("qemu -accel kvm",
                       [rb.QEMU, "-machine", "pc"] + cpu + gargs)):
        if not os.path.exists(cmd[0]):
            rows.append((name, None))
            continue
        secs = []
        for _ in range(runs):
            r = rb.run_marker(cmd, 300, rb.PROG_MARKER)
            if r is None:
                secs = None
                break
            secs.append(r[0])
        rows.append((name, secs))

    med = {name: statistics.median(s) for name, s in rows if s}
    print("KVM: the %s workload, %d runs (its own clock), seconds:"
          % (WORKLOAD, runs))
    print("%-20s %10s %10s %10s" % ("", "min", "median", "/native"))
    for name, s in rows:
        if not s:
            print("%-20s %10s" % (name, "failed" if name != "qemu -accel kvm"
                                  or os.path.exists(rb.QEMU) else "no qemu"))
            continue
        ratio = ("%10.2f" % (med[name] / med["native"])
                 if "native" in med else "%10s" % "-")
        print("%-20s %10.3f %10.3f %s" % (name, min(s), med[name], ratio))
    if "kestrel -accel kvm" in med and "qemu -accel kvm" in med:
        print("kestrel/qemu (medians): %.2f" %
              (med["kestrel -accel kvm"] / med["qemu -accel kvm"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
