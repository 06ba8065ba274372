#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A real DOS: FreeDOS boots from the 720 KiB floppy in ../shared/guests
(see its README.md) to the A:\\> prompt on the VGA text screen; `ver`,
typed on the PS/2 keyboard with the monitor's sendkey, prints the FreeCOM
version, `echo` shows shifted keys and `dir` lists the floppy. The
screen is read through the monitor (xp of 0xb8000). The image
is never written (-snapshot). Skips when ../shared/guests is absent.
With --memdisk, SYSLINUX's MEMDISK (Debian syslinux-common) loaded with
-kernel holds the image in RAM and hooks INT 13h and the E820 map; DOS
boots from that emulated floppy instead.

usage: test-freedos.py [--qemu] [--memdisk BUILDDIR] EMULATOR
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402


def main():
    ap = guestlib.arg_parser(timeout=120)
    ap.add_argument("--memdisk", metavar="BUILDDIR",
                    help="boot the image as a RAM disk with SYSLINUX's "
                    "MEMDISK (-kernel memdisk -initrd IMAGE)")
    a = guestlib.parse_args(ap, builddir=False)
    if not a:
        return guestlib.SKIP
    image = guestlib.shared_guest("freedos-boot-720K.img")
    if not image:
        return guestlib.SKIP
    media = ["-snapshot", "-drive", "file=%s,if=floppy,format=raw" % image,
             "-boot", "order=a"]
    if a.memdisk:
        dirs = guestlib.fetch(a.memdisk, "syslinux-common")
        if not dirs:
            return guestlib.SKIP
        media = ["-kernel", os.path.join(dirs[0], "usr/lib/syslinux/memdisk"),
                 "-initrd", image]

    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "mon.sock")
        g = guestlib.Guest(a.emulator, [
            "-display", "none", "-nodefaults", "-vga", "std", "-m", "32"] +
            media + guestlib.Monitor.args(sock), qemu=a.qemu)

        def test():
            try:
                mon = guestlib.Monitor(sock, g)
                mon.wait_screen(r"^A:\\>$", a.timeout)
                mon.type("ver\n")
                mon.wait_screen(r"^FreeCom version 0\.82", 30)
                # shifted keys, and the floppy's FAT through the BIOS
                mon.type("echo Kestrel: OK_1\n")
                mon.wait_screen(r"^Kestrel: OK_1$", 30)
                mon.type("dir\n")
                mon.wait_screen(r"^KERNEL   SYS +45,450 ", 30)
                mon.wait_screen(r"^ +5 file\(s\) +112,371 bytes", 30)
                mon.close()
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
