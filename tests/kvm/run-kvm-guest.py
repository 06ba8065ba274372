#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run one guest test under -accel kvm, or skip (exit 77) with the reason
where /dev/kvm cannot be opened. The test itself is tests/guest/run-guest.py.

usage: run-kvm-guest.py RUN_GUEST [runner options...] KESTREL IMAGE
"""
import os
import subprocess
import sys


def main():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        print("SKIP: /dev/kvm: %s (the nested run, make check-kvm, needs "
              "it too)" % e.strerror)
        return 77
    runner = sys.argv[1]
    cmd = [sys.executable, runner, "--accel", "kvm"] + sys.argv[2:]
    return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
