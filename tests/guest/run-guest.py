#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run one guest test image under Kestrel or QEMU and judge it.

A guest test is a 64 KiB BIOS image. It prints to the debug console (port
0xE9) and exits through isa-debug-exit (port 0xF4): it passes when the
process exits with status 1 (the guest wrote 0) and the console text ends
with a PASS line. Under QEMU, reads of the debug console port return 'Q'
(REF_READBACK in lib/guest.inc) so that a test can tell the reference run.
Anything else (FAIL, a timeout, a crash) fails, and the
console text and the emulator's stderr are printed.

usage: run-guest.py [--qemu] [--accel ACCEL] [--cpu MODEL] [--device DEV]...
                    [--timeout S]
                    EMULATOR IMAGE
"""
import argparse
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true",
                    help="EMULATOR is qemu-system-x86_64 (reference run)")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--cpu", help="-cpu MODEL (e.g. qemu64)")
    ap.add_argument("--device", action="append", default=[],
                    help="an extra -device for the test (repeatable)")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("emulator")
    ap.add_argument("image")
    args = ap.parse_args()

    if args.qemu and not os.path.exists(args.emulator):
        print(f"SKIP: {args.emulator} not found (install qemu-system-x86)")
        return 77

    with tempfile.TemporaryDirectory() as tmp:
        con = os.path.join(tmp, "debugcon.txt")
        cmd = [args.emulator, "-accel", args.accel, "-display", "none",
               "-nodefaults", "-m", "32", "-bios", args.image,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
               "-debugcon", "file:" + con]
        if args.qemu:
            cmd[1:1] = ["-machine", "pc",
                        "-global", "isa-debugcon.readback=0x51"]
        if args.cpu:
            cmd[1:1] = ["-cpu", args.cpu]
        for dev in args.device:
            cmd += ["-device", dev]
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=args.timeout)
            status, err = p.returncode, p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            status = None
            err = (e.stderr or b"").decode(errors="replace")
        text = open(con, errors="replace").read() if os.path.exists(con) else ""

    lines = text.splitlines()
    passed = status == 1 and lines and lines[-1] == "PASS"
    if not passed:
        why = "timeout after %gs" % args.timeout if status is None \
            else "exit status %s" % status
        print("FAIL (%s): %s" % (why, " ".join(cmd)))
        print("--- debug console ---\n" + text)
        if err:
            print("--- stderr ---\n" + err[-4000:])
        return 1
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
