#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot a Debian kernel with a busybox initramfs to a shell on the serial
console, run commands there, and power off.

usage: test-linux.py [--qemu] [--accel A] [--smp N] --arch i386|amd64
                     EMULATOR BUILDDIR
amd64 runs on -cpu qemu64; --smp N boots N vCPUs and checks that `nproc`
prints N.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", action="store_true")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--arch", default="i386")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("emulator")
    ap.add_argument("builddir")
    a = ap.parse_args()
    if a.qemu and not os.path.exists(a.emulator):
        print("SKIP: %s not found" % a.emulator)
        return guestlib.SKIP

    p = subprocess.run([os.path.join(SRC, "scripts/make-linux-guest"),
                        "--builddir", a.builddir, a.arch],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot build the Linux guest: " + p.stderr.strip())
        return guestlib.SKIP
    kernel, initrd = p.stdout.split()

    cpu = ["-cpu", "qemu64"] if a.arch == "amd64" else []
    g = guestlib.Guest(a.emulator, cpu + [
        "-accel", a.accel, "-m", "256", "-smp", str(a.smp), "-display", "none", "-nodefaults",
        "-serial", "stdio", "-no-reboot", "-kernel", kernel,
        "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet"],
        qemu=a.qemu)

    def test():
        try:
            g.expect("KESTREL-BOOT-OK", a.timeout)
            g.shell_ready()
            out, st = g.run("uname -m")
            want = "x86_64" if a.arch == "amd64" else "i686"
            if st != 0 or want not in out:
                g.fail("uname -m printed %r, wanted %r" % (out, want))
            out, st = g.run("nproc")
            if st != 0 or out.strip() != str(a.smp):
                g.fail("nproc printed %r, wanted %d" % (out, a.smp))
            out, st = g.run("cat /sys/bus/pci/devices/0000:00:00.0/vendor "
                            "/sys/bus/pci/devices/0000:00:00.0/device")
            if "0x8086" not in out or "0x1237" not in out:
                g.fail("host bridge IDs: %r" % out)
            out, st = g.run("dmesg | grep -E 'BUG|Oops|WARNING|unchecked "
                            "MSR' | head -5")
            if out.strip():
                g.fail("dmesg shows problems:\n" + out)
            g.send("poweroff -f\n")
            st = g.wait_exit(120)
            if st != 0:
                g.fail("poweroff -f: exit status %s, wanted 0" % st)
        finally:
            g.kill()
    guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
