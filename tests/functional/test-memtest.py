#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""memtest86+ 6 (Debian's memtest86+: the 64-bit BIOS build
boot/memtest86+x64.bin on -cpu qemu64, or with --build ia32 the 32-bit
one, which uses PAE, on -cpu qemu32) boots with -kernel through the Linux
boot protocol, as under QEMU. It starts its tests: its screen mirror on
the serial console (console=ttyS0,115200) shows test progress, and the
VGA text screen, read through the monitor, shows its title. With --pass,
one whole pass must complete with 0 errors (minutes: the slow suite).

usage: test-memtest.py [--qemu] [--pass] [--build x64|ia32] EMULATOR BUILDDIR
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402


def main():
    ap = guestlib.arg_parser(timeout=120)
    ap.add_argument("--pass", dest="full_pass", action="store_true")
    ap.add_argument("--build", choices=["x64", "ia32"], default="x64")
    a = guestlib.parse_args(ap)
    if not a:
        return guestlib.SKIP
    dirs = guestlib.fetch(a.builddir, "memtest86+")
    if not dirs:
        return guestlib.SKIP
    image = os.path.join(dirs[0], "boot", "memtest86+%s.bin" % a.build)
    cpu = "qemu64" if a.build == "x64" else "qemu32"

    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "mon.sock")
        g = guestlib.Guest(a.emulator, [
            "-cpu", cpu, "-m", "32", "-display", "none", "-nodefaults",
            "-vga", "std", "-serial", "stdio", "-kernel", image,
            "-append", "console=ttyS0,115200"] + guestlib.Monitor.args(sock),
            qemu=a.qemu)

        def test():
            try:
                mon = guestlib.Monitor(sock, g)
                g.expect(r"Memtest86\+ v6\.\d+", a.timeout)
                g.expect(r"Memory  : +3\dMB", a.timeout)
                g.expect(r"#[0-9]+ +\[(Address test|Moving inversions)",
                         a.timeout)
                g.expect(r"Pass:  0 +Errors: 0 ", a.timeout)
                mon.wait_screen(r"Memtest86\+ v6\.\d+", 30)
                mon.wait_screen(r"Pass:  0 +Errors: 0", 30)
                if a.full_pass:
                    # the counters are redrawn often: find the first
                    # "Pass:  1", then read its error count
                    m = g.expect(r"Pass:  1 +Errors: (\d+)", 1500)
                    if m.group(1) != b"0":
                        g.fail("memtest86+ found %s errors in pass 1" %
                               m.group(1).decode())
                    mon.wait_screen(r"Pass:  [1-9] +Errors: 0", 60)
                mon.close()
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
