#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SMP under SeaBIOS: with -smp N the BIOS wakes the application
processors with INIT/SIPI through the local APIC and counts them; its
debug log (port 0x402) must say "Found N cpu(s) max supported N cpu(s)".
Also the clear error for -smp with a CPU model that has no local APIC,
and, given a build directory, Debian's i386 Linux with -smp 2 bringing up
both CPUs (it uses the local APIC timers, the I/O APIC and the HPET).

usage: test-smp.py [--qemu] [--linux BUILDDIR] EMULATOR
With --qemu the same boots run under QEMU (the error case is Kestrel's).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def seabios_cpus(emu, qemu, ncpus, timeout=90):
    """Boot with -smp ncpus until SeaBIOS reports its CPU count; the
    matching log line, or None with the log for the failure message."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "debug.log")
        cmd = [emu] + (["-machine", "pc", "-accel", "tcg"] if qemu else []) + [
            "-display", "none", "-nodefaults", "-smp", str(ncpus),
            "-chardev", "file,id=dbg,path=" + log,
            "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        text = ""
        try:
            end = time.monotonic() + timeout
            while time.monotonic() < end and proc.poll() is None:
                if os.path.exists(log):
                    with open(log, errors="replace") as f:
                        text = f.read()
                    for line in text.splitlines():
                        if line.startswith("Found ") and "cpu(s)" in line:
                            return line, text
                time.sleep(0.2)
        finally:
            proc.kill()
            proc.wait()
        return None, text + "\n[stderr] " + proc.stderr.read()


def linux_smp2(emu, qemu, builddir, timeout=300):
    """Boot the test Linux with -smp 2; None when both CPUs came up and it
    reached its shell, "skip: ..." without a guest, else the console."""
    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", builddir, "i386"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return "skip: cannot build the Linux guest: " + p.stderr.strip()
    kernel, initrd = p.stdout.split()
    cmd = [emu] + (["-machine", "pc", "-accel", "tcg"] if qemu else []) + [
        "-m", "256", "-smp", "2", "-display", "none", "-nodefaults",
        "-serial", "stdio", "-no-reboot", "-kernel", kernel,
        "-initrd", initrd, "-append", "console=ttyS0 panic=-1"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    text = b""
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end and proc.poll() is None:
            chunk = proc.stdout.read()
            if chunk:
                text += chunk
            if (b"Brought up 1 node, 2 CPUs" in text and
                    b"KESTREL-BOOT-OK" in text):
                return None
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait()
    return text.decode(errors="replace")[-3000:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("--linux", metavar="BUILDDIR")
    ap.add_argument("emulator")
    args = ap.parse_args()
    failures = 0

    for n in (1, 2, 4):
        line, log = seabios_cpus(args.emulator, args.qemu, n)
        want = "Found %d cpu(s) max supported %d cpu(s)" % (n, n)
        if n == 1 and line is None and "No apic" in log:
            line = want                 # a CPU model without an APIC
        if line != want:
            print("FAIL: -smp %d: expected %r, got %r\n%s" % (n, want, line,
                                                             log[-2000:]))
            failures += 1
        else:
            print("ok: -smp %d: %s" % (n, line))

    if not args.qemu:
        r = subprocess.run([args.emulator, "-display", "none", "-nodefaults",
                            "-cpu", "486", "-smp", "2"], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        want = "kestrel: -smp 2: CPU model 486 has no local APIC"
        if r.returncode != 1 or r.stderr.strip() != want:
            print("FAIL: -cpu 486 -smp 2: exit %d, stderr %r" %
                  (r.returncode, r.stderr))
            failures += 1
        else:
            print("ok: -cpu 486 -smp 2 is refused")

    if args.linux:
        res = linux_smp2(args.emulator, args.qemu, args.linux)
        if res is None:
            print("ok: Linux -smp 2 brought up 2 CPUs and reached its shell")
        elif res.startswith("skip: "):
            print(res)
        else:
            print("FAIL: Linux -smp 2:\n" + res)
            failures += 1

    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
