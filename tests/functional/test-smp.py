#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SMP under SeaBIOS: with -smp N the BIOS wakes the application
processors with INIT/SIPI through the local APIC and counts them; its
debug log (port 0x402) must say "Found N cpu(s) max supported N cpu(s)".
Also the clear error for -smp with a CPU model that has no local APIC.

usage: test-smp.py [--qemu] EMULATOR
With --qemu the same boots run under QEMU (the error case is Kestrel's).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true")
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

    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
