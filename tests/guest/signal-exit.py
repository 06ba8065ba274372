#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SIGTERM and SIGINT end Kestrel while the guest keeps it busy.

Runs IMAGE (pit-storm.asm: a busy loop interrupted by the PIT at 596 kHz,
faster than the host follows), waits for RUN on the debug console, sends
the signal and expects Kestrel to exit with status 0, as QEMU does. Before
issue #14 was fixed, the main loop could stay in the PIT's timer callbacks
for longer and longer runs and get to the signal seconds late. The only
time limit is the liveness one (--wait).

usage: signal-exit.py [--wait S] EMULATOR IMAGE
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time


def run_once(args, sig, tmp):
    con = os.path.join(tmp, "con-%d.txt" % sig)
    cmd = [args.emulator, "-cpu", "486", "-display", "none", "-nodefaults",
           "-m", "32", "-bios", args.image, "-debugcon", "file:" + con]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.exists(con) and "RUN" in open(con).read():
            break
        time.sleep(0.05)
    else:
        p.kill()
        return "the guest did not start (%s)" % p.communicate()[0][-2000:]
    time.sleep(0.5)                     # let the storm build up
    p.send_signal(sig)
    try:
        out, _ = p.communicate(timeout=args.wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return "still running %gs after the signal" % args.wait
    if p.returncode != 0:
        return "exit status %d: %s" % (p.returncode, out[-2000:])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wait", type=float, default=30)
    ap.add_argument("emulator")
    ap.add_argument("image")
    args = ap.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for sig in (signal.SIGTERM, signal.SIGINT):
            why = run_once(args, sig, tmp)
            name = signal.Signals(sig).name
            print("%s: %s" % (name, "FAIL: " + why if why else "exited"))
            failed |= why is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
