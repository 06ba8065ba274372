#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SMP under -accel kvm where /dev/kvm opens (the nested run, kvm-nested,
does the same inside its guest and skips here): SeaBIOS with -smp N wakes
the application processors by INIT/SIPI through Kestrel's local APIC and
counts them; its debug log (port 0x402) must say "Found N cpu(s) max
supported N cpu(s)", for N = 2 and 4. Skips (exit 77) without /dev/kvm.

usage: run-kvm-smp.py KESTREL
"""
import os
import subprocess
import sys
import tempfile
import time


def found_line(kestrel, ncpus, timeout=60):
    """SeaBIOS's "Found ... cpu(s)" line with -smp ncpus, or None and the
    end of its log."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "bios.log")
        p = subprocess.Popen([kestrel, "-accel", "kvm", "-display", "none",
                              "-nodefaults", "-m", "64", "-smp", str(ncpus),
                              "-chardev", "file,id=dbg,path=" + log,
                              "-device", "isa-debugcon,iobase=0x402,"
                              "chardev=dbg"],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        text = ""
        try:
            end = time.monotonic() + timeout
            while time.monotonic() < end and p.poll() is None:
                if os.path.exists(log):
                    with open(log, errors="replace") as f:
                        text = f.read()
                    for line in text.splitlines():
                        if line.startswith("Found ") and "cpu(s)" in line:
                            return line, text
                time.sleep(0.2)
        finally:
            p.kill()
            _, err = p.communicate()
        return None, text[-1500:] + "\n[stderr] " + err


def main():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        print("SKIP: /dev/kvm: %s (kvm-nested runs this inside its "
              "guest)" % e.strerror)
        return 77
    failures = 0
    for n in (2, 4):
        want = "Found %d cpu(s) max supported %d cpu(s)" % (n, n)
        line, log = found_line(sys.argv[1], n)
        if line != want:
            print("FAIL: -smp %d: expected %r, got %r\n%s" % (n, want, line,
                                                             log))
            failures += 1
        else:
            print("ok: -smp %d: %s" % (n, line))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
