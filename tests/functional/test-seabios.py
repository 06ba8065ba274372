#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SeaBIOS POSTs on the pc board: its debug log (isa-debugcon at port
0x402, on a file chardev) names the PCI devices with QEMU's IDs, the hard
disk, the (empty) CD drive and "Booting from Floppy..." then "Hard
Disk...", and the VGA text
screen, read through the monitor (xp of 0xb8000), shows its banner and
the same lines; so does a screendump (PPM, 720x400). The floppy and the
disk are blank, so each fails its boot signature check and the BIOS ends
at "No bootable device."

usage: test-seabios.py [--qemu] EMULATOR
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

PCI_IDS = [("00:00.0", "8086:1237"), ("00:01.0", "8086:7000"),
           ("00:01.1", "8086:7010"), ("00:01.3", "8086:7113"),
           ("00:02.0", "1234:1111")]


def check_screendump(g, mon, path):
    """The screendump of the text screen: 80x25 cells of 9x16 pixels; the
    banner's pixels on the first row stop where its text ends."""
    w, h, pixels = mon.screendump(path)
    if (w, h) != (720, 400):
        g.fail("screendump is %dx%d, wanted 720x400" % (w, h))
    lit = [x for y in range(16) for x in range(w)
           if pixels[(y * w + x) * 3:(y * w + x) * 3 + 3] != b"\0\0\0"]
    banner = mon.screen()[0]
    if not lit or max(lit) >= 9 * len(banner) or min(lit) >= 9:
        g.fail("screendump: the first text row lights pixels %s..%s, "
               "the banner %r spans 0..%d" %
               (min(lit, default=None), max(lit, default=None), banner,
                9 * len(banner) - 1))


def main():
    ap = guestlib.arg_parser(timeout=60)
    a = guestlib.parse_args(ap, builddir=False)
    if not a:
        return guestlib.SKIP

    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "seabios.log")
        sock = os.path.join(tmp, "mon.sock")
        disk = os.path.join(tmp, "disk.img")
        floppy = os.path.join(tmp, "floppy.img")
        with open(disk, "wb") as f:
            f.truncate(8 << 20)
        with open(floppy, "wb") as f:
            f.truncate(1440 << 10)
        g = guestlib.Guest(a.emulator, [
            "-display", "none", "-nodefaults", "-vga", "std", "-m", "64",
            "-chardev", "file,id=seabios,path=" + log,
            "-device", "isa-debugcon,iobase=0x402,chardev=seabios",
            "-drive", "file=%s,format=raw,if=ide,index=0" % disk,
            "-drive", "file=%s,format=raw,if=floppy" % floppy,
            "-drive", "if=ide,index=2,media=cdrom",
            "-boot", "order=ac"] + guestlib.Monitor.args(sock), qemu=a.qemu)

        def test():
            try:
                mon = guestlib.Monitor(sock, g)
                wait = a.timeout
                guestlib.wait_file(log, r"No bootable device", wait, g.proc)
                text = open(log, errors="replace").read()
                for bdf, ids in PCI_IDS:
                    if "PCI: init bdf=%s id=%s" % (bdf, ids) not in text:
                        g.fail("SeaBIOS did not find %s at %s:\n%s" %
                               (ids, bdf, text[-3000:]))
                for want in [r"SeaBIOS \(version 1\.16",
                             r"ata0-0: \S+ HARDDISK .*Hard-Disk "
                             r"\(8 MiBytes\)",
                             r"DVD/CD \[ata1-0: \S+ DVD-ROM ATAPI-\d "
                             r"DVD/CD\]",
                             r"PS2 keyboard initialized",
                             r"Booting from Floppy\.\.\.\n"
                             r"Boot failed: not a bootable disk",
                             r"Booting from Hard Disk\.\.\.\n"
                             r"Boot failed: not a bootable disk"]:
                    guestlib.wait_file(log, want, 1)
                mon.wait_screen(r"^SeaBIOS \(version 1\.16", 10)
                mon.wait_screen(r"^Booting from Floppy\.\.\.", 10)
                mon.wait_screen(r"^Booting from Hard Disk\.\.\.", 10)
                mon.wait_screen(r"^No bootable device\.", 10)
                check_screendump(g, mon, os.path.join(tmp, "screen.ppm"))
                mon.close()
            finally:
                g.kill()
        guestlib.main(test)


if __name__ == "__main__":
    sys.exit(main())
